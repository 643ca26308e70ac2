/*
 * sim/scsi/scsi.h - a simulated parallel SCSI bus with targets and logical
 * units (disks backed by image files or memory), as an initiator (a host
 * bus adapter model) sees it.
 *
 * This is simulated hardware: it knows the simulated world (clock, event
 * queue, seeded random numbers) and nothing of the Device Manager.
 *
 * The contract, in short:
 *
 *  - Addresses are SAM-2's: a target ID 0..SIM_SCSI_MAX_TARGETS-1 on the
 *    bus (the initiator has one of them, default 7) and a LUN
 *    0..SIM_SCSI_MAX_LUNS-1 in the target. A target exists once a unit is
 *    attached at any of its LUNs.
 *
 *  - A command is a sim_scsi_cmd owned by the initiator (intrusive: the bus
 *    never allocates for it). The initiator fills in the "request" fields
 *    and calls sim_scsi_submit. From then until done(cmd) runs, the command,
 *    its CDB and its data buffer belong to the bus: the initiator must not
 *    change, free or resubmit them.
 *
 *  - done(cmd) runs exactly once per accepted submit, never from inside
 *    sim_scsi_submit: always from a world event (at the time the latency
 *    model gives, at the bus's event level), or from inside sim_scsi_abort /
 *    the reset calls for the commands they end. When done runs, the bus has
 *    let go of the command: done may resubmit it at once.
 *
 *  - Commands submitted one after the other with nothing else armed in the
 *    world between them, and due at the same instant, complete from one
 *    world event, one after the other in submission order (an HBA starting
 *    a batch of commands does this): completions come in the order an
 *    event each would give, since no other event could come between those
 *    events. A caller that steps the world one event at a time (a task-level
 *    wait that steps interrupt-level events until its request is done: the
 *    Device Manager's sync wait, the family's) sees the batch as one step:
 *    the commands after the one it waits for have completed too when it
 *    goes on (docs/scsi.md).
 *
 *  - A command executes (reads or writes its data, builds its sense) at its
 *    completion time, not at submit: an aborted or reset command has moved
 *    no data and has never changed the backing image. Commands in flight on
 *    one unit are independent (simple task attribute): a later command with
 *    a shorter latency may complete first.
 *
 *  - A READ, WRITE, VERIFY with BYTCHK or MODE SELECT whose data needs more
 *    than data_len bytes, or whose dir is not the one the opcode moves data
 *    in, ends with SIM_SCSI_XPORT_FAILURE having moved nothing (an overrun
 *    a real bus reports as a phase error). Commands with an allocation
 *    length (INQUIRY, MODE SENSE, ...) move the least of that length, the
 *    data they have and data_len; resid says how much of data_len was not
 *    used.
 *
 *  - Results: xport says whether the command was delivered at all; only
 *    when it is SIM_SCSI_XPORT_OK do status, sense and resid mean anything.
 *    Sense data is fixed format (0x70), 18 bytes, present when status is
 *    CHECK CONDITION (autosense). resid = data_len - bytes transferred.
 *
 *  - A unit has a queue depth: a command that arrives while that many are
 *    in flight on the unit completes (at once, through an event) with
 *    status TASK SET FULL and no sense.
 *
 *  - Faults (sim_scsi_fault) and random latencies are drawn from generators
 *    seeded from the bus seed and the unit's address, in command order: the
 *    same submissions at the same times give the same results.
 *
 *  - Nothing on the command path allocates: sim_scsi_submit, the completion
 *    and sim_scsi_execute only touch the command, the unit and the backing
 *    store (a file image does pread/pwrite, and fsync when asked).
 *
 * Not thread-safe: one bus belongs to the world's thread.
 */
#ifndef SIM_SCSI_H
#define SIM_SCSI_H

#include <stddef.h>
#include <stdint.h>

#include "world/world.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sim_disk; /* sim/disk/disk.h: the block store behind a disk unit */

#define SIM_SCSI_CDB_MAX     16u
#define SIM_SCSI_SENSE_MAX   32u  /* room in a command for sense bytes */
#define SIM_SCSI_SENSE_LEN   18u  /* fixed-format sense the units build */
#define SIM_SCSI_MAX_TARGETS 16u  /* IDs 0..15 (wide bus) */
#define SIM_SCSI_MAX_LUNS    64u  /* LUNs 0..63 per target */
#define SIM_SCSI_MAX_FAULTS  8u   /* fault rules per unit */
#define SIM_SCSI_MAX_BUS_ID  7u   /* sim_scsi_bus_config.id */

