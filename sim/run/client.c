/*
 * client.c - scripted clients: each runs its statements at task level, one
 * step per event, and blocks on sync calls, waits, sleeps and `at`.
 *
 * Contracts:
 * - A client's statements run only from its own task-level event, never
 *   from inside a completion: a completion that unblocks a client arms the
 *   client's event at the current time, so the client goes on after the
 *   interrupt (or completion routine) that finished its call has returned.
 *   The one exception is by design: the calls of a `then` block are the
 *   completion routine, and run where the Device Manager runs it.
 * - Each call statement uses its parameter block: a shared `pb NAME` block,
 *   the statement's own block, inside a repeat a block taken from the
 *   statement's free list (a fresh one when all are in flight), and for a
 *   plain call (scenario.h) a block of the machine's pool (run_int.h).
 *   Blocks are recycled only after they complete, so the executor never
 *   sends a block that is in flight unless the scenario shares one on
 *   purpose. A block taken from the pool is retired first (run_pb_retire):
 *   trace numbers stay one per statement, as if each had its own block.
 * - A send fills its block as a fresh block with the statement's fields;
 *   a block keeps what the last shape it served sent (run_pb.made), so the
 *   common case, a statement sending the same again, is a copy (fill_pb).
 *   The refNum is read at each send: a driver installed again has another.
 * - Only a named call's record (run_call) is kept: expectations and `wait`
 *   name the calls they read.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run_int.h"
#include "world/rng.h"

static void client_step(dm_event *ev);

static void wake(run_client *c)
{
  c->block = RUN_READY;
  if (c->ev.idx == DM_EVENT_IDLE) {
    c->ev.t = sim_world_now(&c->rm->w);
    sim_world_arm(&c->rm->w, &c->ev);
  }
}

void run_client_start(run_machine *rm, size_t index)
{
  run_client *c = &rm->clients[index];
  c->rm = rm;
  c->sc = &rm->sc->clients[index];
  c->stack[0] = (run_frame){ c->sc->body, c->sc->nbody, 0, 0 };
  c->top = &c->stack[0];
  dm_event_init(&c->ev, client_step, c, DM_LVL_TASK);
  c->ev.t = c->sc->at;
  sim_world_arm(&rm->w, &c->ev);
}

static void issue_in_routine(run_client *c, const sim_sc_stmt *st);

/* ---- blocks ----------------------------------------------------------------- */

/* A plain call's block back to the pool's tail (run_int.h). */
static void pool_put(run_machine *rm, run_pb *p)
{
  /* A large buffer is not kept for a later statement: the quarantine would
   * hold 16 of them, counted against RUN_MAX_BUFFER_BYTES. */
  if (p->bufsize > RUN_POOL_BUFFER_KEPT) {
    rm->buffered -= p->bufsize;
    free(p->buf);
    p->buf = NULL;
    p->bufsize = 0; /* (its next send grows a buffer, which makes the block anew) */
  }
  p->next = NULL;
  if (rm->pool_tail != NULL)
    rm->pool_tail->next = p;
  else
    rm->pool = p;
  rm->pool_tail = p;
  rm->npool++;
}

/* A block for plain call statement st: the pool's head when enough blocks
 * wait behind it, else a new one (NULL: a limit, reported). */
static run_pb *pool_take(run_machine *rm, const sim_sc_stmt *st)
{
  if (rm->npool <= RUN_POOL_QUARANTINE || rm->nbusy >= RUN_MAX_BLOCKS)
    return run_pb_new(rm, st); /* which reports the limit */
  run_pb *p = rm->pool;
  rm->pool = p->next;
  if (rm->pool == NULL)
    rm->pool_tail = NULL;
  rm->npool--;
  p->next = NULL;
  run_pb_retire(rm, p);
  return p;
}

/* The block call statement st (of shape sc) uses for this issue: a plain
 * call's from the pool, a per-iteration block from its free list (a new
 * one when all are in flight), a shared or a call's own block where it is
 * (made on first use). NULL: a limit, reported. */
