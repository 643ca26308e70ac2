/*
 * queue.c - Operating System queues (Enqueue, Dequeue) and the Device
 * Manager's own use of them.
 *
 * Contracts: Enqueue appends at the tail; Dequeue unlinks an element from
 * anywhere and answers qErr when it is not on the queue. Neither allocates.
 *
 * Our Enqueue/Dequeue also watch parameter blocks that are in flight: a
 * driver that keeps its own queue (kDriverQueuesIOPB) must take a PB off it
 * before calling IOCommandIsComplete, and the Device Manager can only tell
 * that it forgot if it sees the PB go onto and come off that queue. An
 * element counts as a parameter block when its qType is ioQType and its
 * ioCmdAddr holds the ID of a live request for exactly that block.
 */
#include "dm-int.h"

/* The live slot of e when it is an in-flight parameter block, else DM_NO_SLOT. */
static uint32_t watched_slot(dm_machine **mp, QElemPtr e)
{
  dm_machine *m = dm__current;
  *mp = m;
  if (m == NULL || e == NULL || e->qType != ioQType)
    return DM_NO_SLOT;
  return dm__slot_of_pb(m, e);
}

void Enqueue(QElemPtr qElement, QHdrPtr qHeader)
{
  if (qElement == NULL || qHeader == NULL)
    return;
  dm_machine *m;
  uint32_t si = watched_slot(&m, qElement);
  if (si != DM_NO_SLOT) {
    dm_unit *u = dm__unit(m, m->slots[si].ref);
    if (u == NULL || qHeader != &u->dce.dCtlQHdr)
      dm__slot_set_privq(&m->slots[si], qHeader);
  }
  dm__enqueue(qHeader, qElement);
}

OSErr Dequeue(QElemPtr qElement, QHdrPtr qHeader)
{
  if (qElement == NULL || qHeader == NULL)
    return qErr;
  OSErr err = dm__dequeue(qHeader, qElement);
  if (err == noErr) {
    dm_machine *m;
    uint32_t si = watched_slot(&m, qElement);
    if (si != DM_NO_SLOT && m->slots[si].privq == qHeader)
      dm__slot_set_privq(&m->slots[si], NULL);
  }
  return err;
}
