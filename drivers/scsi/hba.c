/*
 * hba.c - "DMSimHBA": an HBA controller, the dext side of the SCSI stack,
 * written against SCSIControllerDriverKit.h like any user controller. It
 * implements both paths (its "path" property chooses: "task", the
 * default, or "bundled"), keeps a task table with one entry per task
 * object, sends each task's command to the simulated bus (DMSim.h), returns
 * autosense data with every CHECK CONDITION, enforces each task's timeout
 * (with one watchdog timer),
 * and answers the task-management requests.
 *
 * Properties: path (task | bundled), tasks (maximum task count, default
 * 64), max-transfer (bytes per task, default 65536), and bug: a deliberate
 * mistake for teaching and for the family's rule checks, made once, on the
 * first task: zero-tasks (reports a maximum task count of 0),
 * double-complete (completes the task twice), wrong-version (first sends
 * the response with version 0, then a right one), not-owned (also returns
 * a slot it was never given), too-large (first returns 33 slots),
 * unknown-id (first completes an id it never got).
 *
 * On the bundled path completions are gathered while the bus interrupts
 * at one simulated instant and returned in one call (up to 32 slots), as
 * an interrupt-coalescing controller would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "SCSIControllerDriverKit.h"
#include "DriverServices.h"
#include "DMSim.h"

#define HBA_ID_BASE 0x4000u

enum { kBugNone = 0, kBugZeroTasks, kBugDouble, kBugVersion, kBugNotOwned, kBugTooLarge,
       kBugUnknownId };

typedef struct HBATask {
  DMSimSCSIRequest     req;     /* the command on the bus */
  SCSIUserParallelTask task;    /* per-task path: the copy the call brought */
  IOUserSCSIParallelInterfaceController *self;
  uint64_t             tag, target, lun;
  uint32_t             index;   /* slot (bundled) or table index (per task) */
  uint64_t             deadline; /* ns of UpTime, 0: none */
  uint8_t              busy, timedOut;
  uint8_t              sense[kMaxSenseBufferSize - 1]; /* per-task path autosense */
} HBATask;

typedef struct HBA {
  uint32_t                  max, nextId;
  bool                      bundled;
  int                       bug, bugDone;
  uint64_t                  maxTransfer;
  SCSIUserParallelTask     *cmd;  /* bundled buffers, as mapped */
  SCSIUserParallelResponse *rsp;
  HBATask                  *tasks;
  OSAction                 *taskAction, *bundleAction;
  const RegEntryID         *provider; /* the bus, for DMSim.h; the same for the controller's life */
  uint16_t                  pending[kMaxBundledParallelTasks];
  uint16_t                  npending;
  bool                      flushArmed;
  TimerID                   flushTimer;
  bool                      watching; /* the watchdog timer is armed */
  TimerID                   watchdog;
  uint32_t                  busy;     /* commands on the bus */
} HBA;

/* Timeouts are enforced by one watchdog per controller, as HBAs do: it
 * looks at the commands on the bus every kWatchMs while any of them has a
 * deadline to come, and aborts those past theirs. */
#define kWatchMs 250

static HBA *Me(IOUserSCSIParallelInterfaceController *self)
{
  return IOUserSCSIParallelInterfaceController_GetIvars(self);
}

static uint64_t Property(IOUserSCSIParallelInterfaceController *self, const char *key,
                         uint64_t otherwise)
{
  char v[32];
  if (IOUserSCSIParallelInterfaceController_CopyProperty(self, key, v, sizeof v) != kIOReturnSuccess)
    return otherwise;
  char *end;
  unsigned long long n = strtoull(v, &end, 0);
  return end != v && *end == '\0' ? n : otherwise;
}

/* ---- start-up ------------------------------------------------------------------- */

