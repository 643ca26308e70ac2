/*
 * check_evq.c - the event queue (sim/world/evq.c): events leave in (t, seq) order,
 * checked against a linear-scan reference over thousands of random pushes,
 * pops and removes with times spread in several ways (so that events pass
 * through the heap, the buckets, the overflow and new years); equal times
 * leave first-in first-out; removal of the head, a middle event, the last
 * event and an idle event; growth past the initial capacity; a million
 * pending events held and drained in order; idx is DM_EVENT_IDLE exactly
 * when an event is not queued; a lone event (the only one) popped, removed
 * and placed among later ones; a push into a bucket whose list cannot grow
 * still succeeds (and keeps the order) while the queue has capacity; a new
 * year whose overflow spans a whole year of buckets.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tests.h"
#include "memlimit.h"
#include "world/evq.h"
#include "world/rng.h"

static void nop(dm_event *ev)
{
  (void)ev;
}

static int key_less(const dm_event *a, const dm_event *b)
{
  return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

/* --- small cases ------------------------------------------------------------ */

START_TEST(test_empty)
{
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  ck_assert_uint_eq(sim_evq_size(&q), 0);
  ck_assert_ptr_null(sim_evq_peek(&q));
  ck_assert_ptr_null(sim_evq_pop(&q));
  dm_event ev;
  dm_event_init(&ev, nop, NULL, DM_LVL_HWI);
  sim_evq_remove(&q, &ev); /* idle: a no-op */
  ck_assert_uint_eq(ev.idx, DM_EVENT_IDLE);
  sim_evq_free(&q);
}
END_TEST

/* A lone event (the only one: held in top alone) leaves, is removed, and
 * is placed among others when a second event comes, in a queue that had
 * no storage until then. */
START_TEST(test_lone_event)
{
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  dm_event a, b, c;
  dm_event_init(&a, nop, NULL, DM_LVL_HWI);
  dm_event_init(&b, nop, NULL, DM_LVL_HWI);
  dm_event_init(&c, nop, NULL, DM_LVL_HWI);
  a.t = 50;
  b.t = 20;
  c.t = 50;
  ck_assert_int_eq(sim_evq_push(&q, &a, 1), 0);
  ck_assert_ptr_eq(sim_evq_peek(&q), &a);
  ck_assert_ptr_eq(sim_evq_pop(&q), &a);
  ck_assert_uint_eq(a.idx, DM_EVENT_IDLE);
  ck_assert_ptr_null(sim_evq_pop(&q));
  ck_assert_int_eq(sim_evq_push(&q, &a, 2), 0);
  sim_evq_remove(&q, &a);
  ck_assert_uint_eq(a.idx, DM_EVENT_IDLE);
  ck_assert_uint_eq(sim_evq_size(&q), 0);
  ck_assert_ptr_null(sim_evq_peek(&q));
  /* a lone, then b earlier and c at a's time but armed later */
  ck_assert_int_eq(sim_evq_push(&q, &a, 3), 0);
  ck_assert_int_eq(sim_evq_push(&q, &b, 4), 0);
  ck_assert_int_eq(sim_evq_push(&q, &c, 5), 0);
  ck_assert_uint_eq(sim_evq_size(&q), 3);
  ck_assert_ptr_eq(sim_evq_pop(&q), &b);
  sim_evq_remove(&q, &a); /* placed by then: removed from where it is */
  ck_assert_uint_eq(a.idx, DM_EVENT_IDLE);
  ck_assert_ptr_eq(sim_evq_pop(&q), &c);
  ck_assert_ptr_null(sim_evq_pop(&q));
  /* lone again once empty, and placed again */
  ck_assert_int_eq(sim_evq_push(&q, &c, 6), 0);
  ck_assert_int_eq(sim_evq_push(&q, &a, 7), 0);
  ck_assert_ptr_eq(sim_evq_pop(&q), &c);
  ck_assert_ptr_eq(sim_evq_pop(&q), &a);
  ck_assert_uint_eq(sim_evq_size(&q), 0);
  sim_evq_free(&q);
}
END_TEST

START_TEST(test_fifo_equal_times)
{
  enum { N = 3000 };
  static dm_event ev[N];
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 16), 0);
  for (int i = 0; i < N; i++) {
    dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
    ev[i].t = 777;
    ck_assert_int_eq(sim_evq_push(&q, &ev[i], (uint64_t)i + 100), 0);
    ck_assert_uint_eq(ev[i].seq, (uint64_t)i + 100);
    ck_assert_uint_ne(ev[i].idx, DM_EVENT_IDLE);
  }
  for (int i = 0; i < N; i++) {
    ck_assert_ptr_eq(sim_evq_peek(&q), &ev[i]);
    ck_assert_ptr_eq(sim_evq_pop(&q), &ev[i]);
    ck_assert_uint_eq(ev[i].idx, DM_EVENT_IDLE);
  }
  ck_assert_ptr_null(sim_evq_pop(&q));
  sim_evq_free(&q);
}
END_TEST