static inline __attribute__((always_inline)) run_pb *block_for(run_machine *rm,
                                                               const sim_sc_stmt *st,
                                                               const sim_sc_shape *sc)
{
  if (sc->pb == SIM_SC_NONE)
    return pool_take(rm, st);
  run_pb_home *h = &rm->pbs[sc->pb];
  run_pb *p = h->head;
  if (h->per_iteration) {
    if (p == NULL) {
      if ((p = run_pb_new(rm, st)) != NULL)
        p->home = h;
      return p;
    }
    h->head = p->next;
    p->next = NULL;
    return p;
  }
  if (p == NULL)
    h->head = p = run_pb_new(rm, st);
  return p;
}

/* Where a finished block of a call of shape sc goes: a per-iteration
 * block to its statement's free list, a plain call's to the pool unless an
 * expectation reads it after the run; a shared or kept block stays where
 * it is. */
static inline __attribute__((always_inline)) void put_back(run_machine *rm, run_pb *p,
                                                           const sim_sc_shape *sc)
{
  run_pb_home *h = p->home;
  if (h != NULL) {
    p->next = h->head;
    h->head = p;
  } else if (sc->pb == SIM_SC_NONE && !sc->keeps_pb) {
    pool_put(rm, p);
  }
}

/* Grows p's buffer (p not in flight) to need bytes for statement st.
 * Returns 0, or -1 after reporting a limit. Out of line: a block keeps its
 * buffer from one use to the next. */
static __attribute__((noinline, cold)) int grow_buffer(run_machine *rm, run_pb *p,
                                                       const sim_sc_stmt *st, size_t need)
{
  if (rm->buffered - p->bufsize + need > RUN_MAX_BUFFER_BYTES) {
    run_limit(rm, st->line, st->col,
              "the data buffers of the requests in flight would exceed %llu MiB, a limit of "
              "dmsim",
              (unsigned long long)(RUN_MAX_BUFFER_BYTES >> 20));
    return -1;
  }
  uint8_t *nb = realloc(p->buf, need);
  if (nb == NULL) {
    run_limit(rm, st->line, st->col, "out of memory for a %zu-byte buffer", need);
    return -1;
  }
  memset(nb + p->bufsize, 0, need - p->bufsize);
  rm->buffered = rm->buffered - p->bufsize + need;
  p->buf = nb;
  p->bufsize = need;
  p->made_for = NULL; /* it named the old buffer */
  return 0;
}

/* ---- completion ------------------------------------------------------------- */

/* Call ci ended now with result, its last block p: what expectations read. */
static inline __attribute__((always_inline)) void record_end(run_machine *rm, size_t ci,
                                                             run_pb *p, int16_t result)
{
  run_call *call = &rm->calls[ci];
  call->done = 1;
  call->result = result;
  call->t_done = sim_world_now(&rm->w);
  call->level = (uint8_t)dm_machine_level(rm->m);
  call->order = ++rm->completions;
  call->pb = p;
}

/* The bookkeeping of a call whose block p (in flight) completed: its
 * result, time, level and place in the completion order, the block back to
 * its free list. Returns the call's client, for wake_for. Inline, with the
 * helpers above and wake_for: once per request, in its completion hook. */
static inline __attribute__((always_inline)) run_client *finish(run_machine *rm, run_pb *p)
{
  run_pb_ended(rm, p);
  p->ends++;
  const sim_sc_shape *sc = p->shape;
  if (p->recorded)
    record_end(rm, p->call, p, p->pb.ioParam.ioResult);
  put_back(rm, p, sc);
  run_client *c = p->client;
  if (sc->mode == SIM_SC_ASYNC && c->outstanding > 0)
    c->outstanding--;
  return c;
}

/* Wakes client c, whose call ci (block p) finished, if it waits for it. */
static inline __attribute__((always_inline)) void wake_for(run_client *c, run_pb *p, size_t ci)
{
  if ((c->block == RUN_SYNC && c->wait_pb == p) || (c->block == RUN_WAIT && c->wait_call == ci) ||
      (c->block == RUN_WAIT_ALL && c->outstanding == 0))
    wake(c);
}

