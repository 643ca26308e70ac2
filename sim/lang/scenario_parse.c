/*
 * sim/lang/scenario_parse.c - the scenario parser's frame: the line loop, blocks
 * (machine, client, repeat), the top-level and machine-level declarations
 * (seed, machine, hardware, driver, at ... remove|replace, client), and the
 * public entry points sim_scenario_parse and sim_scenario_load.
 *
 * Contracts:
 * - One statement per line; the first token decides the statement, and the
 *   open block decides which statements are allowed.
 * - Declarations are checked as they are read (types, ranges, duplicate
 *   names, units); references are recorded as sc_refs and resolved when the
 *   machine closes (sc_check_machine), so names may be used before the line
 *   that declares them.
 * - On any error the partial tree is freed and exactly one message is left
 *   in the caller's buffer; nothing is returned half-built.
 */
#include "base/vec.h"
#include "lang/scenario_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- token helpers ----------------------------------------------------- */

sc_tok *sc_peek(sc_parser *p)
{
  return &p->ln.tok[p->ti];
}

sc_tok *sc_next(sc_parser *p)
{
  sc_tok *t = &p->ln.tok[p->ti];
  if (t->kind != SC_TOK_EOL)
    p->ti++;
  return t;
}

int sc_fail_expected(sc_parser *p, const sc_tok *t, const char *what)
{
  char buf[64];
  sc_error(p->e, t->line, t->col, "expected %s, found %s", what,
           sc_tok_describe(t, buf, sizeof buf));
  return -1;
}

int sc_oom(sc_parser *p, const sc_tok *t)
{
  sc_error(p->e, t->line, t->col, "out of memory");
  return -1;
}

int sc_want_eol(sc_parser *p)
{
  const sc_tok *t = sc_peek(p);
  return t->kind == SC_TOK_EOL ? 0 : sc_fail_expected(p, t, "end of line");
}

int sc_want_name(sc_parser *p, const char *what, char out[SIM_SC_NAME_MAX + 1],
                 const sc_tok **where)
{
  const sc_tok *t = sc_next(p);
  if (where)
    *where = t;
  if (t->kind != SC_TOK_WORD || !sc_is_name(t->p, t->len))
    return sc_fail_expected(p, t, what);
  if (t->len > SIM_SC_NAME_MAX) {
    sc_error(p->e, t->line, t->col, "name too long: '%.20s...' has %zu characters (at most %d)",
             t->p, t->len, SIM_SC_NAME_MAX);
    return -1;
  }
  memcpy(out, t->p, t->len);
  out[t->len] = '\0';
  return 0;
}

int sc_want_uint(sc_parser *p, const char *what, const char *noun, uint64_t min, uint64_t max,
                 uint64_t *out)
{
  const sc_tok *t = sc_next(p);
  int r = t->kind == SC_TOK_WORD ? sc_parse_uint(t->p, t->len, max, out) : SC_NUM_BAD;
  /* *out is defined only when the number parsed: a number above max leaves
   * it unspecified, so "too small" is decided here, once. */
  int too_small = r == SC_NUM_OK && *out < min;
  if (too_small)
    r = SC_NUM_RANGE;
  if (r != SC_NUM_RANGE)
    return r == SC_NUM_OK ? 0 : sc_fail_expected(p, t, what);
  int n = t->len > 40 ? 40 : (int)t->len;
  if (max == UINT64_MAX) /* one bound can be broken: name that one */
    sc_error(p->e, t->line, t->col, "%s '%.*s' out of range (%s %llu)", noun, n, t->p,
             too_small ? "at least" : "at most",
             (unsigned long long)(too_small ? min : max));
  else
    sc_error(p->e, t->line, t->col, "%s '%.*s' out of range (%llu..%llu)", noun, n, t->p,
             (unsigned long long)min, (unsigned long long)max);
  return -1;
}

int sc_want_duration(sc_parser *p, const char *what, uint64_t *out, const sc_tok **where)
{
  const sc_tok *t = sc_next(p);
  if (where)
    *where = t;
  int r = t->kind == SC_TOK_WORD ? sc_parse_duration(t->p, t->len, out) : SC_NUM_BAD;
  int n = t->len > 40 ? 40 : (int)t->len;
  switch (r) {
  case SC_NUM_OK:
    return 0;
  case SC_NUM_NOUNIT:
    sc_error(p->e, t->line, t->col,
             "missing time unit in '%.*s'; expected %s such as %.*sms (units: ns, us, ms, s)", n,
             t->p, what, n, t->p);
    return -1;
  case SC_NUM_FINE:
    sc_error(p->e, t->line, t->col, "duration '%.*s' is finer than 1 ns", n, t->p);
    return -1;
  case SC_NUM_RANGE:
    sc_error(p->e, t->line, t->col,
             "duration '%.*s' is too large (at most 18446744073.709551615s)", n, t->p);
    return -1;
  default: {
    char buf[128];
    snprintf(buf, sizeof buf, "%s (a number and a unit: ns, us, ms or s, e.g. 1.5ms)", what);
    return sc_fail_expected(p, t, buf);
  }
  }
}

