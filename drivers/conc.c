/*
 * conc.c - ".Concurrent": a concurrent native driver with standard queuing.
 *
 * Every request reaches DoDriverIO at once and stays on dCtlQHdr, where the
 * Device Manager put it, until the driver completes it by ID; requests finish
 * in whatever order the device finishes them, and the Device Manager takes
 * each off dCtlQHdr by identity. Each Read or Write takes the service time
 * of the driver's simulated device (its channels run in parallel), or 1 ms
 * measured with SetInterruptTimer when it has none.
 *
 * The driver keeps one record per request in service. A timer can be
 * cancelled, so KillIO and Finalize cancel them; a device operation cannot,
 * so its record is only marked killed and freed when the interrupt arrives.
 * After KillIO the Device Manager itself completes every request on
 * dCtlQHdr with abortErr, so the driver must not complete them again; in
 * Finalize the driver completes them itself, as the rules require.
 *
 * With many requests in flight, a request's record is a likely cache miss
 * when its interrupt arrives; the driver asks the platform to call
 * PrefetchRequest ahead of each of its device's interrupts
 * (DMSimHardwarePrefetch), which fetches the record early.
 */
#include <string.h>

#include "Devices.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"
#include "DMSim.h"
#include "instance.h"

#define SERVICE_MS 1

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\012concurrent", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent, "\013.Concurrent", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

enum { kFree = 0, kTimer, kDevice, kKilled };

typedef struct Request {
  IOCommandID id;
  ParmBlkPtr  pb;
  TimerID     timer;
  UInt32      state;
  UInt32      next; /* free list */
} Request;

typedef struct Conc {
  Request   *req;
  UInt32     count, freeHead;
  RegEntryID device;
  Boolean    hasDevice;
} Conc;

static InstanceSlot instances[INSTANCE_MAX];

/* A free request record, growing the table by doubling; NULL when out of
 * memory. */
static Request *NewRequest(Conc *c, UInt32 *index)
{
  if (c->freeHead == c->count) {
    UInt32 n = c->count ? c->count * 2 : 16;
    Request *r = PoolAllocateResident(n * sizeof *r, true);
    if (r == NULL)
      return NULL;
    if (c->req != NULL) {
      BlockCopy(c->req, r, c->count * sizeof *r);
      PoolDeallocate(c->req);
    }
    for (UInt32 i = c->count; i < n; i++)
      r[i].next = i + 1;
    c->req = r;
    c->freeHead = c->count;
    c->count = n;
  }
  *index = c->freeHead;
  Request *r = &c->req[*index];
  c->freeHead = r->next;
  return r;
}

static void FreeRequest(Conc *c, UInt32 i)
{
  c->req[i].state = kFree;
  c->req[i].pb = NULL;
  c->req[i].next = c->freeHead;
  c->freeHead = i;
}

/* Secondary interrupt level: request p2 of instance token p1 is done. */
static OSStatus Finish(void *p1, void *p2)
{
  UInt32 serial;
  Conc *c = InstanceFromToken(instances, p1, &serial);
  UInt32 i = (UInt32)(uintptr_t)p2;
  if (c == NULL || i >= c->count)
    return noErr;
  Request *r = &c->req[i];
  if (r->state != kTimer && r->state != kDevice) {
    if (r->state == kKilled)
      FreeRequest(c, i);
    return noErr;
  }
  IOCommandID id = r->id;
  ParmBlkPtr pb = r->pb;
  if ((pb->ioParam.ioTrap & 0xFF) == aRdCmd)
    memset(pb->ioParam.ioBuffer, 0, (size_t)pb->ioParam.ioReqCount);
  pb->ioParam.ioActCount = pb->ioParam.ioReqCount;
  FreeRequest(c, i);
  return IOCommandIsComplete(id, noErr);
}

/* Timers pass one parameter: the request index rides in the token's serial. */
static OSStatus TimerDone(void *p1, void *p2)
{
  (void)p2;
  UInt32 i;
  Conc *c = InstanceFromToken(instances, p1, &i);
  if (c != NULL && i < c->count)
    c->req[i].timer = NULL;
  return Finish(p1, (void *)(uintptr_t)i);
}

