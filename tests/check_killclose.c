/*
 * check_killclose.c - KillIO and Close on a serialized driver, as Inside
 * Macintosh: Devices describes them, asserted as the order of trace events
 * (dCtlFlags changes included):
 *  - KillIO, once the driver accepts it, completes the head of dCtlQHdr with
 *    abortErr until the queue is empty, requests that completion routines
 *    send meanwhile included; drvrActive is cleared after the last abort.
 *  - Close waits while drvrActive is set (the request in service and the
 *    ones the Device Manager starts after it), then reaches the driver, at
 *    task level; calls made after the driver closed get notOpenErr.
 */
#include <string.h>

#include "tests.h"
#include "fixture.h"

static tfix *F;
static int16_t Ref;
static ParamBlockRec extra[4];
static char extra_buf[4][8];
static int nextra, want_extra;
static int cb_level[8], ncb;

static void read_pb(ParamBlockRec *pb, int16_t ref, char *buf, IOCompletionUPP cb)
{
  tf_io(pb, ref, buf, 8, 0);
  pb->ioParam.ioCompletion = cb;
}

/* A completion routine that sends one more async read to the same driver
 * (while it may, want_extra), as real code chains I/O. */
static void chain(ParmBlkPtr pb)
{
  (void)pb;
  if (ncb < 8)
    cb_level[ncb] = (int)dm_machine_level(F->m);
  ncb++;
  if (nextra < want_extra) {
    ParamBlockRec *x = &extra[nextra];
    read_pb(x, Ref, extra_buf[nextra], chain);
    nextra++;
    (void)PBReadAsync(x);
  }
}

/* n async reads to the driver, each with the chaining routine. */
static void send_reads(ParamBlockRec *pb, char (*b)[8], int n)
{
  for (int i = 0; i < n; i++) {
    read_pb(&pb[i], Ref, b[i], chain);
    ck_assert_int_eq(PBReadAsync(&pb[i]), noErr);
  }
}

/* A sync KillIO to the driver; what it returned. */
static OSErr kill_sync(ParamBlockRec *kpb)
{
  memset(kpb, 0, sizeof *kpb);
  kpb->cntrlParam.ioCRefNum = Ref;
  return PBKillIOSync(kpb);
}

static void setup(tfix *f, const char *driver)
{
  tf_setup(f, DM_CHECK_STRICT);
  F = f;
  nextra = want_extra = ncb = 0;
  Ref = tf_install(f, driver, -1);
  ck_assert_int_eq(tf_open(f, Ref), noErr);
  (void)tf_log(f);
  f->log_flags = 1;
}

/* KillIO half-way through the first of three reads; the first aborted
 * read's routine sends a fourth, which is aborted too, before drvrActive
 * (0x0080) is cleared: dCtlFlags 0x0fa8 becomes 0x0f28 after the last
 * abort. */
START_TEST(test_killio_aborts_until_empty)
{
  tfix f;
  setup(&f, "fixed");
  want_extra = 1;
  ParamBlockRec pb[3], kpb;
  char b[3][8];
  send_reads(pb, b, 3);
  (void)tf_pbnum(&f, &extra[0]); /* #5 (the Open's is #1), before the KillIO's #6 */
  sim_world_run(&f.w, 500 * US, 0);
  (void)tf_log(&f);
  ck_assert_int_eq(kill_sync(&kpb), noErr);
  ck_assert_str_eq(tf_log(&f),
                   "call#6:killio/sync disp#6:killio/immediate ret:0 "
                   "cpl#2:-27 cb#2:-27 call#5:read/async enq#5 "
                   "cpl#3:-27 cb#3:-27 cpl#4:-27 cb#4:-27 cpl#5:-27 cb#5:-27 "
                   "flags:0x0f28 cpl#6:0 sync#6:0");
  ck_assert_int_eq(extra[0].ioParam.ioResult, abortErr);
  ck_assert_ptr_null(dm_driver_dce(f.m, Ref)->dCtlQHdr.qHead);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  /* Nothing is left for the driver: the world runs dry with no event. */
  tf_run(&f);
  ck_assert_str_eq(tf_log(&f), "");
  ck_assert_int_eq(f.violations, 0);
  tf_teardown(&f);
}
END_TEST

