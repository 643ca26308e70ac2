/*
 * DriverServices.h - the Driver Services a simple native driver needs:
 * completing commands, execution levels, secondary interrupts, time,
 * interrupt timers, resident memory and block moves.
 *
 * Time in dmsim is simulated: UpTime() is the machine's virtual clock, and
 * one AbsoluteTime unit is one nanosecond.
 */
#ifndef __DRIVERSERVICES__
#define __DRIVERSERVICES__

#include "MacTypes.h"
#include "MacErrors.h"
#include "Devices.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Completing commands ------------------------------------------------- */

/* Complete a sync or async command: the Device Manager posts theResult in
 * ioResult, ends the sync wait or runs the completion routine, and starts
 * the next request of a non-concurrent driver. Task or secondary interrupt
 * level only. Returns noErr, or paramErr for an ID that is not active. */
extern OSErr IOCommandIsComplete(IOCommandID theID, OSErr theResult);
/* What an active command is: noErr, or paramErr when theID is not active. */
extern OSErr GetIOCommandInfo(IOCommandID theID, IOCommandContents *theContents,
                              IOCommandCode *theCommand, IOCommandKind *theKind);

/* ---- Execution levels ---------------------------------------------------- */

typedef UInt32 ExecutionLevel;
enum {
  kTaskLevel               = 0,
  kSoftwareInterruptLevel  = 1,
  kAcceptFunctionLevel     = 2,
  kKernelLevel             = 3,
  kSIHAcceptFunctionLevel  = 4,
  kSecondaryInterruptLevel = 5,
  kHardwareInterruptLevel  = 6,
  kMPTaskLevel             = 7
};
extern ExecutionLevel CurrentExecutionLevel(void);

/* ---- Secondary interrupts ------------------------------------------------ */

typedef struct ExceptionInformation ExceptionInformation;
typedef OSStatus (*ExceptionHandler)(ExceptionInformation *theException);
typedef OSStatus (*SecondaryInterruptHandler2)(void *p1, void *p2);

/* Queue theHandler(p1, p2) to run at secondary interrupt level, after the
 * handlers queued before it and before task level resumes. noErr, or
 * memFullErr. */
extern OSStatus QueueSecondaryInterruptHandler(SecondaryInterruptHandler2 theHandler,
                                               ExceptionHandler exceptionHandler,
                                               void *p1, void *p2);
/* Run theHandler(p1, p2) now at secondary interrupt level and return its
 * result. Not from hardware interrupt level (kernelExecutionLevelErr). */
extern OSStatus CallSecondaryInterruptHandler2(SecondaryInterruptHandler2 theHandler,
                                               ExceptionHandler exceptionHandler,
                                               void *p1, void *p2);

/* ---- Time ---------------------------------------------------------------- */

enum {
  durationMicrosecond = -1,
  durationMillisecond = 1,
  durationSecond      = 1000,
  durationMinute      = 1000 * 60,
  durationHour        = 1000 * 60 * 60,
  durationDay         = 1000 * 60 * 60 * 24,
  durationForever     = 0x7FFFFFFF,
  durationImmediate   = 0
};

extern AbsoluteTime UpTime(void);
extern Nanoseconds  AbsoluteToNanoseconds(AbsoluteTime absoluteTime);
extern Duration     AbsoluteToDuration(AbsoluteTime absoluteTime);
extern AbsoluteTime NanosecondsToAbsolute(Nanoseconds nanoseconds);
extern AbsoluteTime DurationToAbsolute(Duration duration);
extern AbsoluteTime AddAbsoluteToAbsolute(AbsoluteTime absoluteTime1, AbsoluteTime absoluteTime2);
extern AbsoluteTime SubAbsoluteFromAbsolute(AbsoluteTime leftAbsoluteTime, AbsoluteTime rightAbsoluteTime);
extern AbsoluteTime AddNanosecondsToAbsolute(Nanoseconds nanoseconds, AbsoluteTime absoluteTime);
extern AbsoluteTime AddDurationToAbsolute(Duration duration, AbsoluteTime absoluteTime);
extern AbsoluteTime SubNanosecondsFromAbsolute(Nanoseconds nanoseconds, AbsoluteTime absoluteTime);
extern AbsoluteTime SubDurationFromAbsolute(Duration duration, AbsoluteTime absoluteTime);
extern Duration     AbsoluteDeltaToDuration(AbsoluteTime leftAbsoluteTime, AbsoluteTime rightAbsoluteTime);
extern Nanoseconds  DurationToNanoseconds(Duration theDuration);
extern Duration     NanosecondsToDuration(Nanoseconds theNanoseconds);

/* ---- Interrupt timers ---------------------------------------------------- */

typedef struct OpaqueTimerID *TimerID;
/* Run handler(p1, NULL) at secondary interrupt level when the clock reaches
 * *expirationTime. noErr and *theTimer set, or memFullErr. */
extern OSStatus SetInterruptTimer(const AbsoluteTime *expirationTime,
                                  SecondaryInterruptHandler2 handler, void *p1,
                                  TimerID *theTimer);
/* Cancel a pending timer: noErr with the time it had left (if timeRemaining
 * is not NULL), or kernelIDErr when it already fired or never existed. */
extern OSStatus CancelTimer(TimerID theTimer, AbsoluteTime *timeRemaining);

/* ---- Memory -------------------------------------------------------------- */

/* Resident memory: NULL when out of memory; zeroed when clear is true. */
extern LogicalAddress PoolAllocateResident(ByteCount byteSize, Boolean clear);
extern OSStatus       PoolDeallocate(LogicalAddress address);
extern void           BlockCopy(const void *srcPtr, void *destPtr, Size byteCount);
extern void           BlockMove(const void *srcPtr, void *destPtr, Size byteCount);
extern void           BlockZero(void *start, Size length);
/* Order memory accesses to devices; a compiler barrier in dmsim. */
extern void           SynchronizeIO(void);

#ifdef __cplusplus
}
#endif
#endif /* __DRIVERSERVICES__ */
