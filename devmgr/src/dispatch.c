/*
 * dispatch.c - handing commands to a native driver's DoDriverIO.
 *
 * Non-concurrent drivers get one request at a time: the head of dCtlQHdr is
 * dispatched when drvrActive is clear, drvrActive is set while it runs, and
 * completion starts the next (dm__start_queued). A driver that completes
 * inside DoDriverIO re-enters dm__start_queued through IOCommandIsComplete;
 * the `starting` flag turns that recursion into the loop below, so a long
 * queue of requests that complete at once costs no stack.
 *
 * Concurrent drivers get every request at once and never see drvrActive.
 *
 * The slot array may grow while driver code runs (a completion routine can
 * send new requests), so slots are always re-read by index after a call into
 * driver code, never through a pointer kept across it.
 */
#include <string.h>

#include "dm-int.h"

/* The driver may not write ioResult; reported once per request. */
void dm__check_ioresult(dm_machine *m, uint32_t si, const char *when)
{
  dm_slot *s = &m->slots[si];
  if (s->pb == NULL || s->pb->ioParam.ioResult == ioInProgress ||
      (s->flags & DM_SLOTF_WROTE_RESULT))
    return;
  s->flags |= DM_SLOTF_WROTE_RESULT;
  char hist[256];
  dm__history(m, si, hist, sizeof hist);
  dm__violation(m, DM_RULE_DRIVER_WROTE_IORESULT, s->ref, s->pb, dm__slot_id(m, si),
                "ioResult was %d %s (%s)", s->pb->ioParam.ioResult, when, hist);
}

void dm__ctlq_drop_foreign(dm_machine *m, dm_unit *u, QElemPtr e, const char *when)
{
  dm__violation(m, DM_RULE_DRIVER_WROTE_DCE, u->dce.dCtlRefNum, NULL, 0,
                "%s's dCtlQHdr holds an element that is not one of its requests %s; only the "
                "Device Manager puts requests on it, and the element is taken off the queue",
                u->name, when);
  /* Another unit's request put here with Enqueue was recorded as on a
   * queue of its driver's own (queue.c); off this one, it is not. */
  QHdrPtr q = &u->dce.dCtlQHdr;
  uint32_t si = dm__slot_of_pb(m, e);
  if (dm__dequeue(q, e) == noErr && si != DM_NO_SLOT && m->slots[si].privq == q)
    dm__slot_set_privq(&m->slots[si], NULL);
}

void dm__start_queued_loop(dm_machine *m, dm_unit *u)
{
  dm__start_queued_run(m, u, false, false, NULL);
}

void dm__release_held(dm_machine *m, dm_unit *u)
{
  if (!(u->runtime & kDriverIsConcurrent)) {
    for (QElemPtr e = u->dce.dCtlQHdr.qHead; e != NULL; e = e->qLink) {
      uint32_t si = dm__slot_of_pb(m, e);
      if (si != DM_NO_SLOT && (m->slots[si].flags & DM_SLOTF_HELD)) {
        m->slots[si].flags &= (uint8_t)~DM_SLOTF_HELD;
        u->queued++;
      }
    }
    dm__start_queued(m, u);
    return;
  }
  /* Concurrent: dispatch each held request in queue order. Dispatching can
   * complete requests and queue new ones, so look for the first held one
   * again each time (this runs once per replacement, not per request). */
  for (;;) {
    uint32_t si = DM_NO_SLOT;
    for (QElemPtr e = u->dce.dCtlQHdr.qHead; e != NULL; e = e->qLink) {
      uint32_t i = dm__slot_of_pb(m, e);
      if (i != DM_NO_SLOT && (m->slots[i].flags & DM_SLOTF_HELD)) {
        si = i;
        break;
      }
    }
    if (si == DM_NO_SLOT || u->state != DM_UNIT_READY)
      return;
    if (u->runtime & kDriverQueuesIOPB) {
      dm__ctlq_remove(m, u, m->slots[si].pb, m->slots[si].qprev, m->slots[si].qnext);
      m->slots[si].flags &= (uint8_t)~DM_SLOTF_ONQ;
    }
    m->slots[si].flags &= (uint8_t)~DM_SLOTF_HELD;
    u->queued++;
    dm__dispatch(m, u, si, dm__slot_id(m, si), false, NULL);
  }
}

