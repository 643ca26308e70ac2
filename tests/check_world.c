/*
 * check_world.c - the simulated world (sim/world/world.c) and its random numbers
 * (sim/world/rng.c).
 *
 * World: events of both queues run in (t, arming order); the clock jumps to
 * each event and never goes back (arming in the past runs at now);
 * step_interrupts runs interrupt-level events only; run stops at `until`
 * (advancing the clock to it) and after max_events; events may re-arm and
 * disarm from inside a handler; the dm_platform it hands out works through
 * its function pointers; identical arming gives identical runs; a task
 * event armed due now runs after what was armed before it; the budget of
 * steps per instant starts again exactly when the clock moves.
 * rng: a seed gives one sequence, different seeds different ones; ranges
 * are respected and reach both ends; unit is in [0, 1); the exponential
 * sampler's mean and tail match the distribution.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tests.h"
#include "world/world.h"
#include "world/rng.h"

/* --- a log of what ran ------------------------------------------------------- */

enum { MAXLOG = 128 };

typedef struct tev {
  dm_event   ev;
  sim_world *w;
  int        id;
  /* Optional behaviour when it runs. */
  uint64_t   rearm_after; /* > 0: re-arm itself this much later ... */
  int        rearm_left;  /* ... this many times */
  dm_event  *disarm;      /* disarm this event */
} tev;

static struct {
  int      id[MAXLOG];
  uint64_t at[MAXLOG];
  int      n;
} logv;

static void on_event(dm_event *ev)
{
  tev *e = ev->data;
  ck_assert_int_lt(logv.n, MAXLOG);
  logv.id[logv.n] = e->id;
  logv.at[logv.n] = sim_world_now(e->w);
  logv.n++;
  ck_assert_uint_eq(ev->idx, DM_EVENT_IDLE); /* disarmed before it runs */
  ck_assert_uint_le(ev->t, sim_world_now(e->w)); /* late only if held back */
  if (e->disarm)
    sim_world_disarm(e->w, e->disarm);
  if (e->rearm_left > 0) {
    e->rearm_left--;
    ev->t = sim_world_now(e->w) + e->rearm_after;
    ck_assert_int_eq(sim_world_arm(e->w, ev), 0);
  }
}

static void tev_init(tev *e, sim_world *w, int id, dm_level lvl)
{
  memset(e, 0, sizeof *e);
  dm_event_init(&e->ev, on_event, e, lvl);
  e->w = w;
  e->id = id;
}

static void arm_at(sim_world *w, tev *e, uint64_t t)
{
  e->ev.t = t;
  ck_assert_int_eq(sim_world_arm(w, &e->ev), 0);
}

static void setup(sim_world *w)
{
  memset(&logv, 0, sizeof logv);
  ck_assert_int_eq(sim_world_init(w), 0);
}

/* The log as "id@t id@t ...". */
static const char *log_str(void)
{
  static char buf[MAXLOG * 32];
  size_t len = 0;
  buf[0] = '\0';
  for (int i = 0; i < logv.n && len < sizeof buf - 32; i++)
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%d@%llu", i ? " " : "", logv.id[i],
                            (unsigned long long)logv.at[i]);
  return buf;
}

/* --- world ------------------------------------------------------------------- */

START_TEST(test_step_order_both_queues)
{
  sim_world w;
  setup(&w);
  tev e[6];
  tev_init(&e[0], &w, 0, DM_LVL_TASK);
  tev_init(&e[1], &w, 1, DM_LVL_HWI);
  tev_init(&e[2], &w, 2, DM_LVL_SIH);
  tev_init(&e[3], &w, 3, DM_LVL_TASK);
  tev_init(&e[4], &w, 4, DM_LVL_HWI);
  tev_init(&e[5], &w, 5, DM_LVL_TASK);
  arm_at(&w, &e[0], 20); /* equal times: arming order, across queues */
  arm_at(&w, &e[1], 20);
  arm_at(&w, &e[2], 10);
  arm_at(&w, &e[3], 20);
  arm_at(&w, &e[4], 5);
  arm_at(&w, &e[5], 30);
  ck_assert_uint_eq(sim_world_pending(&w), 6);
  while (sim_world_step(&w))
    ;
  ck_assert_str_eq(log_str(), "4@5 2@10 0@20 1@20 3@20 5@30");
  ck_assert_uint_eq(sim_world_now(&w), 30);
  ck_assert_int_eq(sim_world_step(&w), 0);
  sim_world_free(&w);
}
END_TEST

