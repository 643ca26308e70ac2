/*
 * devmgr/driver.h - installing, removing and replacing native drivers.
 *
 * A native driver is a DriverDescription plus a DoDriverIO entry point, from
 * the built-in table (drivers/builtins.h) or from a shared object that
 * exports TheDriverDescription and DoDriverIO.
 */
#ifndef DEVMGR_DRIVER_H
#define DEVMGR_DRIVER_H

#include <stddef.h>
#include <stdint.h>
#include "devmgr/machine.h"
#include "MacTypes.h"
#include "Devices.h"
#include "DriverFamilyMatching.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dm_driver_spec {
  const DriverDescription *desc;   /* required; must outlive the driver */
  DriverEntryPointPtr      entry;  /* required */
  int                      unit;   /* unit number, or -1 for the first free one from 48 */
  RegEntryID               device; /* handed to Initialize (the simulated device) */
  int                      has_runtime; /* when set, runtime overrides driverRuntime */
  uint32_t                 runtime;
} dm_driver_spec;

/*
 * Check a DriverDescription the way the loader does. Returns 0 when it is
 * usable; otherwise -1 with the reason in why (e.g. "driverDescSignature is
 * 0x00000000, expected 'mtej'").
 */
int dm_driver_check_description(const DriverDescription *desc, char *why, size_t len);

/*
 * Install a driver: pick its unit, build its DCE, send kInitializeCommand.
 * Returns noErr and sets *refNum; or dInstErr (invalid description, or the
 * unit asked for is taken), unitTblFullErr, badUnitErr (unit out of range),
 * memFullErr, or the error Initialize returned (the unit is freed again).
 */
OSErr dm_driver_install(dm_machine *m, const dm_driver_spec *spec, int16_t *refNum);

/*
 * Remove a driver. When it is open, kCloseCommand goes first; then
 * kFinalizeCommand. With immediate false the Device Manager first waits for
 * every dispatched request to complete (new requests wait on dCtlQHdr and
 * complete with unitEmptyErr once the driver is gone); with immediate true
 * Finalize is sent at once and the driver must complete everything before
 * returning from it. Returns noErr when the driver is gone, 1 (ioInProgress)
 * while the removal waits, badUnitErr/unitEmptyErr for a bad refNum, or
 * paramErr when a remove or replace is already pending.
 */
OSErr dm_driver_remove(dm_machine *m, int16_t refNum, int immediate);

/*
 * Replace a driver in place: once the old driver is idle it gets
 * kSupersededCommand (after kCloseCommand if open), the new one
 * kReplaceCommand (and kOpenCommand if the old one was open); requests made
 * meanwhile wait on dCtlQHdr and then go to the new driver. Returns noErr,
 * 1 while it waits, or an error as dm_driver_remove does (dInstErr for an
 * invalid description).
 */
OSErr dm_driver_replace(dm_machine *m, int16_t refNum, const dm_driver_spec *spec);

/* The driver name (".Null") of an installed driver, or NULL. */
const char *dm_driver_name(const dm_machine *m, int16_t refNum);
/* A remove (1) or replace (2) of an installed driver that still waits for
 * the driver to go idle, or 0. */
int dm_driver_pending(const dm_machine *m, int16_t refNum);
/* The DCE of an installed driver, or NULL. */
DCtlPtr dm_driver_dce(const dm_machine *m, int16_t refNum);
/* Clear enable bits of refNum's dCtlFlags (any of dReadEnableMask,
 * dWritEnableMask, dCtlEnableMask, dStatEnableMask; other bits of mask are
 * ignored), traced as a flags change: calls that need a cleared bit are
 * then refused with readErr, writErr, controlErr or statusErr. Returns noErr,
 * or badUnitErr / unitEmptyErr for a refNum that names no driver. */
OSErr dm_driver_disable(dm_machine *m, int16_t refNum, uint16_t mask);
/* The refNum of the installed driver named name (case-insensitive), or 0. */
int16_t dm_driver_find(const dm_machine *m, const char *name);

/*
 * Load a driver from a shared object: dlopen(path), then the exports
 * TheDriverDescription and DoDriverIO, then dm_driver_check_description().
 * Returns 0 and fills spec->desc and spec->entry, or -1 with a message in
 * err naming the file and what is wrong. The object stays loaded.
 */
int dm_driver_load_so(const char *path, dm_driver_spec *spec, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* DEVMGR_DRIVER_H */
