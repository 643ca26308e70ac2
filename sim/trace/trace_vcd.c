/*
 * sim/trace/trace_vcd.c - the vcd trace format: a Value Change Dump for GTKWave
 * (or Surfer), one scope per driver.
 *
 * Each driver gets `$scope module NAME $end`, NAME being its driver name with
 * every character outside [A-Za-z0-9_] replaced by '_' (".Null" -> "_Null";
 * prefixed "m<index>_" for machines other than index 0; a "_2", "_3"...
 * suffix keeps names unique), holding four signals:
 *   queue_depth  wire 16  PBs on dCtlQHdr (enqueue +1, complete of a queued PB -1)
 *   drvrActive   wire 1   bit 0x0080 of dCtlFlags, from flags records
 *   inflight     wire 16  dispatch +1, complete -1
 *   violations   string   the rule id of the driver's latest violation
 *                         ("none" before any); a repeat of the rule on
 *                         display is written "rule#N", N counting the
 *                         driver's violations, so every violation is a change
 * Drivers appear during the run but VCD declares every $var before
 * $enddefinitions, so the writer streams value changes (24 bytes each, off
 * the request path) to an unnamed temporary file (tmpfile) and writes the
 * whole file at sim_trace_close, reading them back in order: memory stays
 * bounded by the drivers and by the changes of one instant, whatever the
 * length of the run. The file holds:
 * header ($timescale 1 ns), declarations, $dumpvars with the values at time
 * 0, then a `#t` line only for times at which some value really changes,
 * followed by just the changed signals (several changes of one signal at
 * one time collapse into the last). A driver that sent SCSI tasks (the SCSI
 * disk driver) has two more signals:
 *   scsi_tasks   wire 16  its tasks in the controller family (scsi_submit
 *                         +1, scsi_done -1)
 *   scsi_owned   wire 16  of those, the slots the HBA controller owns
 *                         (scsi_handoff +1, scsi_return -1)
 * and each SCSI controller a scope of its own (`scsi_NAME`, NAME its name
 * from the records; controllers of one name on one machine share it):
 *   tasks        wire 16  tasks in the family for it, of every driver
 *   slots_owned  wire 16  the slots it holds (handed over, not returned) Installed drivers are always declared;
 * other refNums only if something changed for them.
 */
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "trace/trace_impl.h"

enum { SIG_QUEUE, SIG_ACTIVE, SIG_INFLIGHT, SIG_VIOL, SIG_STASKS, SIG_SOWNED, NSIG };

typedef struct vcd_change {
  uint64_t t;
  uint32_t var; /* driver index * NSIG + signal */
  uint32_t val; /* the value; for violations the rule's index in rules[] */
  uint32_t ord; /* violations: the driver's violation count (the N of "rule#N") */
} vcd_change;

typedef struct vcd_drv {
  uint8_t  used;           /* declare it */
  uint8_t  active;         /* last buffered values, to buffer only changes */
  uint32_t queued, inflight;
  uint8_t  scsi;           /* SCSI records named it: declare its two SCSI signals */
  uint32_t stasks, sowned; /* SCSI tasks outstanding, slots the controller owns */
} vcd_drv;

/* A SCSI controller's scope: its tasks outstanding and the slots it owns,
 * over every driver that sends it tasks. */
typedef struct vcd_ctrl {
  char    *name; /* the controller's name, owned */
  int      machine;
  uint32_t tasks, owned;
} vcd_ctrl;

/* Changes of controller signals carry this flag; vcd_end puts controllers
 * after the drivers, NSIG signal numbers each (two of them used). */
#define VCD_CTRL 0x80000000u

typedef struct vcd_state {
  FILE       *spill;    /* the changes, in order (tmpfile), or NULL before the first */
  size_t      nch;
  vcd_change *win;      /* vcd_end: the changes of one instant */
  size_t      capwin;
  vcd_drv    *drv;
  size_t      capdrv;
  vcd_ctrl   *ctrl;     /* SCSI controllers seen, by machine and name */
  uint32_t    nctrl;
  size_t      capctrl;
  char      **rules;    /* distinct rule ids seen, interned */
  uint32_t    nrules;
  size_t      caprules;
} vcd_state;

static int vcd_init(sim_trace *t)
{
  vcd_state *s = sim_trace__alloc(t, sizeof *s);
  if (!s)
    return -1;
  t->fmt_state = s;
  return 0;
}

