/*
 * Devices.h - the Device Manager as drivers and their clients see it: the
 * device control entry (DCE), its flags, the trap words, the parameter-block
 * calls in their Sync, Async and Immed forms, and the Native Driver Model's
 * command types and the type of the DoDriverIO entry point.
 *
 * As in Apple's Universal Interfaces, it brings in what a driver needs along
 * with it (OSUtils, Files, NameRegistry, DriverFamilyMatching, MacErrors), so
 * that a driver including only <Devices.h> and <DriverServices.h> sees
 * DriverDescription, the driverRuntime flags and kTheDescriptionSignature.
 *
 * In dmsim every call acts on the current simulated machine: the one whose
 * driver, completion routine or client is running.
 */
#ifndef __DEVICES__
#define __DEVICES__

#include "MacTypes.h"
#include "MacErrors.h"
#include "OSUtils.h"
#include "Files.h"
#include "NameRegistry.h"
#include "DriverFamilyMatching.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Device control entry ------------------------------------------------ */

typedef struct DCtlEntry {
  Ptr            dCtlDriver;   /* driver (native: the DoDriverIO entry) */
  volatile short dCtlFlags;    /* see the masks below */
  QHdr           dCtlQHdr;     /* the driver's I/O queue */
  volatile long  dCtlPosition; /* current position for block devices */
  Handle         dCtlStorage;  /* driver's private storage (reserved for native drivers) */
  short          dCtlRefNum;   /* the driver's reference number */
  long           dCtlCurTicks; /* reserved */
  Ptr            dCtlWindow;   /* reserved */
  short          dCtlDelay;
  short          dCtlEMask;
  short          dCtlMenu;
} DCtlEntry;
typedef DCtlEntry *DCtlPtr;
typedef DCtlPtr   *DCtlHandle;

typedef struct AuxDCE {
  Ptr            dCtlDriver;
  volatile short dCtlFlags;
  QHdr           dCtlQHdr;
  volatile long  dCtlPosition;
  Handle         dCtlStorage;
  short          dCtlRefNum;
  long           dCtlCurTicks;
  Ptr            dCtlWindow;
  short          dCtlDelay;
  short          dCtlEMask;
  short          dCtlMenu;
  SInt8          dCtlSlot;
  SInt8          dCtlSlotId;
  long           dCtlDevBase;
  Ptr            dCtlOwner;
  SInt8          dCtlExtDev;
  SInt8          fillByte;
  UInt32         dCtlNodeID;
} AuxDCE;
typedef AuxDCE *AuxDCEPtr;
typedef AuxDCEPtr *AuxDCEHandle;

/* dCtlFlags: bit numbers within the high byte ... */
enum {
  dReadEnable  = 0,
  dWritEnable  = 1,
  dCtlEnable   = 2,
  dStatEnable  = 3,
  dNeedGoodBye = 4,
  dNeedTime    = 5,
  dNeedLock    = 6
};
/* ... bit numbers within the low byte ... */
enum {
  dVMImmuneBit = 0,
  dOpened      = 5,
  dRAMBased    = 6,
  drvrActive   = 7
};
/* ... and word masks. 0x0008 marks a native driver and 0x0010 a concurrent
 * one; Apple's headers give neither a name. */
enum {
  dVMImmuneMask    = 0x0001,
  dOpenedMask      = 0x0020,
  dRAMBasedMask    = 0x0040,
  drvrActiveMask   = 0x0080,
  dReadEnableMask  = 0x0100,
  dWritEnableMask  = 0x0200,
  dCtlEnableMask   = 0x0400,
  dStatEnableMask  = 0x0800,
  dNeedGoodByeMask = 0x1000,
  dNeedTimeMask    = 0x2000,
  dNeedLockMask    = 0x4000
};

/* ---- Trap words and codes ----------------------------------------------- */

