/*
 * sim/bench/bench_runs.h - what `dmsim bench` keeps of its run rounds
 * (private to sim/bench, and its tests): each round's samples of the whole
 * runs and of the serialized run's floor, each figure's best, and whether
 * some round saw the two figures of a ratio near their bests together.
 */
#ifndef SIM_BENCH_RUNS_H
#define SIM_BENCH_RUNS_H

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The most run rounds a bench runs. */
#define SIM_BENCH_RUN_MAX_ROUNDS 21
/* Near its best: at most this many times it (5% above). */
#define SIM_BENCH_RUN_NEAR 1.05

/* What one run round saw (negative: not measured): the better of its
 * serialized runs, the run floor made of the event and dispatch samples
 * taken between them, and each depth's run. */
typedef struct sim_bench_run_sample {
  double serial, floor, shallow, deep;
} sim_bench_run_sample;

/* The whole runs' figures, each the best sample so far (negative: none
 * yet), and what each round saw. */
typedef struct sim_bench_runs {
  double               serial, shallow, deep;
  sim_bench_run_sample round[SIM_BENCH_RUN_MAX_ROUNDS];
  int                  rounds;
} sim_bench_runs;

/* Empties w: no rounds, no figures. */
void sim_bench_runs_init(sim_bench_runs *w);

/* Records round s in w and keeps each figure's best. Returns 0, or -1
 * (nothing recorded) when w holds SIM_BENCH_RUN_MAX_ROUNDS already. */
int sim_bench_runs_add(sim_bench_runs *w, const sim_bench_run_sample *s);

/* The ratios whose two figures one round of w saw near their bests
 * together (SIM_BENCH_RUN_NEAR), or'ed: SIM_BENCH_AGREE_SERIAL for the
 * serialized run and its floor (`floor`: run_floor_ns from the best
 * samples), SIM_BENCH_AGREE_DEPTH for 16 and 100,000 in flight. For those,
 * the bests were not one taken in a quiet moment and the other in a busy
 * one. A figure not measured agrees with nothing. */
enum { SIM_BENCH_AGREE_SERIAL = 1, SIM_BENCH_AGREE_DEPTH = 2, SIM_BENCH_AGREE_ALL = 3 };
int sim_bench_runs_agree(const sim_bench_runs *w, double floor);

/* Writes to err one line naming the measured run ratios (both figures
 * measured, `floor` too for the serialized run's) for which no round of w
 * saw both figures near their bests, saying they may read high; nothing
 * when there is none. */
void sim_bench_runs_warn(const sim_bench_runs *w, double floor, FILE *err);

#ifdef __cplusplus
}
#endif
#endif /* SIM_BENCH_RUNS_H */
