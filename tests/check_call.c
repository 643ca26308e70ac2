/*
 * check_call.c - the request path of a parameter-block call (devmgr/src/
 * call.c, dispatch.c, complete.c) seen from a client: the exact order of
 * call / enqueue / dispatch / return / complete / callback records for async,
 * sync and immediate calls; Open by name and Close (dOpened, ioRefNum); every
 * refusal (badUnitErr, unitEmptyErr, notOpenErr, the four enable bits,
 * dInstErr), each with no driver code and no completion routine run; Status
 * csCode 1; empty transfers; ioPosMode and dCtlPosition; ioActCount.
 * Then the three queuing disciplines: non-concurrent .Fixed (one at a time,
 * FIFO, drvrActive, IODone order, simulated times), concurrent .Concurrent
 * (all dispatched at call time, on dCtlQHdr, completed out of order by
 * identity, never drvrActive) and .OwnQueue (kDriverQueuesIOPB: nothing on
 * dCtlQHdr). KillIO on each, sync calls through simulated time, and command
 * slot growth past the fixture's 4. A small test driver (".Refuse") refuses
 * KillIO and Close, fails writes inside DoDriverIO and answers positive
 * statuses. Tests named * fail on purpose: each shows a bug
 * described in its comment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"

/* ---- helpers --------------------------------------------------------------- */

static void setup(tfix *f)
{
  tf_setup(f, DM_CHECK_STRICT);
}

/* Install driver `name` (built-in), open it, watch it, and clear the log. */
static int16_t install_open(tfix *f, const char *name, sim_hw *hw)
{
  int16_t ref = tf_install_hw(f, name, -1, hw);
  ck_assert_int_eq(tf_open(f, ref), noErr);
  tf_cb_watch = ref;
  tf_reset_log(f);
  return ref;
}

static DCtlPtr dce_of(int16_t ref)
{
  DCtlHandle h = GetDCtlEntry(ref);
  ck_assert_ptr_nonnull(h);
  return *h;
}

static void async_read(ParamBlockRec *pb, int16_t ref, void *buf, long n, long pos)
{
  tf_io(pb, ref, buf, n, pos);
  pb->ioParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBReadAsync(pb), noErr);
}

static void pstr(unsigned char *p, const char *s)
{
  p[0] = (unsigned char)strlen(s);
  memcpy(p + 1, s, p[0]);
}

/* A uniform-latency device for the concurrent tests. */
static sim_hw *uniform_hw(tfix *f, uint64_t lo, uint64_t hi, uint64_t seed)
{
  sim_hw_model model = { SIM_HW_UNIFORM, lo, hi };
  sim_hw *hw = sim_hw_new(&f->w, f->m, "disk", &model, 64, seed);
  ck_assert_ptr_nonnull(hw);
  return hw;
}

/* ---- one request through .Null ---------------------------------------------- */

