/*
 * dm-int.h - what the Device Manager's source files share and nobody else
 * sees: the machine, the per-unit driver record, the command slots, and the
 * internal helpers (prefix dm__).
 *
 * Ownership: the caller owns every parameter block. The Device Manager owns
 * one command slot per request in flight (64 bytes, preallocated, recycled in
 * FIFO order so that a finished command's history survives for a while), one
 * unit record per installed driver, and small pools for secondary interrupt
 * handlers and timers. Nothing is allocated per request once the pools have
 * grown to the workload's high-water mark.
 */
#ifndef DM_INT_H
#define DM_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "MacTypes.h"
#include "MacErrors.h"
#include "Devices.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"
#include "devmgr/machine.h"
#include "devmgr/driver.h"
#include "devmgr/call.h"

/* Masks Apple's headers leave unnamed (dCtlFlags low byte). */
#define DM_FLAG_NATIVE 0x0008
#define DM_FLAG_CONCURRENT 0x0010
#define DM_ENABLE_ALL (dReadEnableMask | dWritEnableMask | dCtlEnableMask | dStatEnableMask)

/* Trap-word modifier masks (Apple gives bit numbers). */
#define DM_TRAP_ASYNC (1u << asyncTrpBit)
#define DM_TRAP_IMMED (1u << noQueueBit)

/* Units the unit table may hold, and where automatic placement starts
 * (units 0-47 are reserved for the system; table 8-2 of the PCI book). */
#define DM_UNITS_MAX 1024
/* m->counts: [0] the total, [1 + unit] a unit number's, then no unit's. */
#define DM_COUNTS_NO_UNIT (1 + DM_UNITS_MAX)
#define DM_COUNTS_ROWS    (2 + DM_UNITS_MAX)
#define DM_UNIT_FIRST_FREE 48

/* ---- command slots --------------------------------------------------------- */

typedef enum dm_slot_state {
  DM_SLOT_FREE = 0, /* never used since the table grew (generation 0) */
  DM_SLOT_QUEUED,   /* on dCtlQHdr, not yet handed to the driver */
  DM_SLOT_ACTIVE,   /* handed to the driver, not yet complete */
  DM_SLOT_DONE      /* complete; history kept until the slot is reused */
} dm_slot_state;

/* Slot flags. ONQ, HELD and COUNTED mean something only while the slot is
 * live (QUEUED or ACTIVE): every reader checks that first, so a release
 * leaves them as they were. */
#define DM_SLOTF_WROTE_RESULT 0x01 /* driver-wrote-ioresult already reported */
#define DM_SLOTF_DISPATCHED 0x02   /* the driver has seen it (history) */
#define DM_SLOTF_ONQ 0x04          /* the PB is on dCtlQHdr */
#define DM_SLOTF_HELD 0x08         /* held: a remove, replace or KillIO under way */
#define DM_SLOTF_COUNTED 0x10      /* in its unit's in_service (dm_counts) */
#define DM_SLOTF_PRIVQ 0x20        /* privq is not NULL, while the slot is live
                                      (dm__slot_set_privq; a DONE slot's is stale) */

typedef struct dm_slot {
  ParmBlkPtr pb;         /* NULL for commands without a PB (initialize, ...) */
  QHdrPtr    privq;      /* driver-private queue the PB sits on, or NULL */
  uint64_t   t_call;     /* history, in simulated ns */
  uint64_t   t_dispatch;
  union {
    struct dm_unit *unit; /* live: the unit it was sent to (a dispatched request's
                             unit stays in the unit table: finish_request) */
    uint64_t   t_done;   /* DONE on a watched machine: history, in simulated ns */
  };
  /* The generation (half of the IOCommandID) beside the slot's index + 1
   * (the other half, set when the array is made), in the order that makes
   * the two one 8-byte word equal to the ID of the slot's current use
   * (dm__slot_genid): an ID is checked with one compare, no shift. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  uint32_t   gen;
  uint32_t   self;
#else
  uint32_t   self;
  uint32_t   gen;
#endif
  union {
    uint32_t next;       /* free (DONE): the FIFO free list */
    uint32_t qnext;      /* live, on dCtlQHdr: the slot of the element after
                            it, a hint checked before use (dm__ctlq_remove) */
  };
  union {
    uint32_t qprev;      /* live, on dCtlQHdr: the slot of the element before
                            it, a hint checked before use (dm__ctlq_remove) */
    int16_t  result;     /* DONE: the posted result (the completion reads the
                            hints before it writes it) */
  };
  int16_t    ref;
  uint8_t    code;       /* IOCommandCode */
  uint8_t    kind;       /* IOCommandKind given to the driver */
  uint8_t    mode;       /* the client's mode (DM_MODE_*) */
  uint8_t    state;      /* dm_slot_state */
  uint8_t    flags;      /* DM_SLOTF_* */
} dm_slot;

