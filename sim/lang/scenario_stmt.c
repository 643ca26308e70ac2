/*
 * sim/lang/scenario_stmt.c - the scenario parser's statements: client statements
 * (open close read write control status killio, wait, sleep, at, repeat)
 * and expectations (expect ...).
 *
 * Contracts:
 * - Every call statement becomes one instance in machine.calls and one
 *   shape in machine.shapes (named or not), except that plain calls that
 *   are the same share a shape, and unnamed ones an instance (scenario.h).
 *   A call that is not plain gets its parameter block in machine.pbs: its
 *   own, or the one shared by every statement with the same `pb NAME`.
 * - Options after the fixed operands come in any order, each at most once.
 * - Names of drivers and calls are recorded as sc_refs; sc_check_machine
 *   resolves them and checks what needs the whole machine (wait targets,
 *   data pairs).
 */
#include "lang/scenario_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devmgr/err.h"

/* A call cannot be named after a word that would make `wait` or `expect`
 * ambiguous. */
static const char *const reserved_call_names[] = {"all",  "order", "count", "violation", "no",
                                                  "data", "time",  "sent",  "flags",     NULL};

static int push_stmt(sc_parser *p, const sc_tok *kw, sim_sc_stmt st)
{
  sc_block *b = &p->blk[p->nblk - 1];
  sim_sc_stmt *s = sc_push(b->body, b->nbody, sizeof *s);
  if (!s)
    return sc_oom(p, kw);
  b->body = s;
  st.line = kw->line;
  st.col = kw->col;
  s[b->nbody++] = st;
  return 0;
}

/* ---- call statements --------------------------------------------------- */

/* Options each operation accepts, for parsing and for messages. */
enum {
  OPT_AT = 1, OPT_PATTERN = 2, OPT_MODE = 4, OPT_AS = 8, OPT_PB = 16, OPT_POS = 32,
  OPT_PERM = 64, OPT_PARAM = 128, OPT_NOCOMP = 256, OPT_THEN = 512
};
#define OPTS_ANY (OPT_MODE | OPT_AS | OPT_PB | OPT_NOCOMP | OPT_THEN)

static const struct {
  const char *word;
  sim_sc_op   op;
  unsigned    opts;
  const char *list; /* the options, for "expected an option (...)" */
} ops[] = {
    {"open", SIM_SC_OP_OPEN, OPTS_ANY | OPT_PERM,
     "sync, async, immediate, perm, no-completion, as, pb, then"},
    {"close", SIM_SC_OP_CLOSE, OPTS_ANY, "sync, async, immediate, no-completion, as, pb, then"},
    {"read", SIM_SC_OP_READ, OPTS_ANY | OPT_AT | OPT_POS,
     "at, posmode, offset, sync, async, immediate, no-completion, as, pb, then"},
    {"write", SIM_SC_OP_WRITE, OPTS_ANY | OPT_AT | OPT_POS | OPT_PATTERN,
     "at, posmode, offset, pattern, sync, async, immediate, no-completion, as, pb, then"},
    {"control", SIM_SC_OP_CONTROL, OPTS_ANY | OPT_PARAM,
     "param, sync, async, immediate, no-completion, as, pb, then"},
    {"status", SIM_SC_OP_STATUS, OPTS_ANY | OPT_PARAM,
     "param, sync, async, immediate, no-completion, as, pb, then"},
    {"killio", SIM_SC_OP_KILLIO, OPT_AS | OPT_PB, "as, pb"},
};

/* Apple's names for ioPosMode and ioPermssn values (Files.h). */
static const struct {
  const char *name;
  int         value;
} posmodes[] = {{"fsAtMark", 0}, {"fsFromStart", 1}, {"fsFromLEOF", 2}, {"fsFromMark", 3}},
  perms[] = {{"fsCurPerm", 0}, {"fsRdPerm", 1}, {"fsWrPerm", 2}, {"fsRdWrPerm", 3},
             {"fsRdWrShPerm", 4}};

static int starts_number(const sc_tok *t)
{
  return t->kind == SC_TOK_WORD && (t->p[0] == '-' || (t->p[0] >= '0' && t->p[0] <= '9'));
}

/* A signed integer in [min, max] at the next token; noun for messages. */
static int want_int(sc_parser *p, const char *what, const char *noun, int64_t min, int64_t max,
                    int64_t *out)
{
  const sc_tok *t = sc_next(p);
  int r = t->kind == SC_TOK_WORD ? sc_parse_int(t->p, t->len, min, max, out) : SC_NUM_BAD;
  if (r == SC_NUM_RANGE) {
    sc_error(p->e, t->line, t->col, "%s '%.*s' out of range (%lld..%lld)", noun,
             t->len > 40 ? 40 : (int)t->len, t->p, (long long)min, (long long)max);
    return -1;
  }
  return r == SC_NUM_OK ? 0 : sc_fail_expected(p, t, what);
}

/* posmode NAME, or perm NAME|INT. */
static int want_named(sc_parser *p, const char *what, const char *noun, int numbers_too,
                      const void *table, size_t n, int64_t *out)
{
  const struct { const char *name; int value; } *tab = table;
  const sc_tok *t = sc_peek(p);
  if (numbers_too && starts_number(t))
    return want_int(p, what, noun, INT8_MIN, INT8_MAX, out);
  sc_next(p);
  for (size_t i = 0; i < n; i++)
    if (sc_tok_is(t, tab[i].name)) {
      *out = tab[i].value;
      return 0;
    }
  return sc_fail_expected(p, t, what);
}

/* `param B1 B2 ...`: 1 to SIM_SC_CSPARAM_MAX byte values (numbers; the first
 * word that is not one ends the list). */
