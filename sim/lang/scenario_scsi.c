/*
 * scenario_scsi.c - the scenario language's SCSI declarations: `controller`
 * (an HBA controller and its bus), `disk` (a logical unit on that bus, with
 * its store, block size, latency and faults) and a driver's `disk NAME`
 * option (the SCSI disk driver installed for that unit). docs/scenario.md
 * describes them; a controller is declared before its disks, a disk before
 * the drivers that name it.
 */
#include <stdlib.h>
#include <string.h>

#include "lang/scenario_int.h"

#define SC_APPEND(p, arr, n, t) ((arr) = sc_append((p), (arr), &(n), sizeof *(arr), (t)))

static const char *const bugs[] = { "zero-tasks", "double-complete", "wrong-version",
                                    "not-owned", "too-large", "unknown-id", NULL };

int sc_parse_controller(sc_parser *p, const sc_tok *kw)
{
  sim_sc_machine *m = p->m;
  size_t before = m->ncontrollers;
  SC_APPEND(p, m->controllers, m->ncontrollers, kw);
  if (m->ncontrollers == before)
    return -1;
  sim_sc_controller *c = &m->controllers[m->ncontrollers - 1];
  c->line = kw->line;
  c->col = kw->col;
  const sc_tok *nt;
  if (sc_want_name(p, "a controller name", c->name, &nt) < 0)
    return -1;
  size_t dup = sc_names_find(&p->ms->controllers, c->name);
  if (dup != SIM_SC_NONE)
    return sc_dup_decl(p, nt, "controller", c->name, m->controllers[dup].line);
  if (sc_names_add(&p->ms->controllers, c->name, m->ncontrollers - 1) < 0)
    return sc_oom(p, nt);
  if (sc_parse_source(p, &c->src) < 0)
    return -1;
  int seen_path = 0, seen_tasks = 0, seen_cross = 0, seen_bug = 0;
  for (;;) {
    const sc_tok *t = sc_next(p);
    if (t->kind == SC_TOK_EOL)
      return 0;
    if (sc_tok_is(t, "path")) {
      if (seen_path)
        return sc_dup_option(p, t, seen_path);
      seen_path = t->col;
      const sc_tok *v = sc_next(p);
      if (!sc_tok_is(v, "task") && !sc_tok_is(v, "bundled"))
        return sc_fail_expected(p, v, "a path (task or bundled)");
      c->bundled = sc_tok_is(v, "bundled");
    } else if (sc_tok_is(t, "tasks")) {
      if (seen_tasks)
        return sc_dup_option(p, t, seen_tasks);
      seen_tasks = t->col;
      uint64_t n;
      if (sc_want_uint(p, "a maximum task count (1..65535)", "tasks", 1, 65535, &n) < 0)
        return -1;
      c->tasks = (uint32_t)n;
    } else if (sc_tok_is(t, "crossing")) {
      if (seen_cross)
        return sc_dup_option(p, t, seen_cross);
      seen_cross = t->col;
      if (sc_want_duration(p, "a crossing cost", &c->crossing, NULL) < 0)
        return -1;
      c->has_crossing = 1;
    } else if (sc_tok_is(t, "bug")) {
      if (seen_bug)
        return sc_dup_option(p, t, seen_bug);
      seen_bug = t->col;
      const sc_tok *v = sc_next(p);
      int known = 0;
      for (int i = 0; bugs[i] != NULL; i++)
        known |= sc_tok_is(v, bugs[i]);
      if (!known)
        return sc_fail_expected(p, v, "a bug (zero-tasks, double-complete, wrong-version, "
                                      "not-owned, too-large, unknown-id)");
      memcpy(c->bug, v->p, v->len < sizeof c->bug ? v->len : sizeof c->bug - 1);
    } else {
      return sc_fail_expected(p, t, "an option (path, tasks, crossing, bug) or end of line");
    }
  }
}

static int want_u8(sc_parser *p, const char *what, const char *noun, uint8_t *out)
{
  uint64_t v;
  if (sc_want_uint(p, what, noun, 0, 255, &v) < 0)
    return -1;
  *out = (uint8_t)v;
  return 0;
}

static const struct {
  const char *word;
  uint8_t     key;
} keys[] = {
  { "not-ready", 0x2 },       { "medium-error", 0x3 },    { "hardware-error", 0x4 },
  { "illegal-request", 0x5 }, { "unit-attention", 0x6 },  { "data-protect", 0x7 },
  { "aborted-command", 0xB }, { NULL, 0 },
};

