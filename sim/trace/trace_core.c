/*
 * sim/trace/trace_core.c - the format-independent half of the trace writer.
 *
 * Implements sim/trace/trace.h: opening and closing a writer, the dm_trace_fn hook,
 * and what every format relies on (the hash map is in map.c):
 *  - pb numbering: each distinct pb pointer gets 1, 2, 3... in order of first
 *    appearance. The hash of the pointer only decides where the map stores
 *    it, never the number, so numbering depends on the record order alone.
 *  - the driver table: one entry per installed driver (named by its install
 *    record), per refNum nobody installed, and per machine for records that
 *    name no driver; entries are numbered in order of first appearance.
 *  - per-driver counters: queue depth (enqueue +1, complete of a PB that was
 *    enqueued -1) and in-flight count (dispatch +1, complete of a dispatched
 *    ID -1). Both are kept by membership in a map, so a complete that
 *    matches nothing (a broken driver completing twice) never drives a
 *    counter below zero.
 * How records are composed and written is trace_out.c.
 * The writer only reads records; nothing here touches the simulation.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/vec.h"
#include "trace/trace_impl.h"

uint64_t sim_trace__id_key(int machine, uint64_t id)
{
  /* Bit 63 keeps id keys apart from pb numbers in maps that hold both;
   * devmgr numbers its commands from 1, far below 2^48. */
  return (UINT64_C(1) << 63) | ((uint64_t)((unsigned)machine & 0x7FFF) << 48) |
         (id & UINT64_C(0xFFFFFFFFFFFF));
}

void *sim_trace__alloc(sim_trace *t, size_t n)
{
  void *p = calloc(1, n ? n : 1);
  if (!p)
    t->err = 1;
  return p;
}

char *sim_trace__strdup(sim_trace *t, const char *s)
{
  size_t n = strlen(s) + 1;
  char *p = sim_trace__alloc(t, n);
  if (p)
    memcpy(p, s, n);
  return p;
}

/* --- formats --------------------------------------------------------------- */

static const char *const format_names[] = {"text", "jsonl", "chrome", "vcd"};

int sim_trace_format_parse(const char *s, sim_trace_format *out)
{
  for (int i = 0; s && i < 4; i++) {
    if (strcmp(s, format_names[i]) == 0) {
      *out = (sim_trace_format)i;
      return 0;
    }
  }
  return -1;
}

const char *sim_trace_format_name(sim_trace_format fmt)
{
  return (unsigned)fmt < 4 ? format_names[fmt] : "?";
}

/* --- drivers --------------------------------------------------------------- */

static uint64_t ref_key(int machine, int16_t ref)
{
  return ((uint64_t)(unsigned)machine << 17) | ((uint64_t)(uint16_t)ref << 1) | 1u;
}

/* A new driver entry for (current machine, ref) named name, made current for
 * that refNum. Returns NULL when out of memory. */
static sim_trace_drv *drv_new(sim_trace *t, int16_t ref, const char *name)
{
  if (SIM_VEC_RESERVE(t->drvs, t->capdrvs, (size_t)t->ndrvs + 1, 16) != 0) {
    t->err = 1;
    return NULL;
  }
  sim_trace_drv *d = sim_trace__alloc(t, sizeof *d);
  if (!d)
    return NULL;
  char made[32];
  if (!name) {
    if (ref == 0)
      name = "Device Manager";
    else {
      snprintf(made, sizeof made, "ref%d", ref); /* "ref-5" */
      name = made;
    }
  }
  d->name = sim_trace__strdup(t, name);
  d->label = sim_trace__alloc(t, strlen(name) + 16);
  t->last_ref_key = 0; /* drv_by_ref changes: drv_for_ref's answer goes */
  if (!d->name || !d->label ||
      sim_map_put(&t->drv_by_ref, ref_key(t->machine_index, ref), t->ndrvs) != 0) {
    free(d->name);
    free(d->label);
    free(d);
    t->err = 1;
    return NULL;
  }
  if (name != made && ref != 0) /* a made-up name already says the refNum */
    snprintf(d->label, strlen(name) + 16, "%s (%d)", name, ref);
  else
    snprintf(d->label, strlen(name) + 16, "%s", name);
  d->index = t->ndrvs;
  d->machine = t->machine_index;
  d->ref = ref;
  t->drvs[t->ndrvs++] = d;
  return d;
}

/* The current entry for ref in the current machine, made up if needed.
 * Most records name the driver the one before named: that answer is kept
 * (last_ref_key; drv_new, the one writer of drv_by_ref, forgets it). */
static sim_trace_drv *drv_for_ref(sim_trace *t, int16_t ref)
{
  uint64_t idx, key = ref_key(t->machine_index, ref);
  if (key == t->last_ref_key)
    return t->drvs[t->last_ref_drv];
  if (!sim_map_get(&t->drv_by_ref, key, &idx))
    return drv_new(t, ref, NULL);
  t->last_ref_key = key;
  t->last_ref_drv = (uint32_t)idx;
  return t->drvs[idx];
}

/* An install record names a new driver for its refNum; a placeholder made
 * up for earlier records on that refNum is adopted instead of duplicated. */
