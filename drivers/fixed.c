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
  void       *pending;   /* the token of the request in service (its interrupt
                            or timer brings it back), or NULL when none is */
  IOCommandID current;   /* the request in service, while pending */
  IOCommandCode code;    /* kReadCommand or kWriteCommand */
  OSErr       result;    /* the transfer's result (Transfer), made before
                            its bytes move */
  long        pos;       /* where the request in service transfers: the mark
                            when it was dispatched (an Immed call may move the
                            mark meanwhile) */
  DCtlPtr     dce;
  ParmBlkPtr  pb;
  void       *next;      /* the token of the next request to start: each
                            request's token is new (InstanceTokenNext) */
  TimerID     timer;     /* the timer of the request in service, while
                            pending, on an instance with no device (stale
                            once it fired: Finish leaves it) */
} Fixed;

static InstanceSlot instances[INSTANCE_MAX];

/* DoDriverIO's out-of-line parts take its own arguments, in its own
 * registers: gcc would otherwise clone them without the unused ones, and
 * DoDriverIO would move every argument down a register first. */
#if defined(__GNUC__) && !defined(__clang__)
#define OUT_OF_LINE __attribute__((noinline, noclone))
#else
#define OUT_OF_LINE __attribute__((noinline))
#endif

/* The instance whose request Finish is completing, while its
 * IOCommandIsComplete runs, NULL otherwise. The Device Manager starts that
 * unit's next queued request from there (this driver is not concurrent),
 * so the next request's instance is at hand (DoDriverIO) rather than looked
 * up from its refNum, a GetDCtlEntry and a search of the table. Finalize
 * clears it when that instance goes. */
static Fixed *completing;

/* Move the data of pb (code: kReadCommand or kWriteCommand) at position
 * pos and leave the mark after it; the result of the transfer goes to
 * f->result. The counts and the result are made before the bytes move, so
 * that nothing but f is kept across the copy. */
static inline void Transfer(Fixed *f, ParmBlkPtr pb, DCtlPtr dce, long pos, IOCommandCode code)
{
  long n = pb->ioParam.ioReqCount;
  if (pos < 0 || pos > STORE_BYTES) {
    f->result = posErr;
    return;
  }
  f->result = noErr;
  if (n > STORE_BYTES - pos) {
    n = STORE_BYTES - pos;
    f->result = eofErr;
  }
  pb->ioParam.ioActCount = n;
  dce->dCtlPosition = pos + n;
  if (code == kWriteCommand)
    BlockCopy(pb->ioParam.ioBuffer, f->store + pos, n);
  else
    BlockCopy(f->store + pos, pb->ioParam.ioBuffer, n);
}

/* An Immed Read or Write: the transfer at the mark, at once. */
static __attribute__((noinline)) OSErr TransferNow(Fixed *f, ParmBlkPtr pb, IOCommandCode code)
{
  Transfer(f, pb, f->dce, f->dce->dCtlPosition, code);
  return f->result;
}

/* Secondary interrupt level: the service ended; move the data and complete.
 * p1 is the request's token; a stale one (the request killed, the instance
 * removed) is ignored. Returns noErr either way: nobody sees a queued
 * handler's result, and IOCommandIsComplete reports its own errors (so
 * that the stale case's return and the completion's share one value). */
static OSStatus Finish(void *p1, void *p2)
{
  (void)p2;
  InstanceSlot *slot = InstanceSlotFromToken(instances, p1);
  if (slot == NULL)
    return noErr;
  Fixed *f = slot->state;
  if (f->pending != p1)
    return noErr;
  ParmBlkPtr pb = f->pb;
  f->pending = NULL; /* the service is over; the data moves now */
  /* Set before the transfer, which does not look at it. Cleared, not put
   * back, afterwards: an outer Finish (this completion's routine waiting in
   * a sync call while another instance's Finish ran) may have seen its
   * instance finalized meanwhile; it only loses the shortcut. Only f is
   * kept across the copy: the request and its result are read back from
   * it (Transfer stores the result before the bytes move), so that Finish
   * saves one register, not two. */
  completing = f;
  Transfer(f, pb, f->dce, f->pos, f->code);
  IOCommandIsComplete(f->current, f->result);
  completing = NULL;
  return noErr;
}

static void DeviceInterrupt(void *refCon, OSStatus status)
{
  (void)status;
  /* Hardware level: IOCommandIsComplete is not allowed here, so defer. */
  QueueSecondaryInterruptHandler(Finish, NULL, refCon, NULL);
}

