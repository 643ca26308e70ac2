/*
 * SCSIControllerDriverKit.h - the dext side of a parallel-task SCSI
 * controller, in C: what an HBA controller implements and what it calls,
 * with the names, field order, sizes and values of Apple's
 * IOUserSCSIParallelInterfaceController (macOS 15.4, bundled calls included).
 *
 * C has no classes, so the controller's methods are a table of function
 * pointers (SCSIControllerMethods) whose first argument is the controller
 * object the framework made (the C++ `this`), and the controller exports one
 * description, TheSCSIControllerDescription, the way a native driver exports
 * TheDriverDescription. Every method returns kern_return_t unless Apple's
 * returns void.
 *
 * The framework calls, in this order: UserInitializeController (once),
 * UserReportMaximumTaskCount (must give a count above 0), the UserReport* and
 * UserDoes* queries, UserMapHBAData once per task object,
 * UserMapBundledParallelTaskCommandAndResponseBuffers (success opts in to the
 * bundled path; any error keeps the per-task path), UserStartController, and
 * only then I/O: UserProcessParallelTask (one task, copied in; its response
 * copied out through ParallelTaskCompletion) or UserProcessBundledParallelTasks
 * (1 to 32 slot indices into the two shared buffers; slots come back through
 * BundledParallelTaskCompletion). A slot belongs to the controller from the
 * call that hands it over until the completion that returns it, and to the
 * framework otherwise.
 *
 * In dmsim every method runs at secondary interrupt level on the machine the
 * controller was created on, so a controller may use the Driver Services
 * (QueueSecondaryInterruptHandler, SetInterruptTimer, ...) and DMSim.h's bus
 * calls.
 */
#ifndef __SCSICONTROLLERDRIVERKIT__
#define __SCSICONTROLLERDRIVERKIT__

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "NameRegistry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- kern_return_t ------------------------------------------------------- */

typedef int32_t kern_return_t;
typedef kern_return_t IOReturn;

#define kIOReturnSuccess 0
#define kIOReturnError ((IOReturn)0xE00002BC)
#define kIOReturnNoMemory ((IOReturn)0xE00002BD)
#define kIOReturnNoResources ((IOReturn)0xE00002BE)
#define kIOReturnNoDevice ((IOReturn)0xE00002C0)
#define kIOReturnBadArgument ((IOReturn)0xE00002C2)
#define kIOReturnUnsupported ((IOReturn)0xE00002C7)
#define kIOReturnIOError ((IOReturn)0xE00002CA)
#define kIOReturnBusy ((IOReturn)0xE00002D5)
#define kIOReturnTimeout ((IOReturn)0xE00002D6)
#define kIOReturnNotReady ((IOReturn)0xE00002D8)
#define kIOReturnNotFound ((IOReturn)0xE00002F0)

/* ---- identifiers and constants ----------------------------------------- */

typedef uint64_t SCSIDeviceIdentifier;
typedef SCSIDeviceIdentifier SCSITargetIdentifier;
typedef uint8_t SCSILogicalUnitBytes[8];
typedef uint8_t SCSICommandDescriptorBlock[16];

enum {
  kSCSIParallelFeature_WideDataTransfer              = 0,
  kSCSIParallelFeature_SynchronousDataTransfer       = 1,
  kSCSIParallelFeature_QuickArbitrationAndSelection  = 2,
  kSCSIParallelFeature_DoubleTransitionDataTransfers = 3,
  kSCSIParallelFeature_InformationUnitTransfers      = 4,
  kSCSIParallelFeature_TotalFeatureCount             = 5
};

enum {
  kMaxSenseBufferSize        = 256,
  kMaxBundledParallelTasks   = 32,
  kSCSIUntaggedTaskIdentifier = 0
};

enum {
  kScsiUserParallelTaskCurrentVersion1         = 1,
  kScsiUserParallelTaskResponseCurrentVersion1 = 1
};