START_TEST(test_null_async_read)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "null", NULL);
  unsigned char buf[32];
  memset(buf, 0xAA, sizeof buf);
  ParamBlockRec pb;
  async_read(&pb, ref, buf, sizeof buf, 0);
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
  setup(&f);
  int16_t ref = install_open(&f, "null", NULL);
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
  setup(&f);
  int16_t ref = install_open(&f, "null", NULL);
  char buf[8];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, sizeof buf, 0);
  pb.ioParam.ioCompletion = tf_record_cb; /* immediate calls run no routine */
  ck_assert_int_eq(PBReadImmed(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:read/immediate disp#1:read/immediate ret:0 cpl#1:0");
  ck_assert_int_eq(tf_ncb, 0);
  ck_assert_int_eq(pb.ioParam.ioResult, noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 8);
  ck_assert_ptr_null(dce_of(ref)->dCtlQHdr.qHead);
  tf_teardown_all(&f);
}
END_TEST

/* ---- Open and Close ------------------------------------------------------------ */

START_TEST(test_open_by_name_and_close)
{
  tfix f;
  setup(&f);
  int16_t rn = tf_install(&f, "null", -1);
  int16_t rf = tf_install(&f, "fixed", -1);
  ck_assert_int_eq(rn, -49);
  ck_assert_int_eq(rf, -50);
  tf_reset_log(&f);
  ck_assert_int_eq(dce_of(rf)->dCtlFlags & dOpenedMask, 0);

  unsigned char name[40];
  pstr(name, ".fIXED"); /* case-insensitive */
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioNamePtr = name;
  ck_assert_int_eq(PBOpenSync(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:open/sync disp#1:open/immediate ret:0 cpl#1:0 sync#1:0");
  ck_assert_int_eq(pb.ioParam.ioRefNum, rf);
  ck_assert_int_eq(pb.ioParam.ioResult, noErr);
  ck_assert_int_ne(dce_of(rf)->dCtlFlags & dOpenedMask, 0);
  ck_assert_int_eq(dce_of(rn)->dCtlFlags & dOpenedMask, 0); /* the other one untouched */

  short r2 = 0;
  pstr(name, ".NULL");
  ck_assert_int_eq(OpenDriver(name, &r2), noErr);
  ck_assert_int_eq(r2, rn);
  ck_assert_int_ne(dce_of(rn)->dCtlFlags & dOpenedMask, 0);
  tf_reset_log(&f);

  ParamBlockRec cpb;
  memset(&cpb, 0, sizeof cpb);
  cpb.ioParam.ioRefNum = rf;
  ck_assert_int_eq(PBCloseSync(&cpb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:close/sync disp#1:close/immediate ret:0 cpl#1:0 sync#1:0");
  ck_assert_int_eq(dce_of(rf)->dCtlFlags & dOpenedMask, 0);
  ck_assert_int_ne(dce_of(rn)->dCtlFlags & dOpenedMask, 0);

  /* Closed: reads are refused again. */
  char buf[4];
  ParamBlockRec rpb;
  tf_io(&rpb, rf, buf, 4, 0);
  ck_assert_int_eq(PBReadSync(&rpb), notOpenErr);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_open_unknown_name)
{
  tfix f;
  setup(&f);
  tf_install(&f, "null", -1);
  tf_reset_log(&f);
  unsigned char name[40];
  pstr(name, ".Nothing");
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioNamePtr = name;
  pb.ioParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBOpenAsync(&pb), dInstErr);
  ck_assert_str_eq(tf_log(&f), "call#1:open/async rej#1:-26");
  ck_assert_int_eq(pb.ioParam.ioResult, dInstErr);
  ck_assert_int_eq(tf_ncb, 0);
  /* A prefix of a real name is not that name. */
  pstr(name, ".Nul");
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
  setup(&f);
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
  ck_assert_ptr_null(dce_of(ref)->dCtlQHdr.qHead);
  ck_assert_int_eq(dm_machine_inflight(f.m), 0);
  tf_teardown_all(&f);
}
END_TEST

/* A sync call that is refused returns the same error without waiting. */
START_TEST(test_rejection_sync)
{
  tfix f;
  setup(&f);
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
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
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
  async_read(&rpb, ref, buf, 4, 0);
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
  setup(&f);
  int16_t ref = install_open(&f, "null", NULL);
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
  setup(&f);
  int16_t rn = install_open(&f, "null", NULL);
  ParamBlockRec pb;
  char buf[1] = { 'x' };
  async_read(&pb, rn, buf, 0, 0);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 cpl#1:0 cb#1:0");
  ck_assert_int_eq(pb.ioParam.ioActCount, 0);

  int16_t rf = tf_install(&f, "fixed", -1);
  ck_assert_int_eq(tf_open(&f, rf), noErr);
  tf_cb_watch = rf;
  tf_reset_log(&f);
  tf_ncb = 0;
  async_read(&pb, rf, buf, 0, 0);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 cpl#1:0 cb#1:0");
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_int_eq(tf_cbs[0].result, noErr);
  ck_assert_int_eq(dce_of(rf)->dCtlFlags & drvrActiveMask, 0);
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
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  DCtlPtr dce = dce_of(ref);
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
  async_read(&p1, ref, b1, sizeof b1, 100);           /* fsFromStart 100 */
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
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
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

/* ---- non-concurrent: .Fixed ---------------------------------------------------------- */

START_TEST(test_fixed_fifo_one_at_a_time)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  DCtlPtr dce = dce_of(ref);
  f.log_flags = 1;
  char b[3][16];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    async_read(&pb[i], ref, b[i], sizeof b[i], 16 * i);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 flags:0x0fa8 disp#1:read/async ret:0 "
                               "call#2:read/async enq#2 call#3:read/async enq#3");
  ck_assert_int_ne(dce->dCtlFlags & drvrActiveMask, 0);
  ck_assert_int_eq(tf_queue_len(&dce->dCtlQHdr), 3);
  ck_assert_ptr_eq(dce->dCtlQHdr.qHead, (QElemPtr)&pb[0]);
  ck_assert_ptr_eq(dce->dCtlQHdr.qHead->qLink, (QElemPtr)&pb[1]);
  ck_assert_ptr_eq(dce->dCtlQHdr.qTail, (QElemPtr)&pb[2]);
  for (int i = 0; i < 3; i++)
    ck_assert_int_eq(pb[i].ioParam.ioResult, ioInProgress);

  tf_run(&f);
  ck_assert_str_eq(tf_log(&f),
                   "flags:0x0f28 cpl#1:0 cb#1:0 flags:0x0fa8 disp#2:read/async ret:0 "
                   "flags:0x0f28 cpl#2:0 cb#2:0 flags:0x0fa8 disp#3:read/async ret:0 "
                   "flags:0x0f28 cpl#3:0 cb#3:0");
  ck_assert_int_eq(tf_ncb, 3);
  for (int i = 0; i < 3; i++) {
    ck_assert_ptr_eq(tf_cbs[i].pb, &pb[i]);
    ck_assert_int_eq(tf_cbs[i].result, noErr);
    ck_assert_uint_eq(tf_cbs[i].t, (uint64_t)(i + 1) * MS);
    ck_assert_uint_eq(tf_cbs[i].lvl, kSecondaryInterruptLevel);
    /* IODone order: in the routine drvrActive is clear, the block is off the
     * queue and the next one is not yet dispatched. */
    ck_assert_int_eq(tf_cbs[i].flags & drvrActiveMask, 0);
    ck_assert_int_eq(tf_cbs[i].on_queue, 0);
    ck_assert_int_eq(tf_cbs[i].qlen, 2 - i);
  }
  ck_assert_int_eq(dce->dCtlFlags & drvrActiveMask, 0);
  ck_assert_ptr_null(dce->dCtlQHdr.qHead);
  ck_assert_ptr_null(dce->dCtlQHdr.qTail);
  ck_assert_uint_eq(sim_world_now(&f.w), 3 * MS);
  tf_teardown_all(&f);
}
END_TEST

/* In the completion routine of the first request, the second is still
 * waiting (ioResult 1) and is the head of dCtlQHdr. */
static ParamBlockRec *second_pb;
static int second_seen_waiting = -1;
static void check_second_cb(ParmBlkPtr pb)
{
  tf_record_cb(pb);
  DCtlPtr dce = *GetDCtlEntry(tf_cb_watch);
  second_seen_waiting = second_pb->ioParam.ioResult == ioInProgress &&
                        dce->dCtlQHdr.qHead == (QElemPtr)second_pb &&
                        !(dce->dCtlFlags & drvrActiveMask);
}

START_TEST(test_fixed_routine_runs_before_next_dispatch)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  char b1[8], b2[8];
  ParamBlockRec p1, p2;
  tf_io(&p1, ref, b1, 8, 0);
  p1.ioParam.ioCompletion = check_second_cb;
  second_pb = &p2;
  ck_assert_int_eq(PBReadAsync(&p1), noErr);
  async_read(&p2, ref, b2, 8, 0);
  tf_run(&f);
  ck_assert_int_eq(second_seen_waiting, 1);
  ck_assert_int_eq(tf_ncb, 2);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_fixed_write_then_read_back)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  unsigned char out[300], in[400];
  for (int i = 0; i < 300; i++)
    out[i] = (unsigned char)(i * 7 + 3);
  memset(in, 0, sizeof in);
  ParamBlockRec pb;
  tf_io(&pb, ref, out, sizeof out, 4000);
  ck_assert_int_eq(PBWriteSync(&pb), noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 300);
  ck_assert_uint_eq(sim_world_now(&f.w), 1 * MS);
  tf_io(&pb, ref, in, sizeof out, 4000);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 300);
  ck_assert_uint_eq(sim_world_now(&f.w), 2 * MS);
  ck_assert_mem_eq(in, out, sizeof out);
  ck_assert_int_eq(dce_of(ref)->dCtlPosition, 4300);
  /* Immediate reads bypass the queue and the service time; at the mark
   * they continue where the last transfer ended. */
  tf_io(&pb, ref, out, 20, 0);
  pb.ioParam.ioPosMode = fsAtMark;
  ck_assert_int_eq(PBWriteImmed(&pb), noErr);
  ck_assert_int_eq(dce_of(ref)->dCtlPosition, 4320);
  memset(in, 0, sizeof in);
  tf_io(&pb, ref, in, 320, 4000);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  ck_assert_mem_eq(in, out, 300);
  ck_assert_mem_eq(in + 300, out, 20);
  ck_assert_uint_eq(sim_world_now(&f.w), 3 * MS);
  tf_teardown_all(&f);
}
END_TEST

