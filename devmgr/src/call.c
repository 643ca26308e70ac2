/*
 * call.c - the path of a parameter-block call: refNum to DCE, the checks
 * that may refuse it, then immediate dispatch or the queue.
 *
 * Steps (docs/rules.md, "The path of a request"):
 *   1. refNum -> DCE through the unit table; Open finds the driver by name,
 *      or, given no name, opens the installed driver at ioRefNum (what
 *      OpenInstalledDriver does).
 *   2. Read/Write: ioActCount = 0. ioResult = 1, ioTrap, qType = ioQType.
 *   3. Enable bit and dOpened checks. A refused call posts its error and
 *      returns it; no driver code and no completion routine runs.
 *   4. Open, Close and KillIO always reach a native driver as immediate
 *      commands, as do Immed calls. Their result is DoDriverIO's return.
 *      A Close to a busy serialized driver waits first (close.c).
 *   5. Everything else is queued: non-concurrent drivers take it from
 *      dCtlQHdr one at a time; concurrent ones get it at once (on dCtlQHdr
 *      too unless kDriverQueuesIOPB).
 * dm_call never waits; dm_wait lets interrupt-level events run until the
 * request is complete, and reports a wait that can never end.
 *
 * Map of the request path, top to bottom (an async read to a ready driver):
 *
 *   PBReadAsync                 call.c: an alias of dm__call_ReadAsync, the
 *                               entry made by DM_ASYNC_ENTRY below
 *     request_path(lean)        call.c: checks, then a command slot
 *       dm__slot_new            slot-inl.h: the slot allocator
 *       dm__ctlq_append         queue-inl.h: onto dCtlQHdr, with the slot's
 *                               hints of its neighbours (qprev, qnext)
 *       dm__send                dispatch-inl.h: transfer rules, DoDriverIO
 *         (serial lane: dm__start_queued in dispatch-inl.h, its loop
 *          dm__start_queued_run there, out of line as dm__start_queued_loop
 *          in dispatch.c, takes the head of dCtlQHdr when drvrActive is
 *          clear, then dm__dispatch in dispatch-inl.h)
 *   ... the driver, now or later, at any level:
 *   IOCommandIsComplete         complete.c: the common case in one test
 *                               (iocomplete_fast)
 *     finish_request(lean)      complete.c: slot released, PB unlinked from
 *       dm__slot_release        slot-inl.h
 *       dm__ctlq_remove_head    queue-inl.h: the PB at the head of dCtlQHdr
 *       (dm__ctlq_remove        queue-inl.h: anywhere, O(1) with the hints;
 *                               lean: out of line, iocomplete_lean_within)
 *       result posted, completion routine called
 *       dm__start_queued        dispatch-inl.h: a ready serialized driver's
 *                               next request (on a watched machine its loop,
 *                               dm__start_queued_run, inline here;
 *                               unit_after_completion, complete.c, out of
 *                               line: a unit being removed or replaced)
 *
 * On a watched machine (a trace hook, a PB hook, rules checked or counts
 * kept) the same functions run with lean false: trace points and counts
 * (trace-inl.h), history times, and the checks after DoDriverIO. A watched
 * Sync call on a plain machine (request_path) runs with plain true: it
 * stops at the queue of a busy serialized driver, and goes on out of line
 * otherwise (watched_go, watched_start).
 */
#include <string.h>

#include "dm-int.h"

static OSErr reject(dm_machine *m, ParmBlkPtr pb, int16_t ref, OSErr err, bool post)
{
  if (post)
    pb->ioParam.ioResult = err;
  dm__trace(m, DM_EV_REJECT, ref, pb, 0, 0, 0, err);
  return err;
}

/* The refNum an Open goes to: the first installed driver with the name
 * (case-insensitive), 0 when none has it; with no name (ioNamePtr NULL), the
 * driver at ioRefNum, which is how OpenInstalledDriver opens one of several
 * drivers that share a name (one per drive, as disk drivers are). */
static int16_t open_target(const dm_machine *m, const ParamBlockRec *pb)
{
  const unsigned char *pname = pb->ioParam.ioNamePtr;
  return pname != NULL ? dm__find(m, (const char *)pname + 1, pname[0])
                       : pb->ioParam.ioRefNum;
}

