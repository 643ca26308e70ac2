/*
 * check_call.c - the request path of a parameter-block call (devmgr/src/
 * call.c, dispatch.c, complete.c) seen from a client: the exact order of
 * call / enqueue / dispatch / return / complete / callback records for async,
 * sync and immediate calls; Open by name and Close (dOpened, ioRefNum, a
 * Close the driver refuses); every refusal (badUnitErr, unitEmptyErr,
 * notOpenErr, the four enable bits, dInstErr), each with no driver code and
 * no completion routine run; Status csCode 1; empty transfers; ioPosMode and
 * dCtlPosition; ioActCount; Control and Status through the queue; positive
 * results. The queuing disciplines are in check_queue.c, KillIO in
 * check_killio.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"
#include "refuse.h"

/* ---- one request through .Null ---------------------------------------------- */

START_TEST(test_null_async_read)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "null", NULL);
  unsigned char buf[32];
  memset(buf, 0xAA, sizeof buf);
  ParamBlockRec pb;
  tf_async_read(&pb, ref, buf, sizeof buf, 0);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 disp#1:read/async cpl#1:0 cb#1:0 ret:0");
  ck_assert_int_eq(pb.ioParam.ioResult, noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 32);
  for (size_t i = 0; i < sizeof buf; i++)
    ck_assert_uint_eq(buf[i], 0xAA); /* .Null moves no data */
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_ptr_eq(tf_cbs[0].pb, &pb);
  ck_assert_int_eq(tf_cbs[0].result, noErr);
  ck_assert_int_eq(tf_cbs[0].on_queue, 0); /* off dCtlQHdr before the routine runs */
  ck_assert_int_eq(dm_machine_inflight(f.m), 0);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_null_sync_read)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "null", NULL);
  char buf[8];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, sizeof buf, 0);
  pb.ioParam.ioCompletion = tf_record_cb; /* a sync call never runs it */
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  /* Completed inside DoDriverIO: the caller returns once DoDriverIO has. */
  ck_assert_str_eq(tf_log(&f), "call#1:read/sync enq#1 disp#1:read/sync cpl#1:0 ret:0 sync#1:0");
  ck_assert_ptr_null(pb.ioParam.ioCompletion);
  ck_assert_int_eq(tf_ncb, 0);
  ck_assert_int_eq(pb.ioParam.ioResult, noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 8);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_null_immediate_read)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "null", NULL);
  char buf[8];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, sizeof buf, 0);
  pb.ioParam.ioCompletion = tf_record_cb; /* immediate calls run no routine */
  ck_assert_int_eq(PBReadImmed(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:read/immediate disp#1:read/immediate ret:0 cpl#1:0");
  ck_assert_int_eq(tf_ncb, 0);
  ck_assert_int_eq(pb.ioParam.ioResult, noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 8);
  ck_assert_ptr_null(tf_dce(ref)->dCtlQHdr.qHead);
  tf_teardown_all(&f);
}
END_TEST

/* ---- Open and Close ------------------------------------------------------------ */

START_TEST(test_open_by_name_and_close)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t rn = tf_install(&f, "null", -1);
  int16_t rf = tf_install(&f, "fixed", -1);
  ck_assert_int_eq(rn, -49);
  ck_assert_int_eq(rf, -50);
  tf_reset_log(&f);
  ck_assert_int_eq(tf_dce(rf)->dCtlFlags & dOpenedMask, 0);

  unsigned char name[40];
  tf_pstr(name, ".fIXED"); /* case-insensitive */
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioNamePtr = name;
  ck_assert_int_eq(PBOpenSync(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:open/sync disp#1:open/immediate ret:0 cpl#1:0 sync#1:0");
  ck_assert_int_eq(pb.ioParam.ioRefNum, rf);
  ck_assert_int_eq(pb.ioParam.ioResult, noErr);
  ck_assert_int_ne(tf_dce(rf)->dCtlFlags & dOpenedMask, 0);
  ck_assert_int_eq(tf_dce(rn)->dCtlFlags & dOpenedMask, 0); /* the other one untouched */

  short r2 = 0;
  tf_pstr(name, ".NULL");
  ck_assert_int_eq(OpenDriver(name, &r2), noErr);
  ck_assert_int_eq(r2, rn);
  ck_assert_int_ne(tf_dce(rn)->dCtlFlags & dOpenedMask, 0);
  tf_reset_log(&f);

  ParamBlockRec cpb;
  memset(&cpb, 0, sizeof cpb);
  cpb.ioParam.ioRefNum = rf;
  ck_assert_int_eq(PBCloseSync(&cpb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:close/sync disp#1:close/immediate ret:0 cpl#1:0 sync#1:0");
  ck_assert_int_eq(tf_dce(rf)->dCtlFlags & dOpenedMask, 0);
  ck_assert_int_ne(tf_dce(rn)->dCtlFlags & dOpenedMask, 0);

  /* Closed: reads are refused again. */
  char buf[4];
  ParamBlockRec rpb;
  tf_io(&rpb, rf, buf, 4, 0);
  ck_assert_int_eq(PBReadSync(&rpb), notOpenErr);
  tf_teardown_all(&f);
}
END_TEST

/* Two drivers with one name: OpenDriver finds the first installed, and
 * OpenInstalledDriver opens the one at its refNum, the second included. */
START_TEST(test_open_installed_driver)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t r1 = tf_install(&f, "null", -1);
  int16_t r2 = tf_install(&f, "null", -1);
  ck_assert_int_ne(r1, r2);
  unsigned char name[40];
  tf_pstr(name, ".Null");
  short got = 0;
  ck_assert_int_eq(OpenDriver(name, &got), noErr);
  ck_assert_int_eq(got, r1);
  ck_assert_int_eq(tf_dce(r2)->dCtlFlags & dOpenedMask, 0);
  tf_reset_log(&f);
  ck_assert_int_eq(OpenInstalledDriver(r2, fsRdWrPerm), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:open/sync disp#1:open/immediate ret:0 cpl#1:0 sync#1:0");
  ck_assert_int_ne(tf_dce(r2)->dCtlFlags & dOpenedMask, 0);
  char buf[4];
  ParamBlockRec rpb;
  tf_io(&rpb, r2, buf, 4, 0);
  ck_assert_int_eq(PBReadSync(&rpb), noErr);
  /* Nothing installed there: refused as any call to that refNum is. */
  ck_assert_int_eq(OpenInstalledDriver(-60, fsCurPerm), unitEmptyErr);
  ck_assert_int_eq(OpenInstalledDriver(-30000, fsCurPerm), badUnitErr);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_open_unknown_name)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  tf_install(&f, "null", -1);
  tf_reset_log(&f);
  unsigned char name[40];
  tf_pstr(name, ".Nothing");
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioNamePtr = name;
  pb.ioParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBOpenAsync(&pb), dInstErr);
  ck_assert_str_eq(tf_log(&f), "call#1:open/async rej#1:-26");
  ck_assert_int_eq(pb.ioParam.ioResult, dInstErr);
  ck_assert_int_eq(tf_ncb, 0);
  /* A prefix of a real name is not that name. */
  tf_pstr(name, ".Nul");
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioNamePtr = name;
  ck_assert_int_eq(PBOpenSync(&pb), dInstErr);
  tf_teardown_all(&f);
}
END_TEST

/* ---- refusals ------------------------------------------------------------------ */

typedef struct reject_case {
  const char *what;
  unsigned    call;    /* _Read, _Write, _Control, _Status, _KillIO */
  int         open;    /* open the driver first */
  int16_t     ref;     /* 0: the installed driver's refNum */
  uint16_t    clear;   /* dCtlFlags bits to clear */
  OSErr       err;
  const char *log;
} reject_case;

static const reject_case rejects[] = {
  { "positive refNum", _Read, 1, 5, 0, badUnitErr, "call#1:read/async rej#1:-21" },
  { "refNum outside the table", _Read, 1, -65, 0, badUnitErr, "call#1:read/async rej#1:-21" },
  { "refNum far outside", _Write, 1, -1000, 0, badUnitErr, "call#1:write/async rej#1:-21" },
  { "empty unit", _Read, 1, -50, 0, unitEmptyErr, "call#1:read/async rej#1:-22" },
  { "empty system unit", _Control, 1, -1, 0, unitEmptyErr, "call#1:control/async rej#1:-22" },
  { "not open", _Read, 0, 0, 0, notOpenErr, "call#1:read/async rej#1:-28" },
  { "not open, status", _Status, 0, 0, 0, notOpenErr, "call#1:status/async rej#1:-28" },
  { "read disabled", _Read, 1, 0, dReadEnableMask, readErr, "call#1:read/async rej#1:-19" },
  { "write disabled", _Write, 1, 0, dWritEnableMask, writErr, "call#1:write/async rej#1:-20" },
  { "control disabled", _Control, 1, 0, dCtlEnableMask, controlErr,
    "call#1:control/async rej#1:-17" },
  { "status disabled", _Status, 1, 0, dStatEnableMask, statusErr,
    "call#1:status/async rej#1:-18" },
  { "killio needs control", _KillIO, 1, 0, dCtlEnableMask, controlErr,
    "call#1:killio/async rej#1:-17" },
};

START_TEST(test_rejections)
{
  const reject_case *rc = &rejects[_i];
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install(&f, "null", -1);
  if (rc->open)
    ck_assert_int_eq(tf_open(&f, ref), noErr);
  if (rc->clear)
    (*GetDCtlEntry(ref))->dCtlFlags = (short)((*GetDCtlEntry(ref))->dCtlFlags & ~rc->clear);
  tf_reset_log(&f);

  char buf[16];
  ParamBlockRec pb;
  tf_io(&pb, rc->ref != 0 ? rc->ref : ref, buf, sizeof buf, 0);
  pb.ioParam.ioCompletion = tf_record_cb;
  pb.cntrlParam.csCode = 5;
  OSErr err = dm_call(f.m, &pb, (uint16_t)(rc->call | 0x0400));
  ck_assert_msg(err == rc->err, "%s: got %d, want %d", rc->what, err, rc->err);
  ck_assert_str_eq(tf_log(&f), rc->log);
  ck_assert_int_eq(pb.ioParam.ioResult, rc->err);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 0);
  ck_assert_str_eq(tf_log(&f), "");
  ck_assert_ptr_null(tf_dce(ref)->dCtlQHdr.qHead);
  ck_assert_int_eq(dm_machine_inflight(f.m), 0);
  tf_teardown_all(&f);
}
END_TEST

/* A sync call that is refused returns the same error without waiting. */
START_TEST(test_rejection_sync)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install(&f, "fixed", -1);
  tf_reset_log(&f);
  char buf[16];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, sizeof buf, 0);
  pb.ioParam.ioActCount = 77;
  ck_assert_int_eq(PBWriteSync(&pb), notOpenErr);
  ck_assert_str_eq(tf_log(&f), "call#1:write/sync rej#1:-28");
  ck_assert_int_eq(pb.ioParam.ioResult, notOpenErr);
  ck_assert_uint_eq(sim_world_now(&f.w), 0);
  tf_teardown_all(&f);
}
END_TEST