START_TEST(test_seq_not_push_order)
{
  /* seq, not the order of pushes, breaks ties. */
  dm_event a, b, c;
  dm_event_init(&a, nop, NULL, DM_LVL_HWI);
  dm_event_init(&b, nop, NULL, DM_LVL_HWI);
  dm_event_init(&c, nop, NULL, DM_LVL_HWI);
  a.t = b.t = 5;
  c.t = 4;
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 4), 0);
  sim_evq_push(&q, &a, 9);
  sim_evq_push(&q, &b, 3);
  sim_evq_push(&q, &c, 10);
  ck_assert_ptr_eq(sim_evq_pop(&q), &c);
  ck_assert_ptr_eq(sim_evq_pop(&q), &b);
  ck_assert_ptr_eq(sim_evq_pop(&q), &a);
  sim_evq_free(&q);
}
END_TEST

/* Five events due at 10, 20, 30, 40, 50; remove the one at `victim` (-1:
 * an idle event) and check what comes out. */
static void remove_case(int victim)
{
  dm_event ev[5], idle;
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 8), 0);
  /* Pushed out of order so that the heap has to arrange them. */
  static const int order[5] = { 3, 0, 4, 1, 2 };
  for (int k = 0; k < 5; k++) {
    int i = order[k];
    dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
    ev[i].t = (uint64_t)(i + 1) * 10;
    ck_assert_int_eq(sim_evq_push(&q, &ev[i], (uint64_t)k), 0);
  }
  dm_event_init(&idle, nop, NULL, DM_LVL_HWI);
  if (victim < 0) {
    sim_evq_remove(&q, &idle);
    ck_assert_uint_eq(sim_evq_size(&q), 5);
  } else {
    sim_evq_remove(&q, &ev[victim]);
    ck_assert_uint_eq(ev[victim].idx, DM_EVENT_IDLE);
    ck_assert_uint_eq(sim_evq_size(&q), 4);
    sim_evq_remove(&q, &ev[victim]); /* now idle: a no-op */
    ck_assert_uint_eq(sim_evq_size(&q), 4);
  }
  for (int i = 0; i < 5; i++) {
    if (i == victim)
      continue;
    ck_assert_ptr_eq(sim_evq_pop(&q), &ev[i]);
  }
  ck_assert_ptr_null(sim_evq_pop(&q));
  sim_evq_free(&q);
}

START_TEST(test_remove_head)   { remove_case(0); } END_TEST
START_TEST(test_remove_middle) { remove_case(2); } END_TEST
START_TEST(test_remove_tail)   { remove_case(4); } END_TEST
START_TEST(test_remove_idle)   { remove_case(-1); } END_TEST

START_TEST(test_remove_everything_then_reuse)
{
  enum { N = 500 };
  static dm_event ev[N];
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < N; i++) {
      dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
      ev[i].t = (uint64_t)((i * 7919) % N) * 1000u;
      ck_assert_int_eq(sim_evq_push(&q, &ev[i], (uint64_t)(round * N + i)), 0);
    }
    for (int i = N - 1; i >= 0; i--)
      sim_evq_remove(&q, &ev[i]);
    ck_assert_uint_eq(sim_evq_size(&q), 0);
    ck_assert_ptr_null(sim_evq_peek(&q));
  }
  sim_evq_free(&q);
}
END_TEST

START_TEST(test_growth)
{
  enum { N = 20000 };
  dm_event *ev = malloc(N * sizeof *ev);
  ck_assert_ptr_nonnull(ev);
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 1), 0);
  /* Descending times: every push lands in front of everything queued. */
  for (int i = 0; i < N; i++) {
    dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
    ev[i].t = (uint64_t)(N - i);
    ck_assert_int_eq(sim_evq_push(&q, &ev[i], (uint64_t)i), 0);
    ck_assert_uint_eq(sim_evq_size(&q), (uint32_t)i + 1);
    ck_assert_ptr_eq(sim_evq_peek(&q), &ev[i]);
  }
  for (int i = N - 1; i >= 0; i--)
    ck_assert_ptr_eq(sim_evq_pop(&q), &ev[i]);
  sim_evq_free(&q);
  free(ev);
}
END_TEST

/* --- random operations against a reference ---------------------------------- */

enum { NEV = 1024 };

typedef struct ref {
  dm_event ev[NEV];
  int      queued[NEV];
  uint64_t seq;
  uint64_t now; /* the last popped time: pushes mostly go after it */
} ref;

