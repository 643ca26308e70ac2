/*
 * sim/run/run.h - `dmsim run`: run a scenario deterministically, write its
 * trace, check its expectations and rules, print a summary.
 */
#ifndef SIM_RUN_H
#define SIM_RUN_H

#include <stdint.h>
#include <stdio.h>

#include "lang/scenario.h"
#include "trace/trace.h"

typedef struct sim_run_opts {
  const char      *trace_path;   /* NULL: no trace; "-": stdout */
  sim_trace_format trace_format;
  int              has_seed;     /* --seed given: overrides the file's */
  uint64_t         seed;
  int              permissive;   /* violations are warnings */
  int              quiet;        /* no summary, only failures */
  double           realtime;     /* 0: as fast as possible; else speed factor
                                    (paced on libuv: sim/rt/rt.h) */
  /* Optional: every trace record of the run, exactly as the trace writer
   * gets it (the viewer builds its picture from them), and the start of each
   * machine, before its first record. */
  dm_trace_fn      record;
  void            *record_ctx;
  void           (*machine_start)(void *ctx, const char *name, int index);
  /* Optional, with record: block pb, whose records so far were of one
   * statement, is about to serve another (the executor recycles blocks); a
   * consumer that numbers blocks by address gives it a new number from its
   * next record on, as the trace writer does. */
  void           (*pb_retired)(void *ctx, const void *pb);
  int              guard;        /* report driver faults, exit(), signals, timeouts */
  double           timeout;      /* wall seconds the run may take; 0: no limit */
  uint64_t         max_steps;    /* steps at one simulated instant; 0: no limit */
  uint64_t         trace_limit;  /* bytes the trace file may reach; 0: no limit */
  FILE            *out;          /* summary (stdout) */
  FILE            *err;          /* messages (stderr) */
} sim_run_opts;

/* The exit status of a real-time run stopped by signal sig (SIGINT 130,
 * SIGTERM 143): the trace holds every event up to the stop. */
#define SIM_RUN_INTERRUPTED(sig) (128 + (sig))

/* Exit statuses of `dmsim run` beyond 0 (passed), 1 (an expectation failed
 * or a rule was broken) and 2 (bad input or a limit of the input). */
#define SIM_RUN_EXIT_FAULT 3    /* driver code faulted or called exit() */
#define SIM_RUN_EXIT_WATCHDOG 4 /* a hang: --timeout or --max-steps */

/* Defaults of the watchdog (dmsim run --timeout, --max-steps). */
#define SIM_RUN_TIMEOUT_DEFAULT 10.0
#define SIM_RUN_MAX_STEPS_DEFAULT 1000000u
/* Default of --trace-limit, in MiB. */
#define SIM_RUN_TRACE_LIMIT_DEFAULT_MIB 4096u

/* Run sc. Returns the exit status of `dmsim run`: 0 when every expectation
 * held and no unexpected rule was broken, 1 otherwise, 2 when the scenario
 * cannot run (unknown built-in driver, unloadable shared object: the
 * message names file, line and column), SIM_RUN_INTERRUPTED(sig) when a
 * real-time run was stopped by SIGINT or SIGTERM (no further machine runs,
 * expectations are not checked, the trace is closed and flushed). */
int sim_run(const sim_scenario *sc, const sim_run_opts *opts);

#endif /* SIM_RUN_H */
