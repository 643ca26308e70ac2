/*
 * sim/world/world.c - the simulated clock and event loop behind dm_platform.
 *
 * Contracts (see world.h): the clock never goes back; events run in
 * (t, seq) order across both queues, seq being the arming order; an event
 * is disarmed before its fn runs; no allocation once the queues have grown
 * to their working size (and re-arming an event from its own fn never
 * allocates: see sim_evq_push).
 */
#include "world/world.h"

#include <stdio.h>
#include <stdlib.h>

/* Start big enough that ordinary runs never grow the queues. */
#define WORLD_QUEUE_CAPACITY 256u

int sim_world_init(sim_world *w)
{
  w->now = 0;
  w->seq = 0;
  sim_world_set_step_budget(w, UINT64_MAX);
  w->warm_of = NULL;
  w->warm = NULL;
  w->past_end = NULL;
  w->past_end_ctx = NULL;
  if (sim_evq_init(&w->irq, WORLD_QUEUE_CAPACITY) != 0)
    return -1;
  if (sim_evq_init(&w->task, WORLD_QUEUE_CAPACITY) != 0) {
    sim_evq_free(&w->irq);
    return -1;
  }
  return 0;
}

void sim_world_free(sim_world *w)
{
  sim_evq_free(&w->irq);
  sim_evq_free(&w->task);
}

void sim_world_disarm(sim_world *w, dm_event *ev)
{
  sim_evq_remove(sim_world_queue_for(w, ev), ev);
}

uint32_t sim_world_pending(const sim_world *w)
{
  return sim_evq_size(&w->irq) + sim_evq_size(&w->task);
}

int sim_world_next_due(const sim_world *w, uint64_t *t)
{
  const dm_event *a = sim_evq_peek(&w->irq);
  const dm_event *b = sim_evq_peek(&w->task);
  if (a == NULL && b == NULL)
    return 0;
  *t = a == NULL ? b->t : b == NULL ? a->t : a->t < b->t ? a->t : b->t;
  return 1;
}

void sim_world_set_warm(sim_world *w, dm_event_fn of, sim_world_warm_fn warm)
{
  w->warm_of = warm != NULL ? of : NULL;
  w->warm = warm;
}

void sim_world_past_end(sim_world *w, const dm_event *ev, uint64_t after)
{
  if (w->past_end != NULL)
    w->past_end(w->past_end_ctx, ev, after);
}

__attribute__((noinline, cold)) int sim_world__arm_past_end(sim_world *w, dm_event *ev,
                                                           uint64_t after)
{
  sim_world_past_end(w, ev, after);
  ev->t = UINT64_MAX;
  return sim_evq_push(&w->irq, ev, w->seq++);
}

/* The warm calls for the events due after the next one of q (see world.h).
 * Out of line: only runs with many events pending get here. */
__attribute__((noinline)) void sim_world__warm_ahead(const sim_world *w, const sim_evq *q)
{
  dm_event *s0 = sim_evq_ahead(q, SIM_WORLD_WARM_AHEAD);
  dm_event *s1 = sim_evq_ahead(q, SIM_WORLD_WARM_AHEAD - 2);
  dm_event *s2 = sim_evq_ahead(q, SIM_WORLD_WARM_AHEAD - 4);
  dm_event_fn of = w->warm_of;
  w->warm(s0 != NULL && s0->fn == of ? s0 : NULL, s1 != NULL && s1->fn == of ? s1 : NULL,
          s2 != NULL && s2->fn == of ? s2 : NULL);
}

int sim_world_step_interrupts(sim_world *w)
{
  if (sim_evq_size(&w->irq) == 0)
    return 0;
  sim_world__run_one(w, &w->irq);
  return 1;
}

uint64_t sim_world_run(sim_world *w, uint64_t until, uint64_t max_events)
{
  uint64_t ran = 0;
  while (max_events == 0 || ran < max_events) {
    sim_evq *q = sim_world__earliest(w);
    if (q == NULL)
      break;
    if (sim_evq_peek(q)->t > until) {
      if (until > w->now)
        sim_world__advance(w, until);
      break;
    }
    sim_world__run_one(w, q);
    ran++;
  }
  return ran;
}

/* --- dm_platform adapters ------------------------------------------------ */

static uint64_t plat_now(void *ctx)
{
  return sim_world_now(ctx);
}

static void plat_arm(void *ctx, dm_event *ev)
{
  if (sim_world_arm(ctx, ev) != 0) {
    /* dm_platform.arm cannot fail, and silently dropping an event would
     * leave devmgr waiting forever: stop loudly instead. */
    fprintf(stderr, "dmsim: out of memory arming an event\n");
    abort();
  }
}

static void plat_disarm(void *ctx, dm_event *ev)
{
  sim_world_disarm(ctx, ev);
}

static int plat_step_interrupts(void *ctx)
{
  return sim_world_step_interrupts(ctx);
}

dm_platform sim_world_platform(sim_world *w)
{
  dm_platform p = {
    .ctx = w,
    .now = plat_now,
    .clock = &w->now,
    .arm = plat_arm,
    .disarm = plat_disarm,
    .step_interrupts = plat_step_interrupts,
    .hw_start = NULL,
  };
  return p;
}
