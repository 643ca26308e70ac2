/*
 * sim/world/world.h - the simulated world: its clock and its event loop.
 *
 * A sim_world is the dm_platform devmgr runs on. Time is simulated
 * nanoseconds and moves only when an event runs: it jumps to the event's
 * due time. Interrupt-level events (lvl SIH or HWI) and task-level events
 * live in two queues so that a synchronous call waiting at task level can
 * let interrupts happen (step_interrupts) while task-level work stays held.
 * Both queues draw seq from one counter, so across the two queues events
 * still run in (t, arming order): the same arm calls always give the same
 * run.
 *
 * Not thread-safe; one world per thread.
 */
#ifndef SIM_WORLD_H
#define SIM_WORLD_H

#include <stdint.h>

#include "devmgr/platform.h"
#include "world/evq.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Prefetches for the events due a few events from now, one per stage
 * (stage 0 the farthest ahead), each NULL when there is none (see
 * sim_world_set_warm). */
typedef void (*sim_world_warm_fn)(dm_event *stage0, dm_event *stage1, dm_event *stage2);
/* Told that ev was armed `after` ns from now, past the clock's end
 * (2^64-1 ns, about 584 years): see sim_world_arm_irq_in. */
typedef void (*sim_world_past_end_fn)(void *ctx, const dm_event *ev, uint64_t after);

typedef struct sim_world {
  uint64_t          now;     /* simulated ns; never decreases */
  uint64_t          seq;     /* next tie-break number, shared by both queues */
  /* A watchdog's budget of steps per simulated instant: steps_left is
   * what the current instant has left, and starts again at the budget
   * whenever the clock moves (sim_world__advance). Signed, and at most
   * 2^63-1, so that a step is spent by one decrement and a test of its
   * sign (sim_world_spend_step). */
  int64_t           steps_left;
  int64_t           steps_after_first; /* the budget less an instant's first step */
  sim_evq           irq;     /* events with lvl != DM_LVL_TASK */
  sim_evq           task;    /* events with lvl == DM_LVL_TASK */
  dm_event_fn       warm_of; /* events with this fn get warm calls, or NULL */
  sim_world_warm_fn warm;
  sim_world_past_end_fn past_end; /* or NULL (set by the embedder) */
  void             *past_end_ctx;
} sim_world;

/* A world at time 0 with no events. Returns 0, or -1 when out of memory. */
int sim_world_init(sim_world *w);
/* Release the queues. Armed events are forgotten (their idx is left as is). */
void sim_world_free(sim_world *w);

/* The platform backed by w: ctx = w, with now, arm, disarm and
 * step_interrupts set and hw_start NULL (see sim_hw_platform_start in hw.h).
 * arm aborts the process if a queue cannot grow, since the interface has no
 * way to report it; use sim_world_arm to get the error instead. */
dm_platform sim_world_platform(sim_world *w);

/* The current simulated time. Inline: a request reads it several times. */
static inline uint64_t sim_world_now(const sim_world *w)
{
  return w->now;
}
/* From now on each simulated instant has a budget of `steps` steps
 * (UINT64_MAX, the default: no budget to speak of), the current one
 * included. A budget over 2^63-1 steps is 2^63-1, which no run reaches
 * (centuries of steps at one instant); a budget of 0 is 1, an instant's
 * first step (so that a new instant's first event never needs the test
 * of a step one too many: sim_world__spend_run). */
static inline void sim_world_set_step_budget(sim_world *w, uint64_t steps)
{
  int64_t budget = steps > (uint64_t)INT64_MAX ? INT64_MAX : steps == 0 ? 1 : (int64_t)steps;
  w->steps_after_first = budget - 1;
  w->steps_left = budget;
}
/* Spend one step of the current instant's budget. Returns 1 when the
 * budget was spent already: the step is one too many. Inline and a
 * decrement: a watchdog counts several steps a request, and the world,
 * which moves the clock, starts each instant's budget (rather than each
 * step comparing the clock with the last step's). (What was left is 0 to
 * 2^63-1 before a step: one too many leaves -1, whose sign the decrement
 * itself sets, so the test is one jump.) */
static inline int sim_world_spend_step(sim_world *w)
{
  return --w->steps_left < 0;
}
/* The word sim_world_spend_step decrements: for a machine that spends
 * steps of the same budget itself (dm_machine_config.steps), as an
 * unsigned word, the same value while 0 to 2^63-1: its step one too many
 * is the one that finds 0, as here. */
