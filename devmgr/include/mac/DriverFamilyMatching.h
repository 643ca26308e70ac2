/*
 * DriverFamilyMatching.h - the DriverDescription a native driver exports as
 * TheDriverDescription: its 'mtej' signature, the device it matches, its
 * run-time options and the services it offers.
 */
#ifndef __DRIVERFAMILYMATCHING__
#define __DRIVERFAMILYMATCHING__

#include "MacTypes.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  kTheDescriptionSignature    = 0x6D74656A, /* 'mtej' */
  kDriverDescriptionSignature = 0x70646573  /* 'pdes' */
};
enum {
  kInitialDriverDescriptor   = 0,
  kVersionOneDriverDescriptor = 1
};

typedef UInt32 DriverDescVersion;
typedef UInt32 RuntimeOptions;
typedef UInt32 ServiceCount;

/* driverRuntime flags. */
enum {
  kDriverIsLoadedUponDiscovery      = 0x00000001,
  kDriverIsOpenedUponLoad           = 0x00000002,
  kDriverIsUnderExpertControl       = 0x00000004,
  kDriverIsConcurrent               = 0x00000008,
  kDriverQueuesIOPB                 = 0x00000010,
  kDriverIsLoadedAtBoot             = 0x00000020,
  kDriverIsForVirtualDevice         = 0x00000040,
  kDriverSupportDMSuspendAndResume  = 0x00000080
};

typedef struct DriverType {
  Str31      nameInfoStr; /* device name it matches */
  NumVersion version;
} DriverType;
typedef DriverType *DriverTypePtr;

typedef struct DriverOSRuntime {
  RuntimeOptions driverRuntime;
  Str31          driverName;       /* the name OpenDriver finds it by */
  UInt32         driverDescReserved[8];
} DriverOSRuntime;
typedef DriverOSRuntime *DriverOSRuntimePtr;

typedef struct DriverServiceInfo {
  OSType     serviceCategory;
  OSType     serviceType;
  NumVersion serviceVersion;
} DriverServiceInfo;
typedef DriverServiceInfo *DriverServiceInfoPtr;

typedef struct DriverOSService {
  ServiceCount      nServices;
  DriverServiceInfo service[1];
} DriverOSService;
typedef DriverOSService *DriverOSServicePtr;

/* Service categories and the types of the 'ndrv' category. */
enum {
  kServiceCategoryDisplay      = 0x64697370, /* 'disp' */
  kServiceCategoryOpenTransport = 0x6F74616E, /* 'otan' */
  kServiceCategoryBlockStorage = 0x626C6F6B, /* 'blok' */
  kServiceCategoryNdrvDriver   = 0x6E647276, /* 'ndrv' */
  kServiceCategoryScsiSIM      = 0x73637369, /* 'scsi' */
  kServiceCategoryFileManager  = 0x66696C65  /* 'file' */
};
enum {
  kNdrvTypeIsGeneric      = 0x67656E72, /* 'genr' */
  kNdrvTypeIsVideo        = 0x7669646F, /* 'vido' */
  kNdrvTypeIsBlockStorage = 0x626C6F6B, /* 'blok' */
  kNdrvTypeIsNetworking   = 0x6E657477, /* 'netw' */
  kNdrvTypeIsSerial       = 0x7365726C, /* 'serl' */
  kNdrvTypeIsParallel     = 0x7061726C, /* 'parl' */
  kNdrvTypeIsSound        = 0x736F6E64  /* 'sond' */
};

typedef struct DriverDescription {
  OSType            driverDescSignature; /* kTheDescriptionSignature */
  DriverDescVersion driverDescVersion;   /* kInitialDriverDescriptor */
  DriverType        driverType;
  DriverOSRuntime   driverOSRuntimeInfo;
  DriverOSService   driverServices;
} DriverDescription;
typedef DriverDescription *DriverDescriptionPtr;

#ifdef __cplusplus
}
#endif
#endif /* __DRIVERFAMILYMATCHING__ */
