/*
 * loader.c - loading a native driver from a shared object.
 *
 * The object must export TheDriverDescription (data) and DoDriverIO (code),
 * the two names a Mac OS 9 native driver package exports. It resolves
 * Apple's calls (IOCommandIsComplete, PBReadAsync, ...) against the program
 * that loads it, which is linked with -rdynamic for that reason.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dm-int.h"

void *dm__dlopen(const char *path, const char *what, char *err, size_t errlen)
{
  /* dlopen searches the library path for bare names; a driver file is a
   * path, so make a bare name relative to the working directory. */
  char local[4096];
  if (strchr(path, '/') == NULL) {
    snprintf(local, sizeof local, "./%s", path);
    path = local;
  }
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    snprintf(err, errlen, "%s: cannot load %s: %s", path, what, dlerror());
  return h;
}

int dm_driver_load_so(const char *path, dm_driver_spec *spec, char *err, size_t errlen)
{
  char why[160];
  void *h = dm__dlopen(path, "driver", err, errlen);
  if (h == NULL)
    return -1;
  const DriverDescription *desc = dlsym(h, "TheDriverDescription");
  void *entry = dlsym(h, "DoDriverIO");
  if (desc == NULL || entry == NULL) {
    snprintf(err, errlen, "%s: not a native driver: it does not export %s", path,
             desc == NULL && entry == NULL ? "TheDriverDescription nor DoDriverIO"
             : desc == NULL                ? "TheDriverDescription"
                                           : "DoDriverIO");
    dlclose(h);
    return -1;
  }
  if (dm_driver_check_description(desc, why, sizeof why) != 0) {
    snprintf(err, errlen, "%s: invalid TheDriverDescription: %s", path, why);
    dlclose(h);
    return -1;
  }
  spec->desc = desc;
  /* POSIX guarantees that a dlsym result for a function converts to a
   * function pointer. */
  memcpy(&spec->entry, &entry, sizeof spec->entry);
  return 0;
}
