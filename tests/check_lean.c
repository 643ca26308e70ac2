/*
 * check_lean.c - the lean request path (devmgr/src/call.c, complete.c): a
 * machine with no trace hook, no PB hook and rules unchecked runs a variant
 * of the path without trace points and history. It must behave exactly as a
 * watched machine does: the same completion routines in the same order, at
 * the same simulated times, with the same results, byte counts and
 * dCtlFlags. The same mixed workload (async, sync and immediate calls,
 * refusals, an empty transfer, KillIO) runs on both kinds of machine, once
 * through each built-in queuing discipline, and the two records must match
 * entry for entry; a few absolute facts pin the record down too.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tests.h"
#include "builtins.h"
#include "devmgr.h"
#include "world/world.h"
#include "Devices.h"
#include "DriverServices.h"
#include "DMSim.h"

#define NPB 8

/* What one completion routine, or one call's return, showed. */
typedef struct lean_ev {
  char     what;   /* 'c' completion routine, 'r' a call returned */
  int      pb;     /* index in the workload's PB array */
  OSErr    result; /* ioResult in the routine, or what the call returned */
  long     count;  /* ioActCount */
  uint64_t t;      /* UpTime, ns */
  short    flags;  /* dCtlFlags of the driver */
} lean_ev;

typedef struct lean_rec {
  lean_ev ev[64];
  int     n;
  int     traced; /* trace records seen (0 on the lean machine) */
} lean_rec;

static lean_rec *cur_rec;
static ParamBlockRec pbs[NPB];
static int16_t cur_ref;

static short dce_flags(void)
{
  return (short)(*GetDCtlEntry(cur_ref))->dCtlFlags;
}

static void note(char what, int pb, OSErr result)
{
  ck_assert_int_lt(cur_rec->n, 64);
  lean_ev *e = &cur_rec->ev[cur_rec->n++];
  e->what = what;
  e->pb = pb;
  e->result = result;
  e->count = pb >= 0 ? pbs[pb].ioParam.ioActCount : 0;
  Nanoseconds ns = AbsoluteToNanoseconds(UpTime());
  e->t = ((uint64_t)ns.hi << 32) | ns.lo;
  e->flags = dce_flags();
}

static pascal void on_done(ParmBlkPtr pb)
{
  note('c', (int)(pb - pbs), pb->ioParam.ioResult);
}

static void on_trace(void *ctx, const dm_trace_rec *r)
{
  (void)r;
  ((lean_rec *)ctx)->traced++;
}

static void io(int i, int16_t ref, void *buf, long count)
{
  memset(&pbs[i], 0, sizeof pbs[i]);
  pbs[i].ioParam.ioRefNum = ref;
  pbs[i].ioParam.ioBuffer = buf;
  pbs[i].ioParam.ioReqCount = count;
  pbs[i].ioParam.ioPosMode = fsFromStart;
  pbs[i].ioParam.ioPosOffset = 512 * i;
  pbs[i].ioParam.ioCompletion = on_done;
}

