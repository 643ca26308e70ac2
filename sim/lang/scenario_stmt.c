/*
 * sim/lang/scenario_stmt.c - the scenario parser's statements: client statements
 * (open close read write control status killio, wait, sleep, at, repeat)
 * and expectations (expect ...).
 *
 * Contracts:
 * - Every call statement becomes one entry of machine.calls (named or not)
 *   and gets its parameter block in machine.pbs: its own, or the one shared
 *   by every statement with the same `pb NAME`.
 * - Options after the fixed operands come in any order, each at most once.
 * - Names of drivers and calls are recorded as sc_refs; sc_check_machine
 *   resolves them and checks what needs the whole machine (wait targets,
 *   data pairs).
 */
#include "lang/scenario_int.h"

#include <stdio.h>
#include <string.h>

#include "devmgr/err.h"

/* A call cannot be named after a word that would make `wait` or `expect`
 * ambiguous. */
static const char *const reserved_call_names[] = {"all",  "order", "count", "violation",
                                                  "no",   "data",  "time",  NULL};

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
enum { OPT_AT = 1, OPT_PATTERN = 2, OPT_MODE = 4, OPT_AS = 8, OPT_PB = 16 };

static const struct {
  const char *word;
  sim_sc_op   op;
  unsigned    opts;
  const char *list; /* the options, for "expected an option (...)" */
} ops[] = {
    {"open", SIM_SC_OP_OPEN, OPT_MODE | OPT_AS | OPT_PB, "sync, async, immediate, as, pb"},
    {"close", SIM_SC_OP_CLOSE, OPT_MODE | OPT_AS | OPT_PB, "sync, async, immediate, as, pb"},
    {"read", SIM_SC_OP_READ, OPT_AT | OPT_MODE | OPT_AS | OPT_PB,
     "at, sync, async, immediate, as, pb"},
    {"write", SIM_SC_OP_WRITE, OPT_AT | OPT_PATTERN | OPT_MODE | OPT_AS | OPT_PB,
     "at, pattern, sync, async, immediate, as, pb"},
    {"control", SIM_SC_OP_CONTROL, OPT_MODE | OPT_AS | OPT_PB, "sync, async, immediate, as, pb"},
    {"status", SIM_SC_OP_STATUS, OPT_MODE | OPT_AS | OPT_PB, "sync, async, immediate, as, pb"},
    {"killio", SIM_SC_OP_KILLIO, OPT_AS | OPT_PB, "as, pb"},
};

static int parse_pattern(sc_parser *p, sim_sc_pattern *pat)
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

/* `as CALL`: name the call (once per machine, never in a repeat). */
static int parse_as(sc_parser *p, const sc_tok *kw, sim_sc_call *c, size_t idx)
{
  const sc_tok *nt;
  if (p->repeat_depth > 0) {
    sc_error(p->e, kw->line, kw->col,
             "'as' is not allowed inside repeat: a named call must run exactly once");
    return -1;
  }
  if (sc_want_name(p, "a call name", c->name, &nt) < 0)
    return -1;
  if (is_reserved(c->name)) {
    sc_error(p->e, nt->line, nt->col,
             "'%s' cannot name a call (all, order, count, violation, no, data and time are "
             "reserved)",
             c->name);
    return -1;
  }
  size_t dup = sc_names_find(&p->ms->calls, c->name);
  if (dup != SIM_SC_NONE) {
    sc_error(p->e, nt->line, nt->col, "duplicate call name '%s' (first declared at line %d)",
             c->name, p->m->calls[dup].line);
    return -1;
  }
  return sc_names_add(&p->ms->calls, c->name, idx) < 0 ? sc_oom(p, nt) : 0;
}