/* Any level, ahead of DeviceInterrupt(refCon): fetch the request's record.
 * Reads only; a stale token fetches nothing or a record now unused. */
static void PrefetchRequest(void *refCon)
{
  UInt32 i;
  Conc *c = InstanceFromToken(instances, refCon, &i);
  if (c != NULL && i < c->count)
    __builtin_prefetch(&c->req[i], 1);
}

static void DeviceInterrupt(void *refCon, OSStatus status)
{
  (void)status;
  UInt32 i;
  (void)InstanceFromToken(instances, refCon, &i); /* i: the request index */
  /* Hardware level: defer the completion, keeping the original token so a
   * stale interrupt stays stale. */
  QueueSecondaryInterruptHandler(Finish, NULL, refCon, (void *)(uintptr_t)i);
}

/* Stop everything in service. KillIO: the Device Manager completes the
 * requests itself (they are on dCtlQHdr), so the driver only forgets them.
 * Finalize: the driver must complete them before it returns. */
static void StopAll(Conc *c, Boolean complete)
{
  for (UInt32 i = 0; i < c->count; i++) {
    Request *r = &c->req[i];
    if (r->state != kTimer && r->state != kDevice)
      continue;
    IOCommandID id = r->id;
    if (r->state == kTimer) {
      CancelTimer(r->timer, NULL);
      FreeRequest(c, i);
    } else {
      r->state = kKilled; /* freed when its interrupt arrives */
    }
    if (complete)
      IOCommandIsComplete(id, abortErr);
  }
}

static OSErr Start(Conc *c, IOCommandID id, ParmBlkPtr pb)
{
  UInt32 i;
  Request *r = NewRequest(c, &i);
  if (r == NULL)
    return IOCommandIsComplete(id, memFullErr);
  r->id = id;
  r->pb = pb;
  void *token = InstanceToken(instances, c, i);
  OSErr err;
  if (c->hasDevice) {
    r->state = kDevice;
    err = DMSimHardwareStart(&c->device, (ByteCount)pb->ioParam.ioReqCount, DeviceInterrupt, token);
  } else {
    r->state = kTimer;
    AbsoluteTime when = AddDurationToAbsolute(SERVICE_MS * durationMillisecond, UpTime());
    err = SetInterruptTimer(&when, TimerDone, token, &r->timer);
  }
  if (err != noErr) {
    FreeRequest(c, i);
    return IOCommandIsComplete(id, err);
  }
  return noErr;
}

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  (void)spaceID;
  short ref = CommandRefNum(contents, cmdCode);
  Conc *c = InstanceFind(instances, ref);
  static const RegEntryID none;

  switch (cmdCode) {
  case kInitializeCommand:
  case kReplaceCommand:
    c = InstanceCreate(instances, ref, sizeof *c);
    if (c == NULL)
      return memFullErr;
    c->device = contents.initialInfo->deviceEntry;
    c->hasDevice = memcmp(&c->device, &none, sizeof none) != 0;
    if (c->hasDevice) /* a hint: whether the platform takes it changes nothing */
      (void)DMSimHardwarePrefetch(&c->device, DeviceInterrupt, PrefetchRequest);
    return noErr;
  case kFinalizeCommand:
  case kSupersededCommand:
    if (c != NULL) {
      StopAll(c, true);
      PoolDeallocate(c->req);
      if (c->hasDevice)
        (void)DMSimHardwarePrefetch(&c->device, DeviceInterrupt, NULL);
    }
    InstanceDestroy(instances, ref);
    return noErr;
  case kKillIOCommand:
    if (c != NULL)
      StopAll(c, false);
    return noErr;
  case kReadCommand:
  case kWriteCommand:
    if (cmdKind & kImmediateIOCommandKind) {
      if (cmdCode == kReadCommand)
        memset(contents.pb->ioParam.ioBuffer, 0, (size_t)contents.pb->ioParam.ioReqCount);
      contents.pb->ioParam.ioActCount = contents.pb->ioParam.ioReqCount;
      return noErr;
    }
    if (c == NULL)
      return IOCommandIsComplete(cmdID, nsDrvErr);
    return Start(c, cmdID, contents.pb);
  default:
    if (cmdKind & kImmediateIOCommandKind)
      return noErr;
    return IOCommandIsComplete(cmdID, noErr);
  }
}