/* The queued event the queue must return next, or NULL. */
static dm_event *ref_min(ref *r)
{
  dm_event *best = NULL;
  for (int i = 0; i < NEV; i++)
    if (r->queued[i] && (best == NULL || key_less(&r->ev[i], best)))
      best = &r->ev[i];
  return best;
}

static void ref_check_idx(ref *r)
{
  for (int i = 0; i < NEV; i++) {
    if (r->queued[i])
      ck_assert_uint_ne(r->ev[i].idx, DM_EVENT_IDLE);
    else
      ck_assert_uint_eq(r->ev[i].idx, DM_EVENT_IDLE);
  }
}

/* A due time in one of several shapes: just after now (the common case),
 * far ahead, a few fixed instants (ties), anywhere, or before now. */
static uint64_t pick_time(sim_rng *g, uint64_t now, int shape)
{
  switch (shape) {
  case 0: return now + sim_rng_range(g, 0, 1000);
  case 1: return now + sim_rng_range(g, 0, UINT64_C(1) << 40);
  case 2: return now + 1000 * sim_rng_range(g, 0, 3);
  case 3: return sim_rng_range(g, 0, UINT64_MAX);
  default: return now > 5000 ? now - sim_rng_range(g, 0, 5000) : 0;
  }
}

static void random_ops(uint64_t seed, int ops, int shapes)
{
  ref *r = calloc(1, sizeof *r);
  ck_assert_ptr_nonnull(r);
  for (int i = 0; i < NEV; i++)
    dm_event_init(&r->ev[i], nop, NULL, DM_LVL_HWI);
  sim_rng g;
  sim_rng_seed(&g, seed);
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  uint32_t n = 0;
  for (int op = 0; op < ops; op++) {
    int what = (int)sim_rng_range(&g, 0, 9);
    int i = (int)sim_rng_range(&g, 0, NEV - 1);
    if (what < 5) { /* push an idle event */
      if (r->queued[i])
        continue;
      r->ev[i].t = pick_time(&g, r->now, (int)sim_rng_range(&g, 0, (uint64_t)shapes - 1));
      ck_assert_int_eq(sim_evq_push(&q, &r->ev[i], r->seq++), 0);
      r->queued[i] = 1;
      n++;
    } else if (what < 8) { /* pop */
      dm_event *want = ref_min(r);
      dm_event *got = sim_evq_pop(&q);
      ck_assert_ptr_eq(got, want);
      if (got) {
        r->queued[got - r->ev] = 0;
        r->now = got->t;
        n--;
      }
    } else { /* remove, queued or idle */
      sim_evq_remove(&q, &r->ev[i]);
      if (r->queued[i]) {
        r->queued[i] = 0;
        n--;
      }
    }
    ck_assert_uint_eq(sim_evq_size(&q), n);
    ck_assert_ptr_eq(sim_evq_peek(&q), ref_min(r));
    if (op % 64 == 0)
      ref_check_idx(r);
  }
  /* Drain what is left. */
  for (dm_event *want; (want = ref_min(r)) != NULL;) {
    ck_assert_ptr_eq(sim_evq_pop(&q), want);
    r->queued[want - r->ev] = 0;
  }
  ck_assert_ptr_null(sim_evq_pop(&q));
  ref_check_idx(r);
  sim_evq_free(&q);
  free(r);
}

START_TEST(test_random_near)  { random_ops(1 + (uint64_t)_i, 12000, 1); } END_TEST
START_TEST(test_random_mixed) { random_ops(100 + (uint64_t)_i, 12000, 5); } END_TEST

/* n events pushed into a new queue q at times drawn from [0, span] by g,
 * seeded with seed; *seq counts the pushes. Returns the events (malloc). */
static dm_event *prefill(sim_evq *q, sim_rng *g, uint64_t seed, int n, uint64_t span,
                         uint64_t *seq)
{
  dm_event *ev = malloc((size_t)n * sizeof *ev);
  ck_assert_ptr_nonnull(ev);
  sim_rng_seed(g, seed);
  ck_assert_int_eq(sim_evq_init(q, 0), 0);
  for (int i = 0; i < n; i++) {
    dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
    ev[i].t = sim_rng_range(g, 0, span);
    ck_assert_int_eq(sim_evq_push(q, &ev[i], (*seq)++), 0);
  }
  return ev;
}

/* The hold model: every pop is followed by a push a little later, so events
 * keep moving from the buckets and the overflow into the heap. */
