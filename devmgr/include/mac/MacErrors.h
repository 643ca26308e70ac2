/*
 * MacErrors.h - the result codes of the Device Manager, the queue utilities
 * and the Driver Services a native driver meets, with Apple's names and values.
 *
 * DM_MAC_ERR_MAP is the one table of codes in dmsim: Apple's enum below and
 * dmsim's dm_err_name()/dm_strerror() are both generated from it. noErr (0)
 * lives in MacTypes.h, as in Apple's headers, and is not repeated here.
 */
#ifndef __MACERRORS__
#define __MACERRORS__

#include "MacTypes.h"

#define DM_MAC_ERR_MAP(XX)                                                      \
  XX(qErr, -1, "queue element not found")                                      \
  XX(vTypErr, -2, "invalid queue element")                                     \
  XX(corErr, -3, "core routine number out of range")                           \
  XX(unimpErr, -4, "unimplemented core routine")                               \
  XX(controlErr, -17, "driver not enabled for Control, or Control failed")     \
  XX(statusErr, -18, "driver not enabled for Status, or Status failed")        \
  XX(readErr, -19, "driver not enabled for Read, or Read failed")              \
  XX(writErr, -20, "driver not enabled for Write, or Write failed")            \
  XX(badUnitErr, -21, "refNum outside the unit table")                         \
  XX(unitEmptyErr, -22, "unit-table entry holds no driver")                    \
  XX(openErr, -23, "open failed, or permission not granted")                   \
  XX(closErr, -24, "driver refused to close")                                  \
  XX(dRemovErr, -25, "tried to remove an open driver")                         \
  XX(dInstErr, -26, "driver could not be installed")                           \
  XX(abortErr, -27, "request aborted by KillIO")                               \
  XX(notOpenErr, -28, "driver not open")                                       \
  XX(unitTblFullErr, -29, "unit table full")                                   \
  XX(dceExtErr, -30, "DCE extension error")                                    \
  XX(ioErr, -36, "I/O error")                                                  \
  XX(eofErr, -39, "end of file")                                               \
  XX(posErr, -40, "position before start of file")                             \
  XX(wPrErr, -44, "volume or medium is write-protected")                       \
  XX(paramErr, -50, "invalid parameter")                                       \
  XX(nsDrvErr, -56, "no such drive")                                           \
  XX(offLinErr, -65, "read or write on an off-line drive")                     \
  XX(portInUse, -97, "port already in use")                                    \
  XX(portNotCf, -98, "port not configured")                                    \
  XX(memFullErr, -108, "not enough memory")                                    \
  XX(nilHandleErr, -109, "nil handle")                                         \
  XX(userCanceledErr, -128, "user cancelled")                                  \
  XX(kernelIncompleteErr, -2401, "kernel: operation incomplete")               \
  XX(kernelCanceledErr, -2402, "kernel: operation cancelled")                  \
  XX(kernelOptionsErr, -2403, "kernel: bad options")                           \
  XX(kernelExecutionLevelErr, -2411, "kernel: wrong execution level")          \
  XX(kernelIDErr, -2419, "kernel: bad ID")                                     \
  XX(kernelAlreadyFreeErr, -2421, "kernel: already free")                      \
  XX(nrNotFoundErr, -2536, "name registry: not found")                         \
  XX(dsIOCoreErr, 14, "I/O core error (system error)")

#ifdef __cplusplus
extern "C" {
#endif

enum {
#define XX(name, value, text) name = value,
  DM_MAC_ERR_MAP(XX)
#undef XX
  iIOAbortErr = abortErr /* Apple's other name for -27 */
};

#ifdef __cplusplus
}
#endif
#endif /* __MACERRORS__ */
