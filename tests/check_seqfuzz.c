/*
 * check_seqfuzz.c - a sequence fuzzer for the Device Manager: random calls,
 * completions and misbehaviour of a driver, driven through a machine in
 * checked mode from fixed seeds, with a model of what must be true checked
 * after every step:
 *   - every request the Device Manager accepted completes exactly once (its
 *     completion routine runs once, with ioResult posted), and a refused one
 *     never (a block still in flight is refused with pb-in-flight-reused);
 *   - the requests in flight (dm_machine_inflight) are the model's;
 *   - dCtlQHdr holds exactly the model's requests on it, no block twice,
 *     qTail its last element;
 *   - each broken rule is reported as often as the model broke it, and no
 *     other is.
 * The driver ".Seq" keeps what it is given; the fuzzer decides what it does
 * with it: complete a request (at task, secondary-interrupt or hardware-
 * interrupt level), complete one twice, complete an ID never issued, write
 * ioResult first, or the client sends KillIO, which aborts everything. It
 * runs as a concurrent driver and as a serialized one. Under ASan (make
 * ASAN=1 test) it also proves that nothing is touched after it is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "builtins.h"
#include "DriverServices.h"

#define NPB 12
#define STEPS 1500
#define SEEDS 12

/* ---- the model ------------------------------------------------------------- */

typedef struct mpb {
  ParamBlockRec pb;     /* first: the completion routine finds the record */
  int           in_flight;
  int           callbacks; /* completion routines run for the current issue */
  int           wrote;     /* the driver wrote its ioResult (reported once) */
  IOCommandID   id;        /* as the driver got it, while the driver keeps it */
  int           kept;      /* the driver holds it (dispatched, not complete) */
} mpb;

static mpb      pool[NPB];
static uint32_t viol[DM_RULE_COUNT]; /* the model's count of each rule */
static uint64_t rng;
static int      accepted, completed;
static int16_t  seq_ref;

static uint32_t rnd(uint32_t n)
{
  rng = rng * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(rng >> 33) % n;
}

static void on_done(ParmBlkPtr pb)
{
  mpb *p = (mpb *)pb;
  ck_assert_msg(p->in_flight, "completion routine for a block not in flight");
  ck_assert_int_le(pb->ioParam.ioResult, 0);
  p->callbacks++;
  ck_assert_int_eq(p->callbacks, 1);
  p->in_flight = 0;
  p->kept = 0;
  completed++;
}

/* ---- the driver ".Seq" ------------------------------------------------------- */

static DriverDescription seq_desc = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\003seq", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent, "\004.Seq", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

static OSStatus seq_io(AddressSpaceID space, IOCommandID id, IOCommandContents c,
                       IOCommandCode code, IOCommandKind kind)
{
  (void)space;
  if (code == kKillIOCommand) {
    for (int i = 0; i < NPB; i++)
      pool[i].kept = 0; /* the Device Manager aborts them */
    return noErr;
  }
  if (kind & kImmediateIOCommandKind)
    return noErr;
  mpb *p = (mpb *)c.pb;
  ck_assert_msg(p >= pool && p < pool + NPB, "a block that is not the fuzzer's");
  ck_assert_msg(p->in_flight && !p->kept, "dispatched a block twice");
  p->id = id;
  p->kept = 1;
  return noErr;
}

/* ---- actions ------------------------------------------------------------------ */

static void issue(void)
{
  mpb *p = &pool[rnd(NPB)];
  static const uint16_t traps[] = { _Read, _Write, _Control, _Status };
  uint16_t trap = traps[rnd(4)] | (1u << asyncTrpBit);
  int was = p->in_flight;
  if (!was) {
    memset(&p->pb, 0, sizeof p->pb);
    p->pb.ioParam.ioRefNum = seq_ref;
    p->pb.ioParam.ioCompletion = on_done;
    p->pb.cntrlParam.csCode = 9;
    /* In flight from the call on: the driver may be handed it inside. */
    p->in_flight = 1;
    p->callbacks = 0;
    p->wrote = 0;
    accepted++;
  } else {
    viol[DM_RULE_PB_IN_FLIGHT_REUSED]++;
  }
  OSErr err = dm_call(dm_machine_current(), &p->pb, trap);
  ck_assert_int_eq(err, was ? paramErr : noErr);
}

static mpb *pick_kept(void)
{
  int n = 0;
  for (int i = 0; i < NPB; i++)
    n += pool[i].kept;
  if (n == 0)
    return NULL;
  int k = (int)rnd((uint32_t)n);
  for (int i = 0; i < NPB; i++)
    if (pool[i].kept && k-- == 0)
      return &pool[i];
  return NULL;
}

typedef struct completion {
  IOCommandID id;
  OSErr       want;
} completion;

static void complete_task(void *arg)
{
  completion *c = arg;
  ck_assert_int_eq(IOCommandIsComplete(c->id, noErr), c->want);
}