/* SAM status byte values. */
#define SIM_SCSI_GOOD                 0x00u
#define SIM_SCSI_CHECK_CONDITION      0x02u
#define SIM_SCSI_CONDITION_MET        0x04u
#define SIM_SCSI_BUSY                 0x08u
#define SIM_SCSI_RESERVATION_CONFLICT 0x18u
#define SIM_SCSI_TASK_SET_FULL        0x28u
#define SIM_SCSI_ACA_ACTIVE           0x30u
#define SIM_SCSI_TASK_ABORTED         0x40u

/* Sense keys. */
#define SIM_SCSI_KEY_NO_SENSE        0x0u
#define SIM_SCSI_KEY_RECOVERED_ERROR 0x1u
#define SIM_SCSI_KEY_NOT_READY       0x2u
#define SIM_SCSI_KEY_MEDIUM_ERROR    0x3u
#define SIM_SCSI_KEY_HARDWARE_ERROR  0x4u
#define SIM_SCSI_KEY_ILLEGAL_REQUEST 0x5u
#define SIM_SCSI_KEY_UNIT_ATTENTION  0x6u
#define SIM_SCSI_KEY_DATA_PROTECT    0x7u
#define SIM_SCSI_KEY_ABORTED_COMMAND 0xBu

/* Data direction, from the initiator's point of view. */
typedef enum sim_scsi_dir {
  SIM_SCSI_DIR_NONE = 0, /* no data phase */
  SIM_SCSI_DIR_IN   = 1, /* target to initiator (READ, INQUIRY, ...) */
  SIM_SCSI_DIR_OUT  = 2  /* initiator to target (WRITE, MODE SELECT) */
} sim_scsi_dir;

/* Whether the command reached a target and came back (the "host byte"). */
typedef enum sim_scsi_xport {
  SIM_SCSI_XPORT_OK = 0,            /* delivered; status, sense, resid valid */
  SIM_SCSI_XPORT_SELECTION_TIMEOUT, /* no target answers at that ID */
  SIM_SCSI_XPORT_FAILURE,           /* transport failure (injected fault) */
  SIM_SCSI_XPORT_ABORTED,           /* ended by sim_scsi_abort */
  SIM_SCSI_XPORT_RESET,             /* ended by a LUN, target or bus reset */
  SIM_SCSI_XPORT_TIMEOUT            /* sim_scsi_execute only: the command
                                       would never have completed */
} sim_scsi_xport;

/* Return codes of the calls below (0 is success). */
typedef enum sim_scsi_err {
  SIM_SCSI_OK      = 0,
  SIM_SCSI_EINVAL  = -1, /* malformed command or argument; nothing happened */
  SIM_SCSI_EBUSY   = -2, /* command already in flight, or address in use */
  SIM_SCSI_ENOENT  = -3, /* no such command in flight, or no such unit */
  SIM_SCSI_ENOMEM  = -4  /* out of memory; nothing happened */
} sim_scsi_err;

typedef struct sim_scsi_cmd sim_scsi_cmd;
typedef void (*sim_scsi_done_fn)(sim_scsi_cmd *cmd);

/*
 * One SCSI command, owned by the initiator. Zero it (or reuse a completed
 * one), fill in the request fields, submit.
 */
