/*
 * check_services.c - the Driver Services a native driver calls
 * (devmgr/src/services.c, machine.c, queue.c): CurrentExecutionLevel at
 * task, secondary and hardware interrupt level; QueueSecondaryInterruptHandler
 * (deferred to the end of a hardware interrupt, FIFO, one at a time, at
 * once from task level) and CallSecondaryInterruptHandler2; a task-level step
 * (dm_machine_run_task) from task and secondary interrupt level; interrupt timers
 * (exact expiry, level, CancelTimer with the time left, kernelIDErr);
 * UpTime on the simulated clock; AbsoluteTime / Duration / Nanoseconds
 * conversions; resident memory; BlockCopy; Enqueue and Dequeue.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "DriverServices.h"

static uint64_t ns_of(AbsoluteTime a)
{
  return ((uint64_t)a.hi << 32) | a.lo;
}

static AbsoluteTime abs_of(uint64_t ns)
{
  AbsoluteTime a = { (UInt32)(ns >> 32), (UInt32)ns };
  return a;
}

/* A trace of what handlers did, as a string: "h1@5 h2@5 ..." (name@level). */
static char trace[1024];
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
  size_t n = strlen(trace);
  if (n > 0 && n < sizeof trace - 1)
    trace[n++] = ' ';
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(trace + n, sizeof trace - n, fmt, ap);
  va_end(ap);
}

static void setup(tfix *f)
{
  trace[0] = '\0';
  tf_setup(f, DM_CHECK_STRICT);
}

/* ---- execution levels ----------------------------------------------------------- */

static ExecutionLevel seen_level;
static void get_level(void *arg)
{
  (void)arg;
  seen_level = CurrentExecutionLevel();
}

START_TEST(test_execution_levels)
{
  tfix f;
  setup(&f);
  ck_assert_uint_eq(CurrentExecutionLevel(), kTaskLevel);
  ck_assert_int_eq(dm_machine_level(f.m), DM_LVL_TASK);
  dm_machine_run_at(f.m, DM_LVL_SIH, get_level, NULL);
  ck_assert_uint_eq(seen_level, kSecondaryInterruptLevel);
  dm_machine_run_at(f.m, DM_LVL_HWI, get_level, NULL);
  ck_assert_uint_eq(seen_level, kHardwareInterruptLevel);
  dm_machine_run_at(f.m, DM_LVL_TASK, get_level, NULL);
  ck_assert_uint_eq(seen_level, kTaskLevel);
  ck_assert_uint_eq(CurrentExecutionLevel(), kTaskLevel);
  ck_assert_ptr_eq(dm_machine_current(), f.m);
  tf_teardown(&f);
}
END_TEST

/* ---- secondary interrupt handlers -------------------------------------------------- */

static int sih_depth;
static OSStatus sih_handler(void *p1, void *p2)
{
  sih_depth++;
  note("%s:%u:%d:%lu", (const char *)p1, (unsigned)CurrentExecutionLevel(), sih_depth,
       (unsigned long)(uintptr_t)p2);
  sih_depth--;
  return noErr;
}

/* A handler that queues another: it runs after the ones already queued. */
static OSStatus sih_requeue(void *p1, void *p2)
{
  sih_depth++;
  note("%s:%u:%d", (const char *)p1, (unsigned)CurrentExecutionLevel(), sih_depth);
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "late", p2), noErr);
  note("queued");
  sih_depth--;
  return noErr;
}

static void hwi_queues_three(void *arg)
{
  (void)arg;
  note("hwi:%u", (unsigned)CurrentExecutionLevel());
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "a", (void *)1), noErr);
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_requeue, NULL, "b", (void *)2), noErr);
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "c", (void *)3), noErr);
  note("hwi-end");
}

static void hwi_queues_one(void *arg)
{
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, arg, (void *)4), noErr);
}

static OSStatus sih_queues_xy(void *p1, void *p2)
{
  (void)p1;
  (void)p2;
  note("xy");
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "x", NULL), noErr);
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "y", NULL), noErr);
  return noErr;
}

static void hwi_queues_xy(void *arg)
{
  (void)arg;
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_queues_xy, NULL, NULL, NULL), noErr);
}