size_t sc_add_ref(sc_parser *p, sc_ref_kind kind, const char *name, const sc_tok *where)
{
  sc_mstate *ms = p->ms;
  sc_names *once = kind == SC_REF_DRIVER     ? &ms->driver_refs
                   : kind == SC_REF_HARDWARE ? &ms->hardware_refs
                                             : NULL;
  if (once != NULL) {
    size_t first = sc_names_find(once, name);
    if (first != SIM_SC_NONE)
      return first;
  }
  sc_ref *r = sc_push(ms->refs, ms->nrefs, sizeof *r);
  if (!r || (once != NULL && sc_names_add(once, name, ms->nrefs) < 0)) {
    if (r)
      ms->refs = r;
    sc_oom(p, where);
    return SIM_SC_NONE;
  }
  ms->refs = r;
  r += ms->nrefs;
  r->kind = (uint8_t)kind;
  /* where is the name's token (sc_want_name): its text is the name. */
  r->name = where->p;
  r->len = (uint8_t)where->len;
  r->line = where->line;
  r->col = where->col;
  return ms->nrefs++;
}

const char *sc_ref_name(const sc_ref *r, char buf[SIM_SC_NAME_MAX + 1])
{
  memcpy(buf, r->name, r->len);
  buf[r->len] = '\0';
  return buf;
}

/* Append a zeroed element to an array of the tree; the parser fills it in
 * place, so that a failure half-way leaves something sim_scenario_free can
 * release. Returns the element or NULL (out of memory, reported at t). */
#define SC_APPEND(p, arr, n, t) ((arr) = sc_append((p), (arr), &(n), sizeof *(arr), (t)))
void *sc_append(sc_parser *p, void *arr, size_t *n, size_t elsize, const sc_tok *t)
{
  void *a = sc_push(arr, *n, elsize);
  if (!a) {
    sc_oom(p, t);
    return arr;
  }
  memset((char *)a + *n * elsize, 0, elsize);
  (*n)++;
  return a;
}

/* SC_APPEND leaves arr unchanged on failure, so success is "n grew". */
#define SC_LAST(arr, n) (&(arr)[(n) - 1])

/* ---- machines ---------------------------------------------------------- */

static int machine_begin(sc_parser *p, const char *name, int implicit, const sc_tok *kw)
{
  size_t before = p->sc->nmachines;
  SC_APPEND(p, p->sc->machines, p->sc->nmachines, kw);
  if (p->sc->nmachines == before)
    return -1;
  sim_sc_machine *m = SC_LAST(p->sc->machines, p->sc->nmachines);
  snprintf(m->name, sizeof m->name, "%s", name);
  m->implicit = implicit;
  m->line = implicit ? 1 : kw->line;
  m->col = implicit ? 1 : kw->col;
  p->ms = calloc(1, sizeof *p->ms);
  if (!p->ms)
    return sc_oom(p, kw);
  for (size_t u = 0; u <= SIM_SC_UNIT_MAX; u++)
    p->ms->unit_owner[u] = SIM_SC_NONE;
  p->m = m;
  return 0;
}

static void mstate_free(sc_mstate *ms)
{
  if (!ms)
    return;
  sc_names_free(&ms->hardware);
  sc_names_free(&ms->drivers);
  sc_names_free(&ms->clients);
  sc_call_names_free(&ms->calls);
  sc_names_free(&ms->pbs);
  sc_names_free(&ms->controllers);
  sc_names_free(&ms->disks);
  sc_names_free(&ms->driver_refs);
  sc_names_free(&ms->hardware_refs);
  sim_map_free(&ms->plain);
  sim_map_free(&ms->unnamed);
  free(ms->refs);
  free(ms);
}

static int machine_end(sc_parser *p)
{
  int r = sc_check_machine(p->m, p->ms, p->e);
  if (r == 0)
    r = sc_check_scsibus(p->m, p->e);
  mstate_free(p->ms);
  p->ms = NULL;
  p->m = NULL;
  return r;
}

/* A macro, not a variable, so that compilers check the arguments against it
 * at every optimisation level. */
#define OUTSIDE_MSG                                                                           \
  "'%.*s' outside a machine block: this file has machine blocks (first at line %d), "        \
  "so every declaration must be inside one"

/* Make sure a declaration at top level has a machine to go into: the
 * implicit one, unless the file uses machine blocks. */