#define DM_NO_SLOT UINT32_MAX

/* ---- units ------------------------------------------------------------------- */

typedef enum dm_unit_state {
  DM_UNIT_READY = 0,
  DM_UNIT_DRAINING, /* remove or replace waits for the driver to go idle */
  DM_UNIT_GONE      /* removed; kept until the machine is freed */
} dm_unit_state;

typedef enum dm_pending_op { DM_PENDING_NONE = 0, DM_PENDING_REMOVE, DM_PENDING_REPLACE } dm_pending_op;

/* The way a request to a unit goes, from its state and its driver's
 * runtime flags, kept in one byte (dm__unit_relane) so that the request
 * path tests one thing. The two concurrent lanes come first. */
typedef enum dm_lane {
  DM_LANE_CONC = 0,  /* ready, concurrent, PB on dCtlQHdr */
  DM_LANE_CONC_OWNQ, /* ready, concurrent, kDriverQueuesIOPB */
  DM_LANE_SERIAL,    /* ready, non-concurrent: one at a time from dCtlQHdr */
  DM_LANE_HOLD       /* draining or gone: requests wait on dCtlQHdr */
} dm_lane;

typedef struct dm_unit dm_unit;
struct dm_unit {
  AuxDCE              dce;      /* what drivers and GetDCtlEntry see */
  DCtlPtr             dcep;     /* &dce: GetDCtlEntry hands out &dcep */
  DriverEntryPointPtr entry;
  dm_machine         *m;
  RegEntryID          device;
  uint32_t            runtime;  /* effective driverRuntime */
  char                name[32]; /* driverName as a C string */
  uint32_t            active;   /* dispatched, not yet complete */
  uint32_t            queued;   /* on dCtlQHdr waiting for dispatch (not held: a request
                                   held while a remove, replace or KillIO is under way, DM_SLOTF_HELD, is
                                   counted nowhere; no decision needs their number) */
  uint32_t            opens;    /* successful opens not yet closed */
  uint8_t             state;    /* dm_unit_state */
  uint8_t             pending;  /* dm_pending_op */
  /* The lane and what keeps dm__start_queued from starting a request, one
   * byte each, read as one word (go) where a completion decides whether
   * to start the next request: a ready serialized unit whose loop may run
   * has go == dm__go_serial_idle(), one load and one compare. */
  union {
    struct {
      uint8_t lane;      /* dm_lane, from state and runtime */
      uint8_t starting;  /* dm__start_queued's loop running (no recursion) */
      uint8_t killing;   /* KillIO is emptying the queue */
      uint8_t finishing; /* Close/Finalize/Superseded under way: no dispatch */
      uint8_t zero[4];   /* never set */
    };
    uint64_t go;
  };
  dm_driver_spec      next;     /* the replacement, while one is pending */
  dm_event            lifecycle; /* continues remove/replace at task level */
  ParamBlockRec       openpb;   /* the DM's own PB for reopening after Replace */
  QHdr                closeq;   /* Closes waiting for a serialized driver to go idle */
  dm_event            closer;   /* runs them at task level once it is (close.c) */
  dm_unit            *gone;     /* list of removed units */
  dm_counts          *counts;   /* its unit number's row of m->counts, or NULL when the
                                   machine does not count: its trace points count there
                                   without finding the row from the refNum */
  dm_counts          *tally;    /* counts, when the machine has no trace hook: its trace
                                   points are then one increment each, inline; NULL
                                   with a hook sends them out of line
                                   (dm__trace_u_slow), and without one (nothing
                                   counted) they do nothing. Set again with the lane
                                   (dm__unit_relane), which changes; it does not: the
                                   trace hook and counts are fixed at install. */
  dm_counts          *call_row; /* counts, or the machine's sink (m->no_counts) when it
                                   counts nothing: the plain call path (call.c) counts
                                   there without a test. Set with the lane. */
  /* Apart from the bytes state .. finishing: a completion stores it
   * (dm__set_flags) just before it tests those to start the next request,
   * which compilers read as one word, and a load that spans a byte stored
   * a moment before waits for the store to reach the cache (no store
   * forwarding: perf put half of the watched completion's time on that
   * test, and a serialized run took 2 % less time without it). */
  uint8_t             dm_active; /* drvrActive as the Device Manager last set it, the bit
                                    itself (0 or drvrActiveMask; dm__set_flags), to catch
                                    a driver writing it */
};

