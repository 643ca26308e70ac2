/*
 * bugs.c - ".Bugs": a teaching driver that breaks one rule of the Device
 * Manager per Control csCode, so that a scenario can show each rule of the
 * violation catalogue and what the Device Manager does about it. It is
 * concurrent; every other command behaves like .Null (completed at once).
 *
 *   1 complete-unknown-id       IOCommandIsComplete with an ID never issued,
 *                               then the right one
 *   2 complete-immediate        an Immed Control completed with
 *                               IOCommandIsComplete, then returned as well
 *   3 complete-at-hw-interrupt  completed from the device's interrupt
 *                               handler (installed with hardware only)
 *   4 complete-while-queued     completed while still on the driver's own
 *                               queue (put there with Enqueue)
 *   5 iodone-from-concurrent    IODone, which a concurrent driver may not
 *                               call, then IOCommandIsComplete
 *
 * Each bug is written the way a real driver gets it wrong; the correct code
 * is what .Null does.
 */
#include "Devices.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"
#include "DMSim.h"
#include "instance.h"

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\004bugs", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent, "\005.Bugs", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

typedef struct Bugs {
  RegEntryID device; /* the simulated device, for bug 3 */
} Bugs;

static InstanceSlot instances[INSTANCE_MAX];

/* Bug 3: the interrupt handler completes the request itself, at hardware
 * interrupt level, instead of deferring to a secondary interrupt handler. */
static void CompleteFromInterrupt(void *refCon, OSStatus status)
{
  IOCommandIsComplete((IOCommandID)refCon, (OSErr)status);
}

static OSStatus Misbehave(Bugs *b, IOCommandID id, ParmBlkPtr pb, IOCommandKind kind)
{
  QHdr own = { 0, NULL, NULL }; /* bug 4's queue: it must outlive the completion */
  switch (pb->cntrlParam.csCode) {
  case 1:
    IOCommandIsComplete((IOCommandID)(UInt64)0x7fff00001234ull, noErr);
    break;
  case 2:
    if (kind & kImmediateIOCommandKind) {
      IOCommandIsComplete(id, noErr);
      return noErr;
    }
    break;
  case 3:
    if (b != NULL && !(kind & kImmediateIOCommandKind) &&
        DMSimHardwareStart(&b->device, 1, CompleteFromInterrupt, id) == noErr)
      return noErr;
    break;
  case 4:
    Enqueue((QElemPtr)pb, &own); /* and never Dequeue'd */
    break;
  case 5: {
    DCtlHandle h = GetDCtlEntry(pb->cntrlParam.ioCRefNum);
    if (h != NULL)
      IODone(*h, noErr);
    break;
  }
  default:
    break;
  }
  if (kind & kImmediateIOCommandKind)
    return noErr;
  return IOCommandIsComplete(id, noErr);
}

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  (void)spaceID;
  short ref = CommandRefNum(contents, cmdCode);
  switch (cmdCode) {
  case kInitializeCommand:
  case kReplaceCommand: {
    Bugs *b = InstanceCreate(instances, ref, sizeof *b);
    if (b == NULL)
      return memFullErr;
    b->device = contents.initialInfo->deviceEntry;
    return noErr;
  }
  case kFinalizeCommand:
  case kSupersededCommand:
    InstanceDestroy(instances, ref);
    return noErr;
  case kControlCommand:
    return Misbehave(InstanceFind(instances, ref), cmdID, contents.pb, cmdKind);
  case kReadCommand:
  case kWriteCommand:
    contents.pb->ioParam.ioActCount = contents.pb->ioParam.ioReqCount;
    break;
  default:
    break;
  }
  if (cmdKind & kImmediateIOCommandKind)
    return noErr;
  return IOCommandIsComplete(cmdID, noErr);
}
