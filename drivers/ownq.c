/*
 * ownq.c - ".OwnQueue": a concurrent native driver with kDriverQueuesIOPB,
 * which keeps its own queue of parameter blocks.
 *
 * The Device Manager hands over every request at once and puts none on
 * dCtlQHdr. The driver Enqueues each PB on its private queue and serves up
 * to CHANNELS of them at a time, each for the device's service time (or
 * 1 ms with no device). When one finishes it Dequeues the PB from its own
 * queue first, then calls IOCommandIsComplete with the ID the Device
 * Manager left in ioCmdAddr: completing a PB still on a private queue breaks
 * a rule. KillIO and Finalize complete everything the driver holds with
 * abortErr, because the Device Manager cannot see this queue.
 */
#include <string.h>

#include "Devices.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"
#include "DMSim.h"
#include "instance.h"

#define CHANNELS 4
#define SERVICE_MS 1

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\011own-queue", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent | kDriverQueuesIOPB, "\011.OwnQueue", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

typedef struct Channel {
  ParmBlkPtr pb; /* in service, or NULL */
  TimerID    timer;
  UInt32     serial;
} Channel;

typedef struct OwnQueue {
  QHdr       waiting;  /* accepted, not yet in service */
  QHdr       inService;
  Channel    channel[CHANNELS];
  RegEntryID device;
  Boolean    hasDevice;
  UInt32     serial;
} OwnQueue;

static InstanceSlot instances[INSTANCE_MAX];

static void Pump(OwnQueue *q);

static OSErr Complete(OwnQueue *q, ParmBlkPtr pb, OSErr result)
{
  Dequeue((QElemPtr)pb, &q->inService);
  Dequeue((QElemPtr)pb, &q->waiting);
  return IOCommandIsComplete((IOCommandID)pb->ioParam.ioCmdAddr, result);
}

/* Secondary interrupt level: a channel finished. p1 is the instance token;
 * its serial names the channel (serial % CHANNELS) and the service round, so
 * a stale interrupt or timer (killed, removed) is ignored. */
static OSStatus Finish(void *p1, void *p2)
{
  (void)p2;
  UInt32 serial;
  OwnQueue *q = InstanceFromToken(instances, p1, &serial);
  if (q == NULL)
    return noErr;
  Channel *c = &q->channel[serial % CHANNELS];
  if (c->pb == NULL || serial != (c->serial & 0xFFFFFFu))
    return noErr;
  ParmBlkPtr pb = c->pb;
  c->pb = NULL;
  c->timer = NULL;
  if ((pb->ioParam.ioTrap & 0xFF) == aRdCmd)
    memset(pb->ioParam.ioBuffer, 0, (size_t)pb->ioParam.ioReqCount);
  if ((pb->ioParam.ioTrap & 0xFF) == aRdCmd || (pb->ioParam.ioTrap & 0xFF) == aWrCmd)
    pb->ioParam.ioActCount = pb->ioParam.ioReqCount;
  OSErr err = Complete(q, pb, noErr);
  Pump(q);
  return err;
}

static void DeviceInterrupt(void *refCon, OSStatus status)
{
  (void)status;
  /* Hardware level: IOCommandIsComplete is not allowed here, so defer. */
  QueueSecondaryInterruptHandler(Finish, NULL, refCon, NULL);
}

static void Pump(OwnQueue *q)
{
  for (UInt32 k = 0; k < CHANNELS && q->waiting.qHead != NULL; k++) {
    Channel *c = &q->channel[k];
    if (c->pb != NULL)
      continue;
    ParmBlkPtr pb = (ParmBlkPtr)q->waiting.qHead;
    Dequeue((QElemPtr)pb, &q->waiting);
    Enqueue((QElemPtr)pb, &q->inService);
    c->pb = pb;
    c->serial = ++q->serial * CHANNELS + k;
    void *token = InstanceToken(instances, q, c->serial);
    OSErr err;
    if (q->hasDevice) {
      err = DMSimHardwareStart(&q->device, (ByteCount)pb->ioParam.ioReqCount, DeviceInterrupt,
                               token);
    } else {
      AbsoluteTime when = AddDurationToAbsolute(SERVICE_MS * durationMillisecond, UpTime());
      err = SetInterruptTimer(&when, Finish, token, &c->timer);
    }
    if (err != noErr) {
      c->pb = NULL;
      Complete(q, pb, err);
    }
  }
}

/* Complete everything the driver holds with abortErr. */
static void AbortAll(OwnQueue *q)
{
  for (int k = 0; k < CHANNELS; k++) {
    Channel *c = &q->channel[k];
    if (c->pb == NULL)
      continue;
    if (c->timer != NULL)
      CancelTimer(c->timer, NULL);
    ParmBlkPtr pb = c->pb;
    c->pb = NULL;
    c->timer = NULL;
    Complete(q, pb, abortErr);
  }
  while (q->waiting.qHead != NULL)
    Complete(q, (ParmBlkPtr)q->waiting.qHead, abortErr);
}

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  (void)spaceID;
  short ref = CommandRefNum(contents, cmdCode);
  OwnQueue *q = InstanceFind(instances, ref);
  static const RegEntryID none;

  switch (cmdCode) {
  case kInitializeCommand:
  case kReplaceCommand:
    q = InstanceCreate(instances, ref, sizeof *q);
    if (q == NULL)
      return memFullErr;
    q->device = contents.initialInfo->deviceEntry;
    q->hasDevice = memcmp(&q->device, &none, sizeof none) != 0;
    return noErr;
  case kFinalizeCommand:
  case kSupersededCommand:
    if (q != NULL)
      AbortAll(q);
    InstanceDestroy(instances, ref);
    return noErr;
  case kOpenCommand:
  case kCloseCommand:
    return noErr;
  case kKillIOCommand:
    if (q != NULL)
      AbortAll(q);
    return noErr;
  default:
    if (cmdKind & kImmediateIOCommandKind)
      return noErr;
    if (q == NULL)
      return IOCommandIsComplete(cmdID, nsDrvErr);
    Enqueue((QElemPtr)contents.pb, &q->waiting);
    Pump(q);
    return noErr;
  }
}