static int parse_bytes(sc_parser *p, const sc_tok *kw, uint8_t *bytes, size_t *n)
{
  *n = 0;
  while (*n == 0 || starts_number(sc_peek(p))) {
    if (*n == SIM_SC_CSPARAM_MAX) {
      const sc_tok *t = sc_peek(p);
      sc_error(p->e, t->line, t->col, "too many csParam bytes (at most %d)", SIM_SC_CSPARAM_MAX);
      return -1;
    }
    uint64_t v;
    if (sc_want_uint(p, "a byte value (0..255, e.g. 0x1F)", "byte value", 0, 255, &v) < 0)
      return -1;
    bytes[(*n)++] = (uint8_t)v;
  }
  (void)kw;
  return 0;
}

int sc_parse_pattern(sc_parser *p, sim_sc_pattern *pat)
{
  const sc_tok *t = sc_next(p);
  if (sc_tok_is(t, "counter")) {
    pat->kind = SIM_SC_PAT_COUNTER;
  } else if (sc_tok_is(t, "byte")) {
    uint64_t v;
    if (sc_want_uint(p, "a byte value (0..255, e.g. 0xA5)", "byte value", 0, 255, &v) < 0)
      return -1;
    pat->kind = SIM_SC_PAT_BYTE;
    pat->byte = (uint8_t)v;
  } else if (sc_tok_is(t, "random")) {
    if (sc_want_uint(p, "a random seed (an unsigned 64-bit integer)", "random seed", 0,
                     UINT64_MAX, &pat->seed) < 0)
      return -1;
    pat->kind = SIM_SC_PAT_RANDOM;
  } else if (sc_tok_is(t, "text")) {
    sc_tok *st = sc_next(p);
    if (st->kind != SC_TOK_STRING)
      return sc_fail_expected(p, st, "a text in double quotes");
    if (st->slen == 0) {
      sc_error(p->e, st->line, st->col, "pattern text must not be empty");
      return -1;
    }
    pat->kind = SIM_SC_PAT_TEXT;
    pat->text = st->str; /* taken from the line */
    pat->text_len = st->slen;
    st->str = NULL;
  } else {
    return sc_fail_expected(p, t,
                            "a pattern (byte 0xNN, counter, random SEED or text \"...\")");
  }
  return 0;
}

static int is_reserved(const char *name)
{
  for (const char *const *w = reserved_call_names; *w; w++)
    if (strcmp(name, *w) == 0)
      return 1;
  return 0;
}

/* Copy name to the end of machine.call_names; *off is where it starts.
 * Returns 0, or -1 when out of memory. One block for all names, grown by
 * doubling: no allocation per name. */
static int add_call_name(sc_parser *p, const char *name, uint32_t *off)
{
  sim_sc_machine *m = p->m;
  sc_mstate *ms = p->ms;
  size_t len = strlen(name) + 1;
  size_t at = ms->names_len ? ms->names_len : 1; /* offset 0 is the "" of unnamed calls */
  if (at + len > ms->names_cap) {
    size_t cap = ms->names_cap ? ms->names_cap : 256;
    while (cap < at + len)
      cap *= 2;
    if (cap > UINT32_MAX)
      return -1;
    char *names = realloc(m->call_names, cap);
    if (!names)
      return -1;
    names[0] = '\0';
    m->call_names = names;
    ms->names_cap = cap;
  }
  memcpy(m->call_names + at, name, len);
  ms->names_len = at + len;
  *off = (uint32_t)at;
  return 0;
}

/* `as CALL`: name the call (once per machine, never in a repeat); *off is
 * where the name is kept in machine.call_names. */
static int parse_as(sc_parser *p, const sc_tok *kw, uint32_t *off)
{
  const sc_tok *nt;
  char name[SIM_SC_NAME_MAX + 1];
  if (p->repeat_depth > 0) {
    sc_error(p->e, kw->line, kw->col,
             "'as' is not allowed inside repeat: a named call must run exactly once");
    return -1;
  }
  if (sc_want_name(p, "a call name", name, &nt) < 0)
    return -1;
  if (is_reserved(name)) {
    sc_error(p->e, nt->line, nt->col,
             "'%s' cannot name a call (all, order, count, violation, no, data, time, sent "
             "and flags are reserved)",
             name);
    return -1;
  }
  size_t dup = sc_call_names_find(&p->ms->calls, p->m, name);
  if (dup != SIM_SC_NONE) {
    sc_error(p->e, nt->line, nt->col, "duplicate call name '%s' (first declared at line %d)",
             name, p->m->calls[dup].line);
    return -1;
  }
  return add_call_name(p, name, off) < 0 ? sc_oom(p, nt) : 0;
}

/* Give call idx (shape c) its parameter block: a fresh one, or the shared
 * `pb NAME`. */
static int assign_pb(sc_parser *p, sim_sc_shape *c, size_t idx, const char *pbname,
                     const sc_tok *where)
{
  sim_sc_machine *m = p->m;
  if (pbname[0]) {
    size_t shared = sc_names_find(&p->ms->pbs, pbname);
    if (shared != SIM_SC_NONE) {
      m->pbs[shared].ncalls++;
      c->pb = shared;
      return 0;
    }
  }
  sim_sc_pb *pb = sc_push(m->pbs, m->npbs, sizeof *pb);
  if (!pb)
    return sc_oom(p, where);
  m->pbs = pb;
  pb = &m->pbs[m->npbs];
  memset(pb, 0, sizeof *pb);
  snprintf(pb->name, sizeof pb->name, "%s", pbname);
  pb->per_iteration = !pbname[0] && c->in_repeat;
  pb->first_call = idx;
  pb->ncalls = 1;
  pb->line = where->line;
  pb->col = where->col;
  c->pb = m->npbs++;
  if (pbname[0] && sc_names_add(&p->ms->pbs, pbname, c->pb) < 0)
    return sc_oom(p, where);
  return 0;
}

