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
 *   common case, a statement sending the same again, is a copy. The send
 *   path is send-inl.h (a map of it heads that file), its rare cases
 *   send.c.
 * - Only a named call's record (run_call) is kept: expectations and `wait`
 *   name the calls they read.
 */
#include <stddef.h>
#include <stdio.h>

#include "run/run_int.h"
#include "run/send-inl.h"

run_pb run_no_parked; /* (zero: st NULL) */
run_client run_steps_queued;

/* Client c of machine rm goes on, at a step of its own at the current
 * time (its event is task-level: run_client_start). (rm handed in, not
 * read from c: the arm then waits for no load of c->rm.) */
static void wake(run_machine *rm, run_client *c)
{
  c->block = RUN_READY;
  if (c->ev.idx == DM_EVENT_IDLE)
    sim_world_arm_task_now(&rm->w, &c->ev);
}

void run_client_start(run_machine *rm, size_t index)
{
  run_client *c = &rm->clients[index];
  c->rm = rm;
  c->sc = &rm->sc->clients[index];
  /* (An empty body may be NULL, which takes no offset, not even 0.) */
  const sim_sc_stmt *body = c->sc->body;
  c->stack[0] = (run_frame){ body, c->sc->nbody > 0 ? body + c->sc->nbody : body, body, 0 };
  c->top = &c->stack[0];
  c->parked = &run_no_parked;
  dm_event_init(&c->ev, run_client_step, c, DM_LVL_TASK);
  c->ev.t = c->sc->at;
  sim_world_arm(&rm->w, &c->ev);
}

/* ---- completion ------------------------------------------------------------- */

/* The bookkeeping of a call whose block p (in flight) completed: its
 * result, time, level and place in the completion order, the block back to
 * its free list. Returns the call's client, for wake_for. Inline, with
 * wake_for: once per request, in its completion hook. */
static inline __attribute__((always_inline)) run_client *finish(run_machine *rm, run_pb *p)
{
  run_pb_ended(rm, p);
  p->ends++;
  if (p->made_lean) { /* unnamed, sync, per-iteration: back to its free list, no more */
    run_home_push(p->home, p);
    return p->client;
  }
  const sim_sc_shape *sc = p->shape;
  if (p->recorded)
    run_record_end(rm, p->call, p, p->pb.ioParam.ioResult);
  run_put_back(rm, p, sc);
  run_client *c = p->client;
  run_uncount(c, sc);
  return c;
}

/* Wakes client c of machine rm, whose call ci (block p) finished, if it
 * waits for it. */
static inline __attribute__((always_inline)) void wake_for(run_machine *rm, run_client *c,
                                                           run_pb *p, size_t ci)
{
  if ((c->block == RUN_SYNC && c->wait_pb == p) || (c->block == RUN_WAIT && c->wait_call == ci) ||
      (c->block == RUN_WAIT_ALL && c->outstanding == 0))
    wake(rm, c);
}

/* A call of a completion routine's `then` block, made where the routine
 * runs (run_issue_from). */
static void issue_in_routine(run_client *c, const sim_sc_stmt *st)
{
  (void)run_issue_from(c->rm, c, st, 1);
}

/* Completion routine of every async call the executor sends: it runs where
 * the Device Manager calls it (task or secondary interrupt level). The call
 * is finished first, then the calls of its statement's `then` block are
 * made there, as real code chains I/O (reusing the block is allowed: it is
 * free once its routine runs). */
pascal void run_on_completion(ParmBlkPtr pb)
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
  wake_for(rm, c, p, ci);
}

/* run_pb_done for block p (NULL: not the executor's). */
static inline __attribute__((always_inline)) void done(run_machine *rm, run_pb *p)
{
  if (p != NULL && p->busy && p->pb.ioParam.ioResult <= 0) {
    size_t ci = p->call;
    wake_for(rm, finish(rm, p), p, ci);
  }
}

/* run_pb_done for a block its hint did not name, or not lean. */
static __attribute__((noinline)) void done_found(run_machine *rm, const void *pb)
{
  done(rm, run_pb_find(rm, pb));
}