/* The workload, on driver `name`, on a watched or a lean machine. */
static void run(const char *name, bool lean, lean_rec *rec)
{
  memset(rec, 0, sizeof *rec);
  cur_rec = rec;
  sim_world w;
  ck_assert_int_eq(sim_world_init(&w), 0);
  dm_machine_config cfg = { 0 };
  cfg.platform = sim_world_platform(&w);
  cfg.check = lean ? DM_CHECK_OFF : DM_CHECK_STRICT;
  if (!lean) {
    cfg.trace = on_trace;
    cfg.trace_ctx = rec;
  }
  cfg.slots = 2; /* the workload makes the slot table grow */
  dm_machine *m = dm_machine_new(&cfg);
  ck_assert_ptr_nonnull(m);
  dm_machine *prev = dm_machine_enter(m);
  const dm_builtin *b = dm_builtin_find(name);
  ck_assert_ptr_nonnull(b);
  dm_driver_spec spec = { .desc = b->desc, .entry = b->entry, .unit = -1 };
  ck_assert_int_eq(dm_driver_install(m, &spec, &cur_ref), noErr);
  int16_t ref = cur_ref;
  short opened = 0;
  ck_assert_int_eq(OpenDriver((ConstStr255Param)b->desc->driverOSRuntimeInfo.driverName,
                              &opened),
                   noErr);
  ck_assert_int_eq(opened, ref);

  static char data[NPB][512];
  /* Four async reads, an async write, an empty read (finished by the
   * Device Manager), an async Status and an async read on a bad refNum. */
  for (int i = 0; i < 4; i++) {
    io(i, ref, data[i], 512);
    note('r', i, PBReadAsync(&pbs[i]));
  }
  io(4, ref, data[4], 256);
  note('r', 4, PBWriteAsync(&pbs[4]));
  io(5, ref, data[5], 0);
  note('r', 5, PBReadAsync(&pbs[5]));
  memset(&pbs[6], 0, sizeof pbs[6]);
  pbs[6].cntrlParam.ioCRefNum = ref;
  pbs[6].cntrlParam.csCode = 99;
  pbs[6].ioParam.ioCompletion = on_done;
  note('r', 6, PBStatusAsync(&pbs[6]));
  io(7, (int16_t)(ref - 200), data[7], 16);
  note('r', 7, PBReadAsync(&pbs[7]));
  /* Half a millisecond in, KillIO aborts whatever is still queued. */
  sim_world_run(&w, w.now + MS / 2, 1000000);
  ParamBlockRec kill;
  memset(&kill, 0, sizeof kill);
  kill.cntrlParam.ioCRefNum = ref;
  note('r', -1, PBKillIOSync(&kill));
  sim_world_run(&w, UINT64_MAX, 1000000);
  /* Then a sync read through simulated time, and the same read again
   * reusing its finished block. */
  io(0, ref, data[0], 64);
  pbs[0].ioParam.ioCompletion = NULL;
  note('r', 0, PBReadSync(&pbs[0]));
  note('r', 0, PBReadSync(&pbs[0]));
  note('r', -1, CloseDriver(ref));
  note('r', -1, (OSErr)(dm_machine_inflight(m) + dm_machine_violations(m)));

  dm_machine_leave(prev);
  dm_machine_free(m);
  sim_world_free(&w);
}

static void compare(const char *name, bool concurrent)
{
  static lean_rec watched, lean;
  run(name, false, &watched);
  run(name, true, &lean);
  ck_assert_int_gt(watched.traced, 0);
  ck_assert_int_eq(lean.traced, 0);
  ck_assert_int_eq(lean.n, watched.n);
  for (int i = 0; i < watched.n; i++) {
    const lean_ev *a = &watched.ev[i], *b = &lean.ev[i];
    ck_assert_msg(a->what == b->what && a->pb == b->pb && a->result == b->result &&
                      a->count == b->count && a->t == b->t && a->flags == b->flags,
                  "%s, entry %d: watched %c pb%d result %d count %ld t %llu flags %#x; "
                  "lean %c pb%d result %d count %ld t %llu flags %#x",
                  name, i, a->what, a->pb, a->result, a->count, (unsigned long long)a->t,
                  a->flags, b->what, b->pb, b->result, b->count, (unsigned long long)b->t,
                  b->flags);
  }
  /* Absolute facts: the bad refNum is refused at once with no routine; the
   * empty read is finished by the Device Manager when it reaches the driver
   * (at once when the driver is concurrent), with no bytes;
   * nothing is left in flight and no rule was broken. */
  int bad_cb = 0, empty_cb = -1, empty_ret = -1;
  for (int i = 0; i < lean.n; i++) {
    const lean_ev *e = &lean.ev[i];
    if (e->pb == 7 && e->what == 'c')
      bad_cb++;
    if (e->pb == 7 && e->what == 'r')
      ck_assert_int_eq(e->result, badUnitErr);
    if (e->pb == 5 && e->what == 'c') {
      empty_cb = i;
      ck_assert_int_eq(e->count, 0);
      /* .Fixed still had it queued when KillIO came */
      ck_assert_int_eq(e->result, concurrent ? noErr : abortErr);
    }
    if (e->pb == 5 && e->what == 'r')
      empty_ret = i;
  }
  ck_assert_int_eq(bad_cb, 0);
  ck_assert_int_ge(empty_cb, 0);
  if (concurrent)
    ck_assert_int_lt(empty_cb, empty_ret);
  else
    ck_assert_int_gt(empty_cb, empty_ret);
  ck_assert_int_eq(lean.ev[lean.n - 1].result, 0);
}