/* The fields that make two plain shapes the same (the pattern's text and
 * an open's name are left out: shapes that have them are not shared). */
#define PLAIN_FIELDS(X)                                                                   \
  X(op) X(mode) X(client) X(driver) X(has_refnum) X(refnum) X(size) X(has_pos) X(pos)   \
  X(posmode) X(offset) X(has_perm) X(perm) X(ncsparam) X(no_completion) X(code)         \
  X(pattern.kind) X(pattern.byte) X(pattern.seed)

static uint64_t plain_hash(const sim_sc_shape *c)
{
  uint64_t h = 0xcbf29ce484222325u;
#define HASH(f) h = (h ^ (uint64_t)c->f) * 0x100000001b3u;
  PLAIN_FIELDS(HASH)
#undef HASH
  for (size_t i = 0; i < c->ncsparam; i++)
    h = (h ^ c->csparam[i]) * 0x100000001b3u;
  return h ? h : 1; /* a map key is never 0 */
}

static int plain_same(const sim_sc_shape *a, const sim_sc_shape *b)
{
#define SAME(f) if (a->f != b->f) return 0;
  PLAIN_FIELDS(SAME)
#undef SAME
  return memcmp(a->csparam, b->csparam, a->ncsparam) == 0;
}

/* Shape idx, the last of machine.shapes, of a plain call without a
 * routine: when an earlier shape is the same, drop idx and return that
 * one's index; otherwise keep it (and remember it). Returns SIM_SC_NONE
 * when out of memory. */
static size_t intern_shape(sc_parser *p, size_t idx)
{
  sim_sc_machine *m = p->m;
  const sim_sc_shape *c = &m->shapes[idx];
  if (!sc_shape_shareable(c))
    return idx;
  uint64_t key = plain_hash(c), v;
  if (sim_map_get(&p->ms->plain, key, &v)) {
    if (plain_same(&m->shapes[v - 1], c)) {
      m->nshapes--; /* nothing of it is allocated */
      return (size_t)v - 1;
    }
    return idx; /* another shape has this hash: this one is not shared */
  }
  return sim_map_put(&p->ms->plain, key, idx + 1) == 0 ? idx : SIM_SC_NONE;
}

/* The instance of a call of shape `shape` named at name (0: unnamed), at
 * kw: appended to machine.calls, except that an unnamed plain call without
 * a routine (shareable) takes the instance of an earlier unnamed one of
 * the same shape, when the shape is one calls may share (intern_shape
 * gives any other a shape of its own, whose instance is never found again:
 * it is not remembered). Returns its index, or SIM_SC_NONE when out of
 * memory. */
static size_t add_instance(sc_parser *p, const sc_tok *kw, size_t shape, uint32_t name,
                           int shareable)
{
  sim_sc_machine *m = p->m;
  uint64_t v;
  shareable = shareable && name == 0 && sc_shape_shareable(&m->shapes[shape]);
  if (shareable && sim_map_get(&p->ms->unnamed, shape + 1, &v))
    return (size_t)v - 1;
  if (m->ncalls >= UINT32_MAX - 1 || shape >= UINT32_MAX)
    return SIM_SC_NONE;
  sim_sc_call *c = sc_push(m->calls, m->ncalls, sizeof *c);
  if (!c)
    return SIM_SC_NONE;
  m->calls = c;
  size_t idx = m->ncalls++;
  c[idx] = (sim_sc_call){.name = name, .shape = (uint32_t)shape, .line = kw->line, .col = kw->col};
  if (name != 0 && sc_call_names_add(&p->ms->calls, m, idx) < 0)
    return SIM_SC_NONE;
  if (shareable && sim_map_put(&p->ms->unnamed, shape + 1, idx + 1) < 0)
    return SIM_SC_NONE;
  return idx;
}

