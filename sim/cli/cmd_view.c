/*
 * cmd_view.c - `dmsim view`: watch a scenario or a recorded jsonl trace in
 * an SDL2 window, or draw one moment of it into a PNG file with no display.
 */
#include <dlfcn.h>
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lang/scenario.h"
#include "view/view_main.h"

/* The viewer is a module (sim/view/view_main.h says why): dmsim-view.so
 * next to the program (the build directory), else PREFIX/lib/dmsim/ for
 * an installed PREFIX/bin/dmsim. Returns the handle, or NULL after saying
 * on stderr where it looked. */
static void *open_module(void)
{
  static const char *const where[] = {"/dmsim-view.so", "/../lib/dmsim/dmsim-view.so"};
  char exe[PATH_MAX], path[PATH_MAX + 64];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    fprintf(stderr, "dmsim: view: cannot find the program's directory\n");
    return NULL;
  }
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (slash != NULL)
    *slash = '\0';
  for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
    snprintf(path, sizeof path, "%s%s", exe, where[i]);
    if (access(path, F_OK) != 0)
      continue;
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (h != NULL)
      return h;
    fprintf(stderr, "dmsim: view: cannot load %s: %s\n", path, dlerror());
    return NULL;
  }
  fprintf(stderr, "dmsim: view: the viewer module dmsim-view.so is neither in %s nor in "
                  "%s/../lib/dmsim\n", exe, exe);
  return NULL;
}

/* Returns the exit status of `dmsim view` for checked options. */
static int run_module(const sim_view_args *a)
{
  void *h = open_module();
  if (h == NULL)
    return 1;
  sim_view_main_fn *entry = (sim_view_main_fn *)dlsym(h, SIM_VIEW_MAIN_SYMBOL);
  if (entry == NULL) {
    fprintf(stderr, "dmsim: view: %s has no %s\n", "dmsim-view.so", SIM_VIEW_MAIN_SYMBOL);
    dlclose(h);
    return 1;
  }
  int rc = entry(a);
  dlclose(h);
  return rc;
}

static int view_main(const sim_cli_verb *v, int argc, char **argv)
{
  const char *input = NULL, *shot = NULL;
  double speed = 0;
  uint64_t at = 0;
  int have_at = 0, options = 1;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!options || a[0] != '-' || a[1] == '\0') {
      if (input != NULL)
        return sim_cli_bad_usage(v, "view: one scenario or trace at a time ('%s' is extra)", a);
      input = a;
    } else if (strcmp(a, "--") == 0) {
      options = 0;
    } else if (strcmp(a, "--speed") == 0) {
      if (++i >= argc)
        return sim_cli_bad_usage(v, "view: option --speed needs a positive number");
      /* DBL_MIN: the open interval (0, 1000] in the parser's closed terms. */
      if (sim_cli_parse_number(argv[i], DBL_MIN, 1e3, &speed) != 0)
        return sim_cli_bad_usage(v, "view: --speed: '%s' is not a number in (0, 1000]",
                                 argv[i]);
    } else if (strcmp(a, "--screenshot") == 0) {
      if (++i >= argc)
        return sim_cli_bad_usage(v, "view: option --screenshot needs a file name (FILE.png)");
      shot = argv[i];
    } else if (strcmp(a, "--at") == 0) {
      if (++i >= argc || sim_sc_parse_duration(argv[i], &at) != 0)
        return sim_cli_bad_usage(v, "view: option --at needs a simulated time such as 1.5ms, "
                                    "500us or 2s");
      have_at = 1;
    } else {
      return sim_cli_bad_usage(v, "view: unknown option '%s'", a);
    }
  }
  if (input == NULL)
    return sim_cli_bad_usage(v, "view: missing SCENARIO or TRACE.jsonl");
  if (shot != NULL && strcmp(shot, input) == 0)
    return sim_cli_bad_usage(v, "view: --screenshot %s would overwrite the input", shot);
  const char *why = shot != NULL ? sim_cli_output_refused(shot, input, "the input file",
                                                          "a picture")
                                 : NULL;
  if (why != NULL) {
    fprintf(stderr, "dmsim: view: --screenshot %s: refused: the path %s\n", shot, why);
    return 2;
  }

  sim_view_args args = {input, shot, speed, at, have_at};
  return run_module(&args);
}

const sim_cli_verb sim_cli_verb_view = {
  "view",
  "SCENARIO|TRACE.jsonl [--speed X] [--screenshot FILE.png [--at TIME]]",
  "watch requests move through the Device Manager (SDL2 window or PNG)",
  "Runs SCENARIO (as `dmsim run` would, keeping every trace record) or reads a\n"
  "jsonl trace written by `dmsim run --trace FILE.jsonl`, and shows the machine\n"
  "as the records describe it: the unit table, each DCE's flags (dOpened,\n"
  "drvrActive, concurrent, queues-IOPB), dCtlQHdr as a row of parameter blocks,\n"
  "the requests inside each driver, completion routines as they run, the\n"
  "execution level, violations in red with their rule id, and a timeline.\n"
  "The window opens paused at the start; see docs/viewer.md.\n"
  "\n"
  "keys: space pause/resume, right step, left step back, + faster, - slower,\n"
  "      r restart, v next violation, h help, q quit\n"
  "\n"
  "options:\n"
  "  --speed X            playing speed in simulated seconds per wall second\n"
  "                       (default: the whole run in about ten seconds).\n"
  "  --screenshot FILE    draw one moment into FILE (PNG) with the software\n"
  "                       renderer and no display, instead of opening a window.\n"
  "                       Refused: the input itself, a directory, a name ending\n"
  "                       .dms .so .c .h or a disk image's extension.\n"
  "  --at TIME            the moment: every record at or before TIME (1.5ms,\n"
  "                       500us, 2s) of the first machine. Default: the end.\n"
  "  -h, --help           print this help.\n"
  "\n"
  "exit status:\n"
  "  0  the window was closed, or the picture was written\n"
  "  1  no window could be opened, or the PNG could not be written\n"
  "  2  bad usage, or a scenario or trace that cannot be read or run (the message\n"
  "     names the file, line and column)\n",
  view_main,
};