static kern_return_t UserInitializeController(IOUserSCSIParallelInterfaceController *self)
{
  HBA *h = Me(self);
  char v[32] = "";
  if (h == NULL)
    return kIOReturnNoMemory;
  (void)IOUserSCSIParallelInterfaceController_CopyProperty(self, "path", v, sizeof v);
  h->bundled = strcmp(v, "bundled") == 0;
  h->max = (uint32_t)Property(self, "tasks", 64);
  h->maxTransfer = Property(self, "max-transfer", 65536);
  h->provider = IOUserSCSIParallelInterfaceController_GetProvider(self);
  v[0] = '\0';
  (void)IOUserSCSIParallelInterfaceController_CopyProperty(self, "bug", v, sizeof v);
  static const char *const bugs[] = { "", "zero-tasks", "double-complete", "wrong-version",
                                      "not-owned", "too-large", "unknown-id" };
  for (int i = 1; i < (int)(sizeof bugs / sizeof bugs[0]); i++)
    if (strcmp(v, bugs[i]) == 0)
      h->bug = i;
  if (h->max > 0) {
    h->tasks = PoolAllocateResident(h->max * sizeof *h->tasks, true);
    if (h->tasks == NULL)
      return kIOReturnNoMemory;
  }
  for (uint32_t i = 0; i < h->max; i++) {
    h->tasks[i].self = self;
    h->tasks[i].index = i;
  }
  return kIOReturnSuccess;
}

static kern_return_t UserStartController(IOUserSCSIParallelInterfaceController *self)
{
  (void)self;
  return kIOReturnSuccess;
}

static kern_return_t Stop(IOUserSCSIParallelInterfaceController *self)
{
  HBA *h = Me(self);
  if (h->watching)
    (void)CancelTimer(h->watchdog, NULL);
  if (h->flushArmed)
    (void)CancelTimer(h->flushTimer, NULL);
  PoolDeallocate(h->tasks);
  h->tasks = NULL;
  return kIOReturnSuccess;
}

static kern_return_t UserReportMaximumTaskCount(IOUserSCSIParallelInterfaceController *self,
                                                uint32_t *count)
{
  HBA *h = Me(self);
  *count = h->bug == kBugZeroTasks ? 0 : h->max;
  return kIOReturnSuccess;
}

static kern_return_t UserReportInitiatorIdentifier(IOUserSCSIParallelInterfaceController *self,
                                                   uint64_t *id)
{
  (void)self;
  *id = 7;
  return kIOReturnSuccess;
}

static kern_return_t UserReportHighestSupportedDeviceID(IOUserSCSIParallelInterfaceController *self,
                                                        uint64_t *id)
{
  (void)self;
  *id = 15; /* a wide bus */
  return kIOReturnSuccess;
}

static kern_return_t UserReportHBAHighestLogicalUnitNumber(
    IOUserSCSIParallelInterfaceController *self, uint64_t *value)
{
  (void)self;
  *value = 63;
  return kIOReturnSuccess;
}

static kern_return_t Yes(IOUserSCSIParallelInterfaceController *self, bool *result)
{
  (void)self;
  *result = true;
  return kIOReturnSuccess;
}

static kern_return_t No(IOUserSCSIParallelInterfaceController *self, bool *result)
{
  (void)self;
  *result = false;
  return kIOReturnSuccess;
}

static kern_return_t UserDoesHBASupportSCSIParallelFeature(
    IOUserSCSIParallelInterfaceController *self, uint32_t theValue, bool *result)
{
  (void)self;
  *result = theValue == kSCSIParallelFeature_WideDataTransfer ||
            theValue == kSCSIParallelFeature_SynchronousDataTransfer;
  return kIOReturnSuccess;
}

static kern_return_t UserGetDMASpecification(IOUserSCSIParallelInterfaceController *self,
                                             uint64_t *maxTransferSize, uint32_t *alignment,
                                             uint8_t *numAddressBits,
                                             DMAOutputSegmentType *segmentType)
{
  *maxTransferSize = Me(self)->maxTransfer;
  *alignment = 1;
  *numAddressBits = 64;
  *segmentType = kDMAOutputSegmentTypeHost64;
  return kIOReturnSuccess;
}

static kern_return_t UserInitializeTargetForID(IOUserSCSIParallelInterfaceController *self,
                                               SCSITargetIdentifier targetID)
{
  (void)self;
  return targetID < 16 ? kIOReturnSuccess : kIOReturnBadArgument;
}

static kern_return_t UserMapHBAData(IOUserSCSIParallelInterfaceController *self,
                                    uint32_t *uniqueTaskID)
{
  HBA *h = Me(self);
  if (h->nextId >= h->max)
    return kIOReturnNoResources;
  *uniqueTaskID = HBA_ID_BASE + h->nextId++;
  return kIOReturnSuccess;
}

