/*
 * devmgr/machine.h - one simulated Macintosh: its unit table, its drivers,
 * its execution level and its rule checker.
 *
 * Every simulator-facing call takes the machine explicitly, so one process
 * can hold several independent machines. Apple's own calls (PBReadAsync,
 * IOCommandIsComplete, ...) name no machine: they act on the *current*
 * machine, which devmgr sets while it runs driver code, completion routines
 * and interrupt handlers, and which an embedder sets with dm_machine_enter()
 * before calling them from client code.
 */
#ifndef DEVMGR_MACHINE_H
#define DEVMGR_MACHINE_H

#include <stdint.h>
#include <stddef.h>
#include "devmgr/platform.h"
#include "devmgr/trace.h"
#include "devmgr/rules.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dm_machine dm_machine;

/* How broken rules are handled. */
typedef enum dm_check_mode {
  DM_CHECK_STRICT = 0, /* report each violation; the run fails (default) */
  DM_CHECK_PERMISSIVE, /* report each violation as a warning */
  DM_CHECK_OFF         /* do not check (benchmark reference only) */
} dm_check_mode;

/* Called once per violation, after its trace record. */
typedef void (*dm_violation_fn)(void *ctx, const dm_violation *v);
/* Called when a PB call finished: its result is posted and its completion
 * routine (if any) has run. Lets an embedder resume a client blocked in a
 * sync call without nesting event loops. It runs with the machine current
 * and must leave it current (the Device Manager goes on with it: the
 * driver's next request, for one). */
typedef void (*dm_pb_done_fn)(void *ctx, void *pb);
/* Called when a secondary interrupt handler or an interrupt timer is about
 * to run and the machine's budget of steps (dm_machine_config.steps) is
 * spent already: so that an embedder can stop a handler that queues itself
 * again forever at one instant (no event runs meanwhile, so an event count
 * never sees it). It may end the process; it must not return into devmgr
 * otherwise than normally. */
typedef void (*dm_step_fn)(void *ctx);

/* What a machine counts for its embedder when asked to (dm_machine_config.
 * count): the trace records of each kind, and the requests (read, write,
 * control and status commands) its drivers were given. An embedder that
 * needs only these figures (a run's summary and `expect count`) then needs
 * no trace hook: counting costs an increment or two per record. */
typedef struct dm_counts {
  uint64_t ev[DM_EV_COUNT]; /* trace records of each kind (dm_ev) */
  uint64_t requests;        /* requests dispatched to the driver */
  uint64_t wait_sum;        /* their waits from call to dispatch, ns: the low 64 bits */
  uint64_t wait_sum_hi;     /* its carries (the sum is wait_sum_hi * 2^64 + wait_sum) */
  uint64_t wait_max;
  uint64_t busy_ns;         /* time with at least one of them in the driver */
  uint64_t busy_since;      /* when the current busy spell began */
  uint32_t in_service;      /* requests in the driver now */
} dm_counts;

typedef struct dm_machine_config {
  dm_platform     platform;    /* required */
  uint16_t        units;       /* initial unit-table entries (default 64, grows by 4 to 1024) */
  uint32_t        slots;       /* command slots preallocated (default 256, doubles when exhausted) */
  dm_check_mode   check;
  dm_trace_fn     trace;       /* optional */
  void           *trace_ctx;
  dm_violation_fn violation;   /* optional */
  void           *violation_ctx;
  dm_pb_done_fn   pb_done;     /* optional */
  void           *pb_done_ctx;
  int             count;       /* nonzero: keep dm_counts (dm_machine_counts) */
  /* A budget of steps the embedder keeps and may refill between events (a
   * watchdog's budget for the current instant), or NULL for none: each
   * secondary interrupt handler and interrupt timer takes one from *steps
   * before it runs, and when *steps was 0 already (the step one too many)
   * sih_step is called first. The Device Manager spends the word itself,
   * without a call per handler, as a signed count (one decrement and a
   * jump on its sign): a budget is at most 2^63-1, and a word above that
   * (2^64-1, left by the step one too many when sih_step returns without
   * setting a new budget) is spent already, so that each further step is
   * one too many as well. */
  uint64_t       *steps;       /* optional */
  dm_step_fn      sih_step;    /* required with steps */
  void           *sih_step_ctx;
} dm_machine_config;

/* Create a machine. Returns NULL when out of memory or when cfg lacks a
 * platform function. The config is copied. */
dm_machine *dm_machine_new(const dm_machine_config *cfg);
/* Destroy a machine: finalizes nothing, frees everything devmgr allocated.
 * Parameter blocks still in flight stay owned by their callers. */
void dm_machine_free(dm_machine *m);

/* Make m the current machine for Apple-named calls made by this thread;
 * returns the previous one, to give back to dm_machine_leave(). */
dm_machine *dm_machine_enter(dm_machine *m);
void dm_machine_leave(dm_machine *prev);
/* The current machine, or NULL. */
dm_machine *dm_machine_current(void);

/*
 * Run fn(arg) on machine m at level lvl, as the hardware or the scheduler
 * would: m becomes current, the execution level becomes lvl, and when the
 * level drops back below DM_LVL_SIH every secondary interrupt handler queued
 * meanwhile runs, one at a time, in order. Simulated devices deliver their
 * interrupts through this call.
 */