/* Commands the Device Manager sends on its own, always immediate and at task
 * level: Initialize, Finalize, Replace, Superseded (with DriverInitInfo /
 * DriverFinalInfo), and the Close and Open around them (with the unit's own
 * parameter block). Returns what DoDriverIO returned. */
OSErr dm__simple_command(dm_unit *u, IOCommandCode code)
{
  dm_machine *m = u->m;
  int16_t ref = u->dce.dCtlRefNum;
  DriverInitInfo info = { .refNum = ref, .deviceEntry = u->device };
  IOCommandContents c;
  ParmBlkPtr pb = NULL;
  if (code == kOpenCommand || code == kCloseCommand) {
    pb = &u->openpb;
    memset(pb, 0, sizeof *pb);
    pb->ioParam.ioRefNum = ref;
    pb->ioParam.ioPermssn = fsCurPerm;
    pb->ioParam.ioTrap = (short)(code == kOpenCommand ? _Open : _Close);
    pb->ioParam.ioResult = ioInProgress;
    c.pb = pb;
  } else {
    c.initialInfo = &info;
  }
  uint64_t now = dm__now(m);
  dm__slots_reserve(m);
  uint32_t si = dm__slot_new(m, pb, u, ref, code, kImmediateIOCommandKind, DM_MODE_IMMEDIATE);
  if (si == DM_NO_SLOT)
    return memFullErr;
  dm_slot *s = &m->slots[si];
  s->t_call = now;
  s->state = DM_SLOT_ACTIVE;
  s->flags = DM_SLOTF_DISPATCHED;
  s->t_dispatch = now;
  uint64_t id = dm__slot_id(m, si);
  if (pb != NULL)
    pb->ioParam.ioCmdAddr = (Ptr)(uintptr_t)id;
  dm__trace(m, DM_EV_DISPATCH, ref, pb, id, (uint8_t)code, DM_MODE_IMMEDIATE, 0);
  OSErr st = dm__driver_call_watched(m, u, id, c, code, kImmediateIOCommandKind, false);
  dm__trace(m, DM_EV_RETURN, ref, NULL, id, (uint8_t)code, DM_MODE_IMMEDIATE, st);
  OSErr result = st > 0 ? noErr : st;
  si = dm__slot_lookup(m, id);
  if (si != DM_NO_SLOT) {
    m->slots[si].result = result;
    m->slots[si].t_done = dm__now(m);
    dm__slot_release(m, si);
  }
  if (pb != NULL)
    dm__post(pb, id, result);
  dm__trace(m, DM_EV_COMPLETE, ref, pb, id, (uint8_t)code, DM_MODE_IMMEDIATE, result);
  return result;
}

void dm__check_dce(dm_machine *m, dm_unit *u)
{
  int16_t ref = u->dce.dCtlRefNum;
  bool active = (u->dce.dCtlFlags & drvrActiveMask) != 0;
  if (active != (bool)u->dm_active) {
    dm__violation(m, DM_RULE_DRIVER_WROTE_DCE, ref, NULL, 0,
                  "%s %s drvrActive in dCtlFlags, which the Device Manager sets and clears; "
                  "it is put back",
                  u->name, active ? "set" : "cleared");
    u->dce.dCtlFlags = (short)(u->dm_active ? u->dce.dCtlFlags | drvrActiveMask
                                            : u->dce.dCtlFlags & ~drvrActiveMask);
  }
  QHdr *q = &u->dce.dCtlQHdr;
  if ((q->qHead == NULL) != (q->qTail == NULL) || (q->qTail != NULL && q->qTail->qLink != NULL)) {
    dm__violation(m, DM_RULE_DRIVER_WROTE_DCE, ref, NULL, 0,
                  "%s wrote dCtlQHdr (qHead %s, qTail %s), which only the Device Manager "
                  "changes; the queue is rebuilt from the Device Manager's records",
                  u->name, q->qHead != NULL ? "set" : "NULL", q->qTail != NULL ? "set" : "NULL");
    q->qHead = q->qTail = NULL;
    for (uint32_t i = 0; i < m->nslots; i++) {
      dm_slot *s = &m->slots[i];
      if (s->ref == ref && (s->flags & DM_SLOTF_ONQ) && s->pb != NULL &&
          (s->state == DM_SLOT_QUEUED || s->state == DM_SLOT_ACTIVE)) {
        s->pb->ioParam.qLink = NULL;
        dm__enqueue(q, (QElemPtr)s->pb);
      }
    }
  }
}
