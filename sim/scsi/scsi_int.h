/*
 * sim/scsi/scsi_int.h - what the files of the SCSI bus share (private to
 * sim/scsi/; users include sim/scsi/scsi.h).
 *
 * bus.c owns the bus, submission, events, latency, faults, abort and
 * resets; unit.c executes one command against a logical unit (the opcode
 * table and the commands' handlers); mode.c the mode pages; sense.c builds
 * sense data; names.c names and decodes.
 */
#ifndef SIM_SCSI_INT_H
#define SIM_SCSI_INT_H

#include "base/bytes.h"
#include "disk/disk.h"
#include "scsi/scsi.h"
#include "world/rng.h"

/* cmd->state_: CMD_ARMED has its own event armed; CMD_GROUPED completes
 * from a group's event (bus.c). */
enum { CMD_IDLE = 0, CMD_ARMED, CMD_HUNG, CMD_GROUPED };

/* Group records per bus: commands due at one instant, submitted back to
 * back, share one world event (scsi.h). With none free, each command has
 * its own event, as ever. */
#define SCSI_GROUPS 8

typedef struct scsi_group {
  dm_event      ev;
  sim_scsi_cmd *head, *tail; /* linked by grp_next_, in submission order */
  sim_scsi_bus *bus;
  uint8_t       used, firing;
} scsi_group;

/* cmd->forced_: an outcome decided when the command was received. Fault
 * rules fire as FORCED_FAULT + their index. */
enum { FORCED_NONE = 0, FORCED_TSF = 1, FORCED_FAULT = 2 };

/* Pending unit attentions, reported highest bit first... lowest first. */
enum { UA_POR = 1u, UA_BUS_RESET = 2u, UA_MODE_CHANGED = 4u };

struct sim_scsi_unit {
  sim_scsi_bus        *bus;
  uint8_t              target;
  uint16_t             lun;
  sim_disk            *disk;
  sim_scsi_unit_config cfg;
  uint64_t             blocks;
  uint8_t              wce;      /* current write-cache-enable */
  uint8_t              stopped;  /* START STOP UNIT with START = 0 */
  uint8_t              prevent;
  uint8_t              read_only;
  uint8_t              dirty;    /* writes since the last sync */
  uint8_t              no_latency; /* every class fixed at 0, no transfer rate */
  uint32_t             ua;       /* UA_* bits pending */
  uint32_t             inflight;
  sim_rng              rng_lat, rng_fault;
  uint64_t             fired[SIM_SCSI_MAX_FAULTS];
  sim_scsi_unit_stats  stats;
};

struct sim_scsi_bus {
  sim_world          *w;
  sim_scsi_bus_config cfg;
  sim_scsi_unit      *units[SIM_SCSI_MAX_TARGETS][SIM_SCSI_MAX_LUNS];
  uint32_t            nunits[SIM_SCSI_MAX_TARGETS];
  sim_scsi_cmd       *head, *tail; /* every command in flight, oldest first */
  uint32_t            inflight;
  uint64_t            next_tag;
  uint8_t             cur_lvl;  /* level of trace records now (scsi_trace_rec.lvl) */
  /* The completion most recently armed, and the world's next seq just
   * after: a command due at the same instant joins it while nothing else
   * has been armed since (bus.c, join). */
  sim_scsi_cmd       *last;     /* armed alone, or NULL */
  scsi_group         *open;     /* or the group armed last, or NULL */
  uint64_t            last_seq;
  scsi_group          groups[SCSI_GROUPS];
  sim_scsi_trace_fn   trace;
  void               *trace_ctx;
};

/* --- sense.c --- */
/* CHECK CONDITION with fixed-format sense key/asc/ascq. */
void scsi__check(sim_scsi_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq);
/* The same with VALID and INFORMATION = info. */
void scsi__check_info(sim_scsi_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq, uint64_t info);
/* ILLEGAL REQUEST 24/00 (invalid field in CDB) pointing at byte, bit
 * (bit < 0: no bit pointer). */
void scsi__bad_field(sim_scsi_cmd *cmd, uint16_t byte, int bit);
/* ILLEGAL REQUEST 26/00 (invalid field in parameter list) pointing at byte. */
void scsi__bad_param(sim_scsi_cmd *cmd, uint16_t byte);
/* Fill buf (at least 18 bytes) with fixed-format sense; returns 18. */
size_t scsi__fixed_sense(uint8_t *buf, uint8_t key, uint8_t asc, uint8_t ascq);

/* --- unit.c --- */
/* The command's class (latency) and the bytes its data phase will move,
 * read from the CDB without checking it. */
sim_scsi_class scsi__class_of(const sim_scsi_cmd *cmd, const sim_scsi_unit *u, uint64_t *bytes);
/* The LBA range a media command touches: returns 1 and sets *lba, *n for
 * READ/WRITE/VERIFY/SYNCHRONIZE CACHE CDBs; *is_write for WRITEs. 0 for
 * other commands. */
int scsi__media_range(const uint8_t *cdb, size_t len, uint64_t *lba, uint64_t *n, int *is_write);
/* Execute cmd on u (NULL: the LUN does not exist in an existing target,
 * whose units are tu[]): sets xport, status, sense, resid; moves data. */
void scsi__execute(sim_scsi_bus *bus, sim_scsi_unit *u, uint8_t target, sim_scsi_cmd *cmd);

/* --- mode.c --- */
/* Build MODE SENSE(6) (ten = 0) or (10) data for cdb into buf (size cap,
 * at least 128: every page set fits); returns its length, or 0 after
 * setting CHECK CONDITION in cmd. */
size_t scsi__mode_sense(sim_scsi_unit *u, sim_scsi_cmd *cmd, int ten, uint8_t *buf, size_t cap);
/* Apply MODE SELECT(6)/(10) parameter data; sets status/sense in cmd. */
void scsi__mode_select(sim_scsi_unit *u, sim_scsi_cmd *cmd, int ten, const uint8_t *p, size_t len);

/* --- bus.c --- */
/* Make the unit's writes durable; 0 or -1 (the store failed). */
int scsi__sync(sim_scsi_unit *u);
void scsi__trace(sim_scsi_bus *bus, const sim_scsi_trace_rec *rec);

#endif /* SIM_SCSI_INT_H */