START_TEST(test_sih_from_hwi_runs_after_interrupt)
{
  tfix f;
  setup(&f);
  dm_machine_run_at(f.m, DM_LVL_HWI, hwi_queues_three, NULL);
  /* Nothing ran during the interrupt; then FIFO, at SIH level, one at a
   * time (depth 1), and the one queued by "b" after "c". */
  ck_assert_str_eq(trace, "hwi:6 hwi-end a:5:1:1 b:5:1 queued c:5:1:3 late:5:1:2");
  ck_assert_uint_eq(CurrentExecutionLevel(), kTaskLevel);
  ck_assert_uint_eq(sim_world_now(&f.w), 0);
  /* The next interrupt's one handler runs alone: the record of "a" (the
   * one the machine keeps for an empty queue) no longer links to "b". */
  trace[0] = '\0';
  dm_machine_run_at(f.m, DM_LVL_HWI, hwi_queues_one, "d");
  ck_assert_str_eq(trace, "d:5:1:4");
  /* Nor after that record was queued again by a handler, with one behind
   * it. */
  trace[0] = '\0';
  dm_machine_run_at(f.m, DM_LVL_HWI, hwi_queues_xy, NULL);
  ck_assert_str_eq(trace, "xy x:5:1:0 y:5:1:0");
  trace[0] = '\0';
  dm_machine_run_at(f.m, DM_LVL_HWI, hwi_queues_one, "e");
  ck_assert_str_eq(trace, "e:5:1:4");
  tf_teardown(&f);
}
END_TEST

static void sih_queues_two(void *arg)
{
  (void)arg;
  note("sih");
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "x", NULL), noErr);
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "y", NULL), noErr);
  note("sih-end");
}

static void hwi_nested_in_sih(void *arg)
{
  (void)arg;
  note("hwi");
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "z", NULL), noErr);
}

static OSStatus sih_takes_interrupt(void *p1, void *p2)
{
  (void)p1;
  (void)p2;
  note("s1");
  /* A hardware interrupt during a secondary handler: what it queues waits
   * until this handler is done. */
  dm_machine_run_at(dm_machine_current(), DM_LVL_HWI, hwi_nested_in_sih, NULL);
  note("s1-end");
  return noErr;
}

START_TEST(test_sih_serialized)
{
  tfix f;
  setup(&f);
  dm_machine_run_at(f.m, DM_LVL_SIH, sih_queues_two, NULL);
  ck_assert_str_eq(trace, "sih sih-end x:5:1:0 y:5:1:0");
  trace[0] = '\0';
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_takes_interrupt, NULL, NULL, NULL), noErr);
  ck_assert_str_eq(trace, "s1 hwi s1-end z:5:1:0");
  tf_teardown(&f);
}
END_TEST

/* A handler that queues two when it runs, at most three deep ("a" queues
 * "ab" and "ac", ...): each is queued into an empty queue or behind
 * others, in turns, so the record the machine keeps for the first of an
 * empty queue is reused between pool records. */
static OSStatus sih_fork(void *p1, void *p2)
{
  const char *name = p1;
  note("%s", name);
  size_t n = strlen(name);
  if (n < 3) {
    static char names[64][4];
    static int next;
    for (int i = 0; i < 2; i++) {
      char *child = names[next++ % 64];
      memcpy(child, name, n);
      child[n] = i == 0 ? 'b' : 'c';
      child[n + 1] = '\0';
      ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_fork, NULL, child, p2), noErr);
    }
  }
  return noErr;
}

static void hwi_queues_fork(void *arg)
{
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_fork, NULL, arg, NULL), noErr);
}

START_TEST(test_sih_queue_reuses_records)
{
  tfix f;
  setup(&f);
  dm_machine_run_at(f.m, DM_LVL_HWI, hwi_queues_fork, "a");
  ck_assert_str_eq(trace, "a ab ac abb abc acb acc");
  trace[0] = '\0';
  dm_machine_run_at(f.m, DM_LVL_HWI, hwi_queues_fork, "x");
  ck_assert_str_eq(trace, "x xb xc xbb xbc xcb xcc");
  tf_teardown(&f);
}
END_TEST

START_TEST(test_sih_from_task_runs_at_once)
{
  tfix f;
  setup(&f);
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "t", (void *)9), noErr);
  ck_assert_str_eq(trace, "t:5:1:9");
  ck_assert_uint_eq(CurrentExecutionLevel(), kTaskLevel);
  ck_assert_int_eq(QueueSecondaryInterruptHandler(NULL, NULL, NULL, NULL), paramErr);
  tf_teardown(&f);
}
END_TEST

