/*
 * dispatch-inl.h - handing a request to its driver: the transfer rules, the call of
 * DoDriverIO, the checks after it, and the dispatch of a queued request.
 *
 * Inline code of the request path, included by dm-int.h only (it needs the
 * types and declarations before its #include there); not a header of its own.
 */
#ifndef DM_DISPATCH_INL_H
#define DM_DISPATCH_INL_H

/* complete.c: dm__complete_inline(m, si, noErr) for an empty transfer,
 * never counted as in service (its COUNTED mark taken off first: a queued
 * request's dispatch on a tallying machine sets it early), out of line:
 * inline, its nesting count's load was hoisted above the
 * transfer's tests into the DoDriverIO path (three instructions there for
 * the increment, not one). */
void dm__complete_empty(dm_machine *m, uint32_t si);
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
    dm__complete_empty(m, si);
    return true;
  }
  /* fsFromStart (1) and fsFromMark (3) move the mark; fsAtMark and
   * fsFromLEOF leave it. One test for the common fsAtMark. */
  _Static_assert(fsFromStart == 1 && fsFromMark == 3, "the bits of the modes that move the mark");
  unsigned pm = (unsigned)pb->ioParam.ioPosMode;
  if (pm & 1) {
    long pos = pb->ioParam.ioPosOffset;
    if (pm & 2) /* fsFromMark: one test, not a mask and a compare */
      pos += u->dce.dCtlPosition;
    u->dce.dCtlPosition = pos;
  }
  return false;
}

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
  uint64_t outer = m->driverio_id;
  m->driverio_id = id;
  OSErr st = (OSErr)u->entry(kCurrentAddressSpaceID, dm__to_cmdid(id), c, code, kind);
  m->driverio_id = outer;
  dm__current = prev;
  return st;
}
/* dm__driver_call on a watched machine: the DoDriverIO is known to be
 * running while it runs (m->in_driver), and is one level of nesting
 * (dm__nesting: an increment and a decrement of a thread-local word, which
 * the watched request path checks). */
static inline OSErr dm__driver_call_watched(dm_machine *m, dm_unit *u, uint64_t id,
                                            IOCommandContents c, IOCommandCode code,
                                            IOCommandKind kind, bool current)
{
  dm_in_driver frame; /* (its what unset: its ID says DoDriverIO) */
  frame.id = id;
  frame.u = u;
  frame.outer = m->in_driver;
  m->in_driver = &frame;
  dm__nesting++;
  OSErr st = dm__driver_call(m, u, id, c, code, kind, current);
  dm__nesting--;
  m->in_driver = frame.outer;
  return st;
}
/* A serialized unit's queued requests, started one after the other from the
 * head of dCtlQHdr while drvrActive is clear: dm__start_queued, unless its
 * loop runs already (further up the stack), KillIO empties the queue, or
 * Close, Finalize or Superseded is under way. */
void  dm__start_queued_loop(dm_machine *m, dm_unit *u); /* dispatch.c */
static inline bool dm__may_start_queued(const dm_unit *u)
{
  return (u->go & DM_GO_BUSY) == 0; /* !starting && !killing && !finishing */
}
static inline void dm__start_queued(dm_machine *m, dm_unit *u)
{
  if (dm__may_start_queued(u))
    dm__start_queued_loop(m, u);
}
void  dm__release_held(dm_machine *m, dm_unit *u);
OSErr dm__simple_command(dm_unit *u, IOCommandCode code);
/* The driver code running now on a watched machine (for the owner of a
 * handler or timer it queues), or NULL. */
static inline const dm_unit *dm__running_unit(const dm_machine *m)
{
  return m->in_driver->u; /* (m->no_driver's is NULL) */
}
/* Whether the DoDriverIO of command id is running (perhaps under a handler
 * or timer it started): a sync request it completes is traced `done` once
 * that DoDriverIO has returned. */
static inline bool dm__inside_driverio(const dm_machine *m, uint64_t id)
{
  /* m->driverio_id is the innermost DoDriverIO's command, 0 when none runs
   * (a completion from a handler queued at interrupt level, the common
   * case): the frames are walked only when one runs. */
  if (DM_LIKELY(m->driverio_id == 0))
    return false;
  for (const dm_in_driver *f = m->in_driver; f != NULL; f = f->outer) /* (ends at no_driver, ID 0) */
    if (f->id == id)
      return true;
  return false;
}
/* Reports a driver that wrote the DCE fields the Device Manager owns
 * (drvrActive, dCtlQHdr) and puts back the Device Manager's values: the bit
 * as it last set it, the queue rebuilt from its own records of the requests
 * on it. Out of line: called only when the inline test saw a difference. */