/* Immediate requests follow the reference's ioPosMode and empty-transfer
 * rules too (sections 1.11 and 2.1 steps 6 and 9, DM68K DoImedIO): the mark
 * moves before the driver runs, and a zero-length transfer never reaches it.
 * (Both failed before commit a6c2c17.) */
START_TEST(test_immediate_posmode)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  unsigned char out[200], in[100];
  for (int i = 0; i < 200; i++)
    out[i] = (unsigned char)(i + 1);
  ParamBlockRec pb;
  tf_io(&pb, ref, out, sizeof out, 1000);
  ck_assert_int_eq(PBWriteSync(&pb), noErr);
  ck_assert_int_eq(dce_of(ref)->dCtlPosition, 1200);
  /* fsFromStart 1100: the mark moves before the driver runs. */
  memset(in, 0, sizeof in);
  tf_io(&pb, ref, in, sizeof in, 1100);
  ck_assert_int_eq(PBReadImmed(&pb), noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 100);
  ck_assert_mem_eq(in, out + 100, 100);
  ck_assert_int_eq(dce_of(ref)->dCtlPosition, 1200);
  tf_teardown_all(&f);
}
END_TEST

/*
 * Regression test (a driver bug this test found, now fixed): an immediate request may run
 * while another is in service (reference 2.1 step 6), and the Device Manager
 * sets dCtlPosition when it hands a request over. drivers/fixed.c reads
 * dCtlPosition only when the service ends (Finish -> Transfer), so an
 * immediate transfer in between moves the in-service request's data: the
 * async read below returns bytes from 120 instead of 100.
 */