/* What the path needs to know of each command, indexed by IOCommandCode:
 * the dCtlFlags enable bit it needs and the error when it is clear, whether
 * it always reaches the driver as an immediate command, and whether it
 * transfers data. */
typedef struct dm_codeinfo {
  uint16_t enable;
  OSErr    disabled;
  bool     immediate;
  bool     transfer;
} dm_codeinfo;

static const dm_codeinfo codeinfo[kKillIOCommand + 1] = {
  [kOpenCommand] = { 0, noErr, true, false },
  [kCloseCommand] = { 0, noErr, true, false },
  [kReadCommand] = { dReadEnableMask, readErr, false, true },
  [kWriteCommand] = { dWritEnableMask, writErr, false, true },
  [kControlCommand] = { dCtlEnableMask, controlErr, false, false },
  [kStatusCommand] = { dStatEnableMask, statusErr, false, false },
  [kKillIOCommand] = { dCtlEnableMask, controlErr, true, false },
};

/* noErr when the driver takes ci's command: its enable bit set, and open. */
static inline OSErr enable_check(const dm_unit *u, const dm_codeinfo *ci)
{
  uint16_t f = (uint16_t)u->dce.dCtlFlags;
  uint16_t need = (uint16_t)(ci->enable | dOpenedMask);
  if (ci->enable == 0 || DM_LIKELY((f & need) == need))
    return noErr;
  return !(f & ci->enable) ? ci->disabled : notOpenErr;
}

/* An immediate command's DoDriverIO returned with its PB still on a queue
 * of the driver's own (Enqueue, no Dequeue). That queue may have lived in
 * the frame that returned, so it is not touched (taking the PB off it read
 * a dead stack frame): the slot forgets it, and the call completes as any
 * immediate one. Cold: a driver bug. */
static __attribute__((noinline, cold)) void left_on_own_queue(dm_machine *m, uint32_t si,
                                                               uint64_t id)
{
  dm_slot *s = &m->slots[si];
  dm__slot_set_privq(s, NULL);
  dm__violation(m, DM_RULE_COMPLETE_WHILE_QUEUED, s->ref, s->pb, id,
                "an immediate %s returned with its PB still on a queue of its own (Enqueue "
                "without Dequeue); the Device Manager completes it and leaves that queue "
                "alone, which may have been in the frame that returned",
                dm_code_name(s->code));
}

/* Open, Close, KillIO and Immed calls: straight to the driver, no queue. */
static OSErr immediate(dm_machine *m, dm_unit *u, uint32_t si, uint64_t id)
{
  dm_slot *s = &m->slots[si];
  ParmBlkPtr pb = s->pb;
  uint8_t code = s->code;
  int16_t ref = s->ref;
  dm__slot_activate(u, s, dm__now(m), true);

  if (code == kCloseCommand && u->opens == 0) {
    dm__complete_inline(m, si, noErr); /* closing a closed driver: nothing to do */
    return noErr;
  }
  if (dm__begin_transfer(m, u, si, pb, code))
    return noErr;
  bool first_open = code == kOpenCommand && u->opens == 0;
  if (first_open)
    dm__set_flags(u, dOpenedMask, 0);
  dm__trace_u(m, u, DM_EV_DISPATCH, pb, id, code, DM_MODE_IMMEDIATE, 0);
  IOCommandContents c = { .pb = pb };
  OSErr st = dm__driver_call_watched(m, u, id, c, code, kImmediateIOCommandKind, true);
  dm__trace_u(m, u, DM_EV_RETURN, NULL, id, code, DM_MODE_IMMEDIATE, st);
  OSErr result = st > 0 ? noErr : st;

  switch (code) {
  case kOpenCommand:
    if (result == noErr) {
      u->opens++;
      pb->ioParam.ioRefNum = ref;
    } else if (first_open) {
      dm__set_flags(u, 0, dOpenedMask);
      pb->ioParam.ioRefNum = 0;
    }
    break;
  case kCloseCommand:
    if (result != closErr && u->opens > 0 && --u->opens == 0)
      dm__set_flags(u, 0, dOpenedMask);
    break;
  case kKillIOCommand:
    if (result == noErr) {
      dm__nesting++; /* the aborted requests' routines run inside this call */
      dm__abort_queue(m, u, abortErr);
      dm__nesting--;
    }
    break;
  default:
    break;
  }
  si = dm__slot_lookup(m, id);
  if (si != DM_NO_SLOT) {
    if (DM_UNLIKELY(m->slots[si].privq != NULL))
      left_on_own_queue(m, si, id);
    dm__complete_inline(m, si, result);
  }
  return result;
}