/* A task-level event armed due now runs at now, after what was armed
 * before it for the same time. */
START_TEST(test_arm_task_now)
{
  sim_world w;
  setup(&w);
  tev a, b, c;
  tev_init(&a, &w, 0, DM_LVL_HWI);
  tev_init(&b, &w, 1, DM_LVL_HWI);
  tev_init(&c, &w, 2, DM_LVL_TASK);
  arm_at(&w, &a, 40);
  arm_at(&w, &b, 40);
  ck_assert_int_eq(sim_world_step(&w), 1);
  c.ev.t = 7; /* not read: due now */
  ck_assert_int_eq(sim_world_arm_task_now(&w, &c.ev), 0);
  ck_assert_uint_eq(c.ev.t, 40);
  (void)sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_str_eq(log_str(), "0@40 1@40 2@40");
  sim_world_free(&w);
}
END_TEST

/* What a world's past_end hook was told (test_arm_irq_in). */
static struct {
  int             calls;
  const dm_event *ev;
  uint64_t        after, now;
  sim_world      *w;
} past;

static void on_past_end(void *ctx, const dm_event *ev, uint64_t after)
{
  ck_assert_ptr_eq(ctx, &past);
  past.calls++;
  past.ev = ev;
  past.after = after;
  past.now = sim_world_now(past.w);
}

/* sim_world_arm_irq_in: an interrupt-level event due `after` ns from now,
 * in the interrupt queue (run after a task-level event armed for the same
 * time before it, as sim_world_arm's is); a time past the clock's end is
 * its last instant, 2^64-1 ns, never sooner, and the past_end hook is told
 * (once per such arm; without a hook nothing is told). */
START_TEST(test_arm_irq_in)
{
  sim_world w;
  setup(&w);
  memset(&past, 0, sizeof past);
  past.w = &w;
  tev e[5]; /* e[i] logs i */
  static const dm_level lvl[5] = { DM_LVL_HWI, DM_LVL_TASK, DM_LVL_HWI, DM_LVL_HWI, DM_LVL_HWI };
  for (int i = 0; i < 5; i++)
    tev_init(&e[i], &w, i, lvl[i]);
  arm_at(&w, &e[0], 10);
  ck_assert_int_eq(sim_world_step(&w), 1);
  arm_at(&w, &e[1], 35);
  e[2].ev.t = 7; /* not read */
  ck_assert_int_eq(sim_world_arm_irq_in(&w, &e[2].ev, 25), 0);
  ck_assert_uint_eq(e[2].ev.t, 35);
  ck_assert_int_eq(sim_world_arm_irq_in(&w, &e[3].ev, UINT64_MAX - 10), 0); /* the last ns */
  ck_assert_uint_eq(e[3].ev.t, UINT64_MAX);
  ck_assert_int_eq(past.calls, 0);
  ck_assert_int_eq(sim_world_arm_irq_in(&w, &e[4].ev, UINT64_MAX - 9), 0); /* wraps, unhooked */
  ck_assert_uint_eq(e[4].ev.t, UINT64_MAX);
  ck_assert_int_eq(past.calls, 0);
  sim_world_disarm(&w, &e[4].ev);
  w.past_end = on_past_end;
  w.past_end_ctx = &past;
  ck_assert_int_eq(sim_world_arm_irq_in(&w, &e[4].ev, UINT64_MAX), 0); /* wraps: told */
  ck_assert_uint_eq(e[4].ev.t, UINT64_MAX);
  ck_assert_int_eq(past.calls, 1);
  ck_assert_ptr_eq(past.ev, &e[4].ev);
  ck_assert_uint_eq(past.after, UINT64_MAX);
  ck_assert_uint_eq(past.now, 10);
  (void)sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_str_eq(log_str(), "0@10 1@35 2@35 3@18446744073709551615 4@18446744073709551615");
  sim_world_free(&w);
}
END_TEST

