/*
 * ramdisk9.c - a test driver written the way Mac OS 9 authors wrote native
 * drivers, to show that such a source compiles unchanged against dmsim's
 * Apple-named headers and runs: only <Devices.h> and <DriverServices.h>, a
 * forward declaration of `OSStatus DoDriverIO`, handles to the DCE, Pool
 * memory, a switch on the command code, and names spelled as length-prefixed
 * strings with hex escapes, as authors did whose compiler had no Pascal
 * string literals.
 *
 * ".RAMDisk9" keeps 32 KiB in memory allocated at Initialize and freed at
 * Finalize. It is serialized: one request at a time, each completed inside
 * DoDriverIO at the position the Device Manager set in dCtlPosition. Status
 * csCode 8 (its own) answers the number of bytes it holds.
 */
#include <Devices.h>
#include <DriverServices.h>

#define kDiskBytes (32L * 1024L)
#define kSizeStatusCode 8

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind);

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  {"\x08ramdisk9", {0x01, 0x00, finalStage, 0x00}},
  {kDriverIsUnderExpertControl, "\x09.RAMDisk9"},
  {1, {{kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, {0x01, 0x00, finalStage, 0x00}}}}
};

static Ptr   gDisk;
static short gRefNum;

static OSStatus DoInitialize(DriverInitInfoPtr info)
{
  gRefNum = info->refNum;
  gDisk = (Ptr)PoolAllocateResident(kDiskBytes, true);
  return gDisk == NULL ? memFullErr : noErr;
}

static OSStatus DoFinalize(DriverFinalInfoPtr info)
{
  if (info->refNum != gRefNum)
    return paramErr;
  PoolDeallocate(gDisk);
  gDisk = NULL;
  return noErr;
}

static OSStatus DoReadWrite(IOParam *pb, Boolean isRead)
{
  DCtlHandle dce = GetDCtlEntry(gRefNum);
  long       pos = (**dce).dCtlPosition;
  long       count = pb->ioReqCount;

  if (pos < 0 || pos > kDiskBytes)
    return posErr;
  if (count > kDiskBytes - pos)
    count = kDiskBytes - pos;
  if (isRead)
    BlockMove(gDisk + pos, pb->ioBuffer, count);
  else
    BlockMove(pb->ioBuffer, gDisk + pos, count);
  pb->ioActCount = count;
  (**dce).dCtlPosition = pos + count;
  return count < pb->ioReqCount ? eofErr : noErr;
}

static OSStatus DoStatus(CntrlParam *pb)
{
  long size = kDiskBytes;

  if (pb->csCode != kSizeStatusCode)
    return statusErr;
  BlockMove(&size, pb->csParam, sizeof size);
  return noErr;
}

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  OSStatus status;

  switch (cmdCode) {
  case kInitializeCommand:
  case kReplaceCommand:
    status = DoInitialize(contents.initialInfo);
    break;
  case kFinalizeCommand:
  case kSupersededCommand:
    status = DoFinalize(contents.finalInfo);
    break;
  case kOpenCommand:
  case kCloseCommand:
  case kKillIOCommand:
    status = noErr;
    break;
  case kReadCommand:
    status = DoReadWrite(&contents.pb->ioParam, true);
    break;
  case kWriteCommand:
    status = DoReadWrite(&contents.pb->ioParam, false);
    break;
  case kControlCommand:
    status = controlErr;
    break;
  case kStatusCommand:
    status = DoStatus(&contents.pb->cntrlParam);
    break;
  default:
    status = paramErr;
    break;
  }
  if (cmdKind & kImmediateIOCommandKind)
    return status;
  return IOCommandIsComplete(cmdID, status);
}