static int need_machine(sc_parser *p, const sc_tok *kw)
{
  if (p->m)
    return 0;
  if (p->first_machine_line) {
    sc_error(p->e, kw->line, kw->col, OUTSIDE_MSG, (int)kw->len, kw->p, p->first_machine_line);
    return -1;
  }
  p->top_line = kw->line;
  p->top_col = kw->col;
  snprintf(p->top_kw, sizeof p->top_kw, "%.*s", (int)kw->len, kw->p);
  return machine_begin(p, "main", 1, kw);
}

static int parse_machine(sc_parser *p, const sc_tok *kw)
{
  if (p->m && p->m->implicit) {
    sc_error(p->e, p->top_line, p->top_col, OUTSIDE_MSG, (int)strlen(p->top_kw), p->top_kw,
             kw->line);
    return -1;
  }
  if (p->m) {
    sc_error(p->e, kw->line, kw->col,
             "machine blocks cannot be nested; machine '%s' (line %d) is still open", p->m->name,
             p->m->line);
    return -1;
  }
  char name[SIM_SC_NAME_MAX + 1];
  const sc_tok *nt;
  if (sc_want_name(p, "a machine name", name, &nt) < 0 || sc_want_eol(p) < 0)
    return -1;
  size_t dup = sc_names_find(&p->machine_names, name);
  if (dup != SIM_SC_NONE) {
    sc_error(p->e, nt->line, nt->col, "duplicate machine '%s' (first declared at line %d)", name,
             p->sc->machines[dup].line);
    return -1;
  }
  if (!p->first_machine_line)
    p->first_machine_line = kw->line;
  if (machine_begin(p, name, 0, kw) < 0)
    return -1;
  if (sc_names_add(&p->machine_names, name, p->sc->nmachines - 1) < 0)
    return sc_oom(p, nt);
  sc_block *b = sc_push(p->blk, p->nblk, sizeof *b);
  if (!b)
    return sc_oom(p, kw);
  p->blk = b;
  b[p->nblk++] = (sc_block){.kind = SC_BLK_MACHINE, .line = kw->line, .col = kw->col};
  return 0;
}

static int parse_seed(sc_parser *p, const sc_tok *kw)
{
  if (p->m && !p->m->implicit) {
    sc_error(p->e, kw->line, kw->col,
             "'seed' is only allowed at top level, outside machine blocks");
    return -1;
  }
  if (p->sc->has_seed) {
    sc_error(p->e, kw->line, kw->col, "duplicate seed (first at line %d)", p->sc->seed_line);
    return -1;
  }
  if (sc_want_uint(p, "a seed (an unsigned 64-bit integer)", "seed", 0, UINT64_MAX,
                   &p->sc->seed) < 0 ||
      sc_want_eol(p) < 0)
    return -1;
  p->sc->has_seed = 1;
  p->sc->seed_line = kw->line;
  p->sc->seed_col = kw->col;
  return 0;
}

/* ---- declarations ------------------------------------------------------ */

/* Report a second declaration of a name. */
int sc_dup_decl(sc_parser *p, const sc_tok *t, const char *kind, const char *name,
                int first_line)
{
  sc_error(p->e, t->line, t->col, "duplicate %s '%s' (first declared at line %d)", kind, name,
           first_line);
  return -1;
}

int sc_dup_option(sc_parser *p, const sc_tok *t, int first)
{
  sc_error(p->e, t->line, t->col, "option '%.*s' given twice (first at column %d)", (int)t->len,
           t->p, first);
  return -1;
}

