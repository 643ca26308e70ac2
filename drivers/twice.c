/*
 * twice.c - ".Twice": a teaching driver with a deliberate bug. It is
 * concurrent and completes every Read, Write, Control and Status twice. The
 * second IOCommandIsComplete names a command that is already complete: the
 * Device Manager reports complete-twice and ignores it.
 */
#include "Devices.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\005twice", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent, "\006.Twice", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  (void)spaceID;
  (void)contents;
  if ((cmdKind & kImmediateIOCommandKind) || cmdCode > kStatusCommand)
    return noErr;
  IOCommandIsComplete(cmdID, noErr);
  return IOCommandIsComplete(cmdID, noErr); /* the bug */
}
