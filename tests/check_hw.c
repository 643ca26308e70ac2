/*
 * check_hw.c - simulated latency hardware (sim/hw/hw.c) on a real dm_machine:
 * a fixed service time gives exact completion times; channels bound how
 * many operations are in service, the rest wait first-in first-out (also
 * behind operations still waiting when a handler starts a new one); the
 * driver's done routine runs at hardware-interrupt level with the machine
 * current; the counters, the uniform and exponential models (bounds, mean,
 * same seed same times), the RegEntryID convention of
 * sim_hw_platform_start, pool growth, freeing a busy device, and the
 * driver's prefetch called ahead of its operations' interrupts.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tests.h"
#include "memlimit.h"
#include "devmgr/machine.h"
#include "DMSim.h"
#include "hw/hw.h"
#include "world/world.h"

enum { MAXDONE = 4096 };

typedef struct hwfix {
  sim_world   w;
  dm_machine *m;
  sim_hw     *hw;
  /* One entry per done call. */
  int         ref[MAXDONE];
  uint64_t    at[MAXDONE];
  int         n;
  int         bad_level, bad_current, bad_status;
  int         chain; /* > 0: each done starts this many more ops (once) */
} hwfix;

static hwfix *F; /* the fixture the done routine records into */

static void setup(hwfix *f)
{
  memset(f, 0, sizeof *f);
  F = f;
  ck_assert_int_eq(sim_world_init(&f->w), 0);
  dm_machine_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.platform = sim_world_platform(&f->w);
  cfg.platform.hw_start = sim_hw_platform_start;
  cfg.check = DM_CHECK_STRICT;
  f->m = dm_machine_new(&cfg);
  ck_assert_ptr_nonnull(f->m);
}

static void teardown(hwfix *f)
{
  sim_hw_free(f->hw);
  dm_machine_free(f->m);
  sim_world_free(&f->w);
  F = NULL;
}

static sim_hw *make_hw(hwfix *f, sim_hw_kind kind, uint64_t a, uint64_t b, uint32_t channels,
                       uint64_t seed)
{
  sim_hw_model model = { kind, a, b };
  sim_hw *hw = sim_hw_new(&f->w, f->m, "disk", &model, channels, seed);
  ck_assert_ptr_nonnull(hw);
  return hw;
}

static void on_done(void *refCon, int32_t status)
{
  hwfix *f = F;
  ck_assert_int_lt(f->n, MAXDONE);
  f->ref[f->n] = (int)(intptr_t)refCon;
  f->at[f->n] = sim_world_now(&f->w);
  f->n++;
  f->bad_level += dm_machine_level(f->m) != DM_LVL_HWI;
  f->bad_current += dm_machine_current() != f->m;
  f->bad_status += status != 0;
  if (f->chain > 0) {
    int more = f->chain;
    f->chain = 0;
    for (int i = 0; i < more; i++)
      ck_assert_int_eq(sim_hw_start(f->hw, 512, on_done, (void *)(intptr_t)(100 + i)), 0);
  }
}

static void start(hwfix *f, int ref)
{
  ck_assert_int_eq(sim_hw_start(f->hw, 512, on_done, (void *)(intptr_t)ref), 0);
}

/* Starts an operation from a world event at a later time. */
typedef struct later {
  dm_event ev;
  hwfix   *f;
  int      ref;
} later;

static void on_later(dm_event *ev)
{
  later *l = ev->data;
  start(l->f, l->ref);
}

START_TEST(test_fixed_latency_exact)
{
  hwfix f;
  setup(&f);
  f.hw = make_hw(&f, SIM_HW_FIXED, 1 * MS, 0, 1, 1);
  start(&f, 1);
  later l = { .f = &f, .ref = 2 };
  dm_event_init(&l.ev, on_later, &l, DM_LVL_TASK);
  l.ev.t = 5 * MS;
  ck_assert_int_eq(sim_world_arm(&f.w, &l.ev), 0);
  sim_world_run(&f.w, UINT64_MAX, 0);
  ck_assert_int_eq(f.n, 2);
  ck_assert_int_eq(f.ref[0], 1);
  ck_assert_uint_eq(f.at[0], 1 * MS);
  ck_assert_int_eq(f.ref[1], 2);
  ck_assert_uint_eq(f.at[1], 6 * MS);
  ck_assert_int_eq(f.bad_level, 0);
  ck_assert_int_eq(f.bad_current, 0);
  ck_assert_int_eq(f.bad_status, 0);
  teardown(&f);
}
END_TEST

