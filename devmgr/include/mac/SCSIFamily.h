/*
 * SCSIFamily.h - how a native driver (a SCSI disk driver, CAM's peripheral
 * driver) sends SCSI tasks through the parallel-task controller family and
 * is told each one completed, with its status and autosense data.
 *
 * Apple never joined these two worlds (Mac OS 9 native drivers used the
 * SCSI Manager; SCSIControllerDriverKit serves macOS), so the calls are
 * dmsim's, prefixed SCSIFamily; the status, service-response and sense
 * values are SCSIControllerDriverKit's.
 *
 * The caller owns every SCSIFamilyTask, as it owns parameter blocks: the
 * family keeps no copy and allocates nothing per task. A task is the
 * family's from SCSIFamilySubmit until its completion routine is called
 * (at secondary interrupt level), and the caller's again from then on.
 */
#ifndef __SCSIFAMILY__
#define __SCSIFAMILY__

#include "MacTypes.h"
#include "NameRegistry.h"
#include "Devices.h"
#include "SCSIControllerDriverKit.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct OpaqueSCSIDeviceRef *SCSIDeviceRef;

/* What the family tells a driver about its logical unit. */
typedef struct SCSIDeviceInfo {
  UInt64  targetID;
  UInt64  lun;
  UInt32  openings;        /* tasks this unit may have outstanding at once (>= 1) */
  UInt64  maxTransferSize; /* bytes one task may move (the controller's DMA limit) */
  Boolean autoSense;       /* the controller returns sense data with CHECK CONDITION */
  Boolean bundled;         /* the controller took the bundled path */
} SCSIDeviceInfo;

typedef struct SCSIFamilyTask SCSIFamilyTask;
/* Called at secondary interrupt level once the task completed. */
typedef void (*SCSIFamilyCompletionProc)(SCSIFamilyTask *task);

struct SCSIFamilyTask {
  /* Set by the caller before SCSIFamilySubmit. */
  UInt8                    cdb[16];       /* bytes beyond cdbLength zero */
  UInt8                    cdbLength;     /* 6, 10, 12 or 16 */
  UInt8                    direction;     /* kSCSIDataTransfer_* */
  UInt32                   timeoutMs;     /* 0: none */
  void                    *buffer;        /* transferCount bytes, or NULL */
  UInt32                   transferCount;
  SCSIFamilyCompletionProc completion;    /* required for SCSIFamilySubmit */
  void                    *refCon;        /* the caller's */
  IOCommandID              ioCommand;     /* the Device Manager request it serves, or
                                             NULL: named in violation histories */
  /* Set by the family before the completion routine runs. */
  UInt32                   serviceResponse; /* kSCSIServiceResponse_* */
  UInt32                   taskStatus;      /* kSCSITaskStatus_* */
  UInt32                   bytesTransferred;
  UInt8                    senseLength;     /* valid bytes in sense */
  UInt8                    sense[255];
  /* The family's own, while the task is the family's. */
  UInt32                   familySlot;
  UInt64                   familyTag;
};

/* SCSIFamilySubmit's answer when every opening of the unit is in use:
 * not an error; the caller holds the request until one of its tasks
 * completes. */
enum { kSCSIFamilyNoOpening = 1 };

/* The unit named by deviceEntry (the RegEntryID a SCSI disk driver gets in
 * DriverInitInfo), for the driver whose refNum is given (traces and
 * violation reports name it). noErr with *device and *info set, or
 * nsDrvErr when deviceEntry names no SCSI unit. */
OSStatus SCSIFamilyOpenDevice(const RegEntryID *deviceEntry, DriverRefNum refNum,
                              SCSIDeviceRef *device, SCSIDeviceInfo *info);
/* Forget the unit; its tasks must have completed. */
void SCSIFamilyCloseDevice(SCSIDeviceRef device);

/* Send task to the unit. noErr: the completion routine will run exactly
 * once, later, never inside this call. kSCSIFamilyNoOpening: every opening
 * is in use, nothing was done. paramErr: a bad CDB length, direction or
 * missing completion routine. offLinErr: the controller is stopped. */
OSStatus SCSIFamilySubmit(SCSIDeviceRef device, SCSIFamilyTask *task);

/* Send task and wait for it, letting interrupts run (task level only, as a
 * sync call). noErr once it completed (look at its status), paramErr as
 * above or when called at interrupt level, kSCSIFamilyNoOpening, or ioErr
 * when nothing is left that could ever complete it. The completion routine
 * may be NULL. */
OSStatus SCSIFamilyExecute(SCSIDeviceRef device, SCSIFamilyTask *task);

/* Ask for one outstanding task to be aborted (SAM ABORT TASK). A task not
 * yet handed to the controller completes at once with
 * SERVICE_DELIVERY_OR_TARGET_FAILURE / DeliveryFailure; one the controller
 * holds completes when the controller returns it. noErr when asked,
 * paramErr when task is not outstanding, controlErr when the controller
 * rejected the request. */
OSStatus SCSIFamilyAbortTask(SCSIDeviceRef device, SCSIFamilyTask *task);
/* The same for every outstanding task of the unit (ABORT TASK SET). */
OSStatus SCSIFamilyAbortTaskSet(SCSIDeviceRef device);
/* LOGICAL UNIT RESET and TARGET RESET through the controller: noErr
 * (FUNCTION_COMPLETE) or controlErr. */
OSStatus SCSIFamilyLogicalUnitReset(SCSIDeviceRef device);
OSStatus SCSIFamilyTargetReset(SCSIDeviceRef device);

/* Tasks of the unit submitted and not yet completed. */
UInt32 SCSIFamilyOutstanding(SCSIDeviceRef device);
/* Wait (task level, as SCSIFamilyExecute) until the unit has no task
 * outstanding: noErr, or ioErr when nothing could complete them. */
OSStatus SCSIFamilyWaitIdle(SCSIDeviceRef device);

#ifdef __cplusplus
}
#endif
#endif /* __SCSIFAMILY__ */