struct sim_scsi_cmd {
  /* --- request: set by the initiator before submit ---------------------- */
  uint8_t          cdb[SIM_SCSI_CDB_MAX];
  uint8_t          cdb_len;  /* 1..16; the unit checks it against the opcode */
  uint8_t          target;   /* target ID */
  uint16_t         lun;
  uint8_t          dir;      /* sim_scsi_dir */
  void            *data;     /* data-in or data-out buffer (NULL if data_len 0) */
  uint32_t         data_len; /* most bytes the initiator moves either way */
  sim_scsi_done_fn done;     /* required for sim_scsi_submit */
  void            *ctx;      /* initiator's cookie; the bus never reads it */
  /* --- result: valid when done runs (or sim_scsi_execute returns) ------- */
  uint8_t          xport;    /* sim_scsi_xport */
  uint8_t          status;   /* SAM status byte (xport OK only) */
  uint8_t          sense_len;/* 0, or bytes of sense in sense[] */
  uint8_t          sense[SIM_SCSI_SENSE_MAX];
  uint32_t         resid;    /* data_len - bytes actually transferred */
  uint64_t         tag;      /* set by submit: 1, 2, 3... per bus */
  uint64_t         t_submit; /* simulated ns, set by submit */
  uint64_t         t_done;   /* simulated ns, set at completion */
  /* --- private to the bus ------------------------------------------------ */
  dm_event         ev_;      /* the completion event */
  sim_scsi_cmd    *grp_next_; /* the next command completing from the same event */
  void            *grp_;     /* the shared completion event's group, or NULL */
  sim_scsi_cmd    *next_, *prev_; /* the unit's (or bus's) in-flight list */
  void            *unit_;    /* unit it is in flight on, or NULL */
  void            *bus_;     /* bus it is in flight on */
  uint8_t          state_;   /* idle / armed / grouped / hung (never completes) */
  uint8_t          forced_;  /* outcome decided at submit (fault, TSF) */
};

/* --- latency --------------------------------------------------------------- */

typedef enum sim_scsi_lat_kind {
  SIM_SCSI_LAT_FIXED = 0,       /* always a */
  SIM_SCSI_LAT_UNIFORM,         /* uniform in [a, b] */
  SIM_SCSI_LAT_EXPONENTIAL      /* exponential with mean a */
} sim_scsi_lat_kind;

typedef struct sim_scsi_lat {
  uint8_t  kind; /* sim_scsi_lat_kind */
  uint64_t a, b; /* ns */
} sim_scsi_lat;

/* Command classes with a latency each. */
typedef enum sim_scsi_class {
  SIM_SCSI_CLASS_READ = 0, /* READ(6/10/16), VERIFY */
  SIM_SCSI_CLASS_WRITE,    /* WRITE(6/10/16) */
  SIM_SCSI_CLASS_SYNC,     /* SYNCHRONIZE CACHE, START STOP UNIT */
  SIM_SCSI_CLASS_OTHER,    /* everything else (INQUIRY, TUR, MODE SENSE...) */
  SIM_SCSI_CLASS_COUNT
} sim_scsi_class;

/* A command's completion time is submit time + lat[class] + bytes moved *
 * 1e9 / rate (rate 0: transfers take no time). All zero: completion at the
 * submit time (still through an event). */
typedef struct sim_scsi_latency {
  sim_scsi_lat lat[SIM_SCSI_CLASS_COUNT];
  uint64_t     rate; /* bytes per second, 0 = instantaneous */
} sim_scsi_latency;

/* --- faults ---------------------------------------------------------------- */

typedef enum sim_scsi_fault_kind {
  SIM_SCSI_FAULT_NONE = 0,
  /* Matching commands get CHECK CONDITION with key/asc/ascq (no data). */
  SIM_SCSI_FAULT_SENSE,
  /* READs (and VERIFYs) touching [lba, lba+count) get MEDIUM ERROR 03/11/00
   * with VALID and INFORMATION = the first bad LBA they touch; WRITEs there
   * get 03/0C/00 likewise when `writes` is set. Nothing is transferred. */
  SIM_SCSI_FAULT_MEDIUM,
  /* The unit has UNIT ATTENTION 29/00 pending when attached (the reset
   * calls always leave one; this is "at start"). */
  SIM_SCSI_FAULT_UA_AT_START,
  /* Matching commands never complete: only sim_scsi_abort or a reset ends
   * them (so initiators can exercise their timeouts). */
  SIM_SCSI_FAULT_TIMEOUT,
  /* Matching commands end with xport SIM_SCSI_XPORT_FAILURE. */
  SIM_SCSI_FAULT_TRANSPORT
} sim_scsi_fault_kind;

/*
 * Which commands a fault matches (every condition given must hold):
 *  - opcode: only CDBs with this operation code (-1: any);
 *  - every_nth: only the unit's nth, 2nth, 3nth... command (counting every
 *    command the unit receives from 1; 0: every command);
 *  - after: not before the unit's after-th command (0: from the first);
 *  - times: at most this many times in all (0: no limit);
 *  - permille: with this probability in thousandths, drawn from the unit's
 *    fault generator (0: always).
 * MEDIUM additionally needs the command to touch its LBA range.
 */
