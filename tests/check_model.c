/*
 * check_model.c - a reference-model test of the Device Manager's queuing.
 *
 * For several seeds, a few thousand random operations - async reads and
 * writes, sync reads, immediate reads, KillIO, and steps of the simulated
 * world - go to (a) .Fixed, non-concurrent, and (b) .Concurrent on a
 * hardware device with random latency. After every operation the trace
 * records it produced are checked against a small model of what the Device
 * Manager must do:
 *  - each accepted call completes exactly once, with noErr, or abortErr when
 *    a KillIO aborted it (every request pending at the KillIO, in call order);
 *  - non-concurrent: never two requests dispatched at once, served in FIFO
 *    order; concurrent: every request dispatched during its own call;
 *  - completion routines run once per async call, after the result is
 *    posted (ioResult <= 0 inside the routine), with the PB off dCtlQHdr,
 *    and (non-concurrent) with drvrActive clear, except for KillIO's aborts,
 *    during which it stays set;
 *  - drvrActive is never set for the concurrent driver;
 *  - .Fixed's data: reads return what the writes completed before them put
 *    there (a byte model of its 64 KiB); .Concurrent's reads return zeroes;
 *  - dm_machine_inflight() equals the model's count of pending requests, and
 *    is 0 once the world has drained.
 * Parameter blocks come from a pool and are never reused while in flight.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "DriverServices.h"
#include "world/rng.h"

#define NPB 24
#define MAXN 512
#define STORE 65536
#define NOPS 3000

/* Check's ck_assert_* record every passing assertion (a write to the
 * runner's pipe each); the model checks hundreds of thousands of things, so
 * it only calls into Check when one fails. */