static OSStatus sih_returns(void *p1, void *p2)
{
  note("call:%u", (unsigned)CurrentExecutionLevel());
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "q", NULL), noErr);
  return (OSStatus)(intptr_t)p1 + (OSStatus)(intptr_t)p2;
}

static OSStatus call_result;
static void hwi_calls_sih(void *arg)
{
  (void)arg;
  call_result = CallSecondaryInterruptHandler2(sih_returns, NULL, (void *)1, (void *)2);
}

START_TEST(test_call_secondary_interrupt_handler)
{
  tfix f;
  setup(&f);
  ck_assert_int_eq(CallSecondaryInterruptHandler2(sih_returns, NULL, (void *)40, (void *)2), 42);
  /* What it queued ran before task level went on. */
  ck_assert_str_eq(trace, "call:5 q:5:1:0");
  dm_machine_run_at(f.m, DM_LVL_HWI, hwi_calls_sih, NULL);
  ck_assert_int_eq(call_result, kernelExecutionLevelErr);
  tf_teardown(&f);
}
END_TEST

/* dm_machine_run_task: a task-level step that takes an interrupt and
 * queues a handler itself; both handlers have run when it returns. */
static void task_step(void *arg)
{
  note("task:%u:%d", (unsigned)CurrentExecutionLevel(), dm_machine_current() == arg);
  dm_machine_run_at(arg, DM_LVL_HWI, hwi_nested_in_sih, NULL);
  note("back:%u", (unsigned)CurrentExecutionLevel());
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_handler, NULL, "t", NULL), noErr);
  note("task-end");
}

/* The same step from a secondary interrupt handler (dm_machine_run_task's
 * uncommon case): it runs at task level, and what it queues waits for the
 * handler that runs to finish. */
static OSStatus sih_runs_task(void *p1, void *p2)
{
  (void)p2;
  note("s:%u", (unsigned)CurrentExecutionLevel());
  dm_machine_run_task(p1, task_step, p1);
  note("s-end:%u", (unsigned)CurrentExecutionLevel());
  return noErr;
}

START_TEST(test_run_task)
{
  tfix f;
  setup(&f);
  /* From no current machine: f.m is current while the step runs, not after. */
  dm_machine *prev = dm_machine_enter(NULL);
  dm_machine_run_task(f.m, task_step, f.m);
  ck_assert_str_eq(trace, "task:0:1 hwi z:5:1:0 back:0 t:5:1:0 task-end");
  ck_assert_ptr_null(dm_machine_current());
  dm_machine_leave(prev);
  trace[0] = '\0';
  ck_assert_int_eq(QueueSecondaryInterruptHandler(sih_runs_task, NULL, f.m, NULL), noErr);
  ck_assert_str_eq(trace, "s:5 task:0:1 hwi back:0 task-end s-end:5 z:5:1:0 t:5:1:0");
  ck_assert_uint_eq(CurrentExecutionLevel(), kTaskLevel);
  ck_assert_ptr_eq(dm_machine_current(), f.m);
  tf_teardown(&f);
}
END_TEST

/* ---- timers ---------------------------------------------------------------------------- */

static uint64_t fired_at[8];
static ExecutionLevel fired_lvl[8];
static void *fired_p2[8];
static int nfired;
static OSStatus timer_handler(void *p1, void *p2)
{
  fired_at[nfired] = ns_of(UpTime());
  fired_lvl[nfired] = CurrentExecutionLevel();
  fired_p2[nfired] = p2;
  nfired++;
  note("%s", (const char *)p1);
  return noErr;
}