typedef struct sim_scsi_fault {
  uint8_t  kind;        /* sim_scsi_fault_kind */
  int16_t  opcode;      /* -1: any */
  uint64_t every_nth;
  uint64_t after;
  uint64_t times;
  uint32_t permille;
  uint8_t  key, asc, ascq; /* SENSE */
  uint64_t lba, count;     /* MEDIUM */
  uint8_t  writes;         /* MEDIUM: writes fail too */
} sim_scsi_fault;

/* --- units ------------------------------------------------------------------ */

typedef struct sim_scsi_unit_config {
  char     vendor[9];    /* INQUIRY T10 vendor, <= 8 chars, space-padded on the wire */
  char     product[17];  /* <= 16 chars */
  char     revision[5];  /* <= 4 chars */
  char     serial[21];   /* VPD 0x80; empty: made from the address */
  uint8_t  device_type;  /* INQUIRY peripheral device type (0 = disk) */
  uint8_t  removable;    /* RMB */
  uint32_t block_size;   /* 512, 1024, 2048 or 4096 */
  uint64_t blocks;       /* capacity; 0: the backing store's size / block_size */
  uint8_t  read_only;    /* WRITEs get DATA PROTECT 27/00 */
  uint8_t  write_cache;  /* WCE: 0 = every WRITE is made durable before GOOD */
  uint32_t queue_depth;  /* commands in flight before TASK SET FULL (>= 1) */
  sim_scsi_latency latency;
  uint32_t       nfaults;
  sim_scsi_fault faults[SIM_SCSI_MAX_FAULTS];
} sim_scsi_unit_config;

/* Defaults: vendor "DMSIM", product "SIM DISK", revision "0001", disk,
 * 512-byte blocks, capacity from the store, writable (the store decides),
 * write cache on, queue depth 32, no latency, no faults. */
void sim_scsi_unit_config_default(sim_scsi_unit_config *cfg);

/* --- the bus ---------------------------------------------------------------- */

typedef struct sim_scsi_bus sim_scsi_bus;
typedef struct sim_scsi_unit sim_scsi_unit;

typedef struct sim_scsi_bus_config {
  uint8_t  initiator_id;      /* default 7; no target can use it */
  uint8_t  level;             /* dm_level of completion events (default HWI) */
  uint64_t seed;              /* faults and random latencies */
  uint64_t selection_timeout; /* ns before a command to an empty ID ends
                                 with SELECTION_TIMEOUT (default 250 ms) */
  uint8_t  id;                /* names the bus in trace records (0..7, default 0) */
} sim_scsi_bus_config;

/* Defaults as in the comments above, seed 0. */
void sim_scsi_bus_config_default(sim_scsi_bus_config *cfg);

/* A bus whose completions run as events of world w (w may be NULL for a
 * bus used only through sim_scsi_execute). Returns NULL when out of memory
 * or when cfg is invalid (initiator_id, level or id out of range). */
sim_scsi_bus *sim_scsi_bus_new(sim_world *w, const sim_scsi_bus_config *cfg);
/* Free the bus and its units (not their disks). Commands still in flight
 * are dropped without a callback: their events are disarmed. NULL is a
 * no-op. */
void sim_scsi_bus_free(sim_scsi_bus *bus);

/*
 * Attach a disk unit at (target, lun), backed by disk (which the caller
 * keeps open and frees after the bus). cfg is copied. Returns SIM_SCSI_OK
 * and sets *out (if out is not NULL); SIM_SCSI_EINVAL for a bad address
 * (the initiator's ID, out of range), a block size other than 512, 1024,
 * 2048 or 4096, a capacity of 0 blocks, a capacity beyond the store, a
 * queue depth of 0 or a bad fault; SIM_SCSI_EBUSY when a unit is there;
 * SIM_SCSI_ENOMEM. When the store is read-only the unit is read-only.
 */
int sim_scsi_attach(sim_scsi_bus *bus, uint8_t target, uint16_t lun, struct sim_disk *disk,
                    const sim_scsi_unit_config *cfg, sim_scsi_unit **out);
/* The unit at (target, lun), or NULL. */
sim_scsi_unit *sim_scsi_unit_at(const sim_scsi_bus *bus, uint8_t target, uint16_t lun);