/* The service of an instance with no device: an interrupt timer. */
static __attribute__((noinline)) OSStatus StartTimer(Fixed *f, void *token)
{
  AbsoluteTime when = AddDurationToAbsolute(SERVICE_MS * durationMillisecond, UpTime());
  return SetInterruptTimer(&when, Finish, token, &f->timer);
}

static inline OSStatus Start(Fixed *f, IOCommandID id, ParmBlkPtr pb, IOCommandCode code)
{
  f->current = id;
  f->pb = pb;
  f->code = code;
  f->pos = f->dce->dCtlPosition;
  void *token = f->next;
  f->next = InstanceTokenNext(token);
  f->pending = token;
  if (!f->hasDevice)
    return StartTimer(f, token);
  return DMSimHardwareStart(&f->device, (ByteCount)pb->ioParam.ioReqCount, DeviceInterrupt,
                            token);
}

static void Stop(Fixed *f)
{
  if (f->pending != NULL && f->timer != NULL)
    CancelTimer(f->timer, NULL);
  f->timer = NULL;
  f->pending = NULL; /* its interrupt, still to come, is stale */
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
  f->next = InstanceToken(instances, f, 1);
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
    IOCommandID inService = f->pending != NULL ? f->current : NULL;
    Stop(f);
    if (inService != NULL)
      IOCommandIsComplete(inService, abortErr);
  }
  InstanceDestroy(instances, info->refNum);
  return noErr;
}

/* A Read or Write whose service could not start: it completes with err.
 * Out of line, with the request found again in f->current (Start put it
 * there), so that ReadWrite keeps only f across the start. */
static __attribute__((noinline)) OSStatus StartFailed(Fixed *f, OSStatus err)
{
  f->pending = NULL;
  return IOCommandIsComplete(f->current, (OSErr)err);
}

/* kReadCommand, kWriteCommand for instance f (NULL: none): an Immed call
 * transfers at once; any other starts the service, and Finish completes
 * it when the service ends. */
static inline OSStatus ReadWrite(Fixed *f, IOCommandID cmdID, ParmBlkPtr pb,
                                 IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  if (f == NULL)
    return (cmdKind & kImmediateIOCommandKind) ? nsDrvErr : IOCommandIsComplete(cmdID, nsDrvErr);
  if (cmdKind & kImmediateIOCommandKind)
    return TransferNow(f, pb, cmdCode);
  OSStatus err = Start(f, cmdID, pb, cmdCode);
  if (err != noErr)
    return StartFailed(f, err);
  return noErr;
}

/* ReadWrite for the instance found from pb's refNum. Out of line, with
 * DoDriverIO's arguments: see DoDriverIO. */
static OUT_OF_LINE OSStatus ReadWriteLookUp(AddressSpaceID spaceID,
                                                         IOCommandID cmdID,
                                                         IOCommandContents contents,
                                                         IOCommandCode cmdCode,
                                                         IOCommandKind cmdKind)
{
  (void)spaceID;
  ParmBlkPtr pb = contents.pb;
  Fixed *f = InstanceFind(instances, pb->ioParam.ioRefNum);
  return ReadWrite(f, cmdID, pb, cmdCode, cmdKind);
}

/* Every command but Read and Write. Out of line, so that DoDriverIO's
 * reads and writes, a workload's every request, save only what they need;
 * with DoDriverIO's own arguments, so that passing them on moves none. */
static OUT_OF_LINE OSStatus OtherCommand(AddressSpaceID spaceID, IOCommandID cmdID,
                                                      IOCommandContents contents,
                                                      IOCommandCode cmdCode,
                                                      IOCommandKind cmdKind)
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
  default: /* Control and Status: nothing to configure */
    if (cmdKind & kImmediateIOCommandKind)
      return noErr;
    return IOCommandIsComplete(cmdID, noErr);
  }
}

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  if (cmdCode != kReadCommand && cmdCode != kWriteCommand)
    return OtherCommand(spaceID, cmdID, contents, cmdCode, cmdKind);
  /* The instance being completed, when pb heads its unit's dCtlQHdr, where
   * the Device Manager keeps a non-concurrent driver's request in service
   * (a request that a completion routine sends to another unit meanwhile
   * heads that unit's queue, or none); otherwise the one found from pb's
   * refNum, out of line, so that this path, a workload's every request,
   * keeps nothing but the instance across a call. */
  ParmBlkPtr pb = contents.pb;
  Fixed *f = completing;
  if (f != NULL && f->dce->dCtlQHdr.qHead == (QElemPtr)pb)
    return ReadWrite(f, cmdID, pb, cmdCode, cmdKind);
  return ReadWriteLookUp(spaceID, cmdID, contents, cmdCode, cmdKind);
}
