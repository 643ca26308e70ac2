/*
 * complete.c - completing requests: IOCommandIsComplete, IODone, the
 * Device Manager's own completions (KillIO aborts, empty transfers, requests
 * left behind by a removed driver), and GetIOCommandInfo.
 *
 * Order of a completion, as the classic IODone does it: drvrActive cleared
 * (non-concurrent), PB taken off dCtlQHdr, result posted in ioResult,
 * completion routine run (async) or the sync caller released, and only then
 * the next request of a non-concurrent driver started.
 *
 * IOCommandIsComplete is where most broken rules show: the ID must name a
 * live, dispatched, non-immediate command; the call must not come from
 * hardware-interrupt level; the PB must be off any driver-private queue and
 * still hold ioInProgress.
 */
#include <inttypes.h>
#include <stdio.h>

#include "dm-int.h"

/* What a unit needs once one of its requests completed and the completion
 * routine ran: a non-concurrent driver starts its next request; a unit being
 * removed or replaced goes on once it is idle. Out of line: a concurrent
 * driver in service needs nothing. */
static __attribute__((noinline)) void unit_after_completion(dm_machine *m, dm_unit *u)
{
  if (u->state == DM_UNIT_GONE)
    return;
  if (u->state == DM_UNIT_DRAINING) {
    /* Not while the remove or replace is being finished (u->finishing): the
     * requests it completes itself (Finalize's leftovers, a retired unit's
     * queue) make the unit idle again, but the event would be wasted:
     * dm__unit_finish_lifecycle returns at once while its unit finishes
     * (it is the guard against finishing the same remove twice). */
    if (u->active == 0 && u->queued == 0 && !u->finishing &&
        u->lifecycle.idx == DM_EVENT_IDLE) {
      u->lifecycle.t = dm__now(m);
      m->cfg.platform.arm(m->cfg.platform.ctx, &u->lifecycle);
    }
    if (u->active != 0 || u->queued != 0)
      dm__start_queued(m, u);
    return;
  }
  if (!(u->runtime & kDriverIsConcurrent))
    dm__start_queued(m, u);
}

/* A completion's trace point (see finish_request for tc). */
static inline __attribute__((always_inline)) void
finish_point(dm_machine *m, dm_unit *u, dm_counts *tc, dm_ev ev, int16_t ref, const void *pb,
             uint64_t id, uint8_t code, uint8_t mode, int16_t result)
{
  if (tc != NULL)
    dm__count_in(m, tc, ev, code, (uint32_t)id - 1);
  else
    dm__trace_request(m, u, ev, ref, pb, id, code, mode, result);
}

/* The one completion body: dm__complete for every caller, and inlined into
 * IOCommandIsComplete, the path every driver-completed request takes. Its
 * constant flags prune it where it is inlined: lean (m->lean: no trace
 * points, no history), from_driver (IOCommandIsComplete's common case:
 * the slot is ACTIVE, not immediate, has a PB and no private queue, and m
 * is the current machine) and at_head (the PB is at the head of dCtlQHdr,
 * or off it: the short unlink, which needs few registers); tc is the
 * unit's row of counts on a tallying machine (dm__trace_ut; from_driver
 * only), tested once by the caller and kept, else NULL.
 *
 * The slot is finished first (its fields read once, then released), then
 * the unit's queue, counters and drvrActive; nothing outside can tell the
 * two apart, and little has to live across the calls that follow. */