/* .Null: everything completes inside DoDriverIO. */
START_TEST(test_lean_null)
{
  compare("null", true);
  static lean_rec r;
  run("null", true, &r);
  /* Each async call's routine runs before the call returns. */
  ck_assert_int_eq(r.ev[0].what, 'c');
  ck_assert_int_eq(r.ev[0].pb, 0);
  ck_assert_int_eq(r.ev[0].count, 512);
  ck_assert_int_eq(r.ev[1].what, 'r');
}
END_TEST

/* .Fixed: one at a time, FIFO, drvrActive while one is in service. */
START_TEST(test_lean_fixed)
{
  compare("fixed", false);
  static lean_rec r;
  run("fixed", true, &r);
  /* Read 0 is in service when the calls return (drvrActive set); KillIO
   * aborts the queued ones. */
  int aborted = 0;
  for (int i = 0; i < r.n; i++) {
    if (r.ev[i].what == 'r' && r.ev[i].pb == 1)
      ck_assert_int_ne(r.ev[i].flags & drvrActiveMask, 0);
    if (r.ev[i].what == 'c' && r.ev[i].result == abortErr)
      aborted++;
  }
  ck_assert_int_gt(aborted, 0);
}
END_TEST

/* .Concurrent: all dispatched at once, completed by ID. */
START_TEST(test_lean_concurrent)
{
  compare("conc", true);
}
END_TEST

/* .OwnQueue: kDriverQueuesIOPB, the driver's own queue. */
START_TEST(test_lean_ownqueue)
{
  compare("ownq", true);
}
END_TEST

/* dm_machine_driverio_id names the command whose DoDriverIO is running
 * (what a device operation started there serves, for dm_machine_prefetch),
 * lean or watched, and is 0 outside any DoDriverIO; DMSimHardwareStart
 * hands the same to the platform's hw_start as its `request`. */
static dm_machine *id_m;
static int id_calls, id_wrong;
static uint64_t id_hw_request; /* what id_hw_start was handed last */

static int id_hw_start(const void *device, uint32_t bytes, dm_hw_done_fn done, void *refCon,
                       void *ctx, uint64_t request)
{
  (void)ctx;
  (void)bytes;
  (void)refCon;
  static const RegEntryID none;
  if (done == NULL || memcmp(device, &none, sizeof none) == 0)
    return paramErr; /* (what platform.h asks of every hw_start) */
  id_hw_request = request;
  return 0;
}

static void id_irq(void *refCon, OSStatus status)
{
  (void)refCon;
  (void)status;
}

/* A device (any RegEntryID not all zero) for DMSimHardwareStart: the
 * machine's hw_start is id_hw_start, which starts nothing. */
static const RegEntryID id_device = { { 1, 0, 0, 0 } };

static OSStatus id_entry(AddressSpaceID space, IOCommandID id, IOCommandContents c,
                         IOCommandCode code, IOCommandKind kind)
{
  (void)space;
  (void)c;
  id_calls++;
  if (dm_machine_driverio_id(id_m) != (uint64_t)(uintptr_t)id)
    id_wrong++;
  id_hw_request = UINT64_MAX;
  if (DMSimHardwareStart(&id_device, 8, id_irq, NULL) != noErr ||
      id_hw_request != (uint64_t)(uintptr_t)id)
    id_wrong++;
  if (code == kReadCommand && !(kind & kImmediateIOCommandKind))
    return IOCommandIsComplete(id, noErr);
  return noErr;
}

