/*
 * send.c - the executor's send path out of line: the pool of plain calls'
 * blocks, a block's buffer grown, a block made for another shape, a block
 * in flight sent again, the trap words and the Device Manager's entries.
 * The path itself, inline where it runs, is in send-inl.h.
 */
#include <stdlib.h>
#include <string.h>

#include "run/run_int.h"
#include "run/send-inl.h"
#include "world/rng.h"

/* A plain call's block back to the pool's tail (run_int.h). */
void run_pool_put(run_machine *rm, run_pb *p)
{
  /* A large buffer is not kept for a later statement: the quarantine would
   * hold 16 of them, counted against RUN_MAX_BUFFER_BYTES. */
  if (p->bufsize > RUN_POOL_BUFFER_KEPT) {
    rm->buffered -= p->bufsize;
    free(p->buf);
    p->buf = NULL;
    p->bufsize = 0;
    p->made_for = NULL; /* it named the buffer */
  }
  p->next = NULL;
  if (rm->pool_tail != NULL)
    rm->pool_tail->next = p;
  else
    rm->pool = p;
  rm->pool_tail = p;
  rm->npool++;
}

void run_lean_refused(run_pb *p)
{
  run_pb_ended(p->rm, p);
  run_put_back(p->rm, p, p->shape);
}

/* A block for plain call statement st: the pool's head when enough blocks
 * wait behind it, else a new one (NULL: a limit, reported). */
run_pb *run_pool_take(run_machine *rm, const sim_sc_stmt *st)
{
  if (rm->npool <= RUN_POOL_QUARANTINE ||
      (rm->nbusy >= RUN_MAX_BLOCKS && run_in_flight(rm) >= RUN_MAX_BLOCKS))
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

/* Grows p's buffer (p not in flight) to need bytes for statement st.
 * Returns 0, or -1 after reporting a limit. Only run_make_pb grows a
 * buffer, and makes the block anew right after, so what the block made
 * before never names a buffer moved. */
static int grow_buffer(run_machine *rm, run_pb *p, const sim_sc_stmt *st, size_t need)
{
  if (rm->buffered - p->bufsize + need > RUN_MAX_BUFFER_BYTES) {
    run_limit(rm, st->line, st->col,
              "the data buffers of the requests in flight would exceed %llu MiB, a limit of "
              "dmsim",
              (unsigned long long)(RUN_MAX_BUFFER_BYTES >> 20));
    return -1;
  }
  /* On a 64-byte boundary, as a driver's pool memory is (devmgr's
   * dm_mem_alloc_big): a copy between the two then stores whole cache
   * lines, where malloc's 16-byte alignment split each 64-byte store of a
   * sector's copy over two (perf: the copy was a tenth of a serialized
   * run's time; aligned, the run takes 3-5 % less). (need is at most
   * RUN_MAX_BUFFER_BYTES: rounding it up cannot overflow.) */
  uint8_t *nb = aligned_alloc(64, (need + 63) & ~(size_t)63);
  if (nb == NULL) {
    run_limit(rm, st->line, st->col, "out of memory for a %zu-byte buffer", need);
    return -1;
  }
  if (p->bufsize)
    memcpy(nb, p->buf, p->bufsize);
  free(p->buf);
  memset(nb + p->bufsize, 0, need - p->bufsize);
  rm->buffered = rm->buffered - p->bufsize + need;
  p->buf = nb;
  p->bufsize = need;
  return 0;
}

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
uint16_t run_trap_of(sim_sc_op op, sim_sc_mode mode)
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
      rm->entry[op][mode] = dm_call_entry(run_trap_of((sim_sc_op)op, (sim_sc_mode)mode));
  for (size_t i = 0; i < rm->sc->npbs; i++)
    rm->pbs[i].per_iteration = rm->sc->pbs[i].per_iteration;
}

void run_refs_changed(run_machine *rm, const run_driver *d)
{
  for (size_t i = 0; i < rm->nowned; i++) {
    run_pb *p = rm->owned[i];
    if (p->made_ref == &d->ref)
      p->made.ioParam.ioRefNum = d->ref;
  }
}

/* Out of line: a block is made again only when it serves another shape,
 * or lost its buffer, or sends an open. */
