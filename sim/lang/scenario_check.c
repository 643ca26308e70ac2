/*
 * sim/lang/scenario_check.c - the scenario validator: name tables, and the
 * checks that need a whole machine, run when it closes.
 *
 * Contracts:
 * - sc_check_machine turns every sc_ref number left in the tree by the
 *   parser into the index of the declaration it names, so the tree handed
 *   to the executor holds only real indexes (or SIM_SC_NONE for an absent
 *   optional reference).
 * - All problems of a machine are looked at, and the one earliest in the
 *   file is reported (sc_error_min): the message does not depend on the
 *   order of the checks below.
 * - Scale: every check is linear in the size of the machine (name lookups
 *   are hashed), so a generated scenario with many thousands of calls
 *   validates as fast as it parses.
 */
#include "lang/scenario_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- name tables ------------------------------------------------------- */

static uint64_t name_hash(const char *s)
{
  uint64_t h = 0xcbf29ce484222325u; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001b3u;
  return h;
}

size_t sc_names_find(const sc_names *t, const char *name)
{
  if (t->cap == 0)
    return SIM_SC_NONE;
  for (size_t i = (size_t)name_hash(name) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    if (!t->slot[i].name)
      return SIM_SC_NONE; /* the load factor stays below 1, so an empty slot exists */
    if (strcmp(t->slot[i].name, name) == 0)
      return t->slot[i].idx;
  }
}

static void slot_put(struct sc_name_slot *slot, size_t cap, const char *name, size_t idx)
{
  size_t i = (size_t)name_hash(name) & (cap - 1);
  while (slot[i].name)
    i = (i + 1) & (cap - 1);
  slot[i].name = name;
  slot[i].idx = idx;
}

/* A copy of name in t's chunks, or NULL when out of memory. */
static const char *names_copy(sc_names *t, const char *name)
{
  enum { CHUNK = 64 * 1024 }; /* room for well over 1,000 names of 63 characters */
  size_t len = strlen(name) + 1;
  if (t->chunk == NULL || t->room - t->used < len) {
    char *c = malloc(CHUNK);
    if (!c)
      return NULL;
    memcpy(c, &t->chunk, sizeof t->chunk);
    t->chunk = c;
    t->used = sizeof(char *);
    t->room = CHUNK;
  }
  char *copy = t->chunk + t->used;
  memcpy(copy, name, len);
  t->used += len;
  return copy;
}

int sc_names_add(sc_names *t, const char *name, size_t idx)
{
  if ((t->n + 1) * 2 > t->cap) { /* keep the table at most half full */
    size_t cap = t->cap ? t->cap * 2 : 16;
    if (cap < t->cap || cap > SIZE_MAX / sizeof *t->slot)
      return -1;
    struct sc_name_slot *slot = calloc(cap, sizeof *slot);
    if (!slot)
      return -1;
    for (size_t i = 0; i < t->cap; i++)
      if (t->slot[i].name)
        slot_put(slot, cap, t->slot[i].name, t->slot[i].idx);
    free(t->slot);
    t->slot = slot;
    t->cap = cap;
  }
  const char *copy = names_copy(t, name);
  if (!copy)
    return -1;
  slot_put(t->slot, t->cap, copy, idx);
  t->n++;
  return 0;
}

void sc_names_free(sc_names *t)
{
  while (t->chunk != NULL) {
    char *prev;
    memcpy(&prev, t->chunk, sizeof prev);
    free(t->chunk);
    t->chunk = prev;
  }
  free(t->slot);
  t->slot = NULL;
  t->cap = t->n = 0;
  t->used = t->room = 0;
}

/* The call names: slots hold instance indexes, names stay in the tree. */

size_t sc_call_names_find(const sc_call_names *t, const sim_sc_machine *m, const char *name)
{
  if (t->cap == 0)
    return SIM_SC_NONE;
  for (size_t i = (size_t)name_hash(name) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    if (t->slot[i] == 0)
      return SIM_SC_NONE; /* the load factor stays below 1, so an empty slot exists */
    if (strcmp(sim_sc_call_name(m, t->slot[i] - 1), name) == 0)
      return t->slot[i] - 1;
  }
}

static void call_slot_put(uint32_t *slot, size_t cap, const sim_sc_machine *m, uint32_t call)
{
  size_t i = (size_t)name_hash(sim_sc_call_name(m, call)) & (cap - 1);
  while (slot[i] != 0)
    i = (i + 1) & (cap - 1);
  slot[i] = call + 1;
}

