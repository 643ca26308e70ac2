/*
 * slot-inl.h - the command-slot allocator: IDs, reserving, filling, activating,
 * releasing and finding the slot of a request.
 *
 * Inline code of the request path, included by dm-int.h only (it needs the
 * types and declarations before its #include there); not a header of its own.
 */
#ifndef DM_SLOT_INL_H
#define DM_SLOT_INL_H

/* The ID of slot s's current (or last) use: its generation and its index
 * + 1 read as one word. A look-up compares it with the ID it was given: a
 * stale ID's generation differs. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
_Static_assert(offsetof(dm_slot, self) == offsetof(dm_slot, gen) + 4, "gen, then self");
#define DM_SLOT_GENID_AT gen
#else
_Static_assert(offsetof(dm_slot, gen) == offsetof(dm_slot, self) + 4, "self, then gen");
#define DM_SLOT_GENID_AT self
#endif
static inline uint64_t dm__slot_genid(const dm_slot *s)
{
  uint64_t w;
  memcpy(&w, &s->DM_SLOT_GENID_AT, sizeof w);
  return w;
}
/* IDs: generation in the high half, slot index + 1 in the low half, so that
 * no ID is NULL and a stale ID is recognised by its generation. */
static inline uint64_t dm__slot_id(const dm_machine *m, uint32_t i)
{
  return dm__slot_genid(&m->slots[i]);
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

/* A new slot for a request to unit u, filled in, its generation moved on
 * (so that IDs naming its earlier uses go stale); DM_NO_SLOT when none is
 * free (see dm__slots_reserve). Its history times are the caller's to set,
 * on a watched machine: nobody reads them on a lean one. fetch_next: start
 * fetching the next free slot, which the next request takes (false where
 * few requests are in flight, a plain sync call's path: call.c). */
static inline uint32_t dm__slot_new_f(dm_machine *m, ParmBlkPtr pb, dm_unit *u, int16_t ref,
                                      unsigned code, unsigned kind, unsigned mode,
                                      bool fetch_next)
{
  uint32_t i = m->free_head;
  if (DM_UNLIKELY(i == DM_NO_SLOT))
    return DM_NO_SLOT;
  dm_slot *s = &m->slots[i];
  m->free_head = s->next;
  if (s->next == DM_NO_SLOT)
    m->free_link = &m->free_head;
  else if (fetch_next) /* least recently used: in no cache at depth */
    DM_PREFETCH_W(&m->slots[s->next]);
  /* Field by field: the times and the result keep their old values, which
   * nobody reads until the DISPATCHED flag or the DONE state says they
   * belong to this use (dm__history); privq is NULL in every slot that is
   * not live (dm__slot_release clears it); flags, and qnext and qprev for a
   * request on dCtlQHdr (dm__ctlq_append), are the caller's to set. The
   * generation wraps after 2^32 uses of one slot; look-ups check the state
   * too, so that is harmless. */
  s->pb = pb;
  s->unit = u;
  /* The generation moved on in the one word with the index, as a look-up
   * reads it (a load of 8 bytes a moment after a store of 4 of them would
   * wait for that store: a lean request completed inside its DoDriverIO,
   * as .Null's are, comes here a few instructions before); the ID is that
   * word. */
  uint64_t genid = dm__slot_genid(s) + ((uint64_t)1 << 32);
  memcpy(&s->DM_SLOT_GENID_AT, &genid, sizeof genid);
  s->ref = ref;
  s->code = (uint8_t)code;
  s->kind = (uint8_t)kind;
  s->mode = (uint8_t)mode;
  s->state = DM_SLOT_QUEUED;
  return i;
}
static inline uint32_t dm__slot_new(dm_machine *m, ParmBlkPtr pb, dm_unit *u, int16_t ref,
                                    unsigned code, unsigned kind, unsigned mode)
{
  return dm__slot_new_f(m, pb, u, ref, code, kind, mode, true);
}

/* The request in slot s reaches u's driver now: ACTIVE, counted in u's
 * in-flight requests, its dispatch time kept for its history when history
 * is kept (a watched machine). */
static inline void dm__slot_activate_f(dm_unit *u, dm_slot *s, uint64_t now, bool history,
                                       uint8_t more_flags)
{
  s->state = DM_SLOT_ACTIVE;
  s->flags |= (uint8_t)(DM_SLOTF_DISPATCHED | more_flags);
  if (history)
    s->t_dispatch = now;
  u->active++;
}
static inline void dm__slot_activate(dm_unit *u, dm_slot *s, uint64_t now, bool history)
{
  dm__slot_activate_f(u, s, now, history, 0);
}

/* A slot's state and flags, side by side, as one 16-bit word: a queued
 * request's dispatch tests both (dm__slot_waiting_sf) and writes both
 * (dm__slot_activate_sf) with one load and one store. DM_SF(state, flags)
 * is that word. */
_Static_assert(offsetof(dm_slot, flags) == offsetof(dm_slot, state) + 1, "flags follows state");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define DM_SF(state, flags) ((uint16_t)((unsigned)(state) << 8 | (unsigned)(flags)))
#else
#define DM_SF(state, flags) ((uint16_t)((unsigned)(state) | (unsigned)(flags) << 8))
#endif
static inline uint16_t dm__slot_sf(const dm_slot *s)
{
  uint16_t w;
  memcpy(&w, &s->state, sizeof w);
  return w;
}
/* dm__slot_activate_f for a slot whose state and flags were sf, a queued
 * request's (QUEUED), with more_flags DM_SLOTF_COUNTED or 0: its new state
 * and flags in one add and one store. (A queued request's flags hold
 * neither DISPATCHED nor COUNTED: they are set only as a slot becomes
 * ACTIVE, and the flags of every new slot are set whole by whoever made it,
 * so the add carries into no other bit.) */
static inline void dm__slot_activate_sf(dm_unit *u, dm_slot *s, uint16_t sf, uint64_t now,
                                        uint8_t more_flags)
{
  uint16_t w = (uint16_t)(sf + DM_SF(DM_SLOT_ACTIVE - DM_SLOT_QUEUED,
                                     DM_SLOTF_DISPATCHED | more_flags));
  memcpy(&s->state, &w, sizeof w);
  s->t_dispatch = now;
  u->active++;
}

/* Records that slot s's PB is on the driver-private queue q, or on none
 * (q NULL): privq, and the flag that IOCommandIsComplete's common case
 * tests with the slot's kind and state (dm__slot_completable). */
static inline void dm__slot_set_privq(dm_slot *s, QHdrPtr q)
{
  s->privq = q;
  if (q != NULL)
    s->flags |= DM_SLOTF_PRIVQ;
  else
    s->flags &= (uint8_t)~DM_SLOTF_PRIVQ;
}

/* Whether slot s holds a request its driver may complete in the common
 * case: ACTIVE, not immediate, its PB on no driver-private queue (the
 * PRIVQ flag). Its kind, mode, state and flags, side by side, read as one
 * 32-bit word. (kind is one of the three kinds: immediate is its bit 4.) */
_Static_assert(offsetof(dm_slot, mode) == offsetof(dm_slot, kind) + 1 &&
                   offsetof(dm_slot, state) == offsetof(dm_slot, kind) + 2 &&
                   offsetof(dm_slot, flags) == offsetof(dm_slot, kind) + 3,
               "kind, mode, state and flags side by side");
_Static_assert(kSynchronousIOCommandKind == 1 && kAsynchronousIOCommandKind == 2 &&
                   kImmediateIOCommandKind == 4,
               "immediate is the kind with bit 4");
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define DM_KMSF(kind, mode, state, flags)                                                      \
  ((uint32_t)(kind) << 24 | (uint32_t)(mode) << 16 | (uint32_t)(state) << 8 | (uint32_t)(flags))
#else
#define DM_KMSF(kind, mode, state, flags)                                                      \
  ((uint32_t)(kind) | (uint32_t)(mode) << 8 | (uint32_t)(state) << 16 | (uint32_t)(flags) << 24)
#endif
static inline bool dm__slot_completable(const dm_slot *s)
{
  uint32_t w;
  memcpy(&w, &s->kind, sizeof w);
  return (w & DM_KMSF(kImmediateIOCommandKind, 0, 0xFF, DM_SLOTF_PRIVQ)) ==
         DM_KMSF(0, 0, DM_SLOT_ACTIVE, 0);
}

/* Slot i becomes DONE (its history kept), off any private queue, and goes
 * to the back of the free FIFO. clear_privq (a constant where it is
 * inlined) false: the caller knows privq is NULL already. */
static inline void dm__slot_release_q(dm_machine *m, uint32_t i, bool clear_privq)
{
  dm_slot *s = &m->slots[i];
  s->state = DM_SLOT_DONE;
  if (clear_privq)
    s->privq = NULL;
  s->next = DM_NO_SLOT;
  *m->free_link = i;
  m->free_link = &s->next;
}
static inline void dm__slot_release(dm_machine *m, uint32_t i)
{
  dm__slot_release_q(m, i, true);
}

/* Whether slot i (one of the array's: it never shrinks) holds the live
 * (QUEUED or ACTIVE) request id. */
static inline bool dm__slot_holds(const dm_machine *m, uint32_t i, uint64_t id)
{
  const dm_slot *s = &m->slots[i];
  return dm__slot_genid(s) == id &&
         (s->state == DM_SLOT_QUEUED || s->state == DM_SLOT_ACTIVE);
}

/* Whether slot i holds request id, dispatched and not yet complete
 * (ACTIVE). */
static inline bool dm__slot_in_service(const dm_machine *m, uint32_t i, uint64_t id)
{
  const dm_slot *s = &m->slots[i];
  return dm__slot_genid(s) == id && s->state == DM_SLOT_ACTIVE;
}

/* Slot s's hints of its neighbours on dCtlQHdr (qprev, qnext) as one
 * word, taken apart by dm__hint_prev and dm__hint_next: side by side, they
 * cost the completion one load and one register, not two, until the rare
 * unlink from within the queue needs them. */
_Static_assert(offsetof(dm_slot, qprev) == offsetof(dm_slot, qnext) + sizeof(uint32_t),
               "qprev follows qnext");
typedef struct dm_hints {
  uint32_t qnext, qprev;
} dm_hints;
static inline uint64_t dm__slot_hints(const dm_slot *s)
{
  uint64_t w;
  memcpy(&w, &s->qnext, sizeof w);
  return w;
}
static inline uint32_t dm__hint_prev(uint64_t w)
{
  dm_hints h;
  memcpy(&h, &w, sizeof h);
  return h.qprev;
}
static inline uint32_t dm__hint_next(uint64_t w)
{
  dm_hints h;
  memcpy(&h, &w, sizeof h);
  return h.qnext;
}

/* The live (QUEUED or ACTIVE) slot an ID names, or DM_NO_SLOT. */
static inline uint32_t dm__slot_lookup(const dm_machine *m, uint64_t id)
{
  uint32_t i = (uint32_t)id - 1; /* index 0 (no ID) wraps to UINT32_MAX */
  if (i >= m->nslots || !dm__slot_holds(m, i, id))
    return DM_NO_SLOT;
  return i;
}

/* The ID a PB's ioCmdAddr holds: its request's while it is in flight. */
static inline uint64_t dm__pb_id(const void *pb)
{
  return (uint64_t)(uintptr_t)((const ParamBlockRec *)pb)->ioParam.ioCmdAddr;
}

/* The slot of a PB on dCtlQHdr waiting for its dispatch (QUEUED, not held
 * while a remove, replace or KillIO is under way), given id, the ID its ioCmdAddr holds
 * (dm__pb_id); DM_NO_SLOT when it is not such a request. *sf is the
 * slot's state and flags as one word (DM_SF), for dm__slot_activate_sf. */
static inline uint32_t dm__slot_waiting_sf(const dm_machine *m, const void *pb, uint64_t id,
                                           uint16_t *sf)
{
  uint32_t i = (uint32_t)id - 1;
  if (i >= m->nslots)
    return DM_NO_SLOT;
  const dm_slot *s = &m->slots[i];
  *sf = dm__slot_sf(s);
  bool waiting = dm__slot_genid(s) == id &&
                 (*sf & DM_SF(0xFF, DM_SLOTF_HELD)) == DM_SF(DM_SLOT_QUEUED, 0) && s->pb == pb;
  return waiting ? i : DM_NO_SLOT;
}

/* The live slot of a PB whose ioCmdAddr holds its ID, or DM_NO_SLOT. */
static inline uint32_t dm__slot_of_pb(const dm_machine *m, const void *pb)
{
  uint32_t i = dm__slot_lookup(m, dm__pb_id(pb));
  return i != DM_NO_SLOT && m->slots[i].pb == pb ? i : DM_NO_SLOT;
}

#endif /* DM_SLOT_INL_H */
