/*
 * fixed.c - ".Fixed": a non-concurrent native driver with a fixed service
 * time and 64 KiB of storage, like a slow serial or block device.
 *
 * The Device Manager hands it one request at a time (drvrActive set while it
 * runs). Each Read or Write takes the service time of the simulated device
 * the driver was installed for (DMSimHardwareStart, interrupt at hardware
 * level, then a secondary interrupt handler completes the request) or, with
 * no device, 1 ms measured with SetInterruptTimer. Data moves when the
 * service ends, at the position the Device Manager set in dCtlPosition.
 * Immed calls transfer at once. KillIO stops the request in service; the
 * Device Manager then aborts everything queued.
 */
#include <string.h>

#include "Devices.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"
#include "DMSim.h"
#include "instance.h"

#define STORE_BYTES 65536
#define SERVICE_MS 1

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\015fixed-service", { 1, 0, finalStage, 0 } },
  { 0, "\006.Fixed", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsSerial, { 1, 0, finalStage, 0 } } } },
};

typedef struct Fixed {
  UInt8       store[STORE_BYTES];
  RegEntryID  device;
  Boolean     hasDevice;
  IOCommandID current;   /* the request in service, or NULL */
  ParmBlkPtr  pb;
  IOCommandCode code;    /* kReadCommand or kWriteCommand */
  long        pos;       /* where the request in service transfers: the mark
                            when it was dispatched (an Immed call may move the
                            mark meanwhile) */
  DCtlPtr     dce;
  UInt32      serial;    /* tells a stale interrupt from the current one */
  void       *token;     /* InstanceToken for serial 0 (InstanceTokenFrom) */
  TimerID     timer;
} Fixed;

static InstanceSlot instances[INSTANCE_MAX];

/* The instance whose request Finish is completing, while its
 * IOCommandIsComplete runs, NULL otherwise. The Device Manager starts that
 * unit's next queued request from there (this driver is not concurrent),
 * so the next request's instance is at hand (InstanceOf) rather than looked
 * up from its refNum, a GetDCtlEntry and a search of the table. Finalize
 * clears it when that instance goes. */
static Fixed *completing;

/* The instance a read or write in pb is for (NULL: none): the instance
 * being completed when pb heads its unit's dCtlQHdr, where the Device
 * Manager keeps a non-concurrent driver's request in service (a request
 * that a completion routine sends to another unit meanwhile heads that
 * unit's queue, or none), otherwise the one found from pb's refNum. */
static inline Fixed *InstanceOf(ParmBlkPtr pb)
{
  Fixed *f = completing;
  if (f != NULL && f->dce->dCtlQHdr.qHead == (QElemPtr)pb)
    return f;
  return InstanceFind(instances, pb->ioParam.ioRefNum);
}

/* Move the data of pb at position pos and leave the mark after it; the
 * result of the transfer. The counts are written before the bytes move, so
 * that little is left to keep across the copy. */
static inline OSErr Transfer(Fixed *f, ParmBlkPtr pb, DCtlPtr dce, long pos, IOCommandCode code)
{
  long want = pb->ioParam.ioReqCount, n = want;
  if (pos < 0 || pos > STORE_BYTES)
    return posErr;
  if (n > STORE_BYTES - pos)
    n = STORE_BYTES - pos;
  pb->ioParam.ioActCount = n;
  dce->dCtlPosition = pos + n;
  if (code == kReadCommand)
    BlockCopy(f->store + pos, pb->ioParam.ioBuffer, n);
  else
    BlockCopy(pb->ioParam.ioBuffer, f->store + pos, n);
  return n < want ? eofErr : noErr;
}

/* Secondary interrupt level: the service ended; move the data and complete.
 * p1 is the instance token; a stale token (killed, removed) is ignored. */
static OSStatus Finish(void *p1, void *p2)
{
  (void)p2;
  UInt32 serial;
  Fixed *f = InstanceFromToken(instances, p1, &serial);
  if (f == NULL || f->current == NULL || serial != (f->serial & 0xFFFFFFu))
    return noErr;
  IOCommandID id = f->current;
  ParmBlkPtr pb = f->pb;
  f->current = NULL; /* the service is over; the data moves now */
  f->pb = NULL;
  f->timer = NULL;
  OSErr err = Transfer(f, pb, f->dce, f->pos, f->code);
  /* Cleared, not put back, afterwards: an outer Finish (this completion's
   * routine waiting in a sync call while another instance's Finish ran)
   * may have seen its instance finalized meanwhile; it only loses the
   * shortcut. */
  completing = f;
  OSStatus status = IOCommandIsComplete(id, err);
  completing = NULL;
  return status;
}