void  dm__check_dce(dm_machine *m, dm_unit *u);
/* Reports an element at the head of u's dCtlQHdr that is not a request
 * the Device Manager queued on it (not a request at all, or another
 * unit's; put there by a driver or a client, against driver-wrote-dce) and
 * takes it off the queue, so that the requests behind it are not held
 * forever; `when` says where it was found. */
void  dm__ctlq_drop_foreign(dm_machine *m, dm_unit *u, QElemPtr e, const char *when);
/* Reports a driver that wrote ioResult itself (once per request). */
void  dm__check_ioresult(dm_machine *m, uint32_t si, const char *when);

/* Whether dCtlQHdr's head and tail (read once each: they are volatile) are
 * inconsistent: one NULL and not the other, or a tail with a next link. */
static inline bool dm__ctlq_broken(QElemPtr head, QElemPtr tail)
{
  return tail == NULL ? head != NULL : head == NULL || tail->qLink != NULL;
}
/* Sends the request in slot si (ID id, already marked ACTIVE at now) to u's
 * DoDriverIO: the transfer rules first, then the call, then the ioResult
 * check. Inline: every request passes here once. lean (a constant where it
 * is inlined) leaves out the trace points and checks of a watched machine;
 * current says m is the current machine already; tc is u's row of counts
 * on a tallying machine, or NULL (dm__trace_ut). flags_after (NULL, or not
 * NULL, a constant where it is inlined; not lean) gets dCtlFlags as they
 * are once it returns, or drvrActiveMask alone where the check found that
 * bit set by the Device Manager (the serialized loop tests only that
 * bit): read once where the DCE check read them (dCtlFlags is volatile,
 * so the caller's own read would be a load more). */
static inline __attribute__((always_inline)) void
dm__send_f(dm_machine *m, dm_unit *u, uint32_t si, uint64_t id, uint64_t now, ParmBlkPtr pb,
           unsigned code, unsigned kind, bool lean, bool current, dm_counts *tc,
           uint16_t *flags_after, bool marked)
{
  if (dm__begin_transfer(m, u, si, pb, code)) {
    if (flags_after != NULL)
      *flags_after = (uint16_t)u->dce.dCtlFlags;
    return;
  }
  if (!lean)
    dm__trace_dispatch(m, u, tc, si, now, pb, id, (uint8_t)code, (uint8_t)kind, marked);
  IOCommandContents c = { .pb = pb };
  if (lean) {
    (void)dm__driver_call(m, u, id, c, code, kind, current);
    return;
  }
  OSErr st = dm__driver_call_watched(m, u, id, c, code, kind, current);
  dm__trace_ut(m, u, tc, DM_EV_RETURN, NULL, id, (uint8_t)code, (uint8_t)kind, st);
  if (!dm__slot_in_service(m, si, id)) {
    /* Completed inside DoDriverIO: a sync caller returns only now. */
    if (kind == kSynchronousIOCommandKind)
      dm__trace_ut(m, u, tc, DM_EV_DONE, pb, id, (uint8_t)code, DM_MODE_SYNC,
                   pb->ioParam.ioResult);
  } else if (dm__checking(m) && DM_UNLIKELY(pb->ioParam.ioResult != ioInProgress)) {
    /* (the common case, ioResult untouched, tested here, inline) */
    dm__check_ioresult(m, si, "when DoDriverIO returned");
  }
  if (dm__checking(m)) {
    /* drvrActive as the Device Manager last set it (u->dm_active keeps the
     * bit itself), and dCtlQHdr's head, tail and last link consistent. */
    QHdr *q = &u->dce.dCtlQHdr;
    QElemPtr head = q->qHead, tail = q->qTail;
    uint16_t flags = (uint16_t)u->dce.dCtlFlags;
    if (flags_after != NULL && DM_LIKELY((flags & u->dm_active) != 0)) { /* (dm_active: 0 or the bit) */
      /* A serialized driver's loop, its common case: drvrActive set, and
       * set by the Device Manager (dm_active is 0 or the bit). The loop
       * only tests that bit, so it is told the bit alone: its next test
       * is then known. */
      if (DM_LIKELY(!dm__ctlq_broken(head, tail))) {
        *flags_after = drvrActiveMask;
        return;
      }
      dm__check_dce(m, u);
      *flags_after = (uint16_t)u->dce.dCtlFlags;
      return;
    }
    bool flag_wrote = ((flags ^ u->dm_active) & drvrActiveMask) != 0;
    /* (each test its own branch: one bool made of both cost a setcc and a
     * test more) */
    if (DM_UNLIKELY(flag_wrote) || DM_UNLIKELY(dm__ctlq_broken(head, tail))) {
      dm__check_dce(m, u);
    } else if (flags_after != NULL) {
      *flags_after = flags;
      return;
    }
  }
  if (flags_after != NULL)
    *flags_after = (uint16_t)u->dce.dCtlFlags;
}
static inline __attribute__((always_inline)) void dm__send(dm_machine *m, dm_unit *u,
                                                          uint32_t si, uint64_t id,
                                                          uint64_t now, ParmBlkPtr pb,
                                                          unsigned code,
                                                          unsigned kind, bool lean,
                                                          bool current, dm_counts *tc)
{
  dm__send_f(m, u, si, id, now, pb, code, kind, lean, current, tc, NULL, false);
}

