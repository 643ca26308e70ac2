/*
 * cmd_view.c - `dmsim view`: watch a scenario or a recorded jsonl trace in
 * an SDL2 window, or draw one moment of it into a PNG file with no display.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lang/scenario.h"
#include "view/view.h"

static int ends_with(const char *s, const char *tail)
{
  size_t n = strlen(s), k = strlen(tail);
  return n >= k && strcmp(s + n - k, tail) == 0;
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
      char *end;
      if (++i >= argc)
        return sim_cli_bad_usage(v, "view: option --speed needs a positive number");
      speed = strtod(argv[i], &end);
      if (argv[i][0] == '\0' || *end != '\0' || !(speed > 0) || speed > 1e3)
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

  sim_view_recs recs;
  int status = ends_with(input, ".jsonl") ? sim_view_load_jsonl(input, &recs, stderr)
                                          : sim_view_load_scenario(input, &recs, stderr);
  if (status == 2) {
    sim_view_recs_free(&recs);
    return 2;
  }
  /* The title is the file's name without directory and extension, so that
   * a scenario and its recorded trace give the same picture. */
  char title[128];
  const char *base = strrchr(input, '/') ? strrchr(input, '/') + 1 : input;
  snprintf(title, sizeof title, "%s", base);
  char *dot = strrchr(title, '.');
  if (dot != NULL && dot != title)
    *dot = '\0';
  sim_view player;
  sim_view_init(&player, &recs, title, speed);
  if (have_at)
    sim_view_seek(&player, 0, at);
  else if (shot != NULL)
    while (sim_view_step(&player))
      ;
  int rc = 0;
  if (shot != NULL) {
    rc = sim_view_screenshot(&player, shot, stderr) == 0 ? 0 : 1;
  } else {
    if (SDL_Init(SDL_INIT_EVENTS) != 0 || sim_view_window(&player, stderr) != 0)
      rc = 1;
    SDL_Quit();
  }
  sim_view_free(&player);
  sim_view_recs_free(&recs);
  return rc;
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