/* A new machine (id_m, current; *prev the one it replaced) on world w,
 * lean or watched (rules checked), whose hw_start is id_hw_start, with
 * built-in `name`'s description installed with `entry` as its DoDriverIO,
 * and opened; its refNum. */
static int16_t open_on_new_machine(sim_world *w, bool lean, const char *name,
                                   DriverEntryPointPtr entry, dm_machine **prev)
{
  ck_assert_int_eq(sim_world_init(w), 0);
  dm_machine_config cfg = { 0 };
  cfg.platform = sim_world_platform(w);
  cfg.platform.hw_start = id_hw_start;
  cfg.check = lean ? DM_CHECK_OFF : DM_CHECK_STRICT;
  id_m = dm_machine_new(&cfg);
  ck_assert_ptr_nonnull(id_m);
  *prev = dm_machine_enter(id_m);
  const dm_builtin *b = dm_builtin_find(name);
  ck_assert_ptr_nonnull(b);
  dm_driver_spec spec = { .desc = b->desc, .entry = entry, .unit = -1 };
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(id_m, &spec, &ref), noErr);
  short opened = 0;
  ck_assert_int_eq(OpenDriver((ConstStr255Param)b->desc->driverOSRuntimeInfo.driverName,
                              &opened),
                   noErr);
  return ref;
}

static void driverio_id_case(bool lean)
{
  sim_world w;
  id_calls = id_wrong = 0;
  dm_machine *prev;
  int16_t ref = open_on_new_machine(&w, lean, "null", id_entry, &prev);
  ck_assert_uint_eq(dm_machine_driverio_id(id_m), 0);
  char buf[8];
  ParamBlockRec pb;
  for (int i = 0; i < 3; i++) {
    memset(&pb, 0, sizeof pb);
    pb.ioParam.ioRefNum = ref;
    pb.ioParam.ioBuffer = buf;
    pb.ioParam.ioReqCount = sizeof buf;
    ck_assert_int_eq(PBReadAsync(&pb), noErr);
    sim_world_run(&w, UINT64_MAX, 0);
    ck_assert_int_eq(pb.ioParam.ioResult, noErr);
    ck_assert_uint_eq(dm_machine_driverio_id(id_m), 0);
  }
  ck_assert_int_ge(id_calls, 5); /* initialize, open, then the three reads */
  ck_assert_int_eq(id_wrong, 0);
  /* Outside any DoDriverIO: request 0. */
  ck_assert_int_eq(DMSimHardwareStart(&id_device, 8, id_irq, NULL), noErr);
  ck_assert_uint_eq(id_hw_request, 0);
  dm_machine_leave(prev);
  dm_machine_free(id_m);
  sim_world_free(&w);
}

START_TEST(test_driverio_id_lean)    { driverio_id_case(true); } END_TEST
START_TEST(test_driverio_id_watched) { driverio_id_case(false); } END_TEST

/* A serialized driver that breaks, while completing, one of the two rules a
 * lean machine does not check: it writes ioResult itself before
 * IOCommandIsComplete, or it completes at hardware-interrupt level. Lean or
 * watched, every request completes alike (result posted, routine run in
 * order, the next request started, drvrActive clear at the end); only the
 * watched machine, whose rules are checked, reports the rule, once per
 * request. The same for a driver that completes each request twice: the
 * second IOCommandIsComplete is refused with paramErr on both machines,
 * and the first result stands. */
static int rb_hwi; /* 0: writes ioResult; 1: completes at hardware-interrupt level; 2: twice */
static OSErr rb_second[4];
static IOCommandID rb_id;
static int rb_order[4], rb_n;
static OSErr rb_result[4];

static void rb_complete_hwi(void *arg)
{
  (void)arg;
  (void)IOCommandIsComplete(rb_id, ioErr);
}