static int parse_call(sc_parser *p, const sc_tok *kw, size_t which)
{
  sim_sc_machine *m = p->m;
  /* The shape is appended before it is filled, so that the tree frees what
   * it holds if the line turns out bad. */
  sim_sc_shape *c = sc_push(m->shapes, m->nshapes, sizeof *c);
  if (!c)
    return sc_oom(p, kw);
  m->shapes = c;
  size_t shape = m->nshapes++;
  c = &m->shapes[shape];
  memset(c, 0, sizeof *c);
  size_t idx = m->ncalls; /* the instance it gets, unless an unnamed one is shared */
  uint32_t name = 0;
  c->op = ops[which].op;
  c->mode = c->op == SIM_SC_OP_KILLIO ? SIM_SC_IMMEDIATE : SIM_SC_SYNC;
  c->client = p->client;
  c->pb = SIM_SC_NONE;
  c->in_repeat = p->repeat_depth > 0;
  c->pattern.kind = SIM_SC_PAT_COUNTER;

  const sc_tok *tt = sc_peek(p);
  if (starts_number(tt)) {
    /* A raw refNum: what a client that got its refNum wrong sends. */
    if (c->op == SIM_SC_OP_OPEN) {
      sc_error(p->e, tt->line, tt->col,
               "open finds its driver by name, not by refNum; name a driver alias or give "
               "the name (open \".Name\")");
      return -1;
    }
    int64_t v;
    if (want_int(p, "a driver alias or a refNum", "refNum", INT16_MIN, INT16_MAX, &v) < 0)
      return -1;
    c->has_refnum = 1;
    c->refnum = (int16_t)v;
    c->driver = SIM_SC_NONE;
  } else if (tt->kind == SC_TOK_STRING && c->op == SIM_SC_OP_OPEN) {
    /* Open by the name a client passes, as PBOpen takes it. */
    sc_tok *st = sc_next(p);
    if (st->slen == 0 || st->slen > 255) {
      sc_error(p->e, st->line, st->col, "a driver name has 1 to 255 characters");
      return -1;
    }
    c->open_name = st->str; /* taken from the line */
    st->str = NULL;
    c->driver = SIM_SC_NONE;
  } else {
    char alias[SIM_SC_NAME_MAX + 1];
    const sc_tok *at;
    if (sc_want_name(p, c->op == SIM_SC_OP_OPEN ? "a driver alias or a driver name in quotes"
                                                : "a driver alias or a refNum",
                     alias, &at) < 0)
      return -1;
    if ((c->driver = sc_add_ref(p, SC_REF_DRIVER, alias, at)) == SIM_SC_NONE)
      return -1;
  }

  if (c->op == SIM_SC_OP_READ || c->op == SIM_SC_OP_WRITE) {
    const sc_tok *t = sc_next(p);
    int r = t->kind == SC_TOK_WORD ? sc_parse_size(t->p, t->len, SIM_SC_SIZE_MAX, &c->size)
                                   : SC_NUM_BAD;
    if (r == SC_NUM_RANGE) {
      sc_error(p->e, t->line, t->col, "byte count '%.*s' out of range (at most %u)",
               t->len > 40 ? 40 : (int)t->len, t->p, SIM_SC_SIZE_MAX);
      return -1;
    }
    if (r != SC_NUM_OK)
      return sc_fail_expected(p, t, "a byte count (e.g. 512 or 4k)");
  } else if (c->op == SIM_SC_OP_CONTROL || c->op == SIM_SC_OP_STATUS) {
    const sc_tok *t = sc_next(p);
    int64_t v;
    int r = t->kind == SC_TOK_WORD ? sc_parse_int(t->p, t->len, INT16_MIN, INT16_MAX, &v)
                                   : SC_NUM_BAD;
    if (r == SC_NUM_RANGE) {
      sc_error(p->e, t->line, t->col, "csCode '%.*s' out of range (-32768..32767)",
               t->len > 40 ? 40 : (int)t->len, t->p);
      return -1;
    }
    if (r != SC_NUM_OK)
      return sc_fail_expected(p, t, "a csCode (a signed 16-bit integer)");
    c->code = (int16_t)v;
  }

  /* Options: the column where each was first given, 0 if not yet. */
  int seen_at = 0, seen_pattern = 0, seen_mode = 0, seen_as = 0, seen_pb = 0;
  int seen_posmode = 0, seen_offset = 0, seen_perm = 0, seen_param = 0, seen_nocomp = 0;
  const sc_tok *then = NULL;
  char pbname[SIM_SC_NAME_MAX + 1] = "";
  const sc_tok *pbtok = kw;
  unsigned allowed = ops[which].opts;
  for (;;) {
    const sc_tok *t = sc_next(p);
    if (t->kind == SC_TOK_EOL)
      break;
    int is_mode = sc_tok_is(t, "sync") || sc_tok_is(t, "async") || sc_tok_is(t, "immediate");
    if ((allowed & OPT_AT) && sc_tok_is(t, "at")) {
      if (seen_at)
        return sc_dup_option(p, t, seen_at);
      if (seen_posmode || seen_offset) {
        sc_error(p->e, t->line, t->col,
                 "'at' cannot be combined with '%s' (column %d): 'at POS' is posmode "
                 "fsFromStart offset POS",
                 seen_posmode ? "posmode" : "offset", seen_posmode ? seen_posmode : seen_offset);
        return -1;
      }
      seen_at = t->col;
      const sc_tok *vt = sc_next(p);
      int r = vt->kind == SC_TOK_WORD
                  ? sc_parse_size(vt->p, vt->len, (uint64_t)INT64_MAX, &c->pos)
                  : SC_NUM_BAD;
      if (r == SC_NUM_RANGE) {
        sc_error(p->e, vt->line, vt->col, "position '%.*s' out of range (at most 2^63-1)",
                 vt->len > 40 ? 40 : (int)vt->len, vt->p);
        return -1;
      }
      if (r != SC_NUM_OK)
        return sc_fail_expected(p, vt, "a byte position (e.g. 0 or 4k)");
      c->has_pos = 1;
      c->posmode = 1; /* fsFromStart */
      c->offset = (int64_t)c->pos;
    } else if ((allowed & OPT_POS) && (sc_tok_is(t, "posmode") || sc_tok_is(t, "offset"))) {
      int is_pm = sc_tok_is(t, "posmode");
      int *seen = is_pm ? &seen_posmode : &seen_offset;
      if (*seen)
        return sc_dup_option(p, t, *seen);
      if (seen_at) {
        sc_error(p->e, t->line, t->col,
                 "'%.*s' cannot be combined with 'at' (column %d): 'at POS' is posmode "
                 "fsFromStart offset POS",
                 (int)t->len, t->p, seen_at);
        return -1;
      }
      *seen = t->col;
      int64_t v;
      if (is_pm ? want_named(p, "a position mode (fsAtMark, fsFromStart, fsFromLEOF or "
                                "fsFromMark)", "posmode", 0, posmodes,
                             sizeof posmodes / sizeof posmodes[0], &v) < 0
                : want_int(p, "an offset (a signed 32-bit integer)", "offset", INT32_MIN,
                           INT32_MAX, &v) < 0)
        return -1;
      if (is_pm)
        c->posmode = (int)v;
      else
        c->offset = v;
    } else if ((allowed & OPT_PERM) && sc_tok_is(t, "perm")) {
      if (seen_perm)
        return sc_dup_option(p, t, seen_perm);
      seen_perm = t->col;
      int64_t v;
      if (want_named(p, "a permission (fsCurPerm, fsRdPerm, fsWrPerm, fsRdWrPerm, "
                        "fsRdWrShPerm or an integer)", "permission", 1, perms,
                     sizeof perms / sizeof perms[0], &v) < 0)
        return -1;
      c->has_perm = 1;
      c->perm = (int8_t)v;
    } else if ((allowed & OPT_PARAM) && sc_tok_is(t, "param")) {
      if (seen_param)
        return sc_dup_option(p, t, seen_param);
      seen_param = t->col;
      if (parse_bytes(p, t, c->csparam, &c->ncsparam) < 0)
        return -1;
    } else if ((allowed & OPT_NOCOMP) && sc_tok_is(t, "no-completion")) {
      if (seen_nocomp)
        return sc_dup_option(p, t, seen_nocomp);
      seen_nocomp = t->col;
      c->no_completion = 1;
    } else if ((allowed & OPT_THEN) && sc_tok_is(t, "then")) {
      then = t;
      if (sc_want_eol(p) < 0)
        return -1;
    } else if ((allowed & OPT_PATTERN) && sc_tok_is(t, "pattern")) {
      if (seen_pattern)
        return sc_dup_option(p, t, seen_pattern);
      seen_pattern = t->col;
      if (sc_parse_pattern(p, &c->pattern) < 0)
        return -1;
    } else if ((allowed & OPT_MODE) && is_mode) {
      if (seen_mode) {
        sc_error(p->e, t->line, t->col, "mode given twice (first at column %d)", seen_mode);
        return -1;
      }
      seen_mode = t->col;
      c->mode = sc_tok_is(t, "sync") ? SIM_SC_SYNC
                : sc_tok_is(t, "async") ? SIM_SC_ASYNC
                                        : SIM_SC_IMMEDIATE;
    } else if (is_mode && c->op == SIM_SC_OP_KILLIO) {
      sc_error(p->e, t->line, t->col, "killio is always immediate; remove '%.*s'", (int)t->len,
               t->p);
      return -1;
    } else if (sc_tok_is(t, "as")) {
      if (seen_as)
        return sc_dup_option(p, t, seen_as);
      seen_as = t->col;
      if (parse_as(p, t, &name) < 0)
        return -1;
    } else if (sc_tok_is(t, "pb")) {
      if (seen_pb)
        return sc_dup_option(p, t, seen_pb);
      seen_pb = t->col;
      if (sc_want_name(p, "a parameter block name", pbname, &pbtok) < 0)
        return -1;
    } else {
      char what[192];
      snprintf(what, sizeof what, "an option (%s) or end of line", ops[which].list);
      return sc_fail_expected(p, t, what);
    }
  }
  if (seen_offset && c->posmode != 1 && c->posmode != 3) {
    sc_error(p->e, kw->line, seen_offset,
             "'offset' needs posmode fsFromStart or fsFromMark (the other modes ignore it)");
    return -1;
  }
  if ((seen_nocomp || then) && c->mode != SIM_SC_ASYNC) {
    sc_error(p->e, kw->line, seen_nocomp ? seen_nocomp : then->col,
             "'%s' applies to async calls: only an async call runs a completion routine; "
             "add 'async'",
             seen_nocomp ? "no-completion" : "then");
    return -1;
  }
  if (seen_nocomp && then) {
    sc_error(p->e, then->line, then->col,
             "'then' gives the call a completion routine, and 'no-completion' (column %d) "
             "says it has none",
             seen_nocomp);
    return -1;
  }
  /* A plain call runs once per statement, with a block of the executor's
   * pool (scenario.h); the others get their block here. A plain call
   * without a routine shares its shape with the same calls before it. */
  int plain = !pbname[0] && p->repeat_depth == 0 && p->blk[p->nblk - 1].kind != SC_BLK_ROUTINE;
  if (plain) {
    c->pb = SIM_SC_NONE;
    if (then == NULL && (shape = intern_shape(p, shape)) == SIM_SC_NONE)
      return sc_oom(p, kw);
  } else if (assign_pb(p, c, idx, pbname, pbtok) < 0) {
    return -1;
  }
  if ((idx = add_instance(p, kw, shape, name, plain && then == NULL)) == SIM_SC_NONE)
    return sc_oom(p, kw);
  if (push_stmt(p, kw, (sim_sc_stmt){.kind = SIM_SC_ST_CALL, .call = (uint32_t)idx}) < 0)
    return -1;
  if (then == NULL)
    return 0;
  /* The completion routine's calls follow, up to `end`. */
  sc_block *b = sc_push(p->blk, p->nblk, sizeof *b);
  if (!b)
    return sc_oom(p, then);
  p->blk = b;
  b[p->nblk++] =
      (sc_block){.kind = SC_BLK_ROUTINE, .line = then->line, .col = then->col, .call = idx};
  return 0;
}