/* Completion routine of every async call the executor sends: it runs where
 * the Device Manager calls it (task or secondary interrupt level). The call
 * is finished first, then the calls of its statement's `then` block are
 * made there, as real code chains I/O (reusing the block is allowed: it is
 * free once its routine runs). */
static pascal void on_completion(ParmBlkPtr pb)
{
  run_pb *p = (run_pb *)pb; /* the ParamBlockRec is a run_pb's first member */
  run_machine *rm = p->rm;
  if (!p->busy)
    return;
  size_t ci = p->call;
  const sim_sc_shape *sc = p->shape;
  run_client *c = finish(rm, p);
  for (size_t i = 0; i < sc->nthen; i++)
    issue_in_routine(c, &sc->then[i]);
  /* After the routine's calls: `wait all` waits for them too. */
  wake_for(c, p, ci);
}

/* The Device Manager's word that pb's call finished (after any routine):
 * a block its routine sent again is in progress, and not finished here. */
void run_pb_done(void *ctx, void *pb)
{
  run_machine *rm = ctx;
  run_pb *p = run_pb_find(rm, pb);
  if (p != NULL && p->busy && p->pb.ioParam.ioResult <= 0) {
    size_t ci = p->call;
    wake_for(finish(rm, p), p, ci);
  }
}

/* ---- sending a call --------------------------------------------------------- */

void run_fill_pattern(uint8_t *buf, size_t n, const sim_sc_pattern *pat)
{
  switch (pat->kind) {
  case SIM_SC_PAT_BYTE: memset(buf, pat->byte, n); break;
  case SIM_SC_PAT_TEXT:
    for (size_t i = 0; i < n; i++)
      buf[i] = (uint8_t)pat->text[i % pat->text_len];
    break;
  case SIM_SC_PAT_RANDOM: {
    sim_rng r;
    sim_rng_seed(&r, pat->seed);
    for (size_t i = 0; i < n; i += 8) {
      uint64_t v = sim_rng_next(&r);
      for (size_t k = 0; k < 8 && i + k < n; k++)
        buf[i + k] = (uint8_t)(v >> (8 * k));
    }
    break;
  }
  default:
    for (size_t i = 0; i < n; i++)
      buf[i] = (uint8_t)i;
    break;
  }
}

/* The trap word of a call of kind op sent in mode mode. */
static uint16_t trap_of(sim_sc_op op, sim_sc_mode mode)
{
  static const uint16_t op_trap[] = {
    [SIM_SC_OP_OPEN] = _Open,       [SIM_SC_OP_CLOSE] = _Close,
    [SIM_SC_OP_READ] = _Read,       [SIM_SC_OP_WRITE] = _Write,
    [SIM_SC_OP_CONTROL] = _Control, [SIM_SC_OP_STATUS] = _Status,
    [SIM_SC_OP_KILLIO] = _KillIO,
  };
  uint16_t trap = op_trap[op];
  if (mode == SIM_SC_ASYNC)
    trap |= 1u << asyncTrpBit;
  else if (mode == SIM_SC_IMMEDIATE)
    trap |= 1u << noQueueBit;
  return trap;
}

void run_client_entries(run_machine *rm)
{
  for (int op = 0; op <= SIM_SC_OP_KILLIO; op++)
    for (int mode = 0; mode <= SIM_SC_IMMEDIATE; mode++)
      rm->entry[op][mode] = dm_call_entry(trap_of((sim_sc_op)op, (sim_sc_mode)mode));
  for (size_t i = 0; i < rm->sc->npbs; i++)
    rm->pbs[i].per_iteration = rm->sc->pbs[i].per_iteration;
}

/* Makes p->made the block that statements of shape sc send (run_pb):
 * everything but the refNum, which fill_pb reads at each send. Out of
 * line: a block is made again only when it serves another shape, or moved
 * its buffer. */
