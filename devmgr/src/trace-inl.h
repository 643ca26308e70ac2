/*
 * trace-inl.h - trace points and the counts a counting machine keeps at them.
 *
 * Inline code of the request path, included by dm-int.h only (it needs the
 * types and declarations before its #include there); not a header of its own.
 */
#ifndef DM_TRACE_INL_H
#define DM_TRACE_INL_H

/* trace.c. Without a trace hook a trace point is inline: counted when
 * the machine counts (m->counts), and a unit's points cost what
 * dm__trace_u says. */
void dm__trace_emit(dm_machine *m, dm_ev ev, int16_t ref, const void *pb, uint64_t id,
                    uint8_t code, uint8_t mode, int16_t result);

/* The counts of unit ref's number, or NULL (ref names no unit). */
static inline dm_counts *dm__counts_of(dm_machine *m, int16_t ref)
{
  unsigned unit = (unsigned)(uint16_t)~ref; /* ref >= 0 gives unit >= 0x8000 */
  return unit < DM_UNITS_MAX ? &m->counts[1 + unit] : NULL;
}

/* Counts a trace record of kind ev in row c (a unit's), or in the row of
 * records about no unit when c is NULL (m counts). One row only: the
 * machine's total is summed when asked (dm_machine_counts), but for
 * rejections, which a run reads around every call. */
static inline void dm__count_row(dm_machine *m, dm_counts *c, dm_ev ev)
{
  if (ev == DM_EV_REJECT)
    m->counts[0].ev[ev]++;
  (c != NULL ? c : &m->counts[DM_COUNTS_NO_UNIT])->ev[ev]++;
}

/* Counts one trace record of kind ev about unit ref (m counts). */
static inline void dm__count(dm_machine *m, dm_ev ev, int16_t ref)
{
  dm__count_row(m, dm__counts_of(m, ref), ev);
}

/* Counts request s reaching its driver at now in its unit's row c (m
 * counts): its wait since the call, and the start of a busy spell. Inline:
 * once per request. Every DISPATCH trace point names a live slot whose
 * t_dispatch was set a moment before (dm__slot_activate), which is now. The
 * slot is marked COUNTED: its completion ends the service
 * (dm__count_done). marked (a constant where it is inlined): the caller
 * marked it already, with the flags it set at the dispatch (dm__dispatch_f). */
static inline void dm__count_dispatch_m(dm_counts *c, dm_slot *s, uint64_t now, bool marked)
{
  uint64_t wait = now - s->t_call;
  c->requests++;
  c->wait_sum_hi += __builtin_add_overflow(c->wait_sum, wait, &c->wait_sum); /* (add, adc) */
  if (wait > c->wait_max)
    c->wait_max = wait;
  if (c->in_service++ == 0)
    c->busy_since = now;
  if (!marked)
    s->flags |= DM_SLOTF_COUNTED;
}
static inline void dm__count_dispatch(dm_counts *c, dm_slot *s, uint64_t now)
{
  dm__count_dispatch_m(c, s, now, false);
}

/* Counts the end at now of the service of a request in its unit's row c
 * (its slot COUNTED, so c is the row its dispatch counted in, and in
 * service): the busy spell ends with its last request. */
static inline void dm__count_done(dm_counts *c, uint64_t now)
{
  if (--c->in_service == 0)
    c->busy_ns += now - c->busy_since;
}

/* Counts a trace record of kind ev in row c (a unit's, or NULL: see
 * dm__count_row), the dispatch of a request si also in c's statistics:
 * a Read, Write, Control or Status, not the Device Manager's own commands
 * nor Open, Close and KillIO. */
static inline void dm__count_in(dm_machine *m, dm_counts *c, dm_ev ev, uint8_t code,
                                uint32_t si)
{
  dm__count_row(m, c, ev);
  if (ev == DM_EV_DISPATCH && code >= kReadCommand && code <= kStatusCommand && c != NULL)
    dm__count_dispatch(c, &m->slots[si], m->slots[si].t_dispatch);
}

/* A trace point about a request (or call) of refNum ref: counted when the
 * machine counts, a record when it has a trace hook. */
static inline void dm__trace(dm_machine *m, dm_ev ev, int16_t ref, const void *pb, uint64_t id,
                             uint8_t code, uint8_t mode, int16_t result)
{
  if (DM_UNLIKELY(m->counts != NULL))
    dm__count_in(m, dm__counts_of(m, ref), ev, code, (uint32_t)id - 1);
  if (DM_UNLIKELY(m->cfg.trace != NULL))
    dm__trace_emit(m, ev, ref, pb, id, code, mode, result);
}

/* trace.c: dm__trace_u on a machine with a trace hook, out of line:
 * counted in u->counts when the machine counts, and the record. */
void dm__trace_u_slow(dm_machine *m, dm_unit *u, dm_ev ev, const void *pb, uint64_t id,
                      uint8_t code, uint8_t mode, int16_t result);
/* dm__trace for a request of unit u, whose row of counts it has at hand:
 * the request path's points. On a machine that counts and has no trace
 * hook (what `dmsim run` makes) one increment, inline; on one that neither
 * counts nor traces (u->tally NULL, no hook) two tests. */