/* ---- other client statements ------------------------------------------- */

static int parse_wait(sc_parser *p, const sc_tok *kw)
{
  const sc_tok *t = sc_peek(p);
  if (sc_tok_is(t, "all")) {
    sc_next(p);
    if (sc_want_eol(p) < 0)
      return -1;
    return push_stmt(p, kw, (sim_sc_stmt){.kind = SIM_SC_ST_WAIT_ALL});
  }
  char name[SIM_SC_NAME_MAX + 1];
  const sc_tok *nt;
  if (sc_want_name(p, "a call name or 'all'", name, &nt) < 0 || sc_want_eol(p) < 0)
    return -1;
  size_t ref = sc_add_ref(p, SC_REF_CALL, name, nt);
  if (ref == SIM_SC_NONE)
    return -1;
  return push_stmt(p, kw, (sim_sc_stmt){.kind = SIM_SC_ST_WAIT, .call = (uint32_t)ref});
}

static int parse_repeat(sc_parser *p, const sc_tok *kw)
{
  uint64_t n;
  if (sc_want_uint(p, "a repeat count", "repeat count", 1, UINT64_MAX, &n) < 0 ||
      sc_want_eol(p) < 0)
    return -1;
  if (p->repeat_depth >= SIM_SC_MAX_NESTING) {
    sc_error(p->e, kw->line, kw->col, "repeat nested too deeply (at most %d levels)",
             SIM_SC_MAX_NESTING);
    return -1;
  }
  sc_block *b = sc_push(p->blk, p->nblk, sizeof *b);
  if (!b)
    return sc_oom(p, kw);
  p->blk = b;
  b[p->nblk++] =
      (sc_block){.kind = SC_BLK_REPEAT, .line = kw->line, .col = kw->col, .count = n};
  p->repeat_depth++;
  return 0;
}

