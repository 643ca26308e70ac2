/*
 * badname.c - a concurrent driver whose name holds terminal control codes
 * (an escape sequence that clears the screen, a bell) and that calls IODone,
 * which a concurrent driver may not: the violation's message quotes its
 * name, and dmsim must show those bytes escaped, never send them to the
 * terminal. For the tests; otherwise it behaves like .Null.
 */
#include "Devices.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\007badname", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent, "\011\033[2J.Bad\007", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  (void)spaceID;
  if (cmdKind & kImmediateIOCommandKind)
    return noErr;
  if (cmdCode == kControlCommand) {
    DCtlHandle h = GetDCtlEntry(contents.pb->cntrlParam.ioCRefNum);
    if (h != NULL)
      IODone(*h, noErr);
  }
  return IOCommandIsComplete(cmdID, noErr);
}
