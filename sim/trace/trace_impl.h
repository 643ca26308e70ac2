/*
 * sim/trace/trace_impl.h - what the trace writer's files share (private to
 * sim/trace/trace_*.c; users include sim/trace/trace.h).
 *
 * trace_core.c owns everything every format needs: pb numbering, the driver
 * table (names from install records, queue depth, in-flight count,
 * dCtlFlags); trace_out.c (trace_out.h) how records are composed
 * (numbers, padding, JSON strings, names, memos) and written; map.c is the
 * small u64 -> u64 hash map they use. Each format (trace_text.c,
 * trace_jsonl.c, trace_chrome.c with trace_chrome_event.c, trace_vcd.c) is a
 * table of four functions that the core calls.
 */
#ifndef SIM_TRACE_IMPL_H
#define SIM_TRACE_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "trace/trace.h"

#if defined(__GNUC__)
#define SIM_TRACE_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SIM_TRACE_PRINTF(a, b)
#endif

/* dCtlFlags bits the writers decode (drvrActiveMask of devmgr/include/mac/Devices.h). */
#define SIM_DCTL_DRVR_ACTIVE 0x0080u

/* IOCommandCode values by name, from devmgr's table (SIM_CODE_KILLIO...). */
enum {
#define XX(id, value, name) SIM_CODE_##id = value,
  DM_CODE_MAP(XX)
#undef XX
  SIM_CODE_END_
};

#include "base/map.h"

/*
 * One driver as the trace sees it: the unit a refNum named between an
 * install and the next install on that refNum, in one machine. Records that
 * name a refNum nobody installed get an entry too (named "ref-N"), and each
 * machine has a ref-0 entry for records that name no driver.
 */
typedef struct sim_trace_drv {
  uint32_t index;     /* position in sim_trace.drvs: order of first appearance */
  int      machine;   /* machine index */
  int16_t  ref;       /* refNum, 0 for the machine's "Device Manager" entry */
  int      installed; /* an install record named it */
  char    *name;      /* driver name (install), or a made-up one; owned */
  char    *label;     /* "name (ref)" for display; owned */
  uint32_t runtime;   /* driverRuntime from the install record */
  uint16_t flags;     /* last dCtlFlags */
  uint32_t queued;    /* PBs on dCtlQHdr: enqueue +1, complete of a queued PB -1 */
  uint32_t inflight;  /* commands dispatched and not yet completed */
  uint32_t nviol;     /* violations reported against it */
} sim_trace_drv;

/* What the core hands a format for one record. */
typedef struct sim_trace_ev {
  const dm_trace_rec *rec;
  uint64_t            pb;         /* pb number, 0 when rec->pb is NULL */
  sim_trace_drv      *drv;        /* driver of the record (by ref, else by pb); never NULL */
  sim_trace_drv      *changed[2]; /* drivers whose queued/inflight/flags changed, or NULL */
  uint16_t            prev_flags; /* drv->flags before a flags record */
} sim_trace_ev;

/* What the core hands a format for one SCSI record: the record and the
 * track of its unit (or of the bus), whose inflight count the core keeps
 * (command +1, status or abort -1). */
typedef struct sim_trace_scsi_ev {
  const sim_scsi_trace_rec *rec;
  sim_trace_drv            *unit;
  int                       changed; /* unit->inflight changed */
} sim_trace_scsi_ev;

typedef struct sim_trace_ops {
  int (*init)(sim_trace *t);                         /* 0, or -1 out of memory */
  void (*begin)(sim_trace *t);                       /* before the first record */
  void (*record)(sim_trace *t, const sim_trace_ev *e);
  void (*end)(sim_trace *t);                         /* at close */
  void (*destroy)(sim_trace *t);                     /* free t->fmt_state */
  /* The format reads nothing of sim_trace_ev but rec and pb: the core then
   * keeps no driver table or counters for it (drv and changed stay NULL). */
  int pb_only;
  void (*scsi)(sim_trace *t, const sim_trace_scsi_ev *e); /* a SCSI record */
} sim_trace_ops;

/* SCSI tracks live in the driver table under refNums no driver has. */
#define SIM_TRACE_SCSI_REF(bus, target, lun) \
  ((int16_t)(20000 + (bus) * 1024 + (target) * 64 + (lun)))
#define SIM_TRACE_SCSI_BUS_REF(bus) ((int16_t)(19999 - (bus)))

/* The longest name sim_trace__put_short copies. */
#define SIM_TRACE_SHORT 32

/* The entry of value i of a table of sim_trace_names (an array), clamped to
 * its last entry, which names every value out of range "?". */
#define SIM_TRACE_NAME(table, i)                                                  \
  (&(table)[(unsigned)(i) < sizeof(table) / sizeof((table)[0])                     \
                ? (unsigned)(i)                                                    \
                : sizeof(table) / sizeof((table)[0]) - 1])
typedef struct sim_trace_name {
  char    q[SIM_TRACE_SHORT + 1]; /* "name" with its quotes (at most SIM_TRACE_SHORT) */
  uint8_t n;                      /* its length */
} sim_trace_name;
typedef struct sim_trace_names {
  sim_trace_name ev[DM_EV_COUNT + 1], lvl[4], code[SIM_CODE_END_ + 1], mode[8];
} sim_trace_names;

struct sim_trace {
  FILE                *f;
  sim_trace_format     fmt;
  const sim_trace_ops *ops;
  void                *fmt_state; /* the format's own data */
  int                  err;       /* a write or allocation failed */
  int                  err_no;    /* errno of the first failure */
  int                  finished;  /* the footer is written (sim_trace_finish) */
  int                  begun;     /* ops->begin has run */
  char                *machine;   /* current machine name; owned */
  int                  machine_index;
  int                  name_machines; /* sim_trace_name_machines was called */
  uint64_t             npb;       /* pb numbers handed out */
  sim_map        pbs;       /* pb pointer -> pb number | (driver index + 1) << 32 */
  sim_map        drv_by_ref;/* (machine, ref) key -> current driver index */
  uint64_t             last_ref_key; /* the key drv_by_ref was last asked, 0 for none */
  uint32_t             last_ref_drv; /* and its answer */
  sim_map        queued;    /* pb number -> driver index of the queue it is on */
  sim_map        running;   /* (machine, id) key -> driver index it was dispatched to */
  sim_trace_drv      **drvs;
  uint32_t             ndrvs;
  size_t               capdrvs;
  char                *line;      /* output not yet written (sim_trace__flush) */
  size_t               nline, capline;
  int                  each_record; /* f is a terminal: write every record at once */
  sim_trace_names      names;     /* devmgr's names, quoted */
};

extern const sim_trace_ops sim_trace__text_ops;
extern const sim_trace_ops sim_trace__jsonl_ops;
extern const sim_trace_ops sim_trace__chrome_ops;
extern const sim_trace_ops sim_trace__vcd_ops;

/* Records gather into writes of about this many bytes (each a system
 * call: at 32 KB they cost about 8 ns a chrome record, at 256 KB 1). */
#define SIM_TRACE_CHUNK (256u * 1024u)

/* A machine-unique key for an IOCommandID (never 0, never a pb number). */
uint64_t sim_trace__id_key(int machine, uint64_t id);

/* Allocation that records failure in t->err. */
void *sim_trace__alloc(sim_trace *t, size_t n);
char *sim_trace__strdup(sim_trace *t, const char *s);

/* How records are composed: trace_out.c's primitives. */
#include "trace/trace_out.h"

#endif /* SIM_TRACE_IMPL_H */
