/*
 * sim/run/send-inl.h - the executor's send path, inline where it runs: a
 * client's step (client_go) and a completion routine's `then` calls
 * (client.c). Internal to sim/run.
 *
 * The path of one call statement, top to bottom:
 *   run_issue_from   the statement's instance and shape
 *   run_block_for    its block: the pool's (plain calls), its free list's
 *                    (a repeat's), or its own or shared one
 *   run_fill_pb      the block as the shape sends it: a copy of what the
 *                    block made for that shape last (send.c, run_make_pb,
 *                    which grows its buffer too)
 *   run_bind         whose call it carries (a per-iteration block's was
 *                    set when run_block_for made it: only its statement
 *                    sends it)
 *   run_mark_sent    the call's record reset, and the run's place
 *   run_send         the Device Manager's entry for the trap word; then
 *                    whether the call was refused, finished during the
 *                    send, or leaves a sync caller waiting
 * A lean block (run_pb.made_lean: a repeat's sync call, the commonest
 * statement), at the head of its free list, takes run_send_lean instead of
 * run_block_for .. run_send; the client's last block, when the same
 * statement comes round again, is found first, from the client: parked
 * with it when its wait ended (client.c, client_task), or at the head of
 * its free list.
 * A completion comes back through the machine's pb_done hook or the
 * executor's completion routine (client.c: run_pb_done, run_on_completion),
 * which finish the call and give the block back (run_put_back).
 * Out of line in send.c: a block sent any other way than lean
 * (run_issue_made), and the rare cases: a block in flight sent again, a
 * buffer grown, a block made for another shape, the pool.
 */
#ifndef SIM_RUN_SEND_INL_H
#define SIM_RUN_SEND_INL_H

#include "run/run_int.h"

/* ---- send.c ---------------------------------------------------------------- */

/* A plain call's block back to the pool's tail (run_int.h). */
void run_pool_put(run_machine *rm, run_pb *p);
/* A block for plain call statement st: the pool's head when enough blocks
 * wait behind it, else a new one (NULL: a limit, reported). */
run_pb *run_pool_take(run_machine *rm, const sim_sc_stmt *st);
/* Makes p->made (p not in flight) what statement st of shape sc sends
 * (run_pb), with the refNum its driver has now (run_refs_changed keeps it
 * so); p's buffer grown to the shape's size first. Returns 0, or -1 after
 * reporting a limit. */
int run_make_pb(run_machine *rm, run_pb *p, const sim_sc_stmt *st, const sim_sc_shape *sc);
/* p's buffer as a send of shape sc starts it: a write's pattern, or a read
 * zeroed for `expect data` (run_make_pb says which). */
void run_prep_buffer(run_pb *p, const sim_sc_shape *sc);
/* Client c sends statement st (instance call, shape sc) with block p, in
 * flight. Returns 1 when the client must block on it. */
int run_issue_in_flight(run_client *c, const sim_sc_stmt *st, const sim_sc_call *call,
                        const sim_sc_shape *sc, run_pb *p, int in_routine);
/* Client c sends statement st (instance call, shape sc) with block p, not
 * in flight and not sent lean: run_fill_pb .. run_send. Returns 1 when the
 * client must block on it; a limit hit stops the client (RUN_DONE). */
int run_issue_made(run_client *c, const sim_sc_stmt *st, const sim_sc_call *call,
                   const sim_sc_shape *sc, run_pb *p, int in_routine);
/* The trap word of a call of kind op sent in mode mode. */
uint16_t run_trap_of(sim_sc_op op, sim_sc_mode mode);

/* run_send's call when the machine is traced: the client's name is set
 * around it, for the call's trace record. */
OSErr run_call_named(run_machine *rm, run_client *c, run_pb *p, const sim_sc_shape *sc,
                     dm_call_fn entry, int in_routine);

/* client.c: the completion routine of the async calls the executor sends. */
pascal void run_on_completion(ParmBlkPtr pb);

/* ---- the path ---------------------------------------------------------------- */

/* Block p carries call statement st (instance call, shape sc) of client c:
 * what its completion and the reports read. */
static inline __attribute__((always_inline)) void
run_bind(run_pb *p, run_client *c, const sim_sc_stmt *st, const sim_sc_call *call,
         const sim_sc_shape *sc)
{
  p->call = st->call;
  p->shape = sc;
  p->st = st;
  p->client = c;
  p->recorded = call->name != 0;
}

/* The block client c's call statement st (instance call, shape sc) uses
 * for this issue: a plain call's from the pool, a per-iteration block from
 * its free list (a new one, bound to st, when all are in flight), a shared
 * or a call's own block where it is (made on first use). NULL: a limit,
 * reported. */