#define MCHECK(c)                                                              \
  do {                                                                         \
    if (!(c))                                                                  \
      ck_abort_msg("model check failed: %s", #c);                              \
  } while (0)
#define MCHECK_EQ(a, b)                                                        \
  do {                                                                         \
    long long a_ = (long long)(a), b_ = (long long)(b);                        \
    if (a_ != b_)                                                              \
      ck_abort_msg("model check failed: %s == %s (%lld, %lld)", #a, #b, a_, b_); \
  } while (0)
#define MCHECK_MSG(c, ...)                                                     \
  do {                                                                         \
    if (!(c))                                                                  \
      ck_abort_msg(__VA_ARGS__);                                               \
  } while (0)

enum { FREE = 0, PENDING };

typedef struct mpb {
  ParamBlockRec pb;
  unsigned char buf[MAXN];
  int           num;       /* its number in the fixture's log */
  int           state;
  int           async, sync, immediate, write;
  long          pos, n;
  uint64_t      order;     /* call order of queued (non-immediate) requests */
  int           dispatched;
  int           completed; /* cpl records seen */
  OSErr         result;
  int           cbs;       /* routine runs */
  OSErr         cb_result;
} mpb;

typedef struct model {
  tfix          f;
  int           concurrent;
  int16_t       ref;
  DCtlPtr       dce;
  mpb           p[NPB];
  ParamBlockRec kpb;       /* KillIO's own block */
  int           knum;
  unsigned char store[STORE];
  uint64_t      next_order;
  int           pending;   /* accepted, not complete */
  int           active;    /* non-immediate requests dispatched, not complete */
  int           killing;   /* the step is a KillIO */
  uint64_t      last_abort_order;
  int           expect_disp; /* concurrent: the PB whose call must dispatch it */
  int           saw_disp;
  long          ops[8];    /* how many of each operation ran */
  long          aborted;   /* requests a KillIO aborted */
  long          served;    /* requests completed with noErr */
  sim_hw       *hw;
} model;

static model *M; /* for completion routines */

static mpb *by_num(model *m, int num)
{
  for (int i = 0; i < NPB; i++)
    if (m->p[i].num == num)
      return &m->p[i];
  return NULL;
}

static mpb *by_pb(model *m, ParmBlkPtr pb)
{
  for (int i = 0; i < NPB; i++)
    if (&m->p[i].pb == pb)
      return &m->p[i];
  return NULL;
}

static int on_dce_queue(model *m, const void *pb)
{
  for (QElemPtr e = m->dce->dCtlQHdr.qHead; e != NULL; e = e->qLink)
    if ((const void *)e == pb)
      return 1;
  return 0;
}

/* The completion routine: once per async call, after the result is posted;
 * .Fixed's data is checked here, when the request has just completed. */
static void routine(ParmBlkPtr pb)
{
  model *m = M;
  mpb *q = by_pb(m, pb);
  MCHECK((q) != NULL);
  MCHECK_EQ(q->async, 1);
  MCHECK((pb->ioParam.ioResult) <= (0));
  MCHECK_EQ(on_dce_queue(m, pb), 0);
  q->cbs++;
  q->cb_result = pb->ioParam.ioResult;
  MCHECK_EQ(q->cbs, 1);
  if (m->concurrent) {
    MCHECK_EQ(m->dce->dCtlFlags & drvrActiveMask, 0);
  } else if (m->killing) {
    /* KillIO clears drvrActive after the last abort, not before: the queue
     * held a request in service, so it is still set. */
    MCHECK_EQ(m->dce->dCtlFlags & drvrActiveMask, drvrActiveMask);
  } else {
    /* IODone order: drvrActive clear while the routine runs. */
    MCHECK_EQ(m->dce->dCtlFlags & drvrActiveMask, 0);
  }
  if (pb->ioParam.ioResult != noErr)
    return;
  MCHECK_EQ(pb->ioParam.ioActCount, q->n);
  if (m->concurrent) {
    if (!q->write)
      for (long i = 0; i < q->n; i++)
        MCHECK_EQ(q->buf[i], 0);
    return;
  }
  if (q->write)
    memcpy(m->store + q->pos, q->buf, (size_t)q->n);
  else
    MCHECK_MSG(memcmp(q->buf, m->store + q->pos, (size_t)q->n) == 0,
                  "read #%d at %ld of %ld bytes: wrong data", q->num, q->pos, q->n);
}

/* ---- checking the log of one step -------------------------------------------- */

static void on_dispatch(model *m, mpb *q, const char *mode)
{
  if (strcmp(mode, "immediate") == 0) {
    MCHECK_EQ(q->immediate, 1);
    return;
  }
  MCHECK_EQ(q->immediate, 0);
  MCHECK_EQ(q->state, PENDING);
  MCHECK_EQ(q->dispatched, 0);
  if (m->concurrent) {
    MCHECK_MSG(m->expect_disp == q->num, "#%d dispatched outside its own call", q->num);
    m->saw_disp = 1;
  } else {
    MCHECK_MSG(m->active == 0, "#%d dispatched while another request is active", q->num);
    /* FIFO: no older request may still wait. */
    for (int i = 0; i < NPB; i++) {
      mpb *o = &m->p[i];
      if (o != q && o->state == PENDING && !o->immediate && !o->dispatched)
        MCHECK_MSG(o->order > q->order, "#%d dispatched before older #%d", q->num, o->num);
    }
  }
  q->dispatched = 1;
  m->active++;
}

static void on_complete(model *m, mpb *q, int result)
{
  MCHECK_EQ(q->state, PENDING);
  MCHECK_EQ(q->completed, 0);
  q->completed = 1;
  q->result = (OSErr)result;
  if (q->immediate) {
    MCHECK_EQ(result, noErr);
    return;
  }
  if (q->dispatched)
    m->active--;
  if (m->killing) {
    MCHECK_EQ(result, abortErr);
    MCHECK_MSG(q->order > m->last_abort_order, "KillIO aborted #%d out of order", q->num);
    m->last_abort_order = q->order;
    m->aborted++;
  } else {
    MCHECK_EQ(result, noErr);
    m->served++;
    /* Non-concurrent: only the request in service completes. */
    if (!m->concurrent)
      MCHECK_EQ(q->dispatched, 1);
  }
  if (!q->async) {
    q->state = FREE;
    m->pending--;
  }
}

static void on_callback(model *m, mpb *q, int result)
{
  MCHECK_EQ(q->async, 1);
  MCHECK_EQ(q->completed, 1);
  MCHECK_EQ(result, q->result);
  MCHECK_EQ(q->cbs, 1);
  MCHECK_EQ(q->cb_result, q->result);
  q->state = FREE;
  m->pending--;
}

static void check_step(model *m)
{
  tfix *f = &m->f;
  if (f->len == 0)
    return;
  char *log = strdup(tf_log(f));
  MCHECK((log) != NULL);
  char *save = NULL;
  for (char *t = strtok_r(log, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
    MCHECK_MSG(strncmp(t, "viol:", 5) != 0, "violation %s: %s", t, f->last_detail);
    MCHECK_MSG(strncmp(t, "rej#", 4) != 0, "refused: %s", t);
    int num, res;
    char code[16], mode[16];
    if (sscanf(t, "disp#%d:%15[a-z]/%15[a-z]", &num, code, mode) == 3) {
      mpb *q = by_num(m, num);
      if (q != NULL)
        on_dispatch(m, q, mode);
    } else if (sscanf(t, "cpl#%d:%d", &num, &res) == 2) {
      mpb *q = by_num(m, num);
      if (q != NULL)
        on_complete(m, q, res);
      else if (num == m->knum)
        MCHECK_EQ(res, noErr);
    } else if (sscanf(t, "cb#%d:%d", &num, &res) == 2) {
      mpb *q = by_num(m, num);
      MCHECK((q) != NULL);
      on_callback(m, q, res);
    } else if (sscanf(t, "sync#%d:%d", &num, &res) == 2) {
      mpb *q = by_num(m, num);
      if (q != NULL) {
        MCHECK_EQ(q->sync, 1);
        MCHECK_EQ(res, q->result);
      }
    }
  }
  free(log);
  /* Immediate requests end within their step. */
  for (int i = 0; i < NPB; i++) {
    mpb *q = &m->p[i];
    if (q->state == PENDING && q->immediate) {
      MCHECK_EQ(q->completed, 1);
      q->state = FREE;
      m->pending--;
    }
  }
}

/* The state every request must be in between steps. */
static void check_invariants(model *m)
{
  int pending = 0, active = 0;
  for (int i = 0; i < NPB; i++) {
    mpb *q = &m->p[i];
    if (q->state == PENDING) {
      pending++;
      MCHECK_EQ(q->pb.ioParam.ioResult, ioInProgress);
      MCHECK_EQ(q->completed, 0);
      MCHECK_EQ(q->cbs, 0);
      if (q->dispatched)
        active++;
      /* Standard queuing: on dCtlQHdr while in flight. */
      MCHECK_EQ(on_dce_queue(m, &q->pb), 1);
    } else if (q->num != 0 && q->completed) {
      MCHECK((q->pb.ioParam.ioResult) <= (0));
      MCHECK_EQ(q->cbs, q->async ? 1 : 0);
    }
  }
  MCHECK_EQ(pending, m->pending);
  MCHECK_EQ(active, m->active);
  MCHECK_EQ(dm_machine_inflight(m->f.m), (unsigned)pending);
  /* dCtlQHdr holds the pending requests and nothing else, in call order
   * (those still there after out-of-order completions keep theirs), and
   * qTail is its last element: what drivers and clients that walk it see,
   * whatever the unlink's hints did. */
  const QHdr *dq = &m->dce->dCtlQHdr;
  int onq = 0;
  uint64_t last = 0;
  const QElem *tail = NULL;
  for (const QElem *e = dq->qHead; e != NULL && onq <= NPB; e = e->qLink) {
    mpb *q = by_pb(m, (ParmBlkPtr)e);
    MCHECK_MSG(q != NULL && q->state == PENDING, "dCtlQHdr holds a block not in flight");
    MCHECK_MSG(q->order > last, "dCtlQHdr out of call order at #%d", q->num);
    last = q->order;
    tail = e;
    onq++;
  }
  MCHECK_EQ(onq, pending);
  MCHECK((const QElem *)dq->qTail == tail);
  if (m->concurrent) {
    MCHECK_EQ(m->dce->dCtlFlags & drvrActiveMask, 0);
    MCHECK_EQ(active, pending);
  } else {
    MCHECK((active) <= (1));
    MCHECK_EQ((m->dce->dCtlFlags & drvrActiveMask) != 0, active == 1);
    if (pending > 0)
      MCHECK_EQ(active, 1);
  }
}

/* ---- operations ------------------------------------------------------------------------ */

static mpb *free_pb(model *m, sim_rng *r)
{
  int start = (int)sim_rng_range(r, 0, NPB - 1);
  for (int k = 0; k < NPB; k++) {
    mpb *q = &m->p[(start + k) % NPB];
    if (q->state == FREE)
      return q;
  }
  return NULL;
}

static void prepare(model *m, mpb *q, sim_rng *r, int write, int async, int sync, int immediate)
{
  q->n = (long)sim_rng_range(r, 1, MAXN);
  q->pos = (long)sim_rng_range(r, 0, STORE - (uint64_t)q->n);
  tf_io(&q->pb, m->ref, q->buf, q->n, q->pos);
  if (write)
    for (long i = 0; i < q->n; i++)
      q->buf[i] = (unsigned char)sim_rng_next(r);
  else
    memset(q->buf, 0xEE, sizeof q->buf);
  q->pb.ioParam.ioCompletion = async ? routine : NULL;
  q->write = write;
  q->async = async;
  q->sync = sync;
  q->immediate = immediate;
  q->dispatched = q->completed = q->cbs = 0;
  q->result = 1;
  q->cb_result = 1;
  q->order = immediate ? 0 : ++m->next_order;
  q->state = PENDING;
  m->pending++;
}

static void op_async(model *m, sim_rng *r, int write)
{
  mpb *q = free_pb(m, r);
  if (q == NULL)
    return;
  prepare(m, q, r, write, 1, 0, 0);
  m->expect_disp = q->num;
  m->saw_disp = 0;
  OSErr err = write ? PBWriteAsync(&q->pb) : PBReadAsync(&q->pb);
  MCHECK_EQ(err, noErr);
  check_step(m);
  if (m->concurrent)
    MCHECK_MSG(m->saw_disp, "concurrent: #%d not dispatched at call time", q->num);
  m->expect_disp = 0;
  m->ops[write ? 1 : 0]++;
}

static void op_sync(model *m, sim_rng *r)
{
  mpb *q = free_pb(m, r);
  if (q == NULL)
    return;
  prepare(m, q, r, 0, 0, 1, 0);
  m->expect_disp = q->num;
  MCHECK_EQ(PBReadSync(&q->pb), noErr);
  MCHECK_EQ(q->pb.ioParam.ioResult, noErr);
  MCHECK_EQ(q->pb.ioParam.ioActCount, q->n);
  m->saw_disp = 0;
  check_step(m);
  m->expect_disp = 0;
  MCHECK_EQ(q->completed, 1);
  MCHECK_EQ(q->state, FREE);
  if (m->concurrent) {
    for (long i = 0; i < q->n; i++)
      MCHECK_EQ(q->buf[i], 0);
  } else {
    /* FIFO: everything queued before it is done too. */
    MCHECK_EQ(m->pending, 0);
    MCHECK_EQ(memcmp(q->buf, m->store + q->pos, (size_t)q->n), 0);
  }
  m->ops[2]++;
}

static void op_immediate(model *m, sim_rng *r)
{
  /* An immediate read runs at once, even while .Fixed serves another
   * request (which keeps the position it was dispatched with). */
  mpb *q = free_pb(m, r);
  if (q == NULL)
    return;
  long mark = m->dce->dCtlPosition;
  if (!m->concurrent && mark >= STORE)
    return;
  prepare(m, q, r, 0, 0, 0, 1);
  if (!m->concurrent && q->n > STORE - mark)
    q->n = STORE - mark;
  q->pb.ioParam.ioReqCount = q->n;
  q->pb.ioParam.ioPosMode = fsAtMark;
  MCHECK_EQ(PBReadImmed(&q->pb), noErr);
  MCHECK_EQ(q->pb.ioParam.ioActCount, q->n);
  check_step(m);
  if (m->concurrent) {
    for (long i = 0; i < q->n; i++)
      MCHECK_EQ(q->buf[i], 0);
  } else {
    MCHECK_EQ(memcmp(q->buf, m->store + mark, (size_t)q->n), 0);
  }
  m->ops[3]++;
}

static void op_kill(model *m)
{
  memset(&m->kpb, 0, sizeof m->kpb);
  m->kpb.cntrlParam.ioCRefNum = m->ref;
  m->killing = 1;
  m->last_abort_order = 0;
  MCHECK_EQ(PBKillIOSync(&m->kpb), noErr);
  check_step(m);
  m->killing = 0;
  MCHECK_EQ(m->pending, 0);
  MCHECK((m->dce->dCtlQHdr.qHead) == NULL);
  m->ops[4]++;
}

static void op_step(model *m, sim_rng *r)
{
  if (sim_rng_range(r, 0, 1) == 0)
    sim_world_step(&m->f.w);
  else
    sim_world_run(&m->f.w, sim_world_now(&m->f.w) + sim_rng_range(r, 0, 2 * MS), 0);
  check_step(m);
  m->ops[5]++;
}

static void run_model(int concurrent, uint64_t seed)
{
  static model mm;
  model *m = &mm;
  memset(m, 0, sizeof *m);
  M = m;
  m->concurrent = concurrent;
  tf_setup(&m->f, DM_CHECK_STRICT);
  if (concurrent) {
    sim_hw_model hm = { SIM_HW_UNIFORM, 10 * US, 3 * MS };
    m->hw = sim_hw_new(&m->f.w, m->f.m, "disk", &hm, 64, seed);
    MCHECK((m->hw) != NULL);
  }
  m->ref = tf_install_hw(&m->f, concurrent ? "conc" : "fixed", -1, m->hw);
  MCHECK_EQ(tf_open(&m->f, m->ref), noErr);
  m->dce = *GetDCtlEntry(m->ref);
  (void)tf_log(&m->f);
  m->f.npbs = 0;
  for (int i = 0; i < NPB; i++)
    m->p[i].num = tf_pbnum(&m->f, &m->p[i].pb);
  m->knum = tf_pbnum(&m->f, &m->kpb);

  sim_rng r;
  sim_rng_seed(&r, seed);
  for (int i = 0; i < NOPS; i++) {
    uint64_t x = sim_rng_range(&r, 0, 99);
    if (x < 30)
      op_async(m, &r, 0);
    else if (x < 50)
      op_async(m, &r, 1);
    else if (x < 55)
      op_sync(m, &r);
    else if (x < 62)
      op_immediate(m, &r);
    else if (x < 64)
      op_kill(m);
    else
      op_step(m, &r);
    check_invariants(m);
  }
  /* Drain. */
  tf_run(&m->f);
  check_step(m);
  check_invariants(m);
  MCHECK_EQ(m->pending, 0);
  MCHECK_EQ(dm_machine_inflight(m->f.m), 0);
  MCHECK_EQ(m->f.violations, 0);
  for (int k = 0; k < 6; k++)
    MCHECK_MSG(m->ops[k] > 0, "operation %d never ran", k);
  MCHECK_MSG(m->aborted > 10 && m->served > 500, "aborted %ld, served %ld", m->aborted,
                m->served);
  if (getenv("DM_MODEL_STATS") != NULL)
    fprintf(stderr, "model %s seed %llu: async r/w %ld/%ld sync %ld immediate %ld kill %ld "
            "steps %ld; served %ld aborted %ld; t = %llu ns\n",
            concurrent ? "concurrent" : "fixed", (unsigned long long)seed, m->ops[0], m->ops[1],
            m->ops[2], m->ops[3], m->ops[4], m->ops[5], m->served, m->aborted,
            (unsigned long long)sim_world_now(&m->f.w));
  /* The drivers' tables must be clean for the next test in this process. */
  MCHECK_EQ(dm_driver_remove(m->f.m, m->ref, 1), noErr);
  tf_run(&m->f);
  tf_teardown(&m->f);
  if (m->hw != NULL)
    sim_hw_free(m->hw);
  M = NULL;
}

static const uint64_t seeds[] = { 1, 2, 0x5eed, 20240601 };
#define NSEEDS ((int)(sizeof seeds / sizeof seeds[0]))

START_TEST(test_model_fixed)
{
  run_model(0, seeds[_i]);
}
END_TEST

START_TEST(test_model_concurrent)
{
  run_model(1, seeds[_i]);
}
END_TEST

Suite *model_suite(void)
{
  Suite *s = suite_create("model");
  TCase *tc = tcase_create("random");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_model_fixed, 0, NSEEDS);
  tcase_add_loop_test(tc, test_model_concurrent, 0, NSEEDS);
  suite_add_tcase(s, tc);
  return s;
}