START_TEST(test_two_channels_three_ops)
{
  hwfix f;
  setup(&f);
  f.hw = make_hw(&f, SIM_HW_FIXED, 1 * MS, 0, 2, 1);
  start(&f, 1);
  start(&f, 2);
  start(&f, 3);
  ck_assert_uint_eq(sim_hw_inflight(f.hw), 3);
  sim_world_run(&f.w, UINT64_MAX, 0);
  ck_assert_int_eq(f.n, 3);
  ck_assert_int_eq(f.ref[0], 1);
  ck_assert_int_eq(f.ref[1], 2);
  ck_assert_int_eq(f.ref[2], 3);
  ck_assert_uint_eq(f.at[0], 1 * MS);
  ck_assert_uint_eq(f.at[1], 1 * MS);
  ck_assert_uint_eq(f.at[2], 2 * MS);
  sim_hw_stats st = sim_hw_get_stats(f.hw);
  ck_assert_uint_eq(st.started, 3);
  ck_assert_uint_eq(st.completed, 3);
  ck_assert_uint_eq(st.busy_ns, 3 * MS);
  ck_assert_uint_eq(st.max_waiting, 1);
  ck_assert_uint_eq(sim_hw_inflight(f.hw), 0);
  ck_assert_int_eq(f.bad_level, 0);
  teardown(&f);
}
END_TEST

START_TEST(test_fifo_waiting)
{
  enum { N = 50 };
  hwfix f;
  setup(&f);
  f.hw = make_hw(&f, SIM_HW_FIXED, 2 * MS, 0, 1, 1);
  for (int i = 0; i < N; i++)
    start(&f, i);
  sim_hw_stats st = sim_hw_get_stats(f.hw);
  ck_assert_uint_eq(st.max_waiting, N - 1);
  sim_world_run(&f.w, UINT64_MAX, 0);
  ck_assert_int_eq(f.n, N);
  for (int i = 0; i < N; i++) {
    ck_assert_int_eq(f.ref[i], i);
    ck_assert_uint_eq(f.at[i], (uint64_t)(i + 1) * 2 * MS);
  }
  teardown(&f);
}
END_TEST

START_TEST(test_handler_start_queues_behind_waiting)
{
  hwfix f;
  setup(&f);
  f.hw = make_hw(&f, SIM_HW_FIXED, 1 * MS, 0, 1, 1);
  f.chain = 1; /* the first done starts op 100 */
  start(&f, 1);
  start(&f, 2);
  sim_world_run(&f.w, UINT64_MAX, 0);
  ck_assert_int_eq(f.n, 3);
  ck_assert_int_eq(f.ref[0], 1);
  ck_assert_int_eq(f.ref[1], 2);
  ck_assert_int_eq(f.ref[2], 100);
  ck_assert_uint_eq(f.at[1], 2 * MS);
  ck_assert_uint_eq(f.at[2], 3 * MS);
  teardown(&f);
}
END_TEST

START_TEST(test_pool_grows)
{
  enum { N = 1000 };
  hwfix f;
  setup(&f);
  f.hw = make_hw(&f, SIM_HW_FIXED, 1000, 0, 7, 1);
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < N; i++)
      start(&f, round * N + i);
    ck_assert_uint_eq(sim_hw_inflight(f.hw), N);
    sim_world_run(&f.w, UINT64_MAX, 0);
    ck_assert_uint_eq(sim_hw_inflight(f.hw), 0);
  }
  ck_assert_int_eq(f.n, 2 * N);
  for (int i = 0; i < 2 * N; i++)
    ck_assert_int_eq(f.ref[i], i);
  sim_hw_stats st = sim_hw_get_stats(f.hw);
  ck_assert_uint_eq(st.completed, 2 * N);
  ck_assert_uint_eq(st.busy_ns, 2 * N * 1000);
  teardown(&f);
}
END_TEST