static int parse_hardware(sc_parser *p, const sc_tok *kw)
{
  sim_sc_machine *m = p->m;
  size_t before = m->nhardware;
  SC_APPEND(p, m->hardware, m->nhardware, kw);
  if (m->nhardware == before)
    return -1;
  sim_sc_hardware *h = SC_LAST(m->hardware, m->nhardware);
  h->line = kw->line;
  h->col = kw->col;
  h->channels = 1;
  const sc_tok *nt;
  if (sc_want_name(p, "a hardware name", h->name, &nt) < 0)
    return -1;
  size_t dup = sc_names_find(&p->ms->hardware, h->name);
  if (dup != SIM_SC_NONE)
    return sc_dup_decl(p, nt, "hardware", h->name, m->hardware[dup].line);
  if (sc_names_add(&p->ms->hardware, h->name, m->nhardware - 1) < 0)
    return sc_oom(p, nt);

  const sc_tok *dt = sc_next(p);
  const char *lat = "a latency";
  if (sc_tok_is(dt, "fixed")) {
    h->dist = SIM_SC_FIXED;
  } else if (sc_tok_is(dt, "uniform")) {
    h->dist = SIM_SC_UNIFORM;
    lat = "a low latency bound";
  } else if (sc_tok_is(dt, "exponential")) {
    h->dist = SIM_SC_EXPONENTIAL;
    lat = "a mean latency";
  } else {
    return sc_fail_expected(p, dt, "a latency distribution (fixed, uniform or exponential)");
  }
  if (sc_want_duration(p, lat, &h->lo, NULL) < 0)
    return -1;
  h->hi = h->lo;
  if (h->dist == SIM_SC_UNIFORM) {
    const sc_tok *ht;
    if (sc_want_duration(p, "a high latency bound", &h->hi, &ht) < 0)
      return -1;
    if (h->hi < h->lo) {
      char a[32], b[32];
      sc_error(p->e, ht->line, ht->col,
               "uniform latency: high bound %s is below low bound %s",
               sc_fmt_duration(h->hi, a, sizeof a), sc_fmt_duration(h->lo, b, sizeof b));
      return -1;
    }
  }
  int seen_channels = 0;
  for (;;) {
    const sc_tok *t = sc_next(p);
    if (t->kind == SC_TOK_EOL)
      return 0;
    if (!sc_tok_is(t, "channels"))
      return sc_fail_expected(p, t, seen_channels ? "end of line" : "'channels' or end of line");
    if (seen_channels)
      return sc_dup_option(p, t, seen_channels);
    seen_channels = t->col;
    uint64_t n;
    if (sc_want_uint(p, "a channel count", "channel count", 1, SIM_SC_CHANNELS_MAX, &n) < 0)
      return -1;
    h->channels = (uint32_t)n;
  }
}

/* `builtin NAME` or `so "PATH"`. */
int sc_parse_source(sc_parser *p, sim_sc_source *src)
{
  const sc_tok *t = sc_next(p);
  if (sc_tok_is(t, "builtin")) {
    char name[SIM_SC_NAME_MAX + 1];
    const sc_tok *nt;
    if (sc_want_name(p, "a builtin driver name", name, &nt) < 0)
      return -1;
    src->kind = SIM_SC_SRC_BUILTIN;
    src->line = nt->line;
    src->col = nt->col;
    if (!(src->name = strdup(name)))
      return sc_oom(p, nt);
    return 0;
  }
  if (sc_tok_is(t, "so")) {
    sc_tok *st = sc_next(p);
    if (st->kind != SC_TOK_STRING)
      return sc_fail_expected(p, st, "a shared object path in double quotes");
    if (st->slen == 0) {
      sc_error(p->e, st->line, st->col, "empty shared object path");
      return -1;
    }
    src->kind = SIM_SC_SRC_SO;
    src->line = st->line;
    src->col = st->col;
    src->name = st->str; /* taken from the line */
    st->str = NULL;
    return 0;
  }
  return sc_fail_expected(p, t, "'builtin' or 'so'");
}

/* `runtime concurrent,queues-iopb` or `runtime none`. */
static int parse_runtime(sc_parser *p, uint32_t *out)
{
  uint32_t flags = 0;
  int none = 0, n = 0;
  for (;;) {
    const sc_tok *t = sc_next(p);
    uint32_t bit;
    if (sc_tok_is(t, "concurrent"))
      bit = SIM_SC_RUNTIME_CONCURRENT;
    else if (sc_tok_is(t, "queues-iopb"))
      bit = SIM_SC_RUNTIME_QUEUES_IOPB;
    else if (sc_tok_is(t, "none"))
      bit = 0;
    else
      return sc_fail_expected(p, t, "a runtime flag (concurrent, queues-iopb or none)");
    if ((bit && (flags & bit)) || (!bit && none)) {
      sc_error(p->e, t->line, t->col, "runtime flag '%.*s' given twice", (int)t->len, t->p);
      return -1;
    }
    if ((!bit && n > 0) || (bit && none)) {
      sc_error(p->e, t->line, t->col, "'none' cannot be combined with other runtime flags");
      return -1;
    }
    none |= !bit;
    flags |= bit;
    n++;
    if (sc_peek(p)->kind != SC_TOK_COMMA)
      break;
    sc_next(p);
  }
  *out = flags;
  return 0;
}

int sc_want_bits(sc_parser *p, const sc_word_bits *tab, size_t n, const char *what,
                 uint16_t taken, uint16_t *out)
{
  for (;;) {
    const sc_tok *t = sc_next(p);
    uint16_t bits = 0;
    for (size_t i = 0; i < n; i++)
      if (sc_tok_is(t, tab[i].word))
        bits = tab[i].bits;
    if (bits == 0)
      return sc_fail_expected(p, t, what);
    if ((taken | *out) & bits) {
      sc_error(p->e, t->line, t->col, "'%.*s' given twice", (int)t->len, t->p);
      return -1;
    }
    *out |= bits;
    if (sc_peek(p)->kind != SC_TOK_COMMA)
      return 0;
    sc_next(p);
  }
}