/* dm_unit.go's lane byte, the first in memory: its place in the word. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define DM_GO_LANE_SHIFT 56
#else
#define DM_GO_LANE_SHIFT 0
#endif
/* The bytes of dm_unit.go but its lane: 0 when starting, killing and
 * finishing all are. */
#define DM_GO_BUSY (~((uint64_t)0xFF << DM_GO_LANE_SHIFT))
/* dm_unit.go of a ready serialized unit (DM_LANE_SERIAL) whose
 * dm__start_queued may start its next request. */
static inline uint64_t dm__go_serial_idle(void)
{
  return (uint64_t)DM_LANE_SERIAL << DM_GO_LANE_SHIFT;
}

/* ---- small pools for SIH records and timers ------------------------------------ */

#define DM_POOL_CHUNK 64 /* records per pool chunk */

typedef struct dm_pool {
  void  **chunks;
  size_t  nchunks;
  size_t  size; /* record size */
  void   *free;
} dm_pool;

typedef struct dm_sih {
  struct dm_sih             *next;
  SecondaryInterruptHandler2 fn;
  void                      *p1, *p2;
  const dm_unit             *owner; /* driver that queued it (watched machines), or NULL */
} dm_sih;

typedef struct dm_timer {
  dm_event                   ev; /* first: the pool hands out timers by address */
  dm_machine                *m;
  SecondaryInterruptHandler2 fn;
  void                      *p1;
  const dm_unit             *owner; /* driver that armed it (watched machines), or NULL */
  uint32_t                   gen;   /* bumped at every SetInterruptTimer */
  uint8_t                    armed;
} dm_timer;

/* Driver code running on a watched machine: a DoDriverIO with its command
 * and its driver, or a secondary interrupt handler or timer with the driver
 * that queued or set it; the frames live on the stack of
 * dm__driver_call_watched (and of the handler and timer runs), innermost
 * first. Kept only where someone watches: the lean request path never
 * writes it. A fault, a hang or a completion of another driver's command
 * is attributed with it.
 * Calls a driver makes there are credited to it, and a sync request it
 * completes there is traced `done` once DoDriverIO has returned. */
typedef struct dm_in_driver {
  uint64_t              id;    /* the command, 0 outside DoDriverIO: a frame with an ID
                                  (never 0) is a DoDriverIO's */
  const dm_unit        *u;     /* NULL: a handler queued from interrupt level */
  struct dm_in_driver *outer;
  uint8_t               what;  /* dm_entry_kind of a frame without an ID: a handler or
                                  timer of u (a DoDriverIO's frame leaves it unset, one
                                  store fewer on the request path) */
} dm_in_driver;

/* ---- the machine ------------------------------------------------------------------ */