static uint64_t counted; /* count_done's calls */

static void count_done(void *refCon, int32_t status)
{
  (void)refCon;
  (void)status;
  counted++;
}

static void nop_event(dm_event *ev)
{
  (void)ev;
}

START_TEST(test_start_without_memory)
{
  /* Out of memory, a start answers memFullErr and leaves nothing of
   * itself: the operations started before it are counted, busy with their
   * whole service time, and complete, and none more. Here it is the
   * completion that cannot be armed while a record is free: the device's
   * pool first holds 65,528 records (chunks of 8 to 32,768) and the
   * world's queue room for as many events, then 1,000 other events make
   * the queue grow before the pool must. */
  enum { WARM = 65528, OTHER = 1000 };
  static dm_event other[OTHER];
  hwfix f;
  setup(&f);
  f.hw = make_hw(&f, SIM_HW_FIXED, 1000, 0, UINT32_MAX, 1);
  counted = 0;
  for (int i = 0; i < WARM; i++)
    ck_assert_int_eq(sim_hw_start(f.hw, 512, count_done, NULL), 0);
  sim_world_run(&f.w, UINT64_MAX, 0);
  ck_assert_uint_eq(counted, WARM);
  for (int i = 0; i < OTHER; i++) {
    dm_event_init(&other[i], nop_event, NULL, DM_LVL_HWI);
    other[i].t = sim_world_now(&f.w) + 5000;
    ck_assert_int_eq(sim_world_arm(&f.w, &other[i]), 0);
  }
  sim_hw_stats before = sim_hw_get_stats(f.hw);

  struct rlimit old;
  ck_assert_msg(tests_limit_memory(1u << 20, &old) == 0, "cannot limit the address space");
  uint64_t n = 0;
  int err;
  while ((err = sim_hw_start(f.hw, 512, count_done, NULL)) == 0 && n < 100000000)
    n++;
  ck_assert_int_eq(setrlimit(RLIMIT_AS, &old), 0);
  ck_assert_int_eq(err, -108);
  ck_assert_uint_lt(n, WARM); /* records were free: the arm failed */
  sim_hw_stats st = sim_hw_get_stats(f.hw);
  ck_assert_uint_eq(st.started - before.started, n);
  ck_assert_uint_eq(sim_hw_inflight(f.hw), n);
  ck_assert_uint_eq(st.busy_ns - before.busy_ns, n * 1000);
  ck_assert_uint_eq(sim_world_pending(&f.w), n + OTHER);
  /* With the memory back, starts succeed again. */
  for (uint64_t i = n; i < WARM; i++)
    ck_assert_int_eq(sim_hw_start(f.hw, 512, count_done, NULL), 0);
  sim_world_run(&f.w, UINT64_MAX, 0);
  ck_assert_uint_eq(counted, 2 * WARM);
  st = sim_hw_get_stats(f.hw);
  ck_assert_uint_eq(st.started, 2 * WARM);
  ck_assert_uint_eq(st.completed, 2 * WARM);
  ck_assert_uint_eq(st.busy_ns, 2 * WARM * 1000);
  ck_assert_uint_eq(sim_hw_inflight(f.hw), 0);
  teardown(&f);
}
END_TEST

/* Completion times of n ops started at once on a 1-channel device. */
static void service_times(sim_hw_kind kind, uint64_t a, uint64_t b, uint64_t seed, int n,
                          uint64_t *out)
{
  hwfix f;
  setup(&f);
  f.hw = make_hw(&f, kind, a, b, 1, seed);
  for (int i = 0; i < n; i++)
    start(&f, i);
  sim_world_run(&f.w, UINT64_MAX, 0);
  ck_assert_int_eq(f.n, n);
  uint64_t prev = 0;
  for (int i = 0; i < n; i++) {
    out[i] = f.at[i] - prev;
    prev = f.at[i];
  }
  teardown(&f);
}