/* The budget of steps per instant starts again whenever the clock moves,
 * and only then. */
START_TEST(test_step_budget)
{
  sim_world w;
  setup(&w);
  tev a;
  tev_init(&a, &w, 0, DM_LVL_HWI);
  ck_assert_int_eq(sim_world_spend_step(&w), 0); /* no budget to speak of by default */
  sim_world_set_step_budget(&w, 2);
  ck_assert_int_eq(sim_world_spend_step(&w), 0);
  ck_assert_int_eq(sim_world_spend_step(&w), 0);
  arm_at(&w, &a, 5);
  ck_assert_int_eq(sim_world_step(&w), 1); /* the clock moves to 5: a new budget */
  ck_assert_int_eq(sim_world_spend_step(&w), 0);
  ck_assert_int_eq(sim_world_spend_step(&w), 0);
  arm_at(&w, &a, 5);
  ck_assert_int_eq(sim_world_step(&w), 1); /* still 5: the same instant's budget */
  ck_assert_int_eq(sim_world_spend_step(&w), 1); /* its third step: one too many */
  sim_world_set_step_budget(&w, 1);
  ck_assert_int_eq(sim_world_spend_step(&w), 0);
  arm_at(&w, &a, 20);
  ck_assert_uint_eq(sim_world_run(&w, 9, 0), 0); /* nothing due by 9: the clock moves to 9 */
  ck_assert_uint_eq(sim_world_now(&w), 9);
  ck_assert_int_eq(sim_world_spend_step(&w), 0);
  ck_assert_int_eq(sim_world_spend_step(&w), 1);
  sim_world_free(&w);
}
END_TEST

/* sim_world_step_spent spends an event's step from the instant it runs at:
 * three events at 5 with a budget of 2 steps an instant are one too many,
 * although instant 0 had steps left (before, a run charged the first event
 * of an instant to the instant before it, and let the three run). The
 * overrun event stays armed, and no step is spent when none is left. */
static int overruns;
static void count_overrun(void *ctx)
{
  ck_assert_ptr_eq(ctx, &overruns);
  overruns++;
}

START_TEST(test_step_spent_at_its_instant)
{
  sim_world w;
  setup(&w);
  tev e[4];
  for (int i = 0; i < 4; i++)
    tev_init(&e[i], &w, i, i == 1 ? DM_LVL_HWI : DM_LVL_TASK);
  sim_world_set_step_budget(&w, 2);
  overruns = 0;
  arm_at(&w, &e[0], 5);
  arm_at(&w, &e[1], 5);
  arm_at(&w, &e[2], 5);
  arm_at(&w, &e[3], 9);
  ck_assert_int_eq(sim_world_step_spent(&w, count_overrun, &overruns), 1);
  ck_assert_int_eq(sim_world_step_spent(&w, count_overrun, &overruns), 1);
  ck_assert_int_eq(overruns, 0);
  ck_assert_int_eq(sim_world_step_spent(&w, count_overrun, &overruns), -1);
  ck_assert_int_eq(overruns, 1);
  ck_assert_str_eq(log_str(), "0@5 1@5");
  ck_assert(e[2].ev.idx != DM_EVENT_IDLE); /* not run: still armed */
  sim_world_set_step_budget(&w, 2);
  ck_assert_int_eq(sim_world_step_spent(&w, count_overrun, &overruns), 1);
  ck_assert_int_eq(sim_world_step_spent(&w, count_overrun, &overruns), 1); /* 9: a new instant */
  ck_assert_str_eq(log_str(), "0@5 1@5 2@5 3@9");
  ck_assert_int_eq(sim_world_spend_step(&w), 0); /* 9's second step */
  ck_assert_int_eq(sim_world_step_spent(&w, count_overrun, &overruns), 0); /* none left */
  ck_assert_int_eq(sim_world_spend_step(&w), 1); /* ... and it spent nothing */
  ck_assert_int_eq(overruns, 1);
  sim_world_free(&w);
}
END_TEST