/* Apple declares these enums `: unsigned int`: four bytes each. */
typedef uint32_t SCSITaskAttribute;
enum {
  kSCSITask_SIMPLE        = 0,
  kSCSITask_ORDERED       = 1,
  kSCSITask_HEAD_OF_QUEUE = 2,
  kSCSITask_ACA           = 3
};

typedef uint32_t SCSIServiceResponse;
enum {
  kSCSIServiceResponse_Request_In_Process                 = 0,
  kSCSIServiceResponse_SERVICE_DELIVERY_OR_TARGET_FAILURE = 1,
  kSCSIServiceResponse_TASK_COMPLETE                      = 2,
  kSCSIServiceResponse_LINK_COMMAND_COMPLETE              = 3,
  kSCSIServiceResponse_FUNCTION_COMPLETE                  = 4,
  kSCSIServiceResponse_FUNCTION_REJECTED                  = 5
};

/* SAM status, valid with TASK_COMPLETE or LINK_COMMAND_COMPLETE ... */
typedef uint32_t SCSITaskStatus;
enum {
  kSCSITaskStatus_GOOD                       = 0x00,
  kSCSITaskStatus_CHECK_CONDITION            = 0x02,
  kSCSITaskStatus_CONDITION_MET              = 0x04,
  kSCSITaskStatus_BUSY                       = 0x08,
  kSCSITaskStatus_INTERMEDIATE               = 0x10,
  kSCSITaskStatus_INTERMEDIATE_CONDITION_MET = 0x14,
  kSCSITaskStatus_RESERVATION_CONFLICT       = 0x18,
  kSCSITaskStatus_TASK_SET_FULL              = 0x28,
  kSCSITaskStatus_ACA_ACTIVE                 = 0x30
};
/* ... and Apple's delivery failures, valid with
 * SERVICE_DELIVERY_OR_TARGET_FAILURE only (the values overlap). */
enum {
  kSCSITaskStatus_TaskTimeoutOccurred     = 0x01,
  kSCSITaskStatus_ProtocolTimeoutOccurred = 0x02,
  kSCSITaskStatus_DeviceNotResponding     = 0x03,
  kSCSITaskStatus_DeviceNotPresent        = 0x04,
  kSCSITaskStatus_DeliveryFailure         = 0x05,
  kSCSITaskStatus_No_Status               = 0xFF
};

enum {
  kSCSIDataTransfer_NoDataTransfer        = 0,
  kSCSIDataTransfer_FromInitiatorToTarget = 1,
  kSCSIDataTransfer_FromTargetToInitiator = 2
};

enum {
  kSCSICDBSize_6Byte   = 6,
  kSCSICDBSize_10Byte  = 10,
  kSCSICDBSize_12Byte  = 12,
  kSCSICDBSize_16Byte  = 16,
  kSCSICDBSize_Maximum = 16
};

typedef uint32_t SCSIParallelFeatureRequest;
enum {
  kSCSIParallelFeature_NoNegotiation      = 0,
  kSCSIParallelFeature_AttemptNegotiation = 1,
  kSCSIParallelFeature_ClearNegotiation   = 2
};
typedef uint32_t SCSIParallelFeatureResult; /* Apple spells "Negotitiation" */
enum {
  kSCSIParallelFeature_NegotitiationUnchanged = 0,
  kSCSIParallelFeature_NegotitiationCleared   = 1,
  kSCSIParallelFeature_NegotitiationSuccess   = 2
};

typedef uint16_t DMAOutputSegmentType;
enum {
  kDMAOutputSegmentTypeHost32   = 0,
  kDMAOutputSegmentTypeBig32    = 1,
  kDMAOutputSegmentTypeLittle32 = 2,
  kDMAOutputSegmentTypeHost64   = 3,
  kDMAOutputSegmentTypeBig64    = 4,
  kDMAOutputSegmentTypeLittle64 = 5
};