static void vcd_nop(sim_trace *t)
{
  (void)t;
}

static void push(sim_trace *t, uint64_t ns, uint32_t var, uint32_t val, uint32_t ord)
{
  vcd_state *s = t->fmt_state;
  if (s->spill == NULL && (s->spill = tmpfile()) == NULL) {
    sim_trace__failed(t);
    return;
  }
  /* Every byte set, padding included: the record is written out whole. */
  vcd_change c;
  memset(&c, 0, sizeof c);
  c.t = ns;
  c.var = var;
  c.val = val;
  c.ord = ord;
  if (fwrite(&c, sizeof c, 1, s->spill) != 1) {
    sim_trace__failed(t);
    return;
  }
  s->nch++;
}

/* Read the changes due at the time of the next one (at 0 for the dump:
 * none when the first is later) into s->win. Returns how many, with *now
 * set; 0 at the end or on an error (t->err set). *next holds the change
 * read ahead, *have whether there is one. */
static size_t read_instant(sim_trace *t, vcd_state *s, int dump, uint64_t *now, vcd_change *next,
                           int *have)
{
  *now = dump ? 0 : next->t;
  size_t n = 0;
  while (*have && next->t == *now) {
    if (SIM_VEC_RESERVE(s->win, s->capwin, n + 1, 256) != 0) {
      t->err = 1;
      return 0;
    }
    s->win[n++] = *next;
    *have = fread(next, sizeof *next, 1, s->spill) == 1;
  }
  return n;
}

/* The per-driver slot for d, growing the array; NULL when out of memory. */
static vcd_drv *slot(sim_trace *t, const sim_trace_drv *d)
{
  vcd_state *s = t->fmt_state;
  if (SIM_VEC_RESERVE_ZEROED(s->drv, s->capdrv, (size_t)d->index + 1, 16) != 0) {
    t->err = 1;
    return NULL;
  }
  return &s->drv[d->index];
}

/* The index of rule in rules[], adding it on first sight. A VCD value is one
 * whitespace-free token, so the stored copy has such characters as '_'. */
static uint32_t intern_rule(sim_trace *t, const char *rule)
{
  vcd_state *s = t->fmt_state;
  char *copy = sim_trace__strdup(t, rule && *rule ? rule : "violation");
  if (!copy)
    return UINT32_MAX;
  for (char *p = copy; *p; p++)
    if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7F)
      *p = '_';
  for (uint32_t i = 0; i < s->nrules; i++) {
    if (strcmp(s->rules[i], copy) == 0) {
      free(copy);
      return i;
    }
  }
  if (SIM_VEC_RESERVE(s->rules, s->caprules, (size_t)s->nrules + 1, 16) != 0) {
    free(copy);
    t->err = 1;
    return UINT32_MAX;
  }
  s->rules[s->nrules] = copy;
  return s->nrules++;
}

/* The controller called name on the current machine, added on first
 * sight; NULL when out of memory (t->err set) or name is NULL. */
static vcd_ctrl *ctrl_of(sim_trace *t, const char *name)
{
  vcd_state *s = t->fmt_state;
  if (name == NULL)
    return NULL;
  for (uint32_t i = 0; i < s->nctrl; i++)
    if (s->ctrl[i].machine == t->machine_index && strcmp(s->ctrl[i].name, name) == 0)
      return &s->ctrl[i];
  char *copy = strdup(name);
  if (copy == NULL || SIM_VEC_RESERVE(s->ctrl, s->capctrl, (size_t)s->nctrl + 1, 4) != 0) {
    free(copy);
    t->err = 1;
    return NULL;
  }
  vcd_ctrl *c = &s->ctrl[s->nctrl++];
  memset(c, 0, sizeof *c);
  c->name = copy;
  c->machine = t->machine_index;
  return c;
}