/* ---- Status csCode 1 -------------------------------------------------------------- */

START_TEST(test_status_dce_handle)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.cntrlParam.ioCRefNum = ref;
  pb.cntrlParam.csCode = 1;
  ck_assert_int_eq(PBStatusSync(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:status/sync cpl#1:0 sync#1:0");
  DCtlHandle h;
  memcpy(&h, pb.cntrlParam.csParam, sizeof h);
  ck_assert_ptr_eq(h, GetDCtlEntry(ref));
  ck_assert_int_eq((*h)->dCtlRefNum, ref);

  /* Async: completes before the call returns, routine included. */
  memset(&pb, 0, sizeof pb);
  pb.cntrlParam.ioCRefNum = ref;
  pb.cntrlParam.csCode = 1;
  pb.cntrlParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBStatusAsync(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:status/async cpl#1:0 cb#1:0");
  memcpy(&h, pb.cntrlParam.csParam, sizeof h);
  ck_assert_ptr_eq(h, GetDCtlEntry(ref));
  ck_assert_int_eq(tf_ncb, 1);
  /* While .Fixed is busy with a read, csCode 1 still answers at once. */
  char buf[4];
  ParamBlockRec rpb;
  tf_async_read(&rpb, ref, buf, 4, 0);
  memset(&pb, 0, sizeof pb);
  pb.cntrlParam.ioCRefNum = ref;
  pb.cntrlParam.csCode = 1;
  ck_assert_int_eq(PBStatusSync(&pb), noErr);
  ck_assert_uint_eq(sim_world_now(&f.w), 0);
  tf_teardown_all(&f);
}
END_TEST

/*
 * Regression test (a devmgr bug this test found, now fixed): the reference (section 1.15,
 * "DM68K RetDCEHandle - no enable check, result noErr") says Status csCode 1
 * is answered before the enable bits are looked at; devmgr/src/call.c runs
 * enable_check() first and refuses it with statusErr when dStatEnable is
 * clear.
 */
START_TEST(test_status_dce_handle_ignores_enable)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "null", NULL);
  (*GetDCtlEntry(ref))->dCtlFlags = (short)((*GetDCtlEntry(ref))->dCtlFlags & ~dStatEnableMask);
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.cntrlParam.ioCRefNum = ref;
  pb.cntrlParam.csCode = 1;
  ck_assert_int_eq(PBStatusSync(&pb), noErr);
  DCtlHandle h;
  memcpy(&h, pb.cntrlParam.csParam, sizeof h);
  ck_assert_ptr_eq(h, GetDCtlEntry(ref));
  tf_teardown_all(&f);
}
END_TEST