struct dm_machine {
  /* The record of a handler queued into an empty queue, which is then
   * free (the handler loop reads a record before it runs it): no pool get
   * and put for a device's every completion. First, so that the loop tells
   * it from a pool's record by comparing with m itself. Its link is NULL
   * whenever it is not queued (the handler loop clears a link it leaves
   * behind: machine.c, run_rest), so that queueing it stores none. */
  dm_sih            sih_one;
  dm_machine_config cfg;
  uint64_t          driverio_id; /* dm_machine_driverio_id (dm__driver_call) */
  /* cfg.platform.hw_start, or dm__hw_start_none when the platform has none:
   * never NULL, so that DMSimHardwareStart calls it without a test. */
  int (*hw_start)(const void *device, uint32_t bytes, dm_hw_done_fn done, void *refCon,
                  void *ctx, uint64_t request);
  dm_unit         **units;
  uint32_t          nunits; /* (at most DM_UNITS_MAX; 32 bits: dm__unit) */
  dm_unit          *gone;
  /* The unit the last plain call found from its refNum (call.c,
   * request_path), while that unit is in the table, and the refNum:
   * call_ref DM_NO_CALL_REF, no int16_t's value, when none is kept. A
   * serialized workload's calls mostly go to one unit, found then without
   * the table's two dependent loads. Set only by a plain call, so only on
   * a plain machine (calls_plain, which never changes once set): a Sync
   * entry that finds its refNum here takes the plain path without testing
   * calls_plain. unit.c forgets it when its unit leaves the table
   * (dm__forget_call_unit). */
  int32_t           call_ref;
  dm_unit          *call_unit;

  dm_slot *slots;
  uint32_t nslots;
  uint32_t free_head;  /* FIFO of reusable slots: the first, or DM_NO_SLOT */
  uint32_t *free_link; /* where a freed slot is linked: the last free slot's
                          next, or &free_head when none is free */

  /* The execution level, and whether the handler loop runs (machine.c,
   * run_sih; it never nests), side by side in one word: the interrupt's
   * common case (task level, no loop under way) is that word 0, one test
   * (dm_machine_interrupt), and the loop's end clears both at once. */
  union {
    struct {
      dm_level level;
      uint32_t sih_running;
    };
    uint64_t level_loop;
  };
  /* cfg.steps, else no_steps: never spent (2^63-1 handlers at a step
   * each). Read as a signed count (dm_machine_config.steps: at most
   * 2^63-1), so that a step is one decrement in memory and a jump on its
   * sign. */
  int64_t *steps, no_steps;
  /* The queue, empty when sih_head is NULL; sih_tail is its last record
   * only while it holds two or more (a record queued into an empty queue
   * is its head and tail at once: QueueSecondaryInterruptHandler). */
  dm_sih  *sih_head, *sih_tail;
  dm_pool  sih_pool;
  dm_pool  timer_pool;
  /* Blocks its drivers took with PoolAllocateResident and have not given
   * back: the machine's memory, released with it (services.c). */
  void   **pool_blocks;
  size_t   npool_blocks, cap_pool_blocks;

  /* Nobody watches: no trace hook, no PB hook, rules unchecked, nothing
   * counted. The request path then runs a variant without trace points and
   * history. */
  bool        lean;
  /* Watched, with no trace hook and a published clock (lean, cfg.trace
   * and cfg.platform.clock, fixed when the machine is made): a Sync call
   * may take its plain path (call.c, request_path), which its entry tests
   * first. Set with each unit's lane (dm__unit_relane): a call reaches
   * that path only through a unit. */
  bool        calls_plain;
  /* cfg.count: DM_COUNTS_ROWS rows: the machine's total, DM_UNITS_MAX
   * more, one per unit number (by refNum, so that a removed driver's
   * counts stay), and the records about no unit (DM_COUNTS_NO_UNIT); else
   * NULL. A trace point counts in one row only: the total's ev[] is their
   * sum, made when asked (dm_machine_counts), except ev[DM_EV_REJECT],
   * kept live there too (a run tells a refused call by it). */
  dm_counts  *counts;
  dm_counts   no_counts; /* dm_unit.call_row of a machine that counts nothing: never read */