/* done_lean for block p, finished, when its client c does not wait for
 * it (it finished during its send): back to its free list, and c woken if
 * it waits for something p ends. Out of line: rare. */
static __attribute__((noinline)) void done_lean_unwaited(run_machine *rm, run_client *c, run_pb *p)
{
  rm->nbusy--; /* (not parked: no longer counted) */
  run_home_push(p->home, p);
  wake_for(rm, c, p, p->call);
}

/* done for block p, sent by run_send_lean and in flight (its hint named
 * it). Its client blocks on it in a sync wait, unless it finished during
 * that send: the client is woken, and
 * p parked with it for its next step (run_client.parked), which most
 * likely sends p again, so that p is not put on its free list to be taken
 * off it at once. (A client blocked in a sync wait has its event idle:
 * only its own step, run from that event, blocks it, and a wake arms the
 * event only after it leaves the wait.)
 * A client in a sync wait while its lean block p is in flight waits for
 * p: only its own step sends p (a per-iteration block of one of its
 * statements, sent lean from its step alone), which then blocks on p
 * unless p finished during the send, and nothing but p's completion ends
 * that wait (wake_for); so c->wait_pb is not compared. c may be in its
 * own step instead (p finished during its send), or, past a limit hit in
 * one of its completion routines, done (send.c): neither waits. */
static inline __attribute__((always_inline)) void done_lean(run_machine *rm, run_pb *p)
{
  if (p->pb.ioParam.ioResult > 0)
    return;
  /* (No count of ends: run_send_lean tells by busy. Still counted in
   * rm->nbusy while parked: done_lean_unwaited stops counting a block
   * that is not.) */
  p->busy = 0;
  run_client *c = p->client;
  if (__builtin_expect(c->block != RUN_SYNC, 0)) {
    done_lean_unwaited(rm, c, p);
    return;
  }
  c->parked = p;
  c->block = RUN_READY;
  if (rm->next_step == NULL && sim_evq_size(&rm->w.irq) + sim_evq_size(&rm->w.task) == 0) {
    /* A direct wake: no event is armed (and no other client's step is
     * next), so c's event, due now, would be the next event the loop runs
     * whatever is armed before it runs: an event armed later is due now
     * or later (the clock never goes back) and armed after it (a larger
     * seq). So the loop runs c's step next without the push and the pop
     * (run.c, run_events), as it would have run its event: the same clock
     * (its time is now or earlier), the step spent the same way. Its seq
     * is taken all the same, so that every later event is numbered as
     * before. (c's event stays idle meanwhile: nothing arms it, since only
     * c's own step blocks c, and a wake needs it blocked.) */
    rm->w.seq++;
    rm->next_step = c;
    return;
  }
  sim_world_arm_task_now(&rm->w, &c->ev);
}

/* The Device Manager's word that pb's call finished (after any routine):
 * a block its routine sent again is in progress, and not finished here. A
 * block in flight that run_send_lean sent and its hint names, once per
 * request in a serialized run, is finished inline; any other on a call out
 * of line (done_found), so that this path makes no call but the wake's,
 * last, and saves no register. */
void run_pb_done(void *ctx, void *pb)
{
  run_machine *rm = ctx;
  run_pb *p = run_pb_hinted(rm, pb);
  if (p == NULL || p->busy != RUN_PB_BUSY_LEAN) {
    done_found(rm, pb);
    return;
  }
  done_lean(rm, p);
}

/* ---- the client's statements ------------------------------------------------ */

/* Runs statement st of client c, any kind but a call (client_go sends
 * those). Returns 1 when the client blocks or ends. */
static int statement(run_client *c, const sim_sc_stmt *st)
{
  run_machine *rm = c->rm;
  run_place_stmt(&rm->place, c, st);
  switch (st->kind) {
  case SIM_SC_ST_CALL: /* (not reached: client_go sends calls) */
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
      *++c->top = (run_frame){ r->body, r->body + r->nbody, r->body, r->count };
    return 0;
  }
  }
  return 0;
}