static OSStatus rb_entry(AddressSpaceID space, IOCommandID id, IOCommandContents c,
                         IOCommandCode code, IOCommandKind kind)
{
  (void)space;
  if (code != kReadCommand || (kind & kImmediateIOCommandKind))
    return noErr;
  c.pb->ioParam.ioActCount = c.pb->ioParam.ioReqCount;
  if (!rb_hwi) {
    c.pb->ioParam.ioResult = noErr; /* the driver's to leave alone */
    return IOCommandIsComplete(id, ioErr);
  }
  if (rb_hwi == 2) {
    int k = rb_n; /* (the first completion runs the routine, which counts it) */
    OSErr first = IOCommandIsComplete(id, ioErr);
    if (k < 4)
      rb_second[k] = IOCommandIsComplete(id, noErr);
    return first;
  }
  rb_id = id;
  dm_machine_run_at(id_m, DM_LVL_HWI, rb_complete_hwi, NULL);
  return noErr;
}

static pascal void rb_done(ParmBlkPtr pb)
{
  ck_assert_int_lt(rb_n, 4);
  rb_order[rb_n] = (int)(pb - pbs);
  rb_result[rb_n++] = pb->ioParam.ioResult;
}

static void rule_broken_case(bool lean, int hwi)
{
  sim_world w;
  rb_hwi = hwi;
  rb_n = 0;
  memset(rb_second, 0, sizeof rb_second);
  dm_machine *prev;
  int16_t ref = open_on_new_machine(&w, lean, "fixed", rb_entry, &prev);
  static char buf[3][8];
  for (int i = 0; i < 3; i++) {
    io(i, ref, buf[i], sizeof buf[i]);
    pbs[i].ioParam.ioCompletion = rb_done;
    (void)PBReadAsync(&pbs[i]);
  }
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(rb_n, 3);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(rb_order[i], i);
    ck_assert_int_eq(rb_result[i], ioErr);
    ck_assert_int_eq(pbs[i].ioParam.ioResult, ioErr);
    ck_assert_int_eq(pbs[i].ioParam.ioActCount, sizeof buf[i]);
    if (hwi == 2)
      ck_assert_int_eq(rb_second[i], paramErr);
  }
  ck_assert_int_eq((*GetDCtlEntry(ref))->dCtlFlags & drvrActiveMask, 0);
  ck_assert_uint_eq(dm_machine_inflight(id_m), 0);
  dm_rule rule = hwi == 2 ? DM_RULE_COMPLETE_TWICE
               : hwi   ? DM_RULE_COMPLETE_AT_HW_INTERRUPT
                       : DM_RULE_DRIVER_WROTE_IORESULT;
  ck_assert_uint_eq(dm_machine_rule_count(id_m, rule), lean ? 0 : 3);
  dm_machine_leave(prev);
  dm_machine_free(id_m);
  sim_world_free(&w);
}

START_TEST(test_wrote_ioresult_lean)    { rule_broken_case(true, 0); } END_TEST
START_TEST(test_wrote_ioresult_watched) { rule_broken_case(false, 0); } END_TEST
START_TEST(test_complete_at_hwi_lean)    { rule_broken_case(true, 1); } END_TEST
START_TEST(test_complete_at_hwi_watched) { rule_broken_case(false, 1); } END_TEST
START_TEST(test_complete_twice_lean)    { rule_broken_case(true, 2); } END_TEST
START_TEST(test_complete_twice_watched) { rule_broken_case(false, 2); } END_TEST

Suite *lean_suite(void)
{
  Suite *s = suite_create("lean");
  TCase *tc = tcase_create("path");
  tcase_add_test(tc, test_lean_null);
  tcase_add_test(tc, test_lean_fixed);
  tcase_add_test(tc, test_lean_concurrent);
  tcase_add_test(tc, test_lean_ownqueue);
  tcase_add_test(tc, test_driverio_id_lean);
  tcase_add_test(tc, test_driverio_id_watched);
  tcase_add_test(tc, test_wrote_ioresult_lean);
  tcase_add_test(tc, test_complete_twice_lean);
  tcase_add_test(tc, test_complete_twice_watched);
  tcase_add_test(tc, test_wrote_ioresult_watched);
  tcase_add_test(tc, test_complete_at_hwi_lean);
  tcase_add_test(tc, test_complete_at_hwi_watched);
  suite_add_tcase(s, tc);
  return s;
}