static void DeviceInterrupt(void *refCon, OSStatus status)
{
  (void)status;
  /* Hardware level: IOCommandIsComplete is not allowed here, so defer. */
  QueueSecondaryInterruptHandler(Finish, NULL, refCon, NULL);
}

static OSErr Start(Fixed *f, IOCommandID id, ParmBlkPtr pb, IOCommandCode code)
{
  f->current = id;
  f->pb = pb;
  f->code = code;
  f->pos = f->dce->dCtlPosition;
  f->serial++;
  void *token = InstanceTokenFrom(f->token, f->serial);
  if (f->hasDevice)
    return DMSimHardwareStart(&f->device, (ByteCount)pb->ioParam.ioReqCount, DeviceInterrupt,
                              token);
  AbsoluteTime when = AddDurationToAbsolute(SERVICE_MS * durationMillisecond, UpTime());
  return SetInterruptTimer(&when, Finish, token, &f->timer);
}

static void Stop(Fixed *f)
{
  if (f->timer != NULL)
    CancelTimer(f->timer, NULL);
  f->timer = NULL;
  f->current = NULL;
  f->pb = NULL;
  f->serial++;
}

/* kInitializeCommand, kReplaceCommand: a new instance for the unit. */
static OSStatus Initialize(DriverInitInfoPtr info)
{
  static const RegEntryID none;
  Fixed *f = InstanceCreate(instances, info->refNum, sizeof *f);
  if (f == NULL)
    return memFullErr;
  f->device = info->deviceEntry;
  f->hasDevice = memcmp(&f->device, &none, sizeof none) != 0;
  f->dce = *GetDCtlEntry(info->refNum);
  f->token = InstanceToken(instances, f, 0);
  return noErr;
}

/* kFinalizeCommand, kSupersededCommand: the unit's instance goes. Finalize
 * must leave nothing outstanding: a request still in service (an
 * immediate removal) completes with abortErr. */
static OSStatus Finalize(DriverFinalInfoPtr info)
{
  Fixed *f = InstanceFind(instances, info->refNum);
  if (f != NULL) {
    if (f == completing)
      completing = NULL;
    IOCommandID inService = f->current;
    Stop(f);
    if (inService != NULL)
      IOCommandIsComplete(inService, abortErr);
  }
  InstanceDestroy(instances, info->refNum);
  return noErr;
}

/* kReadCommand, kWriteCommand: an Immed call transfers at once; any other
 * starts the service, and Finish completes it when the service ends. */
static OSStatus ReadWrite(IOCommandID cmdID, ParmBlkPtr pb, IOCommandCode cmdCode,
                          IOCommandKind cmdKind)
{
  Fixed *f = InstanceOf(pb);
  if (f == NULL)
    return (cmdKind & kImmediateIOCommandKind) ? nsDrvErr : IOCommandIsComplete(cmdID, nsDrvErr);
  if (cmdKind & kImmediateIOCommandKind)
    return Transfer(f, pb, f->dce, f->dce->dCtlPosition, cmdCode);
  OSErr err = Start(f, cmdID, pb, cmdCode);
  if (err != noErr) {
    f->current = NULL;
    return IOCommandIsComplete(cmdID, err);
  }
  return noErr;
}

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  (void)spaceID;
  switch (cmdCode) {
  case kInitializeCommand:
  case kReplaceCommand: return Initialize(contents.initialInfo);
  case kFinalizeCommand:
  case kSupersededCommand: return Finalize(contents.finalInfo);
  case kOpenCommand:
  case kCloseCommand: return noErr;
  case kKillIOCommand: {
    Fixed *f = InstanceFind(instances, contents.pb->ioParam.ioRefNum);
    if (f != NULL)
      Stop(f);
    return noErr;
  }
  case kReadCommand:
  case kWriteCommand: return ReadWrite(cmdID, contents.pb, cmdCode, cmdKind);
  default: /* Control and Status: nothing to configure */
    if (cmdKind & kImmediateIOCommandKind)
      return noErr;
    return IOCommandIsComplete(cmdID, noErr);
  }
}
