/*
 * Files.h - the parameter blocks of the Device Manager calls (ParamBlockRec,
 * IOParam, CntrlParam, SlotDevParam, MultiDevParam), the completion routine
 * type, and the positioning and permission constants.
 *
 * Field names and order are Apple's; the layout is the host's. File Manager
 * parameter blocks are not part of dmsim and are left out.
 */
#ifndef __FILES__
#define __FILES__

#include "MacTypes.h"
#include "OSUtils.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef union ParamBlockRec ParamBlockRec;
typedef ParamBlockRec *ParmBlkPtr;

/* A completion routine receives only its parameter block and reads the
 * result from ioResult. */
typedef pascal void (*IOCompletionProcPtr)(ParmBlkPtr paramBlock);
typedef IOCompletionProcPtr IOCompletionUPP;

static inline IOCompletionUPP NewIOCompletionUPP(IOCompletionProcPtr userRoutine)
{
  return userRoutine;
}
static inline void DisposeIOCompletionUPP(IOCompletionUPP userUPP)
{
  (void)userUPP;
}
static inline void InvokeIOCompletionUPP(ParmBlkPtr paramBlock, IOCompletionUPP userUPP)
{
  userUPP(paramBlock);
}

/* The fields every parameter block starts with. */
#define ParamBlockHeader                                                       \
  QElemPtr        qLink;        /* queue link */                              \
  short           qType;        /* ioQType while queued by the Device Manager */ \
  short           ioTrap;       /* trap word, with async/immediate bits */     \
  Ptr             ioCmdAddr;    /* native drivers: the IOCommandID */          \
  IOCompletionUPP ioCompletion; /* completion routine, or NULL */              \
  volatile OSErr  ioResult;     /* > 0 in progress, <= 0 the result */         \
  StringPtr       ioNamePtr;    /* driver name for Open */                     \
  short           ioVRefNum     /* drive number for disk drivers */

typedef struct IOParam {
  ParamBlockHeader;
  short ioRefNum;    /* driver reference number */
  SInt8 ioVersNum;
  SInt8 ioPermssn;   /* fsCurPerm ... fsRdWrShPerm */
  Ptr   ioMisc;
  Ptr   ioBuffer;    /* data buffer */
  long  ioReqCount;  /* bytes requested */
  long  ioActCount;  /* bytes transferred */
  short ioPosMode;   /* fsAtMark, fsFromStart, fsFromMark, and flag bits */
  long  ioPosOffset; /* position for fsFromStart / fsFromMark */
} IOParam;
typedef IOParam *IOParamPtr;

typedef struct CntrlParam {
  ParamBlockHeader;
  short ioCRefNum;   /* driver reference number */
  short csCode;      /* control or status code */
  short csParam[11]; /* call-specific parameters */
} CntrlParam;
typedef CntrlParam *CntrlParamPtr;

typedef struct SlotDevParam {
  ParamBlockHeader;
  short ioSRefNum;
  SInt8 ioSVersNum;
  SInt8 ioSPermssn;
  Ptr   ioSMix;
  short ioSFlags;
  SInt8 ioSlot;
  SInt8 ioID;
} SlotDevParam;
typedef SlotDevParam *SlotDevParamPtr;

typedef struct MultiDevParam {
  ParamBlockHeader;
  short ioMRefNum;
  SInt8 ioMVersNum;
  SInt8 ioMPermssn;
  Ptr   ioMMix;
  short ioMFlags;
  Ptr   ioSEBlkPtr;
} MultiDevParam;
typedef MultiDevParam *MultiDevParamPtr;

union ParamBlockRec {
  IOParam       ioParam;
  CntrlParam    cntrlParam;
  SlotDevParam  slotDevParam;
  MultiDevParam multiDevParam;
};

/* ioPosMode positioning modes and flag bits. */
enum {
  fsAtMark    = 0,
  fsFromStart = 1,
  fsFromLEOF  = 2,
  fsFromMark  = 3
};
enum {
  pleaseCacheBit  = 4,
  pleaseCacheMask = 0x0010,
  noCacheBit      = 5,
  noCacheMask     = 0x0020,
  rdVerifyBit     = 6,
  rdVerifyMask    = 0x0040,
  rdVerify        = 64,
  forceReadBit    = 6,
  forceReadMask   = 0x0040,
  newLineBit      = 7,
  newLineMask     = 0x0080,
  newLineCharMask = 0xFF00
};
/* ioPermssn values. */
enum {
  fsCurPerm    = 0,
  fsRdPerm     = 1,
  fsWrPerm     = 2,
  fsRdWrPerm   = 3,
  fsRdWrShPerm = 4
};

#ifdef __cplusplus
}
#endif
#endif /* __FILES__ */