  const char   *client;
  /* The innermost driver code running (watched only): never NULL, so that
   * the driver running (dm__running_unit) is one load; no_driver when none
   * runs. */
  dm_in_driver *in_driver;
  dm_in_driver  no_driver; /* the outermost frame: no ID, no unit, no outer */
  /* The frame of the handler loop, which never nests (sih_running): its id
   * and what are set once, u per handler (machine.c, run_sih). */
  dm_in_driver  sih_frame;
  uint32_t    violations;
  uint32_t    rule_counts[DM_RULE_COUNT];
  char        msg[640];
};

/* ---- internal helpers --------------------------------------------------------------- */

/* services.c: the hw_start of a machine whose platform has none: paramErr,
 * as DMSimHardwareStart answered such a machine's drivers. */
int dm__hw_start_none(const void *device, uint32_t bytes, dm_hw_done_fn done, void *refCon,
                      void *ctx, uint64_t request);

/* The current machine of this thread (machine.c). Inside devmgr it is read
 * and switched inline: every request crosses it twice. local-exec: the
 * Device Manager is linked into the executable (dmsim, the test runner),
 * never into a shared object, so one %fs-relative load reaches it. */
extern _Thread_local dm_machine *dm__current __attribute__((tls_model("local-exec")));

/* How deeply calls into the Device Manager nest on this thread's stack
 * (machine.c): the DoDriverIO calls under way (dm__driver_call_watched)
 * and the completions of requests the Device Manager finishes inside the
 * call that made them (dm__complete_inline), whose routines run there. A
 * call made while DM_NESTING_MAX are under way is refused
 * (nesting-too-deep), long before the host stack runs out. Per thread, not
 * per machine: the stack is the thread's, whichever machine a nested call
 * goes to. A lean machine (nobody watches, rules unchecked) neither counts
 * its lean path's DoDriverIO calls nor checks: its request path stays bare. */
extern _Thread_local uint32_t dm__nesting __attribute__((tls_model("local-exec")));

/* Whether a RegEntryID names no device (all zero): what a driver installed
 * without one is given, and what the DMSim calls refuse. */
static inline bool dm__no_device(const RegEntryID *e)
{
  /* (Two words or'ed: a compare with a zero ID in memory loaded both.) */
  _Static_assert(sizeof *e == 2 * sizeof(uint64_t), "a RegEntryID is two words");
  uint64_t w[2];
  memcpy(w, e, sizeof w);
  return (w[0] | w[1]) == 0;
}

static inline dm_machine *dm__enter(dm_machine *m)
{
  dm_machine *prev = dm__current;
  dm__current = m;
  return prev;
}

/* Simulated time. A platform that publishes its clock is read directly (one
 * load); otherwise now() is called. */
static inline uint64_t dm__now(const dm_machine *m)
{
  const uint64_t *clock = m->cfg.platform.clock;
  return clock != NULL ? *clock : m->cfg.platform.now(m->cfg.platform.ctx);
}

/* The entries of the request path (PBReadAsync and kin, IOCommandIsComplete)
 * start on a 64-byte boundary, as dmsim bench's own loops do: their
 * alignment, and with it the bench's dispatch figure, then does not move by
 * several per cent when code elsewhere in the program changes size. */
#define DM_HOT_ENTRY __attribute__((aligned(64)))
#define DM_LIKELY(x) __builtin_expect(!!(x), 1)
#define DM_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* A secondary interrupt handler's or an interrupt timer's step, taken from
 * the embedder's budget (dm_machine_config.steps) before it runs; the step
 * one too many calls cfg.sih_step, which may end the process. */
static inline void dm__take_step(dm_machine *m)
{
  if (DM_UNLIKELY(--*m->steps < 0))
    m->cfg.sih_step(m->cfg.sih_step_ctx);
}
/* A hint that p will be written soon; never faults, whatever p is. */
#if defined(__GNUC__)
#define DM_PREFETCH_W(p) __builtin_prefetch((p), 1)
#else
#define DM_PREFETCH_W(p) ((void)(p))
#endif

#include "slot-inl.h"

/* unit.c */
/* The unit a refNum names (NULL when none): inline, it is on every path.
 * A refNum >= 0 gives a unit number of 2^31 or more, past any table. (In
 * 32 bits, compared with a 32-bit nunits, the number indexes the table
 * without being widened again.) */