START_TEST(test_fixed_immediate_during_service)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  unsigned char img[200];
  for (int i = 0; i < 200; i++)
    img[i] = (unsigned char)i;
  ParamBlockRec pb;
  tf_io(&pb, ref, img, sizeof img, 0);
  ck_assert_int_eq(PBWriteSync(&pb), noErr);
  unsigned char a[10], b[20];
  ParamBlockRec pa, pi;
  async_read(&pa, ref, a, sizeof a, 100); /* in service, mark at 100 */
  tf_io(&pi, ref, b, sizeof b, 0);
  pi.ioParam.ioPosMode = fsAtMark;
  ck_assert_int_eq(PBReadImmed(&pi), noErr);
  ck_assert_mem_eq(b, img + 100, 20);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_int_eq(tf_cbs[0].result, noErr);
  ck_assert_mem_eq(a, img + 100, 10);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_immediate_zero_length)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "null", NULL);
  char in[4];
  ParamBlockRec pb;
  /* Zero-length Immed read: completed by the Device Manager, no dispatch. */
  tf_io(&pb, ref, in, 0, 0);
  ck_assert_int_eq(PBReadImmed(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:read/immediate cpl#1:0");
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_fixed_sync_takes_1ms)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  char buf[16];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, sizeof buf, 0);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:read/sync enq#1 disp#1:read/sync ret:0 cpl#1:0 sync#1:0");
  ck_assert_int_eq(pb.ioParam.ioResult, noErr);
  ck_assert_uint_eq(sim_world_now(&f.w), 1 * MS);
  ck_assert_uint_eq(tf_abs_ns(UpTime()), 1 * MS);
  ck_assert_int_eq(dce_of(ref)->dCtlFlags & drvrActiveMask, 0);
  tf_teardown_all(&f);
}
END_TEST

/* A sync call behind two queued async ones waits for all three. */
START_TEST(test_fixed_sync_behind_async)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  char b[3][8];
  ParamBlockRec p[3];
  async_read(&p[0], ref, b[0], 8, 0);
  async_read(&p[1], ref, b[1], 8, 0);
  tf_io(&p[2], ref, b[2], 8, 0);
  ck_assert_int_eq(PBReadSync(&p[2]), noErr);
  ck_assert_uint_eq(sim_world_now(&f.w), 3 * MS);
  ck_assert_int_eq(tf_ncb, 2);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 disp#1:read/async ret:0 "
                               "call#2:read/async enq#2 call#3:read/sync enq#3 "
                               "cpl#1:0 cb#1:0 disp#2:read/async ret:0 "
                               "cpl#2:0 cb#2:0 disp#3:read/sync ret:0 cpl#3:0 sync#3:0");
  tf_teardown_all(&f);
}
END_TEST

/* ---- concurrent: .Concurrent ------------------------------------------------------------ */

#define NCONC 8