static inline uint64_t *sim_world_step_budget_left(sim_world *w)
{
  return (uint64_t *)&w->steps_left;
}
/* The clock moves to t (later than now): a new instant, a new budget. */
static inline void sim_world__advance(sim_world *w, uint64_t t)
{
  w->now = t;
  w->steps_left = w->steps_after_first + 1;
}
/* The queue that holds ev, by its level. */
static inline sim_evq *sim_world_queue_for(sim_world *w, const dm_event *ev)
{
  return ev->lvl == DM_LVL_TASK ? &w->task : &w->irq;
}
/* Arm ev (not armed already) to run at ev->t, clamped up to now, in the
 * queue its lvl selects; lvl must not change until ev runs or is disarmed.
 * Returns 0, or -1 when out of memory (ev stays idle). Inline: a serialized
 * request arms two events (its device's completion and its client). */
static inline int sim_world_arm(sim_world *w, dm_event *ev)
{
  if (ev->t < w->now)
    ev->t = w->now;
  /* (A push that fails uses a seq number up: harmless, seq only orders;
   * and the push is then a caller's last call, made without saving
   * registers.) */
  return sim_evq_push(sim_world_queue_for(w, ev), ev, w->seq++);
}
/* sim_world_arm for ev, a task-level event (lvl DM_LVL_TASK), due now:
 * its queue and time known, neither is looked at. */
static inline int sim_world_arm_task_now(sim_world *w, dm_event *ev)
{
  ev->t = w->now;
  return sim_evq_push(&w->task, ev, w->seq++);
}
/* Tells w's past_end hook, if set, that ev (NULL: an event not made yet)
 * was to be due `after` ns from now, past the clock's end: for a caller
 * that computes a due time itself (a SCSI command's latency), which then
 * arms it at the clock's last instant, 2^64-1 ns, never sooner. */
void sim_world_past_end(sim_world *w, const dm_event *ev, uint64_t after);
/* world.c: sim_world_arm_irq_in past the clock's end (out of line, called
 * last, so that the common case saves no register for it). */
int sim_world__arm_past_end(sim_world *w, dm_event *ev, uint64_t after);
/* sim_world_arm for ev, an interrupt-level event (lvl != DM_LVL_TASK), due
 * `after` ns from now (a device's completion): its queue known, not looked
 * at. A time past the clock's end (now + after wraps) is the clock's last
 * instant, 2^64-1 ns, and w->past_end, when set, is told first: a time
 * that cannot be represented is never silently made shorter. */
static inline int sim_world_arm_irq_in(sim_world *w, dm_event *ev, uint64_t after)
{
  uint64_t t = w->now + after;
  if (__builtin_expect(t < w->now, 0))
    return sim_world__arm_past_end(w, ev, after);
  ev->t = t;
  return sim_evq_push(&w->irq, ev, w->seq++);
}
/* Whether no interrupt-level event is armed: sim_world_arm_irq_in then
 * cannot fail (a push into an empty queue never needs memory). */
static inline int sim_world_irq_idle(const sim_world *w)
{
  return sim_evq_size(&w->irq) == 0;
}
/* Disarm ev if it is armed in w; a no-op otherwise. */
void sim_world_disarm(sim_world *w, dm_event *ev);
/* Number of events armed, in both queues. */
uint32_t sim_world_pending(const sim_world *w);
/* The due time of the event sim_world_step would run next: returns 1 and
 * sets *t, or returns 0 when no event is armed. */
int sim_world_next_due(const sim_world *w, uint64_t *t);

/*
 * Software pipelining for runs with many events pending, where what an
 * event's fn touches is likely not cached: before an event runs, warm gets
 * for each stage 0, 1 and 2 the event that will run SIM_WORLD_WARM_AHEAD +
 * 1 - 2 * stage events after it (as far as the queue can tell:
 * sim_evq_ahead) if its fn is `of`, else NULL, so that each stage can read
 * what the stage before prefetched and issue the next prefetches. One call
 * for the three (a call per stage, through the device to the Device
 * Manager, cost about a hundred instructions more an event). warm must
 * not change anything. One hook per world (a later call replaces it);
 * NULL removes it.
 */
#define SIM_WORLD_WARM_AHEAD 6u
void sim_world_set_warm(sim_world *w, dm_event_fn of, sim_world_warm_fn warm);

/* Run the earliest event of either queue: now advances to its time (a
 * task-level event held back while step_interrupts ran later ones runs
 * late, at now), then its fn runs (it is already disarmed, so fn may re-arm
 * it). Returns 1 if an event ran, 0 if none was armed. Inline, with the
 * two helpers below: a run's loop steps twice per serialized request, and
 * out of line the step's call and saved registers cost a tenth of an
 * event. */
static inline int sim_world_step(sim_world *w);

/* Whether b, the task queue's earliest event (or NULL), runs before a,
 * the interrupt queue's (or NULL): it is due first, or at the same time
 * and armed first. */