/* The same on a concurrent driver with standard queuing: requests sent from
 * the routines are held on dCtlQHdr and aborted, never dispatched. */
START_TEST(test_killio_concurrent_holds_new_requests)
{
  tfix f;
  setup(&f, "conc");
  want_extra = 2;
  ParamBlockRec pb[2], kpb;
  char b[2][8];
  send_reads(pb, b, 2);
  (void)tf_pbnum(&f, &extra[0]);
  (void)tf_pbnum(&f, &extra[1]);
  (void)tf_log(&f);
  ck_assert_int_eq(kill_sync(&kpb), noErr);
  ck_assert_str_eq(tf_log(&f),
                   "call#6:killio/sync disp#6:killio/immediate ret:0 "
                   "cpl#2:-27 cb#2:-27 call#4:read/async enq#4 "
                   "cpl#3:-27 cb#3:-27 call#5:read/async enq#5 "
                   "cpl#4:-27 cb#4:-27 cpl#5:-27 cb#5:-27 cpl#6:0 sync#6:0");
  tf_run(&f);
  ck_assert_str_eq(tf_log(&f), "");
  ck_assert_int_eq(f.violations, 0);
  tf_teardown(&f);
}
END_TEST

/* Close to .Fixed with one read in service and two queued, sent at 0.5 ms;
 * the first two reads' routines each send one more while the Close waits.
 * The Close reaches the driver at 5 ms, after all five, at task level, with
 * drvrActive clear (0x0f28) and dCtlQHdr empty; it clears dOpened (0x0f08);
 * a read after it gets notOpenErr. */
static int close_level = -1;
static void close_done(ParmBlkPtr pb)
{
  (void)pb;
  close_level = (int)dm_machine_level(F->m);
}

START_TEST(test_close_waits_for_serialized_driver)
{
  tfix f;
  setup(&f, "fixed");
  ParamBlockRec pb[3], cpb, late;
  char b[3][8], lb[8];
  send_reads(pb, b, 3);
  want_extra = 2; /* the first two routines each send one more */
  (void)tf_pbnum(&f, &extra[0]);
  (void)tf_pbnum(&f, &extra[1]);
  sim_world_run(&f.w, 500 * US, 0);
  (void)tf_log(&f);
  memset(&cpb, 0, sizeof cpb);
  cpb.ioParam.ioRefNum = Ref;
  cpb.ioParam.ioCompletion = close_done;
  ck_assert_int_eq(PBCloseAsync(&cpb), noErr);
  ck_assert_int_eq(cpb.ioParam.ioResult, ioInProgress);
  ck_assert_str_eq(tf_log(&f), "call#7:close/async");
  tf_run(&f);
  ck_assert_str_eq(tf_log(&f),
                   "flags:0x0f28 cpl#2:0 cb#2:0 call#5:read/async enq#5 flags:0x0fa8 "
                   "disp#3:read/async ret:0 flags:0x0f28 cpl#3:0 cb#3:0 call#6:read/async "
                   "enq#6 flags:0x0fa8 disp#4:read/async ret:0 flags:0x0f28 cpl#4:0 cb#4:0 "
                   "flags:0x0fa8 disp#5:read/async ret:0 flags:0x0f28 cpl#5:0 cb#5:0 "
                   "flags:0x0fa8 disp#6:read/async ret:0 flags:0x0f28 cpl#6:0 cb#6:0 "
                   "disp#7:close/immediate ret:0 flags:0x0f08 cpl#7:0 cb#7:0");
  ck_assert_int_eq(cpb.ioParam.ioResult, noErr);
  ck_assert_int_eq(close_level, DM_LVL_TASK);
  ck_assert_uint_eq(sim_world_now(&f.w), 5 * MS);
  tf_io(&late, Ref, lb, 8, 0);
  ck_assert_int_eq(PBReadSync(&late), notOpenErr);
  ck_assert_str_eq(tf_log(&f), "call#8:read/sync rej#8:-28");
  ck_assert_int_eq(f.violations, 0);
  tf_teardown(&f);
}
END_TEST