START_TEST(test_concurrent_all_dispatched_out_of_order)
{
  tfix f;
  setup(&f);
  sim_hw *hw = uniform_hw(&f, 100 * US, 5 * MS, 7);
  int16_t ref = install_open(&f, "conc", hw);
  DCtlPtr dce = dce_of(ref);
  f.log_flags = 1;
  char b[NCONC][16];
  ParamBlockRec pb[NCONC];
  char want[1024] = "";
  for (int i = 0; i < NCONC; i++) {
    async_read(&pb[i], ref, b[i], sizeof b[i], 0);
    char tok[128];
    snprintf(tok, sizeof tok, "%scall#%d:read/async enq#%d disp#%d:read/async ret:0",
             i ? " " : "", i + 1, i + 1, i + 1);
    strcat(want, tok);
  }
  /* Every request reached the driver at call time, before any completion. */
  ck_assert_str_eq(tf_log(&f), want);
  ck_assert_int_eq(tf_ncb, 0);
  ck_assert_int_eq(tf_queue_len(&dce->dCtlQHdr), NCONC);
  QElemPtr e = dce->dCtlQHdr.qHead;
  for (int i = 0; i < NCONC; i++, e = e->qLink)
    ck_assert_ptr_eq(e, (QElemPtr)&pb[i]);
  ck_assert_int_eq(dce->dCtlFlags & drvrActiveMask, 0);
  ck_assert_uint_eq(dm_machine_inflight(f.m), NCONC);

  tf_run(&f);
  const char *log = tf_log(&f);
  ck_assert_ptr_null(strstr(log, "flags:")); /* drvrActive never changes */
  ck_assert_int_eq(tf_ncb, NCONC);
  int in_order = 1;
  int seen[NCONC] = { 0 };
  for (int k = 0; k < NCONC; k++) {
    int i = (int)(tf_cbs[k].pb - pb);
    ck_assert_int_ge(i, 0);
    ck_assert_int_lt(i, NCONC);
    ck_assert_int_eq(seen[i], 0);
    seen[i] = 1;
    if (i != k)
      in_order = 0;
    ck_assert_int_eq(tf_cbs[k].result, noErr);
    ck_assert_int_eq(tf_cbs[k].on_queue, 0);
    ck_assert_int_eq(tf_cbs[k].qlen, NCONC - 1 - k);
    ck_assert_int_eq(tf_cbs[k].flags & drvrActiveMask, 0);
    if (k > 0)
      ck_assert_uint_ge(tf_cbs[k].t, tf_cbs[k - 1].t);
    ck_assert_uint_ge(tf_cbs[k].t, 100 * US);
    ck_assert_uint_le(tf_cbs[k].t, 5 * MS);
  }
  ck_assert_msg(!in_order, "the device latencies should finish requests out of order");
  ck_assert_ptr_null(dce->dCtlQHdr.qHead);
  ck_assert_ptr_null(dce->dCtlQHdr.qTail);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  tf_teardown_all(&f);
  sim_hw_free(hw);
}
END_TEST

/* While requests finish out of order the rest stay on dCtlQHdr in call
 * order: each completion took exactly its own block out. */
static ParamBlockRec *conc_pbs;
static int conc_order_ok = 1;
static void check_rest_in_order(ParmBlkPtr pb)
{
  tf_record_cb(pb);
  DCtlPtr dce = *GetDCtlEntry(tf_cb_watch);
  int last = -1;
  for (QElemPtr e = dce->dCtlQHdr.qHead; e != NULL; e = e->qLink) {
    int i = (int)((ParamBlockRec *)e - conc_pbs);
    if (i <= last || conc_pbs[i].ioParam.ioResult != ioInProgress)
      conc_order_ok = 0;
    last = i;
  }
}

START_TEST(test_concurrent_dequeue_by_identity)
{
  tfix f;
  setup(&f);
  sim_hw *hw = uniform_hw(&f, 10 * US, 3 * MS, 99);
  int16_t ref = install_open(&f, "conc", hw);
  enum { N = 16 };
  static char b[N][8];
  static ParamBlockRec pb[N];
  conc_pbs = pb;
  conc_order_ok = 1;
  for (int i = 0; i < N; i++) {
    tf_io(&pb[i], ref, b[i], 8, 0);
    pb[i].ioParam.ioCompletion = check_rest_in_order;
    ck_assert_int_eq(PBReadAsync(&pb[i]), noErr);
  }
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, N);
  ck_assert_int_eq(conc_order_ok, 1);
  tf_teardown_all(&f);
  sim_hw_free(hw);
}
END_TEST

/* ---- .OwnQueue (kDriverQueuesIOPB) ----------------------------------------------------------- */

