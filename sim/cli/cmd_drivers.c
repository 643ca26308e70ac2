/*
 * cmd_drivers.c - `dmsim drivers`: the built-in drivers a scenario can name.
 */
#include <stdio.h>

#include "base/escape.h"
#include "builtins.h"
#include "cli/cli.h"

static int drivers_main(const sim_cli_verb *v, int argc, char **argv)
{
  if (argc > 0)
    return sim_cli_bad_usage(v, "drivers: unexpected argument '%s'", argv[0]);
  size_t n;
  const dm_builtin *b = dm_builtin_list(&n);
  for (size_t i = 0; i < n; i++) {
    const unsigned char *pn = b[i].desc->driverOSRuntimeInfo.driverName;
    uint32_t rt = b[i].desc->driverOSRuntimeInfo.driverRuntime;
    char name[4 * 255 + 1]; /* a driver's name may hold control codes: escaped */
    sim_escape(name, sizeof name, (const char *)pn + 1, pn[0]);
    printf("%-8s %-14s%s%s\n", b[i].name, name,
           (rt & kDriverIsConcurrent) ? " concurrent" : " serialized",
           (rt & kDriverQueuesIOPB) ? " queues-iopb" : "");
  }
  return 0;
}

const sim_cli_verb sim_cli_verb_drivers = {
  "drivers",
  "",
  "list the built-in drivers",
  "Prints one line per driver built into dmsim: the name a scenario gives after\n"
  "`builtin`, the driver's name from its DriverDescription, whether it is\n"
  "serialized or concurrent (kDriverIsConcurrent) and whether it queues its own\n"
  "requests (kDriverQueuesIOPB).\n"
  "\n"
  "options:\n"
  "  -h, --help   print this help.\n"
  "\n"
  "exit status: 0, or 2 for bad usage.\n",
  drivers_main,
};
