/*
 * entry.h - the prototype of DoDriverIO, for the drivers built into dmsim.
 *
 * Apple's Devices.h declares no DoDriverIO, and neither does ours: a driver
 * defines it. The Makefile includes this file ahead of every drivers/NAME.c
 * it links into dmsim (-include, with DoDriverIO renamed), so that a driver
 * whose entry point does not have the type of DriverEntryPointPtr fails to
 * compile instead of being called through the wrong type.
 */
#ifndef DRIVERS_ENTRY_H
#define DRIVERS_ENTRY_H

#include "Devices.h"

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind);

#endif /* DRIVERS_ENTRY_H */