START_TEST(test_ownqueue_no_dce_queue)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "ownq", NULL);
  DCtlPtr dce = dce_of(ref);
  char b[6][8];
  ParamBlockRec pb[6];
  for (int i = 0; i < 6; i++)
    async_read(&pb[i], ref, b[i], 8, 0);
  const char *log = tf_log(&f);
  ck_assert_str_eq(log, "call#1:read/async disp#1:read/async ret:0 "
                        "call#2:read/async disp#2:read/async ret:0 "
                        "call#3:read/async disp#3:read/async ret:0 "
                        "call#4:read/async disp#4:read/async ret:0 "
                        "call#5:read/async disp#5:read/async ret:0 "
                        "call#6:read/async disp#6:read/async ret:0");
  ck_assert_ptr_null(dce->dCtlQHdr.qHead);
  tf_run(&f);
  log = tf_log(&f);
  ck_assert_ptr_null(strstr(log, "enq"));
  ck_assert_int_eq(tf_ncb, 6);
  for (int k = 0; k < 6; k++) {
    ck_assert_ptr_eq(tf_cbs[k].pb, &pb[k]);
    ck_assert_int_eq(tf_cbs[k].result, noErr);
    ck_assert_int_eq(tf_cbs[k].qlen, 0);
    ck_assert_uint_eq(tf_cbs[k].t, k < 4 ? 1 * MS : 2 * MS); /* four channels */
    ck_assert_int_eq(tf_cbs[k].flags & drvrActiveMask, 0);
  }
  ck_assert_ptr_null(dce->dCtlQHdr.qHead);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  tf_teardown_all(&f);
}
END_TEST

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
  uint64_t t0 = sim_world_now(&f->w);
  tf_run(f);
  ck_assert_str_eq(tf_log(f), "");
  ck_assert_int_eq(f->violations, 0);
  ck_assert_uint_eq(dm_machine_inflight(f->m), 0);
  int before = tf_ncb;
  uint64_t t1 = sim_world_now(&f->w);
  char buf[8];
  ParamBlockRec pb;
  async_read(&pb, ref, buf, 8, 0);
  tf_run(f);
  ck_assert_int_eq(tf_ncb, before + 1);
  ck_assert_int_eq(tf_cbs[before].result, noErr);
  if (service)
    ck_assert_uint_eq(tf_cbs[before].t, t1 + service);
  (void)t0;
}

START_TEST(test_killio_fixed)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  DCtlPtr dce = dce_of(ref);
  char b[3][8];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    async_read(&pb[i], ref, b[i], 8, 0);
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
  setup(&f);
  int16_t ref = install_open(&f, "conc", NULL);
  char b[3][8];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    async_read(&pb[i], ref, b[i], 8, 0);
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
  ck_assert_ptr_null(dce_of(ref)->dCtlQHdr.qHead);
  check_after_kill(&f, ref, 1 * MS);
  tf_teardown_all(&f);
}
END_TEST

/* The device cannot be stopped: its interrupts for killed requests arrive
 * later and must complete nothing. */
START_TEST(test_killio_concurrent_with_device)
{
  tfix f;
  setup(&f);
  sim_hw *hw = uniform_hw(&f, 1 * MS, 2 * MS, 3);
  int16_t ref = install_open(&f, "conc", hw);
  char b[3][8];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    async_read(&pb[i], ref, b[i], 8, 0);
  tf_reset_log(&f);
  for (int i = 0; i < 3; i++)
    (void)tf_pbnum(&f, &pb[i]);
  ParamBlockRec kpb;
  ck_assert_int_eq(kill_sync(ref, &kpb), noErr);
  ck_assert_str_eq(tf_log(&f), kill3_log);
  check_after_kill(&f, ref, 0);
  tf_teardown_all(&f);
  sim_hw_free(hw);
}
END_TEST

START_TEST(test_killio_ownqueue)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "ownq", NULL);
  char b[6][8];
  ParamBlockRec pb[6];
  for (int i = 0; i < 6; i++)
    async_read(&pb[i], ref, b[i], 8, 0);
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
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  ParamBlockRec kpb;
  ck_assert_int_eq(kill_sync(ref, &kpb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:killio/sync disp#1:killio/immediate ret:0 cpl#1:0 sync#1:0");
  check_after_kill(&f, ref, 1 * MS);
  tf_teardown_all(&f);
}
END_TEST

/* ---- slots ------------------------------------------------------------------------------------- */

START_TEST(test_slots_grow)
{
  tfix f;
  setup(&f);
  int16_t rf = install_open(&f, "fixed", NULL);
  int16_t rc = tf_install(&f, "conc", -1);
  ck_assert_int_eq(tf_open(&f, rc), noErr);
  enum { NF = 10, NC = 20 };
  static char b[NF + NC][8];
  static ParamBlockRec pb[NF + NC];
  for (int i = 0; i < NF; i++)
    async_read(&pb[i], rf, b[i], 8, 0);
  for (int i = NF; i < NF + NC; i++)
    async_read(&pb[i], rc, b[i], 8, 0);
  ck_assert_uint_eq(dm_machine_inflight(f.m), NF + NC);
  /* Every request got its own ID. */
  for (int i = 0; i < NF + NC; i++)
    for (int j = i + 1; j < NF + NC; j++)
      ck_assert_ptr_ne(pb[i].ioParam.ioCmdAddr, pb[j].ioParam.ioCmdAddr);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, NF + NC);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  /* .Fixed served its ten in order, one per ms; .Concurrent all at 1 ms. */
  int nf = 0;
  for (int k = 0; k < tf_ncb; k++) {
    ck_assert_int_eq(tf_cbs[k].result, noErr);
    int i = (int)(tf_cbs[k].pb - pb);
    if (i < NF) {
      ck_assert_int_eq(i, nf);
      ck_assert_uint_eq(tf_cbs[k].t, (uint64_t)(nf + 1) * MS);
      nf++;
    } else {
      ck_assert_uint_eq(tf_cbs[k].t, 1 * MS);
    }
  }
  ck_assert_int_eq(nf, NF);
  ck_assert_int_eq(f.violations, 0);
  tf_teardown_all(&f);
}
END_TEST

