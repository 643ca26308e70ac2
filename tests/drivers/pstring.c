/*
 * pstring.c - a test driver in the style of MPW and CodeWarrior sources:
 * Pascal string literals ("\p.Echo"), a DriverDescription initialised
 * field after field without inner braces, `OSStatus DoDriverIO` with no
 * prototype, and only <Devices.h> and <DriverServices.h>. It needs a compiler
 * that accepts "\p" (clang with -fpascal-strings); tests/drivers.sh skips it
 * when there is none.
 *
 * ".Echo" is concurrent: every Read or Write is dispatched at once and
 * completes 1 ms later from an interrupt timer (secondary interrupt level).
 * A Read fills its buffer with the byte 0xEC.
 */
#include <Devices.h>
#include <DriverServices.h>

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  "\pecho",
  0x01, 0x00, finalStage, 0x00,
  kDriverIsUnderExpertControl | kDriverIsConcurrent,
  "\p.Echo",
  0, 0, 0, 0, 0, 0, 0, 0,
  1,
  kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, 0x01, 0x00, finalStage, 0x00
};

static OSStatus TimerDone(void *p1, void *p2)
{
  IOCommandID cmdID = (IOCommandID)p1;
  ParmBlkPtr  pb;
  IOCommandCode code;
  IOCommandContents contents;
  IOCommandKind kind;

  if (GetIOCommandInfo(cmdID, &contents, &code, &kind) != noErr)
    return noErr;
  pb = contents.pb;
  if (code == kReadCommand) {
    long i;
    for (i = 0; i < pb->ioParam.ioReqCount; i++)
      ((UInt8 *)pb->ioParam.ioBuffer)[i] = 0xEC;
  }
  pb->ioParam.ioActCount = pb->ioParam.ioReqCount;
  return IOCommandIsComplete(cmdID, noErr);
}

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  AbsoluteTime when;
  TimerID      timer;
  OSStatus     status = noErr;

  switch (cmdCode) {
  case kReadCommand:
  case kWriteCommand:
    if (cmdKind & kImmediateIOCommandKind)
      return paramErr;
    when = AddDurationToAbsolute(1 * durationMillisecond, UpTime());
    status = SetInterruptTimer(&when, TimerDone, cmdID, &timer);
    if (status != noErr)
      return IOCommandIsComplete(cmdID, status);
    return noErr;
  case kControlCommand:
  case kStatusCommand:
    status = noErr;
    break;
  default: /* Initialize, Finalize, Open, Close, KillIO */
    break;
  }
  if (cmdKind & kImmediateIOCommandKind)
    return status;
  return IOCommandIsComplete(cmdID, status);
}