int sc_call_names_add(sc_call_names *t, const sim_sc_machine *m, size_t call)
{
  if (call >= UINT32_MAX)
    return -1;
  if ((t->n + 1) * 2 > t->cap) { /* keep the table at most half full */
    size_t cap = t->cap ? t->cap * 2 : 16;
    if (cap < t->cap || cap > SIZE_MAX / sizeof *t->slot)
      return -1;
    uint32_t *slot = calloc(cap, sizeof *slot);
    if (!slot)
      return -1;
    for (size_t i = 0; i < t->cap; i++)
      if (t->slot[i] != 0)
        call_slot_put(slot, cap, m, t->slot[i] - 1);
    free(t->slot);
    t->slot = slot;
    t->cap = cap;
  }
  call_slot_put(t->slot, t->cap, m, (uint32_t)call);
  t->n++;
  return 0;
}

void sc_call_names_free(sc_call_names *t)
{
  free(t->slot);
  t->slot = NULL;
  t->cap = t->n = 0;
}

/* ---- resolution -------------------------------------------------------- */

/* The declared names of a kind, for "unknown driver 'x'; declared drivers:
 * a, b". Shows the first few: the list is a hint, not an inventory. */
static const char *declared(const sim_sc_machine *m, sc_ref_kind kind, char *buf, size_t len)
{
  enum { SHOW = 10 };
  const char *head = kind == SC_REF_DRIVER ? "declared drivers: "
                     : kind == SC_REF_HARDWARE ? "declared hardware: "
                                               : "named calls: ";
  size_t count = kind == SC_REF_DRIVER ? m->ndrivers
                 : kind == SC_REF_HARDWARE ? m->nhardware
                                           : m->ncalls;
  size_t n = 0, shown = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < count; i++) {
    const char *name = kind == SC_REF_DRIVER ? m->drivers[i].alias
                       : kind == SC_REF_HARDWARE ? m->hardware[i].name
                                                 : sim_sc_call_name(m, i);
    if (!name[0])
      continue; /* an unnamed call */
    if (shown == SHOW) {
      snprintf(buf + n, len - n, ", ...");
      break;
    }
    int w = snprintf(buf + n, len - n, "%s%s", shown ? ", " : head, name);
    if (w < 0 || (size_t)w >= len - n)
      break;
    n += (size_t)w;
    shown++;
  }
  if (shown == 0)
    snprintf(buf, len, "%s",
             kind == SC_REF_DRIVER ? "no drivers are declared"
             : kind == SC_REF_HARDWARE ? "no hardware is declared"
                                       : "no call is named (name one with 'as NAME')");
  return buf;
}

static size_t resolve(const sim_sc_machine *m, const sc_mstate *ms, const sc_ref *r, sc_err *e)
{
  static const char *const what[] = {"driver", "hardware", "call"};
  char name[SIM_SC_NAME_MAX + 1];
  sc_ref_name(r, name);
  size_t idx = r->kind == SC_REF_DRIVER     ? sc_names_find(&ms->drivers, name)
               : r->kind == SC_REF_HARDWARE ? sc_names_find(&ms->hardware, name)
                                            : sc_call_names_find(&ms->calls, m, name);
  if (idx == SIM_SC_NONE) {
    char list[512];
    sc_error_min(e, r->line, r->col, "unknown %s '%s'; %s", what[r->kind], name,
                 declared(m, r->kind, list, sizeof list));
  }
  return idx;
}

/* Everything the checks need to look at a reference: the index it
 * resolved to, or SIM_SC_NONE, and the ref for its position. */
typedef struct check {
  sim_sc_machine  *m;
  const sc_mstate *ms;
  sc_err          *e;
  const size_t    *res;   /* ref number -> index or SIM_SC_NONE */
  size_t          *stamp; /* per call: 1 + the last expectation naming it in an order */
  uint32_t        *twin;  /* per shared shape: 1 + its copy that keeps its block, or 0;
                             NULL until a call of a shared shape keeps its block */
} check;

/* Call `call` keeps its block after the run (an expectation reads it). A
 * shape that other calls may share is not marked: the call moves to a copy
 * of it that is (one copy per shape, for all its calls that keep theirs).
 * Returns 0, or -1 when out of memory (reported at line:col). */
static int keep_pb(check *ck, size_t call, int line, int col)
{
  sim_sc_machine *m = ck->m;
  sim_sc_call *c = &m->calls[call];
  size_t shape = c->shape;
  if (m->shapes[shape].keeps_pb)
    return 0;
  if (!sc_shape_shareable(&m->shapes[shape])) {
    m->shapes[shape].keeps_pb = 1; /* its call's alone */
    return 0;
  }
  if (ck->twin == NULL && (ck->twin = calloc(m->nshapes, sizeof *ck->twin)) == NULL)
    goto oom;
  if (ck->twin[shape] == 0) {
    sim_sc_shape *s = m->nshapes < UINT32_MAX ? sc_push(m->shapes, m->nshapes, sizeof *s) : NULL;
    if (s == NULL)
      goto oom;
    m->shapes = s;
    s[m->nshapes] = s[shape];
    s[m->nshapes].keeps_pb = 1;
    ck->twin[shape] = (uint32_t)++m->nshapes;
  }
  c->shape = ck->twin[shape] - 1;
  return 0;
oom:
  sc_error_min(ck->e, line, col, "out of memory");
  return -1;
}

