/*
 * close.c - Close on a serialized driver waits until the driver is idle.
 *
 * Inside Macintosh: Devices: Close waits while drvrActive is set, then calls
 * the driver's close routine. So a Close sent to a non-concurrent driver in
 * service waits for the request in service and for those the Device Manager
 * starts after it (everything on dCtlQHdr, the ones sent meanwhile
 * included); then it reaches the driver, at task level, as table 8-1 of the
 * PCI book requires of Close. A Close that finds the driver idle is not
 * delayed. Concurrent drivers never set drvrActive, so their Close is never
 * delayed either. Calls made once the driver has closed get notOpenErr.
 *
 * A waiting Close is QUEUED (counted in u->queued, so that a remove or
 * replace waits for it too) on the unit's own queue of waiting Closes,
 * through its PB's qLink as every queued PB is; its slot's privq names that
 * queue, so that a completion from elsewhere (a removed driver's requests
 * failing with unitEmptyErr) takes it off. Nothing here is on the request
 * path: it runs only when a Close meets a busy driver.
 */
#include "dm-int.h"

OSErr dm__close_park(dm_machine *m, dm_unit *u, uint32_t si)
{
  dm_slot *s = &m->slots[si];
  s->flags = 0;
  dm__slot_set_privq(s, &u->closeq);
  dm__enqueue(&u->closeq, (QElemPtr)s->pb);
  u->queued++;
  return noErr;
}

/* The closer event, at task level: each waiting Close in turn, while the
 * driver stays idle (a Close whose driver is already closed completes with
 * noErr without reaching it). */
static void run_closes(void *arg)
{
  dm_unit *u = arg;
  dm_machine *m = u->m;
  while (u->state != DM_UNIT_GONE && u->closeq.qHead != NULL &&
         !(u->dce.dCtlFlags & drvrActiveMask) && !dm__serial_work_waits(u)) {
    QElemPtr pb = u->closeq.qHead;
    dm__dequeue(&u->closeq, pb);
    uint32_t si = dm__slot_of_pb(m, pb);
    if (si == DM_NO_SLOT)
      continue;
    dm__slot_set_privq(&m->slots[si], NULL);
    u->queued--;
    (void)dm__immediate(m, u, si, dm__slot_id(m, si));
  }
}

static void closer_fn(dm_event *ev)
{
  dm_unit *u = ev->data;
  dm_machine_run_at(u->m, DM_LVL_TASK, run_closes, u);
}

void dm__close_init(dm_unit *u)
{
  /* Interrupt-level work, like the lifecycle event, so that it also runs
   * while a sync Close waits; run_closes itself runs at task level. */
  dm_event_init(&u->closer, closer_fn, u, DM_LVL_SIH);
}

void dm__close_wake(dm_machine *m, dm_unit *u)
{
  if (u->closer.idx != DM_EVENT_IDLE)
    return;
  u->closer.t = dm__now(m);
  m->cfg.platform.arm(m->cfg.platform.ctx, &u->closer);
}
