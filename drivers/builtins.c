/*
 * builtins.c - the table of drivers linked into dmsim, generated from the
 * list of drivers/NAME.c files (build/gen/builtin_list.h).
 */
#include <string.h>

#include "builtins.h"

#define DM_BUILTIN(n)                                                          \
  extern DriverDescription dm_builtin_##n##_desc;                              \
  extern OSStatus dm_builtin_##n##_io(AddressSpaceID, IOCommandID, IOCommandContents, \
                                      IOCommandCode, IOCommandKind);
#include "builtin_list.h"
#undef DM_BUILTIN

static const dm_builtin table[] = {
#define DM_BUILTIN(n) { #n, &dm_builtin_##n##_desc, dm_builtin_##n##_io },
#include "builtin_list.h"
#undef DM_BUILTIN
};

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
