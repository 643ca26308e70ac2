/*
 * DMSim.h - the dmsim calls a driver makes that Apple never had: start the
 * simulated device it was installed for, and be interrupted when the device
 * finishes; and, for an HBA controller, send a command on its simulated
 * SCSI bus. Everything else a driver uses has Apple's name.
 *
 * On a real Mac this is where a driver would write device registers and
 * install an interrupt handler through the Interrupt Manager.
 */
#ifndef __DMSIM__
#define __DMSIM__

#include "MacTypes.h"
#include "NameRegistry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs at hardware interrupt level when the operation finishes; status is
 * noErr or the device's error. */
typedef void (*DMSimInterruptHandler)(void *refCon, OSStatus status);

/* Start an operation of byteCount bytes on the device named by deviceEntry
 * (the one in DriverInitInfo). Returns noErr when started; paramErr when the
 * driver was installed without a device; memFullErr when it cannot queue. */
extern OSStatus DMSimHardwareStart(const RegEntryID *deviceEntry, ByteCount byteCount,
                                   DMSimInterruptHandler handler, void *refCon);

/* Called with an operation's refCon a few operations before it finishes,
 * when the platform knows (with many operations in flight), so that the
 * driver can prefetch what its handler will touch: it may read its own
 * state and must change nothing. It may be called for an operation that
 * has since ended, or not at all. */
typedef void (*DMSimPrefetchHandler)(void *refCon);

/* Have prefetch called ahead of the operations on the device named by
 * deviceEntry whose handler is `handler` (one pair per device: a later call
 * replaces it; prefetch NULL stops it). A hint that changes no outcome.
 * Returns noErr; paramErr without a device; unimpErr when the platform
 * never calls ahead. */
extern OSStatus DMSimHardwarePrefetch(const RegEntryID *deviceEntry, DMSimInterruptHandler handler,
                                      DMSimPrefetchHandler prefetch);

/* ---- a simulated SCSI bus (for HBA controllers) ------------------------- */

/* How far a command got. */
enum {
  kDMSimSCSIDelivered        = 0, /* status, sense and bytesTransferred are valid */
  kDMSimSCSISelectionTimeout = 1, /* no target answers at that ID */
  kDMSimSCSITransportFailure = 2,
  kDMSimSCSIAborted          = 3, /* ended by DMSimSCSIAbort; moved no data */
  kDMSimSCSIReset            = 4  /* ended by DMSimSCSIReset; moved no data */
};

/* One command, owned by the controller (like a hardware command block):
 * from DMSimSCSIStart until its handler runs it is the bus's. */
typedef struct DMSimSCSIRequest {
  /* Set by the controller. */
  UInt8  cdb[16];
  UInt8  cdbLength;
  UInt8  direction;     /* kSCSIDataTransfer_* numbering: 0 none, 1 to the target, 2 from it */
  UInt8  targetID;
  UInt16 lun;
  void  *buffer;        /* transferCount bytes, or NULL */
  UInt32 transferCount;
  UInt8 *senseBuffer;   /* where autosense data goes (NULL: dropped) */
  UInt32 senseCapacity;
  /* Set by the bus before the handler runs. */
  UInt8  delivery;      /* kDMSimSCSI* */
  UInt8  status;        /* SAM status byte */
  UInt8  senseLength;   /* bytes written to senseBuffer */
  UInt32 bytesTransferred;
  /* The platform's, while the command is on the bus. */
  void  *platformPrivate;
} DMSimSCSIRequest;

/* Send req on the bus named by bus (IOUserSCSIParallelInterfaceController_GetProvider).
 * noErr: handler(refCon, noErr) runs at hardware interrupt level once the
 * results are in req, never inside this call. paramErr for a bad request or
 * no bus; memFullErr when it cannot queue. */
extern OSStatus DMSimSCSIStart(const RegEntryID *bus, DMSimSCSIRequest *req,
                               DMSimInterruptHandler handler, void *refCon);
/* End req if it is on the bus (ABORT TASK): its handler runs, with delivery
 * kDMSimSCSIAborted, before this returns. noErr, or paramErr when req is not
 * on the bus (it completed already). */
extern OSStatus DMSimSCSIAbort(const RegEntryID *bus, DMSimSCSIRequest *req);
/* LOGICAL UNIT RESET (lun >= 0) or TARGET RESET (lun < 0): every command
 * there ends with kDMSimSCSIReset, handlers running before this returns;
 * the unit reports UNIT ATTENTION next. noErr, or paramErr (no such unit). */
extern OSStatus DMSimSCSIReset(const RegEntryID *bus, UInt8 targetID, SInt32 lun);

#ifdef __cplusplus
}
#endif
#endif /* __DMSIM__ */
