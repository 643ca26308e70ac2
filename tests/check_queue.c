/*
 * check_queue.c - the three queuing disciplines, seen from a client:
 * non-concurrent .Fixed (one at a time, FIFO, drvrActive, the completion
 * routine before the next dispatch, Immed calls beside the queue, sync calls
 * through simulated time), concurrent .Concurrent (all dispatched at call
 * time, on dCtlQHdr, completed out of order and dequeued by identity, never
 * drvrActive) and .OwnQueue (kDriverQueuesIOPB: nothing on dCtlQHdr); command
 * slot growth past the fixture's 4, a block sent again from its own
 * completion routine, and a completion routine reading from .Fixed on
 * another machine at the same refNum.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"

/* ---- non-concurrent: .Fixed ---------------------------------------------------------- */

START_TEST(test_fixed_fifo_one_at_a_time)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  DCtlPtr dce = tf_dce(ref);
  f.log_flags = 1;
  char b[3][16];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    tf_async_read(&pb[i], ref, b[i], sizeof b[i], 16 * i);
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
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  char b1[8], b2[8];
  ParamBlockRec p1, p2;
  tf_io(&p1, ref, b1, 8, 0);
  p1.ioParam.ioCompletion = check_second_cb;
  second_pb = &p2;
  ck_assert_int_eq(PBReadAsync(&p1), noErr);
  tf_async_read(&p2, ref, b2, 8, 0);
  tf_run(&f);
  ck_assert_int_eq(second_seen_waiting, 1);
  ck_assert_int_eq(tf_ncb, 2);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_fixed_write_then_read_back)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
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
  ck_assert_int_eq(tf_dce(ref)->dCtlPosition, 4300);
  /* Immediate reads bypass the queue and the service time; at the mark
   * they continue where the last transfer ended. */
  tf_io(&pb, ref, out, 20, 0);
  pb.ioParam.ioPosMode = fsAtMark;
  ck_assert_int_eq(PBWriteImmed(&pb), noErr);
  ck_assert_int_eq(tf_dce(ref)->dCtlPosition, 4320);
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
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  unsigned char out[200], in[100];
  for (int i = 0; i < 200; i++)
    out[i] = (unsigned char)(i + 1);
  ParamBlockRec pb;
  tf_io(&pb, ref, out, sizeof out, 1000);
  ck_assert_int_eq(PBWriteSync(&pb), noErr);
  ck_assert_int_eq(tf_dce(ref)->dCtlPosition, 1200);
  /* fsFromStart 1100: the mark moves before the driver runs. */
  memset(in, 0, sizeof in);
  tf_io(&pb, ref, in, sizeof in, 1100);
  ck_assert_int_eq(PBReadImmed(&pb), noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 100);
  ck_assert_mem_eq(in, out + 100, 100);
  ck_assert_int_eq(tf_dce(ref)->dCtlPosition, 1200);
  tf_teardown_all(&f);
}
END_TEST

/*
 * Regression test (a driver bug this test found, now fixed): an immediate request may run
 * while another is in service (docs/rules.md, "The path of a request", step 6), and the Device Manager
 * sets dCtlPosition when it hands a request over. drivers/fixed.c reads
 * dCtlPosition only when the service ends (Finish -> Transfer), so an
 * immediate transfer in between moves the in-service request's data: the
 * async read below returns bytes from 120 instead of 100.
 */
START_TEST(test_fixed_immediate_during_service)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  unsigned char img[200];
  for (int i = 0; i < 200; i++)
    img[i] = (unsigned char)i;
  ParamBlockRec pb;
  tf_io(&pb, ref, img, sizeof img, 0);
  ck_assert_int_eq(PBWriteSync(&pb), noErr);
  unsigned char a[10], b[20];
  ParamBlockRec pa, pi;
  tf_async_read(&pa, ref, a, sizeof a, 100); /* in service, mark at 100 */
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
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "null", NULL);
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
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  char buf[16];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, sizeof buf, 0);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:read/sync enq#1 disp#1:read/sync ret:0 cpl#1:0 sync#1:0");
  ck_assert_int_eq(pb.ioParam.ioResult, noErr);
  ck_assert_uint_eq(sim_world_now(&f.w), 1 * MS);
  ck_assert_uint_eq(tf_abs_ns(UpTime()), 1 * MS);
  ck_assert_int_eq(tf_dce(ref)->dCtlFlags & drvrActiveMask, 0);
  tf_teardown_all(&f);
}
END_TEST

