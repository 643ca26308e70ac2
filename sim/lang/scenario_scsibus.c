/*
 * sim/lang/scenario_scsibus.c - the scenario language's SCSI lines: buses,
 * disks (image or memory) and their configuration, latency and faults,
 * commands the bus's initiator sends at given times, aborts and resets,
 * and the expectations on what a command got back (status, sense,
 * INFORMATION, transport, residual). docs/scenario.md "SCSI" is the
 * reference.
 *
 * Names may be used before they are declared, as everywhere in the
 * language: references are kept by name while the machine is read and
 * resolved by sc_check_scsibus when it ends; `scsi latency`, `scsi rate` and
 * `scsi fault` lines are folded into their disk's configuration then.
 */
#include "lang/scenario_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What waits for the end of the machine: a name to resolve, or a line that
 * changes a disk's configuration. */
typedef enum ref_kind { R_DISK_BUS, R_CMD_DISK, R_ACT, R_EXPECT, R_MOD } ref_kind;

typedef enum mod_kind { M_LATENCY, M_RATE, M_FAULT } mod_kind;

typedef struct pending {
  ref_kind kind;
  size_t   idx;  /* the disk, command, action or expectation */
  char     name[SIM_SC_NAME_MAX + 1];
  int      line, col;
  /* R_MOD */
  mod_kind mod;
  int      cls;  /* latency class, -1: all */
  sim_scsi_lat   lat;
  uint64_t       rate;
  sim_scsi_fault fault;
} pending;

typedef struct scsi_state {
  sim_sc_scsi s;       /* first: the machine's pointer is to this */
  pending    *pend;
  size_t      npend;
} scsi_state;

static sim_sc_scsi *get(sc_parser *p, const sc_tok *kw)
{
  if (p->m->scsi == NULL) {
    scsi_state *st = calloc(1, sizeof *st);
    if (st == NULL) {
      sc_oom(p, kw);
      return NULL;
    }
    p->m->scsi = &st->s;
  }
  return p->m->scsi;
}

static scsi_state *state(sim_sc_scsi *s) { return (scsi_state *)(void *)s; }

void sc_scsibus_free(sim_sc_scsi *s)
{
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->ndisks; i++)
    free(s->disks[i].image);
  for (size_t i = 0; i < s->ncmds; i++)
    free(s->cmds[i].pattern.text);
  free(s->buses);
  free(s->disks);
  free(s->cmds);
  free(s->acts);
  free(s->expects);
  free(state(s)->pend);
  free(state(s));
}

/* Append one zeroed element to *arr (n elements of size el). */
static void *append(sc_parser *p, const sc_tok *t, void **arr, size_t *n, size_t el)
{
  void *a = sc_push(*arr, *n, el);
  if (a == NULL) {
    sc_oom(p, t);
    return NULL;
  }
  *arr = a;
  void *e = (char *)a + el * (*n)++;
  memset(e, 0, el);
  return e;
}

static pending *add_pending(sc_parser *p, const sc_tok *t, ref_kind k, size_t idx,
                            const char *name, const sc_tok *where)
{
  scsi_state *st = state(p->m->scsi);
  pending *r = append(p, t, (void **)&st->pend, &st->npend, sizeof *r);
  if (r == NULL)
    return NULL;
  r->kind = k;
  r->idx = idx;
  snprintf(r->name, sizeof r->name, "%s", name);
  r->line = where->line;
  r->col = where->col;
  return r;
}

/* A reference to a name: recorded for the end of the machine. */
static int want_ref(sc_parser *p, const char *what, ref_kind k, size_t idx, pending **out)
{
  char name[SIM_SC_NAME_MAX + 1];
  const sc_tok *nt;
  if (sc_want_name(p, what, name, &nt) < 0)
    return -1;
  pending *r = add_pending(p, nt, k, idx, name, nt);
  if (out)
    *out = r;
  return r ? 0 : -1;
}

/* A duplicate among the names of one kind, declared so far. */
static int dup_name(sc_parser *p, const sc_tok *t, const char *kind, const char *name,
                    const char *names, size_t n, size_t stride, const int *lines)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(names + i * stride, name) == 0) {
      sc_error(p->e, t->line, t->col, "duplicate SCSI %s '%s' (first declared at line %d)",
               kind, name, *(const int *)((const char *)lines + i * stride));
      return -1;
    }
  return 0;
}

static int want_at(sc_parser *p, uint64_t *at)
{
  const sc_tok *t = sc_next(p);
  if (!sc_tok_is(t, "at"))
    return sc_fail_expected(p, t, "'at' and a time");
  return sc_want_duration(p, "a time", at, NULL);
}

