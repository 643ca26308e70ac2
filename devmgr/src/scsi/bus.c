/*
 * bus.c - DMSim.h's SCSI bus calls: an HBA controller's way to its
 * simulated bus, through the platform's scsi_* functions (sim implements
 * them; devmgr only passes the request on, on the current machine).
 */
#include <string.h>

#include "scsi-int.h"
#include "DMSim.h"

static const dm_platform *bus_platform(const RegEntryID *bus)
{
  dm_machine *m = dm__current;
  if (m == NULL || bus == NULL || dm__no_device(bus))
    return NULL;
  return &m->cfg.platform;
}

OSStatus DMSimSCSIStart(const RegEntryID *bus, DMSimSCSIRequest *req,
                        DMSimInterruptHandler handler, void *refCon)
{
  const dm_platform *p = bus_platform(bus);
  if (p == NULL || p->scsi_start == NULL || req == NULL || handler == NULL)
    return paramErr;
  return p->scsi_start(p->ctx, bus, req, (dm_hw_done_fn)handler, refCon);
}

OSStatus DMSimSCSIAbort(const RegEntryID *bus, DMSimSCSIRequest *req)
{
  const dm_platform *p = bus_platform(bus);
  if (p == NULL || p->scsi_abort == NULL || req == NULL)
    return paramErr;
  return p->scsi_abort(p->ctx, bus, req);
}

OSStatus DMSimSCSIReset(const RegEntryID *bus, UInt8 targetID, SInt32 lun)
{
  const dm_platform *p = bus_platform(bus);
  if (p == NULL || p->scsi_reset == NULL)
    return paramErr;
  int n = p->scsi_reset(p->ctx, bus, targetID, lun < 0 ? -1 : (int)lun);
  return n < 0 ? paramErr : noErr;
}