static inline void dm__trace_u(dm_machine *m, dm_unit *u, dm_ev ev, const void *pb, uint64_t id,
                               uint8_t code, uint8_t mode, int16_t result)
{
  if (DM_LIKELY(u->tally != NULL))
    dm__count_in(m, u->tally, ev, code, (uint32_t)id - 1);
  else if (DM_UNLIKELY(m->cfg.trace != NULL))
    dm__trace_u_slow(m, u, ev, pb, id, code, mode, result);
}
/* dm__trace_u given tc: u's row of counts where the caller knows that its
 * machine tallies (counts, no trace hook: tc is u->tally, not NULL), else
 * NULL, which makes it dm__trace_u. The request path tests u->tally once
 * and keeps it (IOCommandIsComplete), so that each point is an increment
 * without a load and a test of its own. */
static inline void dm__trace_ut(dm_machine *m, dm_unit *u, dm_counts *tc, dm_ev ev,
                                const void *pb, uint64_t id, uint8_t code, uint8_t mode,
                                int16_t result)
{
  if (tc != NULL)
    dm__count_in(m, tc, ev, code, (uint32_t)id - 1);
  else
    dm__trace_u(m, u, ev, pb, id, code, mode, result);
}
/* The DISPATCH point of request si of unit u (a Read, Write, Control or
 * Status, queued or sent at once: dm__send), dispatched at now (its
 * t_dispatch), counted in u's statistics; tc as dm__trace_ut's. marked
 * (a constant; tc not NULL): the slot is marked COUNTED already
 * (dm__dispatch_f). */
static inline void dm__trace_dispatch(dm_machine *m, dm_unit *u, dm_counts *tc, uint32_t si,
                                      uint64_t now, const void *pb, uint64_t id, uint8_t code,
                                      uint8_t mode, bool marked)
{
  dm_counts *c = tc != NULL ? tc : u->tally;
  if (DM_LIKELY(c != NULL)) {
    c->ev[DM_EV_DISPATCH]++;
    dm__count_dispatch_m(c, &m->slots[si], now, marked);
  } else if (DM_UNLIKELY(m->cfg.trace != NULL)) {
    dm__trace_u_slow(m, u, DM_EV_DISPATCH, pb, id, code, mode, 0);
  }
}
/* A trace point of a request of refNum ref whose unit u is at hand, or
 * NULL (none has the refNum, or the driver is gone). */
static inline __attribute__((always_inline)) void
dm__trace_request(dm_machine *m, dm_unit *u, dm_ev ev, int16_t ref, const void *pb, uint64_t id,
                  uint8_t code, uint8_t mode, int16_t result)
{
  if (DM_LIKELY(u != NULL))
    dm__trace_u(m, u, ev, pb, id, code, mode, result);
  else
    dm__trace(m, ev, ref, pb, id, code, mode, result);
}
/* trace.c: dm__trace_flags on a machine with a trace hook: counted when
 * the machine counts, and the record of u's dCtlFlags. */
void dm__trace_flags_slow(dm_unit *u);
/* The trace point of a change of u's dCtlFlags (counted, and traced when a
 * hook is installed: as dm__trace_u). Inline: a serialized request changes
 * drvrActive twice. */
static inline void dm__trace_flags(dm_unit *u)
{
  if (DM_LIKELY(u->tally != NULL))
    u->tally->ev[DM_EV_FLAGS]++;
  else if (DM_UNLIKELY(u->m->cfg.trace != NULL))
    dm__trace_flags_slow(u);
}
/* Sets and clears bits of u's dCtlFlags, with the trace point when they
 * change; u->dm_active keeps drvrActive as the Device Manager set it (the
 * bit itself: 0 or drvrActiveMask). */
_Static_assert(drvrActiveMask <= UINT8_MAX, "dm_unit.dm_active keeps the bit in a byte");
static inline void dm__set_flags(dm_unit *u, uint16_t set, uint16_t clear)
{
  uint16_t old = (uint16_t)u->dce.dCtlFlags;
  uint16_t now = (uint16_t)((old & ~clear) | set);
  u->dm_active = (uint8_t)(now & drvrActiveMask);
  if (now == old)
    return;
  u->dce.dCtlFlags = (short)now;
  dm__trace_flags(u);
}
/* dm__trace_flags given tc (as dm__trace_ut's). */
static inline void dm__trace_flags_t(dm_unit *u, dm_counts *tc)
{
  if (tc != NULL)
    tc->ev[DM_EV_FLAGS]++;
  else
    dm__trace_flags(u);
}
/* Sets drvrActive, clear until now (a serialized driver's next request
 * starts) in flags, dCtlFlags as the caller just read them, with its trace
 * point; tc as dm__trace_ut's. */
static inline void dm__set_active(dm_unit *u, uint16_t flags, dm_counts *tc)
{
  u->dce.dCtlFlags = (short)(flags | drvrActiveMask);
  u->dm_active = drvrActiveMask;
  dm__trace_flags_t(u, tc);
}
/* dm__set_flags(u, 0, drvrActiveMask) given tc (as dm__trace_ut's). */
static inline void dm__clear_active(dm_unit *u, dm_counts *tc)
{
  uint16_t old = (uint16_t)u->dce.dCtlFlags;
  u->dm_active = 0;
  if (!(old & drvrActiveMask))
    return;
  u->dce.dCtlFlags = (short)(old & ~drvrActiveMask);
  dm__trace_flags_t(u, tc);
}
void dm__trace_unit(dm_machine *m, dm_ev ev, const dm_unit *u);

#endif /* DM_TRACE_INL_H */