START_TEST(test_hold_model_order)
{
  enum { N = 5000, STEPS = 200000 };
  sim_rng g;
  sim_evq q;
  uint64_t seq = 0;
  dm_event *ev = prefill(&q, &g, 42, N, 100000, &seq);
  /* Checked without ck_assert in the loop: in fork mode every passing
   * assertion is a message to the runner. */
  dm_event last = { 0 };
  int bad = -1;
  for (int s = 0; s < STEPS && bad < 0; s++) {
    dm_event *e = sim_evq_pop(&q);
    if (e == NULL || key_less(e, &last)) {
      bad = s;
      break;
    }
    last = *e;
    e->t += sim_rng_range(&g, 1, s % 1000 == 0 ? 10000000 : 100000);
    if (sim_evq_push(&q, e, seq++) != 0)
      bad = s;
  }
  ck_assert_msg(bad < 0, "out of order or failed at step %d", bad);
  ck_assert_uint_eq(sim_evq_size(&q), N);
  sim_evq_free(&q);
  free(ev);
}
END_TEST

/* Buckets big enough to be radix-sorted into the run (tens of events in
 * each, several times per bucket), with removals from the run, from the
 * buckets and from the heap, and pushes into the drained range and beyond.
 * Every pop must be the peeked event and come in (t, seq) order; every
 * event queued must come out once, and no removed one. */
/* Random pops, removals and pushes on q, holding the N events ev filled in
 * by prefill, checked as test_big_buckets_with_removals says; then frees
 * q and ev. */
static void churn(sim_evq *q, sim_rng *g, dm_event *ev, int N, uint64_t seq, int STEPS);

START_TEST(test_big_buckets_with_removals)
{
  enum { N = 20000, STEPS = 60000 };
  sim_rng g;
  sim_evq q;
  uint64_t seq = 0;
  dm_event *ev = prefill(&q, &g, 9, N, 1u << 14, &seq);
  churn(&q, &g, ev, N, seq, STEPS);
}
END_TEST

/* A burst into an empty queue: the first event is due after the others,
 * so they are pushed before the day it started and go into the heap. In
 * round 0 that is all of them, and the first pop starts a new year over
 * them (rebucket); in round 1 most events are due much later (the
 * overflow) and the first pop sorts the heap into the run (heap_to_run, by
 * seq, then t: the times repeat a lot and seq spans the burst). */
START_TEST(test_burst_before_the_first)
{
  enum { N = 6000, STEPS = 20000 };
  sim_rng g;
  sim_evq q;
  uint64_t seq = 0;
  dm_event *ev = malloc((size_t)N * sizeof *ev);
  ck_assert_ptr_nonnull(ev);
  sim_rng_seed(&g, 11);
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  for (int i = 0; i < N; i++) {
    dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
    ev[i].t = i == 0                  ? 1000000
            : _i == 1 && i % 5 != 0 ? 2000000 + sim_rng_range(&g, 0, 300)
                                    : sim_rng_range(&g, 0, 300);
    ck_assert_int_eq(sim_evq_push(&q, &ev[i], seq++), 0);
  }
  churn(&q, &g, ev, N, seq, STEPS);
}
END_TEST

/* A new year over an overflow of `extra` + 2 events, the first due at the
 * last nanosecond of its day (at every bucket width up to 2^20 ns), the
 * last d ns later and the others with the first: after the event that
 * started the year, all of them leave, in order, and nothing else does. */
static void rollover_case(uint64_t d, uint32_t extra)
{
  sim_evq q;
  dm_event a, lo, hi;
  dm_event *more = calloc(extra + 1u, sizeof *more);
  ck_assert_ptr_nonnull(more);
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  dm_event_init(&a, nop, NULL, DM_LVL_HWI);
  dm_event_init(&lo, nop, NULL, DM_LVL_HWI);
  dm_event_init(&hi, nop, NULL, DM_LVL_HWI);
  a.t = 0; /* lone, then the year starts at its day: the others overflow */
  lo.t = (UINT64_C(1) << 20) - 1;
  hi.t = lo.t + d;
  uint64_t seq = 0;
  ck_assert_int_eq(sim_evq_push(&q, &a, seq++), 0);
  ck_assert_int_eq(sim_evq_push(&q, &lo, seq++), 0);
  ck_assert_int_eq(sim_evq_push(&q, &hi, seq++), 0);
  for (uint32_t i = 0; i < extra; i++) {
    dm_event_init(&more[i], nop, NULL, DM_LVL_HWI);
    more[i].t = lo.t;
    ck_assert_int_eq(sim_evq_push(&q, &more[i], seq++), 0);
  }
  ck_assert_ptr_eq(sim_evq_pop(&q), &a);
  ck_assert_ptr_eq(sim_evq_pop(&q), &lo);
  for (uint32_t i = 0; i < extra; i++)
    ck_assert_ptr_eq(sim_evq_pop(&q), &more[i]);
  ck_assert_ptr_eq(sim_evq_pop(&q), &hi);
  ck_assert_ptr_null(sim_evq_pop(&q));
  ck_assert_uint_eq(sim_evq_size(&q), 0);
  sim_evq_free(&q);
  free(more);
}

