/*
 * scsisense.h - what a SCSI disk driver makes of a finished task: success,
 * a retry (where SCSI says trying again can help), or a Mac error. Shared by
 * the drivers that talk to the SCSI family; written against Apple's
 * headers only.
 *
 * The mapping:
 *   GOOD, CONDITION MET, CHECK CONDITION with NO SENSE or RECOVERED ERROR
 *                                                 success
 *   UNIT ATTENTION, ABORTED COMMAND, NOT READY "becoming ready" (04/01),
 *   BUSY, TASK SET FULL, a task timeout, a task ended by a reset
 *                                                 retry
 *   NOT READY otherwise (no medium, ...), no target at that ID
 *                                                 offLinErr
 *   DATA PROTECT                                  wPrErr
 *   ILLEGAL REQUEST                               paramErr
 *   MEDIUM ERROR, HARDWARE ERROR, anything else   ioErr
 */
#ifndef DRIVERS_SCSISENSE_H
#define DRIVERS_SCSISENSE_H

#include "MacErrors.h"
#include "SCSIFamily.h"

/* Sense key, ASC and ASCQ of fixed (0x70/0x71) or descriptor (0x72/0x73)
 * sense; key 0 when there is none. */
static inline void SenseDecode(const SCSIFamilyTask *t, UInt8 *key, UInt8 *asc, UInt8 *ascq)
{
  UInt8 code = t->senseLength > 0 ? (t->sense[0] & 0x7F) : 0;
  *key = *asc = *ascq = 0;
  if ((code == 0x70 || code == 0x71) && t->senseLength >= 14) {
    *key = t->sense[2] & 0x0F;
    *asc = t->sense[12];
    *ascq = t->sense[13];
  } else if ((code == 0x72 || code == 0x73) && t->senseLength >= 4) {
    *key = t->sense[1] & 0x0F;
    *asc = t->sense[2];
    *ascq = t->sense[3];
  } else if ((code == 0x70 || code == 0x71) && t->senseLength >= 3) {
    *key = t->sense[2] & 0x0F;
  }
}

enum { kSenseRetry = 1 }; /* SenseResult: try the task again */

/* noErr, kSenseRetry, or the Mac error for t's outcome. */
static inline OSErr SenseResult(const SCSIFamilyTask *t)
{
  if (t->serviceResponse != kSCSIServiceResponse_TASK_COMPLETE) {
    switch (t->taskStatus) {
    case kSCSITaskStatus_DeviceNotPresent:
    case kSCSITaskStatus_DeviceNotResponding: return offLinErr;
    case kSCSITaskStatus_TaskTimeoutOccurred:
    case kSCSITaskStatus_DeliveryFailure: return kSenseRetry;
    default: return ioErr;
    }
  }
  switch (t->taskStatus) {
  case kSCSITaskStatus_GOOD:
  case kSCSITaskStatus_CONDITION_MET: return noErr;
  case kSCSITaskStatus_BUSY:
  case kSCSITaskStatus_TASK_SET_FULL: return kSenseRetry;
  case kSCSITaskStatus_CHECK_CONDITION: break;
  default: return ioErr;
  }
  UInt8 key, asc, ascq;
  SenseDecode(t, &key, &asc, &ascq);
  switch (key) {
  case kSENSE_KEY_NO_SENSE:
  case kSENSE_KEY_RECOVERED_ERROR: return t->senseLength > 0 ? noErr : ioErr;
  case kSENSE_KEY_UNIT_ATTENTION:
  case kSENSE_KEY_ABORTED_COMMAND: return kSenseRetry;
  case kSENSE_KEY_NOT_READY: return asc == 0x04 && ascq == 0x01 ? kSenseRetry : offLinErr;
  case kSENSE_KEY_DATA_PROTECT: return wPrErr;
  case kSENSE_KEY_ILLEGAL_REQUEST: return paramErr;
  default: return ioErr;
  }
}

#endif /* DRIVERS_SCSISENSE_H */