/* `fault ...` after its keyword. */
static int parse_fault(sc_parser *p, sim_sc_disk *d, const sc_tok *kw)
{
  if (d->nfaults == SIM_SC_DISK_FAULTS_MAX) {
    sc_error(p->e, kw->line, kw->col, "at most %d faults per disk", SIM_SC_DISK_FAULTS_MAX);
    return -1;
  }
  sim_sc_fault *f = &d->faults[d->nfaults++];
  f->line = kw->line;
  f->col = kw->col;
  const sc_tok *k = sc_next(p);
  if (sc_tok_is(k, "medium")) {
    f->kind = SIM_SC_FAULT_MEDIUM;
    if (sc_want_uint(p, "a first bad LBA", "LBA", 0, UINT64_MAX, &f->lba) < 0 ||
        sc_want_uint(p, "a count of bad blocks", "count", 1, UINT64_MAX, &f->count) < 0)
      return -1;
    if (sc_tok_is(sc_peek(p), "writes")) {
      sc_next(p);
      f->writes = 1;
    }
  } else if (sc_tok_is(k, "unit-attention")) {
    f->kind = SIM_SC_FAULT_UA;
    return 0;
  } else if (sc_tok_is(k, "sense")) {
    f->kind = SIM_SC_FAULT_SENSE;
    const sc_tok *kt = sc_next(p);
    int found = 0;
    for (int i = 0; keys[i].word != NULL && !found; i++)
      if (sc_tok_is(kt, keys[i].word)) {
        f->key = keys[i].key;
        found = 1;
      }
    if (!found)
      return sc_fail_expected(p, kt, "a sense key (not-ready, medium-error, hardware-error, "
                                     "illegal-request, unit-attention, data-protect, "
                                     "aborted-command)");
    if (want_u8(p, "an additional sense code (0..255)", "ASC", &f->asc) < 0 ||
        want_u8(p, "an additional sense code qualifier (0..255)", "ASCQ", &f->ascq) < 0)
      return -1;
  } else if (sc_tok_is(k, "timeout")) {
    f->kind = SIM_SC_FAULT_TIMEOUT;
  } else if (sc_tok_is(k, "transport")) {
    f->kind = SIM_SC_FAULT_TRANSPORT;
  } else {
    return sc_fail_expected(p, k, "a fault (medium, unit-attention, sense, timeout, transport)");
  }
  for (;;) {
    const sc_tok *t = sc_peek(p);
    uint64_t *slot = sc_tok_is(t, "every") ? &f->every
                   : sc_tok_is(t, "after") ? &f->after
                   : sc_tok_is(t, "times") ? &f->times
                                           : NULL;
    if (slot == NULL)
      return 0;
    sc_next(p);
    if (sc_want_uint(p, "a count of commands", "count", 1, UINT64_MAX, slot) < 0)
      return -1;
  }
}