/* Frame f, client c's top, ran its last statement: its body runs again
 * while iterations are left, else it is popped. Returns the frame to go
 * on with, c's top, or NULL when f was the client's own body: the client
 * ended. */
static inline run_frame *frame_end(run_client *c, run_frame *f)
{
  if (f->left > 1) {
    f->left--;
    f->next = f->body;
    return f;
  }
  if (f == &c->stack[0]) {
    c->block = RUN_DONE;
    return NULL;
  }
  c->top = f - 1;
  return f - 1;
}

/* Run statements of client c, ready, until it blocks or ends. (Out of
 * line: client_task's common step then saves only the registers its lean
 * send needs.) */
static __attribute__((noinline)) void client_go(run_client *c)
{
  run_pb *parked = c->parked;
  if (parked != &run_no_parked) { /* not sent again by client_task: back to its free list */
    c->parked = &run_no_parked;
    c->rm->nbusy--; /* (no longer counted: rm->nbusy) */
    run_home_push(parked->home, parked);
  }
  do {
    /* (Read again at each statement rather than kept across it: only c is
     * then alive across a statement's calls, which saves registers, the
     * common statement ending the step.) */
    run_machine *rm = c->rm;
    run_frame *f = c->top;
    while (f->next == f->end)
      if ((f = frame_end(c, f)) == NULL)
        return;
    const sim_sc_stmt *st = f->next++;
    run_step(rm, RUN_STEP_CLIENT, c);
    /* A call, the common statement, is sent here (run_issue_from, inline),
     * and names its own place (run_mark_sent). */
    if (st->kind == SIM_SC_ST_CALL ? run_issue_from(rm, c, st, 0) : statement(c, st))
      return;
    /* (A limit hit by a statement stops the client: RUN_DONE.) */
  } while (c->block == RUN_READY);
}

/* client_go for a direct step (run_client_step_woken) that spends the
 * loop's event step first. Out of line: the common step, a resend, then
 * reads the budget only where it spends both steps at once (inline, gcc
 * loaded it once for both ways, and stored it apart from the decrement). */
static __attribute__((noinline)) void client_go_counted(run_client *c)
{
  if (sim_world_spend_step(&c->rm->w))
    run_step_overrun(c->rm, RUN_STEP_EVENT, NULL);
  client_go(c);
}

/* resend_parked when the instant's budget does not cover its steps: the
 * last of them is one too many. The budget is put back as it was and the
 * steps are spent one by one, as they were before they were spent
 * together: the event's first when the loop's step is counted here (steps
 * 2), before anything of the client changed, then the client's, after the
 * frame moved past st (what run_step_overrun reports). Does not return. */
static __attribute__((noinline, cold, noreturn)) void
resend_over(run_machine *rm, run_client *c, run_frame *f, const sim_sc_stmt *st,
            int next_iteration, int64_t steps)
{
  rm->w.steps_left += steps;
  if (steps > 1 && sim_world_spend_step(&rm->w))
    run_step_overrun(rm, RUN_STEP_EVENT, NULL);
  if (next_iteration)
    f->left--;
  c->parked = &run_no_parked;
  f->next = st + 1;
  (void)sim_world_spend_step(&rm->w); /* (the budget had less than steps: this one is over) */
  run_step_overrun(rm, RUN_STEP_CLIENT, c);
}

/* Client c, ready, sends its parked block p again for statement st, the
 * next of frame f, or, with next_iteration, the first of f's next
 * iteration (f->left counts it down): the frame moves past st, and what
 * follows the call when it does not block runs through client_go. The
 * client's step, and with it the loop's event step when steps is 2 (a
 * direct step, run_client_step_woken), is spent first, by one decrement. */
static inline __attribute__((always_inline)) void
resend_parked(run_client *c, run_frame *f, run_pb *p, const sim_sc_stmt *st, int next_iteration,
              int64_t steps)
{
  run_machine *rm = c->rm;
  if (__builtin_expect((rm->w.steps_left -= steps) < 0, 0))
    resend_over(rm, c, f, st, next_iteration, steps);
  if (next_iteration)
    f->left--;
  c->parked = &run_no_parked;
  f->next = st + 1;
  if (!run_send_lean(rm, c, p, st, 0) && p->client->block == RUN_READY)
    client_go(p->client); /* (c, read again from its block: run_send_lean) */
}