static kern_return_t UserMapBundledParallelTaskCommandAndResponseBuffers(
    IOUserSCSIParallelInterfaceController *self, IOBufferMemoryDescriptor *commands,
    IOBufferMemoryDescriptor *responses)
{
  HBA *h = Me(self);
  IOAddressSegment c, r;
  if (!h->bundled)
    return kIOReturnUnsupported; /* stay on the per-task path */
  if (IOBufferMemoryDescriptor_GetAddressRange(commands, &c) != kIOReturnSuccess ||
      IOBufferMemoryDescriptor_GetAddressRange(responses, &r) != kIOReturnSuccess ||
      c.length < h->max * sizeof(SCSIUserParallelTask) ||
      r.length < h->max * sizeof(SCSIUserParallelResponse))
    return kIOReturnBadArgument;
  h->cmd = (SCSIUserParallelTask *)(uintptr_t)c.address;
  h->rsp = (SCSIUserParallelResponse *)(uintptr_t)r.address;
  return kIOReturnSuccess;
}

/* ---- completion ------------------------------------------------------------------- */

/* The response of a finished command: service response, status, bytes
 * and sense length (the sense bytes are where the bus wrote them). */
static void FillResponse(const HBATask *t, SCSIUserParallelResponse *r, uint64_t id)
{
  const DMSimSCSIRequest *q = &t->req;
  r->version = kScsiUserParallelTaskResponseCurrentVersion1;
  r->fTargetID = t->target;
  r->fSCSIParallelFeatureRequestResultCount = 0;
  r->fControllerTaskIdentifier = id;
  r->fBytesTransferred = 0;
  r->fSenseLength = 0;
  r->fServiceResponse = kSCSIServiceResponse_SERVICE_DELIVERY_OR_TARGET_FAILURE;
  switch (q->delivery) {
  case kDMSimSCSIDelivered:
    r->fServiceResponse = kSCSIServiceResponse_TASK_COMPLETE;
    r->fCompletionStatus = q->status;
    r->fBytesTransferred = q->bytesTransferred;
    r->fSenseLength = q->senseLength;
    break;
  case kDMSimSCSISelectionTimeout:
    r->fCompletionStatus = kSCSITaskStatus_DeviceNotPresent;
    break;
  case kDMSimSCSIAborted:
    r->fCompletionStatus = t->timedOut ? kSCSITaskStatus_TaskTimeoutOccurred
                                       : kSCSITaskStatus_DeliveryFailure;
    break;
  default:
    r->fCompletionStatus = kSCSITaskStatus_DeliveryFailure;
    break;
  }
}

static void Flush(HBA *h)
{
  uint16_t idx[kMaxBundledParallelTasks] = { 0 };
  uint16_t n = h->npending;
  memcpy(idx, h->pending, n * sizeof *idx);
  h->npending = 0;
  if (h->bug == kBugTooLarge && !h->bugDone) {
    h->bugDone = 1;
    BundledParallelTaskCompletion(h->bundleAction, idx, kMaxBundledParallelTasks + 1);
  }
  BundledParallelTaskCompletion(h->bundleAction, idx, n);
  if (h->bug == kBugDouble && !h->bugDone) {
    h->bugDone = 1;
    BundledParallelTaskCompletion(h->bundleAction, idx, 1);
  }
}

static OSStatus FlushTimer(void *p1, void *p2)
{
  (void)p2;
  HBA *h = p1;
  h->flushArmed = false;
  if (h->npending > 0)
    Flush(h);
  return noErr;
}

static OSStatus FlushNow(void *p1, void *p2)
{
  (void)p2;
  HBA *h = p1;
  if (h->npending > 0)
    Flush(h);
  return noErr;
}

/* The call that returns the slots runs at secondary interrupt level: now,
 * or when the hardware interrupt returns. */
static void FlushAtSIH(HBA *h)
{
  if (CurrentExecutionLevel() != kHardwareInterruptLevel ||
      QueueSecondaryInterruptHandler(FlushNow, NULL, h, NULL) != noErr)
    Flush(h);
}

/* The deliberate mistakes of the bundled path, made once (h->bug). */
static void BundledBug(HBA *h, uint16_t k)
{
  SCSIUserParallelResponse *r = &h->rsp[k];
  if (h->bug == kBugVersion && !h->bugDone) {
    h->bugDone = 1;
    r->version = 0;
    uint16_t one[kMaxBundledParallelTasks] = { k };
    BundledParallelTaskCompletion(h->bundleAction, one, 1);
    r->version = kScsiUserParallelTaskResponseCurrentVersion1;
  }
  if (h->bug == kBugNotOwned && !h->bugDone && h->max > 1) {
    h->bugDone = 1;
    uint16_t other[kMaxBundledParallelTasks] = { (uint16_t)((k + 1) % h->max) };
    if (!h->tasks[other[0]].busy)
      BundledParallelTaskCompletion(h->bundleAction, other, 1);
  }
}