static void vcd_record(sim_trace *t, const sim_trace_ev *e)
{
  const dm_trace_rec *r = e->rec;
  vcd_drv *v = slot(t, e->drv);
  if (!v)
    return;
  if (r->ev == DM_EV_INSTALL)
    v->used = 1;
  for (int i = 0; i < 2; i++) {
    const sim_trace_drv *d = e->changed[i];
    vcd_drv *c = d ? slot(t, d) : NULL;
    if (!c)
      continue;
    uint32_t base = d->index * NSIG;
    uint8_t active = (d->flags & SIM_DCTL_DRVR_ACTIVE) ? 1 : 0;
    c->used = 1;
    if (c->queued != d->queued)
      push(t, r->t, base + SIG_QUEUE, d->queued, 0);
    if (c->active != active)
      push(t, r->t, base + SIG_ACTIVE, active, 0);
    if (c->inflight != d->inflight)
      push(t, r->t, base + SIG_INFLIGHT, d->inflight, 0);
    c->queued = d->queued;
    c->active = active;
    c->inflight = d->inflight;
  }
  if (r->ev >= DM_EV_SCSI_SUBMIT && r->ev <= DM_EV_SCSI_DONE) {
    v = slot(t, e->drv);
    if (v) {
      uint32_t base = e->drv->index * NSIG;
      v->scsi = v->used = 1;
      if (r->ev == DM_EV_SCSI_SUBMIT)
        push(t, r->t, base + SIG_STASKS, ++v->stasks, 0);
      else if (r->ev == DM_EV_SCSI_DONE && v->stasks > 0)
        push(t, r->t, base + SIG_STASKS, --v->stasks, 0);
      else if (r->ev == DM_EV_SCSI_HANDOFF)
        push(t, r->t, base + SIG_SOWNED, ++v->sowned, 0);
      else if (r->ev == DM_EV_SCSI_RETURN && v->sowned > 0)
        push(t, r->t, base + SIG_SOWNED, --v->sowned, 0);
    }
    vcd_ctrl *c = ctrl_of(t, r->name);
    if (c) {
      vcd_state *s = t->fmt_state;
      uint32_t cbase = VCD_CTRL | (uint32_t)(c - s->ctrl) * NSIG;
      if (r->ev == DM_EV_SCSI_SUBMIT)
        push(t, r->t, cbase + SIG_STASKS, ++c->tasks, 0);
      else if (r->ev == DM_EV_SCSI_DONE && c->tasks > 0)
        push(t, r->t, cbase + SIG_STASKS, --c->tasks, 0);
      else if (r->ev == DM_EV_SCSI_HANDOFF)
        push(t, r->t, cbase + SIG_SOWNED, ++c->owned, 0);
      else if (r->ev == DM_EV_SCSI_RETURN && c->owned > 0)
        push(t, r->t, cbase + SIG_SOWNED, --c->owned, 0);
    }
  }
  if (r->ev == DM_EV_VIOLATION) {
    uint32_t rule = intern_rule(t, r->rule);
    v = slot(t, e->drv); /* slot() above may have moved the array */
    if (rule != UINT32_MAX && v) {
      v->used = 1;
      push(t, r->t, e->drv->index * NSIG + SIG_VIOL, rule, e->drv->nviol);
    }
  }
}

/* --- writing the file ------------------------------------------------------ */

/* VCD identifier for signal number k: base 94 over the printable '!'..'~'. */
static void vcd_id(uint32_t k, char out[8])
{
  int n = 0;
  do {
    out[n++] = (char)('!' + k % 94);
    k /= 94;
  } while (k);
  out[n] = 0;
}

/* One value line for signal var (driver index * NSIG + signal) whose VCD
 * identifier number is idnum. */
static void put_value(sim_trace *t, const vcd_state *s, uint32_t var, uint32_t val, uint32_t ord,
                      int repeat, uint32_t idnum)
{
  char id[8];
  uint32_t sig = var % NSIG;
  vcd_id(idnum, id);
  if (sig == SIG_ACTIVE) {
    sim_trace__printf(t, "%c%s\n", val ? '1' : '0', id);
  } else if (sig == SIG_VIOL) {
    if (val == UINT32_MAX)
      sim_trace__printf(t, "snone %s\n", id);
    else if (repeat)
      sim_trace__printf(t, "s%s#%lu %s\n", s->rules[val], (unsigned long)ord, id);
    else
      sim_trace__printf(t, "s%s %s\n", s->rules[val], id);
  } else {
    char bits[20];
    int n = 0;
    if (val > 0xFFFF)
      val = 0xFFFF;
    for (int b = 15; b >= 0; b--)
      if ((val >> b) & 1u || n > 0 || b == 0)
        bits[n++] = (char)('0' + ((val >> b) & 1u));
    bits[n] = 0;
    sim_trace__printf(t, "b%s %s\n", bits, id);
  }
}