START_TEST(test_clock_never_goes_back)
{
  sim_world w;
  setup(&w);
  tev a, b, c;
  tev_init(&a, &w, 1, DM_LVL_TASK);
  tev_init(&b, &w, 2, DM_LVL_HWI);
  tev_init(&c, &w, 3, DM_LVL_TASK);
  arm_at(&w, &a, 100);
  ck_assert_int_eq(sim_world_step(&w), 1);
  ck_assert_uint_eq(sim_world_now(&w), 100);
  arm_at(&w, &b, 40); /* in the past: clamped to now */
  ck_assert_uint_eq(b.ev.t, 100);
  arm_at(&w, &c, 0);
  ck_assert_int_eq(sim_world_step(&w), 1);
  ck_assert_int_eq(sim_world_step(&w), 1);
  ck_assert_str_eq(log_str(), "1@100 2@100 3@100");
  ck_assert_uint_eq(sim_world_now(&w), 100);
  sim_world_free(&w);
}
END_TEST

START_TEST(test_step_interrupts_holds_task_events)
{
  sim_world w;
  setup(&w);
  tev task, hwi, sih;
  tev_init(&task, &w, 1, DM_LVL_TASK);
  tev_init(&hwi, &w, 2, DM_LVL_HWI);
  tev_init(&sih, &w, 3, DM_LVL_SIH);
  arm_at(&w, &task, 1);
  arm_at(&w, &hwi, 50);
  arm_at(&w, &sih, 70);
  ck_assert_int_eq(sim_world_step_interrupts(&w), 1);
  ck_assert_uint_eq(sim_world_now(&w), 50);
  ck_assert_int_eq(sim_world_step_interrupts(&w), 1);
  ck_assert_uint_eq(sim_world_now(&w), 70);
  ck_assert_int_eq(sim_world_step_interrupts(&w), 0); /* only task work left */
  ck_assert_uint_eq(sim_world_pending(&w), 1);
  ck_assert_str_eq(log_str(), "2@50 3@70");
  /* The held task event is now overdue; it runs at once, at now. */
  ck_assert_int_eq(sim_world_step(&w), 1);
  ck_assert_str_eq(log_str(), "2@50 3@70 1@70");
  ck_assert_uint_eq(sim_world_now(&w), 70);
  sim_world_free(&w);
}
END_TEST

START_TEST(test_run_until)
{
  sim_world w;
  setup(&w);
  tev e[3];
  for (int i = 0; i < 3; i++) {
    tev_init(&e[i], &w, i, i == 1 ? DM_LVL_HWI : DM_LVL_TASK);
    arm_at(&w, &e[i], (uint64_t)(i + 1) * 10);
  }
  ck_assert_uint_eq(sim_world_run(&w, 25, 0), 2);
  ck_assert_uint_eq(sim_world_now(&w), 25); /* advanced to until */
  ck_assert_uint_eq(sim_world_run(&w, 25, 0), 0);
  ck_assert_uint_eq(sim_world_run(&w, 30, 0), 1); /* due exactly at until: runs */
  ck_assert_uint_eq(sim_world_now(&w), 30);
  ck_assert_uint_eq(sim_world_run(&w, 1000, 0), 0);
  ck_assert_uint_eq(sim_world_now(&w), 30); /* empty: the clock stays */
  ck_assert_uint_eq(sim_world_run(&w, 5, 0), 0); /* until in the past */
  ck_assert_uint_eq(sim_world_now(&w), 30);
  ck_assert_str_eq(log_str(), "0@10 1@20 2@30");
  sim_world_free(&w);
}
END_TEST

START_TEST(test_run_max_events)
{
  sim_world w;
  setup(&w);
  tev e[5];
  for (int i = 0; i < 5; i++) {
    tev_init(&e[i], &w, i, DM_LVL_HWI);
    arm_at(&w, &e[i], 100 + (uint64_t)i);
  }
  ck_assert_uint_eq(sim_world_run(&w, UINT64_MAX, 2), 2);
  ck_assert_uint_eq(sim_world_now(&w), 101);
  ck_assert_uint_eq(sim_world_run(&w, UINT64_MAX, 0), 3);
  ck_assert_uint_eq(sim_world_now(&w), 104);
  ck_assert_uint_eq(sim_world_pending(&w), 0);
  sim_world_free(&w);
}
END_TEST

