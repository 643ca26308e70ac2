/*
 * sim/view/view_model.c - the machine's state as trace records describe it
 * (view.h): the unit table with each DCE's flags and runtime, dCtlQHdr, the
 * requests inside each driver, the completion routine that runs, the
 * execution level, violations, and the last records as text.
 *
 * The bookkeeping is the trace writers' (sim/trace/trace_core.c): enqueue
 * puts a block on its unit's queue, dispatch puts a command inside the
 * driver, complete takes the block off the queue and the command out of the
 * driver, wherever they are; a complete that matches nothing (a driver
 * completing twice) changes nothing.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "view/view.h"

void sim_view_model_init(sim_view_model *m)
{
  memset(m, 0, sizeof *m);
  m->cur_unit = -1;
  m->machine = "main";
}

static void units_free(sim_view_model *m)
{
  for (uint32_t i = 0; i < m->nunits; i++) {
    free(m->units[i].queue);
    free(m->units[i].inside);
  }
  free(m->units);
  m->units = NULL;
  m->nunits = m->capunits = 0;
  for (uint32_t i = 0; i < m->nhbas; i++)
    free(m->hbas[i].slots);
  free(m->hbas);
  m->hbas = NULL;
  m->nhbas = m->caphbas = 0;
}

void sim_view_model_free(sim_view_model *m)
{
  units_free(m);
  sim_map_free(&m->pbnum);
}

void sim_view_model_reset(sim_view_model *m, const char *machine)
{
  sim_view_model_free(m);
  sim_view_model_init(m);
  m->machine = machine != NULL ? machine : "main";
}

/* The unit of ref (the latest one on that refNum), made if need be; -1 when
 * out of memory. */
static int unit_of(sim_view_model *m, int16_t ref, int fresh)
{
  for (uint32_t i = m->nunits; !fresh && i > 0; i--)
    if (m->units[i - 1].ref == ref)
      return (int)i - 1;
  if (SIM_VEC_RESERVE(m->units, m->capunits, (size_t)m->nunits + 1, 8) != 0)
    return m->oom = 1, -1;
  sim_view_unit *u = &m->units[m->nunits];
  memset(u, 0, sizeof *u);
  u->ref = ref;
  snprintf(u->name, sizeof u->name, "ref %d", ref);
  return (int)m->nunits++;
}

static int push(sim_view_model *m, sim_view_req **a, uint32_t *n, size_t *cap, sim_view_req q)
{
  if (sim_vec_reserve(a, cap, (size_t)*n + 1, sizeof **a, 8, 0) != 0)
    return m->oom = 1, -1;
  (*a)[(*n)++] = q;
  return 0;
}

/* Remove the first element matching pb (id 0) or id; returns 1 if found. */
static int take(sim_view_req *a, uint32_t *n, uint64_t pb, uint64_t id)
{
  for (uint32_t i = 0; i < *n; i++) {
    if (id ? a[i].id == id : a[i].pb == pb) {
      memmove(&a[i], &a[i + 1], (*n - i - 1) * sizeof *a);
      (*n)--;
      return 1;
    }
  }
  return 0;
}

static void log_line(sim_view_model *m, const dm_trace_rec *r, uint64_t pb, int unit)
{
  if (m->nlog == SIM_VIEW_LOG) {
    memmove(m->log[0], m->log[1], (SIM_VIEW_LOG - 1) * sizeof m->log[0]);
    m->nlog--;
  }
  char *l = m->log[m->nlog++];
  int n = snprintf(l, SIM_VIEW_LINE, "%4" PRIu64 ".%06" PRIu64 " ms %-4s %-9s", r->t / 1000000u,
                   r->t % 1000000u, dm_level_name(r->lvl),
                   r->ev < DM_EV_COUNT ? dm_ev_name(r->ev) : (r->msg ? r->msg : "?"));
  if (n < 0 || n >= SIM_VIEW_LINE)
    return;
  size_t k = (size_t)n;
  if (unit >= 0)
    k += (size_t)snprintf(l + k, SIM_VIEW_LINE - k, " %s", m->units[unit].name);
  if (pb && k < SIM_VIEW_LINE)
    k += (size_t)snprintf(l + k, SIM_VIEW_LINE - k, " PB %" PRIu64, pb);
  if ((r->ev == DM_EV_CALL || r->ev == DM_EV_DISPATCH) && k < SIM_VIEW_LINE)
    k += (size_t)snprintf(l + k, SIM_VIEW_LINE - k, " %s %s", dm_code_name(r->code),
                          dm_mode_name(r->mode));
  if ((r->ev == DM_EV_COMPLETE || r->ev == DM_EV_CALLBACK || r->ev == DM_EV_DONE ||
       r->ev == DM_EV_REJECT || r->ev == DM_EV_RETURN) && k < SIM_VIEW_LINE)
    k += (size_t)snprintf(l + k, SIM_VIEW_LINE - k, " result %d", r->result);
  if (r->ev == DM_EV_FLAGS && k < SIM_VIEW_LINE)
    k += (size_t)snprintf(l + k, SIM_VIEW_LINE - k, " dCtlFlags 0x%04x", r->flags);
  if (r->ev >= DM_EV_SCSI_SUBMIT && r->ev <= DM_EV_SCSI_DONE && k < SIM_VIEW_LINE)
    k += (size_t)snprintf(l + k, SIM_VIEW_LINE - k, " %s slot %u tag %" PRIu64,
                          r->name ? r->name : "?", (unsigned)r->slot, r->tag);
  if (r->ev == DM_EV_VIOLATION && k < SIM_VIEW_LINE)
    snprintf(l + k, SIM_VIEW_LINE - k, " %s", r->rule ? r->rule : "?");
}