/* A completion routine may send the next request on the same block. */
static int chain_left;
static void chain_cb(ParmBlkPtr pb)
{
  tf_record_cb(pb);
  if (--chain_left > 0)
    ck_assert_int_eq(PBReadAsync(pb), noErr);
}

START_TEST(test_resend_from_completion_routine)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  char buf[8];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, 8, 0);
  pb.ioParam.ioCompletion = chain_cb;
  chain_left = 5;
  ck_assert_int_eq(PBReadAsync(&pb), noErr);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 5);
  for (int k = 0; k < 5; k++) {
    ck_assert_int_eq(tf_cbs[k].result, noErr);
    ck_assert_uint_eq(tf_cbs[k].t, (uint64_t)(k + 1) * MS);
  }
  ck_assert_int_eq(f.violations, 0);
  tf_teardown_all(&f);
}
END_TEST

/* ---- a driver that refuses: KillIO and Close ----------------------------------------- *
 * ".Refuse" is non-concurrent, serves Read in 1 ms, and answers KillIO and
 * Close with the errors set below. */

static OSErr refuse_kill = abortErr, refuse_close = closErr;

static DriverDescription refuse_desc = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\006refuse", { 1, 0, finalStage, 0 } },
  { 0, "\007.Refuse", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

static OSStatus refuse_done(void *p1, void *p2)
{
  (void)p2;
  return IOCommandIsComplete((IOCommandID)p1, noErr);
}

static OSStatus RefuseIO(AddressSpaceID space, IOCommandID id, IOCommandContents c,
                         IOCommandCode code, IOCommandKind kind)
{
  (void)space;
  (void)c;
  switch (code) {
  case kKillIOCommand: return refuse_kill;
  case kCloseCommand: return refuse_close;
  case kControlCommand: /* a positive status means success */
    if (kind & kImmediateIOCommandKind)
      return 3;
    return IOCommandIsComplete(id, 5);
  case kWriteCommand: /* fails at once, inside DoDriverIO */
    if (kind & kImmediateIOCommandKind)
      return ioErr;
    return IOCommandIsComplete(id, ioErr);
  case kReadCommand:
    if (!(kind & kImmediateIOCommandKind)) {
      AbsoluteTime when = AddDurationToAbsolute(durationMillisecond, UpTime());
      return SetInterruptTimer(&when, refuse_done, id, NULL);
    }
    return noErr;
  default:
    if (kind & kImmediateIOCommandKind)
      return noErr;
    return IOCommandIsComplete(id, noErr);
  }
}

static int16_t install_refuse(tfix *f)
{
  dm_driver_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.desc = &refuse_desc;
  spec.entry = RefuseIO;
  spec.unit = -1;
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f->m, &spec, &ref), noErr);
  ck_assert_int_eq(tf_open(f, ref), noErr);
  tf_cb_watch = ref;
  tf_reset_log(f);
  return ref;
}

/* A driver that fails KillIO: the call fails with its error, the queue is
 * left alone and no routine runs (reference 2.4); the requests are served. */
START_TEST(test_killio_refused_by_driver)
{
  tfix f;
  setup(&f);
  int16_t ref = install_refuse(&f);
  char b[2][8];
  ParamBlockRec pb[2];
  async_read(&pb[0], ref, b[0], 8, 0);
  async_read(&pb[1], ref, b[1], 8, 0);
  (void)tf_log(&f);
  ParamBlockRec kpb;
  memset(&kpb, 0, sizeof kpb);
  kpb.cntrlParam.ioCRefNum = ref;
  ck_assert_int_eq(PBKillIOSync(&kpb), abortErr);
  ck_assert_str_eq(tf_log(&f), "call#3:killio/sync disp#3:killio/immediate ret:-27 cpl#3:-27 "
                             "sync#3:-27");
  ck_assert_int_eq(tf_ncb, 0);
  ck_assert_int_eq(tf_queue_len(&dce_of(ref)->dCtlQHdr), 2);
  ck_assert_int_ne(dce_of(ref)->dCtlFlags & drvrActiveMask, 0);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 2);
  ck_assert_int_eq(tf_cbs[0].result, noErr);
  ck_assert_int_eq(tf_cbs[1].result, noErr);
  ck_assert_uint_eq(tf_cbs[1].t, 2 * MS);
  tf_teardown_all(&f);
}
END_TEST