START_TEST(test_rearm_and_disarm_from_handlers)
{
  sim_world w;
  setup(&w);
  tev tick, victim, killer, idle;
  tev_init(&tick, &w, 1, DM_LVL_TASK);
  tev_init(&victim, &w, 2, DM_LVL_HWI);
  tev_init(&killer, &w, 3, DM_LVL_SIH);
  tev_init(&idle, &w, 4, DM_LVL_TASK);
  tick.rearm_after = 10;
  tick.rearm_left = 3;
  killer.disarm = &victim.ev;
  arm_at(&w, &tick, 0);
  arm_at(&w, &victim, 25);
  arm_at(&w, &killer, 15);
  sim_world_disarm(&w, &idle.ev); /* never armed: a no-op */
  ck_assert_uint_eq(sim_world_run(&w, UINT64_MAX, 0), 5);
  ck_assert_str_eq(log_str(), "1@0 1@10 3@15 1@20 1@30");
  ck_assert_uint_eq(victim.ev.idx, DM_EVENT_IDLE);
  sim_world_free(&w);
}
END_TEST

START_TEST(test_platform_interface)
{
  sim_world w;
  setup(&w);
  dm_platform p = sim_world_platform(&w);
  ck_assert_ptr_eq(p.ctx, &w);
  ck_assert_ptr_nonnull(p.now);
  ck_assert_ptr_nonnull(p.arm);
  ck_assert_ptr_nonnull(p.disarm);
  ck_assert_ptr_nonnull(p.step_interrupts);
  ck_assert_ptr_null(p.hw_start);
  tev task, irq, gone;
  tev_init(&task, &w, 1, DM_LVL_TASK);
  tev_init(&irq, &w, 2, DM_LVL_HWI);
  tev_init(&gone, &w, 3, DM_LVL_HWI);
  task.ev.t = 5;
  irq.ev.t = 9;
  gone.ev.t = 7;
  p.arm(p.ctx, &task.ev);
  p.arm(p.ctx, &irq.ev);
  p.arm(p.ctx, &gone.ev);
  p.disarm(p.ctx, &gone.ev);
  p.disarm(p.ctx, &gone.ev);
  ck_assert_int_eq(p.step_interrupts(p.ctx), 1);
  ck_assert_uint_eq(p.now(p.ctx), 9);
  ck_assert_int_eq(p.step_interrupts(p.ctx), 0);
  ck_assert_int_eq(sim_world_step(&w), 1);
  ck_assert_str_eq(log_str(), "2@9 1@9");
  sim_world_free(&w);
}
END_TEST

/* A little pseudo-random workload; returns a digest of what ran when. */
static uint64_t scripted_run(uint64_t seed)
{
  enum { N = 40 };
  sim_world w;
  setup(&w);
  tev e[N];
  sim_rng g;
  sim_rng_seed(&g, seed);
  for (int i = 0; i < N; i++) {
    tev_init(&e[i], &w, i, (dm_level)sim_rng_range(&g, 0, 2));
    e[i].rearm_after = sim_rng_range(&g, 0, 3) * 5;
    e[i].rearm_left = e[i].rearm_after ? 1 : 0;
    arm_at(&w, &e[i], sim_rng_range(&g, 0, 4) * 5);
  }
  sim_world_run(&w, UINT64_MAX, 0);
  uint64_t h = 1469598103934665603u;
  for (int i = 0; i < logv.n; i++) {
    h = (h ^ (uint64_t)logv.id[i]) * 1099511628211u;
    h = (h ^ logv.at[i]) * 1099511628211u;
  }
  sim_world_free(&w);
  return h;
}

START_TEST(test_deterministic)
{
  ck_assert_uint_eq(scripted_run(3), scripted_run(3));
  ck_assert_uint_ne(scripted_run(3), scripted_run(4));
}
END_TEST