/* A quoted text of at most max printable ASCII characters into out. */
static int want_text(sc_parser *p, const char *what, size_t max, char *out)
{
  const sc_tok *t = sc_next(p);
  if (t->kind != SC_TOK_STRING)
    return sc_fail_expected(p, t, what);
  if (t->slen > max) {
    sc_error(p->e, t->line, t->col, "text too long: at most %zu characters", max);
    return -1;
  }
  for (size_t i = 0; i < t->slen; i++)
    if (t->str[i] < 0x20 || t->str[i] > 0x7E) {
      sc_error(p->e, t->line, t->col, "only printable ASCII is allowed here");
      return -1;
    }
  memcpy(out, t->str, t->slen);
  out[t->slen] = '\0';
  return 0;
}

static int want_size(sc_parser *p, const char *what, uint64_t max, uint64_t *out)
{
  const sc_tok *t = sc_next(p);
  int r = t->kind == SC_TOK_WORD ? sc_parse_size(t->p, t->len, max, out) : SC_NUM_BAD;
  if (r == SC_NUM_RANGE) {
    sc_error(p->e, t->line, t->col, "'%.*s' out of range (at most %llu)",
             t->len > 40 ? 40 : (int)t->len, t->p, (unsigned long long)max);
    return -1;
  }
  return r == SC_NUM_OK ? 0 : sc_fail_expected(p, t, what);
}

/* ---- scsi bus ---------------------------------------------------------- */

static int parse_bus(sc_parser *p, sim_sc_scsi *s, const sc_tok *kw)
{
  char name[SIM_SC_NAME_MAX + 1];
  const sc_tok *nt;
  if (sc_want_name(p, "a bus name", name, &nt) < 0 ||
      dup_name(p, nt, "bus", name, s->buses ? s->buses[0].name : "", s->nbuses,
               sizeof s->buses[0], s->buses ? &s->buses[0].line : NULL) < 0)
    return -1;
  if (s->nbuses > SIM_SCSI_MAX_BUS_ID) {
    sc_error(p->e, kw->line, kw->col, "too many SCSI buses (at most %u per machine)",
             SIM_SCSI_MAX_BUS_ID + 1);
    return -1;
  }
  sim_sc_scsi_bus *b = append(p, kw, (void **)&s->buses, &s->nbuses, sizeof *b);
  if (b == NULL)
    return -1;
  memcpy(b->name, name, sizeof name);
  b->initiator = 7;
  b->line = kw->line;
  b->col = kw->col;
  const sc_tok *t = sc_peek(p);
  if (sc_tok_is(t, "initiator")) {
    sc_next(p);
    uint64_t v;
    if (sc_want_uint(p, "an initiator ID (0..15)", "initiator ID", 0, 15, &v) < 0)
      return -1;
    b->initiator = (uint8_t)v;
  }
  return sc_want_eol(p);
}

/* ---- scsi disk ---------------------------------------------------------- */