static inline __attribute__((always_inline)) void finish_request(dm_machine *m, uint32_t si,
                                                           uint64_t id, OSErr result,
                                                           bool lean, bool from_driver,
                                                           bool at_head, dm_counts *tc)
{
  dm_slot *s = &m->slots[si];
  ParmBlkPtr pb = s->pb;
  QHdrPtr privq = s->privq;
  uint64_t hints = dm__slot_hints(s); /* (qnext: before the release) */
  int16_t ref = s->ref, posted = result > 0 ? noErr : result;
  uint8_t code = s->code, mode = s->mode, flags = s->flags;
  bool was_active = from_driver || s->state == DM_SLOT_ACTIVE;
  bool immediate = !from_driver && s->kind == kImmediateIOCommandKind;
  /* A request in service has its unit in the unit table (a unit leaves it
   * only once none is), so the slot's pointer serves; any other one may
   * outlive its driver: its unit is NULL then. (Before t_done takes the
   * word.) */
  dm_unit *u = from_driver ? s->unit : dm__unit(m, ref);
  s->result = posted;
  uint64_t now = lean ? 0 : dm__now(m); /* (history and counts: watched only) */
  if (!lean)
    s->t_done = now;
  /* (from_driver: privq was found NULL, no store needed to clear it) */
  dm__slot_release_q(m, si, !from_driver);

  bool has_pb = from_driver || pb != NULL;
  if (!lean && (flags & DM_SLOTF_COUNTED))
    dm__count_done(tc != NULL                  ? tc
                   : from_driver || u != NULL ? u->counts
                                              : dm__counts_of(m, ref),
                   now);
  if (DM_LIKELY(from_driver || u != NULL)) {
    if (DM_LIKELY(has_pb && (flags & DM_SLOTF_ONQ))) {
      if (at_head)
        dm__ctlq_remove_head(u, pb);
      else
        dm__ctlq_remove(m, u, pb, dm__hint_prev(hints), dm__hint_next(hints));
    }
    if (was_active)
      u->active--;
    else if (!(flags & DM_SLOTF_HELD)) /* (a held request is in neither count) */
      u->queued--;
    /* KillIO clears drvrActive itself, once the queue is empty. */
    if (was_active && !immediate && !(u->runtime & kDriverIsConcurrent) &&
        (from_driver || !u->killing)) {
      if (lean) /* no trace hook: only the flag changes */
        u->dce.dCtlFlags = (short)(u->dce.dCtlFlags & ~drvrActiveMask);
      else
        dm__clear_active(u, tc);
    }
  }
  if (!from_driver && privq != NULL && has_pb)
    dm__dequeue(privq, (QElemPtr)pb);

  if (has_pb) {
    dm__post(pb, id, posted);
    if (!lean)
      finish_point(m, u, tc, DM_EV_COMPLETE, ref, pb, id, code, mode, posted);
    if (!lean && DM_LIKELY(mode == DM_MODE_SYNC)) {
      /* (First: a watched serialized run's requests are sync calls. Not
       * when completed inside its own DoDriverIO: dm__send traces `done`
       * once that has returned.) */
      if (!dm__inside_driverio(m, id))
        finish_point(m, u, tc, DM_EV_DONE, ref, pb, id, code, mode, posted);
    } else if (mode == DM_MODE_ASYNC && pb->ioParam.ioCompletion != NULL) {
      if (!lean)
        finish_point(m, u, tc, DM_EV_CALLBACK, ref, pb, id, code, mode, posted);
      /* The routine runs with m current; whatever it does to the current
       * machine, the caller gets back the one it had. */
      dm_machine *prev = from_driver ? m : dm__enter(m);
      if (lean) {
        pb->ioParam.ioCompletion(pb);
      } else {
        /* The routine is its caller's code, not the driver's: calls it
         * makes are not credited to a DoDriverIO it runs inside. */
        dm_in_driver *in = m->in_driver;
        m->in_driver = &m->no_driver;
        pb->ioParam.ioCompletion(pb);
        m->in_driver = in;
      }
      dm__current = prev;
    }
    if (!lean && m->cfg.pb_done != NULL)
      m->cfg.pb_done(m->cfg.pb_done_ctx, pb);
  }
  _Static_assert(DM_LANE_CONC_OWNQ < DM_LANE_SERIAL && DM_LANE_SERIAL + 1 == DM_LANE_HOLD,
                 "the lanes after SERIAL are HOLD's alone");
  if (from_driver && !lean) {
    /* A watched completion by its driver: a ready serialized unit that may
     * start its next request (the path of every request such a driver
     * completes) tested first, lane and dm__may_start_queued in one
     * compare. */
    if (DM_LIKELY(u->go == dm__go_serial_idle())) {
      dm__start_queued_run(m, u, true, true, tc); /* (m current: IOCommandIsComplete's) */
    } else if (DM_UNLIKELY(u->lane > DM_LANE_SERIAL)) {
      /* not ready (DM_LANE_HOLD) */
      unit_after_completion(m, u);
    }
  } else if ((from_driver || u != NULL) && DM_UNLIKELY(u->lane > DM_LANE_CONC_OWNQ)) {
    /* not ready, or serial: a ready serialized driver starts its next
     * request */
    if (u->lane != DM_LANE_SERIAL)
      unit_after_completion(m, u);
    else
      dm__start_queued(m, u);
  }
}

void dm__complete(dm_machine *m, uint32_t si, OSErr result)
{
  finish_request(m, si, dm__slot_id(m, si), result, false, false, false, NULL);
}

__attribute__((noinline, cold)) void dm__complete_empty(dm_machine *m, uint32_t si)
{
  m->slots[si].flags &= (uint8_t)~DM_SLOTF_COUNTED; /* (no DISPATCH point counted it) */
  dm__complete_inline(m, si, noErr);
}