/* A new year whose overflow spans as many buckets as the year can hold, so
 * that its last event lands in the year's last bucket, never past it: the
 * span is d ns for every d up to 4,096 (a small overflow, whose buckets
 * are made wider), and about a year of buckets at several widths for an
 * overflow of many events (which gets the narrowest buckets). */
START_TEST(test_rollover_whole_span)
{
  for (uint64_t d = 1; d <= 4096; d++)
    rollover_case(d, 0);
  for (unsigned s = 0; s < 4; s++)
    for (uint64_t k = SIM_EVQ_BUCKETS - 3; k <= SIM_EVQ_BUCKETS + 1; k++)
      rollover_case((k << s) - 1, 8 * SIM_EVQ_BUCKETS);
}
END_TEST

/* A deep queue in its steady state, as a run with many requests in flight
 * makes one: a burst of N events armed at one instant (the first pops sort
 * the heap they land in into the run: heap_to_run), then a hold model for
 * STEPS pops, each event pushed again a random time later. Buckets of
 * thousands of events are sorted into the run, and their lists' arrays go
 * to the next buckets. In round 1 the times are multiples of 4096 ns, so
 * events of equal times come in large groups; in round 0 such groups are
 * small. (A new year over a burst, and buckets out of seq order, are
 * test_burst_before_the_first's and test_ties_far_out_of_order's.) Every
 * pop must be the peeked event, in (t, seq) order, and the queue must hold
 * N events throughout. */
START_TEST(test_deep_hold)
{
  enum { N = 40000, STEPS = 160000 };
  uint64_t unit = _i == 1 ? 4096 : 1;
  sim_rng g;
  sim_rng_seed(&g, 77);
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  dm_event *ev = malloc((size_t)N * sizeof *ev);
  ck_assert_ptr_nonnull(ev);
  uint64_t seq = 0;
  for (int i = 0; i < N; i++) {
    dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
    ev[i].t = sim_rng_exp(&g, 1000000) / unit * unit;
    ck_assert_int_eq(sim_evq_push(&q, &ev[i], seq++), 0);
  }
  /* Every push has a seq of its own, so pops come in strictly rising
   * (t, seq) order, and each is of an event pushed and not popped since. */
  dm_event last = { 0 };
  last.seq = UINT64_MAX; /* (before any event: t 0, seq 0 is the least key) */
  last.t = 0;
  int bad = -1;
  for (int s = 0; s < STEPS && bad < 0; s++) {
    dm_event *want = sim_evq_peek(&q), *e = sim_evq_pop(&q);
    if (e == NULL || e != want || e->idx != DM_EVENT_IDLE ||
        (s > 0 && !key_less(&last, e))) {
      bad = s;
      break;
    }
    last = *e;
    e->t += sim_rng_exp(&g, 1000000) / unit * unit;
    if (sim_evq_push(&q, e, seq++) != 0 || sim_evq_size(&q) != N)
      bad = s;
  }
  ck_assert_msg(bad < 0, "out of order or failed at step %d", bad);
  sim_evq_free(&q);
  free(ev);
}
END_TEST

/* Pushes ev[0..spread], 4096 ns apart from 0, and pops ev[0]: the year
 * starts at 0 with 1 ns days, the rest goes to the overflow, and that pop
 * starts a year of 4096 ns days over it. */
static void start_4096_year(sim_evq *q, dm_event *ev, int spread, uint64_t *seq)
{
  for (int i = 0; i <= spread; i++) {
    dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
    ev[i].t = 4096 * (uint64_t)i;
    ck_assert_int_eq(sim_evq_push(q, &ev[i], (*seq)++), 0);
  }
  ck_assert_ptr_eq(sim_evq_pop(q), &ev[0]);
}

/* One bucket's list grown by doubling from 8 entries to 65,536, through
 * the sizes cut from huge-page chunks (512 to 16,384) and out of them
 * again, its entries copied at each step; then a second bucket's list
 * from a drained one's array. Pops must come in strictly rising (t, seq)
 * order, each event once. */