static inline int sim_world__task_first(const dm_event *a, const dm_event *b)
{
  return b != NULL && (a == NULL || b->t < a->t || (b->t == a->t && b->seq < a->seq));
}
/* The queue holding the earliest event of both, or NULL when both are
 * empty. */
static inline sim_evq *sim_world__earliest(sim_world *w)
{
  const dm_event *a = sim_evq_peek(&w->irq);
  const dm_event *b = sim_evq_peek(&w->task);
  if (sim_world__task_first(a, b))
    return &w->task;
  return a != NULL ? &w->irq : NULL;
}
/* world.c: the warm calls for the events due after the next one of q. */
void sim_world__warm_ahead(const sim_world *w, const sim_evq *q);
/* Runs the earliest event of q; moves the clock to its time first unless
 * the caller has (clocked: its time is now or earlier). */
static inline void sim_world__run_one_at(sim_world *w, sim_evq *q, int clocked)
{
  /* (A lone event has none after it to warm, and a queue too short to
   * have the nearest stage's event has none either.) */
  int alone = sim_evq_lone(q);
  dm_event *ev = sim_evq_pop(q);
  if (!alone && w->warm_of != NULL && sim_evq_ahead(q, SIM_WORLD_WARM_AHEAD - 4) != NULL)
    sim_world__warm_ahead(w, q);
  /* A task-level event held back while step_interrupts ran later ones is
   * overdue: it runs now, and the clock stays. */
  if (!clocked && ev->t > w->now)
    sim_world__advance(w, ev->t);
  ev->fn(ev);
}
static inline void sim_world__run_one(sim_world *w, sim_evq *q)
{
  sim_world__run_one_at(w, q, 0);
}
static inline int sim_world_step(sim_world *w)
{
  sim_evq *q = sim_world__earliest(w);
  if (q == NULL)
    return 0;
  sim_world__run_one(w, q);
  return 1;
}
/* What sim_world_step_spent calls, with its ctx, when the next event's
 * step is one too many for its instant: that event has not run, and stays
 * armed. */
typedef void (*sim_world_overrun_fn)(void *ctx);
/* sim_world_step_spent's step of q's earliest event, due at t: the clock
 * moves to t, a new instant with a new budget, or the current instant's
 * budget is spent from (a decrement in place); then the event runs. Inline
 * once for each queue: each then keeps what it chose in registers. */
static inline __attribute__((always_inline)) int
sim_world__spend_run(sim_world *w, sim_evq *q, uint64_t t, sim_world_overrun_fn overrun, void *ctx)
{
  if (t > w->now) { /* a new instant: its budget (at least 1) less this step */
    w->now = t;
    w->steps_left = w->steps_after_first;
  } else if (__builtin_expect(sim_world_spend_step(w), 0)) { /* (a decrement in place) */
    goto over;
  }
  sim_world__run_one_at(w, q, 1);
  return 1;
over:
  overrun(ctx);
  return -1;
}
/* sim_world_step for a run that counts its steps (a watchdog): the clock
 * moves to the next event's instant first, so that the event's step is
 * spent from that instant's budget (sim_world_spend_step), the budget the
 * steps the event then makes are spent from too. When the step is one too
 * many, overrun(ctx) is called and the event does not run. Returns 1 if an
 * event ran, 0 if none was armed (no step is spent then), -1 if overrun was
 * called and returned. */
static inline int sim_world_step_spent(sim_world *w, sim_world_overrun_fn overrun, void *ctx)
{
  const dm_event *a = sim_evq_peek(&w->irq);
  const dm_event *b = sim_evq_peek(&w->task);
  /* (No task-level event armed, the likely case: a client's step is most
   * often run directly, run_machine.next_step, and a device's completion
   * is then the next event; laid out in line.) */
  if (__builtin_expect(b == NULL, 1)) {
    if (a == NULL)
      return 0;
    return sim_world__spend_run(w, &w->irq, a->t, overrun, ctx);
  }
  if (sim_world__task_first(a, b))
    return sim_world__spend_run(w, &w->task, b->t, overrun, ctx);
  return sim_world__spend_run(w, &w->irq, a->t, overrun, ctx);
}
/* The same, looking at interrupt-level events only. Returns 1 if one ran,
 * 0 if none was armed (task-level events may still be). */
int sim_world_step_interrupts(sim_world *w);
/*
 * Step until no event is armed, or the next one is due after `until` (then
 * the clock advances to `until`, if that is later than now), or max_events
 * have run (0: no limit). When the queues empty, the clock stays at the last
 * event's time. Returns the number of events run.
 */
uint64_t sim_world_run(sim_world *w, uint64_t until, uint64_t max_events);

#ifdef __cplusplus
}
#endif
#endif /* SIM_WORLD_H */