static int parse_disk(sc_parser *p, sim_sc_scsi *s, const sc_tok *kw)
{
  char name[SIM_SC_NAME_MAX + 1];
  const sc_tok *nt;
  if (sc_want_name(p, "a disk name", name, &nt) < 0 ||
      dup_name(p, nt, "disk", name, s->disks ? s->disks[0].name : "", s->ndisks,
               sizeof s->disks[0], s->disks ? &s->disks[0].line : NULL) < 0)
    return -1;
  sim_sc_scsi_disk *d = append(p, kw, (void **)&s->disks, &s->ndisks, sizeof *d);
  if (d == NULL)
    return -1;
  size_t di = s->ndisks - 1;
  memcpy(d->name, name, sizeof name);
  d->line = kw->line;
  d->col = kw->col;
  sim_scsi_unit_config_default(&d->cfg);
  const sc_tok *t = sc_next(p);
  if (!sc_tok_is(t, "bus"))
    return sc_fail_expected(p, t, "'bus' and a bus name");
  if (want_ref(p, "a bus name", R_DISK_BUS, di, NULL) < 0)
    return -1;
  t = sc_next(p);
  if (!sc_tok_is(t, "target"))
    return sc_fail_expected(p, t, "'target' and a target ID");
  uint64_t v;
  if (sc_want_uint(p, "a target ID (0..15)", "target ID", 0, SIM_SCSI_MAX_TARGETS - 1, &v) < 0)
    return -1;
  d = &s->disks[di];
  d->target = (uint8_t)v;
  if (sc_tok_is(sc_peek(p), "lun")) {
    sc_next(p);
    if (sc_want_uint(p, "a LUN (0..63)", "LUN", 0, SIM_SCSI_MAX_LUNS - 1, &v) < 0)
      return -1;
    d->lun = (uint16_t)v;
  }
  t = sc_next(p);
  if (sc_tok_is(t, "image")) {
    const sc_tok *st = sc_next(p);
    if (st->kind != SC_TOK_STRING || st->slen == 0)
      return sc_fail_expected(p, st, "an image path in double quotes");
    d->image = st->str;
    ((sc_tok *)st)->str = NULL; /* taken from the line */
  } else if (sc_tok_is(t, "memory")) {
    if (want_size(p, "a size in bytes (e.g. 1m)", UINT64_C(1) << 40, &d->memory) < 0)
      return -1;
    if (d->memory == 0) {
      sc_error(p->e, t->line, t->col, "a memory disk needs a size above 0");
      return -1;
    }
  } else
    return sc_fail_expected(p, t, "'image \"PATH\"' or 'memory SIZE'");
  /* Options, any order, each once: the column where each was first given. */
  int seen[12] = {0};
  static const char *const opts[] = {"writable", "raw",        "block-size", "blocks",
                                     "vendor",   "product",    "revision",   "serial",
                                     "read-only", "write-cache", "queue-depth", "removable"};
  for (;;) {
    t = sc_next(p);
    if (t->kind == SC_TOK_EOL)
      break;
    int k = -1;
    for (int i = 0; i < 12; i++)
      if (sc_tok_is(t, opts[i]))
        k = i;
    if (k < 0)
      return sc_fail_expected(p, t,
                              "an option (writable, raw, block-size, blocks, vendor, product, "
                              "revision, serial, read-only, write-cache, queue-depth, "
                              "removable) or end of line");
    if (seen[k])
      return sc_dup_option(p, t, seen[k]);
    seen[k] = t->col;
    if ((k == 0 || k == 1) && d->image == NULL) {
      sc_error(p->e, t->line, t->col, "'%s' applies to an image disk, not a memory one",
               opts[k]);
      return -1;
    }
    switch (k) {
    case 0: d->writable = 1; break;
    case 1: d->raw = 1; break;
    case 2: {
      const sc_tok *vt = sc_peek(p);
      if (sc_want_uint(p, "a block size (512, 1024, 2048 or 4096)", "block size", 512, 4096,
                       &v) < 0)
        return -1;
      if (v != 512 && v != 1024 && v != 2048 && v != 4096) {
        sc_error(p->e, vt->line, vt->col, "block size %llu: expected 512, 1024, 2048 or 4096",
                 (unsigned long long)v);
        return -1;
      }
      d->cfg.block_size = (uint32_t)v;
      break;
    }
    case 3:
      if (sc_want_uint(p, "a number of blocks", "blocks", 1, UINT64_MAX, &d->cfg.blocks) < 0)
        return -1;
      break;
    case 4: if (want_text(p, "a vendor in quotes (at most 8 characters)", 8, d->cfg.vendor) < 0) return -1; break;
    case 5: if (want_text(p, "a product in quotes (at most 16 characters)", 16, d->cfg.product) < 0) return -1; break;
    case 6: if (want_text(p, "a revision in quotes (at most 4 characters)", 4, d->cfg.revision) < 0) return -1; break;
    case 7: if (want_text(p, "a serial number in quotes (at most 20 characters)", 20, d->cfg.serial) < 0) return -1; break;
    case 8: d->cfg.read_only = 1; break;
    case 9: {
      const sc_tok *ot = sc_next(p);
      if (sc_tok_is(ot, "on"))
        d->cfg.write_cache = 1;
      else if (sc_tok_is(ot, "off"))
        d->cfg.write_cache = 0;
      else
        return sc_fail_expected(p, ot, "'on' or 'off'");
      break;
    }
    case 10:
      if (sc_want_uint(p, "a queue depth (1..65535)", "queue depth", 1, 65535, &v) < 0)
        return -1;
      d->cfg.queue_depth = (uint32_t)v;
      break;
    default: d->cfg.removable = 1; break;
    }
  }
  return 0;
}

/* ---- latency, rate, faults ---------------------------------------------- */