/* The driver completes one of its requests at level lvl. */
static void complete(tfix *f, dm_level lvl, int write_result)
{
  mpb *p = pick_kept();
  if (p == NULL)
    return;
  if (write_result) {
    p->pb.ioParam.ioResult = noErr;
    if (!p->wrote)
      viol[DM_RULE_DRIVER_WROTE_IORESULT]++;
    p->wrote = 1;
  }
  if (lvl == DM_LVL_HWI)
    viol[DM_RULE_COMPLETE_AT_HW_INTERRUPT]++;
  completion c = { p->id, noErr };
  dm_machine_run_at(f->m, lvl, complete_task, &c);
}

/* A driver's stale ID: one it completed before, or one never issued. */
static void complete_bad(tfix *f)
{
  completion c;
  c.want = paramErr;
  if (rnd(2)) {
    c.id = (IOCommandID)(uintptr_t)0x7777000000001234ull;
    viol[DM_RULE_COMPLETE_UNKNOWN_ID]++;
  } else {
    mpb *p = &pool[rnd(NPB)];
    if (p->id == 0 || p->kept)
      return;
    c.id = p->id;
    /* A recycled slot may hold another live request by now: the ID's
     * generation tells them apart, and the answer is complete-twice. */
    viol[DM_RULE_COMPLETE_TWICE]++;
  }
  dm_machine_run_at(f->m, DM_LVL_TASK, complete_task, &c);
}

static void killio(void)
{
  ParamBlockRec k;
  memset(&k, 0, sizeof k);
  k.ioParam.ioRefNum = seq_ref;
  ck_assert_int_eq(PBKillIOSync(&k), noErr);
}

/* ---- invariants ------------------------------------------------------------------ */

static void check_invariants(tfix *f)
{
  int in_flight = 0;
  for (int i = 0; i < NPB; i++) {
    in_flight += pool[i].in_flight;
    if (!pool[i].in_flight)
      ck_assert_int_le(pool[i].callbacks, 1);
  }
  ck_assert_int_eq((int)dm_machine_inflight(f->m), in_flight);
  ck_assert_int_eq(accepted - completed, in_flight);
  /* dCtlQHdr: only blocks in flight, each once, qTail the last. */
  DCtlPtr dce = dm_driver_dce(f->m, seq_ref);
  int on_q = 0;
  QElemPtr last = NULL;
  for (QElemPtr e = dce->dCtlQHdr.qHead; e != NULL; e = e->qLink) {
    ck_assert_int_le(++on_q, in_flight);
    mpb *p = (mpb *)e;
    ck_assert_msg(p >= pool && p < pool + NPB && p->in_flight, "a stranger on dCtlQHdr");
    last = e;
  }
  ck_assert_ptr_eq(dce->dCtlQHdr.qTail, last);
  ck_assert_int_eq(on_q, in_flight);
  for (int r = 0; r < DM_RULE_COUNT; r++)
    ck_assert_msg(dm_machine_rule_count(f->m, (dm_rule)r) == viol[r],
                  "rule %s: %u reported, %u broken", dm_rule_id((dm_rule)r),
                  dm_machine_rule_count(f->m, (dm_rule)r), viol[r]);
}

static void fuzz(uint64_t seed, uint32_t runtime)
{
  tfix f;
  tf_setup(&f, DM_CHECK_PERMISSIVE);
  memset(pool, 0, sizeof pool);
  memset(viol, 0, sizeof viol);
  accepted = completed = 0;
  rng = seed;
  dm_driver_spec spec = { .desc = &seq_desc, .entry = seq_io, .unit = -1,
                          .has_runtime = 1, .runtime = runtime };
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &seq_ref), noErr);
  ck_assert_int_eq(tf_open(&f, seq_ref), noErr);
  for (int step = 0; step < STEPS; step++) {
    uint32_t a = rnd(100);
    if (a < 40)
      issue();
    else if (a < 70)
      complete(&f, DM_LVL_TASK, 0);
    else if (a < 80)
      complete(&f, DM_LVL_SIH, 0);
    else if (a < 84)
      complete(&f, DM_LVL_HWI, 0);
    else if (a < 88)
      complete(&f, DM_LVL_TASK, 1);
    else if (a < 95)
      complete_bad(&f);
    else if (a < 97)
      killio();
    else
      tf_run(&f);
    check_invariants(&f);
    (void)tf_log(&f);
  }
  killio();
  check_invariants(&f);
  for (int i = 0; i < NPB; i++)
    ck_assert_int_eq(pool[i].in_flight, 0);
  ck_assert_int_eq(accepted, completed);
  ck_assert_int_gt(accepted, STEPS / 10);
  tf_teardown(&f);
}

START_TEST(test_seqfuzz_concurrent)
{
  fuzz(0x5EED0000u + (uint64_t)_i, kDriverIsConcurrent);
}
END_TEST

START_TEST(test_seqfuzz_serialized)
{
  fuzz(0xC0FFEE00u + (uint64_t)_i, 0);
}
END_TEST

Suite *seqfuzz_suite(void)
{
  Suite *s = suite_create("seqfuzz");
  TCase *t = tcase_create("seqfuzz");
  tcase_set_timeout(t, DM_TEST_TIMEOUT);
  tcase_add_loop_test(t, test_seqfuzz_concurrent, 0, SEEDS);
  tcase_add_loop_test(t, test_seqfuzz_serialized, 0, SEEDS);
  suite_add_tcase(s, t);
  return s;
}
