/*
 * check_guard.c - what the Device Manager does for the guard against
 * hostile drivers: it knows which driver code runs (dm_machine_where, in
 * DoDriverIO, in a handler or timer the driver queued, nowhere), it refuses
 * a completion from a driver that does not own the command
 * (complete-not-owner) without blaming the owner, it catches a driver that
 * writes drvrActive or dCtlQHdr (driver-wrote-dce) and puts them back, and
 * each handler and timer takes a step from the embedder's budget, the one
 * too many calling the sih_step hook. The misbehaving
 * driver is the built-in .Hostile (drivers/hostile.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "builtins.h"
#include "DriverServices.h"


static OSErr control(int16_t ref, short cs, CntrlParam *p)
{
  memset(p, 0, sizeof *p);
  p->ioCRefNum = ref;
  p->csCode = cs;
  return PBControlSync((ParmBlkPtr)p);
}

START_TEST(test_complete_not_owner_refused_owner_not_blamed)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t h = tf_install(&f, "hostile", -1);
  int16_t c = tf_install(&f, "conc", -1);
  ck_assert_int_eq(tf_open(&f, h), noErr);
  ck_assert_int_eq(tf_open(&f, c), noErr);
  char buf[512];
  ParamBlockRec rd;
  tf_io(&rd, c, buf, sizeof buf, 0);
  rd.ioParam.ioCompletion = tf_record_cb;
  tf_ncb = 0;
  ck_assert_int_eq(PBReadAsync(&rd), noErr);
  CntrlParam p;
  ck_assert_int_eq(control(h, 109, &p), noErr);
  /* Reported at once, against the caller; the read is still in flight. */
  ck_assert_int_eq(f.violations, 1);
  ck_assert_str_eq(f.last_rule, "complete-not-owner");
  ck_assert_ptr_nonnull(strstr(f.last_detail, ".Hostile (refNum -49) called IOCommandIsComplete "
                                              "for a command of refNum -50"));
  ck_assert_ptr_nonnull(strstr(f.last_detail, "read async refNum -50"));
  ck_assert_int_eq(tf_ncb, 0);
  ck_assert_int_eq(rd.ioParam.ioResult, 1);
  /* The owner completes it later, once, and is not blamed. */
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_int_eq(tf_cbs[0].result, noErr);
  ck_assert_int_eq(f.violations, 1);
  ck_assert_uint_eq(dm_machine_rule_count(f.m, DM_RULE_COMPLETE_NOT_OWNER), 1);
  tf_teardown(&f);
}
END_TEST

START_TEST(test_driver_sets_drvractive)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t h = tf_install(&f, "hostile", -1);
  ck_assert_int_eq(tf_open(&f, h), noErr);
  CntrlParam p;
  ck_assert_int_eq(control(h, 111, &p), noErr);
  ck_assert_int_eq(f.violations, 1);
  ck_assert_str_eq(f.last_rule, "driver-wrote-dce");
  ck_assert_ptr_nonnull(strstr(f.last_detail, ".Hostile set drvrActive"));
  /* Put back: a concurrent driver never has drvrActive. */
  ck_assert_int_eq(dm_driver_dce(f.m, h)->dCtlFlags & drvrActiveMask, 0);
  /* Requests go on as before. */
  ck_assert_int_eq(control(h, 1, &p), noErr);
  ck_assert_int_eq(f.violations, 1);
  tf_teardown(&f);
}
END_TEST

START_TEST(test_driver_clears_qhead)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t h = tf_install(&f, "hostile", -1);
  ck_assert_int_eq(tf_open(&f, h), noErr);
  /* A request .Hostile leaves on dCtlQHdr, then one that clears qHead. */
  CntrlParam keep;
  memset(&keep, 0, sizeof keep);
  keep.ioCRefNum = h;
  keep.csCode = 112;
  ck_assert_int_eq(PBControlAsync((ParmBlkPtr)&keep), noErr);
  CntrlParam p;
  ck_assert_int_eq(control(h, 110, &p), noErr);
  ck_assert_int_eq(f.violations, 1);
  ck_assert_str_eq(f.last_rule, "driver-wrote-dce");
  ck_assert_ptr_nonnull(strstr(f.last_detail, ".Hostile wrote dCtlQHdr (qHead NULL, qTail set)"));
  /* Rebuilt: the kept request is on the queue again, alone. */
  DCtlPtr dce = dm_driver_dce(f.m, h);
  ck_assert_ptr_eq(dce->dCtlQHdr.qHead, (QElemPtr)&keep);
  ck_assert_ptr_eq(dce->dCtlQHdr.qTail, (QElemPtr)&keep);
  ck_assert_ptr_null(keep.qLink);
  tf_teardown(&f);
}
END_TEST

/* A concurrent driver that leaves its Control requests in flight and, for
 * csCode 2 and 3, breaks dCtlQHdr in the ways .Hostile does not: 2 clears
 * qTail (qHead still set), 3 links the tail to an element after it. */
static DriverDescription breakq_desc = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\006breakq", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent, "\007.BreakQ", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

static QElem breakq_stray;