OSErr dm__immediate(dm_machine *m, dm_unit *u, uint32_t si, uint64_t id)
{
  return immediate(m, u, si, id);
}

/* Status csCode 1 never reaches the driver: the Device Manager answers with
 * the DCE handle in csParam, whatever the enable bits say. */
static OSErr status_dce_handle(dm_machine *m, dm_unit *u, uint32_t si)
{
  DCtlHandle h = &u->dcep;
  memcpy(m->slots[si].pb->cntrlParam.csParam, &h, sizeof h);
  m->slots[si].state = DM_SLOT_ACTIVE;
  u->active++;
  dm__complete_inline(m, si, noErr);
  return noErr;
}

/* A call's trace point is dm__trace split in two: its record goes to the
 * trace hook at once, and it is counted once the call's unit is known, in
 * the unit's row at hand (request_path), or here, by refNum, when the call
 * is refused before that. */
static inline void count_call_refused(dm_machine *m, int16_t ref)
{
  if (DM_UNLIKELY(m->counts != NULL))
    dm__count(m, DM_EV_CALL, ref);
}

/* Refusals that break a rule, explained with the request's history. Cold and
 * out of line, so that the path of every request stays short. */
static __attribute__((noinline, cold)) OSErr refuse_in_flight(dm_machine *m, ParmBlkPtr pb,
                                                               int16_t ref, unsigned code,
                                                               uint8_t mode, uint32_t busy)
{
  count_call_refused(m, ref);
  /* Refuse without touching the block: it is still on some queue. */
  char hist[256];
  dm__history(m, busy, hist, sizeof hist);
  dm__violation(m, DM_RULE_PB_IN_FLIGHT_REUSED, ref, pb, dm__slot_id(m, busy),
                "%s %s sent with a parameter block still in flight (%s); the call is "
                "refused with paramErr",
                dm_code_name(code), dm_mode_name(mode), hist);
  return reject(m, pb, ref, paramErr, false);
}

/* A call made with DM_NESTING_MAX levels of driver code under way on this
 * thread (dm__nesting): going on would overflow the host's stack at a depth
 * that depends on the host and the build, so the run would end differently
 * on every host. A real Mac would have gone on until its stack grew into
 * the heap and crashed the machine (system error 28, dsStackErr, if the
 * stack sniffer saw it first): no Device Manager ever answered such a call,
 * and no error code is Apple's for it. It is refused as every call that
 * breaks a rule before reaching a driver is, with paramErr, which tells the
 * caller the call itself was wrong; memFullErr would say that memory ran
 * short and invite a retry, which would nest as deep again. The block gets
 * paramErr in ioResult and no completion routine runs, which also ends a
 * chain of routines that each send the next call. */
static __attribute__((noinline, cold)) OSErr refuse_too_deep(dm_machine *m, ParmBlkPtr pb,
                                                              int16_t ref, unsigned code,
                                                              uint8_t mode)
{
  _Static_assert(DM_NESTING_MAX == 64, "the rule's text in devmgr/rules.h says 64");
  count_call_refused(m, ref);
  const dm_unit *u = dm__running_unit(m);
  dm__violation(m, DM_RULE_NESTING_TOO_DEEP, ref, pb, 0,
                "%s %s called%s%s with %u levels of driver code already nested in calls "
                "into the Device Manager (each a DoDriverIO, or a completion routine run "
                "inside the call that finished its request), the most allowed; a real Mac "
                "would have overflowed its stack: the call is refused with paramErr",
                dm_code_name(code), dm_mode_name(mode), u != NULL ? " by " : "",
                u != NULL ? u->name : "", (unsigned)dm__nesting);
  return reject(m, pb, ref, paramErr, true);
}

static __attribute__((noinline, cold)) OSErr refuse_sync_at_interrupt(dm_machine *m,
                                                                       ParmBlkPtr pb,
                                                                       int16_t ref,
                                                                       unsigned code)
{
  count_call_refused(m, ref);
  dm__violation(m, DM_RULE_SYNC_AT_INTERRUPT, ref, pb, 0,
                "%s sync called at %s level, where the wait could never end; the call "
                "is refused with paramErr",
                dm_code_name(code), dm_level_name(m->level));
  return reject(m, pb, ref, paramErr, true);
}