START_TEST(test_timer_fires_exactly)
{
  tfix f;
  setup(&f);
  nfired = 0;
  AbsoluteTime when = abs_of(1500 * US);
  TimerID t = NULL;
  ck_assert_int_eq(SetInterruptTimer(&when, timer_handler, "t1", &t), noErr);
  ck_assert_ptr_nonnull(t);
  AbsoluteTime w2 = abs_of(700 * US);
  ck_assert_int_eq(SetInterruptTimer(&w2, timer_handler, "t0", NULL), noErr);
  AbsoluteTime w3 = abs_of(1500 * US); /* same time: after t1, in arming order */
  ck_assert_int_eq(SetInterruptTimer(&w3, timer_handler, "t2", NULL), noErr);
  ck_assert_int_eq(nfired, 0);
  tf_run(&f);
  ck_assert_str_eq(trace, "t0 t1 t2");
  ck_assert_int_eq(nfired, 3);
  ck_assert_uint_eq(fired_at[0], 700 * US);
  ck_assert_uint_eq(fired_at[1], 1500 * US);
  ck_assert_uint_eq(fired_at[2], 1500 * US);
  for (int i = 0; i < 3; i++) {
    ck_assert_uint_eq(fired_lvl[i], kSecondaryInterruptLevel);
    ck_assert_ptr_null(fired_p2[i]);
  }
  ck_assert_uint_eq(sim_world_now(&f.w), 1500 * US);
  /* A time already past fires at once (the next world step). */
  AbsoluteTime past = abs_of(10);
  ck_assert_int_eq(SetInterruptTimer(&past, timer_handler, "past", NULL), noErr);
  tf_run(&f);
  ck_assert_uint_eq(fired_at[3], 1500 * US);
  ck_assert_int_eq(SetInterruptTimer(NULL, timer_handler, "x", NULL), paramErr);
  ck_assert_int_eq(SetInterruptTimer(&when, NULL, "x", NULL), paramErr);
  tf_teardown(&f);
}
END_TEST

START_TEST(test_cancel_timer)
{
  tfix f;
  setup(&f);
  nfired = 0;
  AbsoluteTime when = abs_of(5 * MS);
  TimerID t = NULL;
  ck_assert_int_eq(SetInterruptTimer(&when, timer_handler, "never", &t), noErr);
  AbsoluteTime w2 = abs_of(2 * MS);
  ck_assert_int_eq(SetInterruptTimer(&w2, timer_handler, "other", NULL), noErr);
  sim_world_run(&f.w, 2 * MS, 0);
  ck_assert_int_eq(nfired, 1);
  AbsoluteTime left = abs_of(12345);
  ck_assert_int_eq(CancelTimer(t, &left), noErr);
  ck_assert_uint_eq(ns_of(left), 3 * MS);
  tf_run(&f);
  ck_assert_str_eq(trace, "other");
  ck_assert_int_eq(nfired, 1);
  ck_assert_uint_eq(sim_world_now(&f.w), 2 * MS);
  ck_assert_uint_eq(sim_world_pending(&f.w), 0);
  /* Twice, or one that fired, or none at all. */
  ck_assert_int_eq(CancelTimer(t, &left), kernelIDErr);
  ck_assert_int_eq(CancelTimer(NULL, NULL), kernelIDErr);
  TimerID t2 = NULL;
  AbsoluteTime w3 = abs_of(3 * MS);
  ck_assert_int_eq(SetInterruptTimer(&w3, timer_handler, "fires", &t2), noErr);
  tf_run(&f);
  ck_assert_int_eq(nfired, 2);
  ck_assert_int_eq(CancelTimer(t2, NULL), kernelIDErr);
  /* Cancelling without asking for the time left. */
  ck_assert_int_eq(SetInterruptTimer(&when, timer_handler, "x", &t), noErr);
  ck_assert_int_eq(CancelTimer(t, NULL), noErr);
  tf_run(&f);
  ck_assert_int_eq(nfired, 2);
  tf_teardown(&f);
}
END_TEST

/*
 * Regression test (a devmgr bug this test found, now fixed): a TimerID is the address of a
 * pooled record that is reused for the next SetInterruptTimer
 * (devmgr/src/services.c CancelTimer only checks t->armed), so cancelling a
 * timer that already fired or was cancelled - documented to answer
 * kernelIDErr - silently cancels whichever new timer got the same record.
 */
START_TEST(test_cancel_stale_timer_id)
{
  tfix f;
  setup(&f);
  nfired = 0;
  AbsoluteTime when = abs_of(1 * MS);
  TimerID a = NULL, b = NULL;
  ck_assert_int_eq(SetInterruptTimer(&when, timer_handler, "a", &a), noErr);
  ck_assert_int_eq(CancelTimer(a, NULL), noErr);
  ck_assert_int_eq(SetInterruptTimer(&when, timer_handler, "b", &b), noErr);
  ck_assert_int_eq(CancelTimer(a, NULL), kernelIDErr); /* a is gone */
  tf_run(&f);
  ck_assert_str_eq(trace, "b");
  tf_teardown(&f);
}
END_TEST

/* ---- time ---------------------------------------------------------------------------------- */

static OSStatus nothing(void *p1, void *p2)
{
  (void)p1;
  (void)p2;
  return noErr;
}