static OSStatus BreakQIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                         IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  (void)spaceID;
  if ((cmdKind & kImmediateIOCommandKind) || cmdCode != kControlCommand)
    return noErr;
  (void)cmdID;
  short cs = contents.pb->cntrlParam.csCode;
  DCtlHandle h = GetDCtlEntry(contents.pb->cntrlParam.ioCRefNum);
  if (cs == 2)
    (*h)->dCtlQHdr.qTail = NULL;
  else if (cs == 3)
    (*h)->dCtlQHdr.qTail->qLink = &breakq_stray;
  return noErr;
}

/* dCtlQHdr with its head set and its tail cleared, or its tail linked on:
 * caught when DoDriverIO returns and rebuilt, as qHead cleared is. */
START_TEST(test_driver_breaks_qtail)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t q = tf_install_open_native(&f, &breakq_desc, BreakQIO);
  CntrlParam keep;
  memset(&keep, 0, sizeof keep);
  keep.ioCRefNum = q;
  keep.csCode = 1;
  ck_assert_int_eq(PBControlAsync((ParmBlkPtr)&keep), noErr);
  CntrlParam brk;
  memset(&brk, 0, sizeof brk);
  brk.ioCRefNum = q;
  brk.csCode = (short)(2 + _i);
  ck_assert_int_eq(PBControlAsync((ParmBlkPtr)&brk), noErr);
  ck_assert_int_eq(f.violations, 1);
  ck_assert_str_eq(f.last_rule, "driver-wrote-dce");
  ck_assert_ptr_nonnull(strstr(f.last_detail, _i == 0 ? "(qHead set, qTail NULL)"
                                                       : "(qHead set, qTail set)"));
  /* Rebuilt from the Device Manager's records: both requests, in order. */
  DCtlPtr dce = dm_driver_dce(f.m, q);
  ck_assert_ptr_eq(dce->dCtlQHdr.qHead, (QElemPtr)&keep);
  ck_assert_ptr_eq(keep.qLink, (QElemPtr)&brk);
  ck_assert_ptr_eq(dce->dCtlQHdr.qTail, (QElemPtr)&brk);
  ck_assert_ptr_null(brk.qLink);
  tf_teardown(&f);
}
END_TEST

/* ---- dm_machine_where from inside driver code ------------------------------ */

static dm_where seen[4];
static int      nseen;

static OSStatus where_sih(void *p1, void *p2)
{
  (void)p1;
  (void)p2;
  dm_machine_where(dm_machine_current(), &seen[nseen++]);
  return noErr;
}

static DriverDescription where_desc = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\005where", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent, "\006.Where", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

static OSStatus where_io(AddressSpaceID space, IOCommandID id, IOCommandContents c,
                         IOCommandCode code, IOCommandKind kind)
{
  (void)space;
  (void)c;
  if (kind & kImmediateIOCommandKind)
    return noErr;
  if (code == kControlCommand) {
    int r = dm_machine_where(dm_machine_current(), &seen[nseen++]);
    ck_assert_int_eq(r, 1);
    AbsoluteTime later = AddDurationToAbsolute(1, UpTime());
    TimerID t;
    SetInterruptTimer(&later, where_sih, NULL, &t);
    QueueSecondaryInterruptHandler(where_sih, NULL, NULL, NULL);
  }
  return IOCommandIsComplete(id, noErr);
}

START_TEST(test_where)
{
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  dm_driver_spec spec = { .desc = &where_desc, .entry = where_io, .unit = -1 };
  int16_t ref;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), noErr);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  dm_where w;
  ck_assert_int_eq(dm_machine_where(f.m, &w), 0); /* client code */
  ck_assert_int_eq(w.entry, DM_ENTRY_NONE);
  nseen = 0;
  CntrlParam p;
  ck_assert_int_eq(control(ref, 7, &p), noErr);
  tf_run(&f);
  ck_assert_int_eq(nseen, 3);
  ck_assert_int_eq(seen[0].entry, DM_ENTRY_DRIVERIO);
  ck_assert_int_eq(seen[0].ref, ref);
  ck_assert_str_eq(seen[0].driver, ".Where");
  ck_assert_int_eq(seen[0].level, DM_LVL_TASK);
  ck_assert_ptr_eq(seen[0].pb, &p);
  ck_assert_msg(strncmp(seen[0].command, "control sync refNum -49", 23) == 0, "%s",
                seen[0].command);
  ck_assert_ptr_nonnull(strstr(seen[0].command, "dispatched at 0.000000 ms"));
  /* The handler it queued runs at once (from task level), the timer 1 ms
   * later: both are the driver's, with no command. */
  ck_assert_int_eq(seen[1].entry, DM_ENTRY_SIH);
  ck_assert_int_eq(seen[1].ref, ref);
  ck_assert_int_eq(seen[1].level, DM_LVL_SIH);
  ck_assert_str_eq(seen[1].command, "");
  ck_assert_int_eq(seen[2].entry, DM_ENTRY_TIMER);
  ck_assert_int_eq(seen[2].ref, ref);
  ck_assert_uint_eq(seen[2].t, 1 * MS);
  ck_assert_int_eq(dm_machine_where(f.m, &w), 0);
  tf_teardown(&f);
}
END_TEST