/* `disable read,write,control,status`: enable bits to clear. */
static int parse_disable(sc_parser *p, uint16_t *out)
{
  static const sc_word_bits calls[] = {
      {"read", 0x0100}, {"write", 0x0200}, {"control", 0x0400}, {"status", 0x0800}};
  return sc_want_bits(p, calls, sizeof calls / sizeof calls[0],
                      "a call to disable (read, write, control or status)", 0, out);
}

static int parse_driver(sc_parser *p, const sc_tok *kw)
{
  sim_sc_machine *m = p->m;
  size_t before = m->ndrivers;
  SC_APPEND(p, m->drivers, m->ndrivers, kw);
  if (m->ndrivers == before)
    return -1;
  size_t idx = m->ndrivers - 1;
  sim_sc_driver *d = SC_LAST(m->drivers, m->ndrivers);
  d->line = kw->line;
  d->col = kw->col;
  d->unit = -1;
  d->hardware = SIM_SC_NONE;
  d->disk = SIM_SC_NONE;
  const sc_tok *nt;
  if (sc_want_name(p, "a driver alias", d->alias, &nt) < 0)
    return -1;
  size_t dup = sc_names_find(&p->ms->drivers, d->alias);
  if (dup != SIM_SC_NONE)
    return sc_dup_decl(p, nt, "driver alias", d->alias, m->drivers[dup].line);
  if (sc_names_add(&p->ms->drivers, d->alias, idx) < 0)
    return sc_oom(p, nt);
  if (sc_parse_source(p, &d->src) < 0)
    return -1;

  int seen_unit = 0, seen_hw = 0, seen_rt = 0, seen_at = 0, seen_dis = 0;
  for (;;) {
    const sc_tok *t = sc_next(p);
    if (t->kind == SC_TOK_EOL)
      break;
    if (sc_tok_is(t, "unit")) {
      if (seen_unit)
        return sc_dup_option(p, t, seen_unit);
      seen_unit = t->col;
      const sc_tok *ut = sc_peek(p);
      uint64_t u;
      if (sc_want_uint(p, "a unit number (0..1023)", "unit", 0, SIM_SC_UNIT_MAX, &u) < 0)
        return -1;
      size_t owner = p->ms->unit_owner[u];
      if (owner != SIM_SC_NONE) {
        sc_error(p->e, ut->line, ut->col, "unit %u is already used by driver '%s' (line %d)",
                 (unsigned)u, m->drivers[owner].alias, m->drivers[owner].line);
        return -1;
      }
      p->ms->unit_owner[u] = idx;
      d->unit = (int)u;
    } else if (sc_tok_is(t, "hardware")) {
      if (seen_hw)
        return sc_dup_option(p, t, seen_hw);
      seen_hw = t->col;
      char hw[SIM_SC_NAME_MAX + 1];
      const sc_tok *ht;
      if (sc_want_name(p, "a hardware name", hw, &ht) < 0)
        return -1;
      if ((d->hardware = sc_add_ref(p, SC_REF_HARDWARE, hw, ht)) == SIM_SC_NONE)
        return -1;
    } else if (sc_tok_is(t, "runtime")) {
      if (seen_rt)
        return sc_dup_option(p, t, seen_rt);
      seen_rt = t->col;
      if (parse_runtime(p, &d->runtime) < 0)
        return -1;
      d->has_runtime = 1;
    } else if (sc_tok_is(t, "at")) {
      if (seen_at)
        return sc_dup_option(p, t, seen_at);
      seen_at = t->col;
      if (sc_want_duration(p, "an install time", &d->at, NULL) < 0)
        return -1;
    } else if (sc_tok_is(t, "disk")) {
      if (d->disk != SIM_SC_NONE || seen_hw)
        return sc_fail_expected(p, t, "one device (hardware or disk) per driver");
      if (sc_parse_driver_disk(p, d) < 0)
        return -1;
    } else if (sc_tok_is(t, "disable")) {
      if (seen_dis)
        return sc_dup_option(p, t, seen_dis);
      seen_dis = t->col;
      if (parse_disable(p, &d->disable) < 0)
        return -1;
    } else {
      return sc_fail_expected(p, t,
                              "an option (unit, hardware, disk, runtime, disable, at) or end of line");
    }
  }
  return 0;
}