static __attribute__((noinline)) void make_pb(run_machine *rm, run_pb *p, const sim_sc_shape *sc)
{
  /* A copy of a zero block, not memset: compilers make a small memset of
   * unknown alignment `rep stos`, whose start-up cost was a fifth of the
   * send's time in a serialized run (perf); a copy of known size is a few
   * vector moves. */
  static const ParamBlockRec zero_pb;
  ParamBlockRec *pb = &p->made;
  memcpy(pb, &zero_pb, sizeof *pb);
  run_driver *d = sc->driver != SIM_SC_NONE ? &rm->drivers[sc->driver] : NULL;
  p->made_for = sc;
  p->made_ref = d != NULL ? &d->ref : &sc->refnum;
  p->made_entry = rm->entry[sc->op][sc->mode];
  /* A write's buffer holds its pattern at each send. A read's buffer
   * starts zeroed where `expect data` reads it, so that bytes the driver
   * never wrote cannot pass for this read's data. Any other read finds
   * what the block's last use left: its bytes only drivers see, and they
   * are deterministic (grow_buffer zeroes new bytes). */
  p->made_prep = sc->op == SIM_SC_OP_WRITE ||
                 (sc->op == SIM_SC_OP_READ && sc->keeps_pb && sc->size > 0);
  switch (sc->op) {
  case SIM_SC_OP_OPEN: {
    /* A name given is sent, and Open finds the first driver that has it.
     * An alias opens its own driver, at its refNum, as OpenInstalledDriver
     * does, so that drivers sharing a name (one .SCSIDisk per disk) each
     * open; before it is installed, the alias's name stands in, and the
     * call is refused as it should be. That depends on the driver being
     * installed now: an open is made again at each send. */
    const char *name = sc->open_name;
    p->made_for = NULL;
    pb->ioParam.ioPermssn = sc->has_perm ? sc->perm : fsCurPerm;
    if (name == NULL && d->ref != 0)
      break;
    if (name == NULL)
      name = rm->sc->drivers[sc->driver].alias;
    size_t len = strlen(name);
    if (len > sizeof p->pname - 1)
      len = sizeof p->pname - 1;
    p->pname[0] = (unsigned char)len;
    memcpy(p->pname + 1, name, len);
    pb->ioParam.ioNamePtr = p->pname;
    break;
  }
  case SIM_SC_OP_READ:
  case SIM_SC_OP_WRITE:
    pb->ioParam.ioBuffer = (Ptr)p->buf;
    pb->ioParam.ioReqCount = (long)sc->size;
    pb->ioParam.ioPosMode = (short)sc->posmode;
    pb->ioParam.ioPosOffset = (long)sc->offset;
    break;
  case SIM_SC_OP_CONTROL:
  case SIM_SC_OP_STATUS:
    pb->cntrlParam.csCode = sc->code;
    memcpy(pb->cntrlParam.csParam, sc->csparam, sc->ncsparam);
    break;
  default:
    break;
  }
  if (sc->mode == SIM_SC_ASYNC && !sc->no_completion)
    pb->ioParam.ioCompletion = on_completion;
}

/* p's buffer as a send of shape sc starts it (make_pb says which). */
static __attribute__((noinline)) void prep_buffer(run_pb *p, const sim_sc_shape *sc)
{
  if (sc->op == SIM_SC_OP_WRITE)
    run_fill_pattern(p->buf, (size_t)sc->size, &sc->pattern);
  else
    memset(p->buf, 0, (size_t)sc->size);
}

/* Fills block p (not in flight) as a statement of shape sc sends it: a
 * fresh block with that statement's fields, all others zero. */
static inline __attribute__((always_inline)) void fill_pb(run_machine *rm, run_pb *p,
                                                          const sim_sc_shape *sc)
{
  if (p->made_for != sc)
    make_pb(rm, p, sc);
  p->pb = p->made;
  p->pb.ioParam.ioRefNum = *p->made_ref;
  if (p->made_prep)
    prep_buffer(p, sc);
}

/* Block p now carries call statement st (instance call, shape sc) of
 * client c, on machine rm. Only a named call's record (run_call) is kept:
 * expectations and `wait` name the calls they read, so an unnamed call,
 * the kind a repeat sends, skips it. */