void dm__abort_queue(dm_machine *m, dm_unit *u, OSErr result)
{
  /* As Inside Macintosh: Devices describes KillIO: the head of dCtlQHdr is
   * completed until the queue is empty, requests that completion routines
   * send meanwhile included (they are held on the queue, not dispatched);
   * drvrActive is cleared after the last one. A KillIO sent from one of
   * those completion routines empties the same queue; the outer one then
   * finds it empty. */
  uint8_t outer = !u->killing;
  u->killing = 1;
  dm__unit_relane(u);
  for (QElemPtr head; (head = u->dce.dCtlQHdr.qHead) != NULL;) {
    uint32_t si = dm__slot_of_pb(m, head);
    if (si == DM_NO_SLOT || m->slots[si].unit != u) /* (another unit's is not aborted) */
      dm__ctlq_drop_foreign(m, u, head, "at KillIO");
    else
      dm__complete(m, si, result);
  }
  if (!outer)
    return;
  u->killing = 0;
  dm__unit_relane(u);
  dm__set_flags(u, 0, drvrActiveMask);
  if (!(u->runtime & kDriverIsConcurrent))
    dm__start_queued(m, u);
}

/* Why an ID is not live: it named a command that completed already, or it
 * was never issued. */
static __attribute__((noinline, cold)) void report_dead_id(dm_machine *m, uint64_t id,
                                                            const char *call)
{
  id &= ~(uint64_t)DM_ID_DONE; /* taken from a completed block's ioCmdAddr */
  uint64_t lo = id & 0xFFFFFFFFu;
  uint32_t gen = (uint32_t)(id >> 32);
  if (lo != 0 && lo <= m->nslots && gen != 0) {
    uint32_t i = (uint32_t)(lo - 1);
    const dm_slot *s = &m->slots[i];
    bool same = s->gen == gen && s->state == DM_SLOT_DONE;
    if (same || gen < s->gen) {
      char hist[256] = "its history is gone: the slot was reused";
      if (same)
        dm__history(m, i, hist, sizeof hist);
      dm__violation(m, DM_RULE_COMPLETE_TWICE, same ? s->ref : 0, NULL, id,
                    "%s(id %#" PRIx64 ") for a command that already completed (%s)", call, id,
                    hist);
      return;
    }
  }
  dm__violation(m, DM_RULE_COMPLETE_UNKNOWN_ID, 0, NULL, id,
                "%s(id %#" PRIx64 "): no command with this ID was ever issued", call, id);
}

/* The rules IOCommandIsComplete checks, explained with the request's history
 * when one is broken. Returns true when the command may still be completed
 * (the broken rule is reported and the completion goes ahead), false when
 * the call must be refused. Out of line: the fast path never needs it. */
static __attribute__((noinline, cold)) bool iocomplete_rules(dm_machine *m, uint32_t si,
                                                                 uint64_t id)
{
  dm_slot *s = &m->slots[si];
  char hist[256];
#define HIST() (dm__history(m, si, hist, sizeof hist), hist)
  if (s->kind == kImmediateIOCommandKind) {
    dm__violation(m, DM_RULE_COMPLETE_IMMEDIATE, s->ref, s->pb, id,
                  "IOCommandIsComplete for an immediate command (%s)", HIST());
    return false;
  }
  if (s->pb == NULL) /* only immediate commands come without one */
    return false;
  if (s->state == DM_SLOT_QUEUED) {
    dm__violation(m, DM_RULE_COMPLETE_WHILE_QUEUED, s->ref, s->pb, id,
                  "IOCommandIsComplete for a request still waiting on dCtlQHdr, never "
                  "dispatched (%s)",
                  HIST());
    return false;
  }
  if (m->level == DM_LVL_HWI)
    dm__violation(m, DM_RULE_COMPLETE_AT_HW_INTERRUPT, s->ref, s->pb, id,
                  "IOCommandIsComplete at hardware-interrupt level (%s)", HIST());
  s = &m->slots[si];
  if (s->privq != NULL)
    dm__violation(m, DM_RULE_COMPLETE_WHILE_QUEUED, s->ref, s->pb, id,
                  "IOCommandIsComplete while the PB is still on the driver's own queue; the "
                  "Device Manager takes it off (%s)",
                  HIST());
  s = &m->slots[si];
  if (s->pb != NULL && s->pb->ioParam.ioResult != ioInProgress &&
      !(s->flags & DM_SLOTF_WROTE_RESULT) && dm__checking(m)) {
    s->flags |= DM_SLOTF_WROTE_RESULT;
    dm__violation(m, DM_RULE_DRIVER_WROTE_IORESULT, s->ref, s->pb, id,
                  "ioResult was %d when IOCommandIsComplete was called (%s)",
                  s->pb->ioParam.ioResult, HIST());
  }
#undef HIST
  return true;
}