/* Sense keys (fixed-format sense byte 2, low nibble). */
enum {
  kSENSE_KEY_NO_SENSE        = 0x0,
  kSENSE_KEY_RECOVERED_ERROR = 0x1,
  kSENSE_KEY_NOT_READY       = 0x2,
  kSENSE_KEY_MEDIUM_ERROR    = 0x3,
  kSENSE_KEY_HARDWARE_ERROR  = 0x4,
  kSENSE_KEY_ILLEGAL_REQUEST = 0x5,
  kSENSE_KEY_UNIT_ATTENTION  = 0x6,
  kSENSE_KEY_DATA_PROTECT    = 0x7,
  kSENSE_KEY_BLANK_CHECK     = 0x8,
  kSENSE_KEY_VENDOR_SPECIFIC = 0x9,
  kSENSE_KEY_COPY_ABORTED    = 0xA,
  kSENSE_KEY_ABORTED_COMMAND = 0xB,
  kSENSE_KEY_VOLUME_OVERFLOW = 0xD,
  kSENSE_KEY_MISCOMPARE      = 0xE
};
enum {
  kSENSE_RESPONSE_CODE_Current_Errors  = 0x70,
  kSENSE_RESPONSE_CODE_Deferred_Errors = 0x71,
  kSENSE_DATA_VALID                    = 0x80
};

/* ---- the task and its response (128 and 384 bytes) ----------------------- */

typedef struct SCSIUserParallelTask {
  uint64_t                   version; /* kScsiUserParallelTaskCurrentVersion1 */
  SCSITargetIdentifier       fTargetID;
  SCSIParallelFeatureRequest fSCSIParallelFeatureRequest[kSCSIParallelFeature_TotalFeatureCount];
  uint64_t                   fSCSIParallelFeatureRequestCount;
  uint64_t                   fControllerTaskIdentifier; /* the id UserMapHBAData gave */
  uint64_t                   fRequestedTransferCount;   /* bytes */
  uint64_t                   fBufferIOVMAddr; /* one contiguous segment of that many bytes */
  SCSITaskAttribute          fTaskAttribute;
  uint64_t                   fTaskTagIdentifier; /* 0: untagged */
  SCSILogicalUnitBytes       fLogicalUnitBytes;
  SCSICommandDescriptorBlock fCommandDescriptorBlock;
  uint8_t                    fCommandSize;       /* 6, 10, 12 or 16 */
  uint8_t                    fTransferDirection; /* kSCSIDataTransfer_* */
  uint32_t                   fTimeoutInMilliSec;
  uint8_t                    reserved[6];
} SCSIUserParallelTask;

typedef struct SCSIUserParallelResponse {
  uint64_t                  version; /* must be kScsiUserParallelTaskResponseCurrentVersion1 */
  SCSITargetIdentifier      fTargetID;                  /* echo of the task's */
  SCSIParallelFeatureResult fSCSIParallelFeatureResult[kSCSIParallelFeature_TotalFeatureCount];
  uint64_t                  fSCSIParallelFeatureRequestResultCount;
  uint64_t                  fControllerTaskIdentifier;  /* echo of the task's */
  SCSITaskStatus            fCompletionStatus;
  SCSIServiceResponse       fServiceResponse;
  uint64_t                  fBytesTransferred;
  uint8_t                   fSenseLength; /* one byte: at most 255 of the 256 */
  uint8_t                   fSenseBuffer[kMaxSenseBufferSize];
  uint8_t                   reserved[51];
} SCSIUserParallelResponse;

_Static_assert(sizeof(SCSIUserParallelTask) == 128, "SCSIUserParallelTask is 128 bytes");
_Static_assert(sizeof(SCSIUserParallelResponse) == 384, "SCSIUserParallelResponse is 384 bytes");
_Static_assert(offsetof(SCSIUserParallelTask, fCommandDescriptorBlock) == 96, "task layout");
_Static_assert(offsetof(SCSIUserParallelTask, fTimeoutInMilliSec) == 116, "task layout");
_Static_assert(offsetof(SCSIUserParallelResponse, fSenseLength) == 72, "response layout");
_Static_assert(offsetof(SCSIUserParallelResponse, reserved) == 329, "response layout");