static int parse_latency(sc_parser *p, const sc_tok *kw)
{
  pending *r;
  if (want_ref(p, "a disk name", R_MOD, 0, &r) < 0)
    return -1;
  size_t ri = (size_t)(r - state(p->m->scsi)->pend);
  const sc_tok *ct = sc_next(p);
  static const char *const cls[] = {"read", "write", "sync", "other"};
  int c = -2;
  for (int i = 0; i < 4; i++)
    if (sc_tok_is(ct, cls[i]))
      c = i;
  if (sc_tok_is(ct, "all"))
    c = -1;
  if (c == -2)
    return sc_fail_expected(p, ct, "a command class (read, write, sync, other or all)");
  sim_scsi_lat lat = {0, 0, 0};
  const sc_tok *dt = sc_next(p);
  if (sc_tok_is(dt, "fixed")) {
    lat.kind = SIM_SCSI_LAT_FIXED;
    if (sc_want_duration(p, "a latency", &lat.a, NULL) < 0)
      return -1;
  } else if (sc_tok_is(dt, "uniform")) {
    lat.kind = SIM_SCSI_LAT_UNIFORM;
    const sc_tok *ht;
    if (sc_want_duration(p, "a low bound", &lat.a, NULL) < 0 ||
        sc_want_duration(p, "a high bound", &lat.b, &ht) < 0)
      return -1;
    if (lat.b < lat.a) {
      sc_error(p->e, ht->line, ht->col, "uniform latency: high bound is below low bound");
      return -1;
    }
  } else if (sc_tok_is(dt, "exponential")) {
    lat.kind = SIM_SCSI_LAT_EXPONENTIAL;
    if (sc_want_duration(p, "a mean", &lat.a, NULL) < 0)
      return -1;
  } else
    return sc_fail_expected(p, dt, "a distribution (fixed, uniform or exponential)");
  r = &state(p->m->scsi)->pend[ri];
  r->mod = M_LATENCY;
  r->cls = c;
  r->lat = lat;
  (void)kw;
  return sc_want_eol(p);
}

static int parse_rate(sc_parser *p)
{
  pending *r;
  if (want_ref(p, "a disk name", R_MOD, 0, &r) < 0)
    return -1;
  size_t ri = (size_t)(r - state(p->m->scsi)->pend);
  uint64_t rate;
  if (want_size(p, "a transfer rate in bytes per second (e.g. 10m)", UINT64_C(1) << 40, &rate) < 0)
    return -1;
  r = &state(p->m->scsi)->pend[ri];
  r->mod = M_RATE;
  r->rate = rate;
  return sc_want_eol(p);
}

static int parse_fault(sc_parser *p)
{
  pending *r;
  if (want_ref(p, "a disk name", R_MOD, 0, &r) < 0)
    return -1;
  size_t ri = (size_t)(r - state(p->m->scsi)->pend);
  sim_scsi_fault f;
  memset(&f, 0, sizeof f);
  f.opcode = -1;
  uint64_t v;
  const sc_tok *kt = sc_next(p);
  if (sc_tok_is(kt, "sense")) {
    f.kind = SIM_SCSI_FAULT_SENSE;
    if (sc_want_uint(p, "a sense key (1..15)", "sense key", 1, 15, &v) < 0)
      return -1;
    f.key = (uint8_t)v;
    if (sc_want_uint(p, "an ASC (0..255)", "ASC", 0, 255, &v) < 0)
      return -1;
    f.asc = (uint8_t)v;
    if (sc_want_uint(p, "an ASCQ (0..255)", "ASCQ", 0, 255, &v) < 0)
      return -1;
    f.ascq = (uint8_t)v;
  } else if (sc_tok_is(kt, "medium")) {
    f.kind = SIM_SCSI_FAULT_MEDIUM;
    if (sc_want_uint(p, "the first bad LBA", "LBA", 0, UINT64_MAX, &f.lba) < 0 ||
        sc_want_uint(p, "a number of bad blocks (at least 1)", "block count", 1, UINT64_MAX,
                     &f.count) < 0)
      return -1;
    if (sc_tok_is(sc_peek(p), "writes")) {
      sc_next(p);
      f.writes = 1;
    }
  } else if (sc_tok_is(kt, "unit-attention")) {
    f.kind = SIM_SCSI_FAULT_UA_AT_START;
    r = &state(p->m->scsi)->pend[ri];
    r->mod = M_FAULT;
    r->fault = f;
    return sc_want_eol(p);
  } else if (sc_tok_is(kt, "timeout")) {
    f.kind = SIM_SCSI_FAULT_TIMEOUT;
  } else if (sc_tok_is(kt, "transport")) {
    f.kind = SIM_SCSI_FAULT_TRANSPORT;
  } else
    return sc_fail_expected(p, kt,
                            "a fault kind (sense, medium, unit-attention, timeout or transport)");
  int seen[5] = {0};
  static const char *const opts[] = {"opcode", "every", "after", "times", "chance"};
  for (;;) {
    const sc_tok *t = sc_next(p);
    if (t->kind == SC_TOK_EOL)
      break;
    int k = -1;
    for (int i = 0; i < 5; i++)
      if (sc_tok_is(t, opts[i]))
        k = i;
    if (k < 0)
      return sc_fail_expected(p, t,
                              "an option (opcode, every, after, times, chance) or end of line");
    if (seen[k])
      return sc_dup_option(p, t, seen[k]);
    seen[k] = t->col;
    switch (k) {
    case 0:
      if (sc_want_uint(p, "an operation code (0..255)", "operation code", 0, 255, &v) < 0)
        return -1;
      f.opcode = (int16_t)v;
      break;
    case 1:
      if (sc_want_uint(p, "a command count (at least 1)", "count", 1, UINT64_MAX, &f.every_nth) < 0)
        return -1;
      break;
    case 2:
      if (sc_want_uint(p, "a command number", "command number", 0, UINT64_MAX, &f.after) < 0)
        return -1;
      break;
    case 3:
      if (sc_want_uint(p, "a number of times (at least 1)", "times", 1, UINT64_MAX, &f.times) < 0)
        return -1;
      break;
    default:
      if (sc_want_uint(p, "a chance in thousandths (1..1000)", "chance", 1, 1000, &v) < 0)
        return -1;
      f.permille = (uint32_t)v;
      break;
    }
  }
  r = &state(p->m->scsi)->pend[ri];
  r->mod = M_FAULT;
  r->fault = f;
  return 0;
}

