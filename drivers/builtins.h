/*
 * builtins.h - the native drivers linked into dmsim, by name.
 *
 * Each drivers/NAME.c is compiled twice by the Makefile: as a shared object
 * exactly as a driver author builds one, and into dmsim with its two exports
 * renamed (dm_builtin_NAME_desc, dm_builtin_NAME_io) so that all of them fit
 * in one program. The table is generated from the file names.
 */
#ifndef DRIVERS_BUILTINS_H
#define DRIVERS_BUILTINS_H

#include <stddef.h>
#include "Devices.h"
#include "DriverFamilyMatching.h"
#include "SCSIControllerDriverKit.h"

typedef struct dm_builtin {
  const char              *name;  /* file name: "null", "fixed", ... */
  const DriverDescription *desc;
  DriverEntryPointPtr      entry;
} dm_builtin;

/* An HBA controller linked into dmsim (drivers/scsi/NAME.c), its
 * TheSCSIControllerDescription renamed dm_controller_NAME_desc. */
typedef struct dm_builtin_controller {
  const char                      *name; /* file name: "hba" */
  const SCSIControllerDescription *desc;
} dm_builtin_controller;

/* The built-in controller called name, or NULL. */
const dm_builtin_controller *dm_builtin_controller_find(const char *name);

/* The built-in driver called name, or NULL. */
const dm_builtin *dm_builtin_find(const char *name);
/* All built-in drivers, sorted by name; *count is set. */
const dm_builtin *dm_builtin_list(size_t *count);

#endif /* DRIVERS_BUILTINS_H */