int sc_parse_disk(sc_parser *p, const sc_tok *kw)
{
  sim_sc_machine *m = p->m;
  size_t before = m->ndisks;
  SC_APPEND(p, m->disks, m->ndisks, kw);
  if (m->ndisks == before)
    return -1;
  size_t idx = m->ndisks - 1;
  sim_sc_disk *d = &m->disks[idx];
  d->line = kw->line;
  d->col = kw->col;
  d->size = 1u << 20;
  d->block_size = 512;
  const sc_tok *nt;
  if (sc_want_name(p, "a disk name", d->name, &nt) < 0)
    return -1;
  size_t dup = sc_names_find(&p->ms->disks, d->name);
  if (dup != SIM_SC_NONE)
    return sc_dup_decl(p, nt, "disk", d->name, m->disks[dup].line);
  if (sc_names_add(&p->ms->disks, d->name, idx) < 0)
    return sc_oom(p, nt);
  const sc_tok *ct = sc_next(p);
  if (!sc_tok_is(ct, "controller"))
    return sc_fail_expected(p, ct, "'controller' and the controller's name");
  char cname[SIM_SC_NAME_MAX + 1];
  if (sc_want_name(p, "a controller name", cname, &ct) < 0)
    return -1;
  d->controller = sc_names_find(&p->ms->controllers, cname);
  if (d->controller == SIM_SC_NONE) {
    sc_error(p->e, ct->line, ct->col, "unknown controller '%s' (declare it before its disks)",
             cname);
    return -1;
  }
  int seen_target = 0, seen_lun = 0, seen_store = 0, seen_bs = 0, seen_ro = 0, seen_lat = 0;
  for (;;) {
    const sc_tok *t = sc_next(p);
    uint64_t v;
    if (t->kind == SC_TOK_EOL)
      break;
    if (sc_tok_is(t, "target")) {
      if (seen_target)
        return sc_dup_option(p, t, seen_target);
      seen_target = t->col;
      const sc_tok *vt = sc_peek(p);
      if (sc_want_uint(p, "a target ID (0..15)", "target", 0, 15, &v) < 0)
        return -1;
      if (v == 7) {
        sc_error(p->e, vt->line, vt->col, "target 7 is the controller's own ID");
        return -1;
      }
      d->target = (uint8_t)v;
    } else if (sc_tok_is(t, "lun")) {
      if (seen_lun)
        return sc_dup_option(p, t, seen_lun);
      seen_lun = t->col;
      if (sc_want_uint(p, "a LUN (0..63)", "lun", 0, 63, &v) < 0)
        return -1;
      d->lun = (uint16_t)v;
    } else if (sc_tok_is(t, "size")) {
      if (seen_store)
        return sc_dup_option(p, t, seen_store);
      seen_store = t->col;
      const sc_tok *st = sc_next(p);
      if (st->kind != SC_TOK_WORD || sc_parse_size(st->p, st->len, 1ull << 30, &d->size) != 0 ||
          d->size < 512)
        return sc_fail_expected(p, st, "a disk size (512 bytes to 1024m, e.g. 4m)");
    } else if (sc_tok_is(t, "image")) {
      if (seen_store)
        return sc_dup_option(p, t, seen_store);
      seen_store = t->col;
      sc_tok *st = sc_next(p);
      if (st->kind != SC_TOK_STRING || st->slen == 0)
        return sc_fail_expected(p, st, "an image path in double quotes");
      d->image = st->str; /* taken from the line */
      st->str = NULL;
      d->image_line = st->line;
      d->image_col = st->col;
    } else if (sc_tok_is(t, "block-size")) {
      if (seen_bs)
        return sc_dup_option(p, t, seen_bs);
      seen_bs = t->col;
      const sc_tok *bt = sc_peek(p);
      if (sc_want_uint(p, "a block size (512, 1024, 2048 or 4096)", "block-size", 512, 4096,
                       &v) < 0)
        return -1;
      if (v != 512 && v != 1024 && v != 2048 && v != 4096)
        return sc_fail_expected(p, bt, "a block size (512, 1024, 2048 or 4096)");
      d->block_size = (uint32_t)v;
    } else if (sc_tok_is(t, "read-only")) {
      if (seen_ro)
        return sc_dup_option(p, t, seen_ro);
      seen_ro = t->col;
      d->read_only = 1;
    } else if (sc_tok_is(t, "latency")) {
      if (seen_lat)
        return sc_dup_option(p, t, seen_lat);
      seen_lat = t->col;
      if (sc_want_duration(p, "a latency per command", &d->latency, NULL) < 0)
        return -1;
    } else if (sc_tok_is(t, "fault")) {
      if (parse_fault(p, d, t) < 0)
        return -1;
    } else {
      return sc_fail_expected(p, t, "an option (target, lun, size, image, block-size, "
                                    "read-only, latency, fault) or end of line");
    }
  }
  for (size_t i = 0; i < idx; i++)
    if (m->disks[i].controller == d->controller && m->disks[i].target == d->target &&
        m->disks[i].lun == d->lun) {
      sc_error(p->e, d->line, d->col, "disk '%s' is at the same target and LUN as disk '%s' "
               "(line %d)", d->name, m->disks[i].name, m->disks[i].line);
      return -1;
    }
  return 0;
}

int sc_parse_driver_disk(sc_parser *p, sim_sc_driver *d)
{
  char name[SIM_SC_NAME_MAX + 1];
  const sc_tok *nt;
  if (sc_want_name(p, "a disk name", name, &nt) < 0)
    return -1;
  d->disk = sc_names_find(&p->ms->disks, name);
  if (d->disk == SIM_SC_NONE) {
    sc_error(p->e, nt->line, nt->col, "unknown disk '%s' (declare it before its driver)", name);
    return -1;
  }
  for (size_t i = 0; i + 1 < p->m->ndrivers; i++)
    if (p->m->drivers[i].disk == d->disk) {
      sc_error(p->e, nt->line, nt->col, "disk '%s' already has driver '%s' (line %d)", name,
               p->m->drivers[i].alias, p->m->drivers[i].line);
      return -1;
    }
  return 0;
}