int sc_parse_client_stmt(sc_parser *p, const sc_tok *kw)
{
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (sc_tok_is(kw, ops[i].word))
      return parse_call(p, kw, i);
  if (sc_tok_is(kw, "wait"))
    return parse_wait(p, kw);
  if (sc_tok_is(kw, "repeat"))
    return parse_repeat(p, kw);
  int sleep = sc_tok_is(kw, "sleep");
  uint64_t ns;
  if (sc_want_duration(p, sleep ? "a duration" : "a time", &ns, NULL) < 0 || sc_want_eol(p) < 0)
    return -1;
  sim_sc_machine *m = p->m;
  uint64_t *times = sc_push(m->times, m->ntimes, sizeof *times);
  if (times)
    m->times = times;
  if (!times || m->ntimes >= UINT32_MAX)
    return sc_oom(p, kw);
  times[m->ntimes] = ns;
  return push_stmt(p, kw, (sim_sc_stmt){.kind = sleep ? SIM_SC_ST_SLEEP : SIM_SC_ST_AT,
                                        .time = (uint32_t)m->ntimes++});
}

/* ---- expectations ------------------------------------------------------ */

static int call_ref(sc_parser *p, size_t *out)
{
  char name[SIM_SC_NAME_MAX + 1];
  const sc_tok *nt;
  if (sc_want_name(p, "a call name", name, &nt) < 0)
    return -1;
  *out = sc_add_ref(p, SC_REF_CALL, name, nt);
  return *out == SIM_SC_NONE ? -1 : 0;
}

/* ERR: an Apple error name (through dm_err_from_name) or an integer. */
static int parse_err(sc_parser *p, int16_t *out)
{
  const sc_tok *t = sc_next(p);
  const char *what = "an error code (an Apple name such as noErr or abortErr, or an integer)";
  if (t->kind != SC_TOK_WORD)
    return sc_fail_expected(p, t, what);
  if (t->p[0] == '-' || (t->p[0] >= '0' && t->p[0] <= '9')) {
    int64_t v;
    int r = sc_parse_int(t->p, t->len, INT16_MIN, INT16_MAX, &v);
    if (r == SC_NUM_RANGE) {
      sc_error(p->e, t->line, t->col, "error code '%.*s' out of range (-32768..32767)",
               t->len > 40 ? 40 : (int)t->len, t->p);
      return -1;
    }
    if (r != SC_NUM_OK)
      return sc_fail_expected(p, t, what);
    *out = (int16_t)v;
    return 0;
  }
  char name[SIM_SC_NAME_MAX + 1];
  if (t->len <= SIM_SC_NAME_MAX && sc_is_name(t->p, t->len)) {
    memcpy(name, t->p, t->len);
    name[t->len] = '\0';
    if (dm_err_from_name(name, out) == 0)
      return 0;
  } else if (!sc_is_name(t->p, t->len)) {
    return sc_fail_expected(p, t, what);
  }
  sc_error(p->e, t->line, t->col,
           "unknown error name '%.*s'; expected an Apple error name such as noErr, abortErr "
           "or notOpenErr, or an integer",
           t->len > 40 ? 40 : (int)t->len, t->p);
  return -1;
}

/* RULE: a rule id known to devmgr (dm_rule_from_id). */
static int parse_rule(sc_parser *p, dm_rule *out)
{
  const sc_tok *t = sc_next(p);
  if (t->kind != SC_TOK_WORD)
    return sc_fail_expected(p, t, "a rule id (e.g. complete-twice)");
  char id[SIM_SC_NAME_MAX + 1];
  if (t->len <= SIM_SC_NAME_MAX) {
    memcpy(id, t->p, t->len);
    id[t->len] = '\0';
    dm_rule r = dm_rule_from_id(id);
    if (r != DM_RULE_COUNT) {
      *out = r;
      return 0;
    }
  }
  /* List the catalogue: the fix is usually a typo in a long id. */
  char known[1024];
  size_t n = 0;
  known[0] = '\0';
  for (int r = 0; r < (int)DM_RULE_COUNT && n < sizeof known; r++) {
    const char *rid = dm_rule_id((dm_rule)r);
    int w = snprintf(known + n, sizeof known - n, "%s%s", n ? ", " : "", rid ? rid : "?");
    if (w < 0)
      break;
    n += (size_t)w;
  }
  sc_error(p->e, t->line, t->col, "unknown rule '%.*s'; known rules: %s",
           t->len > 40 ? 40 : (int)t->len, t->p, known);
  return -1;
}

static int parse_order(sc_parser *p, sim_sc_expect *x)
{
  for (;;) {
    const sc_tok *t = sc_peek(p);
    if (t->kind == SC_TOK_EOL) {
      if (x->norder < 2)
        return sc_fail_expected(p, t,
                                x->norder ? "another call name (order needs at least two)"
                                          : "call names (order needs at least two)");
      return 0;
    }
    size_t *o = sc_push(x->order, x->norder, sizeof *o);
    if (!o)
      return sc_oom(p, t);
    x->order = o;
    if (call_ref(p, &o[x->norder]) < 0)
      return -1;
    x->norder++;
  }
}