/* The clock moves only when an event runs: put one at `to` and run. */
static void advance(tfix *f, uint64_t to)
{
  AbsoluteTime when = abs_of(to);
  ck_assert_int_eq(SetInterruptTimer(&when, nothing, NULL, NULL), noErr);
  tf_run(f);
  ck_assert_uint_eq(sim_world_now(&f->w), to);
}

START_TEST(test_uptime_follows_world)
{
  tfix f;
  setup(&f);
  ck_assert_uint_eq(ns_of(UpTime()), 0);
  advance(&f, 1234567);
  ck_assert_uint_eq(ns_of(UpTime()), 1234567);
  ck_assert_uint_eq(ns_of(UpTime()), sim_world_now(&f.w));
  /* Beyond 32 bits of nanoseconds: the high half counts. */
  advance(&f, 5000000000ull);
  AbsoluteTime t = UpTime();
  ck_assert_uint_eq(t.hi, 1);
  ck_assert_uint_eq(t.lo, (UInt32)(5000000000ull - 4294967296ull));
  /* With no current machine the clock reads zero. */
  dm_machine *m = dm_machine_enter(NULL);
  ck_assert_uint_eq(ns_of(UpTime()), 0);
  ck_assert_uint_eq(CurrentExecutionLevel(), kTaskLevel);
  dm_machine_leave(m);
  ck_assert_uint_eq(ns_of(UpTime()), 5000000000ull);
  tf_teardown(&f);
}
END_TEST

START_TEST(test_duration_conversions)
{
  ck_assert_uint_eq(ns_of(DurationToAbsolute(durationMillisecond)), 1000000);
  ck_assert_uint_eq(ns_of(DurationToAbsolute(durationMicrosecond)), 1000);
  ck_assert_uint_eq(ns_of(DurationToAbsolute(-250)), 250000);
  ck_assert_uint_eq(ns_of(DurationToAbsolute(durationSecond)), 1000000000ull);
  ck_assert_uint_eq(ns_of(DurationToAbsolute(durationImmediate)), 0);
  ck_assert_uint_eq(ns_of(DurationToAbsolute(durationForever)), UINT64_MAX);
  ck_assert_uint_eq(ns_of(DurationToNanoseconds(-5)), 5000);
  ck_assert_uint_eq(ns_of(DurationToNanoseconds(3)), 3000000);
  ck_assert_int_eq(AbsoluteToDuration(abs_of(1000000)), 1);
  ck_assert_int_eq(AbsoluteToDuration(abs_of(7 * MS)), 7);
  ck_assert_int_eq(AbsoluteToDuration(abs_of(1500 * US)), -1500);
  ck_assert_int_eq(AbsoluteToDuration(abs_of(1999)), -1); /* whole microseconds */
  ck_assert_int_eq(AbsoluteToDuration(abs_of(0)), 0);
  ck_assert_int_eq(NanosecondsToDuration(abs_of(2500000)), -2500);
  ck_assert_int_eq(NanosecondsToDuration(abs_of(2 * MS)), 2);
  /* Too long for microseconds: milliseconds, then forever. */
  ck_assert_int_eq(AbsoluteToDuration(abs_of(3000000000000ull + 1)), 3000000);
  ck_assert_int_eq(AbsoluteToDuration(abs_of(UINT64_MAX)), durationForever);
  ck_assert_uint_eq(ns_of(AbsoluteToNanoseconds(abs_of(42))), 42);
  ck_assert_uint_eq(ns_of(NanosecondsToAbsolute(abs_of(42))), 42);
  /* Deltas. */
  ck_assert_int_eq(AbsoluteDeltaToDuration(abs_of(3 * MS), abs_of(1 * MS)), 2);
  ck_assert_int_eq(AbsoluteDeltaToDuration(abs_of(1 * MS), abs_of(3 * MS)), 0);
  ck_assert_int_eq(AbsoluteDeltaToDuration(abs_of(1 * MS + 500 * US), abs_of(1 * MS)), -500);
  /* Arithmetic. */
  ck_assert_uint_eq(ns_of(AddAbsoluteToAbsolute(abs_of(4294967295ull), abs_of(1))), 4294967296ull);
  ck_assert_uint_eq(ns_of(SubAbsoluteFromAbsolute(abs_of(10), abs_of(4))), 6);
  ck_assert_uint_eq(ns_of(SubAbsoluteFromAbsolute(abs_of(4), abs_of(10))), 0);
  ck_assert_uint_eq(ns_of(AddDurationToAbsolute(durationMillisecond, abs_of(5))), 1000005);
  ck_assert_uint_eq(ns_of(AddDurationToAbsolute(-2, abs_of(5))), 2005);
  ck_assert_uint_eq(ns_of(AddDurationToAbsolute(durationForever, abs_of(5))), UINT64_MAX);
  /* Past the clock's end: its last instant, never a time that wrapped to
   * the past (as a difference below zero is 0). */
  ck_assert_uint_eq(ns_of(AddAbsoluteToAbsolute(abs_of(UINT64_MAX - 5), abs_of(10))), UINT64_MAX);
  ck_assert_uint_eq(ns_of(AddAbsoluteToAbsolute(abs_of(UINT64_MAX - 5), abs_of(5))),
                    UINT64_MAX);
  ck_assert_uint_eq(ns_of(AddAbsoluteToAbsolute(abs_of(UINT64_MAX - 5), abs_of(4))),
                    UINT64_MAX - 1);
  ck_assert_uint_eq(ns_of(AddDurationToAbsolute(durationMillisecond, abs_of(UINT64_MAX - 5))),
                    UINT64_MAX);
  ck_assert_uint_eq(ns_of(AddNanosecondsToAbsolute(abs_of(UINT64_MAX), abs_of(1))), UINT64_MAX);
  ck_assert_uint_eq(ns_of(SubDurationFromAbsolute(durationMillisecond, abs_of(3 * MS))), 2 * MS);
  ck_assert_uint_eq(ns_of(AddNanosecondsToAbsolute(abs_of(7), abs_of(8))), 15);
  ck_assert_uint_eq(ns_of(SubNanosecondsFromAbsolute(abs_of(7), abs_of(8))), 1);
}
END_TEST

