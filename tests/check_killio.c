/*
 * check_killio.c - KillIO on each queuing discipline (.Fixed, .Concurrent
 * with and without a device, .OwnQueue) and on an idle driver; a driver that
 * refuses KillIO (tests/refuse.c); KillIO sent sync from a completion
 * routine at interrupt level. The order of KillIO with completion routines
 * that re-queue is in check_killclose.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"
#include "refuse.h"

/* ---- KillIO ------------------------------------------------------------------------------------ */

static OSErr kill_sync(int16_t ref, ParamBlockRec *kpb)
{
  memset(kpb, 0, sizeof *kpb);
  kpb->cntrlParam.ioCRefNum = ref;
  return PBKillIOSync(kpb);
}

static const char *const kill3_log =
    "call#4:killio/sync disp#4:killio/immediate ret:0 cpl#1:-27 cb#1:-27 cpl#2:-27 cb#2:-27 "
    "cpl#3:-27 cb#3:-27 cpl#4:0 sync#4:0";

/* After a KillIO: nothing more happens, and a new request is served. */
static void check_after_kill(tfix *f, int16_t ref, uint64_t service)
{
  tf_run(f);
  ck_assert_str_eq(tf_log(f), "");
  ck_assert_int_eq(f->violations, 0);
  ck_assert_uint_eq(dm_machine_inflight(f->m), 0);
  int before = tf_ncb;
  uint64_t t1 = sim_world_now(&f->w);
  char buf[8];
  ParamBlockRec pb;
  tf_async_read(&pb, ref, buf, 8, 0);
  tf_run(f);
  ck_assert_int_eq(tf_ncb, before + 1);
  ck_assert_int_eq(tf_cbs[before].result, noErr);
  if (service)
    ck_assert_uint_eq(tf_cbs[before].t, t1 + service);
}

START_TEST(test_killio_fixed)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  DCtlPtr dce = tf_dce(ref);
  char b[3][8];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    tf_async_read(&pb[i], ref, b[i], 8, 0);
  tf_reset_log(&f);
  (void)tf_pbnum(&f, &pb[0]);
  (void)tf_pbnum(&f, &pb[1]);
  (void)tf_pbnum(&f, &pb[2]);
  sim_world_run(&f.w, 500 * US, 0); /* half-way through the first */
  ParamBlockRec kpb;
  ck_assert_int_eq(kill_sync(ref, &kpb), noErr);
  ck_assert_str_eq(tf_log(&f), kill3_log);
  ck_assert_int_eq(kpb.cntrlParam.ioResult, noErr);
  ck_assert_int_eq(tf_ncb, 3);
  for (int i = 0; i < 3; i++) {
    ck_assert_ptr_eq(tf_cbs[i].pb, &pb[i]);
    ck_assert_int_eq(tf_cbs[i].result, abortErr);
    ck_assert_int_eq(pb[i].ioParam.ioResult, abortErr);
    ck_assert_uint_eq(tf_cbs[i].t, 500 * US);
  }
  ck_assert_int_eq(dce->dCtlFlags & drvrActiveMask, 0);
  ck_assert_ptr_null(dce->dCtlQHdr.qHead);
  check_after_kill(&f, ref, 1 * MS);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_killio_concurrent)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "conc", NULL);
  char b[3][8];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    tf_async_read(&pb[i], ref, b[i], 8, 0);
  tf_reset_log(&f);
  for (int i = 0; i < 3; i++)
    (void)tf_pbnum(&f, &pb[i]);
  ParamBlockRec kpb;
  ck_assert_int_eq(kill_sync(ref, &kpb), noErr);
  ck_assert_str_eq(tf_log(&f), kill3_log);
  ck_assert_int_eq(tf_ncb, 3);
  for (int i = 0; i < 3; i++) {
    ck_assert_ptr_eq(tf_cbs[i].pb, &pb[i]);
    ck_assert_int_eq(tf_cbs[i].result, abortErr);
  }
  ck_assert_ptr_null(tf_dce(ref)->dCtlQHdr.qHead);
  check_after_kill(&f, ref, 1 * MS);
  tf_teardown_all(&f);
}
END_TEST

/* The device cannot be stopped: its interrupts for killed requests arrive
 * later and must complete nothing. */
START_TEST(test_killio_concurrent_with_device)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  sim_hw *hw = tf_uniform_hw(&f, 1 * MS, 2 * MS, 3);
  int16_t ref = tf_install_open(&f, "conc", hw);
  char b[3][8];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    tf_async_read(&pb[i], ref, b[i], 8, 0);
  tf_reset_log(&f);
  for (int i = 0; i < 3; i++)
    (void)tf_pbnum(&f, &pb[i]);
  ParamBlockRec kpb;
  ck_assert_int_eq(kill_sync(ref, &kpb), noErr);
  ck_assert_str_eq(tf_log(&f), kill3_log);
  ck_assert_uint_eq(sim_hw_inflight(hw), 3); /* the device still runs them */
  check_after_kill(&f, ref, 0);              /* their interrupts complete nothing */
  ck_assert_uint_eq(sim_hw_inflight(hw), 0);
  tf_teardown_all(&f);
  sim_hw_free(hw);
}
END_TEST