/* A driver alias at the next token, recorded as a reference in *out. */
static int driver_ref(sc_parser *p, size_t *out)
{
  char alias[SIM_SC_NAME_MAX + 1];
  const sc_tok *at;
  if (sc_want_name(p, "a driver alias", alias, &at) < 0)
    return -1;
  *out = sc_add_ref(p, SC_REF_DRIVER, alias, at);
  return *out == SIM_SC_NONE ? -1 : 0;
}

static int parse_count(sc_parser *p, sim_sc_expect *x)
{
  const sc_tok *t = sc_next(p);
  int found = 0;
  for (int k = SIM_SC_EV_CALL; k <= SIM_SC_EV_WARNING; k++)
    if (sc_tok_is(t, sim_sc_evkind_name((sim_sc_evkind)k))) {
      x->ev = (sim_sc_evkind)k;
      found = 1;
    }
  if (!found)
    return sc_fail_expected(p, t,
                            "an event kind (call, reject, enqueue, dispatch, complete, callback, "
                            "done, violation or warning)");
  if (sc_tok_is(sc_peek(p), "on")) {
    sc_next(p);
    if (driver_ref(p, &x->driver) < 0)
      return -1;
  }
  const sc_tok *nt = sc_peek(p);
  if (nt->kind == SC_TOK_WORD && !(nt->p[0] >= '0' && nt->p[0] <= '9') && x->driver == SIM_SC_NONE)
    return sc_fail_expected(p, nt, "'on' or a count");
  return sc_want_uint(p, "a count", "count", 0, UINT64_MAX, &x->count);
}

/* `expect sent ALIAS CODE[.KIND] ...`: the commands a driver was sent. */
static int parse_sent(sc_parser *p, sim_sc_expect *x)
{
  static const char *const codes[] = {"open",   "close",      "read",    "write",
                                      "control", "status",    "killio",  "initialize",
                                      "finalize", "replace",  "superseded"};
  static const struct {
    const char *word;
    uint8_t     kind;
  } kinds[] = {{"sync", 1}, {"async", 2}, {"immediate", 4}};
  if (driver_ref(p, &x->driver) < 0)
    return -1;
  const char *what = "a command (open, close, read, write, control, status, killio, initialize, "
                     "finalize, replace or superseded), optionally with .sync, .async or "
                     ".immediate";
  do {
    const sc_tok *t = sc_next(p);
    /* The token is not NUL-terminated: look for the dot within it. */
    const char *dot = t->kind == SC_TOK_WORD ? memchr(t->p, '.', t->len) : NULL;
    size_t w = t->kind != SC_TOK_WORD ? 0 : dot != NULL ? (size_t)(dot - t->p) : t->len;
    sim_sc_sent one = {0xFF, 0};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
      if (w == strlen(codes[i]) && memcmp(t->p, codes[i], w) == 0)
        one.code = (uint8_t)i;
    if (one.code == 0xFF)
      return sc_fail_expected(p, t, what);
    if (w < t->len) {
      const char *k = t->p + w + 1;
      size_t kl = t->len - w - 1;
      for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kl == strlen(kinds[i].word) && memcmp(k, kinds[i].word, kl) == 0)
          one.kind = kinds[i].kind;
      if (one.kind == 0) {
        sc_error(p->e, t->line, t->col + (int)w + 1,
                 "unknown kind '%.*s'; expected sync, async or immediate", (int)kl, k);
        return -1;
      }
    }
    sim_sc_sent *a = sc_push(x->sent, x->nsent, sizeof *a);
    if (!a)
      return sc_oom(p, t);
    x->sent = a;
    a[x->nsent++] = one;
  } while (sc_peek(p)->kind != SC_TOK_EOL);
  return 0;
}

/* `expect flags ALIAS at TIME has LIST [lacks LIST]` (or lacks first). */
static int parse_flags(sc_parser *p, sim_sc_expect *x)
{
  static const sc_word_bits bits[] = {
      {"dVMImmune", 0x0001},   {"dOpened", 0x0020},     {"dRAMBased", 0x0040},
      {"drvrActive", 0x0080},  {"dReadEnable", 0x0100}, {"dWritEnable", 0x0200},
      {"dCtlEnable", 0x0400},  {"dStatEnable", 0x0800}, {"dNeedGoodBye", 0x1000},
      {"dNeedTime", 0x2000},   {"dNeedLock", 0x4000}};
  if (driver_ref(p, &x->driver) < 0)
    return -1;
  const sc_tok *t = sc_next(p);
  if (!sc_tok_is(t, "at"))
    return sc_fail_expected(p, t, "'at' and a time");
  if (sc_want_duration(p, "a time", &x->ns, NULL) < 0)
    return -1;
  int seen_has = 0, seen_lacks = 0;
  for (;;) {
    t = sc_next(p);
    if (t->kind == SC_TOK_EOL && (seen_has || seen_lacks))
      return 0;
    int has = sc_tok_is(t, "has");
    if (!has && !sc_tok_is(t, "lacks"))
      return sc_fail_expected(p, t, seen_has || seen_lacks ? "'has', 'lacks' or end of line"
                                                           : "'has' or 'lacks'");
    int *seen = has ? &seen_has : &seen_lacks;
    if (*seen)
      return sc_dup_option(p, t, *seen);
    *seen = t->col;
    if (sc_want_bits(p, bits, sizeof bits / sizeof bits[0],
                     "a dCtlFlags bit (dOpened, drvrActive, dReadEnable, dWritEnable, "
                     "dCtlEnable, dStatEnable, ...)",
                     has ? x->lacks : x->has, has ? &x->has : &x->lacks) < 0)
      return -1;
  }
}

static int parse_violation(sc_parser *p, sim_sc_expect *x)
{
  return parse_rule(p, &x->rule);
}

/* Expectations that start with their keyword and parse the rest alone. */
typedef struct expect_kw {
  const char        *word;
  sim_sc_expect_kind kind;
  int (*parse)(sc_parser *p, sim_sc_expect *x);
} expect_kw;

