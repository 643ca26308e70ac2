/*
 * DMSim.h - the one dmsim call a native driver makes that Apple never had:
 * start the simulated device it was installed for, and be interrupted when
 * the device finishes. Everything else a driver uses has Apple's name.
 *
 * On a real Mac this is where a driver would write device registers and
 * install an interrupt handler through the Interrupt Manager.
 */
#ifndef __DMSIM__
#define __DMSIM__

#include "MacTypes.h"
#include "NameRegistry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Runs at hardware interrupt level when the operation finishes; status is
 * noErr or the device's error. */
typedef void (*DMSimInterruptHandler)(void *refCon, OSStatus status);

/* Start an operation of byteCount bytes on the device named by deviceEntry
 * (the one in DriverInitInfo). Returns noErr when started; paramErr when the
 * driver was installed without a device; memFullErr when it cannot queue. */
extern OSStatus DMSimHardwareStart(const RegEntryID *deviceEntry, ByteCount byteCount,
                                   DMSimInterruptHandler handler, void *refCon);

#ifdef __cplusplus
}
#endif
#endif /* __DMSIM__ */