/* `at TIME remove ALIAS [immediate]` | `at TIME replace ALIAS with SOURCE`. */
static int parse_event(sc_parser *p, const sc_tok *kw)
{
  sim_sc_machine *m = p->m;
  size_t before = m->nevents;
  SC_APPEND(p, m->events, m->nevents, kw);
  if (m->nevents == before)
    return -1;
  sim_sc_event *ev = SC_LAST(m->events, m->nevents);
  ev->line = kw->line;
  ev->col = kw->col;
  if (sc_want_duration(p, "a time", &ev->at, NULL) < 0)
    return -1;
  const sc_tok *t = sc_next(p);
  if (sc_tok_is(t, "remove"))
    ev->kind = SIM_SC_REMOVE;
  else if (sc_tok_is(t, "replace"))
    ev->kind = SIM_SC_REPLACE;
  else
    return sc_fail_expected(p, t, "'remove' or 'replace'");
  char alias[SIM_SC_NAME_MAX + 1];
  const sc_tok *at;
  if (sc_want_name(p, "a driver alias", alias, &at) < 0)
    return -1;
  if ((ev->driver = sc_add_ref(p, SC_REF_DRIVER, alias, at)) == SIM_SC_NONE)
    return -1;
  if (ev->kind == SIM_SC_REMOVE) {
    if (sc_tok_is(sc_peek(p), "immediate")) {
      sc_next(p);
      ev->immediate = 1;
      return sc_want_eol(p);
    }
    t = sc_peek(p);
    return t->kind == SC_TOK_EOL ? 0 : sc_fail_expected(p, t, "'immediate' or end of line");
  }
  t = sc_next(p);
  if (!sc_tok_is(t, "with"))
    return sc_fail_expected(p, t, "'with'");
  if (sc_parse_source(p, &ev->with) < 0)
    return -1;
  return sc_want_eol(p);
}

static int parse_client(sc_parser *p, const sc_tok *kw)
{
  sim_sc_machine *m = p->m;
  size_t before = m->nclients;
  SC_APPEND(p, m->clients, m->nclients, kw);
  if (m->nclients == before)
    return -1;
  sim_sc_client *c = SC_LAST(m->clients, m->nclients);
  c->line = kw->line;
  c->col = kw->col;
  const sc_tok *nt;
  if (sc_want_name(p, "a client name", c->name, &nt) < 0)
    return -1;
  size_t dup = sc_names_find(&p->ms->clients, c->name);
  if (dup != SIM_SC_NONE)
    return sc_dup_decl(p, nt, "client", c->name, m->clients[dup].line);
  if (sc_names_add(&p->ms->clients, c->name, m->nclients - 1) < 0)
    return sc_oom(p, nt);
  const sc_tok *t = sc_next(p);
  if (sc_tok_is(t, "at")) {
    if (sc_want_duration(p, "a start time", &c->at, NULL) < 0 || sc_want_eol(p) < 0)
      return -1;
  } else if (t->kind != SC_TOK_EOL) {
    return sc_fail_expected(p, t, "'at' or end of line");
  }
  sc_block *b = sc_push(p->blk, p->nblk, sizeof *b);
  if (!b)
    return sc_oom(p, kw);
  p->blk = b;
  b[p->nblk++] = (sc_block){.kind = SC_BLK_CLIENT, .line = kw->line, .col = kw->col};
  p->client = m->nclients - 1;
  return 0;
}

/* ---- blocks and the line loop ------------------------------------------ */

static int parse_end(sc_parser *p, const sc_tok *kw)
{
  if (sc_want_eol(p) < 0)
    return -1;
  if (p->nblk == 0) {
    sc_error(p->e, kw->line, kw->col, "'end' without an open block");
    return -1;
  }
  sc_block *b = &p->blk[p->nblk - 1];
  switch (b->kind) {
  case SC_BLK_MACHINE:
    p->nblk--;
    return machine_end(p);
  case SC_BLK_CLIENT: {
    sim_sc_client *c = &p->m->clients[p->client];
    c->body = b->body;
    c->nbody = b->nbody;
    p->nblk--;
    return 0;
  }
  case SC_BLK_REPEAT: {
    sc_block *parent = &p->blk[p->nblk - 2]; /* a repeat is always inside a client */
    sim_sc_machine *m = p->m;
    sim_sc_stmt *s = sc_push(parent->body, parent->nbody, sizeof *s);
    if (s)
      parent->body = s;
    sim_sc_repeat *r = sc_push(m->repeats, m->nrepeats, sizeof *r);
    if (r)
      m->repeats = r;
    if (!s || !r || m->nrepeats >= UINT32_MAX)
      return sc_oom(p, kw);
    /* The machine owns the body from here (and frees it on error too). */
    m->repeats[m->nrepeats] = (sim_sc_repeat){.count = b->count, .body = b->body,
                                              .nbody = b->nbody};
    s[parent->nbody++] = (sim_sc_stmt){.kind = SIM_SC_ST_REPEAT,
                                       .repeat = (uint32_t)m->nrepeats++,
                                       .line = b->line,
                                       .col = b->col};
    p->nblk--;
    p->repeat_depth--;
    return 0;
  }
  case SC_BLK_ROUTINE: {
    /* A call with a routine has a shape of its own. */
    sim_sc_shape *c = &p->m->shapes[p->m->calls[b->call].shape];
    c->then = b->body;
    c->nthen = b->nbody;
    p->nblk--;
    return 0;
  }
  }
  return 0;
}