/* ---- the budget of steps and the sih_step hook -------------------------------- */

static int nsteps;
static uint64_t *budget_seen;
static void count_step(void *ctx)
{
  budget_seen = ctx;
  nsteps++;
}

/* A checked machine on w spending the budget *steps, hook called with
 * steps at the step one too many. */
static dm_machine *machine_with_budget(sim_world *w, uint64_t *steps, dm_step_fn hook)
{
  ck_assert_int_eq(sim_world_init(w), 0);
  dm_machine_config cfg = { 0 };
  cfg.platform = sim_world_platform(w);
  cfg.check = DM_CHECK_STRICT;
  cfg.steps = steps;
  cfg.sih_step = hook;
  cfg.sih_step_ctx = steps;
  dm_machine *m = dm_machine_new(&cfg);
  ck_assert_ptr_nonnull(m);
  return m;
}

START_TEST(test_sih_step_hook)
{
  sim_world w;
  uint64_t steps = 5;
  dm_machine *m = machine_with_budget(&w, &steps, count_step);
  dm_machine *prev = dm_machine_enter(m);
  dm_driver_spec spec = { .desc = &where_desc, .entry = where_io, .unit = -1 };
  int16_t ref;
  ck_assert_int_eq(dm_driver_install(m, &spec, &ref), noErr);
  ParamBlockRec op;
  memset(&op, 0, sizeof op);
  op.ioParam.ioNamePtr = (StringPtr) "\006.Where";
  ck_assert_int_eq(PBOpenSync(&op), noErr);
  nsteps = 0;
  nseen = 0;
  /* One step left: the handler takes it, and the timer is the step one
   * too many, which calls the hook (with the budget spent: 0). */
  steps = 1;
  CntrlParam p;
  ck_assert_int_eq(control(ref, 7, &p), noErr);
  ck_assert_uint_eq(steps, 0); /* the handler, at once */
  ck_assert_int_eq(nsteps, 0);
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(nsteps, 1); /* and the timer */
  ck_assert_ptr_eq(budget_seen, &steps);
  ck_assert_uint_eq(steps, UINT64_MAX);
  /* A hook that returns without a new budget leaves it spent (a signed
   * count, now below 0): the next handler and timer are one too many as
   * well, each calling the hook. */
  nseen = 0; /* (seen: the driver's and its handlers' places, 4 at most) */
  ck_assert_int_eq(control(ref, 7, &p), noErr);
  ck_assert_int_eq(nsteps, 2); /* the handler, at once */
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(nsteps, 3); /* and the timer */
  ck_assert_uint_eq(steps, UINT64_MAX - 2);
  dm_machine_leave(prev);
  dm_machine_free(m);
  sim_world_free(&w);
}
END_TEST

/* A step hook that queues a handler (an embedder's may): the handler whose
 * step called it runs first, with its own arguments, then the new one. The
 * first handler's record is the one the machine keeps for a handler queued
 * into an empty queue, so the step is taken while that record still heads
 * the queue (a hook that found the queue empty would reuse the record). */
static char hook_trace[16];
static OSStatus note_sih(void *p1, void *p2)
{
  (void)p2;
  strcat(hook_trace, p1);
  return noErr;
}

static void queue_on_step(void *ctx)
{
  *(uint64_t *)ctx = 10;
  ck_assert_int_eq(QueueSecondaryInterruptHandler(note_sih, NULL, "h", NULL), noErr);
}

static void hwi_queues_note(void *arg)
{
  ck_assert_int_eq(QueueSecondaryInterruptHandler(note_sih, NULL, arg, NULL), noErr);
}

START_TEST(test_sih_step_hook_queues)
{
  sim_world w;
  uint64_t steps = 0;
  dm_machine *m = machine_with_budget(&w, &steps, queue_on_step);
  dm_machine *prev = dm_machine_enter(m);
  hook_trace[0] = '\0';
  dm_machine_run_at(m, DM_LVL_HWI, hwi_queues_note, "a");
  ck_assert_str_eq(hook_trace, "ah");
  ck_assert_uint_eq(steps, 9);
  dm_machine_leave(prev);
  dm_machine_free(m);
  sim_world_free(&w);
}
END_TEST

Suite *guard_suite(void)
{
  Suite *s = suite_create("guard");
  TCase *t = tcase_create("guard");
  tcase_set_timeout(t, DM_TEST_TIMEOUT);
  tcase_add_test(t, test_complete_not_owner_refused_owner_not_blamed);
  tcase_add_test(t, test_driver_sets_drvractive);
  tcase_add_test(t, test_driver_clears_qhead);
  tcase_add_loop_test(t, test_driver_breaks_qtail, 0, 2);
  tcase_add_test(t, test_where);
  tcase_add_test(t, test_sih_step_hook);
  tcase_add_test(t, test_sih_step_hook_queues);
  suite_add_tcase(s, t);
  return s;
}
