/*
 * sim/bench/bench_evq.c - the event-queue benchmark (hold model) and the host
 * clock it is timed with.
 *
 * Contract: fixed seed, so every run does the same work; the queue is
 * pre-filled and warmed up (so that every internal array has reached its
 * working size) before the clock starts.
 */
#include "bench/bench.h"

#include <stdlib.h>
#include <time.h>

#include "world/evq.h"
#include "world/rng.h"

#define BENCH_SEED UINT64_C(0x65767120686f6c64) /* "evq hold" */
#define MAX_STEP_NS 1000u

double sim_bench_now_ns(void)
{
  /* The calling thread's CPU time, not the wall clock: on a busy host
   * (several builds sharing two cores) the time other processes hold the
   * CPU does not count against whatever was running. */
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void bench_fn(dm_event *ev)
{
  (void)ev;
}

/* steps times: pop the earliest event and push it back a little later. */
static void hold(sim_evq *q, sim_rng *rng, uint64_t *seq, uint64_t steps)
{
  for (uint64_t s = 0; s < steps; s++) {
    dm_event *ev = sim_evq_pop(q);
    ev->t += sim_rng_range(rng, 1, MAX_STEP_NS);
    sim_evq_push(q, ev, (*seq)++); /* cannot fail: it follows a pop */
  }
}

double sim_bench_evq_ns(uint32_t pending, uint64_t steps)
{
  if (steps == 0)
    return -1.0;
  if (pending == 0)
    pending = 1;
  dm_event *evs = malloc((size_t)pending * sizeof *evs);
  sim_evq q;
  if (evs == NULL || sim_evq_init(&q, pending) != 0) {
    free(evs);
    return -1.0;
  }
  sim_rng rng;
  sim_rng_seed(&rng, BENCH_SEED);
  uint64_t seq = 0;
  for (uint32_t i = 0; i < pending; i++) {
    dm_event_init(&evs[i], bench_fn, NULL, DM_LVL_HWI);
    evs[i].t = sim_rng_range(&rng, 1, MAX_STEP_NS);
    sim_evq_push(&q, &evs[i], seq++); /* cannot fail: capacity is pending */
  }

  /* Warm up: let every event be held twice, so that the queue reaches the
   * steady state of the hold model before the clock starts. */
  hold(&q, &rng, &seq, 2 * (uint64_t)pending);
  double start = sim_bench_now_ns();
  hold(&q, &rng, &seq, steps);
  double elapsed = sim_bench_now_ns() - start;

  sim_evq_free(&q);
  free(evs);
  return elapsed / (double)steps;
}