enum {
  aRdCmd = 2, /* low byte of the _Read trap */
  aWrCmd = 3  /* low byte of the _Write trap */
};
/* Bit numbers of the trap-word modifiers. */
enum {
  asyncTrpBit = 10, /* 0x0400: asynchronous */
  noQueueBit  = 9   /* 0x0200: immediate */
};
enum {
  _Open    = 0xA000,
  _Close   = 0xA001,
  _Read    = 0xA002,
  _Write   = 0xA003,
  _Control = 0xA004,
  _Status  = 0xA005,
  _KillIO  = 0xA006
};
enum { ioInProgress = 1 }; /* ioResult while a request is pending */

/* Control and Status codes with a meaning of their own. */
enum {
  goodbye   = -1, /* heap being reinitialized */
  killCode  = 1,  /* KillIO as a Control call */
  accEvent  = 64,
  accRun    = 65,
  accCursor = 66,
  accMenu   = 67,
  accUndo   = 68,
  accCut    = 70,
  accCopy   = 71,
  accPaste  = 72,
  accClear  = 73
};

/* ---- Native Driver Model ------------------------------------------------- */

typedef struct OpaqueAddressSpaceID *AddressSpaceID;
#define kCurrentAddressSpaceID ((AddressSpaceID)0)

typedef struct OpaqueIOCommandID *IOCommandID;
typedef SInt16 DriverRefNum;
typedef UInt16 UnitNumber;
typedef UInt32 DriverOpenCount;
typedef SInt16 DriverFlags;

typedef struct DriverInitInfo {
  DriverRefNum refNum;
  RegEntryID   deviceEntry;
} DriverInitInfo;
typedef DriverInitInfo *DriverInitInfoPtr;
typedef DriverInitInfo DriverReplaceInfo;
typedef DriverInitInfo *DriverReplaceInfoPtr;

typedef struct DriverFinalInfo {
  DriverRefNum refNum;
  RegEntryID   deviceEntry;
} DriverFinalInfo;
typedef DriverFinalInfo *DriverFinalInfoPtr;
typedef DriverFinalInfo DriverSupersededInfo;
typedef DriverFinalInfo *DriverSupersededInfoPtr;

typedef union IOCommandContents {
  ParmBlkPtr              pb;
  DriverInitInfoPtr       initialInfo;
  DriverFinalInfoPtr      finalInfo;
  DriverReplaceInfoPtr    replaceInfo;
  DriverSupersededInfoPtr supersededInfo;
} IOCommandContents;

typedef UInt32 IOCommandCode;
enum {
  kOpenCommand            = 0,
  kCloseCommand           = 1,
  kReadCommand            = 2,
  kWriteCommand           = 3,
  kControlCommand         = 4,
  kStatusCommand          = 5,
  kKillIOCommand          = 6,
  kInitializeCommand      = 7,
  kFinalizeCommand        = 8,
  kReplaceCommand         = 9,
  kSupersededCommand      = 10,
  kSuspendCommand         = 11,
  kResumeCommand          = 12,
  kPowerManagementCommand = 13
};

typedef UInt32 IOCommandKind;
enum {
  kSynchronousIOCommandKind  = 0x00000001,
  kAsynchronousIOCommandKind = 0x00000002,
  kImmediateIOCommandKind    = 0x00000004
};

/* The type of the entry point every native driver exports under the name
 * DoDriverIO. Like Apple's header, this one declares no DoDriverIO: a driver
 * defines it, as
 *
 *   OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID,
 *                       IOCommandContents contents, IOCommandCode cmdCode,
 *                       IOCommandKind cmdKind);
 *
 * The Device Manager takes its result as an OSErr (the low 16 bits), the
 * type of every ioResult, so a driver written with an OSErr result works
 * too. */
typedef OSStatus (*DriverEntryPointPtr)(AddressSpaceID spaceID, IOCommandID cmdID,
                                        IOCommandContents contents, IOCommandCode cmdCode,
                                        IOCommandKind cmdKind);

