/*
 * refuse.c - ".Refuse", the test driver of tests/refuse.h.
 */
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "refuse.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"

OSErr tf_refuse_kill = abortErr, tf_refuse_close = closErr, tf_refuse_open = noErr;

static DriverDescription refuse_desc = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\006refuse", { 1, 0, finalStage, 0 } },
  { 0, "\007.Refuse", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

static OSStatus refuse_done(void *p1, void *p2)
{
  (void)p2;
  return IOCommandIsComplete((IOCommandID)p1, noErr);
}

static OSStatus RefuseIO(AddressSpaceID space, IOCommandID id, IOCommandContents c,
                         IOCommandCode code, IOCommandKind kind)
{
  (void)space;
  (void)c;
  switch (code) {
  case kOpenCommand: return tf_refuse_open;
  case kKillIOCommand: return tf_refuse_kill;
  case kCloseCommand: return tf_refuse_close;
  case kControlCommand: /* a positive status means success */
    if (kind & kImmediateIOCommandKind)
      return 3;
    return IOCommandIsComplete(id, 5);
  case kWriteCommand: /* fails at once, inside DoDriverIO */
    if (kind & kImmediateIOCommandKind)
      return ioErr;
    return IOCommandIsComplete(id, ioErr);
  case kReadCommand:
    if (!(kind & kImmediateIOCommandKind)) {
      AbsoluteTime when = AddDurationToAbsolute(durationMillisecond, UpTime());
      return SetInterruptTimer(&when, refuse_done, id, NULL);
    }
    return noErr;
  default:
    if (kind & kImmediateIOCommandKind)
      return noErr;
    return IOCommandIsComplete(id, noErr);
  }
}

int16_t tf_install_refuse(tfix *f)
{
  return tf_install_open_native(f, &refuse_desc, RefuseIO);
}