/* ---- objects the framework hands the controller ------------------------- */

/* The framework's controller object: the `this` of every method. */
typedef struct IOUserSCSIParallelInterfaceController IOUserSCSIParallelInterfaceController;
/* A completion the controller calls through ParallelTaskCompletion or
 * BundledParallelTaskCompletion; valid while the controller lives. */
typedef struct OSAction OSAction;
/* One of the two contiguous buffers of the bundled path. */
typedef struct IOBufferMemoryDescriptor IOBufferMemoryDescriptor;

typedef struct IOAddressSegment {
  uint64_t address;
  uint64_t length;
} IOAddressSegment;

/* ---- the methods a controller implements (the framework calls them) ----- */

typedef struct SCSIControllerMethods {
  kern_return_t (*UserInitializeController)(IOUserSCSIParallelInterfaceController *self);
  kern_return_t (*UserStartController)(IOUserSCSIParallelInterfaceController *self);
  kern_return_t (*UserReportMaximumTaskCount)(IOUserSCSIParallelInterfaceController *self, uint32_t *count);
  kern_return_t (*UserReportInitiatorIdentifier)(IOUserSCSIParallelInterfaceController *self, uint64_t *id);
  kern_return_t (*UserReportHighestSupportedDeviceID)(IOUserSCSIParallelInterfaceController *self, uint64_t *id);
  kern_return_t (*UserReportHBAHighestLogicalUnitNumber)(IOUserSCSIParallelInterfaceController *self, uint64_t *value);
  kern_return_t (*UserDoesHBAPerformAutoSense)(IOUserSCSIParallelInterfaceController *self, bool *result);
  kern_return_t (*UserDoesHBASupportMultiPathing)(IOUserSCSIParallelInterfaceController *self, bool *result);
  kern_return_t (*UserDoesHBAPerformDeviceManagement)(IOUserSCSIParallelInterfaceController *self, bool *result);
  kern_return_t (*UserDoesHBASupportSCSIParallelFeature)(IOUserSCSIParallelInterfaceController *self, uint32_t theValue,
                                                         bool *result);
  kern_return_t (*UserGetDMASpecification)(IOUserSCSIParallelInterfaceController *self, uint64_t *maxTransferSize,
                                           uint32_t *alignment, uint8_t *numAddressBits,
                                           DMAOutputSegmentType *segmentType);
  kern_return_t (*UserInitializeTargetForID)(IOUserSCSIParallelInterfaceController *self, SCSITargetIdentifier targetID);
  kern_return_t (*UserMapHBAData)(IOUserSCSIParallelInterfaceController *self, uint32_t *uniqueTaskID);
  kern_return_t (*UserMapBundledParallelTaskCommandAndResponseBuffers)(
      IOUserSCSIParallelInterfaceController *self, IOBufferMemoryDescriptor *parallelCommandIOMemoryDescriptor,
      IOBufferMemoryDescriptor *parallelResponseIOMemoryDescriptor);
  kern_return_t (*UserProcessParallelTask)(IOUserSCSIParallelInterfaceController *self, SCSIUserParallelTask parallelRequest,
                                           uint32_t *response, OSAction *completion);
  void (*UserProcessBundledParallelTasks)(
      IOUserSCSIParallelInterfaceController *self, const uint16_t parallelRequestSlotIndices[kMaxBundledParallelTasks],
      uint16_t parallelRequestSlotIndicesCount, OSAction *completion);
  kern_return_t (*UserAbortTaskRequest)(IOUserSCSIParallelInterfaceController *self, uint64_t theT, uint64_t theL,
                                        uint64_t theQ, uint32_t *response);
  kern_return_t (*UserAbortTaskSetRequest)(IOUserSCSIParallelInterfaceController *self, uint64_t theT, uint64_t theL,
                                           uint32_t *response);
  kern_return_t (*UserClearACARequest)(IOUserSCSIParallelInterfaceController *self, uint64_t theT, uint64_t theL,
                                       uint32_t *response);
  kern_return_t (*UserClearTaskSetRequest)(IOUserSCSIParallelInterfaceController *self, uint64_t theT, uint64_t theL,
                                           uint32_t *response);
  kern_return_t (*UserLogicalUnitResetRequest)(IOUserSCSIParallelInterfaceController *self, uint64_t theT, uint64_t theL,
                                               uint32_t *response);
  kern_return_t (*UserTargetResetRequest)(IOUserSCSIParallelInterfaceController *self, uint64_t theT, uint32_t *response);
  /* IOService::Stop, the one method a controller may leave NULL: called
   * once when the controller goes away, to free what it allocated. */
  kern_return_t (*Stop)(IOUserSCSIParallelInterfaceController *self);
} SCSIControllerMethods;