/* A client's step, c ready: the body of run_client_step and
 * run_client_step_woken. The commonest step first, a repeat's sync call
 * sent again with the block the client waited for last (a serialized
 * run's every step): its next statement is that block's, parked with the
 * client when the wait ended (done_lean). Then the statement is known a
 * call (a lean block is bound to its call statement), and the frame moves
 * on without client_go's walk: to the statement after it, or, past the
 * body's last with iterations left, to the next iteration, as client_go
 * would (a repeat's body is never empty; the commonest repeat has a body
 * of one statement). Anything else goes through client_go. steps: the
 * steps to spend, the client's (1), or also the loop's event step (2:
 * run_client_step_woken), spent here before the client's, as the loop
 * would have. (Apart from run_client_step, whose body it is, because the
 * two as one saved more registers: 4 instructions a request more.) */
static inline __attribute__((always_inline)) void client_ready(run_client *c, int64_t steps)
{
  run_frame *f = c->top;
  const sim_sc_stmt *st = f->next;
  run_pb *p = c->parked; /* (run_no_parked: its st matches no statement) */
  if (st != f->end) {
    if (p->st == st) {
      resend_parked(c, f, p, st, 0, steps);
      return;
    }
  } else if (f->left > 1 && p->st == f->body) {
    resend_parked(c, f, p, f->body, 1, steps);
    return;
  }
  if (steps > 1)
    client_go_counted(c);
  else
    client_go(c);
}

/* A client's step from its event: ready again when its time came. */
static void client_task(void *arg)
{
  run_client *c = arg;
  if (__builtin_expect(c->block != RUN_READY, 0)) {
    if (c->block != RUN_TIME)
      return;
    c->block = RUN_READY;
  }
  client_ready(c, 1);
}

/* A client's event. It runs its step directly, with no dm_machine_run_task
 * around it: the run keeps its machine current for all of its event loop
 * (run_machine_once), whose task-level events run from the loop itself, never
 * nested in driver code (a sync wait steps interrupt-level events only),
 * so that the machine is then always at task level with no secondary
 * interrupt handler queued or running (an interrupt's and a timer's events
 * run their handlers before they return): dm_machine_run_task's contract
 * holds without its tests. */
void run_client_step(dm_event *ev)
{
  /* (The event is its client's first member: the client is found without
   * a load, which everything the step reads would wait for.) */
  _Static_assert(offsetof(run_client, ev) == 0, "a client's event is its first member");
  client_task((run_client *)(void *)ev);
}

/* (No test of c->block in either: done_lean made it RUN_READY, and only
 * c's own step changes it then but for a limit, which stops the loop
 * before the step: run_limit. Two functions, so that the loop passes no
 * constant.) */
void run_client_step_woken(run_client *c)
{
  client_ready(c, 2);
}

void run_client_step_woken_uncounted(run_client *c)
{
  client_ready(c, 1);
}

void run_clients_check_hung(run_machine *rm)
{
  for (size_t i = 0; i < rm->sc->nclients; i++) {
    run_client *c = &rm->clients[i];
    if (c->block != RUN_SYNC && c->block != RUN_WAIT && c->block != RUN_WAIT_ALL)
      continue;
    char msg[400];
    size_t ci = c->block == RUN_SYNC ? c->wait_pb->call : c->wait_call;
    const sim_sc_call *call = c->block == RUN_WAIT_ALL ? NULL : &rm->sc->calls[ci];
    const sim_sc_shape *sc = call == NULL ? NULL : sim_sc_call_shape(rm->sc, ci);
    const char *name = call == NULL ? "" : sim_sc_call_name(rm->sc, ci);
    if (c->block == RUN_SYNC)
      snprintf(msg, sizeof msg,
               "client %s is blocked in a sync %s (%s:%d:%d) that nothing can ever complete",
               c->sc->name, sim_sc_op_name(sc->op), rm->path, c->wait_pb->st->line,
               c->wait_pb->st->col);
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
