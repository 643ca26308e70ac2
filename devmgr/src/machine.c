/*
 * machine.c - a machine's life, the current machine, and execution levels.
 *
 * Levels follow the Native Driver Model: hardware interrupt handlers run at
 * DM_LVL_HWI; secondary interrupt handlers run one at a time at DM_LVL_SIH,
 * in the order they were queued, before task level resumes; everything else
 * runs at task level. Because dmsim is single-threaded, "preemption" is a
 * nested call: an interrupt delivered while task-level code waits in a sync
 * call runs inside that wait (dm_wait steps the world).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm-int.h"

_Thread_local dm_machine *dm__current;
_Thread_local uint32_t dm__nesting;

dm_machine *dm_machine_enter(dm_machine *m)
{
  return dm__enter(m);
}

void dm_machine_leave(dm_machine *prev)
{
  dm__current = prev;
}

dm_machine *dm_machine_current(void)
{
  return dm__current;
}

dm_machine *dm_machine_new(const dm_machine_config *cfg)
{
  const dm_platform *p = &cfg->platform;
  if (p->now == NULL || p->arm == NULL || p->disarm == NULL || p->step_interrupts == NULL)
    return NULL;
  dm_machine *m = calloc(1, sizeof *m);
  if (m == NULL)
    return NULL;
  m->cfg = *cfg;
  m->lean = cfg->trace == NULL && cfg->pb_done == NULL && cfg->check == DM_CHECK_OFF &&
            !cfg->count;
  if (cfg->count && (m->counts = calloc(DM_COUNTS_ROWS, sizeof *m->counts)) == NULL) {
    free(m);
    return NULL;
  }
  uint32_t units = cfg->units ? cfg->units : 64;
  if (units > DM_UNITS_MAX)
    units = DM_UNITS_MAX;
  m->units = calloc(units, sizeof *m->units);
  if (m->units == NULL || dm__slots_init(m, cfg->slots ? cfg->slots : 256) != 0) {
    free(m->units);
    free(m->counts);
    free(m);
    return NULL;
  }
  m->nunits = (uint16_t)units;
  m->call_ref = DM_NO_CALL_REF;
  m->level = DM_LVL_TASK;
  m->no_steps = INT64_MAX;
  m->steps = cfg->steps != NULL ? (int64_t *)cfg->steps : &m->no_steps;
  m->sih_frame.what = DM_ENTRY_SIH; /* (id 0: no command) */
  m->hw_start = p->hw_start != NULL ? p->hw_start : dm__hw_start_none;
  m->in_driver = &m->no_driver;     /* (all zero: DM_ENTRY_NONE) */
  dm__pool_init(&m->sih_pool, sizeof(dm_sih));
  dm__pool_init(&m->timer_pool, sizeof(dm_timer));
  return m;
}

static void unit_free(dm_machine *m, dm_unit *u)
{
  m->cfg.platform.disarm(m->cfg.platform.ctx, &u->lifecycle);
  m->cfg.platform.disarm(m->cfg.platform.ctx, &u->closer);
  free(u);
}

void dm_machine_free(dm_machine *m)
{
  if (m == NULL)
    return;
  for (uint16_t i = 0; i < m->nunits; i++)
    if (m->units[i] != NULL)
      unit_free(m, m->units[i]);
  while (m->gone != NULL) {
    dm_unit *u = m->gone;
    m->gone = u->gone;
    unit_free(m, u);
  }
  /* Timers still armed belong to the world's queue: take them out first. */
  for (size_t c = 0; c < m->timer_pool.nchunks; c++) {
    dm_timer *t = m->timer_pool.chunks[c];
    for (size_t i = 0; i < DM_POOL_CHUNK; i++)
      if (t[i].armed)
        m->cfg.platform.disarm(m->cfg.platform.ctx, &t[i].ev);
  }
  dm__pool_free(&m->sih_pool);
  dm__pool_free(&m->timer_pool);
  dm__pool_blocks_free(m);
  free(m->units);
  free(m->slots);
  free(m->counts);
  if (dm__current == m)
    dm__current = NULL;
  free(m);
}

/* dm__take_step's step one too many, for the handler loop below: h, the
 * handler about to run, is handed through, so that the loop keeps it in no
 * saved register for this rare call. */