START_TEST(test_list_grows_through_sizes)
{
  enum { SPREAD = 200, TIED = 40000 };
  static dm_event ev[1 + SPREAD], tied[TIED];
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  uint64_t seq = 0;
  /* The tied events go into one bucket's list, the first half into that
   * of ev[122], the rest into that of ev[150]. */
  start_4096_year(&q, ev, SPREAD, &seq);
  for (int k = 0; k < TIED; k++) {
    dm_event_init(&tied[k], nop, NULL, DM_LVL_HWI);
    tied[k].t = k < TIED / 2 ? 500000 : 614400;
    ck_assert_int_eq(sim_evq_push(&q, &tied[k], seq++), 0);
  }
  ck_assert_uint_eq(sim_evq_size(&q), SPREAD + TIED);
  dm_event last = ev[0];
  int bad = -1, n = 0;
  for (dm_event *e; bad < 0 && (e = sim_evq_pop(&q)) != NULL; n++) {
    if (!key_less(&last, e))
      bad = n;
    last = *e;
  }
  ck_assert_msg(bad < 0, "out of order at pop %d", bad);
  ck_assert_int_eq(n, SPREAD + TIED);
  sim_evq_free(&q);
}
END_TEST

/* A bucket whose events of one time are far out of seq order: removals
 * from the front of its list move its last entries there one by one, so
 * that 40 of them end up in falling seq order ahead of the rest. Sorting
 * the bucket by time then leaves groups too large for order_ties, and the
 * bucket is sorted by seq and time instead. Pops must come in strictly
 * rising (t, seq) order, each event once, and none of the removed. */
START_TEST(test_ties_far_out_of_order)
{
  enum { SPREAD = 200, TIED = 100, REMOVED = 40 };
  static dm_event ev[1 + SPREAD], tied[TIED];
  static char popped[1 + SPREAD + TIED];
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  uint64_t seq = 0;
  start_4096_year(&q, ev, SPREAD, &seq);
  popped[0] = 1;
  for (int k = 0; k < TIED; k++) {
    dm_event_init(&tied[k], nop, NULL, DM_LVL_HWI);
    tied[k].t = 500000; /* in the bucket of ev[122] */
    ck_assert_int_eq(sim_evq_push(&q, &tied[k], seq++), 0);
  }
  for (int k = 0; k < REMOVED; k++)
    sim_evq_remove(&q, &tied[k]);
  ck_assert_uint_eq(sim_evq_size(&q), SPREAD + TIED - REMOVED);
  dm_event last = ev[0];
  int bad = -1, n = 0;
  for (dm_event *e; bad < 0 && (e = sim_evq_pop(&q)) != NULL; n++) {
    int at = e >= tied && e < tied + TIED ? 1 + SPREAD + (int)(e - tied) : (int)(e - ev);
    if (!key_less(&last, e) || popped[at] || (at > SPREAD && at - 1 - SPREAD < REMOVED))
      bad = n;
    popped[at] = 1;
    last = *e;
  }
  ck_assert_msg(bad < 0, "wrong at pop %d", bad);
  ck_assert_int_eq(n, SPREAD + TIED - REMOVED);
  sim_evq_free(&q);
}
END_TEST

/* A bucket that neither sort can order (ties far out of seq order, and seqs
 * spread too wide for the fallback's passes) goes into the heap, and only
 * there: the failed sorts must not leave it in the run as well (each of
 * its events then popped twice, and as many others never). The world's
 * counter never spreads seqs this wide; the queue's contract allows it. */
START_TEST(test_unsortable_bucket_to_heap)
{
  enum { TIED = 40, N = TIED + 3 };
  static dm_event ev[N];
  static char popped[N];
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  for (int i = 0; i < N; i++)
    dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
  ev[0].t = 0;
  ck_assert_int_eq(sim_evq_push(&q, &ev[0], 1), 0);
  for (int k = 0; k < TIED; k++) { /* falling seqs, 2^56 apart */
    ev[1 + k].t = 1000000;
    ck_assert_int_eq(sim_evq_push(&q, &ev[1 + k], ((uint64_t)(TIED - k) << 56) | 3), 0);
  }
  ev[1 + TIED].t = 1000001;
  ck_assert_int_eq(sim_evq_push(&q, &ev[1 + TIED], 2), 0);
  ev[2 + TIED].t = 1001000;
  ck_assert_int_eq(sim_evq_push(&q, &ev[2 + TIED], 4), 0);
  dm_event last = { 0 };
  int bad = -1, n = 0;
  for (dm_event *e; (e = sim_evq_pop(&q)) != NULL; n++) {
    int at = (int)(e - ev);
    if (bad < 0 && ((n > 0 && !key_less(&last, e)) || popped[at]))
      bad = n;
    popped[at] = 1;
    last = *e;
  }
  ck_assert_msg(bad < 0, "wrong at pop %d", bad);
  ck_assert_int_eq(n, N);
  sim_evq_free(&q);
}
END_TEST

/* Removals of events that moved without their idx being written: a heap
 * of a burst started a new year over every event at the first pop, so its
 * events keep their heap positions as idx while they sit in the buckets,
 * and new events pushed into the near future then take those positions in
 * the heap. Removing an old event must remove it, not the new event at its
 * old position; removing events of the year's buckets writes their
 * bucket's idx first. Every other event must come out once, in strictly
 * rising (t, seq) order. */