/* A sync call behind two queued async ones waits for all three. */
START_TEST(test_fixed_sync_behind_async)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  char b[3][8];
  ParamBlockRec p[3];
  tf_async_read(&p[0], ref, b[0], 8, 0);
  tf_async_read(&p[1], ref, b[1], 8, 0);
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
  tf_setup(&f, DM_CHECK_STRICT);
  sim_hw *hw = tf_uniform_hw(&f, 100 * US, 5 * MS, 7);
  int16_t ref = tf_install_open(&f, "conc", hw);
  DCtlPtr dce = tf_dce(ref);
  f.log_flags = 1;
  char b[NCONC][16];
  ParamBlockRec pb[NCONC];
  char want[1024] = "";
  for (int i = 0; i < NCONC; i++) {
    tf_async_read(&pb[i], ref, b[i], sizeof b[i], 0);
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
  tf_setup(&f, DM_CHECK_STRICT);
  sim_hw *hw = tf_uniform_hw(&f, 10 * US, 3 * MS, 99);
  int16_t ref = tf_install_open(&f, "conc", hw);
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

/* The back-links that make the unlink O(1) are hints: when a client moves
 * blocks on dCtlQHdr with Enqueue and Dequeue, or puts an element there that
 * is not a request, each completion still takes out exactly its own block. */
static int moved_ok = 1;
static void check_own_block_gone(ParmBlkPtr pb)
{
  tf_record_cb(pb);
  DCtlPtr dce = *GetDCtlEntry(tf_cb_watch);
  for (QElemPtr e = dce->dCtlQHdr.qHead; e != NULL; e = e->qLink) {
    if (e == (QElemPtr)pb)
      moved_ok = 0; /* the completed block is still linked */
    if (e->qLink == NULL && e != dce->dCtlQHdr.qTail)
      moved_ok = 0; /* the tail does not end the list */
  }
}

START_TEST(test_concurrent_unlink_after_queue_moved)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  sim_hw *hw = tf_uniform_hw(&f, 10 * US, 3 * MS, 5);
  int16_t ref = tf_install_open(&f, "conc", hw);
  DCtlPtr dce = tf_dce(ref);
  tf_cb_watch = ref;
  enum { N = 8 };
  static char b[N][8];
  static ParamBlockRec pb[N], foreign;
  moved_ok = 1;
  for (int i = 0; i < N; i++) {
    tf_io(&pb[i], ref, b[i], 8, 0);
    pb[i].ioParam.ioCompletion = check_own_block_gone;
    ck_assert_int_eq(PBReadAsync(&pb[i]), noErr);
  }
  /* 0 1 2 4 5 6 7 foreign 3: block 4's hint names 3, block 3's names 2. */
  memset(&foreign, 0, sizeof foreign);
  ck_assert_int_eq(Dequeue((QElemPtr)&pb[3], &dce->dCtlQHdr), noErr);
  Enqueue((QElemPtr)&foreign, &dce->dCtlQHdr);
  Enqueue((QElemPtr)&pb[3], &dce->dCtlQHdr);
  ck_assert_int_eq(tf_queue_len(&dce->dCtlQHdr), N + 1);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, N);
  ck_assert_int_eq(moved_ok, 1);
  for (int k = 0; k < N; k++)
    ck_assert_int_eq(tf_cbs[k].result, noErr);
  /* Only the foreign element is left, and the queue ends with it. */
  ck_assert_ptr_eq(dce->dCtlQHdr.qHead, (QElemPtr)&foreign);
  ck_assert_ptr_eq(dce->dCtlQHdr.qTail, (QElemPtr)&foreign);
  ck_assert_ptr_null(foreign.ioParam.qLink);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  ck_assert_int_eq(Dequeue((QElemPtr)&foreign, &dce->dCtlQHdr), noErr);
  tf_cb_watch = 0;
  tf_teardown_all(&f);
  sim_hw_free(hw);
}
END_TEST