static inline __attribute__((always_inline)) void mark_sent(run_machine *rm, run_client *c,
                                                            run_pb *p, const sim_sc_stmt *st,
                                                            const sim_sc_call *call,
                                                            const sim_sc_shape *sc)
{
  p->call = st->call;
  p->shape = sc;
  p->st = st;
  p->client = c;
  p->recorded = call->name != 0;
  if (p->recorded)
    rm->calls[st->call].done = 0;
  if (sc->mode == SIM_SC_ASYNC)
    c->outstanding++;
  run_place_stmt(&rm->place, c, st);
}

/* What became of a call sent (send). */
typedef enum run_sent {
  RUN_SENT_REFUSED, /* refused before any driver code ran: no completion will come */
  RUN_SENT_ON,      /* finished during the send, or accepted and pending: the client goes on */
  RUN_SENT_WAIT     /* a sync call of the client's own step, pending: the client blocks on it */
} run_sent;

/* Makes the call ci of block p (shape sc, marked sent) for client c of
 * machine rm: from the client's own step through entry, the Device
 * Manager's entry for its trap word (NULL: dm_call), or from a completion
 * routine (in_routine), where a sync call waits where it is, as the Device
 * Manager lets it. *ret is what the call returned. */
static inline __attribute__((always_inline)) run_sent send(run_machine *rm, run_client *c,
                                                           run_pb *p, const sim_sc_shape *sc,
                                                           size_t ci, dm_call_fn entry,
                                                           int in_routine, OSErr *ret)
{
  if (rm->traced) /* the name is only in the call's trace record */
    dm_machine_set_client(rm->m, c->sc->name);
  const uint64_t *refused = rm->rejects;
  uint64_t rejects = *refused;
  uint32_t ends = p->ends;
  /* A client's own step runs with its machine current (client_step), where
   * a queued call's entry does what dm_call does. */
  *ret = in_routine      ? dm_call_wait(rm->m, &p->pb, trap_of(sc->op, sc->mode))
         : entry != NULL ? entry(&p->pb)
                         : dm_call(rm->m, &p->pb, trap_of(sc->op, sc->mode));
  if (rm->traced)
    dm_machine_set_client(rm->m, NULL);
  /* Whether p finished during the send: its count of ends says so (a
   * call's record may be shared by plain statements, and is kept only
   * when named, so it cannot tell). A call was refused when the Device
   * Manager counted a rejection during it and it returned an error, never
   * because of ioResult: a driver may have written that. A completion is
   * known from the pb_done hook (run_pb_done). */
  if (p->ends != ends)
    return RUN_SENT_ON;
  if (*ret < 0 && *refused > rejects)
    return RUN_SENT_REFUSED;
  if (sc->mode == SIM_SC_SYNC && !in_routine) {
    c->block = RUN_SYNC;
    c->wait_pb = p;
    c->wait_call = ci;
    return RUN_SENT_WAIT;
  }
  return RUN_SENT_ON;
}

/* A refused call of shape sc: its client waits for no completion of it. */
static void unsend(run_client *c, const sim_sc_shape *sc)
{
  if (sc->mode == SIM_SC_ASYNC && c->outstanding > 0)
    c->outstanding--;
}

/* issue() with a block in flight, p: it is sent again untouched (that is
 * the scenario's point, and the Device Manager refuses it without writing
 * to it). It still belongs to its first call, which a refusal gives it
 * back to. Out of line: executor blocks are recycled only once complete,
 * so only a block the scenario shares gets here. */