START_TEST(test_remove_after_moves)
{
  enum { OLD = 2000, NEW = 50, GONE = 40 };
  static dm_event first, old[OLD], fresh[NEW];
  static char out[OLD + NEW + 1];
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  uint64_t seq = 0;
  dm_event_init(&first, nop, NULL, DM_LVL_HWI);
  first.t = 1000000; /* the year starts at its day: the rest go into the heap */
  ck_assert_int_eq(sim_evq_push(&q, &first, seq++), 0);
  for (int i = 0; i < OLD; i++) {
    dm_event_init(&old[i], nop, NULL, DM_LVL_HWI);
    old[i].t = 1 + 7 * (uint64_t)i;
    ck_assert_int_eq(sim_evq_push(&q, &old[i], seq++), 0);
  }
  ck_assert_ptr_eq(sim_evq_pop(&q), &old[0]);
  out[1] = 1;
  for (int k = 0; k < NEW; k++) { /* due at once: the near future, the heap */
    dm_event_init(&fresh[k], nop, NULL, DM_LVL_HWI);
    fresh[k].t = 2 + (uint64_t)k % 3;
    ck_assert_int_eq(sim_evq_push(&q, &fresh[k], seq++), 0);
  }
  for (int i = 1; i <= GONE; i++)
    sim_evq_remove(&q, &old[i * 40]); /* spread over the year's buckets */
  for (int i = 1; i <= GONE; i++)
    ck_assert_uint_eq(old[i * 40].idx, DM_EVENT_IDLE);
  ck_assert_uint_eq(sim_evq_size(&q), 1 + OLD - 1 - GONE + NEW);
  dm_event last = old[0];
  int bad = -1, n = 0;
  for (dm_event *e; bad < 0 && (e = sim_evq_pop(&q)) != NULL; n++) {
    int at = e == &first                          ? 0
           : e >= old && e < old + OLD             ? 1 + (int)(e - old)
                                                   : 1 + OLD + (int)(e - fresh);
    int gone = at >= 1 && at <= OLD && (at - 1) % 40 == 0 && at - 1 > 0 && (at - 1) / 40 <= GONE;
    if (!key_less(&last, e) || out[at] || gone)
      bad = n;
    out[at] = 1;
    last = *e;
  }
  ck_assert_msg(bad < 0, "wrong at pop %d", bad);
  ck_assert_int_eq(n, 1 + OLD - 1 - GONE + NEW);
  sim_evq_free(&q);
}
END_TEST

static void churn(sim_evq *q, sim_rng *g, dm_event *ev, int N, uint64_t seq, int STEPS)
{
  char *queued = malloc(N);
  ck_assert_ptr_nonnull(queued);
  memset(queued, 1, N);
  uint32_t n = N;
  dm_event last = { 0 };
  int bad = -1;
  for (int s = 0; bad < 0 && (s < STEPS || n > 0); s++) {
    /* Few removals: one moves a bucket's last entry, which spoils the
     * bucket's seq order (its sort then puts the ties back in order). */
    int what = s < STEPS ? (int)sim_rng_range(g, 0, 99) : 0;
    int i = (int)sim_rng_range(g, 0, N - 1);
    if (what < 60) {
      dm_event *want = sim_evq_peek(q), *got = sim_evq_pop(q);
      if (got != want || (got == NULL) != (n == 0) ||
          (got != NULL && (key_less(got, &last) || !queued[got - ev] ||
                           got->idx != DM_EVENT_IDLE)))
        bad = s;
      if (got != NULL) {
        queued[got - ev] = 0;
        last = *got;
        n--;
      }
    } else if (what < 64) {
      /* Mostly an event due very soon: it is likely in the run. */
      for (int k = 0; what < 63 && k < N; k++) {
        int j = (i + k) % N;
        if (queued[j] && ev[j].t <= last.t + 40) {
          i = j;
          break;
        }
      }
      sim_evq_remove(q, &ev[i]);
      if (ev[i].idx != DM_EVENT_IDLE)
        bad = s;
      n -= queued[i];
      queued[i] = 0;
    } else if (!queued[i]) {
      /* Into the drained range (the heap) or anywhere ahead. */
      ev[i].t = last.t + sim_rng_range(g, 0, what < 70 ? 100 : 1u << 14);
      if (sim_evq_push(q, &ev[i], seq++) != 0)
        bad = s;
      queued[i] = 1;
      n++;
    }
    if (sim_evq_size(q) != n)
      bad = s;
  }
  ck_assert_msg(bad < 0, "wrong at step %d", bad);
  ck_assert_ptr_null(sim_evq_peek(q));
  sim_evq_free(q);
  free(queued);
  free(ev);
}

