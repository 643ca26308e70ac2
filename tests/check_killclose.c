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

#define MS 1000000ull
#define US 1000ull

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

Suite *killclose_suite(void)
{
  Suite *s = suite_create("killclose");
  TCase *tc = tcase_create("killio");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_killio_aborts_until_empty);
  tcase_add_test(tc, test_killio_concurrent_holds_new_requests);
  suite_add_tcase(s, tc);
  return s;
}
