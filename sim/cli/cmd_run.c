/*
 * cmd_run.c - `dmsim run`: run a scenario file, check its expectations and
 * the Device Manager's rules, print a summary, optionally write a trace.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lang/scenario.h"
#include "run/run.h"
#include "trace/trace.h"

static sim_trace_format format_from_name(const char *path)
{
  const char *dot = strrchr(path, '.');
  if (dot != NULL && strcmp(dot, ".jsonl") == 0)
    return SIM_TRACE_JSONL;
  if (dot != NULL && strcmp(dot, ".json") == 0)
    return SIM_TRACE_CHROME;
  if (dot != NULL && strcmp(dot, ".vcd") == 0)
    return SIM_TRACE_VCD;
  return SIM_TRACE_TEXT;
}

static int run_main(const sim_cli_verb *v, int argc, char **argv)
{
  sim_run_opts o = { 0 };
  o.out = stdout;
  o.err = stderr;
  const char *scenario = NULL;
  int have_format = 0, options = 1;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!options || a[0] != '-' || a[1] == '\0') {
      if (scenario != NULL)
        return sim_cli_bad_usage(v, "run: one scenario at a time ('%s' is extra)", a);
      scenario = a;
    } else if (strcmp(a, "--") == 0) {
      options = 0;
    } else if (strcmp(a, "--trace") == 0) {
      if (++i >= argc)
        return sim_cli_bad_usage(v, "run: option --trace needs a file name (or - for stdout)");
      o.trace_path = argv[i];
    } else if (strcmp(a, "--trace-format") == 0) {
      if (++i >= argc)
        return sim_cli_bad_usage(v, "run: option --trace-format needs text, jsonl, chrome or vcd");
      if (sim_trace_format_parse(argv[i], &o.trace_format) != 0)
        return sim_cli_bad_usage(
          v, "run: --trace-format: unknown format '%s'; expected text, jsonl, chrome or vcd",
          argv[i]);
      have_format = 1;
    } else if (strcmp(a, "--seed") == 0) {
      if (++i >= argc || sim_cli_parse_u64(argv[i], &o.seed) != 0)
        return sim_cli_bad_usage(v, "run: option --seed needs an unsigned integer");
      o.has_seed = 1;
    } else if (strncmp(a, "--realtime", 10) == 0 && (a[10] == '\0' || a[10] == '=')) {
      o.realtime = 1.0;
      if (a[10] == '=') {
        char *end;
        o.realtime = strtod(a + 11, &end);
        if (a[11] == '\0' || *end != '\0' || !(o.realtime > 0) || o.realtime > 1e12)
          return sim_cli_bad_usage(v, "run: --realtime=SPEED: '%s' is not a positive number",
                                   a + 11);
      }
    } else if (strcmp(a, "--permissive") == 0) {
      o.permissive = 1;
    } else if (strcmp(a, "--quiet") == 0) {
      o.quiet = 1;
    } else {
      return sim_cli_bad_usage(v, "run: unknown option '%s'", a);
    }
  }
  if (scenario == NULL)
    return sim_cli_bad_usage(v, "run: missing SCENARIO");
  if (o.trace_path != NULL && !have_format)
    o.trace_format = format_from_name(o.trace_path);
  /* A trace on stdout stays a valid trace: the summary goes to stderr. */
  if (o.trace_path != NULL && strcmp(o.trace_path, "-") == 0)
    o.out = stderr;
  sim_scenario *sc;
  char err[1024];
  if (sim_scenario_load(scenario, &sc, err, sizeof err) != 0) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  int status = sim_run(sc, &o);
  sim_scenario_free(sc);
  return status;
}

const sim_cli_verb sim_cli_verb_run = {
  "run",
  "SCENARIO [--trace FILE|-] [--trace-format text|jsonl|chrome|vcd]\n"
  "    [--seed N] [--realtime[=SPEED]] [--permissive] [--quiet]",
  "run a scenario file deterministically and check it",
  "Runs every machine of SCENARIO (a .dms file, see docs/scenario.md) from time 0\n"
  "until no event is left, checks its expectations and the Device Manager's rules,\n"
  "and prints a summary per machine (requests, waits, utilisation, violations).\n"
  "The same file and seed always give the same trace, byte for byte.\n"
  "\n"
  "options:\n"
  "  --trace FILE          write every event to FILE; '-' writes it to stdout and\n"
  "                        moves the summary to stderr. The file appears only when\n"
  "                        the run ran (not after exit status 2).\n"
  "  --trace-format FMT    text, jsonl, chrome (Trace Event Format, for\n"
  "                        ui.perfetto.dev) or vcd (for GTKWave). Default: from\n"
  "                        FILE's extension (.jsonl, .json, .vcd; otherwise text).\n"
  "  --seed N              seed of the random numbers, instead of the file's.\n"
  "  --realtime[=SPEED]    pace events against the wall clock (SPEED times real\n"
  "                        time, default 1) on libuv; the trace is the same as\n"
  "                        without (docs/realtime.md). SIGINT or SIGTERM stop it\n"
  "                        with the trace flushed.\n"
  "  --permissive          report broken rules as warnings, not failures.\n"
  "  --quiet               print only failures, no summary.\n"
  "  -h, --help            print this help.\n"
  "\n"
  "exit status:\n"
  "  0  every expectation held and no rule was broken that the file did not expect\n"
  "  1  an expectation failed or a rule was broken (the message names it, with file,\n"
  "     line and column)\n"
  "  2  bad usage, a malformed file, or a scenario that cannot run (unknown driver,\n"
  "     unloadable shared object, unwritable trace)\n"
  "  130, 143  a --realtime run stopped by SIGINT, SIGTERM (expectations not checked;\n"
  "     the trace holds every event up to the stop)\n",
  run_main,
};