_Static_assert(DM_UNITS_MAX <= 0x8000, "unit numbers of refNums >= 0 are out of the table");
static inline unsigned dm__unit_number(int16_t ref)
{
  return ~(unsigned)(int)ref;
}
#define DM_NO_CALL_REF 0x10000
/* u leaves m's table: the last plain call's unit is forgotten if it is u. */
static inline void dm__forget_call_unit(dm_machine *m, const dm_unit *u)
{
  if (m->call_unit == u)
    m->call_ref = DM_NO_CALL_REF;
}
static inline dm_unit *dm__unit(const dm_machine *m, int16_t ref)
{
  unsigned unit = dm__unit_number(ref);
  return unit < m->nunits ? m->units[unit] : NULL;
}
/* The unit a client's refNum names: badUnitErr outside the table,
 * unitEmptyErr for an empty entry. */
static inline OSErr dm__unit_map(const dm_machine *m, int16_t ref, dm_unit **out)
{
  unsigned unit = dm__unit_number(ref); /* as in dm__unit: one test */
  *out = NULL;
  if (unit >= m->nunits)
    return badUnitErr;
  if ((*out = m->units[unit]) == NULL)
    return unitEmptyErr;
  return noErr;
}
/* trace-inl.h: dm__set_flags, dCtlFlags changed with its trace point. */
static inline void dm__set_flags(dm_unit *u, uint16_t set, uint16_t clear);
/* Recomputes u->lane (and u->tally, how its trace points go); called at
 * install and whenever u->state, u->runtime or u->killing changes. While
 * KillIO empties dCtlQHdr, new requests are held on it (and aborted with
 * the rest). */
static inline void dm__unit_relane(dm_unit *u)
{
  u->tally = u->m->cfg.trace == NULL ? u->counts : NULL;
  u->call_row = u->counts != NULL ? u->counts : &u->m->no_counts;
  u->m->calls_plain =
      !u->m->lean && u->m->cfg.trace == NULL && u->m->cfg.platform.clock != NULL;
  if (u->state != DM_UNIT_READY || u->killing)
    u->lane = DM_LANE_HOLD;
  else if (!(u->runtime & kDriverIsConcurrent))
    u->lane = DM_LANE_SERIAL;
  else
    u->lane = (u->runtime & kDriverQueuesIOPB) ? DM_LANE_CONC_OWNQ : DM_LANE_CONC;
}
void     dm__unit_finish_lifecycle(dm_unit *u);
/* The refNum of the driver named name[0..len) (case-insensitive), or 0. */
int16_t  dm__find(const dm_machine *m, const char *name, size_t len);

/* close.c: Close on a serialized driver waits while drvrActive is set, for
 * the request in service and the ones queued behind it. */
/* A ready serialized driver has requests on dCtlQHdr it will start. */
static inline bool dm__serial_work_waits(const dm_unit *u)
{
  return u->lane == DM_LANE_SERIAL && u->dce.dCtlQHdr.qHead != NULL;
}
/* A Close to u must wait: u is serialized and busy, or Closes wait already. */
static inline bool dm__close_waits(const dm_unit *u)
{
  return !(u->runtime & kDriverIsConcurrent) &&
         ((u->dce.dCtlFlags & drvrActiveMask) || u->closeq.qHead != NULL ||
          dm__serial_work_waits(u));
}
/* Parks the Close in slot si until u is idle; returns noErr (in progress). */
OSErr dm__close_park(dm_machine *m, dm_unit *u, uint32_t si);
void  dm__close_init(dm_unit *u);
/* u may be idle now: runs the waiting Closes soon, at task level. */
void  dm__close_wake(dm_machine *m, dm_unit *u);
/* call.c: an immediate command (slot si, ID id) sent to u's driver now. */
OSErr dm__immediate(dm_machine *m, dm_unit *u, uint32_t si, uint64_t id);

#include "queue-inl.h"