/*
 * Submit cmd. Returns SIM_SCSI_OK: done(cmd) will run exactly once, later
 * (see the contract at the top). Returns SIM_SCSI_EINVAL (cdb_len 0 or
 * above 16, target out of range, done NULL, data NULL with data_len > 0,
 * dir not a sim_scsi_dir, no world), SIM_SCSI_EBUSY (cmd is in flight) or
 * SIM_SCSI_ENOMEM (the event queue could not grow): then nothing happened
 * and done will not run.
 */
int sim_scsi_submit(sim_scsi_bus *bus, sim_scsi_cmd *cmd);

/*
 * Run cmd to completion now, without the world: no latency, no event, and
 * done is not called (it may be NULL). Faults apply as for submit; a
 * command a fault would hang ends with xport SIM_SCSI_XPORT_TIMEOUT. The
 * unit's queue depth counts commands submitted and in flight. Returns
 * SIM_SCSI_OK (results filled in), or SIM_SCSI_EINVAL / SIM_SCSI_EBUSY as
 * for submit.
 */
int sim_scsi_execute(sim_scsi_bus *bus, sim_scsi_cmd *cmd);

/*
 * Abort cmd (ABORT TASK). If it is in flight (hung ones included), it is
 * taken out, marked xport SIM_SCSI_XPORT_ABORTED, and done(cmd) runs before
 * this returns; it moved no data. Returns SIM_SCSI_OK, or SIM_SCSI_ENOENT
 * when cmd is not in flight on this bus (already completed: nothing runs).
 */
int sim_scsi_abort(sim_scsi_bus *bus, sim_scsi_cmd *cmd);

/*
 * Resets. Every command in flight on what is reset ends with xport
 * SIM_SCSI_XPORT_RESET, done running for each, oldest first, before the
 * call returns; then each unit reset has UNIT ATTENTION pending: 29/00
 * after a LUN or target reset, 29/02 after a bus reset. Caches are not
 * lost (the store has every completed write). Returns the number of
 * commands ended, or SIM_SCSI_ENOENT when there is no such unit / target.
 */
int sim_scsi_lun_reset(sim_scsi_bus *bus, uint8_t target, uint16_t lun);
int sim_scsi_target_reset(sim_scsi_bus *bus, uint8_t target);
int sim_scsi_bus_reset(sim_scsi_bus *bus);

/* Commands in flight on the unit (hung ones included), or on the whole bus
 * when unit is NULL. */
uint32_t sim_scsi_inflight(const sim_scsi_bus *bus, const sim_scsi_unit *unit);

/* Counters of one unit. */
typedef struct sim_scsi_unit_stats {
  uint64_t commands;      /* received (TASK SET FULL ones included) */
  uint64_t good, check;   /* completed with GOOD / CHECK CONDITION */
  uint64_t task_set_full;
  uint64_t faults;        /* fault rules that fired */
  uint64_t aborted, reset;
  uint64_t blocks_read, blocks_written;
  uint64_t syncs;         /* times the store was made durable */
  uint32_t max_inflight;
} sim_scsi_unit_stats;
sim_scsi_unit_stats sim_scsi_unit_get_stats(const sim_scsi_unit *unit);

/* --- tracing ---------------------------------------------------------------- */

/* What a trace record reports. The names (sim_scsi_ev_name) are the `ev`
 * values of the jsonl trace. */
typedef enum sim_scsi_ev {
  SIM_SCSI_EV_COMMAND = 0, /* "scsi-command": received (cdb) */
  SIM_SCSI_EV_DATA,        /* "scsi-data": data phase (dir, bytes) */
  SIM_SCSI_EV_STATUS,      /* "scsi-status": completed (status, sense, resid) */
  SIM_SCSI_EV_ABORT,       /* "scsi-abort": ended by abort or reset (xport) */
  SIM_SCSI_EV_RESET,       /* "scsi-reset": LUN (lun set), target or bus reset */
  SIM_SCSI_EV_COUNT
} sim_scsi_ev;

typedef struct sim_scsi_trace_rec {
  uint64_t       t;
  uint8_t        ev;       /* sim_scsi_ev */
  uint8_t        bus;      /* the bus's id (sim_scsi_bus_config.id) */
  uint8_t        target;   /* 0xFF: the whole bus (bus reset) */
  uint16_t       lun;      /* 0xFFFF: the whole target */
  uint64_t       tag;
  const uint8_t *cdb;
  uint8_t        cdb_len;
  uint8_t        dir;      /* data records */
  uint32_t       bytes;    /* data records: bytes moved */
  uint8_t        xport, status;
  const uint8_t *sense;    /* status records with sense */
  uint8_t        sense_len;
  uint32_t       resid;
  uint8_t        lvl;      /* dm_level it happened at: the bus's event level
                              for what a completion event does; 0xFF for
                              what happens inside the caller's submit,
                              execute, abort or reset (the caller knows) */
} sim_scsi_trace_rec;