static int is_any(const sc_tok *t, const char *const *words)
{
  for (; *words; words++)
    if (sc_tok_is(t, *words))
      return 1;
  return 0;
}

static const char *const client_words[] = {"open",  "close", "read",  "write", "control",
                                           "status", "killio", "wait", "sleep", "repeat",
                                           NULL};
static const char *const decl_words[] = {"hardware", "driver", "client", "expect", "machine",
                                         "seed", "controller", "disk", "scsi", NULL};

static const char *const call_words[] = {"open",  "close",  "read",   "write",
                                         "control", "status", "killio", NULL};

/* One statement inside a client, repeat or completion-routine block. */
static int client_line(sc_parser *p, const sc_tok *kw)
{
  if (sc_tok_is(kw, "end"))
    return parse_end(p, kw);
  const sc_block *in = &p->blk[p->nblk - 1];
  if (in->kind == SC_BLK_ROUTINE && !is_any(kw, call_words)) {
    if (kw->kind != SC_TOK_WORD)
      return sc_fail_expected(p, kw, "a call or 'end'");
    sc_error(p->e, kw->line, kw->col,
             "'%.*s' is not allowed in a completion routine (then, line %d): a routine cannot "
             "wait; it can only make calls (open, close, read, write, control, status, killio)",
             kw->len > 40 ? 40 : (int)kw->len, kw->p, in->line);
    return -1;
  }
  if (is_any(kw, client_words) || sc_tok_is(kw, "at"))
    return sc_parse_client_stmt(p, kw);
  const sim_sc_client *c = &p->m->clients[p->client];
  if (is_any(kw, decl_words)) {
    sc_error(p->e, kw->line, kw->col,
             "'%.*s' is not allowed inside a client block; close client '%s' (line %d) with "
             "'end' first",
             (int)kw->len, kw->p, c->name, c->line);
    return -1;
  }
  if (kw->kind != SC_TOK_WORD)
    return sc_fail_expected(p, kw, "a client statement");
  sc_error(p->e, kw->line, kw->col,
           "unknown client statement '%.*s'; expected open, close, read, write, control, "
           "status, killio, wait, sleep, at, repeat or end",
           kw->len > 40 ? 40 : (int)kw->len, kw->p);
  return -1;
}

/* One statement at top level or inside a machine block. */
static int decl_line(sc_parser *p, const sc_tok *kw)
{
  if (sc_tok_is(kw, "end"))
    return parse_end(p, kw);
  if (sc_tok_is(kw, "seed"))
    return parse_seed(p, kw);
  if (sc_tok_is(kw, "machine"))
    return parse_machine(p, kw);
  int (*fn)(sc_parser *, const sc_tok *) = NULL;
  if (sc_tok_is(kw, "hardware"))
    fn = parse_hardware;
  else if (sc_tok_is(kw, "driver"))
    fn = parse_driver;
  else if (sc_tok_is(kw, "controller"))
    fn = sc_parse_controller;
  else if (sc_tok_is(kw, "disk"))
    fn = sc_parse_disk;
  else if (sc_tok_is(kw, "at"))
    fn = parse_event;
  else if (sc_tok_is(kw, "client"))
    fn = parse_client;
  else if (sc_tok_is(kw, "expect"))
    fn = sc_parse_expect;
  else if (sc_tok_is(kw, "scsi"))
    fn = sc_parse_scsibus;
  if (fn)
    return need_machine(p, kw) < 0 ? -1 : fn(p, kw);
  if (is_any(kw, client_words)) {
    sc_error(p->e, kw->line, kw->col, "'%.*s' is only allowed inside a client block",
             (int)kw->len, kw->p);
    return -1;
  }
  if (kw->kind != SC_TOK_WORD)
    return sc_fail_expected(p, kw, "a statement");
  sc_error(p->e, kw->line, kw->col,
           "unknown statement '%.*s'; expected seed, machine, hardware, controller, disk, "
           "driver, scsi, at, client, expect or end",
           kw->len > 40 ? 40 : (int)kw->len, kw->p);
  return -1;
}