/* ---- transfers: empty ones, positions, ioActCount ------------------------------------ */

START_TEST(test_zero_length_read)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t rn = tf_install_open(&f, "null", NULL);
  ParamBlockRec pb;
  char buf[1] = { 'x' };
  tf_async_read(&pb, rn, buf, 0, 0);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 cpl#1:0 cb#1:0");
  ck_assert_int_eq(pb.ioParam.ioActCount, 0);

  int16_t rf = tf_install(&f, "fixed", -1);
  ck_assert_int_eq(tf_open(&f, rf), noErr);
  tf_cb_watch = rf;
  tf_reset_log(&f);
  tf_ncb = 0;
  tf_async_read(&pb, rf, buf, 0, 0);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 cpl#1:0 cb#1:0");
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_int_eq(tf_cbs[0].result, noErr);
  ck_assert_int_eq(tf_dce(rf)->dCtlFlags & drvrActiveMask, 0);
  ck_assert_uint_eq(sim_world_now(&f.w), 0);
  ck_assert_int_eq(buf[0], 'x');
  /* Sync, too: no simulated time passes. */
  tf_io(&pb, rf, buf, 0, 0);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:read/sync enq#1 cpl#1:0 sync#1:0");
  ck_assert_uint_eq(sim_world_now(&f.w), 0);
  ck_assert_int_eq(dm_machine_inflight(f.m), 0);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_posmode_moves_position_at_dispatch)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  DCtlPtr dce = tf_dce(ref);
  /* Prepare the storage: bytes i at offset i (mod 251). */
  static unsigned char img[2048];
  for (int i = 0; i < 2048; i++)
    img[i] = (unsigned char)(i % 251);
  ParamBlockRec w;
  tf_io(&w, ref, img, sizeof img, 0);
  ck_assert_int_eq(PBWriteSync(&w), noErr);
  ck_assert_int_eq(dce->dCtlPosition, 2048);
  uint64_t t0 = sim_world_now(&f.w);

  unsigned char b1[100], b2[50], b3[10];
  ParamBlockRec p1, p2, p3;
  tf_async_read(&p1, ref, b1, sizeof b1, 100);           /* fsFromStart 100 */
  ck_assert_int_eq(dce->dCtlPosition, 100);           /* set at dispatch */
  tf_io(&p2, ref, b2, sizeof b2, 10);
  p2.ioParam.ioPosMode = fsFromMark;                   /* 10 past the mark */
  p2.ioParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBReadAsync(&p2), noErr);
  tf_io(&p3, ref, b3, sizeof b3, 999);
  p3.ioParam.ioPosMode = fsAtMark;                     /* offset ignored */
  p3.ioParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBReadAsync(&p3), noErr);
  ck_assert_int_eq(dce->dCtlPosition, 100);           /* queued: not moved yet */

  sim_world_run(&f.w, t0 + 1 * MS, 0);
  /* p1 done (mark 200), p2 dispatched at 200 + 10. */
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_int_eq(dce->dCtlPosition, 210);
  sim_world_run(&f.w, t0 + 2 * MS, 0);
  ck_assert_int_eq(tf_ncb, 2);
  ck_assert_int_eq(dce->dCtlPosition, 260); /* p3 at the mark */
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 3);
  ck_assert_int_eq(dce->dCtlPosition, 270);
  for (int i = 0; i < 100; i++)
    ck_assert_uint_eq(b1[i], (100 + i) % 251);
  for (int i = 0; i < 50; i++)
    ck_assert_uint_eq(b2[i], (210 + i) % 251);
  for (int i = 0; i < 10; i++)
    ck_assert_uint_eq(b3[i], (260 + i) % 251);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_ioactcount_zeroed_at_call)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  char buf[64];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, sizeof buf, 0);
  pb.ioParam.ioActCount = 1234;
  pb.ioParam.ioResult = -99;
  pb.ioParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBReadAsync(&pb), noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 0);
  ck_assert_int_eq(pb.ioParam.ioResult, ioInProgress);
  ck_assert_int_eq(pb.ioParam.qType, ioQType);
  ck_assert_int_eq((uint16_t)pb.ioParam.ioTrap, _Read | 0x0400);
  tf_run(&f);
  ck_assert_int_eq(pb.ioParam.ioActCount, 64);
  ck_assert_int_eq(pb.ioParam.ioResult, noErr);
  tf_teardown_all(&f);
}
END_TEST