/* The slot of a scsi_* record, its controller made if need be; NULL when
 * out of memory. */
static sim_view_slot *slot_of(sim_view_model *m, const dm_trace_rec *r, sim_view_hba **out)
{
  const char *name = r->name ? r->name : "SCSI";
  sim_view_hba *h = NULL;
  for (uint32_t i = 0; i < m->nhbas && h == NULL; i++)
    if (strcmp(m->hbas[i].name, name) == 0)
      h = &m->hbas[i];
  if (h == NULL) {
    if (SIM_VEC_RESERVE(m->hbas, m->caphbas, (size_t)m->nhbas + 1, 2) != 0)
      return m->oom = 1, NULL;
    h = &m->hbas[m->nhbas++];
    memset(h, 0, sizeof *h);
    snprintf(h->name, sizeof h->name, "%s", name);
  }
  if (SIM_VEC_RESERVE_ZEROED(h->slots, h->capslots, (size_t)r->slot + 1, 8) != 0)
    return m->oom = 1, NULL;
  if (r->slot >= h->nslots)
    h->nslots = r->slot + 1;
  *out = h;
  return &h->slots[r->slot];
}

/* SCSI task records: submit gives a free slot to the family, handoff to the
 * controller, return gives it back to the family, done frees it. */
static void apply_scsi(sim_view_model *m, const dm_trace_rec *r)
{
  sim_view_hba *h;
  sim_view_slot *s = slot_of(m, r, &h);
  if (s == NULL)
    return;
  switch (r->ev) {
  case DM_EV_SCSI_SUBMIT:
    s->tag = r->tag;
    s->opcode = r->opcode;
    s->owner = SIM_VIEW_SLOT_FAMILY;
    h->submitted++;
    break;
  case DM_EV_SCSI_HANDOFF:
    s->owner = SIM_VIEW_SLOT_CONTROLLER;
    break;
  case DM_EV_SCSI_RETURN:
    s->owner = SIM_VIEW_SLOT_FAMILY;
    break;
  case DM_EV_SCSI_DONE:
    s->owner = SIM_VIEW_SLOT_FREE;
    s->tag = 0;
    h->done++;
    break;
  default:
    break;
  }
}

void sim_view_model_apply(sim_view_model *m, const dm_trace_rec *r)
{
  uint64_t pb = (uint64_t)(uintptr_t)r->pb;
  uint64_t v = 0;
  int unit = -1;
  m->applied++;
  m->t = r->t;
  m->lvl = r->lvl;
  m->cur_ev = r->ev;
  m->cur_pb = pb;
  m->callback = 0;
  m->violation = 0;
  /* The unit a record concerns: its refNum, else the last unit its block
   * went to (a callback or done names only its block). */
  if (r->ev == DM_EV_INSTALL)
    unit = unit_of(m, r->ref, 1);
  else if (r->ref != 0)
    unit = unit_of(m, r->ref, 0);
  else if (pb && sim_map_get(&m->pbnum, pb, &v) && v != 0)
    unit = (int)v - 1;
  if (unit >= 0 && pb && r->ref != 0 && sim_map_put(&m->pbnum, pb, (uint64_t)unit + 1) != 0)
    m->oom = 1;
  m->cur_unit = unit;
  sim_view_unit *u = unit >= 0 ? &m->units[unit] : NULL;
  switch (r->ev) {
  case DM_EV_INSTALL:
    if (u != NULL) {
      snprintf(u->name, sizeof u->name, "%s", r->name ? r->name : "?");
      u->runtime = r->runtime;
    }
    break;
  case DM_EV_REMOVE:
    if (u != NULL)
      u->removed = 1;
    break;
  case DM_EV_ENQUEUE:
    if (u != NULL)
      push(m, &u->queue, &u->nqueue, &u->capqueue, (sim_view_req){ 0, pb, r->code });
    break;
  case DM_EV_DISPATCH:
    if (u != NULL && r->id != 0) {
      /* The queue entry learns its command: a serialized driver's head. */
      for (uint32_t i = 0; pb && i < u->nqueue; i++)
        if (u->queue[i].pb == pb) {
          u->queue[i].id = r->id;
          u->queue[i].code = r->code;
          break;
        }
      push(m, &u->inside, &u->ninside, &u->capinside, (sim_view_req){ r->id, pb, r->code });
    }
    break;
  case DM_EV_COMPLETE:
    for (uint32_t i = 0; pb && i < m->nunits; i++)
      if (take(m->units[i].queue, &m->units[i].nqueue, pb, 0))
        break;
    for (uint32_t i = 0; r->id && i < m->nunits; i++)
      if (take(m->units[i].inside, &m->units[i].ninside, 0, r->id)) {
        m->units[i].completed++;
        break;
      }
    break;
  case DM_EV_CALLBACK:
    m->callback = 1;
    break;
  case DM_EV_SCSI_SUBMIT:
  case DM_EV_SCSI_HANDOFF:
  case DM_EV_SCSI_RETURN:
  case DM_EV_SCSI_DONE:
    apply_scsi(m, r);
    break;
  case DM_EV_FLAGS:
    if (u != NULL)
      u->flags = r->flags;
    break;
  case DM_EV_VIOLATION:
    m->violation = 1;
    m->nviol++;
    m->viol_t = r->t;
    snprintf(m->viol_rule, sizeof m->viol_rule, "%s", r->rule ? r->rule : "?");
    snprintf(m->viol_msg, sizeof m->viol_msg, "%s", r->msg ? r->msg : "");
    if (u != NULL) {
      u->nviol++;
      snprintf(u->rule, sizeof u->rule, "%s", m->viol_rule);
    }
    break;
  default:
    break;
  }
  log_line(m, r, pb, unit);
}