void dm_machine_run_at(dm_machine *m, dm_level lvl, void (*fn)(void *arg), void *arg);
/*
 * A device's interrupt: done(refCon, 0) on m at DM_LVL_HWI, with the
 * contract of dm_machine_run_at (m current, handlers queued meanwhile run
 * when the level drops below DM_LVL_SIH). The one call a simulated device
 * makes per completion: no trampoline between it and the driver's handler.
 * (refCon before done: it goes on as done's first argument, done's address
 * needs no register of its own, so no argument is moved twice.)
 */
void dm_machine_interrupt(dm_machine *m, void *refCon, dm_hw_done_fn done);
/*
 * dm_machine_run_at(m, DM_LVL_TASK, fn, arg), cheaper when m is at task level
 * with no secondary interrupt handler queued or running (an embedding's
 * task-level event run outside a loop that keeps m current): the same contract (m
 * current while fn runs and the previous current machine back after it,
 * fn at task level, every handler queued meanwhile run before it returns),
 * without the drain after fn, which that case never needs.
 */
void dm_machine_run_task(dm_machine *m, void (*fn)(void *arg), void *arg);
/* The execution level m is running at now. */
dm_level dm_machine_level(const dm_machine *m);
/* The platform m was created with. */
const dm_platform *dm_machine_platform(const dm_machine *m);

/* Name the client whose calls follow (copied into `call` trace records;
 * the string must outlive the calls). NULL for none. */
void dm_machine_set_client(dm_machine *m, const char *client);

/* Report a broken rule found outside devmgr (an embedder that drives
 * clients as state machines finds their hangs itself): it is traced, counted
 * and handed to the violation hook like any other. */
void dm_machine_report(dm_machine *m, dm_rule rule, int16_t ref, const void *pb,
                       const char *detail);

/* Which entry of a driver is running. */
typedef enum dm_entry_kind {
  DM_ENTRY_NONE = 0,
  DM_ENTRY_DRIVERIO, /* DoDriverIO, for a request or a lifecycle command */
  DM_ENTRY_SIH,      /* a secondary interrupt handler the driver queued */
  DM_ENTRY_TIMER     /* an interrupt timer the driver set */
} dm_entry_kind;

/* The driver code a machine is running at this moment, for reports of
 * faults and hangs in it. */
typedef struct dm_where {
  uint64_t      t;           /* simulated time, ns */
  dm_level      level;
  dm_entry_kind entry;       /* DM_ENTRY_NONE: no driver code is known to run */
  int16_t       ref;         /* its refNum, or 0 */
  char          driver[32];  /* its name (bytes as the driver gave them), or "" */
  const void   *pb;          /* the command's parameter block, or NULL */
  char          command[256]; /* the command and its history, or "" */
} dm_where;

/* Fill w with what m runs now. Driver code is known only on a watched
 * machine (one with a trace, PB or violation hook): the lean request path
 * keeps no record. Returns 1 when driver code is known to run, else 0. */
int dm_machine_where(const dm_machine *m, dm_where *w);
/* The name of an entry kind ("DoDriverIO", ...). */
const char *dm_entry_name(dm_entry_kind k);

/* Number of violations reported so far, in total and for one rule. */
uint32_t dm_machine_violations(const dm_machine *m);
uint32_t dm_machine_rule_count(const dm_machine *m, dm_rule rule);
/* The counts of a machine created with cfg.count: of the whole machine when
 * ref is 0 (a snapshot taken by this call, which the next call refreshes;
 * only its ev[DM_EV_REJECT] stays live in between), else of the unit ref names (or named: the counts of a removed
 * driver's unit stay, and a driver installed later in the same unit adds
 * to them). NULL when the machine does not count, or ref names no unit. */
const dm_counts *dm_machine_counts(const dm_machine *m, int16_t ref);
/* Number of commands in flight (dispatched or queued, not yet complete). */
uint32_t dm_machine_inflight(const dm_machine *m);
/* Bytes of devmgr-owned state per command slot (for the memory budget). */
size_t dm_machine_slot_bytes(void);

/* An uninitialised array of `bytes` bytes (free it with free), aligned to
 * a cache line, and for 2 MiB or more to 2 MiB and given a hint for huge
 * pages (where the host has transparent huge pages, in madvise mode), so
 * that all of it can be on huge pages; NULL when out of memory. The Device
 * Manager allocates its large arrays (slots, drivers' pool memory) so; a
 * platform may allocate its own so. */
void *dm_mem_alloc_big(size_t bytes);

/* The command whose DoDriverIO is running on m (the innermost), as a
 * number, or 0 when none is: what a device operation started now serves,
 * for dm_machine_prefetch (a platform's hw_start is handed it already, as
 * `request`). */
uint64_t dm_machine_driverio_id(const dm_machine *m);
/* A hint that commands (from dm_machine_driverio_id) will complete soon:
 * starts bringing into the cache what their completions touch, in stages
 * a caller issues a few events apart for each command, stage 0 first: 0
 * its slot; 1 (the slot cached) its block and the slots of its neighbours
 * on dCtlQHdr; 2 (those cached) its buffer and its predecessor's block.
 * idN is the command to take through stage N now, 0 for none (a caller
 * looking ahead in the order of completions passes the farthest at stage
 * 0). With many requests in flight each of these is a likely cache miss,
 * and a completion would meet them one after the other. Changes nothing;
 * a stale or unknown id does nothing. */
void dm_machine_prefetch(const dm_machine *m, uint64_t id0, uint64_t id1, uint64_t id2);

#ifdef __cplusplus
}
#endif
#endif /* DEVMGR_MACHINE_H */
