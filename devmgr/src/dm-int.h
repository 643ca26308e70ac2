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
#include <stdint.h>

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
#define DM_UNIT_FIRST_FREE 48

/* ---- command slots --------------------------------------------------------- */

typedef enum dm_slot_state {
  DM_SLOT_FREE = 0, /* never used since the table grew (generation 0) */
  DM_SLOT_QUEUED,   /* on dCtlQHdr, not yet handed to the driver */
  DM_SLOT_ACTIVE,   /* handed to the driver, not yet complete */
  DM_SLOT_DONE      /* complete; history kept until the slot is reused */
} dm_slot_state;

#define DM_SLOTF_WROTE_RESULT 0x01 /* driver-wrote-ioresult already reported */
#define DM_SLOTF_DISPATCHED 0x02   /* the driver has seen it (history) */
#define DM_SLOTF_ONQ 0x04          /* the PB is on dCtlQHdr */
#define DM_SLOTF_HELD 0x08         /* held while a remove or replace waits */
#define DM_SLOTF_COUNTED 0x10      /* in its unit's in_service (dm_counts) */

typedef struct dm_slot {
  ParmBlkPtr pb;         /* NULL for commands without a PB (initialize, ...) */
  QHdrPtr    privq;      /* driver-private queue the PB sits on, or NULL */
  uint64_t   t_call;     /* history, in simulated ns */
  uint64_t   t_dispatch;
  uint64_t   t_done;
  uint32_t   gen;        /* generation: half of the IOCommandID */
  uint32_t   next;       /* FIFO free list */
  uint32_t   qprev;      /* while on dCtlQHdr: the slot of the element before
                            it, a hint checked before use (dm__ctlq_remove) */
  int16_t    ref;
  int16_t    result;     /* posted result, once DONE */
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
  uint32_t            queued;   /* on dCtlQHdr waiting for dispatch */
  uint32_t            held;     /* waiting for a remove or replace to finish */
  uint32_t            opens;    /* successful opens not yet closed */
  uint8_t             state;    /* dm_unit_state */
  uint8_t             lane;     /* dm_lane, from state and runtime */
  uint8_t             pending;  /* dm_pending_op */
  uint8_t             kicking;  /* dispatch loop running (no recursion) */
  uint8_t             killing;  /* KillIO is emptying the queue */
  uint8_t             finishing; /* Close/Finalize/Superseded under way: no dispatch */
  uint8_t             dm_active; /* drvrActive as the Device Manager last set it (watched
                                    machines: dm__set_flags), to catch a driver writing it */
  dm_driver_spec      next;     /* the replacement, while one is pending */
  dm_event            lifecycle; /* continues remove/replace at task level */
  ParamBlockRec       openpb;   /* the DM's own PB for reopening after Replace */
  QHdr                closeq;   /* Closes waiting for a serialized driver to go idle */
  dm_event            closer;   /* runs them at task level once it is (close.c) */
  dm_unit            *gone;     /* list of removed units */
};

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
  uint64_t              id;    /* the command, 0 outside DoDriverIO */
  const dm_unit        *u;     /* NULL: a handler queued from interrupt level */
  struct dm_in_driver *outer;
  uint8_t               what;  /* dm_entry_kind: DoDriverIO, or a handler or timer of u */
} dm_in_driver;

/* ---- the machine ------------------------------------------------------------------ */

struct dm_machine {
  dm_machine_config cfg;
  dm_unit         **units;
  uint16_t          nunits;
  dm_unit          *gone;

  dm_slot *slots;
  uint32_t nslots;
  uint32_t free_head, free_tail; /* FIFO of reusable slots */

  dm_level level;
  dm_sih  *sih_head, *sih_tail;
  uint8_t  sih_running;
  dm_pool  sih_pool;
  dm_pool  timer_pool;

  /* Nobody watches: no trace hook, no PB hook, rules unchecked, nothing
   * counted. The request path then runs a variant without trace points and
   * history. */
  bool        lean;
  /* cfg.count: the machine's counts, and DM_UNITS_MAX more, one per unit
   * number (by refNum, so that a removed driver's counts stay); else NULL. */
  dm_counts  *counts;

  const char   *client;
  dm_in_driver *in_driver; /* the innermost driver code running (watched only) */
  uint32_t    violations;
  uint32_t    rule_counts[DM_RULE_COUNT];
  char        msg[640];
};