/* Hands the queued request in slot si (not held: dm__release_held releases
 * a held one first) to u's DoDriverIO, with the counters and history of a
 * dispatch. Inline in its callers: a serialized driver's every request
 * passes here. current (a constant) says m is the current machine
 * already; tc and flags_after as dm__send_f's. */
static inline __attribute__((always_inline)) void dm__dispatch_f(dm_machine *m, dm_unit *u,
                                                                uint32_t si, uint64_t id,
                                                                bool current, dm_counts *tc,
                                                                uint16_t *flags_after,
                                                                const uint16_t *sf)
{
  dm_slot *s = &m->slots[si];
  uint64_t now = dm__now(m);
  u->queued--;
  /* On a tallying machine the DISPATCH point's mark (COUNTED) is set here
   * with the others, one store of the flags, not two; an empty transfer,
   * completed before that point, has it taken off (dm__complete_empty). */
  bool marked = tc != NULL;
  uint8_t more = marked ? DM_SLOTF_COUNTED : 0;
  if (sf != NULL) /* (the state and flags the caller read: one store of both) */
    dm__slot_activate_sf(u, s, *sf, now, more);
  else
    dm__slot_activate_f(u, s, now, true, more);
  dm__send_f(m, u, si, id, now, s->pb, s->code, s->kind, false, current, tc, flags_after,
             marked);
}
static inline __attribute__((always_inline)) void dm__dispatch(dm_machine *m, dm_unit *u,
                                                              uint32_t si, uint64_t id,
                                                              bool current, dm_counts *tc)
{
  dm__dispatch_f(m, u, si, id, current, tc, NULL, NULL);
}

/* dm__start_queued's loop (u->starting set while it runs, so that a request
 * completed inside DoDriverIO comes back here rather than recursing):
 * dm__start_queued_loop in dispatch.c, and inline in a watched machine's
 * completion by its driver, which a serialized driver's every request
 * passes through, and where m is the current machine (current). It stops
 * at a head of dCtlQHdr that is a request held while a remove, replace or
 * KillIO is under way; a head that is not one of u's requests (not a
 * request at all, or another unit's) is reported and taken off
 * (dm__ctlq_drop_foreign). tc as dm__send's. */
static inline __attribute__((always_inline)) void dm__start_queued_run(dm_machine *m,
                                                                      dm_unit *u, bool current,
                                                                      bool ready,
                                                                      dm_counts *tc)
{
  u->starting = 1;
  /* dCtlFlags as last read (volatile: each read is a load), for the test
   * of drvrActive and the store that sets it. (ready: u's lane was
   * DM_LANE_SERIAL a moment ago, so it is not GONE in the first turn) */
  uint16_t flags = (uint16_t)u->dce.dCtlFlags;
  for (bool first = ready; !(flags & drvrActiveMask) && (first || u->state != DM_UNIT_GONE);
       first = false) {
    QElemPtr head = u->dce.dCtlQHdr.qHead;
    if (head == NULL)
      break;
    uint64_t id = dm__pb_id(head);
    uint16_t sf;
    uint32_t si = dm__slot_waiting_sf(m, head, id, &sf);
    if (si == DM_NO_SLOT) {
      /* One of u's own requests not waiting for dispatch (held while a
       * remove, replace or KillIO is under way) stops the loop; anything
       * else (not a request, or another unit's) is foreign to u's queue. */
      uint32_t own = dm__slot_of_pb(m, head);
      if (DM_LIKELY(own != DM_NO_SLOT && m->slots[own].unit == u))
        break;
      dm__ctlq_drop_foreign(m, u, head, "where the next request was to be dispatched");
      flags = (uint16_t)u->dce.dCtlFlags;
      continue;
    }
    dm__set_active(u, flags, tc);
    dm__dispatch_f(m, u, si, id, current, tc, &flags, &sf);
  }
  u->starting = 0;
  /* flags is dCtlFlags as they are now (each way out of the loop read them
   * last, and nothing ran since), so the common way out, drvrActive set by
   * the request just dispatched, is known here and skips the test of
   * closeq. */
  if (!(flags & drvrActiveMask) && DM_UNLIKELY(u->closeq.qHead != NULL))
    dm__close_wake(m, u);
}

#endif /* DM_DISPATCH_INL_H */