static const expect_kw *leading_keyword(const sc_tok *t)
{
  static const expect_kw kws[] = {
      {"sent", SIM_SC_EX_SENT, parse_sent},   {"flags", SIM_SC_EX_FLAGS, parse_flags},
      {"order", SIM_SC_EX_ORDER, parse_order}, {"count", SIM_SC_EX_COUNT, parse_count},
      {"violation", SIM_SC_EX_VIOLATION, parse_violation}};
  for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
    if (sc_tok_is(t, kws[i].word))
      return &kws[i];
  return NULL;
}

int sc_parse_expect(sc_parser *p, const sc_tok *kw)
{
  /* `expect CMD status|sense|info|transport|resid ...`: a SCSI command's. */
  if (sc_peek(p)->kind == SC_TOK_WORD && !leading_keyword(sc_peek(p)) &&
      sc_is_scsibus_expect(&p->ln.tok[p->ti + 1]))
    return sc_parse_scsibus_expect(p, kw);
  const expect_kw *lead;
  sim_sc_machine *m = p->m;
  sim_sc_expect *x = sc_push(m->expects, m->nexpects, sizeof *x);
  if (!x)
    return sc_oom(p, kw);
  m->expects = x;
  x = &m->expects[m->nexpects++];
  memset(x, 0, sizeof *x);
  x->call = x->call2 = x->driver = SIM_SC_NONE;
  x->rule = DM_RULE_COUNT;
  x->line = kw->line;
  x->col = kw->col;

  const sc_tok *t = sc_peek(p);
  const sc_tok *t2 = t->kind == SC_TOK_EOL ? t : &p->ln.tok[p->ti + 1];
  int r;
  if (sc_tok_is(t2, "result") && t->kind == SC_TOK_WORD) {
    x->kind = SIM_SC_EX_RESULT;
    if (call_ref(p, &x->call) < 0)
      return -1;
    sc_next(p); /* result */
    r = parse_err(p, &x->result);
  } else if (sc_tok_is(t2, "level") && t->kind == SC_TOK_WORD) {
    x->kind = SIM_SC_EX_LEVEL;
    if (call_ref(p, &x->call) < 0)
      return -1;
    sc_next(p); /* level */
    const sc_tok *lt = sc_next(p);
    x->level = sc_tok_is(lt, "task") ? 0 : sc_tok_is(lt, "sih") ? 1 : sc_tok_is(lt, "hwi") ? 2 : -1;
    r = x->level >= 0 ? 0 : sc_fail_expected(p, lt, "an execution level (task, sih or hwi)");
  } else if (sc_tok_is(t2, "param") && t->kind == SC_TOK_WORD) {
    x->kind = SIM_SC_EX_PARAM;
    if (call_ref(p, &x->call) < 0)
      return -1;
    const sc_tok *pt = sc_next(p); /* param */
    r = parse_bytes(p, pt, x->csparam, &x->ncsparam);
  } else if ((lead = leading_keyword(t)) != NULL) {
    sc_next(p);
    x->kind = lead->kind;
    r = lead->parse(p, x);
  } else if (sc_tok_is(t, "no")) {
    sc_next(p);
    const sc_tok *vt = sc_next(p);
    if (!sc_tok_is(vt, "violation"))
      return sc_fail_expected(p, vt, "'violation'");
    x->kind = SIM_SC_EX_NO_VIOLATION;
    r = sc_peek(p)->kind == SC_TOK_EOL ? 0 : parse_rule(p, &x->rule);
  } else if (sc_tok_is(t, "data")) {
    sc_next(p);
    x->kind = SIM_SC_EX_DATA;
    r = call_ref(p, &x->call);
    if (r == 0) {
      const sc_tok *et = sc_next(p);
      r = sc_tok_is(et, "equals") ? call_ref(p, &x->call2) : sc_fail_expected(p, et, "'equals'");
    }
  } else if (sc_tok_is(t, "unfinished")) {
    sc_next(p);
    x->kind = SIM_SC_EX_UNFINISHED;
    r = 0;
  } else if (sc_tok_is(t, "time")) {
    sc_next(p);
    x->kind = SIM_SC_EX_TIME;
    r = call_ref(p, &x->call);
    if (r == 0) {
      const sc_tok *ct = sc_next(p);
      if (ct->kind == SC_TOK_OP && ct->len == 2 && memcmp(ct->p, "<=", 2) == 0)
        x->cmp = SIM_SC_LE;
      else if (ct->kind == SC_TOK_OP && ct->len == 2 && memcmp(ct->p, ">=", 2) == 0)
        x->cmp = SIM_SC_GE;
      else
        return sc_fail_expected(p, ct, "'<=' or '>='");
      r = sc_want_duration(p, "a time", &x->ns, NULL);
    }
  } else if (t->kind == SC_TOK_WORD) {
    /* Both words are shown: in "expect r reslt noErr" the typo is the second. */
    int two = t2->kind == SC_TOK_WORD;
    sc_error(p->e, t->line, t->col,
             "unknown expectation '%.*s%s%.*s'; expected CALL result ERR, CALL level LEVEL, "
             "CALL param BYTES, order, count, violation, no violation, data, time, sent, flags "
             "or unfinished",
             t->len > 40 ? 40 : (int)t->len, t->p, two ? " " : "",
             two ? (t2->len > 40 ? 40 : (int)t2->len) : 0, two ? t2->p : "");
    return -1;
  } else {
    return sc_fail_expected(p, t,
                            "an expectation (CALL result ERR, CALL level LEVEL, CALL param "
                            "BYTES, order, count, violation, no violation, data, time, sent, "
                            "flags or unfinished)");
  }
  return r < 0 ? -1 : sc_want_eol(p);
}