START_TEST(test_uniform_model)
{
  enum { N = 2000 };
  static uint64_t s1[N], s2[N], s3[N];
  service_times(SIM_HW_UNIFORM, 100, 200, 11, N, s1);
  service_times(SIM_HW_UNIFORM, 100, 200, 11, N, s2);
  service_times(SIM_HW_UNIFORM, 100, 200, 12, N, s3);
  int lo = 0, hi = 0, same3 = 0;
  for (int i = 0; i < N; i++) {
    ck_assert_uint_ge(s1[i], 100);
    ck_assert_uint_le(s1[i], 200);
    ck_assert_uint_eq(s1[i], s2[i]);
    lo |= s1[i] == 100;
    hi |= s1[i] == 200;
    same3 += s1[i] == s3[i];
  }
  ck_assert(lo && hi);
  ck_assert_int_lt(same3, N / 10);
}
END_TEST

START_TEST(test_exponential_model)
{
  enum { N = 4000 };
  static uint64_t s[N];
  service_times(SIM_HW_EXPONENTIAL, 50000, 0, 3, N, s);
  double sum = 0;
  for (int i = 0; i < N; i++)
    sum += (double)s[i];
  /* Standard error 50000/sqrt(4000), about 1.6%. */
  ck_assert_msg(fabs(sum / N - 50000.0) < 0.06 * 50000.0, "mean %.0f", sum / N);
}
END_TEST

START_TEST(test_service_times_are_the_draws_in_order)
{
  /* The device draws its service times ahead, in batches: each operation
   * still gets the next draw of the generator seeded as the device was,
   * one at a time and in order (200 operations cross batch boundaries). */
  enum { N = 200 };
  static uint64_t s[N];
  sim_rng g;
  service_times(SIM_HW_EXPONENTIAL, 50000, 0, 9, N, s);
  sim_rng_seed(&g, 9);
  for (int i = 0; i < N; i++)
    ck_assert_uint_eq(s[i], sim_rng_exp(&g, 50000));
  service_times(SIM_HW_UNIFORM, 100, 200, 9, N, s);
  sim_rng_seed(&g, 9);
  for (int i = 0; i < N; i++)
    ck_assert_uint_eq(s[i], sim_rng_range(&g, 100, 200));
  service_times(SIM_HW_FIXED, 700, 0, 9, N, s);
  for (int i = 0; i < N; i++)
    ck_assert_uint_eq(s[i], 700);
}
END_TEST

START_TEST(test_platform_start_device_blob)
{
  hwfix f;
  setup(&f);
  f.hw = make_hw(&f, SIM_HW_FIXED, 3000, 0, 1, 1);
  const dm_platform *p = dm_machine_platform(f.m);
  unsigned char dev[16];
  memset(dev, 0, sizeof dev);
  /* No device: paramErr. */
  ck_assert_int_eq(p->hw_start(dev, 8, on_done, (void *)7, p->ctx, 0), -50);
  memcpy(dev, &f.hw, sizeof f.hw);
  /* No handler: paramErr. */
  ck_assert_int_eq(p->hw_start(dev, 8, NULL, (void *)7, p->ctx, 0), -50);
  /* DMSimHardwareStart leaves both refusals to the platform (platform.h):
   * a driver gets paramErr for each, and nothing starts. */
  dm_machine *prev = dm_machine_enter(f.m);
  RegEntryID none, e;
  memset(&none, 0, sizeof none);
  memcpy(&e, dev, sizeof e);
  ck_assert_int_eq(DMSimHardwareStart(&none, 8, on_done, (void *)7), -50);
  ck_assert_int_eq(DMSimHardwareStart(&e, 8, NULL, (void *)7), -50);
  dm_machine_leave(prev);
  ck_assert_int_eq(p->hw_start(dev, 8, on_done, (void *)7, p->ctx, 0), 0);
  sim_world_run(&f.w, UINT64_MAX, 0);
  ck_assert_int_eq(f.n, 1);
  ck_assert_int_eq(f.ref[0], 7);
  ck_assert_uint_eq(f.at[0], 3000);
  ck_assert_int_eq(f.bad_level, 0);
  teardown(&f);
}
END_TEST