/* Replace a ref number by its index (SIM_SC_NONE stays, for an absent
 * optional reference). */
static size_t fix(const check *ck, size_t ref)
{
  return ref == SIM_SC_NONE ? SIM_SC_NONE : ck->res[ref];
}

/* `wait CALL` must wait for an async call issued earlier by the same
 * client; anything else could never end or would mean nothing. */
static void check_wait(const check *ck, size_t client, const sim_sc_stmt *s, size_t ref)
{
  if (s->call == UINT32_MAX)
    return;
  const sc_ref *r = &ck->ms->refs[ref];
  const sim_sc_call *c = &ck->m->calls[s->call];
  const sim_sc_shape *sh = sim_sc_call_shape(ck->m, s->call);
  if (sh->client != client)
    sc_error_min(ck->e, r->line, r->col,
                 "cannot wait for '%.*s': it is a call of client '%s', not of '%s'", (int)r->len, r->name,
                 ck->m->clients[sh->client].name, ck->m->clients[client].name);
  else if (sh->mode != SIM_SC_ASYNC)
    sc_error_min(ck->e, r->line, r->col,
                 "cannot wait for '%.*s': it is %s call (line %d); only async calls can be "
                 "waited for",
                 (int)r->len, r->name, sh->mode == SIM_SC_SYNC ? "a sync" : "an immediate", c->line);
  else if (c->line >= s->line)
    sc_error_min(ck->e, r->line, r->col,
                 "cannot wait for '%.*s' before it is issued (line %d)", (int)r->len, r->name, c->line);
}

static void fix_stmts(const check *ck, size_t client, sim_sc_stmt *s, size_t n)
{
  /* Recursion depth is bounded by SIM_SC_MAX_NESTING. */
  for (size_t i = 0; i < n; i++) {
    if (s[i].kind == SIM_SC_ST_WAIT) {
      size_t ref = s[i].call, c = fix(ck, ref);
      s[i].call = c == SIM_SC_NONE ? UINT32_MAX : (uint32_t)c; /* UINT32_MAX: reported */
      check_wait(ck, client, &s[i], ref);
    } else if (s[i].kind == SIM_SC_ST_REPEAT) {
      const sim_sc_repeat *r = &ck->m->repeats[s[i].repeat];
      fix_stmts(ck, client, r->body, r->nbody);
    }
  }
}

/* The error for an expectation `expect WHAT` whose call (the reference
 * ref, with operation op) is not of the kind it needs. */
static void wrong_op(const check *ck, size_t ref, const char *what, sim_sc_op op, const char *need)
{
  const sc_ref *r = &ck->ms->refs[ref];
  sc_error_min(ck->e, r->line, r->col, "expect %s: '%.*s' is a %s call; %s", what, (int)r->len,
               r->name, sim_sc_op_name(op), need);
}

static void fix_expect(check *ck, size_t xi, sim_sc_expect *x)
{
  size_t call_ref = x->call, call2_ref = x->call2;
  x->call = fix(ck, x->call);
  x->call2 = fix(ck, x->call2);
  x->driver = fix(ck, x->driver);
  for (size_t i = 0; i < x->norder; i++) {
    size_t ref = x->order[i];
    size_t c = x->order[i] = fix(ck, ref);
    if (c == SIM_SC_NONE)
      continue;
    /* A call completes once, so naming it twice in an order is a mistake. */
    if (ck->stamp[c] == xi + 1) {
      const sc_ref *r = &ck->ms->refs[ref];
      sc_error_min(ck->e, r->line, r->col, "call '%.*s' appears twice in the order", (int)r->len,
                   r->name);
    }
    ck->stamp[c] = xi + 1;
  }
  /* Each call's operation, read once (keep_pb below may give a call a twin
   * of its shape, with the same operation). */
  int has1 = x->call != SIM_SC_NONE, has2 = x->call2 != SIM_SC_NONE;
  sim_sc_op op1 = has1 ? sim_sc_call_shape(ck->m, x->call)->op : SIM_SC_OP_OPEN;
  sim_sc_op op2 = has2 ? sim_sc_call_shape(ck->m, x->call2)->op : SIM_SC_OP_OPEN;
  if (x->kind == SIM_SC_EX_PARAM && has1 && op1 != SIM_SC_OP_CONTROL && op1 != SIM_SC_OP_STATUS)
    wrong_op(ck, call_ref, "param", op1, "only control and status carry csParam");
  /* These read the call's block after the run. */
  if ((x->kind == SIM_SC_EX_PARAM || x->kind == SIM_SC_EX_DATA) && has1 &&
      keep_pb(ck, x->call, x->line, x->col) < 0)
    return;
  if (x->kind == SIM_SC_EX_DATA && has2 && keep_pb(ck, x->call2, x->line, x->col) < 0)
    return;
  if (x->kind != SIM_SC_EX_DATA)
    return;
  /* Data flows from a write to a read; the other pairings compare nothing. */
  if (has1 && op1 != SIM_SC_OP_READ)
    wrong_op(ck, call_ref, "data", op1, "the first call must be a read");
  if (has2 && op2 != SIM_SC_OP_WRITE)
    wrong_op(ck, call2_ref, "data", op2, "the second call must be a write");
}

