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
  o.guard = 1;
  o.max_steps = SIM_RUN_MAX_STEPS_DEFAULT;
  o.trace_limit = (uint64_t)SIM_RUN_TRACE_LIMIT_DEFAULT_MIB << 20;
  int have_timeout = 0;
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
        return sim_cli_bad_usage(v, "run: option --seed needs an unsigned 64-bit integer, "
                                    "decimal or 0x hexadecimal, as the file's seed");
      o.has_seed = 1;
    } else if (strcmp(a, "--timeout") == 0) {
      if (++i >= argc || sim_cli_parse_number(argv[i], 0, 1e6, &o.timeout) != 0)
        return sim_cli_bad_usage(v, "run: option --timeout needs seconds of wall time, "
                                    "0 to 1000000 (0: no limit)");
      have_timeout = 1;
    } else if (strcmp(a, "--trace-limit") == 0) {
      uint64_t mib;
      if (++i >= argc || sim_cli_parse_u64(argv[i], &mib) != 0 || mib > (UINT64_MAX >> 20))
        return sim_cli_bad_usage(v, "run: option --trace-limit needs a size in MiB "
                                    "(0: no limit)");
      o.trace_limit = mib << 20;
    } else if (strcmp(a, "--max-steps") == 0) {
      if (++i >= argc || sim_cli_parse_u64(argv[i], &o.max_steps) != 0)
        return sim_cli_bad_usage(v, "run: option --max-steps needs an unsigned integer "
                                    "(0: no limit)");
    } else if (strncmp(a, "--realtime", 10) == 0 && (a[10] == '\0' || a[10] == '=')) {
      o.realtime = 1.0;
      if (a[10] == '=' && sim_cli_parse_number(a + 11, 1e-6, 1e6, &o.realtime) != 0)
        return sim_cli_bad_usage(v, "run: --realtime=SPEED: '%s' is not a number from "
                                    "0.000001 to 1000000", a + 11);
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
  const char *why = o.trace_path != NULL ? sim_cli_output_refused(o.trace_path, scenario, "the scenario file", "a trace") : NULL;
  if (why != NULL) {
    fprintf(stderr, "dmsim: --trace %s: refused: the path %s\n", o.trace_path, why);
    return 2;
  }
  /* A paced run lasts as long as it says; only an explicit limit ends it. */
  if (!have_timeout && o.realtime == 0)
    o.timeout = SIM_RUN_TIMEOUT_DEFAULT;
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
  "    [--seed N] [--realtime[=SPEED]] [--timeout SECONDS] [--max-steps N]\n"
  "    [--trace-limit MIB]\n"
  "    [--permissive] [--quiet]",
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
  "                        Refused: the scenario itself, a directory, a name\n"
  "                        ending .dms .so .c .h or a disk image's extension.\n"
  "  --seed N              seed of the random numbers, instead of the file's;\n"
  "                        written as in the file (decimal or 0x hex).\n"
  "  --realtime[=SPEED]    pace events against the wall clock (SPEED times real\n"
  "                        time, 0.000001 to 1000000, default 1) on libuv; the\n"
  "                        trace is the same as without (docs/realtime.md).\n"
  "                        SIGINT or SIGTERM stop it with the trace flushed.\n"
  "  --timeout SECONDS     stop a run that takes longer in wall time (a driver\n"
  "                        call that never returns); default 10, none with\n"
  "                        --realtime; 0: no limit.\n"
  "  --max-steps N         stop when N events, interrupt handlers or client\n"
  "                        statements run at one simulated instant (a handler\n"
  "                        that requeues itself, a loop that never waits);\n"
  "                        default 1000000; 0: no limit.\n"
  "  --trace-limit MIB     stop the run (exit status 2) when the trace file grows\n"
  "                        past MIB mebibytes; default 4096; 0: no limit.\n"
  "  --permissive          report broken rules as warnings, not failures.\n"
  "  --quiet               no summary: print only failures and each broken rule\n"
  "                        (also one the file expects).\n"
  "  -h, --help            print this help.\n"
  "\n"
  "exit status:\n"
  "  0  every expectation held and no rule was broken that the file did not expect\n"
  "  1  an expectation failed or a rule was broken (the message names it, with file,\n"
  "     line and column)\n"
  "  2  bad usage, a malformed file, a limit of the input, or a scenario that cannot\n"
  "     run (unknown driver, unloadable shared object, unwritable trace)\n"
  "  3  driver code faulted (SIGSEGV, SIGBUS, SIGFPE, SIGILL, abort, stack\n"
  "     overflow) or called exit(): the report names the driver, the command and\n"
  "     its history, the level, the scenario line and the simulated time\n"
  "  4  the watchdog stopped a hang (--timeout, --max-steps), naming the culprit\n"
  "  128+N  interrupted by signal N (SIGINT 130, SIGTERM 143, SIGHUP 129); the trace\n"
  "     holds every event up to the stop; expectations are not checked\n",
  run_main,
};