static __attribute__((noinline)) int issue_in_flight(run_client *c, const sim_sc_stmt *st,
                                                     const sim_sc_call *call,
                                                     const sim_sc_shape *sc, run_pb *p,
                                                     int in_routine)
{
  run_machine *rm = c->rm;
  size_t prev_call = p->call;
  const sim_sc_shape *prev_shape = p->shape;
  const sim_sc_stmt *prev_st = p->st;
  run_client *prev_client = p->client;
  uint8_t prev_recorded = p->recorded;
  mark_sent(rm, c, p, st, call, sc);
  OSErr ret;
  run_sent sent = send(rm, c, p, sc, st->call, rm->entry[sc->op][sc->mode], in_routine, &ret);
  if (sent != RUN_SENT_REFUSED)
    return sent == RUN_SENT_WAIT;
  unsend(c, sc);
  if (p->recorded)
    record_end(rm, st->call, p, ret);
  p->call = prev_call; /* the block still belongs to its first call */
  p->shape = prev_shape;
  p->st = prev_st;
  p->client = prev_client;
  p->recorded = prev_recorded; /* and it stays busy */
  return 0;
}

/* Send call statement st for client c of machine rm, from the client
 * itself or from a completion routine (in_routine: a sync call then waits
 * where it is, as the Device Manager lets it, and never blocks the
 * client). Returns 1 when the client must block on it; a limit hit stops
 * the client (RUN_DONE). Inline where it is used (client_go and
 * issue_in_routine), in_routine a constant in each. */
static inline __attribute__((always_inline)) int issue_from(run_machine *rm, run_client *c,
                                                            const sim_sc_stmt *st, int in_routine)
{
  const sim_sc_call *call = &rm->sc->calls[st->call];
  const sim_sc_shape *sc = &rm->sc->shapes[call->shape];
  run_pb *p = block_for(rm, st, sc);
  if (p == NULL) {
    c->block = RUN_DONE; /* a limit: reported once, the run stops */
    return 0;
  }
  if (p->busy)
    return issue_in_flight(c, st, call, sc, p, in_routine);
  /* (A block in flight keeps its buffer: the driver may still be moving
   * data into it; growing it there once let a driver write to freed
   * memory, found by fuzz_run.) */
  if (sc->size > p->bufsize && grow_buffer(rm, p, st, (size_t)sc->size) != 0) {
    c->block = RUN_DONE;
    return 0;
  }
  fill_pb(rm, p, sc);
  run_pb_sent(rm, p);
  mark_sent(rm, c, p, st, call, sc);
  OSErr ret;
  run_sent sent = send(rm, c, p, sc, st->call, p->made_entry, in_routine, &ret);
  if (sent != RUN_SENT_REFUSED)
    return sent == RUN_SENT_WAIT;
  unsend(c, sc);
  run_pb_ended(rm, p);
  put_back(rm, p, sc);
  if (p->recorded)
    record_end(rm, st->call, p, ret);
  return 0;
}

/* A call of a completion routine's `then` block, made where the routine
 * runs (issue_from). */
static void issue_in_routine(run_client *c, const sim_sc_stmt *st)
{
  (void)issue_from(c->rm, c, st, 1);
}

/* ---- the client's statements ------------------------------------------------ */

/* Runs statement st of client c, any kind but a call (client_go sends
 * those). Returns 1 when the client blocks or ends. */
static int statement(run_client *c, const sim_sc_stmt *st)
{
  run_machine *rm = c->rm;
  run_place_stmt(&rm->place, c, st);
  switch (st->kind) {
  case SIM_SC_ST_CALL:
    return 0;
  case SIM_SC_ST_WAIT:
    if (!rm->calls[st->call].done) {
      c->block = RUN_WAIT;
      c->wait_call = st->call;
      return 1;
    }
    return 0;
  case SIM_SC_ST_WAIT_ALL:
    if (c->outstanding > 0) {
      c->block = RUN_WAIT_ALL;
      return 1;
    }
    return 0;
  case SIM_SC_ST_SLEEP:
  case SIM_SC_ST_AT: {
    /* The clock is read here, not once per step: a call made earlier in
     * this step may have let time pass (a sync call waits by running the
     * world's interrupt-level events). */
    uint64_t now = sim_world_now(&rm->w);
    uint64_t ns = rm->sc->times[st->time];
    if (st->kind == SIM_SC_ST_SLEEP && ns > UINT64_MAX - now) {
      run_limit(rm, st->line, st->col,
                "simulated time overflows: a sleep at %llu ns goes past 2^64-1 ns",
                (unsigned long long)now);
      c->block = RUN_DONE;
      return 1;
    }
    uint64_t t = st->kind == SIM_SC_ST_SLEEP ? now + ns : ns;
    if (t > now) {
      c->block = RUN_TIME;
      c->ev.t = t;
      sim_world_arm(&rm->w, &c->ev);
      return 1;
    }
    return 0;
  }
  case SIM_SC_ST_REPEAT: {
    const sim_sc_repeat *r = &rm->sc->repeats[st->repeat];
    if (r->nbody > 0 && c->top < &c->stack[SIM_SC_MAX_NESTING])
      *++c->top = (run_frame){ r->body, r->nbody, 0, r->count };
    return 0;
  }
  }
  return 0;
}