/* A lean machine's call that found no free slot: the array grows and the
 * call is made again (what the path did before, its checks and the block's
 * fields, is harmless to repeat; nothing else runs in between on a lean
 * machine); memFullErr when the array cannot grow. Out of line and a tail
 * call, so that the path keeps nothing across it. */
static __attribute__((noinline, cold)) OSErr grow_and_call_again(dm_machine *m, ParmBlkPtr pb,
                                                                 uint16_t trap, int16_t ref)
{
  if (dm__slots_grow(m) != 0)
    return reject(m, pb, ref, memFullErr, true);
  return dm_call(m, pb, trap);
}

/* Whether a call of command code with block pb is Status csCode 1, the
 * DCE query the Device Manager answers itself, whatever the enable bits
 * say. */
static inline bool is_dce_query(unsigned code, const ParamBlockRec *pb)
{
  return code == kStatusCommand && pb->cntrlParam.csCode == 1;
}

/* A request completed before its call returns gives its posted result (as
 * the classic trap returns D0), noErr otherwise. An async block may already
 * be freed by its completion routine, so the result comes from the slot's
 * history, which FIFO reuse keeps until at least every other slot has been
 * used. */
static inline OSErr call_result(const dm_machine *m, uint64_t id)
{
  const dm_slot *done = &m->slots[(uint32_t)id - 1];
  int16_t posted = done->result;
  /* (& rather than &&: both fields are read anyway, and the choice needs no
   * branch) */
  bool finished = (done->gen == (uint32_t)(id >> 32)) & (done->state == DM_SLOT_DONE);
  return finished ? posted : noErr;
}

/* A plain watched machine (see request_path) refuses a call out of line,
 * so that the path makes no call of its own, and keeps nothing for the
 * refusal: the error is found here, and the call counted. Cold. */
static __attribute__((noinline, cold)) OSErr refuse_disabled_out(dm_machine *m, ParmBlkPtr pb,
                                                                 int16_t ref, unsigned code)
{
  count_call_refused(m, ref);
  return reject(m, pb, ref, enable_check(dm__unit(m, ref), &codeinfo[code]), true);
}
static __attribute__((noinline, cold)) OSErr refuse_unit_out(dm_machine *m, ParmBlkPtr pb,
                                                             int16_t ref, OSErr err)
{
  count_call_refused(m, ref);
  return reject(m, pb, ref, err, true);
}

static OSErr watched_go(dm_machine *m, dm_unit *u, uint32_t si, uint64_t id);
static OSErr watched_call(dm_machine *m, ParmBlkPtr pb, uint16_t trap);
static OSErr watched_start(dm_machine *m, dm_unit *u, uint64_t id);

/* The path of a call from the moment it has its slot si (ID id, on unit u;
 * dce_query: Status csCode 1): an immediate command to the driver, or the
 * request onto dCtlQHdr and to the driver or behind the one in service.
 * lean and plain as request_path's; c is u's row of counts on a plain
 * machine. A plain machine's path goes on here only for a request queued
 * to a ready serialized driver, and ends without a call of its own: the
 * other requests, and a request that starts at once, go on out of line
 * (watched_go, watched_start). */