static sim_trace_drv *drv_install(sim_trace *t, const dm_trace_rec *rec)
{
  uint64_t idx;
  sim_trace_drv *d = NULL;
  const char *name = rec->name ? rec->name : "?";
  if (sim_map_get(&t->drv_by_ref, ref_key(t->machine_index, rec->ref), &idx) &&
      !t->drvs[idx]->installed && rec->ref != 0) {
    d = t->drvs[idx];
    char *nn = sim_trace__strdup(t, name);
    char *nl = sim_trace__alloc(t, strlen(name) + 16);
    if (!nn || !nl) {
      free(nn);
      free(nl);
      return d;
    }
    free(d->name);
    free(d->label);
    d->name = nn;
    d->label = nl;
    snprintf(d->label, strlen(name) + 16, "%s (%d)", name, rec->ref);
  } else {
    d = drv_new(t, rec->ref, name);
    if (!d)
      return NULL;
  }
  d->installed = 1;
  d->runtime = rec->runtime;
  return d;
}

/* --- the writer ------------------------------------------------------------ */

sim_trace *sim_trace_open(FILE *f, sim_trace_format fmt)
{
  static const sim_trace_ops *const ops[] = {&sim_trace__text_ops, &sim_trace__jsonl_ops,
                                             &sim_trace__chrome_ops, &sim_trace__vcd_ops};
  if (!f || (unsigned)fmt >= 4)
    return NULL;
  sim_trace *t = calloc(1, sizeof *t);
  if (!t)
    return NULL;
  t->f = f;
  t->each_record = isatty(fileno(f));
  t->fmt = fmt;
  t->ops = ops[fmt];
  sim_trace__names_init(&t->names);
  t->machine = sim_trace__strdup(t, "main");
  if (!t->machine || t->ops->init(t) != 0) {
    free(t->machine);
    free(t);
    return NULL;
  }
  return t;
}

void sim_trace_name_machines(sim_trace *t)
{
  t->name_machines = 1;
}

void sim_trace_set_machine(sim_trace *t, const char *machine_name, int machine_index)
{
  char *n = sim_trace__strdup(t, machine_name ? machine_name : "main");
  if (!n)
    return;
  free(t->machine);
  t->machine = n;
  t->machine_index = machine_index < 0 ? 0 : machine_index;
}

/* A block's key: its address within its machine. Machines run one after
 * the other, and a later machine's block may sit where an earlier one's
 * did; it is another block all the same (user-space addresses fit in 56
 * bits). */
static uint64_t pb_key(const sim_trace *t, const void *p)
{
  return (uint64_t)(uintptr_t)p ^ ((uint64_t)(unsigned)t->machine_index << 56);
}

/* The pb number of p (0 for NULL), handing out the next one on first sight. */
static uint64_t pb_number(sim_trace *t, const void *p, uint64_t *drv_plus1)
{
  uint64_t v;
  *drv_plus1 = 0;
  if (!p)
    return 0;
  if (sim_map_get(&t->pbs, pb_key(t, p), &v)) {
    *drv_plus1 = v >> 32;
    return v & 0xFFFFFFFFu;
  }
  uint64_t n = ++t->npb;
  if (sim_map_put(&t->pbs, pb_key(t, p), n) != 0)
    t->err = 1;
  return n;
}

void sim_trace_forget_pb(sim_trace *t, const void *pb)
{
  sim_map_del(&t->pbs, pb_key(t, pb), NULL);
}

/* Update the queue and in-flight counters for rec; note changed drivers. */
static void count(sim_trace *t, sim_trace_ev *e)
{
  const dm_trace_rec *rec = e->rec;
  uint64_t di;
  switch (rec->ev) {
  case DM_EV_ENQUEUE:
    if (e->pb && !sim_map_get(&t->queued, e->pb, NULL)) {
      if (sim_map_put(&t->queued, e->pb, e->drv->index) == 0) {
        e->drv->queued++;
        e->changed[0] = e->drv;
      } else
        t->err = 1;
    }
    break;
  case DM_EV_DISPATCH:
    if (rec->id) {
      uint64_t key = sim_trace__id_key(t->machine_index, rec->id);
      if (!sim_map_get(&t->running, key, NULL)) {
        if (sim_map_put(&t->running, key, e->drv->index) == 0) {
          e->drv->inflight++;
          e->changed[0] = e->drv;
        } else
          t->err = 1;
      }
    }
    break;
  case DM_EV_COMPLETE:
    if (e->pb && sim_map_del(&t->queued, e->pb, &di)) {
      t->drvs[di]->queued--;
      e->changed[0] = t->drvs[di];
    }
    if (rec->id &&
        sim_map_del(&t->running, sim_trace__id_key(t->machine_index, rec->id), &di)) {
      t->drvs[di]->inflight--;
      if (e->changed[0] != t->drvs[di])
        e->changed[e->changed[0] ? 1 : 0] = t->drvs[di];
    }
    break;
  case DM_EV_FLAGS:
    e->prev_flags = e->drv->flags;
    e->drv->flags = rec->flags;
    e->changed[0] = e->drv;
    break;
  case DM_EV_VIOLATION:
    e->drv->nviol++;
    break;
  default:
    break;
  }
}