/* ---- memory ------------------------------------------------------------------------------------ */

START_TEST(test_pool_allocate_resident)
{
  for (int round = 0; round < 4; round++) {
    unsigned char *p = PoolAllocateResident(4096, true);
    ck_assert_ptr_nonnull(p);
    for (int i = 0; i < 4096; i++)
      ck_assert_uint_eq(p[i], 0);
    memset(p, 0xA5, 4096);
    ck_assert_int_eq(PoolDeallocate(p), noErr);
  }
  void *q = PoolAllocateResident(100, false);
  ck_assert_ptr_nonnull(q);
  memset(q, 1, 100);
  ck_assert_int_eq(PoolDeallocate(q), noErr);
  void *z = PoolAllocateResident(0, true);
  ck_assert_ptr_nonnull(z);
  ck_assert_int_eq(PoolDeallocate(z), noErr);
}
END_TEST

START_TEST(test_block_copy)
{
  char buf[32];
  memcpy(buf, "0123456789abcdef", 17);
  BlockCopy(buf, buf + 4, 8); /* forward overlap */
  ck_assert_str_eq(buf, "012301234567cdef");
  memcpy(buf, "0123456789abcdef", 17);
  BlockCopy(buf + 4, buf, 8); /* backward overlap */
  ck_assert_str_eq(buf, "456789ab89abcdef");
  BlockMove("XY", buf, 2);
  ck_assert_str_eq(buf, "XY6789ab89abcdef");
  BlockCopy("zz", buf, 0);
  BlockCopy("zz", buf, -3); /* nothing moves */
  ck_assert_str_eq(buf, "XY6789ab89abcdef");
  BlockZero(buf + 2, 3);
  ck_assert_int_eq(buf[2], 0);
  ck_assert_int_eq(buf[4], 0);
  ck_assert_int_eq(buf[5], '9');
  SynchronizeIO();
}
END_TEST

/* ---- queues -------------------------------------------------------------------------------------- */

typedef struct elem {
  QElemPtr qLink;
  short    qType;
  int      id;
} elem;

static void queue_ids(QHdr *q, char *out, size_t len)
{
  size_t n = 0;
  out[0] = '\0';
  for (QElemPtr e = q->qHead; e != NULL; e = e->qLink)
    n += (size_t)snprintf(out + n, len - n, "%s%d", n ? "," : "", ((elem *)e)->id);
  char tail[16] = "-";
  if (q->qTail != NULL)
    snprintf(tail, sizeof tail, "%d", ((elem *)q->qTail)->id);
  snprintf(out + n, len - n, "|%s", tail);
}