static inline __attribute__((always_inline)) OSErr
request_go(dm_machine *m, dm_unit *u, uint32_t si, uint64_t id, ParmBlkPtr pb, unsigned code,
           unsigned kind, unsigned mode, uint64_t now, bool dce_query, bool lean,
           bool plain, dm_counts *c)
{
  if (plain) {
    c->ev[DM_EV_CALL]++; /* (request_path) */
    if (kind == kImmediateIOCommandKind || DM_UNLIKELY(u->lane != DM_LANE_SERIAL))
      return watched_go(m, u, si, id);
  }
  if (kind == kImmediateIOCommandKind) {
    m->slots[si].flags = 0;
    if (DM_UNLIKELY(code == kCloseCommand) && u->opens != 0 && dm__close_waits(u))
      return dm__close_park(m, u, si);
    return dce_query ? status_dce_handle(m, u, si) : immediate(m, u, si, id);
  }

  uint8_t lane = u->lane;
  /* On dCtlQHdr unless a ready driver keeps its own queue. */
  bool onq = DM_LIKELY(lane != DM_LANE_CONC_OWNQ);
  if (onq) {
    if (plain) /* (a serialized driver's) */
      dm__ctlq_append_bare(u, pb);
    else
      dm__ctlq_append(m, u, si, pb, lane != DM_LANE_SERIAL);
    if (plain) { /* (no trace hook: its points count in u->counts, u->tally) */
      c->ev[DM_EV_ENQUEUE]++;
    } else if (!lean) {
      dm__trace_u(m, u, DM_EV_ENQUEUE, pb, 0, (uint8_t)code, (uint8_t)mode, 0);
    }
  }
  /* (s after the trace point: a hook may have grown the array.) */
  dm_slot *s = &m->slots[si];
  uint8_t onq_flag = onq ? DM_SLOTF_ONQ : 0;
  if (DM_LIKELY(lane <= DM_LANE_CONC_OWNQ)) {
    /* Concurrent: straight to the driver, dispatched the moment it was
     * called. */
    s->flags = onq_flag;
    dm__slot_activate(u, s, now, !lean);
    dm__send(m, u, si, id, now, pb, code, kind, lean, true, NULL);
  } else if (DM_UNLIKELY(lane == DM_LANE_HOLD)) {
    /* A remove or replace is waiting for the driver to go idle, or KillIO
     * is under way. */
    s->flags = onq_flag | DM_SLOTF_HELD;
    return noErr;
  } else {
    s->flags = onq_flag;
    u->queued++;
    /* Behind a request in service, it starts when that one completes.
     * Watched, it then returns at once: no driver code has run since its
     * slot was taken, so it is in progress. (Lean, it goes on to the test
     * below: an early return there made the concurrent lanes' path, the
     * bench's, an instruction longer.) */
    if (u->dce.dCtlFlags & drvrActiveMask) {
      if (!lean)
        return noErr;
    } else {
      if (plain)
        return watched_start(m, u, id);
      dm__start_queued(m, u);
    }
  }
  return call_result(m, id); /* (id rather than si: one register less) */
}

/* The path of a call, compiled three times: lean for a machine nobody
 * watches (m->lean: no trace points, no history), and watched, plain or
 * not. A plain watched machine (m->calls_plain and a free slot, tested by
 * the caller; or, with memo, the call's unit kept in m->call_unit, its
 * slot tested here) has no trace hook and publishes its clock: its trace
 * points only count, and its path makes no call of its own on
 * the way to the queue of a busy serialized driver (what a scenario's calls
 * mostly do), so that it saves no register. m is the current machine. */