/* Close answered with closErr leaves the driver open; any other error
 * closes it (docs/rules.md, "Open and Close"). */
START_TEST(test_close_refused_by_driver)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_refuse(&f);
  ck_assert_int_eq(CloseDriver(ref), closErr);
  ck_assert_str_eq(tf_log(&f), "call#1:close/sync disp#1:close/immediate ret:-24 cpl#1:-24 "
                             "sync#1:-24");
  ck_assert_int_ne(tf_dce(ref)->dCtlFlags & dOpenedMask, 0);
  char buf[4];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, 4, 0);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  tf_refuse_close = ioErr;
  ck_assert_int_eq(CloseDriver(ref), ioErr);
  ck_assert_int_eq(tf_dce(ref)->dCtlFlags & dOpenedMask, 0);
  tf_io(&pb, ref, buf, 4, 0);
  ck_assert_int_eq(PBReadSync(&pb), notOpenErr);
  /* Closing a closed driver: noErr, and the driver is not called. */
  (void)tf_log(&f);
  f.npbs = 0;
  ParamBlockRec cpb;
  memset(&cpb, 0, sizeof cpb);
  cpb.ioParam.ioRefNum = ref;
  ck_assert_int_eq(PBCloseSync(&cpb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:close/sync cpl#1:0 sync#1:0");
  tf_refuse_close = closErr;
  tf_teardown_all(&f);
}
END_TEST

/* An Open the driver fails leaves a closed driver closed: dOpened stays
 * clear, the block's ioRefNum is 0 and calls are refused as before; an
 * Open failed while the driver is open leaves it open. Then an Open the
 * driver takes opens it. */
START_TEST(test_open_failed_by_driver)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_refuse(&f);
  unsigned char name[16];
  tf_pstr(name, ".Refuse");
  ParamBlockRec pb;
  char buf[4];
  /* Open, the driver refuses a second Open: still open. */
  tf_refuse_open = openErr;
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioNamePtr = name;
  ck_assert_int_eq(PBOpenSync(&pb), openErr);
  ck_assert_int_ne(tf_dce(ref)->dCtlFlags & dOpenedMask, 0);
  tf_io(&pb, ref, buf, 4, 0);
  pb.ioParam.ioPosMode = fsAtMark;
  (void)tf_log(&f);
  f.npbs = 0;
  tf_refuse_close = ioErr; /* any result but closErr closes it */
  ck_assert_int_eq(CloseDriver(ref), ioErr);
  ck_assert_int_eq(tf_dce(ref)->dCtlFlags & dOpenedMask, 0);
  (void)tf_log(&f);
  f.npbs = 0;
  /* Closed, the driver refuses the Open: still closed. */
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioNamePtr = name;
  pb.ioParam.ioRefNum = 77;
  ck_assert_int_eq(PBOpenSync(&pb), openErr);
  ck_assert_str_eq(tf_log(&f), "call#1:open/sync disp#1:open/immediate ret:-23 cpl#1:-23 "
                             "sync#1:-23");
  ck_assert_int_eq(pb.ioParam.ioResult, openErr);
  ck_assert_int_eq(pb.ioParam.ioRefNum, 0);
  ck_assert_int_eq(tf_dce(ref)->dCtlFlags & dOpenedMask, 0);
  tf_io(&pb, ref, buf, 4, 0);
  ck_assert_int_eq(PBReadSync(&pb), notOpenErr);
  /* The driver takes the Open: open, and its reads served. */
  tf_refuse_open = noErr;
  short got = 0;
  ck_assert_int_eq(OpenDriver(name, &got), noErr);
  ck_assert_int_eq(got, ref);
  ck_assert_int_ne(tf_dce(ref)->dCtlFlags & dOpenedMask, 0);
  tf_io(&pb, ref, buf, 4, 0);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  tf_refuse_close = closErr;
  tf_teardown_all(&f);
}
END_TEST