/* --- rng --------------------------------------------------------------------- */

START_TEST(test_rng_same_seed_same_sequence)
{
  sim_rng a, b, c;
  sim_rng_seed(&a, 12345);
  sim_rng_seed(&b, 12345);
  sim_rng_seed(&c, 12346);
  int differ = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = sim_rng_next(&a);
    ck_assert_uint_eq(x, sim_rng_next(&b));
    differ += x != sim_rng_next(&c);
  }
  ck_assert_int_gt(differ, 990);
  /* Seed 0 works too (splitmix spreads it). */
  sim_rng_seed(&a, 0);
  ck_assert_uint_ne(sim_rng_next(&a) | sim_rng_next(&a), 0);
}
END_TEST

START_TEST(test_rng_ranges)
{
  sim_rng g;
  sim_rng_seed(&g, 99);
  int seen_lo = 0, seen_hi = 0;
  for (int i = 0; i < 100000; i++) {
    uint64_t v = sim_rng_range(&g, 10, 20);
    ck_assert_uint_ge(v, 10);
    ck_assert_uint_le(v, 20);
    seen_lo |= v == 10;
    seen_hi |= v == 20;
    double u = sim_rng_unit(&g);
    ck_assert(u >= 0.0 && u < 1.0);
  }
  ck_assert(seen_lo && seen_hi);
  ck_assert_uint_eq(sim_rng_range(&g, 7, 7), 7);
  uint64_t v = sim_rng_range(&g, 20, 10); /* swapped bounds */
  ck_assert(v >= 10 && v <= 20);
  v = sim_rng_range(&g, UINT64_MAX - 1, UINT64_MAX);
  ck_assert_uint_ge(v, UINT64_MAX - 1);
  (void)sim_rng_range(&g, 0, UINT64_MAX); /* the full range */
  /* Uniform enough: each of 8 values near 1/8 of 80000 draws. */
  int count[8] = { 0 };
  for (int i = 0; i < 80000; i++)
    count[sim_rng_range(&g, 0, 7)]++;
  for (int k = 0; k < 8; k++)
    ck_assert(count[k] > 9400 && count[k] < 10600);
}
END_TEST

START_TEST(test_rng_exponential)
{
  enum { N = 200000 };
  const uint64_t mean = 1000000; /* 1 ms */
  sim_rng g;
  sim_rng_seed(&g, 2024);
  double sum = 0;
  int above_mean = 0, above_3 = 0;
  for (int i = 0; i < N; i++) {
    uint64_t x = sim_rng_exp(&g, mean);
    sum += (double)x;
    above_mean += x > mean;
    above_3 += x > 3 * mean;
  }
  /* Standard error of the mean is mean/sqrt(N), about 0.22%. */
  double m = sum / N;
  ck_assert_msg(fabs(m - (double)mean) < 0.01 * (double)mean, "mean %.0f", m);
  /* P(X > mean) = e^-1, P(X > 3 mean) = e^-3. */
  ck_assert_msg(fabs((double)above_mean / N - exp(-1.0)) < 0.005, "above mean %d", above_mean);
  ck_assert_msg(fabs((double)above_3 / N - exp(-3.0)) < 0.003, "above 3 mean %d", above_3);
  ck_assert_uint_eq(sim_rng_exp(&g, 0), 0);
}
END_TEST

START_TEST(test_rng_exponential_fits_its_distribution)
{
  /* The ziggurat's every part, against the exact law: 2,000,000 draws in
   * 300 bins 0.01 mean wide plus the rest beyond 3 means (a chi-square of
   * 300 degrees of freedom: mean 300, standard deviation 24.5; a wedge test
   * that always accepts gives about 520), and the tail beyond the base
   * layer's edge r = 7.697 means, which only the inversion branch draws
   * (expected 908; a wrong tail gives far fewer). */
  enum { N = 2000000, B = 300 };
  static long bins[B + 1];
  memset(bins, 0, sizeof bins);
  sim_rng g;
  sim_rng_seed(&g, 77);
  long tail = 0;
  for (int i = 0; i < N; i++) {
    double v = (double)sim_rng_exp(&g, 1000000000) / 1e9;
    int b = v >= 3.0 ? B : (int)(v / 0.01);
    bins[b]++;
    tail += v > 7.697117470131;
  }
  double chi = 0;
  for (int b = 0; b <= B; b++) {
    double p = b < B ? exp(-b * 0.01) - exp(-(b + 1) * 0.01) : exp(-3.0);
    double want = N * p;
    chi += ((double)bins[b] - want) * ((double)bins[b] - want) / want;
  }
  ck_assert_msg(chi < 450, "chi-square %.1f over 300 degrees of freedom", chi);
  double want_tail = N * exp(-7.697117470131);
  ck_assert_msg(fabs((double)tail - want_tail) < 5 * sqrt(want_tail), "tail %ld, want %.0f", tail,
                want_tail);
}
END_TEST

