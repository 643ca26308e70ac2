/*
 * bench_runs.c - the record of `dmsim bench`'s run rounds: each figure's
 * best, and whether the two figures of a ratio were seen near their bests
 * in one round (bench_runs.h).
 */
#include "bench/bench_runs.h"

void sim_bench_runs_init(sim_bench_runs *w)
{
  w->serial = w->shallow = w->deep = -1;
  w->rounds = 0;
}

/* Keeps in *best the least of the values seen (negative: failed, ignored). */
static void keep_least(double *best, double v)
{
  if (v >= 0 && (*best < 0 || v < *best))
    *best = v;
}

int sim_bench_runs_add(sim_bench_runs *w, const sim_bench_run_sample *s)
{
  if (w->rounds >= SIM_BENCH_RUN_MAX_ROUNDS)
    return -1;
  w->round[w->rounds++] = *s;
  keep_least(&w->serial, s->serial);
  keep_least(&w->shallow, s->shallow);
  keep_least(&w->deep, s->deep);
  return 0;
}

/* Whether v is measured and near best. */
static int near_best(double v, double best)
{
  return v >= 0 && best >= 0 && v <= best * SIM_BENCH_RUN_NEAR;
}

int sim_bench_runs_agree(const sim_bench_runs *w, double floor)
{
  int agree = 0;
  for (int i = 0; i < w->rounds; i++) {
    const sim_bench_run_sample *s = &w->round[i];
    if (near_best(s->serial, w->serial) && near_best(s->floor, floor))
      agree |= SIM_BENCH_AGREE_SERIAL;
    if (near_best(s->shallow, w->shallow) && near_best(s->deep, w->deep))
      agree |= SIM_BENCH_AGREE_DEPTH;
  }
  return agree;
}

void sim_bench_runs_warn(const sim_bench_runs *w, double floor, FILE *err)
{
  int agree = sim_bench_runs_agree(w, floor);
  int serial = !(agree & SIM_BENCH_AGREE_SERIAL) && w->serial >= 0 && floor >= 0;
  int depth = !(agree & SIM_BENCH_AGREE_DEPTH) && w->shallow >= 0 && w->deep >= 0;
  if (serial || depth)
    fprintf(err,
            "dmsim: bench: no round saw the figures of %s%s%s near their best together "
            "(a busy host?); %s may read high\n",
            serial ? "run_serial_ratio" : "", serial && depth ? " and " : "",
            depth ? "run_depth_ratio" : "", serial && depth ? "they" : "it");
}