/* Control and Status go through the queue like Read: on .Fixed they wait
 * for the request in service. The high-level calls are sync PB calls. */
START_TEST(test_control_status_queued)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  char b[8];
  ParamBlockRec rpb, cpb;
  tf_async_read(&rpb, ref, b, 8, 0);
  memset(&cpb, 0, sizeof cpb);
  cpb.cntrlParam.ioCRefNum = ref;
  cpb.cntrlParam.csCode = 99;
  cpb.cntrlParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBControlAsync(&cpb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 disp#1:read/async ret:0 "
                             "call#2:control/async enq#2");
  tf_run(&f);
  ck_assert_str_eq(tf_log(&f), "cpl#1:0 cb#1:0 disp#2:control/async cpl#2:0 cb#2:0 ret:0");
  ck_assert_uint_eq(tf_cbs[1].t, 1 * MS);
  short params[11] = { 0 };
  ck_assert_int_eq(Control(ref, 5, params), noErr);
  ck_assert_int_eq(Status(ref, 6, params), noErr);
  ck_assert_int_eq(Status(-300, 6, params), badUnitErr);
  ck_assert_int_eq(KillIO(ref), noErr);
  ck_assert_ptr_null(GetDCtlEntry(-300));
  ck_assert_ptr_null(GetDCtlEntry(4));
  tf_teardown_all(&f);
}
END_TEST