START_TEST(test_free_busy_device)
{
  hwfix f;
  setup(&f);
  f.hw = make_hw(&f, SIM_HW_FIXED, 1 * MS, 0, 2, 1);
  for (int i = 0; i < 5; i++)
    start(&f, i);
  ck_assert_uint_eq(sim_world_pending(&f.w), 2); /* two in service */
  sim_hw_free(f.hw);
  f.hw = NULL;
  ck_assert_uint_eq(sim_world_pending(&f.w), 0);
  sim_world_run(&f.w, UINT64_MAX, 0);
  ck_assert_int_eq(f.n, 0);
  teardown(&f);
}
END_TEST

/* The driver's prefetch (sim_hw_platform_prefetch): called with the refCon
 * of an operation that has not finished yet, only for operations of the
 * registered done, and no more once unregistered. Each finished operation
 * starts another until pf_left runs out, as a deep run keeps its depth, so
 * that the world's queue has sorted runs to look ahead in. Operations
 * finish in the order of their refCons (1, 2, ...: one service time, a
 * channel each), so which one each call names is known: the one at the
 * first stage of the world's look-ahead (sim_world_set_warm), due
 * SIM_WORLD_WARM_AHEAD + 1 events after the one about to run, which is the
 * run's first event (on_nothing) or the next operation. pf_bad counts the
 * calls that name any other, or an operation a second time. */
static int pf_calls, pf_after_done, pf_left, pf_next, pf_bad, pf_now_ran;
static unsigned char pf_seen[MAXDONE + 1];
static void on_prefetch(void *refCon)
{
  int ref = (int)(intptr_t)refCon;
  pf_calls++;
  for (int i = 0; i < F->n; i++)
    pf_after_done += F->ref[i] == ref;
  int expect = F->n + (pf_now_ran ? 1 : 0) + (int)SIM_WORLD_WARM_AHEAD + 1;
  if (ref < 1 || ref > pf_next || ref % 2 == 0 || ref != expect || pf_seen[ref]) {
    pf_bad++;
    return;
  }
  pf_seen[ref] = 1;
}

static void on_done_again(void *refCon, int32_t status);
static void on_done_other(void *refCon, int32_t status)
{
  on_done_again(refCon, status);
}

static void on_done_again(void *refCon, int32_t status)
{
  on_done(refCon, status);
  if (pf_left > 0) {
    pf_left--;
    int ref = ++pf_next;
    ck_assert_int_eq(sim_hw_start(F->hw, 512, ref % 2 ? on_done_again : on_done_other,
                                  (void *)(intptr_t)ref),
                     0);
  }
}

static void on_nothing(dm_event *ev)
{
  (void)ev;
  pf_now_ran = 1;
}

static void driver_prefetch_run(hwfix *f, int depth, int total)
{
  /* An event now starts the queue's year, so that the operations due
   * later wait in its buckets and come out as sorted runs. */
  dm_event now;
  dm_event_init(&now, on_nothing, NULL, DM_LVL_HWI);
  now.t = sim_world_now(&f->w);
  ck_assert_int_eq(sim_world_arm(&f->w, &now), 0);
  pf_calls = pf_after_done = pf_bad = pf_now_ran = 0;
  memset(pf_seen, 0, sizeof pf_seen);
  pf_left = total - depth;
  pf_next = 0;
  f->n = 0;
  for (int i = 0; i < depth; i++) {
    int ref = ++pf_next;
    ck_assert_int_eq(sim_hw_start(f->hw, 512, ref % 2 ? on_done_again : on_done_other,
                                  (void *)(intptr_t)ref),
                     0);
  }
  sim_world_run(&f->w, UINT64_MAX, 0);
  ck_assert_int_eq(f->n, total);
}