START_TEST(test_killio_ownqueue)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "ownq", NULL);
  char b[6][8];
  ParamBlockRec pb[6];
  for (int i = 0; i < 6; i++)
    tf_async_read(&pb[i], ref, b[i], 8, 0);
  tf_reset_log(&f);
  for (int i = 0; i < 6; i++)
    (void)tf_pbnum(&f, &pb[i]);
  ParamBlockRec kpb;
  ck_assert_int_eq(kill_sync(ref, &kpb), noErr);
  /* The driver completes its own, inside its KillIO command. */
  ck_assert_str_eq(tf_log(&f), "call#7:killio/sync disp#7:killio/immediate "
                               "cpl#1:-27 cb#1:-27 cpl#2:-27 cb#2:-27 cpl#3:-27 cb#3:-27 "
                               "cpl#4:-27 cb#4:-27 cpl#5:-27 cb#5:-27 cpl#6:-27 cb#6:-27 "
                               "ret:0 cpl#7:0 sync#7:0");
  ck_assert_int_eq(tf_ncb, 6);
  for (int i = 0; i < 6; i++)
    ck_assert_int_eq(pb[i].ioParam.ioResult, abortErr);
  check_after_kill(&f, ref, 1 * MS);
  tf_teardown_all(&f);
}
END_TEST

/* KillIO with nothing pending completes at once with noErr. */
START_TEST(test_killio_idle)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  ParamBlockRec kpb;
  ck_assert_int_eq(kill_sync(ref, &kpb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:killio/sync disp#1:killio/immediate ret:0 cpl#1:0 sync#1:0");
  check_after_kill(&f, ref, 1 * MS);
  tf_teardown_all(&f);
}
END_TEST

/* A driver that fails KillIO: the call fails with its error, the queue is
 * left alone and no routine runs (docs/rules.md, "KillIO"); the requests are served. */
START_TEST(test_killio_refused_by_driver)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_refuse(&f);
  char b[2][8];
  ParamBlockRec pb[2];
  tf_async_read(&pb[0], ref, b[0], 8, 0);
  tf_async_read(&pb[1], ref, b[1], 8, 0);
  (void)tf_log(&f);
  ParamBlockRec kpb;
  memset(&kpb, 0, sizeof kpb);
  kpb.cntrlParam.ioCRefNum = ref;
  ck_assert_int_eq(PBKillIOSync(&kpb), abortErr);
  ck_assert_str_eq(tf_log(&f), "call#3:killio/sync disp#3:killio/immediate ret:-27 cpl#3:-27 "
                             "sync#3:-27");
  ck_assert_int_eq(tf_ncb, 0);
  ck_assert_int_eq(tf_queue_len(&tf_dce(ref)->dCtlQHdr), 2);
  ck_assert_int_ne(tf_dce(ref)->dCtlFlags & drvrActiveMask, 0);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 2);
  ck_assert_int_eq(tf_cbs[0].result, noErr);
  ck_assert_int_eq(tf_cbs[1].result, noErr);
  ck_assert_uint_eq(tf_cbs[1].t, 2 * MS);
  tf_teardown_all(&f);
}
END_TEST

/* KillIO is always immediate and never waits (docs/rules.md, "KillIO"), and table 8-1
 * of the PCI book allows it at task, secondary and hardware interrupt level:
 * KillIO() (a sync PB call) from a completion routine works. (Regression
 * test: devmgr refused every sync trap at interrupt level as
 * sync-at-interrupt before commit 4cc6fe8.) */
static int16_t kill_from_cb_ref;
static OSErr   kill_from_cb_ret = 1;
static void kill_in_routine(ParmBlkPtr pb)
{
  tf_record_cb(pb);
  if (tf_ncb == 1)
    kill_from_cb_ret = KillIO(kill_from_cb_ref);
}

START_TEST(test_killio_sync_at_interrupt_level)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  kill_from_cb_ref = ref;
  char b[3][8];
  ParamBlockRec pb[3];
  tf_io(&pb[0], ref, b[0], 8, 0);
  pb[0].ioParam.ioCompletion = kill_in_routine;
  ck_assert_int_eq(PBReadAsync(&pb[0]), noErr);
  tf_async_read(&pb[1], ref, b[1], 8, 0);
  tf_async_read(&pb[2], ref, b[2], 8, 0);
  tf_run(&f);
  ck_assert_msg(f.violations == 0, "violation %s: %s", f.last_rule, f.last_detail);
  ck_assert_int_eq(kill_from_cb_ret, noErr);
  ck_assert_int_eq(tf_ncb, 3);
  ck_assert_int_eq(tf_cbs[1].result, abortErr);
  ck_assert_int_eq(tf_cbs[2].result, abortErr);
  tf_teardown_all(&f);
}
END_TEST


Suite *killio_suite(void)
{
  Suite *s = suite_create("killio");

  TCase *tk = tcase_create("killio");
  tcase_set_timeout(tk, DM_TEST_TIMEOUT);
  tcase_add_test(tk, test_killio_fixed);
  tcase_add_test(tk, test_killio_concurrent);
  tcase_add_test(tk, test_killio_concurrent_with_device);
  tcase_add_test(tk, test_killio_ownqueue);
  tcase_add_test(tk, test_killio_idle);
  tcase_add_test(tk, test_killio_refused_by_driver);
  tcase_add_test(tk, test_killio_sync_at_interrupt_level);
  suite_add_tcase(s, tk);
  return s;
}
