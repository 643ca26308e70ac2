/*
 * hostile.c - ".Hostile": a concurrent driver that misbehaves on request,
 * for the tests of how dmsim survives the drivers it runs. Control and
 * Status with csCode below 100 behave like .Null (completed at once); each
 * csCode from 100 up is one way of breaking the simulator or the rules:
 *
 *   100 dereference NULL (SIGSEGV)        101 abort()
 *   102 divide by zero (SIGFPE)           103 an illegal instruction (SIGILL)
 *   104 a sync call to itself, recursing (the Device Manager refuses the
 *       call DM_NESTING_MAX levels down; each level then completes its
 *       request with what its own call returned)
 *   105 exit(0)                           106 loop forever in DoDriverIO
 *   107 a secondary interrupt handler that queues itself again forever
 *   108 write ioResult, complete the request 1 ms later
 *   109 complete every request of another driver it can find
 *   110 write dCtlQHdr, which the Device Manager owns
 *   111 set drvrActive, which the Device Manager owns
 *   112 never complete the request
 *   113 raise SIGBUS                      114 an interrupt timer that re-arms at once, forever
 *
 * Nothing here is an example to follow.
 */
#include <signal.h>
#include <stdlib.h>

#include "Devices.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\007hostile", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent, "\010.Hostile", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

static volatile int zero;
static volatile int sink;

static OSStatus Requeue(void *p1, void *p2)
{
  return QueueSecondaryInterruptHandler(Requeue, NULL, p1, p2);
}

static OSStatus Rearm(void *p1, void *p2)
{
  (void)p2;
  AbsoluteTime now = UpTime();
  TimerID t;
  return SetInterruptTimer(&now, Rearm, p1, &t);
}

static OSStatus CompleteLater(void *p1, void *p2)
{
  (void)p2;
  return IOCommandIsComplete((IOCommandID)p1, noErr);
}

/* Completes every live, non-immediate command of another refNum: IDs are
 * guessed, as a buggy driver with a stale pointer would produce them. */
static void CompleteOthers(short self)
{
  for (UInt32 gen = 0; gen < 4; gen++) {
    for (UInt32 slot = 1; slot <= 64; slot++) {
      IOCommandID id = (IOCommandID)(((UInt64)gen << 32) | slot);
      IOCommandContents c;
      IOCommandCode code;
      IOCommandKind kind;
      if (GetIOCommandInfo(id, &c, &code, &kind) != noErr || (kind & kImmediateIOCommandKind))
        continue;
      if (c.pb != NULL && c.pb->ioParam.ioRefNum != self)
        IOCommandIsComplete(id, noErr);
    }
  }
}

static OSStatus Misbehave(IOCommandID id, ParmBlkPtr pb, short cs)
{
  switch (cs) {
  case 100: return (OSErr)*(volatile int *)(unsigned long)zero;
  case 101: abort();
  case 102: sink = sink / zero; break;
  case 103: __builtin_trap();
  case 104: {
    CntrlParam p = { 0 };
    p.ioCRefNum = pb->cntrlParam.ioCRefNum;
    p.csCode = 104;
    return IOCommandIsComplete(id, PBControlSync((ParmBlkPtr)&p));
  }
  case 105: exit(0);
  case 106:
    for (;;)
      zero = zero;
  case 107: QueueSecondaryInterruptHandler(Requeue, NULL, NULL, NULL); break;
  case 108: {
    pb->ioParam.ioResult = noErr;
    AbsoluteTime later = AddDurationToAbsolute(1, UpTime());
    TimerID t;
    return SetInterruptTimer(&later, CompleteLater, id, &t) == noErr ? noErr : ioErr;
  }
  case 109: CompleteOthers(pb->cntrlParam.ioCRefNum); break;
  case 110: {
    DCtlHandle h = GetDCtlEntry(pb->cntrlParam.ioCRefNum);
    if (h != NULL)
      (*h)->dCtlQHdr.qHead = NULL;
    break;
  }
  case 111: {
    DCtlHandle h = GetDCtlEntry(pb->cntrlParam.ioCRefNum);
    if (h != NULL)
      (*h)->dCtlFlags = (short)((*h)->dCtlFlags | drvrActiveMask);
    break;
  }
  case 112: return noErr;
  case 113: raise(SIGBUS); break;
  case 114: {
    AbsoluteTime now = UpTime();
    TimerID t;
    SetInterruptTimer(&now, Rearm, NULL, &t);
    break;
  }
  default: break;
  }
  return IOCommandIsComplete(id, noErr);
}

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  (void)spaceID;
  if (cmdKind & kImmediateIOCommandKind)
    return noErr;
  if ((cmdCode == kControlCommand || cmdCode == kStatusCommand) &&
      contents.pb->cntrlParam.csCode >= 100)
    return Misbehave(cmdID, contents.pb, contents.pb->cntrlParam.csCode);
  if (cmdCode == kReadCommand || cmdCode == kWriteCommand)
    contents.pb->ioParam.ioActCount = contents.pb->ioParam.ioReqCount;
  return IOCommandIsComplete(cmdID, noErr);
}