START_TEST(test_rng_pinned_values)
{
  /* The same seed gives these values on every build (gcc or clang, -O0 or
   * -O2): catches an accidental change of method. */
  static const uint64_t exp_ms[4] = { 402802, 2080997, 1520640, 2300706 };
  static const uint64_t range[4] = { 2033, 2569, 2008, 2618 };
  sim_rng g;
  sim_rng_seed(&g, 5);
  for (int i = 0; i < 4; i++)
    ck_assert_uint_eq(sim_rng_exp(&g, 1000000), exp_ms[i]);
  for (int i = 0; i < 4; i++)
    ck_assert_uint_eq(sim_rng_range(&g, 1000, 3000), range[i]);
}
END_TEST

START_TEST(test_rng_exp_fill_is_exp_in_order)
{
  /* sim_rng_exp_fill gives the values n calls of sim_rng_exp give, and
   * leaves the generator where they do: 100,000 draws in batches of 64
   * reach the ziggurat's wedges and its tail (about 1.1% of draws and 1 in
   * 2,200) many times, and the batches end mid-stream. A mean of 0 draws
   * nothing. */
  enum { N = 100000, BATCH = 64 };
  sim_rng one, many;
  sim_rng_seed(&one, 31);
  sim_rng_seed(&many, 31);
  uint64_t out[BATCH];
  int slow = 0;
  for (int done = 0; done < N; done += BATCH) {
    sim_rng_exp_fill(&many, 1000000, out, BATCH);
    for (int k = 0; k < BATCH; k++) {
      uint64_t want = sim_rng_exp(&one, 1000000);
      ck_assert_uint_eq(out[k], want);
      slow += want > 7697117; /* beyond the base layer's edge: the tail */
    }
    ck_assert_mem_eq(one.s, many.s, sizeof one.s);
  }
  ck_assert_int_gt(slow, 10);
  out[0] = 5;
  sim_rng_exp_fill(&many, 0, out, 1);
  ck_assert_uint_eq(out[0], 0);
  ck_assert_mem_eq(one.s, many.s, sizeof one.s);
  /* Means on both sides of 2^58, where the fill's loop that cannot
   * saturate gives way to the one that can, and two that saturate: 2^63 - 1
   * for draws of 2 and more (one in 7.4), UINT64_MAX for draws above 1. */
  static const uint64_t means[] = { (UINT64_C(1) << 58) - 1, UINT64_C(1) << 58,
                                    (UINT64_C(1) << 63) - 1, UINT64_MAX };
  int saturated = 0;
  for (size_t mi = 0; mi < sizeof means / sizeof means[0]; mi++) {
    for (int done = 0; done < 20000; done += BATCH) {
      sim_rng_exp_fill(&many, means[mi], out, BATCH);
      for (int k = 0; k < BATCH; k++) {
        ck_assert_uint_eq(out[k], sim_rng_exp(&one, means[mi]));
        saturated += out[k] == UINT64_MAX;
      }
      ck_assert_mem_eq(one.s, many.s, sizeof one.s);
    }
  }
  ck_assert_int_gt(saturated, 1000);
}
END_TEST

/* The warm hook: an event of the hooked fn gets its three stages, farthest
 * first, each while the event SIM_WORLD_WARM_AHEAD + 1 - 2 * stage places
 * before it runs, and only when the queue can see that far (here a bucket
 * of 60 events due at once, which the queue sorts into its run); other
 * events get none, and the order of the run does not change. */