/* ---- internal helpers --------------------------------------------------------------- */

/* The current machine of this thread (machine.c). Inside devmgr it is read
 * and switched inline: every request crosses it twice. local-exec: the
 * Device Manager is linked into the executable (dmsim, the test runner),
 * never into a shared object, so one %fs-relative load reaches it. */
extern _Thread_local dm_machine *dm__current __attribute__((tls_model("local-exec")));

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

#define DM_LIKELY(x) __builtin_expect(!!(x), 1)
#define DM_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* IDs: generation in the high half, slot index + 1 in the low half, so that
 * no ID is NULL and a stale ID is recognised by its generation. */
static inline uint64_t dm__slot_id(const dm_machine *m, uint32_t i)
{
  return ((uint64_t)m->slots[i].gen << 32) | (uint64_t)(i + 1);
}
/* A completed request's block keeps its ID with this mark in ioCmdAddr: a
 * late second completion through the block is still recognised as one
 * (report_dead_id), while the block's next call finds it free with one
 * compare, since a marked ID is beyond every slot (the table stays below
 * 2^30 slots). */
#define DM_ID_DONE 0x80000000u
/* A finished request's result posted in its block, and its ID there marked
 * completed. */
static inline void dm__post(ParmBlkPtr pb, uint64_t id, OSErr result)
{
  pb->ioParam.ioResult = result;
  pb->ioParam.ioCmdAddr = (Ptr)(uintptr_t)(id | DM_ID_DONE);
}
static inline IOCommandID dm__to_cmdid(uint64_t id)
{
  return (IOCommandID)(uintptr_t)id;
}

/* slot.c. Allocation, release and look-up run several times per request,
 * so they are inline; only growing the array is out of line. */
int      dm__slots_init(dm_machine *m, uint32_t n);
int      dm__slots_grow(dm_machine *m); /* 0, or -1 when out of memory */

/* Makes sure a slot is free, growing the array if none is (which may fail:
 * dm__slot_new then says so). Callers reserve before they load what must
 * survive the call, so that the request path keeps little across it. */
static inline void dm__slots_reserve(dm_machine *m)
{
  if (DM_UNLIKELY(m->free_head == DM_NO_SLOT))
    (void)dm__slots_grow(m);
}

/* A new slot for a request, filled in, its generation moved on (so that IDs
 * naming its earlier uses go stale); DM_NO_SLOT when none is free (see
 * dm__slots_reserve). Its history times are the caller's to set, on a
 * watched machine: nobody reads them on a lean one. */
static inline uint32_t dm__slot_new(dm_machine *m, ParmBlkPtr pb, int16_t ref, unsigned code,
                                    unsigned kind, unsigned mode)
{
  uint32_t i = m->free_head;
  if (DM_UNLIKELY(i == DM_NO_SLOT))
    return DM_NO_SLOT;
  dm_slot *s = &m->slots[i];
  m->free_head = s->next;
  if (s->next == DM_NO_SLOT)
    m->free_tail = DM_NO_SLOT;
  /* Field by field: the times and the result keep their old values, which
   * nobody reads until the DISPATCHED flag or the DONE state says they
   * belong to this use (dm__history); privq is NULL in every slot that is
   * not live (dm__slot_release clears it); flags are the caller's to set. The
   * generation wraps after 2^32 uses of one slot; look-ups check the state
   * too, so that is harmless. */
  s->pb = pb;
  s->gen++;
  s->next = DM_NO_SLOT;
  s->ref = ref;
  s->code = (uint8_t)code;
  s->kind = (uint8_t)kind;
  s->mode = (uint8_t)mode;
  s->state = DM_SLOT_QUEUED;
  return i;
}

/* The request in slot s reaches u's driver now: ACTIVE, counted in u's
 * in-flight requests, its dispatch time kept for its history when history
 * is kept (a watched machine). */
static inline void dm__slot_activate(dm_unit *u, dm_slot *s, uint64_t now, bool history)
{
  s->state = DM_SLOT_ACTIVE;
  s->flags |= DM_SLOTF_DISPATCHED;
  if (history)
    s->t_dispatch = now;
  u->active++;
}

/* Slot i becomes DONE (its history kept), off any private queue, and goes
 * to the back of the free FIFO. */