static inline __attribute__((always_inline)) OSErr request_path_m(dm_machine *m, ParmBlkPtr pb,
                                                                  uint16_t trap, bool lean,
                                                                  bool plain, bool memo)
{
  unsigned code = trap & 0xFF;
  if (DM_UNLIKELY((trap & 0xF900) != 0xA000 || code > kKillIOCommand))
    return paramErr;
  if (!lean && !plain) /* (a lean machine grows the array only when it must) */
    dm__slots_reserve(m);
  const dm_codeinfo *ci = &codeinfo[code];
  unsigned mode = (trap & DM_TRAP_ASYNC) ? DM_MODE_ASYNC
                : (trap & DM_TRAP_IMMED) ? DM_MODE_IMMEDIATE
                                         : DM_MODE_SYNC;

  int16_t ref = code == kOpenCommand ? open_target(m, pb) : pb->ioParam.ioRefNum;
  /* (counted below: count_call_refused) */
  if (!lean && !plain && DM_UNLIKELY(m->cfg.trace != NULL))
    dm__trace_emit(m, DM_EV_CALL, ref, pb, 0, (uint8_t)code, (uint8_t)mode, 0);

  uint32_t busy = dm__slot_of_pb(m, pb);
  if (DM_UNLIKELY(busy != DM_NO_SLOT))
    return refuse_in_flight(m, pb, ref, code, (uint8_t)mode, busy);
  /* (A lean machine checks no rule, this one included: nobody watches it,
   * and its DoDriverIO calls are not counted.) */
  if (!lean && DM_UNLIKELY(dm__nesting >= DM_NESTING_MAX))
    return refuse_too_deep(m, pb, ref, code, (uint8_t)mode);
  if (mode == DM_MODE_SYNC) {
    pb->ioParam.ioCompletion = NULL;
    /* KillIO never waits (it is always immediate): legal at any level. */
    if (DM_UNLIKELY(m->level != DM_LVL_TASK && code != kKillIOCommand))
      return refuse_sync_at_interrupt(m, pb, ref, code);
  }

  /* memo: the caller found the call's refNum in m->call_ref, so that its
   * unit is m->call_unit; another plain call keeps the unit it finds
   * there. */
  dm_unit *u;
  OSErr err = noErr;
  if (memo) {
    u = m->call_unit;
  } else {
    err = code == kOpenCommand ? (ref != 0 ? dm__unit_map(m, ref, &u) : dInstErr)
                               : dm__unit_map(m, ref, &u);
    if (plain && err == noErr) {
      m->call_ref = ref;
      m->call_unit = u;
    }
  }
  if (DM_UNLIKELY(err != noErr)) {
    if (plain)
      return refuse_unit_out(m, pb, ref, err);
    count_call_refused(m, ref);
    return reject(m, pb, ref, err, true);
  }
  /* A plain call counts its CALL point where it goes on (request_go), or
   * is refused (refuse_disabled_out): nothing can read the counts in
   * between. Its row is never NULL (u->call_row: a sink where the machine
   * counts nothing). */
  dm_counts *c = NULL;
  if (plain) {
    c = u->call_row;
  } else if (!lean && u->counts != NULL) {
    u->counts->ev[DM_EV_CALL]++;
  }
  if (ci->transfer)
    pb->ioParam.ioActCount = 0;
  pb->ioParam.ioResult = ioInProgress;
  pb->ioParam.ioTrap = (short)trap;
  pb->ioParam.qType = ioQType;
  bool dce_query = is_dce_query(code, pb);
  if (plain) {
    if (!dce_query && DM_UNLIKELY(enable_check(u, ci) != noErr))
      return refuse_disabled_out(m, pb, ref, code);
  } else if (!dce_query && DM_UNLIKELY((err = enable_check(u, ci)) != noErr)) {
    return reject(m, pb, ref, err, true);
  }

  /* IOCommandKind has the values of the DM_MODE_* bits. */
  unsigned kind = mode == DM_MODE_IMMEDIATE || ci->immediate || dce_query
                      ? kImmediateIOCommandKind
                      : mode;
  /* (A plain call is a sync call: as many in flight as clients wait, so
   * its next slot is as warm as its own; no need to fetch it.) */
  uint32_t si = dm__slot_new_f(m, pb, u, ref, code, kind, mode, !plain);
  if (DM_UNLIKELY(si == DM_NO_SLOT)) {
    if (lean)
      return grow_and_call_again(m, pb, trap, ref);
    /* (memo: the entry did not look for a free slot. What the path did,
     * the block's fields, is harmless to repeat; nothing was counted.) */
    if (memo)
      return watched_call(m, pb, trap);
    /* Reserved above (plain: free when the call began), unless the array
     * could not grow, or a hook took the slot meanwhile. */
    if (dm__slots_grow(m) == 0)
      si = dm__slot_new(m, pb, u, ref, code, kind, mode);
    if (si == DM_NO_SLOT) {
      if (plain)
        c->ev[DM_EV_CALL]++;
      return reject(m, pb, ref, memFullErr, true);
    }
  }
  /* (history only matters when watched) */
  uint64_t now = lean ? 0 : plain ? *m->cfg.platform.clock : dm__now(m);
  if (!lean)
    m->slots[si].t_call = now;
  uint64_t id = dm__slot_id(m, si);
  pb->ioParam.ioCmdAddr = (Ptr)(uintptr_t)id;
  return request_go(m, u, si, id, pb, code, kind, mode, now, dce_query, lean, plain, c);
}
static inline __attribute__((always_inline)) OSErr request_path(dm_machine *m, ParmBlkPtr pb,
                                                                uint16_t trap, bool lean,
                                                                bool plain)
{
  return request_path_m(m, pb, trap, lean, plain, false);
}

/* A plain watched machine's call once it has its slot si, out of line
 * (request_go): everything but a request queued behind a serialized
 * driver's request in service. The request's fields come from its slot. */
static __attribute__((noinline)) OSErr watched_go(dm_machine *m, dm_unit *u, uint32_t si,
                                                  uint64_t id)
{
  const dm_slot *s = &m->slots[si];
  ParmBlkPtr pb = s->pb;
  bool dce_query = is_dce_query(s->code, pb);
  return request_go(m, u, si, id, pb, s->code, s->kind, s->mode, s->t_call, dce_query,
                    false, false, NULL);
}

