/*
 * builtins.c - the table of drivers linked into dmsim, generated from the
 * list of drivers/NAME.c files (build/gen/builtin_list.h), and the table of
 * HBA controllers, from drivers/scsi/NAME.c.
 */
#include <string.h>

#include "builtins.h"

#define DM_CONTROLLER(n) extern const SCSIControllerDescription dm_controller_##n##_desc;
#define DM_BUILTIN(n)                                                          \
  extern DriverDescription dm_builtin_##n##_desc;                              \
  extern OSStatus dm_builtin_##n##_io(AddressSpaceID, IOCommandID, IOCommandContents, \
                                      IOCommandCode, IOCommandKind);
#include "builtin_list.h"
#undef DM_BUILTIN

#undef DM_CONTROLLER

static const dm_builtin table[] = {
#define DM_CONTROLLER(n)
#define DM_BUILTIN(n) { #n, &dm_builtin_##n##_desc, dm_builtin_##n##_io },
#include "builtin_list.h"
#undef DM_BUILTIN
#undef DM_CONTROLLER
};

static const dm_builtin_controller controllers[] = {
#define DM_BUILTIN(n)
#define DM_CONTROLLER(n) { #n, &dm_controller_##n##_desc },
#include "builtin_list.h"
#undef DM_BUILTIN
#undef DM_CONTROLLER
};

const dm_builtin_controller *dm_builtin_controller_find(const char *name)
{
  for (size_t i = 0; name != NULL && i < sizeof controllers / sizeof controllers[0]; i++)
    if (strcmp(controllers[i].name, name) == 0)
      return &controllers[i];
  return NULL;
}

const dm_builtin *dm_builtin_find(const char *name)
{
  for (size_t i = 0; name != NULL && i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].name, name) == 0)
      return &table[i];
  return NULL;
}

const dm_builtin *dm_builtin_list(size_t *count)
{
  *count = sizeof table / sizeof table[0];
  return table;
}