/* ---- commands, aborts, resets -------------------------------------------- */

static int parse_cdb(sc_parser *p, sim_sc_scsi_cmd *c)
{
  const sc_tok *t = sc_next(p);
  if (t->kind != SC_TOK_STRING)
    return sc_fail_expected(p, t, "a CDB in hex in double quotes (e.g. \"12 00 00 00 24 00\")");
  size_t n = 0;
  const char *why = sim_scsi_cdb_parse(t->str, t->slen, c->cdb, &n);
  if (why != NULL) {
    sc_error(p->e, t->line, t->col, "bad CDB: %s", why);
    return -1;
  }
  c->cdb_len = (uint8_t)n;
  return 0;
}

static int parse_command(sc_parser *p, sim_sc_scsi *s, const sc_tok *kw)
{
  char name[SIM_SC_NAME_MAX + 1];
  const sc_tok *nt;
  if (sc_want_name(p, "a command name", name, &nt) < 0 ||
      dup_name(p, nt, "command", name, s->cmds ? s->cmds[0].name : "", s->ncmds,
               sizeof s->cmds[0], s->cmds ? &s->cmds[0].line : NULL) < 0)
    return -1;
  sim_sc_scsi_cmd *c = append(p, kw, (void **)&s->cmds, &s->ncmds, sizeof *c);
  if (c == NULL)
    return -1;
  size_t ci = s->ncmds - 1;
  memcpy(c->name, name, sizeof name);
  c->line = kw->line;
  c->col = kw->col;
  c->pattern.kind = SIM_SC_PAT_COUNTER;
  if (want_ref(p, "a disk name", R_CMD_DISK, ci, NULL) < 0)
    return -1;
  c = &s->cmds[ci];
  if (parse_cdb(p, c) < 0)
    return -1;
  int seen_lun = 0, seen_data = 0, seen_pat = 0, seen_at = 0;
  for (;;) {
    const sc_tok *t = sc_next(p);
    if (t->kind == SC_TOK_EOL)
      break;
    uint64_t v;
    if (sc_tok_is(t, "lun")) {
      if (seen_lun)
        return sc_dup_option(p, t, seen_lun);
      seen_lun = t->col;
      if (sc_want_uint(p, "a LUN (0..63)", "LUN", 0, SIM_SCSI_MAX_LUNS - 1, &v) < 0)
        return -1;
      c->has_lun = 1;
      c->lun = (uint16_t)v;
    } else if (sc_tok_is(t, "in") || sc_tok_is(t, "out")) {
      if (seen_data)
        return sc_dup_option(p, t, seen_data);
      seen_data = t->col;
      c->dir = sc_tok_is(t, "in") ? SIM_SCSI_DIR_IN : SIM_SCSI_DIR_OUT;
      if (want_size(p, "a byte count (e.g. 512 or 4k)", 1u << 30, &c->size) < 0)
        return -1;
    } else if (sc_tok_is(t, "pattern")) {
      if (seen_pat)
        return sc_dup_option(p, t, seen_pat);
      seen_pat = t->col;
      if (c->dir != SIM_SCSI_DIR_OUT) {
        sc_error(p->e, t->line, t->col, "'pattern' needs 'out SIZE' before it");
        return -1;
      }
      if (sc_parse_pattern(p, &c->pattern) < 0)
        return -1;
    } else if (sc_tok_is(t, "at")) {
      if (seen_at)
        return sc_dup_option(p, t, seen_at);
      seen_at = t->col;
      if (sc_want_duration(p, "a time", &c->at, NULL) < 0)
        return -1;
    } else
      return sc_fail_expected(p, t, "an option (lun, in, out, pattern, at) or end of line");
  }
  return 0;
}