/* A plain watched machine's request queued to an idle serialized driver:
 * it starts now (out of line: request_go). */
static __attribute__((noinline)) OSErr watched_start(dm_machine *m, dm_unit *u, uint64_t id)
{
  dm__start_queued(m, u);
  return call_result(m, id);
}

/* A watched machine's call that is not plain, out of line. */
static __attribute__((noinline)) OSErr watched_call(dm_machine *m, ParmBlkPtr pb, uint16_t trap)
{
  return request_path(m, pb, trap, false, false);
}

OSErr dm_call(dm_machine *m, ParmBlkPtr pb, uint16_t trap)
{
  if (DM_UNLIKELY(m == NULL || pb == NULL))
    return paramErr;
  /* The path runs with m current (the drivers it calls complete through
   * it). */
  dm_machine *prev = dm__enter(m);
  OSErr err = m->lean ? request_path(m, pb, trap, true, false)
                      : request_path(m, pb, trap, false, false);
  dm__current = prev;
  return err;
}

/*
 * The queued commands in their Sync and Async forms, on the current
 * machine: the path compiled once per trap word, which folds the decoding
 * of the trap away, in both variants, each line below defining the entry
 * and its variants. (The other forms go through dm_call.) The watched
 * variant is always out of line (noinline). An Async entry (PBReadAsync
 * and kin: the lean path the bench measures) has the lean variant inline,
 * so that calling the watched one costs the lean one no saved registers.
 * A Sync entry (what a scenario's sync calls reach; on a lean machine only
 * PBReadSync and kin, which then wait) has the plain path in line and calls
 * the other variants out of line, so that it saves no registers itself: on
 * a plain machine (request_path) a sync call queued behind a busy
 * serialized driver, a scenario's common call, saves none at all. (An
 * Async call is mostly sent to its driver at once, which a plain call does
 * out of line: the watched Async variant stays as it was.)
 */
/* An entry's machine m, the current one: paramErr without one or a block. */
#define DM_ENTRY_MACHINE(m, pb)                                                 \
  dm_machine *m = dm__current;                                                 \
  if (DM_UNLIKELY(m == NULL || pb == NULL))                                    \
    return paramErr
#define DM_ASYNC_ENTRY(entry, watched, trap)                                    \
  static __attribute__((noinline)) OSErr watched(dm_machine *m, ParmBlkPtr pb)  \
  {                                                                            \
    return request_path(m, pb, trap, false, false);                            \
  }                                                                            \
  DM_HOT_ENTRY OSErr entry(ParmBlkPtr pb)                                      \
  {                                                                            \
    DM_ENTRY_MACHINE(m, pb);                                                   \
    if (DM_UNLIKELY(!m->lean))                                                 \
      return watched(m, pb);                                                   \
    return request_path(m, pb, trap, true, false);                             \
  }
/* A Sync entry tests first for a call to the unit the last plain call
 * found (m->call_ref: only a plain machine sets it), and takes the plain
 * path itself with that unit (request_path_m, which saves no register
 * there; without a free slot it goes on as watched_call); then for a plain
 * machine (m->calls_plain: watched,
 * no trace hook, a published clock) with a free slot, whose path finds its
 * unit in the table; anything else is the watched or the lean variant's.
 * All but the first out of line. */
#define DM_SYNC_ENTRY(entry, plain_fn, lean_fn, trap)                           \
  static __attribute__((noinline)) OSErr plain_fn(dm_machine *m, ParmBlkPtr pb) \
  {                                                                            \
    return request_path(m, pb, trap, false, true);                             \
  }                                                                            \
  static __attribute__((noinline)) OSErr lean_fn(dm_machine *m, ParmBlkPtr pb)  \
  {                                                                            \
    return request_path(m, pb, trap, true, false);                             \
  }                                                                            \
  DM_HOT_ENTRY OSErr entry(ParmBlkPtr pb)                                      \
  {                                                                            \
    DM_ENTRY_MACHINE(m, pb);                                                   \
    if (DM_LIKELY(pb->ioParam.ioRefNum == m->call_ref))                        \
      return request_path_m(m, pb, trap, false, true, true);                   \
    if (m->calls_plain && m->free_head != DM_NO_SLOT)                          \
      return plain_fn(m, pb);                                                  \
    if (DM_UNLIKELY(!m->lean))                                                 \
      return watched_call(m, pb, trap);                                        \
    return lean_fn(m, pb);                                                     \
  }