/* A driver completing a command of another unit: reported at once, against
 * the caller, and refused, so that the owner's request stays in flight and
 * the owner is not blamed later. Exact on a watched machine, where the
 * driver code running is recorded at every entry (DoDriverIO, secondary
 * interrupt handlers and timers, attributed to the driver that queued them);
 * code at hardware-interrupt level and lean machines are not attributed.
 * Returns true when the call must be refused. */
static __attribute__((noinline, cold)) bool refuse_not_owner(dm_machine *m, uint32_t si,
                                                             uint64_t id)
{
  const dm_unit *caller = dm__running_unit(m);
  const dm_slot *s = &m->slots[si];
  char hist[256];
  dm__history(m, si, hist, sizeof hist);
  dm__violation(m, DM_RULE_COMPLETE_NOT_OWNER, caller->dce.dCtlRefNum, s->pb, id,
                "%s (refNum %d) called IOCommandIsComplete for a command of refNum %d; the "
                "call is refused and the command stays in flight (%s)",
                caller->name, caller->dce.dCtlRefNum, s->ref, hist);
  return true;
}
static inline bool complete_not_owner(dm_machine *m, uint32_t si, uint64_t id)
{
  const dm_unit *caller = dm__running_unit(m);
  if (DM_LIKELY(caller == NULL || caller->dce.dCtlRefNum == m->slots[si].ref))
    return false;
  return refuse_not_owner(m, si, id);
}

/* IOCommandIsComplete's common case in one test: id names an active,
 * non-immediate command off any private queue whose ioResult is untouched,
 * completed below hardware-interrupt level. Its slot, or DM_NO_SLOT. (Only
 * immediate commands come without a parameter block.) On a lean machine
 * (rules unchecked) a completion at hardware-interrupt level or after the
 * driver wrote ioResult has nothing to report and finishes as any other, so
 * lean leaves those two tests out. */
static inline __attribute__((always_inline)) uint32_t iocomplete_fast(const dm_machine *m,
                                                                      uint64_t id, bool lean)
{
  uint32_t si = (uint32_t)id - 1;
  if (DM_UNLIKELY(si >= m->nslots))
    return DM_NO_SLOT;
  const dm_slot *s = &m->slots[si];
  /* (Lean: each byte tested alone. A lean request to a driver that
   * completes inside DoDriverIO, as .Null does, comes here a few
   * instructions after the call stored those bytes one by one, and one
   * load across several stores waits for them to reach the cache: the
   * dispatch figure read 16-17 ns instead of 13.) */
  bool kind_state_q = lean ? s->state == DM_SLOT_ACTIVE && s->kind != kImmediateIOCommandKind &&
                                 s->privq == NULL
                           : dm__slot_completable(s);
  bool fast = dm__slot_genid(s) == id && kind_state_q &&
              (lean || (m->level != DM_LVL_HWI && s->pb->ioParam.ioResult == ioInProgress));
  return fast ? si : DM_NO_SLOT;
}

/* IOCommandIsComplete when its common case does not hold: a dead ID, or a
 * rule broken (reported here). */
static __attribute__((noinline, cold)) OSErr iocomplete_checked(dm_machine *m, uint64_t id,
                                                              OSErr result)
{
  uint32_t si = dm__slot_lookup(m, id);
  if (si == DM_NO_SLOT) {
    report_dead_id(m, id, "IOCommandIsComplete");
    return paramErr;
  }
  if (complete_not_owner(m, si, id) || !iocomplete_rules(m, si, id))
    return paramErr;
  dm__complete(m, si, result);
  return noErr;
}

/* Whether request si's PB is at the head of dCtlQHdr, or not on it: a
 * serialized driver's request always is, a concurrent driver's is when it
 * completes in order. */
static inline bool at_head_or_off(const dm_machine *m, uint32_t si)
{
  const dm_slot *s = &m->slots[si];
  /* (On dCtlQHdr is the likely case: every lane but kDriverQueuesIOPB's.) */
  if (DM_LIKELY(s->flags & DM_SLOTF_ONQ))
    return s->unit->dce.dCtlQHdr.qHead == (QElemPtr)s->pb;
  return true;
}