/* The scope name of d: sanitized, unique among the names in taken[0..n). */
static char *scope_name(sim_trace *t, const sim_trace_drv *d, char **taken, uint32_t n)
{
  size_t len = strlen(d->name) + 48;
  char *out = sim_trace__alloc(t, len);
  if (!out)
    return NULL;
  if (d->machine != 0)
    snprintf(out, len, "m%d_%s", d->machine, d->name);
  else
    snprintf(out, len, "%s", d->name);
  for (char *p = out; *p; p++) {
    char c = *p;
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      *p = '_';
  }
  size_t base = strlen(out);
  for (uint32_t k = 1;; k++) {
    int clash = 0;
    for (uint32_t i = 0; i < n && !clash; i++)
      clash = taken[i] && strcmp(taken[i], out) == 0;
    if (!clash)
      return out;
    snprintf(out + base, len - base, "_%lu", (unsigned long)(k + 1));
  }
}

/* A change's signal number: controllers come after the ndvars of the
 * drivers. */
static uint32_t var_of(uint32_t var, uint32_t ndvars)
{
  return (var & VCD_CTRL) ? ndvars + (var & ~VCD_CTRL) : var;
}

static void vcd_end(sim_trace *t)
{
  vcd_state *s = t->fmt_state;
  uint32_t nd = t->ndrvs < s->capdrv ? t->ndrvs : s->capdrv;
  uint32_t ndvars = nd * NSIG; /* then the controllers' */
  uint32_t nvars = (nd + s->nctrl) * NSIG;
  char **names = calloc(nd + s->nctrl + 1, sizeof *names);
  uint32_t *cur = calloc(nvars ? nvars : 1, sizeof *cur);  /* values as of now */
  uint32_t *ord = calloc(nvars ? nvars : 1, sizeof *ord);  /* violation ordinal of cur */
  uint32_t *idn = calloc(nvars ? nvars : 1, sizeof *idn);  /* VCD id number + 1; 0 undeclared */
  uint64_t *stamp = calloc(nvars ? nvars : 1, sizeof *stamp); /* change index + 1 of last touch */
  uint32_t *shown = calloc(nvars ? nvars : 1, sizeof *shown); /* value written last */
  uint32_t *shord = calloc(nvars ? nvars : 1, sizeof *shord);
  if (!names || !cur || !ord || !idn || !stamp || !shown || !shord) {
    t->err = 1;
    goto out;
  }

  sim_trace__puts(t, "$version dmsim trace $end\n$timescale 1 ns $end\n");
  uint32_t nid = 0;
  static const char *const decl[NSIG] = {"wire 16", "wire 1", "wire 16", "string 0",
                                         "wire 16", "wire 16"};
  static const char *const sig_name[NSIG] = {"queue_depth", "drvrActive", "inflight",
                                             "violations", "scsi_tasks", "scsi_owned"};
  for (uint32_t i = 0; i < nd; i++) {
    if (!s->drv[i].used && !t->drvs[i]->installed)
      continue;
    names[i] = scope_name(t, t->drvs[i], names, i);
    if (!names[i])
      goto out;
    sim_trace__printf(t, "$scope module %s $end\n", names[i]);
    for (uint32_t g = 0; g < NSIG; g++) {
      if (g >= SIG_STASKS && !s->drv[i].scsi)
        continue; /* the SCSI signals only where SCSI records were */
      char id[8];
      vcd_id(nid, id);
      idn[i * NSIG + g] = ++nid;
      sim_trace__printf(t, "$var %s %s %s $end\n", decl[g], id, sig_name[g]);
    }
    sim_trace__puts(t, "$upscope $end\n");
  }
  for (uint32_t c = 0; c < s->nctrl; c++) {
    const vcd_ctrl *k = &s->ctrl[c];
    size_t len = strlen(k->name) + 48;
    char *nm = sim_trace__alloc(t, len);
    if (!nm)
      goto out;
    if (k->machine != 0)
      snprintf(nm, len, "m%d_scsi_%s", k->machine, k->name);
    else
      snprintf(nm, len, "scsi_%s", k->name);
    for (char *p = nm; *p; p++)
      if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
        *p = '_';
    names[nd + c] = nm;
    sim_trace__printf(t, "$scope module %s $end\n", nm);
    for (uint32_t g = SIG_STASKS; g <= SIG_SOWNED; g++) {
      char id[8];
      vcd_id(nid, id);
      idn[ndvars + c * NSIG + g] = ++nid;
      sim_trace__printf(t, "$var %s %s %s $end\n", decl[g], id,
                        g == SIG_STASKS ? "tasks" : "slots_owned");
    }
    sim_trace__puts(t, "$upscope $end\n");
  }
  sim_trace__puts(t, "$enddefinitions $end\n");

  for (uint32_t v = 0; v < nvars; v++)
    if (v % NSIG == SIG_VIOL)
      cur[v] = shown[v] = UINT32_MAX; /* "none" */

  /* Changes at time 0 are the initial values. Later ones are applied one
   * time step at a time; a step writes #t and then the signals whose value
   * at the end of the step differs from what was last written. */
  vcd_change next;
  int have = 0;
  if (s->spill != NULL) {
    if (fflush(s->spill) != 0 || fseek(s->spill, 0, SEEK_SET) != 0) {
      sim_trace__failed(t);
      goto out;
    }
    have = fread(&next, sizeof next, 1, s->spill) == 1;
  }
  uint64_t base = 0; /* changes before this instant: stamps stay unique */
  for (int dump = 1; dump || have; dump = 0) {
    uint64_t now;
    size_t end = read_instant(t, s, dump, &now, &next, &have);
    if (t->err)
      goto out;
    for (size_t j = 0; j < end; j++) {
      uint32_t v = var_of(s->win[j].var, ndvars);
      if (v < nvars) {
        cur[v] = s->win[j].val;
        ord[v] = s->win[j].ord;
        stamp[v] = base + j + 1;
      }
    }
    if (dump) {
      sim_trace__puts(t, "#0\n$dumpvars\n");
      for (uint32_t v = 0; v < nvars; v++)
        if (idn[v])
          put_value(t, s, v, cur[v], ord[v], 0, idn[v] - 1);
      sim_trace__puts(t, "$end\n");
      memcpy(shown, cur, nvars * sizeof *cur);
      memcpy(shord, ord, nvars * sizeof *ord);
    } else {
      int stamped = 0;
      for (size_t j = 0; j < end; j++) {
        uint32_t v = var_of(s->win[j].var, ndvars);
        if (v >= nvars || !idn[v] || stamp[v] != base + j + 1)
          continue; /* undeclared, or not the last change of v in this step */
        if (cur[v] == shown[v] && ord[v] == shord[v])
          continue;
        if (!stamped)
          sim_trace__printf(t, "#%llu\n", (unsigned long long)now);
        stamped = 1;
        int repeat = v % NSIG == SIG_VIOL && cur[v] == shown[v];
        put_value(t, s, v, cur[v], ord[v], repeat, idn[v] - 1);
        shown[v] = cur[v];
        shord[v] = ord[v];
      }
    }
    base += end;
  }

out:
  for (uint32_t i = 0; names && i < nd + s->nctrl; i++)
    free(names[i]);
  free(names);
  free(cur);
  free(ord);
  free(idn);
  free(stamp);
  free(shown);
  free(shord);
}