/* check.c */
void dm__violation(dm_machine *m, dm_rule rule, int16_t ref, const void *pb, uint64_t id,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void dm__warning(dm_machine *m, int16_t ref, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A short history of a slot ("read async refNum -49: called at 1.000 ms, ..."). */
int  dm__history(const dm_machine *m, uint32_t si, char *buf, size_t len);
static inline bool dm__checking(const dm_machine *m)
{
  return m->cfg.check != DM_CHECK_OFF;
}

#include "trace-inl.h"

/* complete.c */
void dm__complete(dm_machine *m, uint32_t si, OSErr result);
/* dm__complete for a request the Device Manager finishes inside the call
 * that made it, without its driver (an empty transfer, Status csCode 1, a
 * Close of a closed driver) or after DoDriverIO returned (an immediate
 * command, KillIO's aborts): a completion routine that calls again nests
 * one level deeper on the stack, as it would inside DoDriverIO. */
static inline void dm__complete_inline(dm_machine *m, uint32_t si, OSErr result)
{
  dm__nesting++;
  dm__complete(m, si, result);
  dm__nesting--;
}
void dm__abort_queue(dm_machine *m, dm_unit *u, OSErr result);

/* call.c: the end of a sync call, given what dm_call returned: a call
 * refused without touching the block (it was in flight) returns its error at
 * once; a finished one returns its posted result; otherwise wait. */
static inline OSErr dm__sync_finish(dm_machine *m, ParmBlkPtr pb, OSErr err)
{
  if (pb->ioParam.ioResult <= 0)
    return pb->ioParam.ioResult;
  if (err < 0)
    return err;
  return dm_wait(m, pb);
}

/* call.c: dm_call specialised for one trap word, on the current machine:
 * the queued commands' entries (DM_SYNC_ENTRY and DM_ASYNC_ENTRY in
 * call.c; the Async ones are also PBReadAsync and kin, the Sync ones wait
 * in pbcalls.c). */
OSErr dm__call_ReadSync(ParmBlkPtr pb);
OSErr dm__call_ReadAsync(ParmBlkPtr pb);
OSErr dm__call_WriteSync(ParmBlkPtr pb);
OSErr dm__call_WriteAsync(ParmBlkPtr pb);
OSErr dm__call_ControlSync(ParmBlkPtr pb);
OSErr dm__call_ControlAsync(ParmBlkPtr pb);
OSErr dm__call_StatusSync(ParmBlkPtr pb);
OSErr dm__call_StatusAsync(ParmBlkPtr pb);

#include "dispatch-inl.h"

/* pool.c */
void  dm__pool_init(dm_pool *p, size_t size);
/* Adds a chunk of records to p's free list: 0, or -1 when out of memory. */
int   dm__pool_grow(dm_pool *p);
/* A record from p (its contents are stale), or NULL when out of memory.
 * Inline: a device's interrupt queues a handler per request. */
static inline void *dm__pool_get(dm_pool *p)
{
  if (DM_UNLIKELY(p->free == NULL) && dm__pool_grow(p) != 0)
    return NULL;
  void *rec = p->free;
  p->free = *(void **)rec;
  return rec;
}
/* Gives rec back to p, to be reused first. */
static inline void dm__pool_put(dm_pool *p, void *rec)
{
  *(void **)rec = p->free;
  p->free = rec;
}
void  dm__pool_free(dm_pool *p);
/* services.c: releases the pool memory (PoolAllocateResident) m's drivers kept. */
void  dm__pool_blocks_free(dm_machine *m);

/* loader.c: dlopen(path) with a bare name taken as ./name; NULL with a
 * message naming the file and `what` ("driver") in err when it fails. */
void *dm__dlopen(const char *path, const char *what, char *err, size_t errlen);

/* machine.c */
/* Runs the queued secondary interrupt handlers one after the other, in the
 * order they were queued, unless they run already (further up the stack). */
void dm__run_sih(dm_machine *m);
static inline void dm__drain_sih(dm_machine *m)
{
  if (m->sih_head != NULL && !m->sih_running)
    dm__run_sih(m);
}

/* time formatting for messages: "1.250000 ms" style, deterministic */
void dm__fmt_time(uint64_t ns, char *buf, size_t len);

#endif /* DM_INT_H */
