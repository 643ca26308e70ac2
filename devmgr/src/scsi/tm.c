/*
 * tm.c - task management through the SCSI controller family: ABORT TASK,
 * ABORT TASK SET, LOGICAL UNIT RESET and TARGET RESET, as a disk driver asks
 * for them (KillIO, Finalize, recovery).
 *
 * A task the controller has not seen yet (queued, or in the call on its way
 * down) is finished by the family itself with a delivery failure; one the
 * controller owns is the controller's to return, after its
 * UserAbortTaskRequest (or UserAbortTaskSetRequest) answered.
 */
#include "scsi-int.h"

/* Takes slot k back before the controller saw it, if it has not; true when
 * it did. */
static bool pull_back(dm_scsi_ctrl *c, uint32_t k)
{
  scsi_slot *s = &c->slots[k];
  if (s->state == SLOT_QUEUED) {
    scsi_fifo_unlink(c, &c->down, k);
  } else if (s->state == SLOT_CROSSING_DOWN) {
    uint16_t j = 0;
    for (uint16_t i = 0; i < c->ntransit; i++)
      if (c->transit[i] != k)
        c->transit[j++] = c->transit[i];
    c->ntransit = j;
  } else {
    return false;
  }
  scsi_local_fail(c, k, kSCSIServiceResponse_SERVICE_DELIVERY_OR_TARGET_FAILURE,
                  kSCSITaskStatus_DeliveryFailure);
  return true;
}

static OSStatus answer(kern_return_t kr, uint32_t response)
{
  return kr == kIOReturnSuccess && response == kSCSIServiceResponse_FUNCTION_COMPLETE
             ? noErr
             : controlErr;
}

OSStatus SCSIFamilyAbortTask(SCSIDeviceRef device, SCSIFamilyTask *task)
{
  scsi_dev *d = (scsi_dev *)device;
  if (d == NULL || task == NULL)
    return paramErr;
  dm_scsi_ctrl *c = d->c;
  uint32_t k = task->familySlot;
  if (k >= c->max || c->slots[k].task != task || c->slots[k].state == SLOT_FREE)
    return paramErr;
  if (pull_back(c, k))
    return noErr;
  if (c->slots[k].state != SLOT_DEXT)
    return noErr; /* on its way back already */
  uint32_t response = kSCSIServiceResponse_FUNCTION_REJECTED;
  c->st.calls_down++;
  kern_return_t kr = c->mt->UserAbortTaskRequest(c, d->target, d->lun, c->slots[k].tag, &response);
  return answer(kr, response);
}

OSStatus SCSIFamilyAbortTaskSet(SCSIDeviceRef device)
{
  scsi_dev *d = (scsi_dev *)device;
  if (d == NULL)
    return paramErr;
  dm_scsi_ctrl *c = d->c;
  bool held = false;
  for (uint32_t k = 0; k < c->max; k++) {
    if (c->slots[k].dev != d || c->slots[k].state == SLOT_FREE)
      continue;
    if (!pull_back(c, k))
      held |= c->slots[k].state == SLOT_DEXT;
  }
  if (!held)
    return noErr;
  uint32_t response = kSCSIServiceResponse_FUNCTION_REJECTED;
  c->st.calls_down++;
  kern_return_t kr = c->mt->UserAbortTaskSetRequest(c, d->target, d->lun, &response);
  return answer(kr, response);
}

OSStatus SCSIFamilyLogicalUnitReset(SCSIDeviceRef device)
{
  scsi_dev *d = (scsi_dev *)device;
  if (d == NULL)
    return paramErr;
  uint32_t response = kSCSIServiceResponse_FUNCTION_REJECTED;
  d->c->st.calls_down++;
  kern_return_t kr = d->c->mt->UserLogicalUnitResetRequest(d->c, d->target, d->lun, &response);
  return answer(kr, response);
}

OSStatus SCSIFamilyTargetReset(SCSIDeviceRef device)
{
  scsi_dev *d = (scsi_dev *)device;
  if (d == NULL)
    return paramErr;
  uint32_t response = kSCSIServiceResponse_FUNCTION_REJECTED;
  d->c->st.calls_down++;
  kern_return_t kr = d->c->mt->UserTargetResetRequest(d->c, d->target, &response);
  return answer(kr, response);
}
