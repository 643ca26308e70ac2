/*
 * MacTypes.h - the basic types of the classic Mac OS interfaces, with Apple's
 * names, for drivers and clients compiled against dmsim.
 *
 * Layouts are host-native (dmsim runs drivers on the host CPU); names, order
 * and widths of fields follow Apple's Universal Interfaces.
 */
#ifndef __MACTYPES__
#define __MACTYPES__

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint8_t  UInt8;
typedef int8_t   SInt8;
typedef uint16_t UInt16;
typedef int16_t  SInt16;
typedef uint32_t UInt32;
typedef int32_t  SInt32;
typedef uint64_t UInt64;
typedef int64_t  SInt64;

typedef unsigned char Boolean;
typedef char         *Ptr;
typedef Ptr          *Handle;
typedef long          Size;
typedef SInt16        OSErr;
typedef SInt32        OSStatus;
typedef UInt32        FourCharCode;
typedef FourCharCode  OSType;
typedef FourCharCode  ResType;
typedef UInt32        ByteCount;
typedef UInt32        ItemCount;
typedef UInt32        OptionBits;
typedef void         *LogicalAddress;
typedef const void   *ConstLogicalAddress;
typedef void         *PhysicalAddress;
typedef UInt8        *BytePtr;
typedef SInt32        Duration;
typedef long        (*ProcPtr)(void);
typedef ProcPtr       UniversalProcPtr;

typedef unsigned char  Str255[256];
typedef unsigned char  Str63[64];
typedef unsigned char  Str31[32];
typedef unsigned char  Str15[16];
typedef unsigned char *StringPtr;
typedef StringPtr     *StringHandle;
typedef const unsigned char *ConstStringPtr;
typedef const unsigned char *ConstStr255Param;
typedef const unsigned char *ConstStr63Param;
typedef const unsigned char *ConstStr31Param;

/* A 64-bit unsigned value as two 32-bit halves, high half first. */
typedef struct UnsignedWide {
  UInt32 hi;
  UInt32 lo;
} UnsignedWide;
typedef struct wide {
  SInt32 hi;
  UInt32 lo;
} wide;
typedef UnsignedWide AbsoluteTime;
typedef UnsignedWide Nanoseconds;

typedef struct NumVersion {
  UInt8 majorRev;        /* 1st part of version number in BCD */
  UInt8 minorAndBugRev;  /* 2nd and 3rd parts in BCD, nibble each */
  UInt8 stage;           /* development, alpha, beta, final */
  UInt8 nonRelRev;       /* revision at this stage */
} NumVersion;

enum {
  developStage = 0x20,
  alphaStage   = 0x40,
  betaStage    = 0x60,
  finalStage   = 0x80
};

enum { noErr = 0 };

#ifndef nil
#define nil NULL
#endif
#ifndef true
#define true 1
#endif
#ifndef false
#define false 0
#endif

/* 68K/PowerPC calling-convention keywords mean nothing on the host. */
#ifndef pascal
#define pascal
#endif
#define EXTERN_API(t) extern t
#define EXTERN_API_C(t) extern t
#define CALLBACK_API(t, name) t (*name)
#define CALLBACK_API_C(t, name) t (*name)

#ifdef __cplusplus
}
#endif
#endif /* __MACTYPES__ */