/* Positive results are posted as noErr (docs/rules.md, "The path of a request", step 5), from
 * IOCommandIsComplete and from an immediate command's return value. */
START_TEST(test_positive_result_posted_as_noerr)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_refuse(&f);
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.cntrlParam.ioCRefNum = ref;
  pb.cntrlParam.csCode = 7;
  pb.cntrlParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBControlAsync(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:control/async enq#1 disp#1:control/async cpl#1:0 cb#1:0 "
                             "ret:0");
  ck_assert_int_eq(pb.cntrlParam.ioResult, noErr);
  ck_assert_int_eq(tf_cbs[0].result, noErr);
  memset(&pb, 0, sizeof pb);
  pb.cntrlParam.ioCRefNum = ref;
  ck_assert_int_eq(PBControlImmed(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:control/immediate disp#1:control/immediate ret:3 cpl#1:0");
  ck_assert_int_eq(pb.cntrlParam.ioResult, noErr);
  ck_assert_int_eq(PBControlSync(&pb), noErr);
  tf_teardown_all(&f);
}
END_TEST

/*
 * Regression test (a devmgr bug this test found, now fixed): devmgr/include/devmgr/call.h
 * documents that dm_call returns "for requests that completed before dm_call
 * returned: the posted result", as the reference has the trap return the
 * final result when the driver completed the request before returning
 * (section 2.1 step 10). For async calls devmgr/src/call.c returns noErr
 * regardless (it avoids reading the PB, which the completion routine may
 * have freed; the slot still holds the result).
 */
START_TEST(test_async_completed_in_call_returns_result)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_refuse(&f);
  char b[8];
  ParamBlockRec pb;
  tf_io(&pb, ref, b, 8, 0);
  pb.ioParam.ioCompletion = tf_record_cb;
  OSErr err = PBWriteAsync(&pb);
  ck_assert_str_eq(tf_log(&f), "call#1:write/async enq#1 disp#1:write/async cpl#1:-36 cb#1:-36 "
                             "ret:0");
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_int_eq(pb.ioParam.ioResult, ioErr);
  ck_assert_int_eq(err, ioErr);
  tf_teardown_all(&f);
}
END_TEST


