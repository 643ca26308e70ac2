/*
 * pbcalls.c - Apple's parameter-block calls other than the queued Async
 * forms (PBReadAsync and the like are aliases in call.c): the Sync forms,
 * the Immed forms, Open, Close and KillIO, and the high-level calls built on
 * them (OpenDriver, OpenInstalledDriver, CloseDriver, Control, Status,
 * KillIO), acting on the current machine.
 *
 * Open, Close, KillIO and the Immed forms are dm_call() with the trap word
 * Apple's glue would have used; the queued Sync forms call call.c's entry
 * for their trap word. Sync forms then wait with dm_wait(). Without a
 * current machine every call answers paramErr.
 */
#include <string.h>

#include "dm-int.h"

static OSErr pb_call(ParmBlkPtr pb, uint16_t trap)
{
  dm_machine *m = dm__current;
  if (m == NULL || pb == NULL)
    return paramErr;
  return dm_call_wait(m, pb, trap);
}

/* Async and Immed forms never wait: dm_call alone (which answers paramErr
 * for a NULL machine or block). */
static inline OSErr pb_call_nowait(ParmBlkPtr pb, uint16_t trap)
{
  return dm_call(dm__current, pb, trap);
}

/* Open, Close and KillIO always reach the driver at once. */
OSErr PBOpenSync(ParmBlkPtr pb) { return pb_call(pb, _Open); }
OSErr PBOpenAsync(ParmBlkPtr pb) { return pb_call_nowait(pb, _Open | DM_TRAP_ASYNC); }
OSErr PBOpenImmed(ParmBlkPtr pb) { return pb_call_nowait(pb, _Open | DM_TRAP_IMMED); }
OSErr PBCloseSync(ParmBlkPtr pb) { return pb_call(pb, _Close); }
OSErr PBCloseAsync(ParmBlkPtr pb) { return pb_call_nowait(pb, _Close | DM_TRAP_ASYNC); }
OSErr PBCloseImmed(ParmBlkPtr pb) { return pb_call_nowait(pb, _Close | DM_TRAP_IMMED); }
OSErr PBKillIOSync(ParmBlkPtr pb) { return pb_call(pb, _KillIO); }
OSErr PBKillIOAsync(ParmBlkPtr pb) { return pb_call_nowait(pb, _KillIO | DM_TRAP_ASYNC); }
OSErr PBKillIOImmed(ParmBlkPtr pb) { return pb_call_nowait(pb, _KillIO | DM_TRAP_IMMED); }

/* Read, Write, Control and Status take the queue: their Sync and Async
 * forms have entries of their own (call.c, which also defines the Async
 * forms as aliases of them); a Sync form then waits here. */
static inline OSErr sync_wait(ParmBlkPtr pb, OSErr err)
{
  dm_machine *m = dm__current;
  return m == NULL || pb == NULL ? err : dm__sync_finish(m, pb, err);
}
OSErr PBReadSync(ParmBlkPtr pb) { return sync_wait(pb, dm__call_ReadSync(pb)); }
OSErr PBWriteSync(ParmBlkPtr pb) { return sync_wait(pb, dm__call_WriteSync(pb)); }
OSErr PBControlSync(ParmBlkPtr pb) { return sync_wait(pb, dm__call_ControlSync(pb)); }
OSErr PBStatusSync(ParmBlkPtr pb) { return sync_wait(pb, dm__call_StatusSync(pb)); }
OSErr PBReadImmed(ParmBlkPtr pb) { return pb_call_nowait(pb, _Read | DM_TRAP_IMMED); }
OSErr PBWriteImmed(ParmBlkPtr pb) { return pb_call_nowait(pb, _Write | DM_TRAP_IMMED); }
OSErr PBControlImmed(ParmBlkPtr pb) { return pb_call_nowait(pb, _Control | DM_TRAP_IMMED); }
OSErr PBStatusImmed(ParmBlkPtr pb) { return pb_call_nowait(pb, _Status | DM_TRAP_IMMED); }

OSErr OpenDriver(ConstStr255Param name, short *drvrRefNum)
{
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioNamePtr = (StringPtr)(uintptr_t)name;
  pb.ioParam.ioPermssn = fsCurPerm;
  OSErr err = PBOpenSync(&pb);
  if (drvrRefNum != NULL)
    *drvrRefNum = pb.ioParam.ioRefNum;
  return err;
}

OSErr OpenInstalledDriver(DriverRefNum refNum, SInt8 ioPermission)
{
  /* No name: the Open goes to the unit at ioRefNum (call.c, open_target). */
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioRefNum = refNum;
  pb.ioParam.ioPermssn = ioPermission;
  return PBOpenSync(&pb);
}

OSErr CloseDriver(short refNum)
{
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioRefNum = refNum;
  return PBCloseSync(&pb);
}

OSErr Control(short refNum, short csCode, const void *csParamPtr)
{
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.cntrlParam.ioCRefNum = refNum;
  pb.cntrlParam.csCode = csCode;
  if (csParamPtr != NULL)
    memcpy(pb.cntrlParam.csParam, csParamPtr, sizeof pb.cntrlParam.csParam);
  return PBControlSync(&pb);
}

OSErr Status(short refNum, short csCode, void *csParamPtr)
{
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.cntrlParam.ioCRefNum = refNum;
  pb.cntrlParam.csCode = csCode;
  OSErr err = PBStatusSync(&pb);
  if (csParamPtr != NULL)
    memcpy(csParamPtr, pb.cntrlParam.csParam, sizeof pb.cntrlParam.csParam);
  return err;
}

OSErr KillIO(short refNum)
{
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.cntrlParam.ioCRefNum = refNum;
  return PBKillIOSync(&pb);
}