static int parse_all(sc_parser *p)
{
  int r;
  while ((r = sc_lex_line(&p->lx, &p->ln)) > 0) {
    p->ti = 0;
    const sc_tok *kw = sc_next(p);
    if (kw->kind == SC_TOK_EOL)
      continue; /* blank or comment-only line */
    int in_client = p->nblk > 0 && p->blk[p->nblk - 1].kind != SC_BLK_MACHINE;
    if ((in_client ? client_line(p, kw) : decl_line(p, kw)) < 0)
      return -1;
  }
  if (r < 0)
    return -1;
  if (p->nblk > 0) {
    /* Report the innermost block: it is the one an `end` is missing from. */
    const sc_block *b = &p->blk[p->nblk - 1];
    if (b->kind == SC_BLK_MACHINE)
      sc_error(p->e, b->line, b->col,
               "machine '%s' is not closed; expected 'end' before end of file", p->m->name);
    else if (b->kind == SC_BLK_CLIENT)
      sc_error(p->e, b->line, b->col,
               "client '%s' is not closed; expected 'end' before end of file",
               p->m->clients[p->client].name);
    else if (b->kind == SC_BLK_ROUTINE)
      sc_error(p->e, b->line, b->col,
               "completion routine (then) is not closed; expected 'end' before end of file");
    else
      sc_error(p->e, b->line, b->col,
               "repeat is not closed; expected 'end' before end of file");
    return -1;
  }
  if (p->m)
    return machine_end(p); /* the implicit machine */
  if (p->sc->nmachines == 0) {
    /* An empty file still describes one (empty) machine. */
    sc_tok none = {.kind = SC_TOK_EOL, .line = 1, .col = 1};
    if (machine_begin(p, "main", 1, &none) < 0)
      return -1;
    return machine_end(p);
  }
  return 0;
}

/* ---- entry points ------------------------------------------------------ */

int sim_scenario_parse(const char *path, const char *text, size_t len, sim_scenario **out,
                       char *err, size_t errlen)
{
  sc_err e = {.path = path ? path : "<input>", .buf = err, .buflen = errlen};
  sc_parser p;
  memset(&p, 0, sizeof p);
  p.e = &e;
  if (out)
    *out = NULL;
  if (err && errlen)
    err[0] = '\0';
  if (!text && len) {
    sc_error_file(&e, "no text to parse");
    return -1;
  }
  sc_lex_init(&p.lx, text ? text : "", len, &e);
  p.sc = calloc(1, sizeof *p.sc);
  if (!p.sc || !(p.sc->path = strdup(e.path))) {
    free(p.sc);
    sc_error_file(&e, "out of memory");
    return -1;
  }
  int r = parse_all(&p);
  /* Blocks still open on error own their statements. */
  for (size_t i = 0; i < p.nblk; i++)
    free(p.blk[i].body);
  free(p.blk);
  mstate_free(p.ms);
  sc_names_free(&p.machine_names);
  sc_line_free(&p.ln);
  if (r < 0 || e.set || !out) {
    sim_scenario_free(p.sc);
    return r < 0 || e.set ? -1 : 0;
  }
  *out = p.sc;
  return 0;
}

int sim_scenario_load(const char *path, sim_scenario **out, char *err, size_t errlen)
{
  sc_err e = {.path = path ? path : "<input>", .buf = err, .buflen = errlen};
  if (out)
    *out = NULL;
  FILE *f = path ? fopen(path, "rb") : NULL;
  if (!f) {
    sc_error_file(&e, "cannot read: %s", strerror(path ? errno : EINVAL));
    return -1;
  }
  /* A regular file is read into a buffer of its size: the text is the
   * largest thing alive while a big generated file parses, so it must not
   * sit in a buffer twice its size. Anything else (a pipe, a device) grows
   * its buffer as it reads. */
  struct stat st;
  size_t cap = 0, n = 0;
  int regular = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
  if (regular)
    /* + 1: the read that sees the end; a file too large is said so unread. */
    cap = st.st_size > (off_t)SIM_SC_MAX_FILE ? 0 : (size_t)st.st_size + 1;
  char *buf = cap ? malloc(cap) : NULL;
  if (!buf)
    cap = 0;
  for (;;) {
    if (n > SIM_SC_MAX_FILE || (regular && st.st_size > (off_t)SIM_SC_MAX_FILE)) {
      /* /dev/zero, a pipe that never ends, a file that is not a scenario. */
      free(buf);
      fclose(f);
      sc_error_file(&e, "file too large: a scenario is at most %d MiB",
                    SIM_SC_MAX_FILE >> 20);
      return -1;
    }
    if (n == cap && SIM_VEC_RESERVE(buf, cap, n + 1, 64 * 1024) != 0) {
      free(buf);
      fclose(f);
      sc_error_file(&e, "cannot read: %s", strerror(ENOMEM));
      return -1;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  int bad = ferror(f);
  int saved = errno;
  fclose(f);
  if (bad) {
    free(buf);
    sc_error_file(&e, "cannot read: %s", strerror(saved ? saved : EIO));
    return -1;
  }
  int r = sim_scenario_parse(path, buf, n, out, err, errlen);
  free(buf);
  return r;
}