/* ---- Parameter-block calls ---------------------------------------------- *
 * Sync calls return when the request is complete, with its result. Async
 * calls return noErr once the request is accepted (or the error that refused
 * it) and run ioCompletion when it completes. Immed calls go straight to the
 * driver, bypassing the queue, and return its result. */
extern OSErr PBOpenSync(ParmBlkPtr paramBlock);
extern OSErr PBOpenAsync(ParmBlkPtr paramBlock);
extern OSErr PBOpenImmed(ParmBlkPtr paramBlock);
extern OSErr PBCloseSync(ParmBlkPtr paramBlock);
extern OSErr PBCloseAsync(ParmBlkPtr paramBlock);
extern OSErr PBCloseImmed(ParmBlkPtr paramBlock);
extern OSErr PBReadSync(ParmBlkPtr paramBlock);
extern OSErr PBReadAsync(ParmBlkPtr paramBlock);
extern OSErr PBReadImmed(ParmBlkPtr paramBlock);
extern OSErr PBWriteSync(ParmBlkPtr paramBlock);
extern OSErr PBWriteAsync(ParmBlkPtr paramBlock);
extern OSErr PBWriteImmed(ParmBlkPtr paramBlock);
extern OSErr PBControlSync(ParmBlkPtr paramBlock);
extern OSErr PBControlAsync(ParmBlkPtr paramBlock);
extern OSErr PBControlImmed(ParmBlkPtr paramBlock);
extern OSErr PBStatusSync(ParmBlkPtr paramBlock);
extern OSErr PBStatusAsync(ParmBlkPtr paramBlock);
extern OSErr PBStatusImmed(ParmBlkPtr paramBlock);
extern OSErr PBKillIOSync(ParmBlkPtr paramBlock);
extern OSErr PBKillIOAsync(ParmBlkPtr paramBlock);
extern OSErr PBKillIOImmed(ParmBlkPtr paramBlock);

#define PBOpen(pb, async) ((async) ? PBOpenAsync(pb) : PBOpenSync(pb))
#define PBClose(pb, async) ((async) ? PBCloseAsync(pb) : PBCloseSync(pb))
#define PBRead(pb, async) ((async) ? PBReadAsync(pb) : PBReadSync(pb))
#define PBWrite(pb, async) ((async) ? PBWriteAsync(pb) : PBWriteSync(pb))
#define PBControl(pb, async) ((async) ? PBControlAsync(pb) : PBControlSync(pb))
#define PBStatus(pb, async) ((async) ? PBStatusAsync(pb) : PBStatusSync(pb))
#define PBKillIO(pb, async) ((async) ? PBKillIOAsync(pb) : PBKillIOSync(pb))

/* High-level calls, each a sync PB call made for the caller. */
extern OSErr OpenDriver(ConstStr255Param name, short *drvrRefNum);
extern OSErr CloseDriver(short refNum);
/* Opens the installed driver at refNum (Driver Loader Library): the way to
 * open one of several drivers that share a name, which OpenDriver cannot
 * tell apart. Returns Open's result; unitEmptyErr or badUnitErr when no
 * driver is installed there. */
extern OSErr OpenInstalledDriver(DriverRefNum refNum, SInt8 ioPermission);
extern OSErr Control(short refNum, short csCode, const void *csParamPtr);
extern OSErr Status(short refNum, short csCode, void *csParamPtr);
extern OSErr KillIO(short refNum);

/* The DCE of an installed driver, or NULL. */
extern DCtlHandle GetDCtlEntry(short refNum);
/* Classic completion of the request at the head of the DCE queue. Native
 * drivers use IOCommandIsComplete; concurrent ones must not call IODone. */
extern void IODone(DCtlPtr theDCtl, OSErr theResult);

#ifdef __cplusplus
}
#endif
#endif /* __DEVICES__ */