enum { WARM_N = 60 };
static struct {
  int ran;                     /* events run so far */
  int stage_at[WARM_N + 1][3]; /* events run when ev got each stage, -1 none */
} warmv;

static void warm_rec(dm_event *stage0, dm_event *stage1, dm_event *stage2)
{
  dm_event *soon[3] = { stage0, stage1, stage2 };
  for (unsigned stage = 0; stage < 3; stage++) {
    if (soon[stage] == NULL)
      continue;
    tev *e = soon[stage]->data;
    ck_assert_int_eq(warmv.stage_at[e->id][stage], -1); /* once per stage */
    warmv.stage_at[e->id][stage] = warmv.ran;
  }
}

static void on_event_counted(dm_event *ev)
{
  warmv.ran++;
  on_event(ev);
}

START_TEST(test_warm_ahead)
{
  sim_world w;
  setup(&w);
  static tev ev[WARM_N + 1], other;
  memset(warmv.stage_at, 0xff, sizeof warmv.stage_at);
  warmv.ran = 0;
  /* Event 0 starts the queue's year at 0; the rest wait in a bucket. */
  for (int i = 0; i <= WARM_N; i++) {
    tev_init(&ev[i], &w, i, DM_LVL_HWI);
    ev[i].ev.fn = on_event_counted;
    arm_at(&w, &ev[i], i == 0 ? 0 : 500);
  }
  tev_init(&other, &w, 99, DM_LVL_HWI); /* another fn: never warmed */
  arm_at(&w, &other, 500);
  sim_world_set_warm(&w, on_event_counted, warm_rec);
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(logv.n, WARM_N + 2);
  for (int i = 0; i <= WARM_N; i++)
    ck_assert_int_eq(logv.id[i], i);
  ck_assert_int_eq(logv.id[WARM_N + 1], 99);
  /* Event k runs when k events have run; stage s came SIM_WORLD_WARM_AHEAD
   * + 1 - 2s events earlier, for every event the run can see that far. */
  int warmed = 0;
  for (int k = 1; k <= WARM_N; k++)
    for (int st = 0; st < 3; st++) {
      int at = warmv.stage_at[k][st], ahead = (int)SIM_WORLD_WARM_AHEAD + 1 - 2 * st;
      if (at >= 0) {
        ck_assert_int_eq(at, k - ahead);
        warmed++;
      }
    }
  /* All but the first few of the bucket, which run before any is ahead. */
  ck_assert_int_ge(warmed, 3 * (WARM_N - (int)SIM_WORLD_WARM_AHEAD));
  sim_world_free(&w);
}
END_TEST

Suite *world_suite(void)
{
  Suite *s = suite_create("world");
  TCase *tc = tcase_create("world");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_step_order_both_queues);
  tcase_add_test(tc, test_arm_task_now);
  tcase_add_test(tc, test_arm_irq_in);
  tcase_add_test(tc, test_step_budget);
  tcase_add_test(tc, test_step_spent_at_its_instant);
  tcase_add_test(tc, test_clock_never_goes_back);
  tcase_add_test(tc, test_step_interrupts_holds_task_events);
  tcase_add_test(tc, test_run_until);
  tcase_add_test(tc, test_run_max_events);
  tcase_add_test(tc, test_rearm_and_disarm_from_handlers);
  tcase_add_test(tc, test_platform_interface);
  tcase_add_test(tc, test_deterministic);
  tcase_add_test(tc, test_warm_ahead);
  suite_add_tcase(s, tc);

  tc = tcase_create("rng");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_rng_same_seed_same_sequence);
  tcase_add_test(tc, test_rng_ranges);
  tcase_add_test(tc, test_rng_exponential);
  tcase_add_test(tc, test_rng_exponential_fits_its_distribution);
  tcase_add_test(tc, test_rng_pinned_values);
  tcase_add_test(tc, test_rng_exp_fill_is_exp_in_order);
  suite_add_tcase(s, tc);
  return s;
}