static inline void dm__slot_release(dm_machine *m, uint32_t i)
{
  dm_slot *s = &m->slots[i];
  s->state = DM_SLOT_DONE;
  s->privq = NULL;
  s->next = DM_NO_SLOT;
  if (m->free_tail == DM_NO_SLOT)
    m->free_head = i;
  else
    m->slots[m->free_tail].next = i;
  m->free_tail = i;
}

/* The live (QUEUED or ACTIVE) slot an ID names, or DM_NO_SLOT. */
static inline uint32_t dm__slot_lookup(const dm_machine *m, uint64_t id)
{
  uint32_t i = (uint32_t)id - 1; /* index 0 (no ID) wraps to UINT32_MAX */
  if (i >= m->nslots)
    return DM_NO_SLOT;
  const dm_slot *s = &m->slots[i];
  if (s->gen != (uint32_t)(id >> 32) ||
      (s->state != DM_SLOT_QUEUED && s->state != DM_SLOT_ACTIVE))
    return DM_NO_SLOT;
  return i;
}

/* The live slot of a PB whose ioCmdAddr holds its ID, or DM_NO_SLOT. */
static inline uint32_t dm__slot_of_pb(const dm_machine *m, const void *pb)
{
  const ParamBlockRec *p = pb;
  uint32_t i = dm__slot_lookup(m, (uint64_t)(uintptr_t)p->ioParam.ioCmdAddr);
  return i != DM_NO_SLOT && m->slots[i].pb == pb ? i : DM_NO_SLOT;
}

/* unit.c */
/* The unit a refNum names (NULL when none): inline, it is on every path. */
static inline dm_unit *dm__unit(const dm_machine *m, int16_t ref)
{
  unsigned unit = (unsigned)(uint16_t)~ref; /* ref >= 0 gives unit >= 0x8000 */
  return unit < m->nunits ? m->units[unit] : NULL;
}
/* The unit a client's refNum names: badUnitErr outside the table,
 * unitEmptyErr for an empty entry. */
static inline OSErr dm__unit_map(const dm_machine *m, int16_t ref, dm_unit **out)
{
  unsigned unit = (unsigned)(uint16_t)~ref;
  *out = NULL;
  if (ref >= 0 || unit >= m->nunits)
    return badUnitErr;
  if ((*out = m->units[unit]) == NULL)
    return unitEmptyErr;
  return noErr;
}
void     dm__set_flags(dm_unit *u, uint16_t set, uint16_t clear);
/* Recomputes u->lane; called whenever u->state, u->runtime or u->killing
 * changes. While KillIO empties dCtlQHdr, new requests are held on it (and
 * aborted with the rest). */