/* An element foreign to a serialized driver's dCtlQHdr (here a client's
 * Enqueue) would hold the requests behind it forever: when it reaches the
 * head it is reported (driver-wrote-dce) and taken off, and the next
 * request is dispatched; KillIO does the same with one it meets (_i odd).
 * Foreign is an element that is not a request (_i 0, 1), or a request in
 * service on another unit, .Concurrent's (_i 2, 3), which is neither held
 * here nor aborted by this unit's KillIO: it completes on its own unit. */
START_TEST(test_serial_foreign_element)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  bool killio = _i & 1, other = _i & 2;
  sim_hw *hw = other ? tf_uniform_hw(&f, 10 * MS, 10 * MS, 1) : NULL;
  int16_t ref = tf_install_open(&f, "fixed", NULL);
  DCtlPtr dce = tf_dce(ref);
  enum { N = 3 };
  static char b[N + 1][8];
  static ParamBlockRec pb[N], foreign;
  memset(&foreign, 0, sizeof foreign);
  if (other) { /* block #1: in service on .Concurrent, taken off its queue */
    int16_t cref = tf_install_open(&f, "conc", hw);
    tf_async_read(&foreign, cref, b[N], 8, 0);
    ck_assert_int_eq(Dequeue((QElemPtr)&foreign, &tf_dce(cref)->dCtlQHdr), noErr);
  }
  for (int i = 0; i < N; i++)
    tf_async_read(&pb[i], ref, b[i], 8, 0);
  /* 0 1 foreign 2 */
  ck_assert_int_eq(Dequeue((QElemPtr)&pb[2], &dce->dCtlQHdr), noErr);
  Enqueue((QElemPtr)&foreign, &dce->dCtlQHdr);
  Enqueue((QElemPtr)&pb[2], &dce->dCtlQHdr);
  (void)tf_log(&f);
  int k = other ? 1 : 0; /* the first .Fixed block's number, less one */
  char want[400];
  if (!killio) {
    tf_run(&f);
    snprintf(want, sizeof want,
             "cpl#%d:0 cb#%d:0 disp#%d:read/async ret:0 cpl#%d:0 cb#%d:0 "
             "viol:driver-wrote-dce disp#%d:read/async ret:0 cpl#%d:0 cb#%d:0",
             k + 1, k + 1, k + 2, k + 2, k + 2, k + 3, k + 3, k + 3);
    ck_assert_msg(strstr(tf_log(&f), want) != NULL, "log lacks %s", want);
    ck_assert_str_eq(f.last_detail, ".Fixed's dCtlQHdr holds an element that is not one of its "
                                    "requests where the next request was to be dispatched; only "
                                    "the Device Manager puts requests on it, and the element is "
                                    "taken off the queue");
  } else {
    ck_assert_int_eq(KillIO(ref), noErr);
    snprintf(want, sizeof want,
             "call#%d:killio/sync disp#%d:killio/immediate ret:0 cpl#%d:-27 cb#%d:-27 cpl#%d:-27 "
             "cb#%d:-27 viol:driver-wrote-dce cpl#%d:-27 cb#%d:-27 cpl#%d:0 sync#%d:0",
             k + 4, k + 4, k + 1, k + 1, k + 2, k + 2, k + 3, k + 3, k + 4, k + 4);
    ck_assert_str_eq(tf_log(&f), want);
    ck_assert_msg(strstr(f.last_detail, "not one of its requests at KillIO") != NULL, "%s",
                  f.last_detail);
    tf_run(&f);
  }
  ck_assert_int_eq(f.violations, 1);
  ck_assert_int_eq(tf_ncb, N + other);
  if (other) { /* .Concurrent's request, untouched by .Fixed's KillIO */
    ck_assert_int_eq(foreign.ioParam.ioResult, noErr);
    ck_assert_int_eq(foreign.ioParam.ioActCount, 8);
  }
  ck_assert_ptr_null(dce->dCtlQHdr.qHead);
  ck_assert_ptr_null(dce->dCtlQHdr.qTail);
  ck_assert_ptr_null(foreign.ioParam.qLink);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  tf_teardown_all(&f);
  sim_hw_free(hw);
}
END_TEST

/* ---- .OwnQueue (kDriverQueuesIOPB) ----------------------------------------------------------- */

START_TEST(test_ownqueue_no_dce_queue)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "ownq", NULL);
  DCtlPtr dce = tf_dce(ref);
  char b[6][8];
  ParamBlockRec pb[6];
  for (int i = 0; i < 6; i++)
    tf_async_read(&pb[i], ref, b[i], 8, 0);
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