static void CompleteBundled(HBA *h, HBATask *t)
{
  uint16_t k = (uint16_t)t->index;
  SCSIUserParallelResponse *r = &h->rsp[k];
  FillResponse(t, r, h->cmd[k].fControllerTaskIdentifier);
  if (h->bug != kBugNone && !h->bugDone)
    BundledBug(h, k);
  h->pending[h->npending++] = k;
  if (h->npending == kMaxBundledParallelTasks) {
    FlushAtSIH(h);
    return;
  }
  if (!h->flushArmed) {
    /* After every interrupt due at this instant: they join the call. */
    AbsoluteTime now = UpTime();
    h->flushArmed = SetInterruptTimer(&now, FlushTimer, h, &h->flushTimer) == noErr;
    if (!h->flushArmed)
      FlushAtSIH(h);
  }
}

static void CompletePerTask(HBA *h, HBATask *t)
{
  SCSIUserParallelResponse r;
  memset(&r, 0, sizeof r);
  FillResponse(t, &r, t->task.fControllerTaskIdentifier);
  memcpy(r.fSenseBuffer, t->sense, r.fSenseLength);
  if (h->bug == kBugVersion && !h->bugDone) {
    h->bugDone = 1;
    r.version = 0;
    ParallelTaskCompletion(h->taskAction, r);
    r.version = kScsiUserParallelTaskResponseCurrentVersion1;
  }
  if (h->bug == kBugUnknownId && !h->bugDone) {
    h->bugDone = 1;
    SCSIUserParallelResponse bad = r;
    bad.fControllerTaskIdentifier = 0xFFFF;
    ParallelTaskCompletion(h->taskAction, bad);
  }
  ParallelTaskCompletion(h->taskAction, r);
  if (h->bug == kBugDouble && !h->bugDone) {
    h->bugDone = 1;
    ParallelTaskCompletion(h->taskAction, r);
  }
}

/* t's command is off the bus. */
static void OffBus(HBA *h, HBATask *t)
{
  t->busy = 0;
  /* With nothing on the bus there is nothing to watch: the timer goes, so
   * that an idle controller leaves no event behind to keep the world (and
   * the run's end) going. */
  if (--h->busy == 0 && h->watching) {
    (void)CancelTimer(h->watchdog, NULL);
    h->watching = false;
  }
}

/* Secondary interrupt level: the bus finished t's command. */
static OSStatus Complete(void *p1, void *p2)
{
  (void)p2;
  HBATask *t = p1;
  HBA *h = Me(t->self);
  OffBus(h, t);
  if (h->bundled)
    CompleteBundled(h, t);
  else
    CompletePerTask(h, t);
  return noErr;
}

/*
 * Hardware interrupt level: the bus finished t's command. The per-task
 * path calls ParallelTaskCompletion for each command, from a secondary
 * interrupt handler of its own. The bundled path only writes the response
 * in its slot and keeps the index, which needs no deferred context per
 * command (the call returning the slots runs at secondary interrupt
 * level: FlushTimer, FlushNow), so it does that here, when the command
 * completed from its bus event: the handler would have run as soon as
 * this interrupt returned, with nothing between. A command the bus ended
 * early (abort, reset) may be reported inside another handler, whose own
 * work must come first; it and the deliberate bugs, which report at
 * secondary interrupt level, go the way of the per-task path.
 */
static void BusInterrupt(void *refCon, OSStatus status)
{
  (void)status;
  HBATask *t = refCon;
  HBA *h = Me(t->self);
  UInt8 d = t->req.delivery;
  if (h->bundled && h->bug == kBugNone && d != kDMSimSCSIAborted && d != kDMSimSCSIReset) {
    OffBus(h, t);
    CompleteBundled(h, t);
    return;
  }
  QueueSecondaryInterruptHandler(Complete, NULL, refCon, NULL);
}

static uint64_t Now(void)
{
  AbsoluteTime t = UpTime();
  return ((uint64_t)t.hi << 32) | t.lo;
}