/* Give call idx its parameter block: a fresh one, or the shared `pb NAME`. */
static int assign_pb(sc_parser *p, sim_sc_call *c, size_t idx, const char *pbname,
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

static int parse_call(sc_parser *p, const sc_tok *kw, size_t which)
{
  sim_sc_machine *m = p->m;
  sim_sc_call *c = sc_push(m->calls, m->ncalls, sizeof *c);
  if (!c)
    return sc_oom(p, kw);
  m->calls = c;
  size_t idx = m->ncalls++;
  c = &m->calls[idx];
  memset(c, 0, sizeof *c);
  c->op = ops[which].op;
  c->mode = c->op == SIM_SC_OP_KILLIO ? SIM_SC_IMMEDIATE : SIM_SC_SYNC;
  c->client = p->client;
  c->pb = SIM_SC_NONE;
  c->in_repeat = p->repeat_depth > 0;
  c->pattern.kind = SIM_SC_PAT_COUNTER;
  c->line = kw->line;
  c->col = kw->col;

  char alias[SIM_SC_NAME_MAX + 1];
  const sc_tok *at;
  if (sc_want_name(p, "a driver alias", alias, &at) < 0)
    return -1;
  if ((c->driver = sc_add_ref(p, SC_REF_DRIVER, alias, at)) == SIM_SC_NONE)
    return -1;

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
    } else if ((allowed & OPT_PATTERN) && sc_tok_is(t, "pattern")) {
      if (seen_pattern)
        return sc_dup_option(p, t, seen_pattern);
      seen_pattern = t->col;
      if (parse_pattern(p, &c->pattern) < 0)
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
      if (parse_as(p, t, c, idx) < 0)
        return -1;
    } else if (sc_tok_is(t, "pb")) {
      if (seen_pb)
        return sc_dup_option(p, t, seen_pb);
      seen_pb = t->col;
      if (sc_want_name(p, "a parameter block name", pbname, &pbtok) < 0)
        return -1;
    } else {
      char what[96];
      snprintf(what, sizeof what, "an option (%s) or end of line", ops[which].list);
      return sc_fail_expected(p, t, what);
    }
  }
  if (assign_pb(p, c, idx, pbname, pbtok) < 0)
    return -1;
  return push_stmt(p, kw, (sim_sc_stmt){.kind = SIM_SC_ST_CALL, .call = idx});
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
  return push_stmt(p, kw, (sim_sc_stmt){.kind = SIM_SC_ST_WAIT, .call = ref});
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
  return push_stmt(p, kw,
                   (sim_sc_stmt){.kind = sleep ? SIM_SC_ST_SLEEP : SIM_SC_ST_AT, .ns = ns});
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

static int parse_count(sc_parser *p, sim_sc_expect *x)
{
  const sc_tok *t = sc_next(p);
  int found = 0;
  for (int k = SIM_SC_EV_CALL; k <= SIM_SC_EV_VIOLATION; k++)
    if (sc_tok_is(t, sim_sc_evkind_name((sim_sc_evkind)k))) {
      x->ev = (sim_sc_evkind)k;
      found = 1;
    }
  if (!found)
    return sc_fail_expected(p, t,
                            "an event kind (call, reject, enqueue, dispatch, complete, callback, "
                            "done or violation)");
  if (sc_tok_is(sc_peek(p), "on")) {
    sc_next(p);
    char alias[SIM_SC_NAME_MAX + 1];
    const sc_tok *at;
    if (sc_want_name(p, "a driver alias", alias, &at) < 0)
      return -1;
    if ((x->driver = sc_add_ref(p, SC_REF_DRIVER, alias, at)) == SIM_SC_NONE)
      return -1;
  }
  const sc_tok *nt = sc_peek(p);
  if (nt->kind == SC_TOK_WORD && !(nt->p[0] >= '0' && nt->p[0] <= '9') && x->driver == SIM_SC_NONE)
    return sc_fail_expected(p, nt, "'on' or a count");
  return sc_want_uint(p, "a count", "count", 0, UINT64_MAX, &x->count);
}

int sc_parse_expect(sc_parser *p, const sc_tok *kw)
{
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
  } else if (sc_tok_is(t, "order")) {
    sc_next(p);
    x->kind = SIM_SC_EX_ORDER;
    r = parse_order(p, x);
  } else if (sc_tok_is(t, "count")) {
    sc_next(p);
    x->kind = SIM_SC_EX_COUNT;
    r = parse_count(p, x);
  } else if (sc_tok_is(t, "violation")) {
    sc_next(p);
    x->kind = SIM_SC_EX_VIOLATION;
    r = parse_rule(p, &x->rule);
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
    sc_error(p->e, t->line, t->col,
             "unknown expectation '%.*s'; expected CALL result ERR, order, count, violation, "
             "no violation, data, time or unfinished",
             t->len > 40 ? 40 : (int)t->len, t->p);
    return -1;
  } else {
    return sc_fail_expected(p, t,
                            "an expectation (CALL result ERR, order, count, violation, "
                            "no violation, data, time or unfinished)");
  }
  return r < 0 ? -1 : sc_want_eol(p);
}
