/*
 * queue-inl.h - OS queues: append and unlink, and dCtlQHdr with the hidden
 * back-links that unlink a request in O(1) at any depth.
 *
 * Inline code of the request path, included by dm-int.h only (it needs the
 * types and declarations before its #include there); not a header of its own.
 */
#ifndef DM_QUEUE_INL_H
#define DM_QUEUE_INL_H

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
 * walk; beside it each request's slot keeps the slots of its predecessor
 * (qprev) and successor (qnext), so that a request completing anywhere in
 * the queue is unlinked in O(1) at any depth, touching the neighbours'
 * slots and the predecessor's block but not the successor's block (with
 * many requests in flight each is a likely cache miss). The hints are
 * checked before use (the predecessor is live and links to the block; the
 * successor's slot is live and holds the block that follows), so a queue
 * that someone else changed (an Enqueue or Dequeue by a driver, an element
 * that is not a request) costs a walk or a look-up, never a wrong unlink;
 * nothing dereferences a block that is not in flight. */

/* Appends request si's block pb to u's dCtlQHdr. The tail is read once: an
 * empty queue (a concurrent driver that completes at once) costs no
 * look-up. hints (false for a serialized driver, whose requests leave the
 * queue at its head, in order: dm__ctlq_remove_head reads no hint) says
 * whether the request and the one before it are linked by their slots;
 * without, a request that leaves from within the queue (an abort) finds its
 * neighbours by a walk and a look-up instead. */
static inline void dm__ctlq_append(dm_machine *m, dm_unit *u, uint32_t si, ParmBlkPtr pb,
                                   bool hints)
{
  QHdrPtr q = &u->dce.dCtlQHdr;
  QElemPtr tail = q->qTail, e = (QElemPtr)pb;
  dm_slot *s = &m->slots[si];
  uint32_t ts = hints && tail != NULL ? dm__slot_of_pb(m, tail) : DM_NO_SLOT;
  /* (Both hints stored next to each other, before the block: without
   * hints, one store.) */
  s->qnext = DM_NO_SLOT;
  s->qprev = ts;
  e->qLink = NULL;
  if (tail == NULL) {
    q->qHead = e;
  } else {
    if (ts != DM_NO_SLOT)
      m->slots[ts].qnext = si;
    tail->qLink = e;
  }
  q->qTail = e;
}

/* Appends a serialized driver's request pb to u's dCtlQHdr without even
 * the stores of "no hint" (the plain call path, call.c): its slot's qprev
 * and qnext stay as they were, stale, which costs what no hint costs
 * (every hint is checked before use). Such a driver's queue is rarely
 * empty: its request in service heads it. */
static inline void dm__ctlq_append_bare(dm_unit *u, ParmBlkPtr pb)
{
  QHdrPtr q = &u->dce.dCtlQHdr;
  QElemPtr tail = q->qTail, e = (QElemPtr)pb;
  e->qLink = NULL;
  if (DM_LIKELY(tail != NULL))
    tail->qLink = e;
  else
    q->qHead = e;
  q->qTail = e;
}

/* The slot of e, the element after a request on dCtlQHdr, from hint, that
 * request's qnext; a look-up through e when the hint is stale. */
static inline uint32_t dm__ctlq_next_slot(const dm_machine *m, QElemPtr e, uint32_t hint)
{
  if (DM_LIKELY(hint < m->nslots)) {
    const dm_slot *h = &m->slots[hint];
    if ((h->state == DM_SLOT_QUEUED || h->state == DM_SLOT_ACTIVE) && (QElemPtr)h->pb == e)
      return hint;
  }
  return dm__slot_of_pb(m, e);
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

/* Unlinks pb, the head of u's dCtlQHdr: how a request that completes in
 * order leaves the queue (a serialized driver's always does). The new
 * head's slot is not touched: the unlinking code never reads a head's
 * qprev (dm__ctlq_prev tests for the head first, and nothing is ever
 * queued before it), so the hint it keeps to the request that left goes
 * stale harmlessly; dm_machine_prefetch may still fetch through it, which
 * costs a wasted prefetch, never a wrong result. */
static inline void dm__ctlq_remove_head(dm_unit *u, ParmBlkPtr pb)
{
  QHdrPtr q = &u->dce.dCtlQHdr;
  QElemPtr e = (QElemPtr)pb, next = e->qLink;
  q->qHead = next;
  if (next == NULL)
    q->qTail = NULL;
  e->qLink = NULL;
}

/* Unlinks pb, whose request's hints were qprev and qnext, from u's
 * dCtlQHdr; qErr when it is not there. O(1) while the hints hold (see
 * above). Inline in the completion: every request on dCtlQHdr leaves it
 * here. */
static inline __attribute__((always_inline)) OSErr
dm__ctlq_remove(dm_machine *m, dm_unit *u, ParmBlkPtr pb, uint32_t qprev, uint32_t qnext)
{
  QHdrPtr q = &u->dce.dCtlQHdr;
  QElemPtr e = (QElemPtr)pb, prev;
  uint32_t prev_slot, next_slot = DM_NO_SLOT;
  if (DM_LIKELY(q->qHead == e)) {
    dm__ctlq_remove_head(u, pb);
    return noErr;
  }
  if (DM_UNLIKELY(dm__ctlq_prev(m, q, e, qprev, &prev, &prev_slot) != noErr))
    return qErr;
  QElemPtr next = e->qLink;
  if (prev == NULL)
    q->qHead = next;
  else
    prev->qLink = next;
  if (next == NULL)
    q->qTail = prev;
  else {
    next_slot = dm__ctlq_next_slot(m, next, qnext);
    if (next_slot != DM_NO_SLOT)
      m->slots[next_slot].qprev = prev_slot;
  }
  if (prev_slot != DM_NO_SLOT)
    m->slots[prev_slot].qnext = next_slot;
  e->qLink = NULL;
  return noErr;
}

#endif /* DM_QUEUE_INL_H */