static void vcd_destroy(sim_trace *t)
{
  vcd_state *s = t->fmt_state;
  if (!s)
    return;
  for (uint32_t i = 0; i < s->nrules; i++)
    free(s->rules[i]);
  free(s->rules);
  for (uint32_t i = 0; i < s->nctrl; i++)
    free(s->ctrl[i].name);
  free(s->ctrl);
  if (s->spill != NULL)
    fclose(s->spill);
  free(s->win);
  free(s->drv);
  free(s);
  t->fmt_state = NULL;
}

/* SCSI: each logical unit is a scope ("SCSI_0_0") whose inflight signal
 * counts its commands in flight (its other signals stay 0). */
static void vcd_scsi(sim_trace *t, const sim_trace_scsi_ev *e)
{
  vcd_drv *v = slot(t, e->unit);
  if (!v)
    return;
  v->used = 1;
  if (e->changed && v->inflight != e->unit->inflight) {
    push(t, e->rec->t, e->unit->index * NSIG + SIG_INFLIGHT, e->unit->inflight, 0);
    v->inflight = e->unit->inflight;
  }
}

const sim_trace_ops sim_trace__vcd_ops = {vcd_init, vcd_nop, vcd_record, vcd_end,
  vcd_destroy, 0, vcd_scsi};