typedef void (*sim_scsi_trace_fn)(void *ctx, const sim_scsi_trace_rec *rec);
/* Install a trace hook (NULL to remove). The hook must not call the bus. */
void sim_scsi_set_trace(sim_scsi_bus *bus, sim_scsi_trace_fn fn, void *ctx);

/* --- names and decoding ------------------------------------------------------ */

/* "GOOD", "CHECK CONDITION", ... ; NULL for an unknown status byte. */
const char *sim_scsi_status_name(uint8_t status);
/* "NO SENSE", "ILLEGAL REQUEST", ... ; never NULL ("?" beyond 0xF). */
const char *sim_scsi_key_name(uint8_t key);
/* The SPC text of an ASC/ASCQ pair the units use ("Invalid command
 * operation code"); NULL when unknown. */
const char *sim_scsi_asc_name(uint8_t asc, uint8_t ascq);
/* The command name of a CDB ("READ(10)", "READ CAPACITY(16)"); NULL when
 * unknown. Looks at the service action where the opcode has one. */
const char *sim_scsi_cdb_name(const uint8_t *cdb, size_t len);
/* Append the CDB written in s[0..len) to cdb at *n, counting in *n: bytes
 * of two hex digits each (either case), separated by spaces or tabs or
 * written together ("12 00 00 00 24 00", "120000002400"). Returns NULL, or
 * why the text is not a CDB, to follow "bad CDB: ": a character that is not
 * one, a lone digit, more than SIM_SCSI_CDB_MAX bytes in all, or no byte
 * yet once s is read. A CDB given in parts is parsed part after part. */
const char *sim_scsi_cdb_parse(const char *s, size_t len, uint8_t *cdb, size_t *n);
/* "ok", "selection-timeout", ...; never NULL. */
const char *sim_scsi_xport_name(uint8_t xport);
/* "scsi-command", ...; "?" when out of range. */
const char *sim_scsi_ev_name(unsigned ev);
/* The CDB length an opcode's group implies (6, 10, 12, 16), 0 for groups
 * without a fixed length. */
static inline unsigned sim_scsi_cdb_len_for(uint8_t opcode)
{
  switch (opcode >> 5) {
  case 0: return 6;
  case 1:
  case 2: return 10;
  case 4: return 16;
  case 5: return 12;
  default: return 0; /* group 3 (variable length), 6 and 7 (vendor) */
  }
}

/* The bytes a CDB's data phase asks to move: blocks * block_size for
 * READ, WRITE, VERIFY with BYTCHK; the allocation length or parameter list
 * length of commands that have one; 0 otherwise (or when len is too short
 * for the opcode). */
uint64_t sim_scsi_cdb_bytes(const uint8_t *cdb, size_t len, uint32_t block_size);
/* The direction a CDB moves data in (for the opcodes the units know; NONE
 * for others). */
sim_scsi_dir sim_scsi_cdb_dir(const uint8_t *cdb, size_t len);

/* Decoded fixed-format (0x70/0x71) or descriptor-format (0x72/0x73) sense. */
typedef struct sim_scsi_sense_info {
  uint8_t  response;   /* 0x70..0x73 */
  uint8_t  key, asc, ascq;
  uint8_t  valid;      /* INFORMATION is valid */
  uint64_t info;
  uint8_t  sksv;       /* sense-key-specific valid */
  uint8_t  cd;         /* field pointer is in the CDB (1) or parameter data (0) */
  uint8_t  bpv, bit;   /* bit pointer valid, bit */
  uint16_t field;      /* field pointer (byte) */
} sim_scsi_sense_info;
/* Decode sense bytes. Returns 0, or -1 when they are too short or not a
 * known response code. */
int sim_scsi_sense_decode(const uint8_t *sense, size_t len, sim_scsi_sense_info *out);

#ifdef __cplusplus
}
#endif
#endif /* SIM_SCSI_H */