static __attribute__((noinline, cold)) dm_sih *step_over(dm_machine *m, dm_sih *h)
{
  m->cfg.sih_step(m->cfg.sih_step_ctx);
  return h;
}

/* Handler h, the head of m's queue, taken off it and run at secondary
 * interrupt level under the loop's frame (run_sih). unlink: m->sih_one's
 * link is cleared when h is that record (run_rest; the first handler
 * run_sih runs leaves it, see there). */
static inline __attribute__((always_inline)) void run_handler(dm_machine *m, dm_sih *h,
                                                              bool unlink)
{
  m->sih_frame.u = h->owner;
  /* The step is taken with h still at the head of the queue, so that
   * whatever the step hook queued goes behind it (and never into
   * m->sih_one while h is that record). */
  if (DM_UNLIKELY(--*m->steps < 0))
    h = step_over(m, h);
  m->sih_head = h->next; /* (sih_tail: dm_machine.sih_head) */
  SecondaryInterruptHandler2 fn = h->fn;
  void *p1 = h->p1;
  if (h != &m->sih_one)
    dm__pool_put(&m->sih_pool, h);
  else if (unlink)
    h->next = NULL;
  /* (p2 read last, so that it is read into its argument's register: a
   * record put back keeps its fields but its link until it is taken
   * again, and nothing takes it before fn runs) */
  fn(p1, h->p2);
}

/* The handlers queued behind the first one run_sih ran (or while it ran),
 * out of line: an interrupt's common case is one handler, which then runs
 * no loop. */
static __attribute__((noinline)) void run_rest(dm_machine *m)
{
  /* m->sih_one's link is NULL whenever it is not queued: the first
   * handler, run in line, may have been that record with a link, which is
   * left for here. Such a record had a handler behind it, at the head
   * since (only this loop takes handlers off the queue, and it never
   * nests), so the queue was never empty meanwhile and the record was not
   * queued again: it is not the head now. Queued again (at the head: it is
   * queued only into an empty queue), its link is its own. */
  if (m->sih_head != &m->sih_one)
    m->sih_one.next = NULL;
  dm_sih *h;
  while ((h = m->sih_head) != NULL)
    run_handler(m, h, true);
}

/* dm__run_sih's body: inline there, in dm_machine_run_at and in
 * dm_machine_interrupt, where an interrupt's handler runs once it returns
 * (a device's every completion). m has a handler queued: callers test.
 * saved is the level to go back to afterwards, m->level unless the caller
 * knows it (dm_machine_interrupt: task level, without storing it first).
 * The handlers run at secondary interrupt level, set once: whatever a
 * handler runs puts the level back as it found it. */
static inline __attribute__((always_inline)) void run_sih(dm_machine *m, dm_level saved)
{
  m->level = DM_LVL_SIH;
  m->sih_running = 1;
  /* One frame for all the handlers run here, each attributed to the driver
   * that queued it: whatever a handler runs puts m->in_driver back as it
   * found it, so the frame stays the innermost between handlers. The loop
   * never nests, so the frame is the machine's (m->sih_frame). A lean
   * machine keeps m->in_driver as it is, so that putting back the outer
   * frame needs no test. */
  dm_in_driver *outer = m->in_driver;
  m->sih_frame.outer = outer;
  m->in_driver = DM_LIKELY(!m->lean) ? &m->sih_frame : outer; /* (watched in line) */
  run_handler(m, m->sih_head, false);
  if (DM_UNLIKELY(m->sih_head != NULL))
    run_rest(m);
  m->in_driver = m->sih_frame.outer;
  m->level = saved;
  m->sih_running = 0;
}

void dm__run_sih(dm_machine *m)
{
  if (m->sih_head != NULL)
    run_sih(m, m->level);
}

/* Back to level saved after code run at a higher one: the handlers queued
 * meanwhile run once it is below DM_LVL_SIH (dm__drain_sih, inline). */
static inline __attribute__((always_inline)) void level_back(dm_machine *m, dm_level saved)
{
  m->level = saved;
  if (saved < DM_LVL_SIH && m->sih_head != NULL && !m->sih_running)
    run_sih(m, saved);
}

void dm_machine_run_at(dm_machine *m, dm_level lvl, void (*fn)(void *arg), void *arg)
{
  dm_machine *prev = dm__enter(m);
  dm_level saved = m->level;
  m->level = lvl;
  fn(arg);
  level_back(m, saved);
  dm__current = prev;
}