static int parse_act(sc_parser *p, sim_sc_scsi *s, const sc_tok *kw, int abort_)
{
  sim_sc_scsi_act *a = append(p, kw, (void **)&s->acts, &s->nacts, sizeof *a);
  if (a == NULL)
    return -1;
  size_t ai = s->nacts - 1;
  a->kind = abort_ ? SIM_SC_SCSI_ABORT : SIM_SC_SCSI_RESET_LUN;
  a->cmd = a->disk = a->bus = SIM_SC_NONE;
  a->line = kw->line;
  a->col = kw->col;
  if (want_ref(p, abort_ ? "a command name" : "a disk or bus name", R_ACT, ai, NULL) < 0)
    return -1;
  if (!abort_ && sc_tok_is(sc_peek(p), "target")) {
    sc_next(p);
    s->acts[ai].kind = SIM_SC_SCSI_RESET_TARGET;
  }
  if (want_at(p, &s->acts[ai].at) < 0)
    return -1;
  return sc_want_eol(p);
}

int sc_parse_scsibus(sc_parser *p, const sc_tok *kw)
{
  sim_sc_scsi *s = get(p, kw);
  if (s == NULL)
    return -1;
  const sc_tok *t = sc_next(p);
  if (sc_tok_is(t, "bus"))
    return parse_bus(p, s, kw);
  if (sc_tok_is(t, "disk"))
    return parse_disk(p, s, kw);
  if (sc_tok_is(t, "latency"))
    return parse_latency(p, kw);
  if (sc_tok_is(t, "rate"))
    return parse_rate(p);
  if (sc_tok_is(t, "fault"))
    return parse_fault(p);
  if (sc_tok_is(t, "command"))
    return parse_command(p, s, kw);
  if (sc_tok_is(t, "abort"))
    return parse_act(p, s, kw, 1);
  if (sc_tok_is(t, "reset"))
    return parse_act(p, s, kw, 0);
  return sc_fail_expected(p, t,
                          "bus, disk, latency, rate, fault, command, abort or reset after 'scsi'");
}

/* ---- expectations ---------------------------------------------------------- */

static const char *const ex_words[] = {"status", "sense", "info", "transport", "resid", NULL};

int sc_is_scsibus_expect(const sc_tok *w)
{
  for (const char *const *x = ex_words; *x; x++)
    if (sc_tok_is(w, *x))
      return 1;
  return 0;
}

static const struct {
  const char *name;
  uint8_t     v;
} status_names[] = {{"GOOD", 0x00},          {"CHECK-CONDITION", 0x02},
                    {"CONDITION-MET", 0x04}, {"BUSY", 0x08},
                    {"RESERVATION-CONFLICT", 0x18}, {"TASK-SET-FULL", 0x28},
                    {"ACA-ACTIVE", 0x30},    {"TASK-ABORTED", 0x40}};

static const char *const key_names[16] = {
  "NO-SENSE",       "RECOVERED-ERROR", "NOT-READY",      "MEDIUM-ERROR",
  "HARDWARE-ERROR", "ILLEGAL-REQUEST", "UNIT-ATTENTION", "DATA-PROTECT",
  "BLANK-CHECK",    "VENDOR-SPECIFIC", "COPY-ABORTED",   "ABORTED-COMMAND",
  "RESERVED-C",     "VOLUME-OVERFLOW", "MISCOMPARE",     "COMPLETED"};

static const char *const xport_names[] = {"ok", "selection-timeout", "transport-failure",
                                          "aborted", "reset", NULL};