START_TEST(test_enqueue_dequeue)
{
  QHdr q;
  memset(&q, 0, sizeof q);
  elem e[5];
  for (int i = 0; i < 5; i++) {
    e[i].id = i + 1;
    e[i].qType = dummyType;
    e[i].qLink = (QElemPtr)(uintptr_t)0xdead; /* Enqueue sets it */
  }
  char s[64];
  for (int i = 0; i < 5; i++)
    Enqueue((QElemPtr)&e[i], &q);
  queue_ids(&q, s, sizeof s);
  ck_assert_str_eq(s, "1,2,3,4,5|5");
  ck_assert_ptr_null(e[4].qLink);

  ck_assert_int_eq(Dequeue((QElemPtr)&e[2], &q), noErr); /* middle */
  queue_ids(&q, s, sizeof s);
  ck_assert_str_eq(s, "1,2,4,5|5");
  ck_assert_int_eq(Dequeue((QElemPtr)&e[0], &q), noErr); /* head */
  queue_ids(&q, s, sizeof s);
  ck_assert_str_eq(s, "2,4,5|5");
  ck_assert_int_eq(Dequeue((QElemPtr)&e[4], &q), noErr); /* tail */
  queue_ids(&q, s, sizeof s);
  ck_assert_str_eq(s, "2,4|4");
  ck_assert_int_eq(Dequeue((QElemPtr)&e[4], &q), qErr); /* not there any more */
  ck_assert_int_eq(Dequeue((QElemPtr)&e[2], &q), qErr);
  Enqueue((QElemPtr)&e[2], &q); /* appending after a tail removal */
  queue_ids(&q, s, sizeof s);
  ck_assert_str_eq(s, "2,4,3|3");
  ck_assert_int_eq(Dequeue((QElemPtr)&e[1], &q), noErr);
  ck_assert_int_eq(Dequeue((QElemPtr)&e[3], &q), noErr);
  ck_assert_int_eq(Dequeue((QElemPtr)&e[2], &q), noErr);
  queue_ids(&q, s, sizeof s);
  ck_assert_str_eq(s, "|-");
  ck_assert_ptr_null(q.qHead);
  ck_assert_ptr_null(q.qTail);
  ck_assert_int_eq(Dequeue((QElemPtr)&e[0], &q), qErr); /* empty queue */
  Enqueue((QElemPtr)&e[0], &q);
  queue_ids(&q, s, sizeof s);
  ck_assert_str_eq(s, "1|1");
  ck_assert_int_eq(Dequeue(NULL, &q), qErr);
  ck_assert_int_eq(Dequeue((QElemPtr)&e[0], NULL), qErr);
  Enqueue(NULL, &q); /* ignored */
  queue_ids(&q, s, sizeof s);
  ck_assert_str_eq(s, "1|1");
}
END_TEST

Suite *services_suite(void)
{
  Suite *s = suite_create("services");
  TCase *tl = tcase_create("levels");
  tcase_set_timeout(tl, DM_TEST_TIMEOUT);
  tcase_add_test(tl, test_execution_levels);
  tcase_add_test(tl, test_sih_from_hwi_runs_after_interrupt);
  tcase_add_test(tl, test_sih_serialized);
  tcase_add_test(tl, test_sih_queue_reuses_records);
  tcase_add_test(tl, test_sih_from_task_runs_at_once);
  tcase_add_test(tl, test_call_secondary_interrupt_handler);
  tcase_add_test(tl, test_run_task);
  suite_add_tcase(s, tl);

  TCase *tt = tcase_create("time");
  tcase_set_timeout(tt, DM_TEST_TIMEOUT);
  tcase_add_test(tt, test_timer_fires_exactly);
  tcase_add_test(tt, test_cancel_timer);
  tcase_add_test(tt, test_cancel_stale_timer_id);
  tcase_add_test(tt, test_uptime_follows_world);
  tcase_add_test(tt, test_duration_conversions);
  suite_add_tcase(s, tt);

  TCase *tm = tcase_create("memory");
  tcase_set_timeout(tm, DM_TEST_TIMEOUT);
  tcase_add_test(tm, test_pool_allocate_resident);
  tcase_add_test(tm, test_block_copy);
  tcase_add_test(tm, test_enqueue_dequeue);
  suite_add_tcase(s, tm);
  return s;
}