Suite *call_suite(void)
{
  Suite *s = suite_create("call");

  TCase *tc = tcase_create("path");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_null_async_read);
  tcase_add_test(tc, test_null_sync_read);
  tcase_add_test(tc, test_null_immediate_read);
  tcase_add_test(tc, test_open_by_name_and_close);
  tcase_add_test(tc, test_open_unknown_name);
  tcase_add_test(tc, test_open_installed_driver);
  tcase_add_loop_test(tc, test_rejections, 0, (int)(sizeof rejects / sizeof rejects[0]));
  tcase_add_test(tc, test_rejection_sync);
  tcase_add_test(tc, test_status_dce_handle);
  tcase_add_test(tc, test_status_dce_handle_ignores_enable);
  tcase_add_test(tc, test_zero_length_read);
  tcase_add_test(tc, test_posmode_moves_position_at_dispatch);
  tcase_add_test(tc, test_ioactcount_zeroed_at_call);
  tcase_add_test(tc, test_close_refused_by_driver);
  tcase_add_test(tc, test_open_failed_by_driver);
  tcase_add_test(tc, test_control_status_queued);
  tcase_add_test(tc, test_positive_result_posted_as_noerr);
  tcase_add_test(tc, test_async_completed_in_call_returns_result);
  suite_add_tcase(s, tc);
  return s;
}