/* A word from names[] (n of them) or an integer up to max. */
static int want_named(sc_parser *p, const char *what, const char *const *names, size_t n,
                      uint64_t max, uint64_t *out)
{
  const sc_tok *t = sc_peek(p);
  if (t->kind == SC_TOK_WORD && t->p[0] >= '0' && t->p[0] <= '9')
    return sc_want_uint(p, what, "value", 0, max, out);
  sc_next(p);
  for (size_t i = 0; i < n; i++)
    if (names[i] && sc_tok_is(t, names[i])) {
      *out = i;
      return 0;
    }
  return sc_fail_expected(p, t, what);
}

int sc_parse_scsibus_expect(sc_parser *p, const sc_tok *kw)
{
  sim_sc_scsi *s = get(p, kw);
  if (s == NULL)
    return -1;
  sim_sc_scsi_expect *x = append(p, kw, (void **)&s->expects, &s->nexpects, sizeof *x);
  if (x == NULL)
    return -1;
  size_t xi = s->nexpects - 1;
  x->line = kw->line;
  x->col = kw->col;
  if (want_ref(p, "a SCSI command name", R_EXPECT, xi, NULL) < 0)
    return -1;
  x = &s->expects[xi];
  const sc_tok *t = sc_next(p);
  uint64_t v;
  if (sc_tok_is(t, "status")) {
    x->kind = SIM_SC_SCSI_EX_STATUS;
    const sc_tok *vt = sc_peek(p);
    if (vt->kind == SC_TOK_WORD && vt->p[0] >= '0' && vt->p[0] <= '9') {
      if (sc_want_uint(p, "a status", "status", 0, 255, &x->value) < 0)
        return -1;
    } else {
      sc_next(p);
      size_t i = 0;
      for (; i < sizeof status_names / sizeof status_names[0]; i++)
        if (sc_tok_is(vt, status_names[i].name))
          break;
      if (i == sizeof status_names / sizeof status_names[0])
        return sc_fail_expected(p, vt,
                                "a status (GOOD, CHECK-CONDITION, BUSY, TASK-SET-FULL, ... or "
                                "a number)");
      x->value = status_names[i].v;
    }
  } else if (sc_tok_is(t, "sense")) {
    x->kind = SIM_SC_SCSI_EX_SENSE;
    if (want_named(p, "a sense key (ILLEGAL-REQUEST, MEDIUM-ERROR, ... or 0..15)", key_names,
                   16, 15, &v) < 0)
      return -1;
    x->key = (uint8_t)v;
    if (sc_want_uint(p, "an ASC (0..255)", "ASC", 0, 255, &v) < 0)
      return -1;
    x->asc = (uint8_t)v;
    if (sc_want_uint(p, "an ASCQ (0..255)", "ASCQ", 0, 255, &v) < 0)
      return -1;
    x->ascq = (uint8_t)v;
  } else if (sc_tok_is(t, "info")) {
    x->kind = SIM_SC_SCSI_EX_INFO;
    if (sc_want_uint(p, "an INFORMATION value", "information", 0, UINT32_MAX, &x->value) < 0)
      return -1;
  } else if (sc_tok_is(t, "transport")) {
    x->kind = SIM_SC_SCSI_EX_TRANSPORT;
    if (want_named(p, "a transport outcome (ok, selection-timeout, transport-failure, aborted, "
                      "reset)",
                   xport_names, 5, 4, &x->value) < 0)
      return -1;
  } else {
    x->kind = SIM_SC_SCSI_EX_RESID;
    if (sc_want_uint(p, "a residual byte count", "residual", 0, UINT32_MAX, &x->value) < 0)
      return -1;
  }
  return sc_want_eol(p);
}

/* ---- the end of the machine -------------------------------------------------- */

static size_t find(const void *arr, size_t n, size_t stride, const char *name)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp((const char *)arr + i * stride, name) == 0)
      return i;
  return SIM_SC_NONE;
}

static void names_list(char *buf, size_t len, const void *arr, size_t n, size_t stride)
{
  size_t k = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && k + 2 < len; i++) {
    int w = snprintf(buf + k, len - k, "%s%s", i ? ", " : "", (const char *)arr + i * stride);
    if (w < 0)
      break;
    k += (size_t)w;
  }
}

static int unknown(sc_err *e, const pending *r, const char *kind, const void *arr, size_t n,
                   size_t stride)
{
  char list[256];
  names_list(list, sizeof list, arr, n, stride);
  if (n)
    sc_error_min(e, r->line, r->col, "unknown SCSI %s '%s'; declared: %s", kind, r->name, list);
  else
    sc_error_min(e, r->line, r->col, "unknown SCSI %s '%s'; none is declared", kind, r->name);
  return -1;
}

