/*
 * sim/bench/bench_report.h - how `dmsim bench` reports its figures (private
 * to sim/bench; users include sim/bench/bench.h): a figure, and the table or
 * JSON object of a set of them with the exit status they make.
 */
#ifndef SIM_BENCH_REPORT_H
#define SIM_BENCH_REPORT_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sim_bench_fig {
  const char *key;    /* --json key */
  const char *label;  /* table label */
  double      value;  /* negative: the figure could not be measured */
  const char *unit;   /* "ns", "x", "B" */
  double      budget; /* 0: a reference, no budget */
} sim_bench_fig;

/* Print figs[0..n) on out: a table (a figure that could not be measured
 * reads "failed", and its budget, if it has one, FAILED; a measured one
 * ok or MISSED), or (json != 0) one JSON object: a key per figure (null
 * when it could not be measured), "failed" (the keys of those, in order)
 * and "within_budget" (true when the status is 0). Then one line on err
 * naming every figure that could not be measured, if any. Returns the exit
 * status of `dmsim bench`: 0 when every figure was measured and each one
 * with a budget is within it; 1 otherwise (a reference that could not be
 * measured too: the bench did not measure everything). */
int sim_bench_report(const sim_bench_fig *figs, int n, int json, FILE *out, FILE *err);

#ifdef __cplusplus
}
#endif
#endif /* SIM_BENCH_REPORT_H */