static OSStatus Watchdog(void *p1, void *p2)
{
  (void)p2;
  HBA *h = p1;
  uint64_t now = Now();
  uint32_t waiting = 0; /* commands with a deadline still to come */
  h->watching = false;
  for (uint32_t i = 0; i < h->max; i++) {
    HBATask *t = &h->tasks[i];
    if (!t->busy || t->deadline == 0 || t->timedOut)
      continue;
    if (t->deadline <= now) {
      t->timedOut = 1;
      (void)DMSimSCSIAbort(IOUserSCSIParallelInterfaceController_GetProvider(t->self), &t->req);
    } else {
      waiting++;
    }
  }
  /* Only deadlines keep it going: a command without one never ends the
   * watch by itself, and must not keep the world busy forever. */
  if (waiting > 0) {
    AbsoluteTime when = AddDurationToAbsolute(kWatchMs * durationMillisecond, UpTime());
    h->watching = SetInterruptTimer(&when, Watchdog, h, &h->watchdog) == noErr;
  }
  return noErr;
}

/* ---- I/O ---------------------------------------------------------------------------- */

static void Start(HBA *h, HBATask *t, const SCSIUserParallelTask *p, uint8_t *sense)
{
  DMSimSCSIRequest *q = &t->req;
  memcpy(q->cdb, p->fCommandDescriptorBlock, sizeof q->cdb); /* fixed size: cheaper */
  q->cdbLength = p->fCommandSize <= 16 ? p->fCommandSize : 16;
  q->direction = p->fTransferDirection;
  q->targetID = (UInt8)p->fTargetID;
  q->lun = p->fLogicalUnitBytes[1];
  q->buffer = (void *)(uintptr_t)p->fBufferIOVMAddr;
  q->transferCount = (UInt32)p->fRequestedTransferCount;
  q->senseBuffer = sense;
  q->senseCapacity = kMaxSenseBufferSize - 1;
  t->tag = p->fTaskTagIdentifier;
  t->target = p->fTargetID;
  t->lun = p->fLogicalUnitBytes[1];
  t->timedOut = 0;
  t->busy = 1;
  h->busy++;
  t->deadline = p->fTimeoutInMilliSec ? Now() + (uint64_t)p->fTimeoutInMilliSec * 1000000u : 0;
  if (t->deadline != 0 && !h->watching) {
    AbsoluteTime when = AddDurationToAbsolute(kWatchMs * durationMillisecond, UpTime());
    h->watching = SetInterruptTimer(&when, Watchdog, h, &h->watchdog) == noErr;
  }
  if (DMSimSCSIStart(h->provider, q, BusInterrupt, t) != noErr) {
    /* Refused at once: complete it later, as a transport failure. */
    q->delivery = kDMSimSCSITransportFailure;
    QueueSecondaryInterruptHandler(Complete, NULL, t, NULL);
  }
}

static kern_return_t UserProcessParallelTask(IOUserSCSIParallelInterfaceController *self,
                                             SCSIUserParallelTask parallelRequest,
                                             uint32_t *response, OSAction *completion)
{
  HBA *h = Me(self);
  uint64_t i = parallelRequest.fControllerTaskIdentifier - HBA_ID_BASE;
  if (i >= h->max || h->tasks[i].busy) {
    *response = kSCSIServiceResponse_SERVICE_DELIVERY_OR_TARGET_FAILURE;
    return kIOReturnBadArgument;
  }
  h->taskAction = completion;
  HBATask *t = &h->tasks[i];
  t->task = parallelRequest;
  Start(h, t, &t->task, t->sense);
  *response = kSCSIServiceResponse_Request_In_Process;
  return kIOReturnSuccess;
}

static void UserProcessBundledParallelTasks(IOUserSCSIParallelInterfaceController *self,
                                            const uint16_t parallelRequestSlotIndices[kMaxBundledParallelTasks],
                                            uint16_t parallelRequestSlotIndicesCount,
                                            OSAction *completion)
{
  HBA *h = Me(self);
  h->bundleAction = completion;
  for (uint16_t i = 0; i < parallelRequestSlotIndicesCount && i < kMaxBundledParallelTasks; i++) {
    uint16_t k = parallelRequestSlotIndices[i];
    if (k >= h->max)
      continue;
    Start(h, &h->tasks[k], &h->cmd[k], h->rsp[k].fSenseBuffer);
  }
}

/* ---- task management ------------------------------------------------------------- */

static uint32_t AbortWhere(IOUserSCSIParallelInterfaceController *self, uint64_t theT,
                           uint64_t theL, bool oneTag, uint64_t theQ)
{
  HBA *h = Me(self);
  uint32_t n = 0;
  for (uint32_t i = 0; i < h->max; i++) {
    HBATask *t = &h->tasks[i];
    if (t->busy && t->target == theT && t->lun == theL && (!oneTag || t->tag == theQ)) {
      (void)DMSimSCSIAbort(IOUserSCSIParallelInterfaceController_GetProvider(self), &t->req);
      n++;
    }
  }
  return n;
}

