/*
 * trace.c - building trace records and naming the values they carry.
 *
 * A record is built on the stack and handed to the embedder's hook; with no
 * hook installed the cost of tracing is one branch.
 */
#include <string.h>

#include "dm-int.h"

static const char *const ev_names[DM_EV_COUNT] = {
#define XX(id, name) name,
  DM_EV_MAP(XX)
#undef XX
};

const char *dm_ev_name(unsigned ev)
{
  return ev < DM_EV_COUNT ? ev_names[ev] : "?";
}

const char *dm_code_name(unsigned code)
{
  switch (code) {
#define XX(id, value, name) case value: return name;
    DM_CODE_MAP(XX)
#undef XX
  default: return "?";
  }
}

const char *dm_mode_name(unsigned mode)
{
  switch (mode) {
  case DM_MODE_SYNC: return "sync";
  case DM_MODE_ASYNC: return "async";
  case DM_MODE_IMMEDIATE: return "immediate";
  default: return "?";
  }
}

const char *dm_level_name(unsigned lvl)
{
  switch (lvl) {
  case DM_LVL_TASK: return "task";
  case DM_LVL_SIH: return "sih";
  case DM_LVL_HWI: return "hwi";
  default: return "?";
  }
}

void dm__trace_emit(dm_machine *m, dm_ev ev, int16_t ref, const void *pb, uint64_t id,
                    uint8_t code, uint8_t mode, int16_t result)
{
  dm_trace_rec r = { 0 };
  r.t = dm__now(m);
  r.ev = (uint8_t)ev;
  r.lvl = (uint8_t)m->level;
  r.code = code;
  r.mode = mode;
  r.ref = ref;
  r.result = result;
  r.id = id;
  r.pb = pb;
  if (ev == DM_EV_CALL) /* a driver's call is its own, not its client's */
    r.name = dm__running_unit(m) != NULL ? dm__running_unit(m)->name : m->client;
  m->cfg.trace(m->cfg.trace_ctx, &r);
}

void dm__trace_u_slow(dm_machine *m, dm_unit *u, dm_ev ev, const void *pb, uint64_t id,
                      uint8_t code, uint8_t mode, int16_t result)
{
  if (u->counts != NULL)
    dm__count_in(m, u->counts, ev, code, (uint32_t)id - 1);
  dm__trace_emit(m, ev, u->dce.dCtlRefNum, pb, id, code, mode, result);
}

void dm__trace_flags_slow(dm_unit *u)
{
  dm_machine *m = u->m;
  if (u->counts != NULL)
    u->counts->ev[DM_EV_FLAGS]++;
  dm_trace_rec r = { 0 };
  r.t = dm__now(m);
  r.ev = DM_EV_FLAGS;
  r.lvl = (uint8_t)m->level;
  r.ref = u->dce.dCtlRefNum;
  r.flags = (uint16_t)u->dce.dCtlFlags;
  m->cfg.trace(m->cfg.trace_ctx, &r);
}

void dm__trace_unit(dm_machine *m, dm_ev ev, const dm_unit *u)
{
  if (m->counts != NULL)
    dm__count(m, ev, u->dce.dCtlRefNum);
  if (m->cfg.trace == NULL)
    return;
  dm_trace_rec r = { 0 };
  r.t = dm__now(m);
  r.ev = (uint8_t)ev;
  r.lvl = (uint8_t)m->level;
  r.ref = u->dce.dCtlRefNum;
  r.runtime = u->runtime;
  r.name = u->name;
  m->cfg.trace(m->cfg.trace_ctx, &r);
}

const dm_counts *dm_machine_counts(const dm_machine *m, int16_t ref)
{
  if (m == NULL || m->counts == NULL)
    return NULL;
  if (ref == 0) {
    /* The total's ev[] from the rows (see dm_machine.counts); its other
     * fields stay zero, as they always were. */
    dm_counts *all = &m->counts[0];
    memset(all->ev, 0, sizeof all->ev);
    for (unsigned r = 1; r < DM_COUNTS_ROWS; r++)
      for (int e = 0; e < DM_EV_COUNT; e++)
        all->ev[e] += m->counts[r].ev[e];
    return all;
  }
  return dm__counts_of((dm_machine *)m, ref);
}