/* ---- slots ------------------------------------------------------------------------------------- */

START_TEST(test_slots_grow)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t rf = tf_install_open(&f, "fixed", NULL);
  int16_t rc = tf_install(&f, "conc", -1);
  ck_assert_int_eq(tf_open(&f, rc), noErr);
  enum { NF = 10, NC = 20 };
  static char b[NF + NC][8];
  static ParamBlockRec pb[NF + NC];
  for (int i = 0; i < NF; i++)
    tf_async_read(&pb[i], rf, b[i], 8, 0);
  for (int i = NF; i < NF + NC; i++)
    tf_async_read(&pb[i], rc, b[i], 8, 0);
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
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&f, "fixed", NULL);
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

/* .Fixed takes the instance of a request it starts from inside its own
 * completion (the instance completing) only when the request heads that
 * instance's dCtlQHdr. Two machines have .Fixed at the same refNum, each
 * storing other bytes, a distinct one at each offset; a completion routine
 * on machine A sends a read at offset 2 to machine B's .Fixed while A's
 * next read (at 4) waits: each read gets its own machine's bytes from its
 * own offset, and each unit's mark moves alone. */
static tfix *other;
static int16_t other_ref;
static ParamBlockRec other_pb;
static char other_buf[4];

static pascal void read_on_other_cb(ParmBlkPtr pb)
{
  (void)pb;
  dm_machine *prev = dm_machine_enter(other->m);
  tf_io(&other_pb, other_ref, other_buf, sizeof other_buf, 2);
  ck_assert_int_eq(PBReadAsync(&other_pb), noErr);
  dm_machine_leave(prev);
}

START_TEST(test_fixed_routine_reads_other_machine)
{
  tfix a, b;
  tf_setup(&a, DM_CHECK_STRICT);
  int16_t ref = tf_install_open(&a, "fixed", NULL);
  ParamBlockRec pb;
  tf_io(&pb, ref, "ABCDEFGH", 8, 0);
  ck_assert_int_eq(PBWriteSync(&pb), noErr);
  tf_setup(&b, DM_CHECK_STRICT); /* b's machine is current now */
  other = &b;
  other_ref = tf_install_open(&b, "fixed", NULL);
  ck_assert_int_eq(other_ref, ref);
  tf_io(&pb, ref, "abcdefgh", 8, 0);
  ck_assert_int_eq(PBWriteSync(&pb), noErr);
  dm_machine *prev = dm_machine_enter(a.m);
  char b1[4], b2[4];
  ParamBlockRec p1, p2;
  tf_io(&p1, ref, b1, sizeof b1, 0);
  p1.ioParam.ioCompletion = read_on_other_cb;
  ck_assert_int_eq(PBReadAsync(&p1), noErr);
  tf_io(&p2, ref, b2, sizeof b2, 4);
  ck_assert_int_eq(PBReadAsync(&p2), noErr);
  tf_run(&a);
  tf_run(&b);
  ck_assert_int_eq(p1.ioParam.ioResult, noErr);
  ck_assert_int_eq(p2.ioParam.ioResult, noErr);
  ck_assert_int_eq(other_pb.ioParam.ioResult, noErr);
  ck_assert_mem_eq(b1, "ABCD", 4);
  ck_assert_mem_eq(b2, "EFGH", 4);
  ck_assert_mem_eq(other_buf, "cdef", 4);
  ck_assert_int_eq(tf_dce(ref)->dCtlPosition, 8);
  dm_machine_leave(prev);
  ck_assert_int_eq(tf_dce(ref)->dCtlPosition, 6);
  ck_assert_int_eq(a.violations + b.violations, 0);
  tf_teardown_all(&b);
  tf_teardown_all(&a);
}
END_TEST

Suite *queue_suite(void)
{
  Suite *s = suite_create("queue");

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
  tcase_add_test(tq, test_concurrent_unlink_after_queue_moved);
  tcase_add_loop_test(tq, test_serial_foreign_element, 0, 4);
  tcase_add_test(tq, test_ownqueue_no_dce_queue);
  tcase_add_test(tq, test_slots_grow);
  tcase_add_test(tq, test_resend_from_completion_routine);
  tcase_add_test(tq, test_fixed_routine_reads_other_machine);
  suite_add_tcase(s, tq);
  return s;
}