static kern_return_t UserAbortTaskRequest(IOUserSCSIParallelInterfaceController *self,
                                          uint64_t theT, uint64_t theL, uint64_t theQ,
                                          uint32_t *response)
{
  (void)AbortWhere(self, theT, theL, true, theQ);
  *response = kSCSIServiceResponse_FUNCTION_COMPLETE;
  return kIOReturnSuccess;
}

static kern_return_t UserAbortTaskSetRequest(IOUserSCSIParallelInterfaceController *self,
                                             uint64_t theT, uint64_t theL, uint32_t *response)
{
  (void)AbortWhere(self, theT, theL, false, 0);
  *response = kSCSIServiceResponse_FUNCTION_COMPLETE;
  return kIOReturnSuccess;
}

static kern_return_t UserClearACARequest(IOUserSCSIParallelInterfaceController *self,
                                         uint64_t theT, uint64_t theL, uint32_t *response)
{
  (void)self;
  (void)theT;
  (void)theL;
  *response = kSCSIServiceResponse_FUNCTION_COMPLETE; /* the simulated units never hold ACA */
  return kIOReturnSuccess;
}

static kern_return_t UserLogicalUnitResetRequest(IOUserSCSIParallelInterfaceController *self,
                                                 uint64_t theT, uint64_t theL,
                                                 uint32_t *response)
{
  OSStatus err = DMSimSCSIReset(IOUserSCSIParallelInterfaceController_GetProvider(self),
                                (UInt8)theT, (SInt32)theL);
  *response = err == noErr ? kSCSIServiceResponse_FUNCTION_COMPLETE
                           : kSCSIServiceResponse_FUNCTION_REJECTED;
  return kIOReturnSuccess;
}

static kern_return_t UserTargetResetRequest(IOUserSCSIParallelInterfaceController *self,
                                            uint64_t theT, uint32_t *response)
{
  OSStatus err = DMSimSCSIReset(IOUserSCSIParallelInterfaceController_GetProvider(self),
                                (UInt8)theT, -1);
  *response = err == noErr ? kSCSIServiceResponse_FUNCTION_COMPLETE
                           : kSCSIServiceResponse_FUNCTION_REJECTED;
  return kIOReturnSuccess;
}

static const SCSIControllerMethods methods = {
  .UserInitializeController = UserInitializeController,
  .UserStartController = UserStartController,
  .UserReportMaximumTaskCount = UserReportMaximumTaskCount,
  .UserReportInitiatorIdentifier = UserReportInitiatorIdentifier,
  .UserReportHighestSupportedDeviceID = UserReportHighestSupportedDeviceID,
  .UserReportHBAHighestLogicalUnitNumber = UserReportHBAHighestLogicalUnitNumber,
  .UserDoesHBAPerformAutoSense = Yes,
  .UserDoesHBASupportMultiPathing = No,
  .UserDoesHBAPerformDeviceManagement = No,
  .UserDoesHBASupportSCSIParallelFeature = UserDoesHBASupportSCSIParallelFeature,
  .UserGetDMASpecification = UserGetDMASpecification,
  .UserInitializeTargetForID = UserInitializeTargetForID,
  .UserMapHBAData = UserMapHBAData,
  .UserMapBundledParallelTaskCommandAndResponseBuffers =
      UserMapBundledParallelTaskCommandAndResponseBuffers,
  .UserProcessParallelTask = UserProcessParallelTask,
  .UserProcessBundledParallelTasks = UserProcessBundledParallelTasks,
  .UserAbortTaskRequest = UserAbortTaskRequest,
  .UserAbortTaskSetRequest = UserAbortTaskSetRequest,
  .UserClearACARequest = UserClearACARequest,
  .UserClearTaskSetRequest = UserAbortTaskSetRequest, /* the same for these units */
  .UserLogicalUnitResetRequest = UserLogicalUnitResetRequest,
  .UserTargetResetRequest = UserTargetResetRequest,
  .Stop = Stop,
};

const SCSIControllerDescription TheSCSIControllerDescription = {
  kSCSIControllerDescriptionSignature,
  kSCSIControllerDescriptionVersion,
  "DMSimHBA",
  sizeof(HBA),
  &methods,
};