static inline void dm__unit_relane(dm_unit *u)
{
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

/* queue.c: OS queues without the in-flight watch of Enqueue/Dequeue. */
static inline void dm__enqueue(QHdrPtr q, QElemPtr e)
{
  /* Without a branch: an empty queue links e from its head, any other from
   * its tail element. */
  QElemPtr tail = q->qTail;
  QElemPtr volatile *link = tail != NULL ? (QElemPtr volatile *)&tail->qLink : &q->qHead;
  e->qLink = NULL;
  *link = e;
  q->qTail = e;
}

/* Unlinks e (not NULL) from anywhere in q; qErr when e is not on q.
 * Requests mostly complete in order, so the head is tried first. Inline,
 * loop included: the completion path then makes no call before the
 * completion routine. */
static inline OSErr dm__dequeue(QHdrPtr q, QElemPtr e)
{
  QElemPtr prev = NULL, cur = q->qHead;
  if (DM_UNLIKELY(cur != e)) {
    while (cur != NULL && cur != e) {
      prev = cur;
      cur = cur->qLink;
    }
    if (cur == NULL)
      return qErr;
  }
  QElemPtr next = e->qLink, tail = q->qTail;
  if (prev == NULL)
    q->qHead = next;
  else
    prev->qLink = next;
  q->qTail = next == NULL ? prev : tail; /* e was the last element: prev is */
  e->qLink = NULL;
  return noErr;
}

/* dCtlQHdr stays Apple's singly linked queue, which drivers and clients may
 * walk; beside it each request's slot keeps the slot of its predecessor
 * (qprev), so that a request completing anywhere in the queue is unlinked
 * in O(1) at any depth. The hint is checked before use (the predecessor is
 * live and links to the block), so a queue that someone else changed (an
 * Enqueue or Dequeue by a driver, an element that is not a request) costs a
 * walk, never a wrong unlink; nothing dereferences a block that is not in
 * flight. */

/* Appends request si's block pb to u's dCtlQHdr. */
static inline void dm__ctlq_append(dm_machine *m, dm_unit *u, uint32_t si, ParmBlkPtr pb)
{
  QHdrPtr q = &u->dce.dCtlQHdr;
  QElemPtr tail = q->qTail;
  m->slots[si].qprev = tail != NULL ? dm__slot_of_pb(m, tail) : DM_NO_SLOT;
  dm__enqueue(q, (QElemPtr)pb);
}

/* The element before e on q found from hint, the slot of the element that
 * preceded e when it was queued; NULL when e is the head; otherwise a walk
 * (qErr when e is not on q). *prev_slot is the predecessor's slot. */
static inline OSErr dm__ctlq_prev(const dm_machine *m, QHdrPtr q, QElemPtr e, uint32_t hint,
                                  QElemPtr *prev, uint32_t *prev_slot)
{
  *prev = NULL;
  *prev_slot = DM_NO_SLOT;
  if (DM_LIKELY(q->qHead == e))
    return noErr;
  if (DM_LIKELY(hint < m->nslots)) {
    const dm_slot *h = &m->slots[hint];
    if ((h->state == DM_SLOT_QUEUED || h->state == DM_SLOT_ACTIVE) && h->pb != NULL &&
        (QElemPtr)h->pb != e && ((QElemPtr)h->pb)->qLink == e) {
      *prev = (QElemPtr)h->pb;
      *prev_slot = hint;
      return noErr;
    }
  }
  QElemPtr cur = q->qHead;
  while (cur != NULL && cur->qLink != e)
    cur = cur->qLink;
  if (cur == NULL)
    return qErr;
  *prev = cur;
  *prev_slot = dm__slot_of_pb(m, cur);
  return noErr;
}

/* Unlinks pb, whose request's qprev hint was hint, from u's dCtlQHdr; qErr
 * when it is not there. O(1) while the hints hold (see above). */
static inline OSErr dm__ctlq_remove(dm_machine *m, dm_unit *u, ParmBlkPtr pb, uint32_t hint)
{
  QHdrPtr q = &u->dce.dCtlQHdr;
  QElemPtr e = (QElemPtr)pb, prev;
  uint32_t prev_slot;
  if (DM_UNLIKELY(dm__ctlq_prev(m, q, e, hint, &prev, &prev_slot) != noErr))
    return qErr;
  QElemPtr next = e->qLink;
  if (prev == NULL)
    q->qHead = next;
  else
    prev->qLink = next;
  if (next == NULL)
    q->qTail = prev;
  else {
    uint32_t ns = dm__slot_of_pb(m, next);
    if (ns != DM_NO_SLOT)
      m->slots[ns].qprev = prev_slot;
  }
  e->qLink = NULL;
  return noErr;
}

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

/* trace.c. Without a trace hook a trace point costs one branch, inline;
 * a counting machine (m->counts) counts it there too. */
void dm__trace_emit(dm_machine *m, dm_ev ev, int16_t ref, const void *pb, uint64_t id,
                    uint8_t code, uint8_t mode, int16_t result);

/* The counts of unit ref's number, or NULL (ref names no unit). */
static inline dm_counts *dm__counts_of(dm_machine *m, int16_t ref)
{
  unsigned unit = (unsigned)(uint16_t)~ref; /* ref >= 0 gives unit >= 0x8000 */
  return unit < DM_UNITS_MAX ? &m->counts[1 + unit] : NULL;
}

/* Counts one trace record of kind ev about unit ref (m counts). */
static inline void dm__count(dm_machine *m, dm_ev ev, int16_t ref)
{
  m->counts[0].ev[ev]++;
  dm_counts *c = dm__counts_of(m, ref);
  if (c != NULL)
    c->ev[ev]++;
}

/* Counts request si of unit ref reaching its driver (m counts): its wait
 * since the call, and the start of a busy spell. */
void dm__count_dispatch(dm_machine *m, int16_t ref, uint32_t si);
/* Counts the end of request si's service (m counts, the slot COUNTED). */
void dm__count_done(dm_machine *m, int16_t ref);

static inline void dm__trace(dm_machine *m, dm_ev ev, int16_t ref, const void *pb, uint64_t id,
                             uint8_t code, uint8_t mode, int16_t result)
{
  if (DM_UNLIKELY(m->counts != NULL)) {
    dm__count(m, ev, ref);
    if (ev == DM_EV_DISPATCH && code >= kReadCommand && code <= kStatusCommand)
      dm__count_dispatch(m, ref, (uint32_t)id - 1);
  }
  if (DM_UNLIKELY(m->cfg.trace != NULL))
    dm__trace_emit(m, ev, ref, pb, id, code, mode, result);
}
void dm__trace_flags(dm_unit *u);
void dm__trace_unit(dm_machine *m, dm_ev ev, const dm_unit *u);

/* complete.c */
void dm__complete(dm_machine *m, uint32_t si, OSErr result);
void dm__abort_queue(dm_machine *m, dm_unit *u, OSErr result);

/* Read/Write about to reach the driver: position dCtlPosition from
 * ioPosMode, or complete an empty transfer at once (returns true then). The
 * Device Manager finishes empty transfers itself, and positions the mark
 * when the request reaches the driver, not when it is queued. */
static inline bool dm__begin_transfer(dm_machine *m, dm_unit *u, uint32_t si, ParmBlkPtr pb,
                                      unsigned code)
{
  if (code != kReadCommand && code != kWriteCommand)
    return false;
  if (DM_UNLIKELY(pb->ioParam.ioReqCount == 0)) {
    dm__complete(m, si, noErr);
    return true;
  }
  /* fsFromStart (1) and fsFromMark (3) move the mark; fsAtMark and
   * fsFromLEOF leave it. One test for the common fsAtMark. */
  unsigned pm = (unsigned)pb->ioParam.ioPosMode & 3;
  if (pm & 1)
    u->dce.dCtlPosition =
        (pm == fsFromMark ? u->dce.dCtlPosition : 0) + pb->ioParam.ioPosOffset;
  return false;
}

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

/* call.c: dm_call specialised for one trap word, on the current machine
 * (see pbcalls.c). */
#define DM_QUEUED_CALLS(XX)                                                    \
  XX(ReadSync, _Read)                                                          \
  XX(ReadAsync, _Read | DM_TRAP_ASYNC)                                         \
  XX(WriteSync, _Write)                                                        \
  XX(WriteAsync, _Write | DM_TRAP_ASYNC)                                       \
  XX(ControlSync, _Control)                                                    \
  XX(ControlAsync, _Control | DM_TRAP_ASYNC)                                   \
  XX(StatusSync, _Status)                                                      \
  XX(StatusAsync, _Status | DM_TRAP_ASYNC)
#define XX(name, trap) OSErr dm__call_##name(ParmBlkPtr pb);
DM_QUEUED_CALLS(XX)
#undef XX

/* dispatch.c */
/* DoDriverIO of u (a unit of m) with m current; returns what DoDriverIO
 * returned, as an OSErr (its low 16 bits: right for drivers that define
 * DoDriverIO with either result type). current (a constant where it is inlined) says m is current
 * already, which saves switching. Whatever the driver does to the current
 * machine, the caller gets back the one it had. */
static inline OSErr dm__driver_call(dm_machine *m, dm_unit *u, uint64_t id, IOCommandContents c,
                                    IOCommandCode code, IOCommandKind kind, bool current)
{
  dm_machine *prev = current ? m : dm__enter(m);
  OSErr st = (OSErr)u->entry(kCurrentAddressSpaceID, dm__to_cmdid(id), c, code, kind);
  dm__current = prev;
  return st;
}
/* dm__driver_call on a watched machine: the DoDriverIO is known to be
 * running while it runs (m->in_driver). */
static inline OSErr dm__driver_call_watched(dm_machine *m, dm_unit *u, uint64_t id,
                                            IOCommandContents c, IOCommandCode code,
                                            IOCommandKind kind, bool current)
{
  dm_in_driver frame = { id, u, m->in_driver, DM_ENTRY_DRIVERIO };
  m->in_driver = &frame;
  OSErr st = dm__driver_call(m, u, id, c, code, kind, current);
  m->in_driver = frame.outer;
  return st;
}
void  dm__kick(dm_machine *m, dm_unit *u);
void  dm__release_held(dm_machine *m, dm_unit *u);
OSErr dm__simple_command(dm_unit *u, IOCommandCode code);
/* The driver code running now on a watched machine (for the owner of a
 * handler or timer it queues), or NULL. */
static inline const dm_unit *dm__running_unit(const dm_machine *m)
{
  return m->in_driver != NULL ? m->in_driver->u : NULL;
}
/* Whether the DoDriverIO of command id is running (perhaps under a handler
 * or timer it started): a sync request it completes is traced `done` once
 * that DoDriverIO has returned. */
static inline bool dm__inside_driverio(const dm_machine *m, uint64_t id)
{
  for (const dm_in_driver *f = m->in_driver; f != NULL; f = f->outer)
    if (f->id == id)
      return true;
  return false;
}
/* Reports a driver that wrote the DCE fields the Device Manager owns
 * (drvrActive, dCtlQHdr) and puts back the Device Manager's values: the bit
 * as it last set it, the queue rebuilt from its own records of the requests
 * on it. Out of line: called only when the inline test saw a difference. */
void  dm__check_dce(dm_machine *m, dm_unit *u);
/* Reports a driver that wrote ioResult itself (once per request). */
void  dm__check_ioresult(dm_machine *m, uint32_t si, const char *when);

/* Sends the request in slot si (ID id, already marked ACTIVE) to u's
 * DoDriverIO: the transfer rules first, then the call, then the ioResult
 * check. Inline: every request passes here once. lean (a constant where it
 * is inlined) leaves out the trace points and checks of a watched machine;
 * current says m is the current machine already. */
static inline __attribute__((always_inline)) void dm__send(dm_machine *m, dm_unit *u,
                                                          uint32_t si, uint64_t id,
                                                          ParmBlkPtr pb, int16_t ref,
                                                          unsigned code, unsigned kind,
                                                          bool lean, bool current)
{
  if (dm__begin_transfer(m, u, si, pb, code))
    return;
  if (!lean)
    dm__trace(m, DM_EV_DISPATCH, ref, pb, id, (uint8_t)code, (uint8_t)kind, 0);
  IOCommandContents c = { .pb = pb };
  if (lean) {
    (void)dm__driver_call(m, u, id, c, code, kind, current);
    return;
  }
  OSErr st = dm__driver_call_watched(m, u, id, c, code, kind, current);
  dm__trace(m, DM_EV_RETURN, ref, NULL, id, (uint8_t)code, (uint8_t)kind, st);
  uint32_t still = dm__slot_lookup(m, id);
  if (still == DM_NO_SLOT) {
    /* Completed inside DoDriverIO: a sync caller returns only now. */
    if (kind == kSynchronousIOCommandKind)
      dm__trace(m, DM_EV_DONE, ref, pb, id, (uint8_t)code, DM_MODE_SYNC,
                pb->ioParam.ioResult);
  } else if (dm__checking(m)) {
    dm__check_ioresult(m, still, "when DoDriverIO returned");
  }
  if (dm__checking(m)) {
    QHdr *q = &u->dce.dCtlQHdr;
    if (DM_UNLIKELY(((u->dce.dCtlFlags & drvrActiveMask) != 0) != u->dm_active ||
                    (q->qHead == NULL) != (q->qTail == NULL) ||
                    (q->qTail != NULL && q->qTail->qLink != NULL)))
      dm__check_dce(m, u);
  }
}

/* Hands the queued or held request in slot si to u's DoDriverIO, with the
 * counters and history of a dispatch. */
static inline void dm__dispatch(dm_machine *m, dm_unit *u, uint32_t si, uint64_t id)
{
  dm_slot *s = &m->slots[si];
  if (s->flags & DM_SLOTF_HELD)
    u->held--;
  else if (s->state == DM_SLOT_QUEUED)
    u->queued--;
  s->flags &= (uint8_t)~DM_SLOTF_HELD;
  dm__slot_activate(u, s, dm__now(m), true);
  dm__send(m, u, si, id, s->pb, s->ref, s->code, s->kind, false, false);
}

/* pool.c */
void  dm__pool_init(dm_pool *p, size_t size);
void *dm__pool_get(dm_pool *p);
void  dm__pool_put(dm_pool *p, void *rec);
void  dm__pool_free(dm_pool *p);

/* loader.c: dlopen(path) with a bare name taken as ./name; NULL with a
 * message naming the file and `what` ("driver") in err when it fails. */
void *dm__dlopen(const char *path, const char *what, char *err, size_t errlen);

/* machine.c */
void dm__drain_sih(dm_machine *m);

/* time formatting for messages: "1.250000 ms" style, deterministic */
void dm__fmt_time(uint64_t ns, char *buf, size_t len);

#endif /* DM_INT_H */