static inline __attribute__((always_inline)) run_pb *
run_block_for(run_machine *rm, run_client *c, const sim_sc_stmt *st, const sim_sc_call *call,
              const sim_sc_shape *sc)
{
  if (sc->pb == SIM_SC_NONE)
    return run_pool_take(rm, st);
  run_pb_home *h = &rm->pbs[sc->pb];
  run_pb *p = h->head;
  if (h->per_iteration) {
    if (p == NULL) {
      if ((p = run_pb_new(rm, st)) != NULL) {
        p->home = h;
        run_bind(p, c, st, call, sc);
      }
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
static inline __attribute__((always_inline)) void
run_put_back(run_machine *rm, run_pb *p, const sim_sc_shape *sc)
{
  run_pb_home *h = p->home;
  if (h != NULL) {
    run_home_push(h, p);
  } else if (sc->pb == SIM_SC_NONE && !sc->keeps_pb) {
    run_pool_put(rm, p);
  }
}

/* Call ci ended now with result, its last block p: what expectations read. */
static inline __attribute__((always_inline)) void
run_record_end(run_machine *rm, size_t ci, run_pb *p, int16_t result)
{
  run_call *call = &rm->calls[ci];
  call->done = 1;
  call->result = result;
  call->t_done = sim_world_now(&rm->w);
  call->level = (uint8_t)dm_machine_level(rm->m);
  call->order = ++rm->completions;
  call->pb = p;
}

/* Fills block p (not in flight) as statement st of shape sc sends it: a
 * fresh block with the statement's fields, all others zero, and a buffer
 * of its size. Returns 0, or -1 after reporting a limit. */
static inline __attribute__((always_inline)) int
run_fill_pb(run_machine *rm, run_pb *p, const sim_sc_stmt *st, const sim_sc_shape *sc)
{
  if (p->made_for != sc && run_make_pb(rm, p, st, sc) != 0)
    return -1;
  p->pb = p->made;
  if (p->made_prep)
    run_prep_buffer(p, sc);
  return 0;
}

/* Block p (bound) is sent for call statement st (shape sc) of client c,
 * on machine rm. Only a named call's record (run_call) is kept:
 * expectations and `wait` name the calls they read, so an unnamed call,
 * the kind a repeat sends, skips it. */
static inline __attribute__((always_inline)) void
run_mark_sent(run_machine *rm, run_client *c, run_pb *p, const sim_sc_stmt *st,
              const sim_sc_shape *sc)
{
  if (p->recorded)
    rm->calls[p->call].done = 0;
  if (sc->mode == SIM_SC_ASYNC)
    c->outstanding++;
  run_place_stmt(&rm->place, c, st);
}

/* What became of a call sent (run_send). */
typedef enum run_sent {
  RUN_SENT_REFUSED, /* refused before any driver code ran: no completion will come */
  RUN_SENT_ON,      /* finished during the send, or accepted and pending: the client goes on */
  RUN_SENT_WAIT     /* a sync call of the client's own step, pending: the client blocks on it */
} run_sent;

/* The call of block p (shape sc): from the client's own step through
 * entry, the Device Manager's entry for its trap word (NULL: dm_call), or
 * from a completion routine (in_routine), where a sync call waits where
 * it is, as the Device Manager lets it. Returns what the call returned. */
static inline __attribute__((always_inline)) OSErr
run_call_entry(run_machine *rm, run_pb *p, const sim_sc_shape *sc, dm_call_fn entry, int in_routine)
{
  /* A client's own step runs with its machine current (client_step), where
   * a queued call's entry does what dm_call does. */
  return in_routine      ? dm_call_wait(rm->m, &p->pb, run_trap_of(sc->op, sc->mode))
         : entry != NULL ? entry(&p->pb)
                         : dm_call(rm->m, &p->pb, run_trap_of(sc->op, sc->mode));
}

/* Makes the call of block p (shape sc, marked sent) for client c of
 * machine rm (run_call_entry says how). *ret is what the call returned. */
static inline __attribute__((always_inline)) run_sent
run_send(run_machine *rm, run_client *c, run_pb *p, const sim_sc_shape *sc, dm_call_fn entry,
         int in_routine, OSErr *ret)
{
  /* (A completion routine's sync call waits, and a wait that cannot be
   * (at interrupt level, or never ending) returns an error without a
   * refusal: there a refusal is told by the count of rejections.) */
  const uint64_t *refused = rm->rejects;
  uint64_t rejects = in_routine ? *refused : 0;
  uint32_t ends = p->ends;
  /* (The client's name is only in the call's trace record.) */
  *ret = rm->traced ? run_call_named(rm, c, p, sc, entry, in_routine)
                    : run_call_entry(rm, p, sc, entry, in_routine);
  /* Whether p finished during the send: its count of ends says so (a
   * call's record may be shared by plain statements, and is kept only
   * when named, so it cannot tell). A completion is known from the
   * pb_done hook (run_pb_done). A call that did not finish and returned an
   * error was refused (dm_call's contract, devmgr/call.h), never because
   * of ioResult: a driver may have written that. */
  if (p->ends != ends)
    return RUN_SENT_ON;
  if (*ret < 0 && (!in_routine || *refused > rejects))
    return RUN_SENT_REFUSED;
  if (sc->mode == SIM_SC_SYNC && !in_routine) {
    c->block = RUN_SYNC;
    c->wait_pb = p;
    return RUN_SENT_WAIT;
  }
  return RUN_SENT_ON;
}

/* Lean block p's call was refused: not in flight, back to its free list.
 * (Out of line: the lean send then keeps only its client and block across
 * its call.) */
void run_lean_refused(run_pb *p) __attribute__((cold));

/* Sends lean block p (run_pb.made_lean) for statement st from client c's
 * own step: what run_block_for .. run_send do for it, no more. p is the
 * head of its free list (listed), taken off it here, or parked with c
 * (run_client.parked), on no list. Returns 1 when the client blocks on
 * it. */
static inline __attribute__((always_inline)) int
run_send_lean(run_machine *rm, run_client *c, run_pb *p, const sim_sc_stmt *st, int listed)
{
  if (listed)
    p->home->head = p->next; /* (p->next is read only while p is on a list) */
  p->pb = p->made;
  if (listed)
    run_pb_sent_as(rm, p, RUN_PB_BUSY_LEAN);
  else
    p->busy = RUN_PB_BUSY_LEAN; /* (a parked block is counted in rm->nbusy already) */
  run_place_stmt(&rm->place, c, st);
  OSErr ret = p->made_entry(&p->pb);
  /* Only its statement, in this client's step, sends a per-iteration
   * block: not busy now, it finished during the send (run_send tells that
   * by its count of ends, since a shared block may be sent again then). */
  if (!p->busy)
    return 0;
  if (__builtin_expect(ret < 0, 0)) { /* not finished, an error: refused (run_send) */
    run_lean_refused(p);
    return 0;
  }
  if (!listed) {
    /* A parked block is the one its client waited for last already; its
     * client, c, is read again from it, so that c is not kept across the
     * call (a register saved less). */
    p->client->block = RUN_SYNC;
    return 1;
  }
  c->block = RUN_SYNC;
  c->wait_pb = p;
  return 1;
}

/* A call of shape sc refused or finished: its client waits for no
 * completion of it (an async call's count of outstanding ones). */
static inline void run_uncount(run_client *c, const sim_sc_shape *sc)
{
  if (sc->mode == SIM_SC_ASYNC && c->outstanding > 0)
    c->outstanding--;
}

/* Send call statement st for client c of machine rm, from the client
 * itself or from a completion routine (in_routine: a sync call then waits
 * where it is, as the Device Manager lets it, and never blocks the
 * client). Returns 1 when the client must block on it; a limit hit stops
 * the client (RUN_DONE). Inline where it is used (client_go and
 * issue_in_routine), in_routine a constant in each; a block that is not
 * lean goes on out of line (run_issue_made), so that the lean path keeps
 * few values alive across its call. */
static inline __attribute__((always_inline)) int
run_issue_from(run_machine *rm, run_client *c, const sim_sc_stmt *st, int in_routine)
{
  if (!in_routine) {
    /* The block the client waited for last, when st sent it and it is back
     * at the head of its free list (finish put it there): a repeat of one
     * sync call, the commonest loop, sends it again. Found from the client
     * in two loads, where the statement's call, shape and free list are a
     * chain of five that the step would wait for (a tenth of a serialized
     * run's time, perf). (A lean block is per-iteration: its statement and
     * its free list are fixed when it is made.) */
    run_pb *last = c->wait_pb;
    if (last != NULL && last->st == st && last->made_lean && last->home->head == last)
      return run_send_lean(rm, c, last, st, 1);
  }
  const sim_sc_call *call = &rm->sc->calls[st->call];
  const sim_sc_shape *sc = &rm->sc->shapes[call->shape];
  if (!in_routine && sc->pb != SIM_SC_NONE) {
    /* A lean block heads only a per-iteration free list, whose blocks are
     * never in flight: taken here, it is sent lean without more tests. */
    run_pb *p = rm->pbs[sc->pb].head;
    if (p != NULL && p->made_lean)
      return run_send_lean(rm, c, p, st, 1);
  }
  run_pb *p = run_block_for(rm, c, st, call, sc);
  if (p == NULL) {
    c->block = RUN_DONE; /* a limit: reported once, the run stops */
    return 0;
  }
  if (p->busy)
    return run_issue_in_flight(c, st, call, sc, p, in_routine);
  return run_issue_made(c, st, call, sc, p, in_routine);
}

#endif /* SIM_RUN_SEND_INL_H */