START_TEST(test_million_pending)
{
  enum { N = 1000000 };
  dm_event *ev = malloc((size_t)N * sizeof *ev);
  ck_assert_ptr_nonnull(ev);
  sim_rng g;
  sim_rng_seed(&g, 7);
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, 0), 0);
  uint32_t failed = 0;
  for (uint32_t i = 0; i < N; i++) {
    dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
    ev[i].t = sim_rng_range(&g, 0, UINT64_C(1) << 32);
    failed += sim_evq_push(&q, &ev[i], i) != 0;
  }
  ck_assert_uint_eq(failed, 0);
  ck_assert_uint_eq(sim_evq_size(&q), N);
  dm_event last = { 0 };
  uint32_t bad = 0;
  for (uint32_t i = 0; i < N; i++) {
    dm_event *e = sim_evq_pop(&q);
    if (e == NULL || key_less(e, &last)) {
      bad++;
      break;
    }
    last = *e;
  }
  ck_assert_uint_eq(bad, 0);
  ck_assert_ptr_null(sim_evq_pop(&q));
  sim_evq_free(&q);
  free(ev);
}
END_TEST

START_TEST(test_push_without_memory)
{
  enum { N = 300000 };
  dm_event *ev = malloc(N * sizeof *ev);
  ck_assert_ptr_nonnull(ev);
  sim_evq q;
  ck_assert_int_eq(sim_evq_init(&q, N), 0); /* the queue itself never grows */
  for (int i = 0; i < N; i++)
    dm_event_init(&ev[i], nop, NULL, DM_LVL_HWI);
  ev[0].t = 0; /* starts the year: later times go to buckets */
  ck_assert_int_eq(sim_evq_push(&q, &ev[0], 0), 0);

  struct rlimit old;
  /* room for a bucket list of ~64K events */
  ck_assert_msg(tests_limit_memory(1u << 20, &old) == 0, "cannot limit the address space");
  for (int i = 1; i < N; i++) {
    ev[i].t = 500 + (uint64_t)(i % 3); /* three buckets */
    ck_assert_int_eq(sim_evq_push(&q, &ev[i], (uint64_t)i), 0);
  }
  /* volatile: a compiler may drop a malloc whose result is only freed. */
  void *volatile probe = malloc(64u << 20);
  int limited = probe == NULL;
  free(probe);
  ck_assert_int_eq(setrlimit(RLIMIT_AS, &old), 0);
  ck_assert_msg(limited, "the memory limit did not bite");

  ck_assert_ptr_eq(sim_evq_pop(&q), &ev[0]);
  for (int r = 0; r < 3; r++)
    for (int i = 1; i < N; i++)
      if (i % 3 == r)
        ck_assert_ptr_eq(sim_evq_pop(&q), &ev[i]);
  ck_assert_ptr_null(sim_evq_pop(&q));
  sim_evq_free(&q);
  free(ev);
}
END_TEST

Suite *evq_suite(void)
{
  Suite *s = suite_create("evq");
  TCase *tc = tcase_create("basic");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_empty);
  tcase_add_test(tc, test_lone_event);
  tcase_add_test(tc, test_fifo_equal_times);
  tcase_add_test(tc, test_seq_not_push_order);
  tcase_add_test(tc, test_remove_head);
  tcase_add_test(tc, test_remove_middle);
  tcase_add_test(tc, test_remove_tail);
  tcase_add_test(tc, test_remove_idle);
  tcase_add_test(tc, test_remove_everything_then_reuse);
  tcase_add_test(tc, test_growth);
  if (tests_memory_testable()) /* (it limits the process's memory) */
    tcase_add_test(tc, test_push_without_memory);
  tcase_add_test(tc, test_unsortable_bucket_to_heap);
  suite_add_tcase(s, tc);

  tc = tcase_create("random");
  /* Linear-scan reference: slow under valgrind. */
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_random_near, 0, 3);
  tcase_add_loop_test(tc, test_random_mixed, 0, 3);
  tcase_add_test(tc, test_hold_model_order);
  tcase_add_test(tc, test_million_pending);
  tcase_add_test(tc, test_big_buckets_with_removals);
  tcase_add_loop_test(tc, test_burst_before_the_first, 0, 2);
  tcase_add_test(tc, test_rollover_whole_span);
  tcase_add_loop_test(tc, test_deep_hold, 0, 2);
  tcase_add_test(tc, test_ties_far_out_of_order);
  tcase_add_test(tc, test_list_grows_through_sizes);
  tcase_add_test(tc, test_remove_after_moves);
  suite_add_tcase(s, tc);
  return s;
}