/* Frame f, client c's top, ran its last statement: its body runs again
 * while iterations are left, else it is popped. Returns 1 when it was the
 * client's own body: the client ended. */
static inline int frame_end(run_client *c, run_frame *f)
{
  if (f->left > 1) {
    f->left--;
    f->i = 0;
    return 0;
  }
  if (f == &c->stack[0]) {
    c->block = RUN_DONE;
    return 1;
  }
  c->top = f - 1;
  return 0;
}

/* Run statements of client c, ready, until it blocks or ends. */
static void client_go(run_client *c)
{
  run_machine *rm = c->rm;
  do {
    run_frame *f = c->top;
    while (f->i == f->n) {
      if (frame_end(c, f))
        return;
      f = c->top;
    }
    const sim_sc_stmt *st = &f->stmts[f->i++];
    run_step(rm, RUN_STEP_CLIENT, c);
    /* A call, the common statement, is sent here (issue_from, inline),
     * and names its own place (mark_sent). */
    if (st->kind == SIM_SC_ST_CALL ? issue_from(rm, c, st, 0) : statement(c, st))
      return;
    /* (A limit hit by a statement stops the client: RUN_DONE.) */
  } while (c->block == RUN_READY);
}

static void client_task(void *arg)
{
  run_client *c = arg;
  if (c->block == RUN_TIME)
    c->block = RUN_READY;
  if (c->block == RUN_READY)
    client_go(c);
}

static void client_step(dm_event *ev)
{
  run_client *c = ev->data;
  dm_machine_run_at(c->rm->m, DM_LVL_TASK, client_task, c);
}

void run_clients_check_hung(run_machine *rm)
{
  for (size_t i = 0; i < rm->sc->nclients; i++) {
    run_client *c = &rm->clients[i];
    if (c->block != RUN_SYNC && c->block != RUN_WAIT && c->block != RUN_WAIT_ALL)
      continue;
    char msg[400];
    const sim_sc_call *call = c->block == RUN_WAIT_ALL ? NULL : &rm->sc->calls[c->wait_call];
    const sim_sc_shape *sc = call == NULL ? NULL : sim_sc_call_shape(rm->sc, c->wait_call);
    const char *name = call == NULL ? "" : sim_sc_call_name(rm->sc, c->wait_call);
    if (c->block == RUN_SYNC)
      snprintf(msg, sizeof msg,
               "client %s is blocked in a sync %s (%s:%d:%d) that nothing can ever complete",
               c->sc->name, sim_sc_op_name(sc->op), rm->path, c->wait_pb->st->line, c->wait_pb->st->col);
    else if (c->block == RUN_WAIT)
      snprintf(msg, sizeof msg,
               "client %s waits for %s %s (%s:%d:%d), which nothing can ever complete",
               c->sc->name, name[0] ? name : "call", sim_sc_op_name(sc->op), rm->path,
               call->line, call->col);
    else
      snprintf(msg, sizeof msg,
               "client %s waits for %u async call(s) that nothing can ever complete",
               c->sc->name, (unsigned)c->outstanding);
    dm_machine_report(rm->m, DM_RULE_SYNC_DEADLOCK,
                      sc != NULL && sc->driver != SIM_SC_NONE ? rm->drivers[sc->driver].ref : 0,
                      c->block == RUN_SYNC ? &c->wait_pb->pb : NULL, msg);
  }
}