int sc_check_scsibus(sim_sc_machine *m, sc_err *e)
{
  sim_sc_scsi *s = m->scsi;
  if (s == NULL)
    return 0;
  scsi_state *st = state(s);
  int bad = 0;
  size_t bs = sizeof s->buses[0], ds = sizeof s->disks[0], cs = sizeof s->cmds[0];
  for (size_t i = 0; i < st->npend; i++) {
    const pending *r = &st->pend[i];
    size_t b = find(s->buses, s->nbuses, bs, r->name);
    size_t d = find(s->disks, s->ndisks, ds, r->name);
    size_t c = find(s->cmds, s->ncmds, cs, r->name);
    switch (r->kind) {
    case R_DISK_BUS:
      if (b == SIM_SC_NONE)
        bad |= unknown(e, r, "bus", s->buses, s->nbuses, bs);
      else
        s->disks[r->idx].bus = b;
      break;
    case R_CMD_DISK:
      if (d == SIM_SC_NONE)
        bad |= unknown(e, r, "disk", s->disks, s->ndisks, ds);
      else
        s->cmds[r->idx].disk = d;
      break;
    case R_EXPECT:
      if (c == SIM_SC_NONE)
        bad |= unknown(e, r, "command", s->cmds, s->ncmds, cs);
      else
        s->expects[r->idx].cmd = c;
      break;
    case R_ACT: {
      sim_sc_scsi_act *a = &s->acts[r->idx];
      if (a->kind == SIM_SC_SCSI_ABORT) {
        if (c == SIM_SC_NONE)
          bad |= unknown(e, r, "command", s->cmds, s->ncmds, cs);
        a->cmd = c;
      } else if (d != SIM_SC_NONE) {
        a->disk = d;
      } else if (b != SIM_SC_NONE && a->kind == SIM_SC_SCSI_RESET_LUN) {
        a->kind = SIM_SC_SCSI_RESET_BUS;
        a->bus = b;
      } else
        bad |= unknown(e, r, "disk or bus", s->disks, s->ndisks, ds);
      break;
    }
    case R_MOD: {
      if (d == SIM_SC_NONE) {
        bad |= unknown(e, r, "disk", s->disks, s->ndisks, ds);
        break;
      }
      sim_scsi_unit_config *cfg = &s->disks[d].cfg;
      if (r->mod == M_RATE)
        cfg->latency.rate = r->rate;
      else if (r->mod == M_LATENCY) {
        for (int k = 0; k < SIM_SCSI_CLASS_COUNT; k++)
          if (r->cls < 0 || r->cls == k)
            cfg->latency.lat[k] = r->lat;
      } else if (cfg->nfaults == SIM_SCSI_MAX_FAULTS) {
        sc_error_min(e, r->line, r->col, "disk '%s' has more than %u faults", r->name,
                     SIM_SCSI_MAX_FAULTS);
        bad = -1;
      } else
        cfg->faults[cfg->nfaults++] = r->fault;
      break;
    }
    }
  }
  /* Addresses: one unit per (bus, target, LUN), never the initiator's ID. */
  for (size_t i = 0; !bad && i < s->ndisks; i++) {
    const sim_sc_scsi_disk *d = &s->disks[i];
    if (d->target == s->buses[d->bus].initiator) {
      sc_error_min(e, d->line, d->col, "disk '%s': target %u is the initiator's ID on bus '%s'",
                   d->name, d->target, s->buses[d->bus].name);
      bad = -1;
    }
    for (size_t j = 0; j < i; j++)
      if (s->disks[j].bus == d->bus && s->disks[j].target == d->target &&
          s->disks[j].lun == d->lun) {
        sc_error_min(e, d->line, d->col,
                     "disk '%s': target %u LUN %u of bus '%s' is already disk '%s' (line %d)",
                     d->name, d->target, d->lun, s->buses[d->bus].name, s->disks[j].name,
                     s->disks[j].line);
        bad = -1;
      }
    if (d->image == NULL && d->memory < d->cfg.block_size) {
      sc_error_min(e, d->line, d->col, "disk '%s': %llu bytes hold no %u-byte block", d->name,
                   (unsigned long long)d->memory, d->cfg.block_size);
      bad = -1;
    }
  }
  free(st->pend);
  st->pend = NULL;
  st->npend = 0;
  return bad ? -1 : 0;
}