/* dm_machine_interrupt in any other case than its common one (m not
 * current, or not at task level, or a handler loop under way): what
 * dm_machine_run_at does, the handler called directly. Out of line, so
 * that the common case keeps nothing across its calls but m. */
static __attribute__((noinline)) void interrupt_nested(dm_machine *m, void *refCon,
                                                       dm_hw_done_fn done)
{
  dm_machine *prev = dm__enter(m);
  dm_level saved = m->level;
  m->level = DM_LVL_HWI;
  done(refCon, 0);
  level_back(m, saved);
  dm__current = prev;
}

void dm_machine_interrupt(dm_machine *m, void *refCon, dm_hw_done_fn done)
{
  /* dm_machine_run_at with the handler called directly: a device's every
   * completion comes here. Commonly m is current already (a run keeps its
   * machine current for its whole event loop) and at task level with no
   * handler loop under way: then the level to go back to is task level,
   * the handlers queued meanwhile run at once (the level stored by their
   * loop only), and the current machine is m again when they return, as
   * everything they run puts it back, so nothing is kept but m. */
  _Static_assert(DM_LVL_TASK == 0 && sizeof(dm_level) == sizeof(uint32_t),
                 "task level and no loop under way: level_loop 0");
  if (DM_UNLIKELY(dm__current != m || m->level_loop != 0)) {
    interrupt_nested(m, refCon, done);
    return;
  }
  m->level = DM_LVL_HWI;
  done(refCon, 0);
  if (m->sih_head != NULL)
    run_sih(m, DM_LVL_TASK);
  else
    m->level = DM_LVL_TASK;
}

void dm_machine_run_task(dm_machine *m, void (*fn)(void *arg), void *arg)
{
  /* Anything but the common case (m idle at task level: no handler queued
   * or running) is dm_machine_run_at's. */
  if (DM_UNLIKELY(m->level != DM_LVL_TASK || m->sih_head != NULL || m->sih_running)) {
    dm_machine_run_at(m, DM_LVL_TASK, fn, arg);
    return;
  }
  /* Nothing to drain after fn: at task level, with no handler running, every
   * handler fn queues has run before control is back in fn
   * (QueueSecondaryInterruptHandler at task level runs the queue at once; an
   * interrupt's dm_machine_run_at, and CallSecondaryInterruptHandler2, run
   * it when they return to task level). So only the current machine is
   * kept across the call, and the step saves one register. */
  dm_machine *prev = dm__enter(m);
  fn(arg);
  dm__current = prev;
}

dm_level dm_machine_level(const dm_machine *m)
{
  return m->level;
}

const dm_platform *dm_machine_platform(const dm_machine *m)
{
  return &m->cfg.platform;
}

void dm_machine_set_client(dm_machine *m, const char *client)
{
  m->client = client;
}

uint32_t dm_machine_inflight(const dm_machine *m)
{
  /* Counted when asked, not kept: the request path does not pay for it. */
  uint32_t n = 0;
  for (uint32_t i = 0; i < m->nslots; i++)
    n += m->slots[i].state == DM_SLOT_QUEUED || m->slots[i].state == DM_SLOT_ACTIVE;
  return n;
}

const char *dm_entry_name(dm_entry_kind k)
{
  switch (k) {
  case DM_ENTRY_DRIVERIO: return "DoDriverIO";
  case DM_ENTRY_SIH: return "a secondary interrupt handler";
  case DM_ENTRY_TIMER: return "an interrupt timer";
  default: return "no driver code";
  }
}

int dm_machine_where(const dm_machine *m, dm_where *w)
{
  memset(w, 0, sizeof *w);
  w->t = dm__now(m);
  w->level = m->level;
  const dm_in_driver *r = m->in_driver;
  if (r == &m->no_driver)
    return 0;
  w->entry = r->id != 0 ? DM_ENTRY_DRIVERIO : (dm_entry_kind)r->what;
  if (r->u != NULL) {
    w->ref = r->u->dce.dCtlRefNum;
    snprintf(w->driver, sizeof w->driver, "%s", r->u->name);
  }
  uint32_t si = r->id != 0 ? dm__slot_lookup(m, r->id) : DM_NO_SLOT;
  if (si != DM_NO_SLOT) {
    w->pb = m->slots[si].pb;
    dm__history(m, si, w->command, sizeof w->command);
  }
  return 1;
}