/* A lean machine's request completed by its driver from within dCtlQHdr
 * (out of order): out of line, so that the common case, at the head, needs
 * fewer registers. */
static __attribute__((noinline)) OSErr iocomplete_lean_within(dm_machine *m, uint32_t si,
                                                              uint64_t id, OSErr result)
{
  finish_request(m, si, id, result, true, true, false, NULL);
  return noErr;
}

/* IOCommandIsComplete on a watched machine, out of line so that its calls
 * cost the lean case no saved registers, and the lean case's cost it none.
 * (The ID and the result first, where IOCommandIsComplete has them: one
 * register move fewer.) */
static __attribute__((noinline)) OSErr iocomplete_watched(uint64_t id, OSErr result,
                                                          dm_machine *m)
{
  uint32_t si = iocomplete_fast(m, id, false);
  if (DM_UNLIKELY(si == DM_NO_SLOT))
    return iocomplete_checked(m, id, result);
  if (DM_UNLIKELY(complete_not_owner(m, si, id)))
    return paramErr;
  /* A tallying machine's points count in the unit's row, kept from here
   * on: the row of the request's unit serves the next request it starts
   * too. */
  dm_counts *tc = m->slots[si].unit->tally;
  if (DM_LIKELY(tc != NULL))
    finish_request(m, si, id, result, false, true, false, tc);
  else
    finish_request(m, si, id, result, false, true, false, NULL);
  return noErr;
}

/* IOCommandIsComplete on a lean machine: out of line, so that the entry
 * saves no register before it knows which of the two it goes to. (Its
 * arguments in iocomplete_watched's order.) */
static DM_HOT_ENTRY __attribute__((noinline)) OSErr iocomplete_lean(uint64_t id, OSErr result,
                                                                    dm_machine *m)
{
  uint32_t si = iocomplete_fast(m, id, true);
  if (DM_UNLIKELY(si == DM_NO_SLOT))
    return iocomplete_checked(m, id, result);
  if (DM_UNLIKELY(!at_head_or_off(m, si)))
    return iocomplete_lean_within(m, si, id, result);
  finish_request(m, si, id, result, true, true, true, NULL);
  return noErr;
}

DM_HOT_ENTRY OSErr IOCommandIsComplete(IOCommandID theID, OSErr theResult)
{
  dm_machine *m = dm__current;
  if (DM_UNLIKELY(m == NULL))
    return paramErr;
  uint64_t id = (uint64_t)(uintptr_t)theID;
  if (DM_UNLIKELY(!m->lean))
    return iocomplete_watched(id, theResult, m);
  return iocomplete_lean(id, theResult, m);
}

OSErr GetIOCommandInfo(IOCommandID theID, IOCommandContents *theContents,
                       IOCommandCode *theCommand, IOCommandKind *theKind)
{
  dm_machine *m = dm__current;
  if (m == NULL)
    return paramErr;
  uint32_t si = dm__slot_lookup(m, (uint64_t)(uintptr_t)theID);
  if (si == DM_NO_SLOT || m->slots[si].state != DM_SLOT_ACTIVE)
    return paramErr;
  const dm_slot *s = &m->slots[si];
  if (theContents != NULL)
    theContents->pb = s->pb;
  if (theCommand != NULL)
    *theCommand = s->code;
  if (theKind != NULL)
    *theKind = s->kind;
  return noErr;
}

void IODone(DCtlPtr theDCtl, OSErr theResult)
{
  dm_machine *m = dm__current;
  if (m == NULL || theDCtl == NULL)
    return;
  dm_unit *u = dm__unit(m, theDCtl->dCtlRefNum);
  if (u == NULL)
    return;
  QElemPtr head = u->dce.dCtlQHdr.qHead;
  uint32_t si = head != NULL ? dm__slot_of_pb(m, head) : DM_NO_SLOT;
  if (u->runtime & kDriverIsConcurrent) {
    char hist[256] = "dCtlQHdr is empty";
    if (si != DM_NO_SLOT)
      dm__history(m, si, hist, sizeof hist);
    dm__violation(m, DM_RULE_IODONE_FROM_CONCURRENT, u->dce.dCtlRefNum,
                  si != DM_NO_SLOT ? m->slots[si].pb : NULL,
                  si != DM_NO_SLOT ? dm__slot_id(m, si) : 0,
                  "%s called IODone(%d); the call is ignored (head of dCtlQHdr: %s)", u->name,
                  theResult, hist);
    return;
  }
  if (si != DM_NO_SLOT && m->slots[si].state == DM_SLOT_ACTIVE)
    dm__complete(m, si, theResult);
}
