/*
 * main.c - the dmsim command line.
 *
 *   dmsim run SCENARIO [--trace FILE] [--trace-format text|jsonl|chrome|vcd]
 *                      [--seed N] [--realtime[=SPEED]] [--permissive] [--quiet]
 *   dmsim bench [--json]
 *   dmsim drivers
 *
 * Exit status: 0 success; 1 an expectation failed or a rule was broken;
 * 2 bad usage or bad input, with a message naming the option, or the file,
 * line and column.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "builtins.h"
#include "run/run.h"
#include "lang/scenario.h"
#include "trace/trace.h"

static const char usage[] =
  "usage: dmsim run SCENARIO [--trace FILE] [--trace-format text|jsonl|chrome|vcd]\n"
  "                          [--seed N] [--realtime[=SPEED]] [--permissive] [--quiet]\n"
  "       dmsim bench [--json]\n"
  "       dmsim drivers\n"
  "       dmsim --help\n"
  "\n"
  "run      run a scenario file deterministically; check its expectations and the\n"
  "         Device Manager's rules; print a summary. --trace writes every event\n"
  "         (format from --trace-format, default: from the file name's extension:\n"
  "         .jsonl, .json (chrome), .vcd, anything else text). --seed overrides the\n"
  "         file's seed. --permissive reports broken rules as warnings.\n"
  "bench    measure the Device Manager's costs against references from the same run\n"
  "drivers  list the built-in drivers\n"
  "\n"
  "exit status: 0 success, 1 an expectation failed or a rule was broken,\n"
  "             2 bad usage or bad input\n";

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad_usage(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "dmsim: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n%s", usage);
  va_end(ap);
  return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
  if (s == NULL || *s == '\0' || *s == '-')
    return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (errno != 0 || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

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

static int cmd_run(int argc, char **argv)
{
  sim_run_opts o = { 0 };
  o.out = stdout;
  o.err = stderr;
  const char *scenario = NULL;
  int have_format = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--trace") == 0) {
      if (++i >= argc)
        return bad_usage("option %s needs a file name", a);
      o.trace_path = argv[i];
    } else if (strcmp(a, "--trace-format") == 0) {
      if (++i >= argc)
        return bad_usage("option %s needs text, jsonl, chrome or vcd", a);
      if (sim_trace_format_parse(argv[i], &o.trace_format) != 0)
        return bad_usage("--trace-format: unknown format '%s'; expected text, jsonl, chrome or vcd",
                         argv[i]);
      have_format = 1;
    } else if (strcmp(a, "--seed") == 0) {
      if (++i >= argc || parse_u64(argv[i], &o.seed) != 0)
        return bad_usage("option --seed needs an unsigned integer");
      o.has_seed = 1;
    } else if (strncmp(a, "--realtime", 10) == 0 && (a[10] == '\0' || a[10] == '=')) {
      o.realtime = 1.0;
      if (a[10] == '=') {
        char *end;
        o.realtime = strtod(a + 11, &end);
        if (*end != '\0' || !(o.realtime > 0))
          return bad_usage("--realtime=SPEED: '%s' is not a positive number", a + 11);
      }
    } else if (strcmp(a, "--permissive") == 0) {
      o.permissive = 1;
    } else if (strcmp(a, "--quiet") == 0) {
      o.quiet = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      return bad_usage("run: unknown option '%s'", a);
    } else if (scenario == NULL) {
      scenario = a;
    } else {
      return bad_usage("run: one scenario at a time ('%s' is extra)", a);
    }
  }
  if (scenario == NULL)
    return bad_usage("run: missing SCENARIO");
  if (o.trace_path != NULL && !have_format)
    o.trace_format = format_from_name(o.trace_path);
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

static int cmd_drivers(void)
{
  size_t n;
  const dm_builtin *b = dm_builtin_list(&n);
  for (size_t i = 0; i < n; i++) {
    const unsigned char *pn = b[i].desc->driverOSRuntimeInfo.driverName;
    uint32_t rt = b[i].desc->driverOSRuntimeInfo.driverRuntime;
    printf("%-8s %-14.*s%s%s\n", b[i].name, pn[0], (const char *)pn + 1,
           (rt & kDriverIsConcurrent) ? " concurrent" : " serialized",
           (rt & kDriverQueuesIOPB) ? " queues-iopb" : "");
  }
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 2)
    return bad_usage("missing command");
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage, stdout);
    return 0;
  }
  if (strcmp(cmd, "run") == 0)
    return cmd_run(argc - 2, argv + 2);
  if (strcmp(cmd, "bench") == 0) {
    int json = 0;
    for (int i = 2; i < argc; i++) {
      if (strcmp(argv[i], "--json") == 0)
        json = 1;
      else
        return bad_usage("bench: unknown option '%s'", argv[i]);
    }
    return sim_bench_main(json);
  }
  if (strcmp(cmd, "drivers") == 0)
    return cmd_drivers();
  if (strcmp(cmd, "view") == 0 || strcmp(cmd, "disk") == 0 || strcmp(cmd, "scsi") == 0)
    return bad_usage("'%s' is not part of this version of dmsim yet", cmd);
  return bad_usage("unknown command '%s'", cmd);
}
