/*
 * sim/bench/bench_rt.c - how closely real-time mode (sim/rt) follows the
 * wall clock: a chain of events over a known simulated span, run paced, and
 * the wall time it took and the latest any event ran after its wall time.
 */
#include <stdlib.h>

#include "bench/bench.h"
#include "rt/rt.h"

typedef struct pace_probe {
  dm_event ev;
  uint64_t t0;       /* uv_hrtime when the run began */
  double   speed;
  double  *late_max; /* ns */
} pace_probe;

static void probe_fire(dm_event *ev)
{
  pace_probe *p = ev->data;
  double late = (double)(uv_hrtime() - p->t0) - (double)ev->t / p->speed;
  if (late > *p->late_max)
    *p->late_max = late;
}

int sim_bench_realtime(double speed, uint64_t span_ns, unsigned events, double *ratio,
                       double *late_ms)
{
  sim_world w;
  sim_rt rt;
  double late_max = 0;
  pace_probe *p = calloc(events, sizeof *p);
  if (p == NULL || events == 0 || sim_world_init(&w) != 0) {
    free(p);
    return -1;
  }
  if (sim_rt_init(&rt, &w) != 0) {
    sim_world_free(&w);
    free(p);
    return -1;
  }
  uint64_t t0 = uv_hrtime();
  for (unsigned i = 0; i < events; i++) {
    dm_event_init(&p[i].ev, probe_fire, &p[i], DM_LVL_TASK);
    p[i].ev.t = span_ns * (i + 1) / events;
    p[i].t0 = t0;
    p[i].speed = speed;
    p[i].late_max = &late_max;
    sim_world_arm(&w, &p[i].ev);
  }
  sim_rt_run(&rt, speed, 0);
  uint64_t took = uv_hrtime() - t0;
  sim_rt_close(&rt);
  sim_world_free(&w);
  free(p);
  *ratio = (double)took / ((double)span_ns / speed);
  *late_ms = late_max / 1e6;
  return 0;
}