int run_make_pb(run_machine *rm, run_pb *p, const sim_sc_stmt *st, const sim_sc_shape *sc)
{
  /* (A block in flight is never made: it keeps its buffer, which the
   * driver may still be moving data into; growing it there once let a
   * driver write to freed memory, found by fuzz_run.) */
  if (sc->size > p->bufsize && grow_buffer(rm, p, st, (size_t)sc->size) != 0)
    return -1;
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
  pb->ioParam.ioRefNum = *p->made_ref; /* (kept up to date: run_refs_changed) */
  p->made_entry = rm->entry[sc->op][sc->mode];
  /* A write's buffer holds its pattern at each send. A read's buffer
   * starts zeroed where `expect data` reads it, so that bytes the driver
   * never wrote cannot pass for this read's data. Any other read finds
   * what the block's last use left: its bytes only drivers see, and they
   * are deterministic (grow_buffer zeroes new bytes). An empty buffer has
   * nothing to prepare (and a block that never needed one has none: a
   * memset of NULL, undefined even for 0 bytes). */
  p->made_prep = sc->size > 0 && (sc->op == SIM_SC_OP_WRITE ||
                                  (sc->op == SIM_SC_OP_READ && sc->keeps_pb));
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
    pb->ioParam.ioCompletion = run_on_completion;
  p->made_lean = p->made_for == sc && p->home != NULL && !p->recorded &&
                 sc->mode == SIM_SC_SYNC && p->made_entry != NULL && !p->made_prep && !rm->traced;
  return 0;
}

/* p's buffer as a send of shape sc starts it (run_make_pb says which). */
void run_prep_buffer(run_pb *p, const sim_sc_shape *sc)
{
  if (sc->op == SIM_SC_OP_WRITE)
    run_fill_pattern(p->buf, (size_t)sc->size, &sc->pattern);
  else
    memset(p->buf, 0, (size_t)sc->size);
}

OSErr run_call_named(run_machine *rm, run_client *c, run_pb *p, const sim_sc_shape *sc,
                     dm_call_fn entry, int in_routine)
{
  dm_machine_set_client(rm->m, c->sc->name);
  OSErr ret = run_call_entry(rm, p, sc, entry, in_routine);
  dm_machine_set_client(rm->m, NULL);
  return ret;
}

int run_issue_made(run_client *c, const sim_sc_stmt *st, const sim_sc_call *call,
                   const sim_sc_shape *sc, run_pb *p, int in_routine)
{
  run_machine *rm = c->rm;
  if (run_fill_pb(rm, p, st, sc) != 0) {
    c->block = RUN_DONE; /* a limit */
    return 0;
  }
  if (p->home == NULL) /* (a per-iteration block is bound already) */
    run_bind(p, c, st, call, sc);
  run_pb_sent(rm, p);
  run_mark_sent(rm, c, p, st, sc);
  OSErr ret;
  run_sent sent = run_send(rm, c, p, sc, p->made_entry, in_routine, &ret);
  if (sent != RUN_SENT_REFUSED)
    return sent == RUN_SENT_WAIT;
  run_uncount(c, sc);
  run_pb_ended(rm, p);
  run_put_back(rm, p, sc);
  if (p->recorded)
    run_record_end(rm, p->call, p, ret);
  return 0;
}

/* run_issue_from with a block in flight, p: it is sent again untouched
 * (that is the scenario's point, and the Device Manager refuses it without
 * writing to it). It still belongs to its first call, which a refusal
 * gives it back to. Out of line: executor blocks are recycled only once
 * complete, so only a block the scenario shares gets here. */
int run_issue_in_flight(run_client *c, const sim_sc_stmt *st, const sim_sc_call *call,
                        const sim_sc_shape *sc, run_pb *p, int in_routine)
{
  run_machine *rm = c->rm;
  size_t prev_call = p->call;
  const sim_sc_shape *prev_shape = p->shape;
  const sim_sc_stmt *prev_st = p->st;
  run_client *prev_client = p->client;
  uint8_t prev_recorded = p->recorded;
  run_bind(p, c, st, call, sc);
  run_mark_sent(rm, c, p, st, sc);
  OSErr ret;
  run_sent sent = run_send(rm, c, p, sc, rm->entry[sc->op][sc->mode], in_routine, &ret);
  if (sent != RUN_SENT_REFUSED)
    return sent == RUN_SENT_WAIT;
  run_uncount(c, sc);
  if (p->recorded)
    run_record_end(rm, st->call, p, ret);
  p->call = prev_call; /* the block still belongs to its first call */
  p->shape = prev_shape;
  p->st = prev_st;
  p->client = prev_client;
  p->recorded = prev_recorded; /* and it stays busy */
  return 0;
}