/* A driver's events happen in (time, file order); nothing may happen to a
 * driver before it is installed or after it is removed. */
static void check_events(const check *ck)
{
  sim_sc_machine *m = ck->m;
  if (m->nevents == 0 || m->ndrivers == 0)
    return;
  size_t *first_remove = malloc(m->ndrivers * sizeof *first_remove);
  if (!first_remove) {
    sc_error_min(ck->e, m->events[0].line, m->events[0].col, "out of memory");
    return;
  }
  for (size_t d = 0; d < m->ndrivers; d++)
    first_remove[d] = SIM_SC_NONE;
  for (size_t i = 0; i < m->nevents; i++) {
    const sim_sc_event *ev = &m->events[i];
    if (ev->kind != SIM_SC_REMOVE || ev->driver == SIM_SC_NONE)
      continue;
    size_t *r = &first_remove[ev->driver];
    if (*r == SIM_SC_NONE || ev->at < m->events[*r].at)
      *r = i; /* ties keep the earlier line */
  }
  char a[32], b[32];
  for (size_t i = 0; i < m->nevents; i++) {
    const sim_sc_event *ev = &m->events[i];
    if (ev->driver == SIM_SC_NONE)
      continue;
    const sim_sc_driver *d = &m->drivers[ev->driver];
    const char *verb = ev->kind == SIM_SC_REMOVE ? "removed" : "replaced";
    size_t r = first_remove[ev->driver];
    if (ev->at < d->at) {
      sc_error_min(ck->e, ev->line, ev->col,
                   "driver '%s' is %s at %s, before it is installed (at %s, line %d)", d->alias,
                   verb, sc_fmt_duration(ev->at, a, sizeof a), sc_fmt_duration(d->at, b, sizeof b),
                   d->line);
    } else if (r != SIM_SC_NONE && r != i &&
               (m->events[r].at < ev->at || (m->events[r].at == ev->at && r < i))) {
      if (ev->kind == SIM_SC_REMOVE)
        sc_error_min(ck->e, ev->line, ev->col, "driver '%s' is already removed (line %d)",
                     d->alias, m->events[r].line);
      else
        sc_error_min(ck->e, ev->line, ev->col,
                     "driver '%s' is replaced at %s, after it is removed (line %d)", d->alias,
                     sc_fmt_duration(ev->at, a, sizeof a), m->events[r].line);
    }
  }
  free(first_remove);
}

int sc_check_machine(sim_sc_machine *m, sc_mstate *ms, sc_err *e)
{
  size_t *res = malloc((ms->nrefs ? ms->nrefs : 1) * sizeof *res);
  size_t *stamp = calloc(m->ncalls ? m->ncalls : 1, sizeof *stamp);
  if (!res || !stamp) {
    free(res);
    free(stamp);
    sc_error_min(e, m->line, m->col, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < ms->nrefs; i++)
    res[i] = resolve(m, ms, &ms->refs[i], e);
  check ck = {.m = m, .ms = ms, .e = e, .res = res, .stamp = stamp};

  for (size_t i = 0; i < m->ndrivers; i++)
    m->drivers[i].hardware = fix(&ck, m->drivers[i].hardware);
  for (size_t i = 0; i < m->nevents; i++)
    m->events[i].driver = fix(&ck, m->events[i].driver);
  /* A driver is one ref however many calls name it, so shapes shared
   * before resolution stay the same after it. */
  for (size_t i = 0; i < m->nshapes; i++)
    m->shapes[i].driver = fix(&ck, m->shapes[i].driver);
  for (size_t i = 0; i < m->nclients; i++)
    fix_stmts(&ck, i, m->clients[i].body, m->clients[i].nbody);
  for (size_t i = 0; i < m->nexpects; i++)
    fix_expect(&ck, i, &m->expects[i]);
  check_events(&ck);
  free(res);
  free(stamp);
  free(ck.twin);
  return e->set ? -1 : 0;
}