DM_SYNC_ENTRY(dm__call_ReadSync, plain_ReadSync, lean_ReadSync, _Read)
DM_ASYNC_ENTRY(dm__call_ReadAsync, watched_ReadAsync, _Read | DM_TRAP_ASYNC)
DM_SYNC_ENTRY(dm__call_WriteSync, plain_WriteSync, lean_WriteSync, _Write)
DM_ASYNC_ENTRY(dm__call_WriteAsync, watched_WriteAsync, _Write | DM_TRAP_ASYNC)
DM_SYNC_ENTRY(dm__call_ControlSync, plain_ControlSync, lean_ControlSync, _Control)
DM_ASYNC_ENTRY(dm__call_ControlAsync, watched_ControlAsync, _Control | DM_TRAP_ASYNC)
DM_SYNC_ENTRY(dm__call_StatusSync, plain_StatusSync, lean_StatusSync, _Status)
DM_ASYNC_ENTRY(dm__call_StatusAsync, watched_StatusAsync, _Status | DM_TRAP_ASYNC)
#undef DM_SYNC_ENTRY
#undef DM_ASYNC_ENTRY
#undef DM_ENTRY_MACHINE

dm_call_fn dm_call_entry(uint16_t trap)
{
  switch (trap) {
  case _Read: return dm__call_ReadSync;
  case _Read | DM_TRAP_ASYNC: return dm__call_ReadAsync;
  case _Write: return dm__call_WriteSync;
  case _Write | DM_TRAP_ASYNC: return dm__call_WriteAsync;
  case _Control: return dm__call_ControlSync;
  case _Control | DM_TRAP_ASYNC: return dm__call_ControlAsync;
  case _Status: return dm__call_StatusSync;
  case _Status | DM_TRAP_ASYNC: return dm__call_StatusAsync;
  default: return NULL;
  }
}

/* The Async forms are those entries under Apple's names: the client's call
 * lands on the path itself. (The Sync forms wait afterwards: pbcalls.c.) */
OSErr PBReadAsync(ParmBlkPtr pb) __attribute__((alias("dm__call_ReadAsync")));
OSErr PBWriteAsync(ParmBlkPtr pb) __attribute__((alias("dm__call_WriteAsync")));
OSErr PBControlAsync(ParmBlkPtr pb) __attribute__((alias("dm__call_ControlAsync")));
OSErr PBStatusAsync(ParmBlkPtr pb) __attribute__((alias("dm__call_StatusAsync")));

OSErr dm_wait(dm_machine *m, ParmBlkPtr pb)
{
  if (pb->ioParam.ioResult <= 0)
    return pb->ioParam.ioResult;
  if (m->level != DM_LVL_TASK)
    return pb->ioParam.ioResult; /* interrupts cannot wait; dm_call refuses such calls */
  while (pb->ioParam.ioResult > 0) {
    if (!m->cfg.platform.step_interrupts(m->cfg.platform.ctx)) {
      uint32_t si = dm__slot_of_pb(m, pb);
      char hist[256] = "unknown request";
      if (si != DM_NO_SLOT)
        dm__history(m, si, hist, sizeof hist);
      dm__violation(m, DM_RULE_SYNC_DEADLOCK, si != DM_NO_SLOT ? m->slots[si].ref : 0, pb,
                    si != DM_NO_SLOT ? dm__slot_id(m, si) : 0,
                    "a sync call waits, and no interrupt, timer or device is left that could "
                    "complete it (%s)",
                    hist);
      /* Abort it, so that the caller's block (often on its stack) is on no
       * queue once the call returns. */
      if (si != DM_NO_SLOT)
        dm__complete(m, si, abortErr);
      break;
    }
  }
  return pb->ioParam.ioResult;
}

OSErr dm_call_wait(dm_machine *m, ParmBlkPtr pb, uint16_t trap)
{
  OSErr err = dm_call(m, pb, trap);
  if ((trap & (DM_TRAP_ASYNC | DM_TRAP_IMMED)) || m == NULL || pb == NULL)
    return err;
  return dm__sync_finish(m, pb, err);
}