/* A record is complete: to a terminal it is written at once (someone may be
 * watching a real-time run); elsewhere records gather into writes of about
 * SIM_TRACE_CHUNK. Either way the bytes and their order are the same. */
static void end_record(sim_trace *t)
{
  if (t->each_record || t->nline >= SIM_TRACE_CHUNK)
    sim_trace__flush(t);
}

void sim_trace_record(void *ctx, const dm_trace_rec *rec)
{
  sim_trace *t = ctx;
  sim_trace_ev e = {rec, 0, NULL, {NULL, NULL}, 0};
  uint64_t drv_plus1;
  if (t->finished)
    return;
  if (!t->begun) {
    t->begun = 1;
    t->ops->begin(t);
  }
  e.pb = pb_number(t, rec->pb, &drv_plus1);
  if (t->ops->pb_only) {
    t->ops->record(t, &e);
    end_record(t);
    return;
  }
  if (rec->ev == DM_EV_INSTALL)
    e.drv = drv_install(t, rec);
  else if (rec->ref != 0 || !drv_plus1 || t->drvs[drv_plus1 - 1]->machine != t->machine_index)
    e.drv = drv_for_ref(t, rec->ref);
  else
    e.drv = t->drvs[drv_plus1 - 1]; /* a callback or done names its PB, not its driver */
  if (!e.drv)
    return; /* out of memory: t->err is set and close reports it */
  /* Remember which driver a PB last went to, for records that carry only
   * the PB. The number stays in the low 32 bits. */
  if (e.pb && rec->ref != 0 && drv_plus1 != (uint64_t)e.drv->index + 1 &&
      sim_map_put(&t->pbs, pb_key(t, rec->pb), e.pb | ((uint64_t)e.drv->index + 1) << 32) != 0)
    t->err = 1;
  count(t, &e);
  t->ops->record(t, &e);
  end_record(t);
}

void sim_trace_scsi(sim_trace *t, const sim_scsi_trace_rec *rec)
{
  if (!t || t->finished || !t->ops->scsi)
    return;
  if (!t->begun) {
    t->begun = 1;
    t->ops->begin(t);
  }
  int bus = rec->target == 0xFF;
  unsigned b = rec->bus & 7u;
  /* A target reset is shown on the track of the target's LUN 63. */
  int16_t ref = bus ? SIM_TRACE_SCSI_BUS_REF(b)
                    : SIM_TRACE_SCSI_REF(b, rec->target & 15u, rec->lun == 0xFFFF ? 63 : rec->lun & 63u);
  uint64_t idx;
  sim_trace_drv *d;
  if (sim_map_get(&t->drv_by_ref, ref_key(t->machine_index, ref), &idx))
    d = t->drvs[idx];
  else {
    char name[32], pre[8] = "";
    if (b != 0)
      snprintf(pre, sizeof pre, "%u/", b);
    if (bus)
      snprintf(name, sizeof name, "SCSI bus %u", b);
    else if (rec->lun == 0xFFFF)
      snprintf(name, sizeof name, "SCSI %s%u", pre, rec->target);
    else
      snprintf(name, sizeof name, "SCSI %s%u:%u", pre, rec->target, rec->lun);
    d = drv_new(t, ref, name);
    if (!d)
      return;
    snprintf(d->label, strlen(d->name) + 16, "%s", d->name);
    d->installed = 1;
  }
  sim_trace_scsi_ev e = {rec, d, 0};
  if (rec->ev == SIM_SCSI_EV_COMMAND) {
    d->inflight++;
    e.changed = 1;
  } else if ((rec->ev == SIM_SCSI_EV_STATUS || rec->ev == SIM_SCSI_EV_ABORT) && d->inflight) {
    d->inflight--;
    e.changed = 1;
  }
  t->ops->scsi(t, &e);
  sim_trace__flush(t);
}

int sim_trace_finish(sim_trace *t)
{
  if (!t)
    return 0;
  if (t->finished)
    return t->err ? -1 : 0;
  t->finished = 1;
  if (!t->begun) {
    t->begun = 1;
    t->ops->begin(t);
  }
  t->ops->end(t);
  errno = 0;
  sim_trace__flush(t);
  if (fflush(t->f) != 0 || ferror(t->f))
    sim_trace__failed(t);
  if (t->err)
    errno = t->err_no;
  return t->err ? -1 : 0;
}

int sim_trace_close(sim_trace *t)
{
  if (!t)
    return 0;
  int rc = sim_trace_finish(t);
  int saved = errno;
  t->ops->destroy(t);
  for (uint32_t i = 0; i < t->ndrvs; i++) {
    free(t->drvs[i]->name);
    free(t->drvs[i]->label);
    free(t->drvs[i]);
  }
  free(t->drvs);
  sim_map_free(&t->pbs);
  sim_map_free(&t->drv_by_ref);
  sim_map_free(&t->queued);
  sim_map_free(&t->running);
  free(t->machine);
  free(t->line);
  free(t);
  errno = saved;
  return rc;
}
