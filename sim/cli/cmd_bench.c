/*
 * cmd_bench.c - `dmsim bench`: the Device Manager's costs as ratios against
 * references measured in the same run.
 */
#include <string.h>

#include "bench/bench.h"
#include "cli/cli.h"

static int bench_main(const sim_cli_verb *v, int argc, char **argv)
{
  int json = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0)
      json = 1;
    else
      return sim_cli_bad_usage(v, "bench: unknown argument '%s'", argv[i]);
  }
  return sim_bench_main(json);
}

const sim_cli_verb sim_cli_verb_bench = {
  "bench",
  "[--json]",
  "measure the Device Manager's costs against references from the same run",
  "Times an async read through the built-in .Null driver (completion routine\n"
  "included; rule checks off, then on) as a ratio against a bare queue-and-callback\n"
  "loop measured in the same run; the world's event queue with at most 1, 1,000\n"
  "and 1,000,000 events pending; a whole serialized run (16 clients x 10,000 sync\n"
  "reads) against the bare cost of its events and dispatches; requests kept in\n"
  "flight 100,000 deep against 16 deep; a trace record written in the jsonl, text\n"
  "and chrome formats; the memory per request in flight; 4 KiB reads through the\n"
  "SCSI stack on its per-task and bundled paths; and how closely --realtime\n"
  "follows the wall clock. Checks each figure that has a budget against it.\n"
  "Timings come from the host's clock: each is the best of several interleaved\n"
  "samples, and they still vary from run to run, unlike everything `dmsim run`\n"
  "prints. README.md (Performance) explains every figure.\n"
  "\n"
  "options:\n"
  "  --json       print one JSON object instead of a table: a key per figure\n"
  "               (null for one that could not be measured), \"failed\" (the keys\n"
  "               of those) and \"within_budget\" (true when the status is 0).\n"
  "  -h, --help   print this help.\n"
  "\n"
  "exit status:\n"
  "  0  every figure was measured and each is within its budget\n"
  "  1  a figure missed its budget (the table names it), a figure could not be\n"
  "     measured, a reference as well as a budgeted one (its value reads\n"
  "     failed, and stderr names it), or the machine that measures the\n"
  "     dispatch could not be set up (no figures printed)\n"
  "  2  bad usage\n",
  bench_main,
};