/* What a controller exports as TheSCSIControllerDescription. */
enum { kSCSIControllerDescriptionSignature = 0x73637369 /* 'scsi' */ };
enum { kSCSIControllerDescriptionVersion = 1 };

typedef struct SCSIControllerDescription {
  uint32_t                    signature; /* kSCSIControllerDescriptionSignature */
  uint32_t                    version;   /* kSCSIControllerDescriptionVersion */
  const char                 *name;      /* the IOUserClass, e.g. "DMSimHBA" */
  size_t                      ivarsSize; /* zeroed bytes the framework keeps per controller */
  const SCSIControllerMethods *methods;  /* every pointer required */
} SCSIControllerDescription;

extern const SCSIControllerDescription TheSCSIControllerDescription;

/* ---- what a controller calls (the framework implements them) ------------- */

/* Completes the task taken in UserProcessParallelTask whose
 * fControllerTaskIdentifier the response echoes. A response whose version
 * is not kScsiUserParallelTaskResponseCurrentVersion1 is dropped without
 * completing anything, as Apple's framework does. */
void ParallelTaskCompletion(OSAction *action, SCSIUserParallelResponse response);

/* Returns 1 to 32 slots the controller owns, each with its response written
 * in the response buffer at the same index. */
void BundledParallelTaskCompletion(OSAction *action,
                                   const uint16_t parallelResponseSlotIndices[kMaxBundledParallelTasks],
                                   uint16_t parallelResponseSlotIndicesCount);

/* The address and length of a bundled buffer, as the controller maps it.
 * kIOReturnSuccess, or kIOReturnBadArgument for NULL arguments. */
kern_return_t IOBufferMemoryDescriptor_GetAddressRange(IOBufferMemoryDescriptor *memory,
                                                       IOAddressSegment *range);

/* The controller's instance variables: ivarsSize zeroed bytes, or NULL when
 * the description asked for none. */
void *IOUserSCSIParallelInterfaceController_GetIvars(IOUserSCSIParallelInterfaceController *self);

/* A personality property of this controller (e.g. "path"), copied into
 * value (always terminated). kIOReturnSuccess, or kIOReturnNotFound. */
kern_return_t IOUserSCSIParallelInterfaceController_CopyProperty(
    IOUserSCSIParallelInterfaceController *self, const char *key, char *value, size_t length);

/* The provider's entry ID: what DMSim.h's bus calls name the bus by.
 * (On a Mac, the IOPCIDevice the controller matched.) */
const RegEntryID *IOUserSCSIParallelInterfaceController_GetProvider(
    IOUserSCSIParallelInterfaceController *self);

#ifdef __cplusplus
}
#endif
#endif /* __SCSICONTROLLERDRIVERKIT__ */