START_TEST(test_driver_prefetch)
{
  enum { DEPTH = 256, TOTAL = MAXDONE };
  static hwfix f;
  setup(&f);
  f.hw = make_hw(&f, SIM_HW_FIXED, 1000, 0, DEPTH, 5);
  const dm_platform *p = dm_machine_platform(f.m);
  unsigned char dev[16] = { 0 };
  ck_assert_int_eq(sim_hw_platform_prefetch(p->ctx, dev, on_done_again, on_prefetch), -50);
  memcpy(dev, &f.hw, sizeof f.hw);
  ck_assert_int_eq(sim_hw_platform_prefetch(p->ctx, dev, on_done_again, on_prefetch), 0);
  driver_prefetch_run(&f, DEPTH, TOTAL);
  /* Half the operations are on_done_again's (odd refCons): most of them
   * are seen ahead (all due at the same instants, they come out of the
   * queue's buckets as sorted runs), each once, at the first stage, none
   * after it finished, and none of the others'. */
  ck_assert_int_gt(pf_calls, TOTAL / 4);
  ck_assert_int_le(pf_calls, TOTAL / 2);
  ck_assert_int_eq(pf_after_done, 0);
  ck_assert_int_eq(pf_bad, 0);
  /* Unregistered: no more calls. */
  ck_assert_int_eq(sim_hw_platform_prefetch(p->ctx, dev, on_done_again, NULL), 0);
  driver_prefetch_run(&f, DEPTH, TOTAL);
  ck_assert_int_eq(pf_calls, 0);
  teardown(&f);
}
END_TEST

/* A machine whose platform has no hw_start: DMSimHardwareStart answers its
 * drivers paramErr, as it does a NULL device and a call with no machine
 * current. */
static void never_done(void *refCon, OSStatus status)
{
  (void)refCon;
  (void)status;
  ck_abort_msg("no operation was started");
}

START_TEST(test_hardware_start_without_platform_start)
{
  sim_world w;
  ck_assert_int_eq(sim_world_init(&w), 0);
  dm_machine_config cfg = { 0 };
  cfg.platform = sim_world_platform(&w); /* (no hw_start) */
  ck_assert_ptr_null(cfg.platform.hw_start);
  dm_machine *m = dm_machine_new(&cfg);
  ck_assert_ptr_nonnull(m);
  ck_assert_ptr_null(dm_machine_platform(m)->hw_start); /* (as given) */
  RegEntryID e;
  memset(&e, 0, sizeof e);
  e.contents[0] = 1;
  dm_machine *prev = dm_machine_enter(NULL);
  ck_assert_int_eq(DMSimHardwareStart(&e, 8, never_done, NULL), -50);
  dm_machine_enter(m);
  ck_assert_int_eq(DMSimHardwareStart(&e, 8, never_done, NULL), -50);
  ck_assert_int_eq(DMSimHardwareStart(NULL, 8, never_done, NULL), -50);
  dm_machine_leave(prev);
  sim_world_run(&w, UINT64_MAX, 0);
  dm_machine_free(m);
  sim_world_free(&w);
}
END_TEST

START_TEST(test_new_refuses_zero_channels)
{
  hwfix f;
  setup(&f);
  sim_hw_model model = { SIM_HW_FIXED, 10, 0 };
  ck_assert_ptr_null(sim_hw_new(&f.w, f.m, "x", &model, 0, 1));
  teardown(&f);
}
END_TEST

Suite *hw_suite(void)
{
  Suite *s = suite_create("hw");
  TCase *tc = tcase_create("hw");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_fixed_latency_exact);
  tcase_add_test(tc, test_driver_prefetch);
  tcase_add_test(tc, test_two_channels_three_ops);
  tcase_add_test(tc, test_fifo_waiting);
  tcase_add_test(tc, test_handler_start_queues_behind_waiting);
  tcase_add_test(tc, test_pool_grows);
  if (tests_memory_testable()) /* (it limits the process's memory) */
    tcase_add_test(tc, test_start_without_memory);
  tcase_add_test(tc, test_uniform_model);
  tcase_add_test(tc, test_service_times_are_the_draws_in_order);
  tcase_add_test(tc, test_exponential_model);
  tcase_add_test(tc, test_platform_start_device_blob);
  tcase_add_test(tc, test_hardware_start_without_platform_start);
  tcase_add_test(tc, test_free_busy_device);
  tcase_add_test(tc, test_new_refuses_zero_channels);
  suite_add_tcase(s, tc);
  return s;
}
