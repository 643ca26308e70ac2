/*
 * null.c - ".Null": a concurrent native driver that completes every request
 * at once, inside DoDriverIO, and moves no data. Like Linux's null_blk, it
 * reports every Read and Write as fully transferred (ioActCount = ioReqCount)
 * and leaves the buffer alone; Control and Status answer noErr.
 *
 * It is the cheapest possible driver, used to measure the Device Manager's
 * own cost per request, and the simplest example of the completion rule:
 * immediate commands return their result; every other command is completed
 * with IOCommandIsComplete, here before DoDriverIO even returns.
 */
#include "Devices.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\013null-device", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent, "\005.Null", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

/* On a 64-byte boundary, as the Device Manager's request entries are: the
 * cost dmsim bench measures through it then does not move with the layout
 * of the rest of the program. */
__attribute__((aligned(64))) OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  (void)spaceID;
  OSErr status = noErr;
  switch (cmdCode) {
  case kReadCommand:
  case kWriteCommand:
    contents.pb->ioParam.ioActCount = contents.pb->ioParam.ioReqCount;
    break;
  default:
    break;
  }
  if (cmdKind & kImmediateIOCommandKind)
    return status;
  return IOCommandIsComplete(cmdID, status);
}