/* Close answered with closErr leaves the driver open; any other error
 * closes it (reference 2.5). */
START_TEST(test_close_refused_by_driver)
{
  tfix f;
  setup(&f);
  int16_t ref = install_refuse(&f);
  ck_assert_int_eq(CloseDriver(ref), closErr);
  ck_assert_str_eq(tf_log(&f), "call#1:close/sync disp#1:close/immediate ret:-24 cpl#1:-24 "
                             "sync#1:-24");
  ck_assert_int_ne(dce_of(ref)->dCtlFlags & dOpenedMask, 0);
  char buf[4];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, 4, 0);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  refuse_close = ioErr;
  ck_assert_int_eq(CloseDriver(ref), ioErr);
  ck_assert_int_eq(dce_of(ref)->dCtlFlags & dOpenedMask, 0);
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
  refuse_close = closErr;
  tf_teardown_all(&f);
}
END_TEST

/* Control and Status go through the queue like Read: on .Fixed they wait
 * for the request in service. The high-level calls are sync PB calls. */
START_TEST(test_control_status_queued)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  char b[8];
  ParamBlockRec rpb, cpb;
  async_read(&rpb, ref, b, 8, 0);
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

/* Positive results are posted as noErr (reference 1.2), from
 * IOCommandIsComplete and from an immediate command's return value. */
START_TEST(test_positive_result_posted_as_noerr)
{
  tfix f;
  setup(&f);
  int16_t ref = install_refuse(&f);
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
  setup(&f);
  int16_t ref = install_refuse(&f);
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

/* KillIO is always immediate and never waits (reference 2.4), and table 8-1
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
  setup(&f);
  int16_t ref = install_open(&f, "fixed", NULL);
  kill_from_cb_ref = ref;
  char b[3][8];
  ParamBlockRec pb[3];
  tf_io(&pb[0], ref, b[0], 8, 0);
  pb[0].ioParam.ioCompletion = kill_in_routine;
  ck_assert_int_eq(PBReadAsync(&pb[0]), noErr);
  async_read(&pb[1], ref, b[1], 8, 0);
  async_read(&pb[2], ref, b[2], 8, 0);
  tf_run(&f);
  ck_assert_msg(f.violations == 0, "violation %s: %s", f.last_rule, f.last_detail);
  ck_assert_int_eq(kill_from_cb_ret, noErr);
  ck_assert_int_eq(tf_ncb, 3);
  ck_assert_int_eq(tf_cbs[1].result, abortErr);
  ck_assert_int_eq(tf_cbs[2].result, abortErr);
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
  tcase_add_loop_test(tc, test_rejections, 0, (int)(sizeof rejects / sizeof rejects[0]));
  tcase_add_test(tc, test_rejection_sync);
  tcase_add_test(tc, test_status_dce_handle);
  tcase_add_test(tc, test_status_dce_handle_ignores_enable);
  tcase_add_test(tc, test_zero_length_read);
  tcase_add_test(tc, test_posmode_moves_position_at_dispatch);
  tcase_add_test(tc, test_ioactcount_zeroed_at_call);
  tcase_add_test(tc, test_close_refused_by_driver);
  tcase_add_test(tc, test_control_status_queued);
  tcase_add_test(tc, test_positive_result_posted_as_noerr);
  tcase_add_test(tc, test_async_completed_in_call_returns_result);
  suite_add_tcase(s, tc);

  TCase *tq = tcase_create("queuing");
  tcase_set_timeout(tq, DM_TEST_TIMEOUT);
  tcase_add_test(tq, test_fixed_fifo_one_at_a_time);
  tcase_add_test(tq, test_fixed_routine_runs_before_next_dispatch);
  tcase_add_test(tq, test_fixed_write_then_read_back);
  tcase_add_test(tq, test_immediate_posmode);
  tcase_add_test(tq, test_immediate_zero_length);
  tcase_add_test(tq, test_fixed_immediate_during_service);
  tcase_add_test(tq, test_fixed_sync_takes_1ms);
  tcase_add_test(tq, test_fixed_sync_behind_async);
  tcase_add_test(tq, test_concurrent_all_dispatched_out_of_order);
  tcase_add_test(tq, test_concurrent_dequeue_by_identity);
  tcase_add_test(tq, test_ownqueue_no_dce_queue);
  tcase_add_test(tq, test_slots_grow);
  tcase_add_test(tq, test_resend_from_completion_routine);
  suite_add_tcase(s, tq);

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