/* A sync Close to the driver; what it returned. */
static OSErr close_sync(ParamBlockRec *cpb)
{
  memset(cpb, 0, sizeof *cpb);
  cpb->ioParam.ioRefNum = Ref;
  return PBCloseSync(cpb);
}

/* The driver opened, one async read sent to it, then a sync Close. */
static void busy_then_close(tfix *f, const char *driver, ParamBlockRec *pb, char (*b)[8],
                            ParamBlockRec *cpb)
{
  setup(f, driver);
  send_reads(pb, b, 1);
  (void)tf_log(f);
  ck_assert_int_eq(close_sync(cpb), noErr);
}

/* A Close that finds the serialized driver idle is not delayed, and a sync
 * Close waits for the request in service like an async one. */
START_TEST(test_close_sync_waits_and_idle_close_does_not)
{
  tfix f;
  ParamBlockRec pb[1], cpb;
  char b[1][8];
  busy_then_close(&f, "fixed", pb, b, &cpb);
  ck_assert_str_eq(tf_log(&f), "call#3:close/sync flags:0x0f28 cpl#2:0 cb#2:0 "
                               "disp#3:close/immediate ret:0 flags:0x0f08 cpl#3:0 sync#3:0");
  ck_assert_uint_eq(sim_world_now(&f.w), 1 * MS);
  ck_assert_int_eq(tf_open(&f, Ref), noErr);
  (void)tf_log(&f);
  ck_assert_int_eq(close_sync(&cpb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#3:close/sync disp#3:close/immediate ret:0 flags:0x0f08 "
                               "cpl#3:0 sync#3:0");
  ck_assert_uint_eq(sim_world_now(&f.w), 1 * MS);
  tf_teardown(&f);
}
END_TEST

/* Concurrent drivers never set drvrActive: Close reaches them at once. */
START_TEST(test_close_concurrent_not_delayed)
{
  tfix f;
  ParamBlockRec pb[1], cpb;
  char b[1][8];
  busy_then_close(&f, "conc", pb, b, &cpb);
  ck_assert_str_eq(tf_log(&f), "call#3:close/sync disp#3:close/immediate ret:0 flags:0x0f18 "
                               "cpl#3:0 sync#3:0");
  ck_assert_uint_eq(sim_world_now(&f.w), 0);
  tf_run(&f);
  ck_assert_str_eq(tf_log(&f), "cpl#2:0 cb#2:0");
  tf_teardown(&f);
}
END_TEST

/* A driver removed while a Close waits: the Close completes with
 * unitEmptyErr with the rest of its requests. */
START_TEST(test_close_waiting_when_removed)
{
  tfix f;
  setup(&f, "fixed");
  ParamBlockRec pb[1], cpb;
  char b[1][8];
  send_reads(pb, b, 1);
  memset(&cpb, 0, sizeof cpb);
  cpb.ioParam.ioRefNum = Ref;
  ck_assert_int_eq(PBCloseAsync(&cpb), noErr);
  ck_assert_int_eq(dm_driver_remove(f.m, Ref, 1), noErr);
  ck_assert_int_eq(cpb.ioParam.ioResult, unitEmptyErr);
  ck_assert_int_eq(pb[0].ioParam.ioResult, abortErr);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  tf_run(&f);
  tf_teardown(&f);
}
END_TEST

/* A KillIO sent from the routine of a request the first KillIO aborts:
 * the inner one empties the same queue, the outer finds it empty, and
 * drvrActive is cleared once, after the last abort. */
static ParamBlockRec inner_kill;
static OSErr inner_kill_result = 1;
static void kill_again(ParmBlkPtr pb)
{
  (void)pb;
  memset(&inner_kill, 0, sizeof inner_kill);
  inner_kill.cntrlParam.ioCRefNum = Ref;
  inner_kill_result = PBKillIOSync(&inner_kill);
}

START_TEST(test_killio_from_routine_of_aborted_request)
{
  tfix f;
  setup(&f, "fixed");
  ParamBlockRec pb[3], kpb;
  char b[3][8];
  send_reads(pb, b, 3);
  pb[0].ioParam.ioCompletion = kill_again;
  sim_world_run(&f.w, 500 * US, 0);
  (void)tf_log(&f);
  ck_assert_int_eq(kill_sync(&kpb), noErr);
  ck_assert_int_eq(inner_kill_result, noErr);
  ck_assert_str_eq(tf_log(&f),
                   "call#5:killio/sync disp#5:killio/immediate ret:0 cpl#2:-27 cb#2:-27 "
                   "call#6:killio/sync disp#6:killio/immediate ret:0 cpl#3:-27 cb#3:-27 "
                   "cpl#4:-27 cb#4:-27 cpl#6:0 sync#6:0 flags:0x0f28 cpl#5:0 sync#5:0");
  ck_assert_int_eq(f.violations, 0);
  tf_run(&f);
  ck_assert_str_eq(tf_log(&f), "");
  tf_teardown(&f);
}
END_TEST

/* A Close waiting behind requests that a KillIO then aborts reaches the
 * driver once the queue is empty, at task level. */
START_TEST(test_close_waiting_then_killio)
{
  tfix f;
  setup(&f, "fixed");
  ParamBlockRec pb[2], cpb, kpb;
  char b[2][8];
  send_reads(pb, b, 2);
  memset(&cpb, 0, sizeof cpb);
  cpb.ioParam.ioRefNum = Ref;
  cpb.ioParam.ioCompletion = close_done;
  close_level = -1;
  ck_assert_int_eq(PBCloseAsync(&cpb), noErr);
  (void)tf_log(&f);
  ck_assert_int_eq(kill_sync(&kpb), noErr);
  ck_assert_int_eq(cpb.ioParam.ioResult, ioInProgress);
  tf_run(&f);
  ck_assert_int_eq(cpb.ioParam.ioResult, noErr);
  ck_assert_int_eq(close_level, DM_LVL_TASK);
  ck_assert_str_eq(tf_log(&f), "call#5:killio/sync disp#5:killio/immediate ret:0 cpl#2:-27 "
                               "cb#2:-27 cpl#3:-27 cb#3:-27 flags:0x0f28 cpl#5:0 sync#5:0 "
                               "disp#4:close/immediate ret:0 flags:0x0f08 cpl#4:0 cb#4:0");
  ck_assert_uint_eq(sim_world_now(&f.w), 0);
  tf_teardown(&f);
}
END_TEST

Suite *killclose_suite(void)
{
  Suite *s = suite_create("killclose");
  TCase *tc = tcase_create("killio");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_killio_aborts_until_empty);
  tcase_add_test(tc, test_killio_concurrent_holds_new_requests);
  tcase_add_test(tc, test_killio_from_routine_of_aborted_request);
  suite_add_tcase(s, tc);
  tc = tcase_create("close");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_close_waits_for_serialized_driver);
  tcase_add_test(tc, test_close_sync_waits_and_idle_close_does_not);
  tcase_add_test(tc, test_close_concurrent_not_delayed);
  tcase_add_test(tc, test_close_waiting_when_removed);
  tcase_add_test(tc, test_close_waiting_then_killio);
  suite_add_tcase(s, tc);
  return s;
}
