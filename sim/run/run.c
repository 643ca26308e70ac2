/*
 * run.c - the scenario executor behind `dmsim run`.
 *
 * Each machine of a scenario runs in a world of its own, one after the
 * other, from time 0 until no event is left: hardware and drivers are set up
 * first, then every timed action (driver installs, removes, replaces, client
 * starts) is armed in file order, so that actions due at the same time run
 * in the order the file gives them. Before anything runs, every driver
 * source is resolved (built-in names, shared objects): a scenario that
 * cannot run is refused whole, with file, line and column.
 *
 * After a machine's run: clients still blocked are reported as
 * sync-deadlock, expectations are checked, and a summary is printed. The
 * exit status is 1 when an expectation failed or a rule was broken that the
 * scenario did not expect (unless --permissive).
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

#include "base/vec.h"
#include "base/outfile.h"
#include "base/escape.h"
#include "MacErrors.h"
#include "builtins.h"
#include "rt/rt.h"
#include "rt/rt_file.h"
#include "run/run_int.h"

#define RUN_MAX_EVENTS 200000000ull /* a runaway scenario stops here */
#define RUN_EVENTS_CHECKED 4096u     /* events between two looks at the trace's size */
#define RUN_VIOLATIONS_SHOWN 20      /* reports printed per rule and machine */
#define RUN_LIMITED 10               /* run_machine_once: stopped by a limit (status 2) */

/* "FILE:LINE:COL: PREFIXmessage" on the error stream. */
static void say_at(run_machine *rm, int line, int col, const char *prefix, const char *fmt,
                   va_list ap) __attribute__((format(printf, 5, 0)));
static void say_at(run_machine *rm, int line, int col, const char *prefix, const char *fmt,
                   va_list ap)
{
  fprintf(rm->opts->err, "%s:%d:%d: %s", rm->path, line, col, prefix);
  vfprintf(rm->opts->err, fmt, ap);
  fputc('\n', rm->opts->err);
}

void run_fail(run_machine *rm, int line, int col, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  say_at(rm, line, col, "", fmt, ap);
  va_end(ap);
  rm->failed = 1;
}

run_pb *run_pb_lookup(run_machine *rm, const void *pb)
{
  uint64_t v;
  if (!sim_map_get(&rm->pbmap, (uint64_t)(uintptr_t)pb, &v))
    return NULL;
  run_pb *p = rm->owned[v - 1];
  run_pb_hint(rm, p);
  return p;
}

void run_pb_retire(run_machine *rm, run_pb *p)
{
  if (rm->trace != NULL)
    sim_trace_forget_pb(rm->trace, &p->pb);
  if (rm->opts->record != NULL && rm->opts->pb_retired != NULL)
    rm->opts->pb_retired(rm->opts->record_ctx, &p->pb);
}

void run_limit(run_machine *rm, int line, int col, const char *fmt, ...)
{
  if (rm->limit) /* one message: the run stops at the first limit */
    return;
  va_list ap;
  va_start(ap, fmt);
  say_at(rm, line, col, "error: ", fmt, ap);
  va_end(ap);
  rm->limit = 1;
  rm->look_in = -1; /* run_events stops before the next event */
  if (rm->rt != NULL)
    sim_rt_request_stop(rm->rt); /* and so does --realtime's loop */
}

size_t run_in_flight(const run_machine *rm)
{
  size_t n = rm->nbusy;
  for (size_t i = 0; i < rm->sc->nclients; i++)
    if (rm->clients[i].parked != &run_no_parked)
      n--;
  return n;
}

run_pb *run_pb_new(run_machine *rm, const sim_sc_stmt *st)
{
  int line = st->line, col = st->col;
  /* Blocks in flight, not blocks ever made: a flat file of many sync calls
   * makes a block per call statement but has one in flight at a time. */
  if (rm->nbusy >= RUN_MAX_BLOCKS && run_in_flight(rm) >= RUN_MAX_BLOCKS) {
    run_limit(rm, line, col,
              "more than %u requests in flight, a limit of dmsim; wait for some before "
              "sending more",
              (unsigned)RUN_MAX_BLOCKS);
    return NULL;
  }
  if (SIM_VEC_RESERVE(rm->owned, rm->capowned, rm->nowned + 1, 64) != 0)
    goto oom;
  run_pb *p = calloc(1, sizeof *p);
  if (p == NULL)
    goto oom;
  p->rm = rm;
  p->call = SIZE_MAX;
  if (sim_map_put(&rm->pbmap, (uint64_t)(uintptr_t)&p->pb, rm->nowned + 1) != 0) {
    free(p);
    goto oom;
  }
  rm->owned[rm->nowned++] = p;
  run_pb_hint(rm, p);
  return p;
oom:
  run_limit(rm, line, col, "out of memory for a parameter block");
  return NULL;
}

/* ---- drivers -------------------------------------------------------------- */

/* Resolve a driver source to a spec (desc + entry). Returns 0, or -1 after a
 * message naming file, line and column. */
static int resolve(run_machine *rm, const sim_sc_source *src, dm_driver_spec *spec)
{
  if (src->kind == SIM_SC_SRC_BUILTIN) {
    const dm_builtin *b = dm_builtin_find(src->name);
    if (b == NULL) {
      size_t n;
      const dm_builtin *all = dm_builtin_list(&n);
      char names[256] = "";
      for (size_t i = 0; i < n; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "",
                 all[i].name);
      fprintf(rm->opts->err, "%s:%d:%d: error: unknown built-in driver '%s'; expected one of: %s\n",
              rm->path, src->line, src->col, src->name, names);
      return -1;
    }
    spec->desc = b->desc;
    spec->entry = b->entry;
    return 0;
  }
  /* A relative path is taken from the scenario file's directory. */
  char path[4096], err[600];
  if (src->name[0] == '/') {
    snprintf(path, sizeof path, "%s", src->name);
  } else {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", rm->path);
    snprintf(path, sizeof path, "%s/%s", dirname(dir), src->name);
  }
  if (dm_driver_load_so(path, spec, err, sizeof err) != 0) {
    fprintf(rm->opts->err, "%s:%d:%d: error: %s\n", rm->path, src->line, src->col, err);
    return -1;
  }
  return 0;
}

static void install_task(void *arg)
{
  run_driver *d = arg;
  run_machine *rm = d->rm;
  const sim_sc_driver *sd = &rm->sc->drivers[d->index];
  run_place_set(&rm->place, sd->line, sd->col, "install", "driver", sd->alias);
  rm->installing = d;
  /* (dm_driver_install sets d->ref last, after Initialize: nothing runs
   * between that and run_refs_changed.) */
  OSErr err = dm_driver_install(rm->m, &d->spec, &d->ref);
  run_refs_changed(rm, d);
  rm->installing = NULL;
  if (err == noErr && sd->disable != 0)
    (void)dm_driver_disable(rm->m, d->ref, sd->disable);
  if (err == unitTblFullErr || err == memFullErr) {
    d->ref = 0;
    run_refs_changed(rm, d);
    run_limit(rm, sd->line, sd->col, "driver %s could not be installed: %s (%d)%s", sd->alias,
              dm_err_name(err), err,
              err == unitTblFullErr ? ": the unit table is full (1024 entries)" : "");
  } else if (err != noErr) {
    d->ref = 0;
    run_refs_changed(rm, d);
    const char *name = dm_err_name(err);
    run_fail(rm, sd->line, sd->col, "error: driver %s could not be installed: %s (%d)",
             sd->alias, name ? name : "?", err);
  }
}

static void install_fire(dm_event *ev)
{
  run_driver *d = ev->data;
  dm_machine_run_at(d->rm->m, DM_LVL_TASK, install_task, d);
}

static void life_task(void *arg)
{
  run_life *l = arg;
  run_machine *rm = l->rm;
  const sim_sc_event *se = &rm->sc->events[l->index];
  run_driver *d = &rm->drivers[se->driver];
  run_place_set(&rm->place, se->line, se->col, se->kind == SIM_SC_REMOVE ? "remove" : "replace",
                "driver", rm->sc->drivers[se->driver].alias);
  OSErr err = se->kind == SIM_SC_REMOVE ? dm_driver_remove(rm->m, d->ref, se->immediate)
                                        : dm_driver_replace(rm->m, d->ref, &l->spec);
  if (err < 0) {
    const char *name = dm_err_name(err);
    run_fail(rm, se->line, se->col, "error: %s of driver %s failed: %s (%d)",
             se->kind == SIM_SC_REMOVE ? "remove" : "replace", rm->sc->drivers[se->driver].alias,
             name ? name : "?", err);
  }
}

static void life_fire(dm_event *ev)
{
  run_life *l = ev->data;
  dm_machine_run_at(l->rm->m, DM_LVL_TASK, life_task, l);
}

/* ---- hooks ------------------------------------------------------------------ */

/* The driver a record names: by refNum, or the one being installed. */
static run_driver *driver_of(run_machine *rm, int16_t ref)
{
  for (size_t i = 0; ref != 0 && i < rm->sc->ndrivers; i++)
    if (rm->drivers[i].ref == ref)
      return &rm->drivers[i];
  return rm->installing;
}

/* Keeps what `expect sent` and `expect flags` look at. */
static void record(run_machine *rm, const dm_trace_rec *r)
{
  if (r->ev != DM_EV_DISPATCH && r->ev != DM_EV_FLAGS)
    return;
  run_driver *d = driver_of(rm, r->ref);
  if (d == NULL)
    return;
  if (r->ev == DM_EV_DISPATCH) {
    if (SIM_VEC_RESERVE(d->sent, d->capsent, d->nsent + 1, 16) == 0)
      d->sent[d->nsent++] = (sim_sc_sent){ r->code, r->mode };
  } else {
    if (SIM_VEC_RESERVE(d->flags, d->capflags, d->nflags + 1, 16) == 0)
      d->flags[d->nflags++] = (run_flags_at){ r->t, r->flags };
  }
}

/* Only with --trace, a record hook (the viewer's) or expectations that
 * need records: the run's own figures (the summary, `expect count`) come
 * from the machine's counts, so another run installs no hook. */
static void on_trace(void *ctx, const dm_trace_rec *r)
{
  run_machine *rm = ctx;
  if (rm->trace != NULL)
    sim_trace_record(rm->trace, r);
  if (rm->opts->record != NULL)
    rm->opts->record(rm->opts->record_ctx, r);
  if (rm->records)
    record(rm, r);
}

/* The counts of driver d (zeros while it is not installed). */
static const dm_counts *driver_counts(const run_machine *rm, const run_driver *d)
{
  static const dm_counts none;
  const dm_counts *c = d->ref != 0 ? dm_machine_counts(rm->m, d->ref) : NULL;
  return c != NULL ? c : &none;
}

static void on_violation(void *ctx, const dm_violation *v)
{
  run_machine *rm = ctx;
  rm->violations++;
  /* A driver that breaks a rule in a loop is told about a few times, then
   * counted: the summary and the exit status still say how often. */
  uint32_t n = dm_machine_rule_count(rm->m, v->rule);
  if (n > RUN_VIOLATIONS_SHOWN)
    return;
  char t[40], detail[1024];
  snprintf(t, sizeof t, "%" PRIu64 ".%06" PRIu64 " ms", v->t / 1000000u, v->t % 1000000u);
  /* Details carry driver names: bytes a driver chose, shown escaped. */
  sim_escape(detail, sizeof detail, v->detail, SIZE_MAX);
  fprintf(rm->opts->err, "dmsim: %s %s at %s (%s level, refNum %d): %s\n  %s\n",
          v->warning ? "warning: rule" : "violation:", v->id, t, dm_level_name(v->lvl), v->ref,
          v->text, detail);
  if (n == RUN_VIOLATIONS_SHOWN)
    fprintf(rm->opts->err, "dmsim: further violations of %s are counted, not shown\n", v->id);
}

/* ---- expectations -------------------------------------------------------------- */

static const char *call_label(const run_machine *rm, size_t ci, char *buf, size_t len)
{
  const char *name = sim_sc_call_name(rm->sc, ci);
  if (name[0])
    snprintf(buf, len, "%s", name);
  else
    snprintf(buf, len, "the %s at line %d", sim_sc_op_name(sim_sc_call_shape(rm->sc, ci)->op),
             rm->sc->calls[ci].line);
  return buf;
}

static const char *errname(int16_t e, char *buf, size_t len)
{
  const char *n = dm_err_name(e);
  if (n != NULL)
    snprintf(buf, len, "%s (%d)", n, e);
  else
    snprintf(buf, len, "%d", e);
  return buf;
}

static int ev_of(sim_sc_evkind k)
{
  static const int map[] = {
    [SIM_SC_EV_CALL] = DM_EV_CALL,         [SIM_SC_EV_REJECT] = DM_EV_REJECT,
    [SIM_SC_EV_ENQUEUE] = DM_EV_ENQUEUE,   [SIM_SC_EV_DISPATCH] = DM_EV_DISPATCH,
    [SIM_SC_EV_COMPLETE] = DM_EV_COMPLETE, [SIM_SC_EV_CALLBACK] = DM_EV_CALLBACK,
    [SIM_SC_EV_DONE] = DM_EV_DONE,         [SIM_SC_EV_VIOLATION] = DM_EV_VIOLATION,
    [SIM_SC_EV_WARNING] = DM_EV_WARNING,
  };
  return map[k];
}

/* "read.async" for one command sent. */
static void sent_name(const sim_sc_sent *one, char *buf, size_t len)
{
  if (one->kind != 0)
    snprintf(buf, len, "%s.%s", dm_code_name(one->code), dm_mode_name(one->kind));
  else
    snprintf(buf, len, "%s", dm_code_name(one->code));
}

/* expect sent / expect flags: msg stays empty when it holds. */
static void check_driver_expect(run_machine *rm, const sim_sc_expect *x, char *msg, size_t len)
{
  const run_driver *d = &rm->drivers[x->driver];
  const char *alias = rm->sc->drivers[x->driver].alias;
  char one[40];
  if (x->kind == SIM_SC_EX_SENT) {
    size_t i = 0;
    while (i < x->nsent && i < d->nsent && d->sent[i].code == x->sent[i].code &&
           (x->sent[i].kind == 0 || d->sent[i].kind == x->sent[i].kind))
      i++;
    if (i == x->nsent && i == d->nsent)
      return;
    size_t n = (size_t)snprintf(msg, len, "%s was sent", alias);
    for (size_t k = 0; k < d->nsent && n < len; k++) {
      sent_name(&d->sent[k], one, sizeof one);
      n += (size_t)snprintf(msg + n, len - n, " %s", one);
    }
    if (d->nsent == 0 && n < len)
      n += (size_t)snprintf(msg + n, len - n, " nothing");
    if (n < len) {
      if (i < x->nsent)
        sent_name(&x->sent[i], one, sizeof one);
      snprintf(msg + n, len - n, "; command %zu %s %s", i + 1,
               i < x->nsent ? "should be" : "was not expected", i < x->nsent ? one : "");
    }
    return;
  }
  const run_flags_at *at = NULL;
  for (size_t i = 0; i < d->nflags && d->flags[i].t <= x->ns; i++)
    at = &d->flags[i];
  char t[40];
  snprintf(t, sizeof t, "%" PRIu64 ".%06" PRIu64 " ms", x->ns / 1000000u, x->ns % 1000000u);
  if (at == NULL) {
    snprintf(msg, len, "%s was not installed at %s", alias, t);
    return;
  }
  uint16_t missing = (uint16_t)(x->has & ~at->flags), extra = (uint16_t)(x->lacks & at->flags);
  if (missing | extra)
    snprintf(msg, len, "%s's dCtlFlags at %s were 0x%04X: %s 0x%04X", alias, t, at->flags,
             missing ? "missing" : "unexpected", missing ? missing : extra);
}

/* Check one expectation; prints why when it fails. Returns 1 when it holds. */
static int check_expect(run_machine *rm, const sim_sc_expect *x)
{
  char a[96], b[96], e1[48], e2[48], msg[400] = "";
  const run_call *c = x->call != SIM_SC_NONE ? &rm->calls[x->call] : NULL;
  switch (x->kind) {
  case SIM_SC_EX_RESULT:
    if (!c->done)
      snprintf(msg, sizeof msg, "%s never completed", call_label(rm, x->call, a, sizeof a));
    else if (c->result != x->result)
      snprintf(msg, sizeof msg, "%s completed with %s, expected %s",
               call_label(rm, x->call, a, sizeof a), errname(c->result, e1, sizeof e1),
               errname(x->result, e2, sizeof e2));
    break;
  case SIM_SC_EX_ORDER:
    for (size_t i = 0; i < x->norder && !msg[0]; i++) {
      const run_call *ci = &rm->calls[x->order[i]];
      if (!ci->done)
        snprintf(msg, sizeof msg, "%s never completed", call_label(rm, x->order[i], a, sizeof a));
      else if (i > 0 && rm->calls[x->order[i - 1]].order > ci->order)
        snprintf(msg, sizeof msg, "%s completed before %s",
                 call_label(rm, x->order[i], a, sizeof a),
                 call_label(rm, x->order[i - 1], b, sizeof b));
    }
    break;
  case SIM_SC_EX_COUNT: {
    int ev = ev_of(x->ev);
    uint64_t n = x->driver == SIM_SC_NONE ? dm_machine_counts(rm->m, 0)->ev[ev]
                                         : driver_counts(rm, &rm->drivers[x->driver])->ev[ev];
    if (n != x->count)
      snprintf(msg, sizeof msg, "%" PRIu64 " %s event(s)%s%s, expected %" PRIu64, n,
               sim_sc_evkind_name(x->ev), x->driver == SIM_SC_NONE ? "" : " on ",
               x->driver == SIM_SC_NONE ? "" : rm->sc->drivers[x->driver].alias, x->count);
    break;
  }
  case SIM_SC_EX_VIOLATION:
    if (dm_machine_rule_count(rm->m, x->rule) == 0)
      snprintf(msg, sizeof msg, "rule %s was expected to be broken, and was not",
               dm_rule_id(x->rule));
    break;
  case SIM_SC_EX_NO_VIOLATION:
    if (x->rule == DM_RULE_COUNT && dm_machine_violations(rm->m) > 0)
      snprintf(msg, sizeof msg, "%u violation(s) reported, expected none",
               (unsigned)dm_machine_violations(rm->m));
    else if (x->rule != DM_RULE_COUNT && dm_machine_rule_count(rm->m, x->rule) > 0)
      snprintf(msg, sizeof msg, "rule %s was broken %u time(s)", dm_rule_id(x->rule),
               (unsigned)dm_machine_rule_count(rm->m, x->rule));
    break;
  case SIM_SC_EX_DATA: {
    const run_call *w = &rm->calls[x->call2];
    const sim_sc_shape *rs = sim_sc_call_shape(rm->sc, x->call);
    const sim_sc_shape *ws = sim_sc_call_shape(rm->sc, x->call2);
    if (!c->done || !w->done || c->pb == NULL || w->pb == NULL)
      snprintf(msg, sizeof msg, "%s or %s never completed", call_label(rm, x->call, a, sizeof a),
               call_label(rm, x->call2, b, sizeof b));
    else if (c->pb->pb.ioParam.ioActCount != (long)ws->size || rs->size != ws->size)
      /* Each call's own count and result: a refused write moved nothing. */
      snprintf(msg, sizeof msg,
               "%s read %ld of %" PRIu64 " byte(s) (%s), %s wrote %ld of %" PRIu64 " (%s)",
               call_label(rm, x->call, a, sizeof a), c->pb->pb.ioParam.ioActCount, rs->size,
               errname(c->pb->pb.ioParam.ioResult, e1, sizeof e1),
               call_label(rm, x->call2, b, sizeof b), w->pb->pb.ioParam.ioActCount, ws->size,
               errname(w->pb->pb.ioParam.ioResult, e2, sizeof e2));
    else if (ws->size > 0 && memcmp(c->pb->buf, w->pb->buf, (size_t)ws->size) != 0) {
      size_t k = 0;
      while (c->pb->buf[k] == w->pb->buf[k])
        k++;
      snprintf(msg, sizeof msg, "bytes differ from offset %zu: read 0x%02x, written 0x%02x", k,
               c->pb->buf[k], w->pb->buf[k]);
    }
    break;
  }
  case SIM_SC_EX_UNFINISHED:
    if (!rm->unfinished)
      snprintf(msg, sizeof msg, "the run was expected to end with work unfinished; "
                                "everything finished");
    break;
  case SIM_SC_EX_TIME:
    if (!c->done)
      snprintf(msg, sizeof msg, "%s never completed", call_label(rm, x->call, a, sizeof a));
    else if (x->cmp == SIM_SC_LE ? c->t_done > x->ns : c->t_done < x->ns)
      snprintf(msg, sizeof msg, "%s completed at %" PRIu64 " ns, expected %s %" PRIu64 " ns",
               call_label(rm, x->call, a, sizeof a), c->t_done, x->cmp == SIM_SC_LE ? "<=" : ">=",
               x->ns);
    break;
  case SIM_SC_EX_SENT:
  case SIM_SC_EX_FLAGS:
    check_driver_expect(rm, x, msg, sizeof msg);
    break;
  case SIM_SC_EX_LEVEL:
    if (!c->done)
      snprintf(msg, sizeof msg, "%s never completed", call_label(rm, x->call, a, sizeof a));
    else if (c->level != x->level)
      snprintf(msg, sizeof msg, "%s completed at %s level, expected %s",
               call_label(rm, x->call, a, sizeof a), dm_level_name((unsigned)c->level),
               dm_level_name((unsigned)x->level));
    break;
  case SIM_SC_EX_PARAM:
    if (!c->done || c->pb == NULL)
      snprintf(msg, sizeof msg, "%s never completed", call_label(rm, x->call, a, sizeof a));
    else if (memcmp(c->pb->pb.cntrlParam.csParam, x->csparam, x->ncsparam) != 0) {
      const uint8_t *got = (const uint8_t *)c->pb->pb.cntrlParam.csParam;
      size_t k = 0;
      while (got[k] == x->csparam[k])
        k++;
      snprintf(msg, sizeof msg, "%s's csParam byte %zu is 0x%02x, expected 0x%02x",
               call_label(rm, x->call, a, sizeof a), k, got[k], x->csparam[k]);
    }
    break;
  }
  if (!msg[0])
    return 1;
  fprintf(rm->opts->err, "%s:%d:%d: expectation failed: %s\n", rm->path, x->line, x->col, msg);
  return 0;
}

/* Requests still in flight and removes or replaces still waiting when the
 * machine ran dry: each reported once. Returns how many. */
static int report_unfinished(run_machine *rm)
{
  int n = 0;
  for (size_t i = 0; i < rm->nowned; i++) {
    const run_pb *p = rm->owned[i];
    if (!p->busy || p->call == SIZE_MAX)
      continue;
    int line = p->st->line, col = p->st->col;
    const sim_sc_shape *c = p->shape;
    if (n++ < RUN_VIOLATIONS_SHOWN)
      fprintf(rm->opts->err, "%s:%d:%d: unfinished: the %s %s of client %s is still in flight "
                             "at the end of the run\n",
              rm->path, line, col, sim_sc_mode_name(c->mode), sim_sc_op_name(c->op),
              rm->sc->clients[c->client].name);
  }
  uint32_t all = dm_machine_inflight(rm->m);
  if (all > (uint32_t)n) {
    fprintf(rm->opts->err, "%s: unfinished: %u request(s) of drivers' own still in flight at "
                           "the end of the run\n", rm->path, (unsigned)(all - (uint32_t)n));
    n += (int)(all - (uint32_t)n);
  }
  for (size_t i = 0; i < rm->sc->nevents; i++) {
    const sim_sc_event *se = &rm->sc->events[i];
    const run_driver *d = &rm->drivers[se->driver];
    int pending = d->ref != 0 ? dm_driver_pending(rm->m, d->ref) : 0;
    if (pending == 0 || rm->life[i].reported)
      continue;
    rm->life[i].reported = 1;
    for (size_t k = 0; k < rm->sc->nevents; k++) /* one line per driver */
      if (rm->sc->events[k].driver == se->driver)
        rm->life[k].reported = 1;
    fprintf(rm->opts->err, "%s:%d:%d: unfinished: the %s of driver %s still waits for the "
                           "driver to go idle at the end of the run\n",
            rm->path, se->line, se->col, pending == 1 ? "remove" : "replace",
            rm->sc->drivers[se->driver].alias);
    n++;
  }
  rm->unfinished = n;
  return n;
}

/* Rules broken without an `expect violation` fail the run. */
static int check_rules(run_machine *rm)
{
  int ok = 1;
  for (unsigned r = 0; r < DM_RULE_COUNT; r++) {
    uint32_t n = dm_machine_rule_count(rm->m, (dm_rule)r);
    if (n == 0)
      continue;
    int expected = 0;
    for (size_t i = 0; i < rm->sc->nexpects; i++)
      if (rm->sc->expects[i].kind == SIM_SC_EX_VIOLATION && rm->sc->expects[i].rule == (dm_rule)r)
        expected = 1;
    if (!expected && !rm->opts->permissive) {
      fprintf(rm->opts->err, "%s: rule %s was broken %u time(s) (%s)\n", rm->path,
              dm_rule_id((dm_rule)r), (unsigned)n, dm_rule_text((dm_rule)r));
      ok = 0;
    }
  }
  return ok;
}

/* part / whole in tenths of a per cent, rounded down as for short times,
 * 0 when whole is 0, at most 1000; exact for any 64-bit times (part *
 * 1,000 in 128 bits: in 64 it wraps past about 213 days of busy time in
 * ns). */
static unsigned permille(uint64_t part, uint64_t whole)
{
  if (whole == 0)
    return 0;
  if (part >= whole)
    return 1000;
  return (unsigned)((unsigned __int128)part * 1000u / whole);
}

static void summary(run_machine *rm, int expects_ok, size_t nexp)
{
  FILE *o = rm->opts->out;
  uint64_t end = sim_world_now(&rm->w);
  fprintf(o, "machine %s: ran to %" PRIu64 ".%06" PRIu64 " ms of simulated time\n", rm->sc->name,
          end / 1000000u, end % 1000000u);
  fprintf(o, "  %-12s %-12s %6s %9s %14s %14s %6s\n", "driver", "name", "refNum", "requests",
          "mean wait", "max wait", "util");
  for (size_t i = 0; i < rm->sc->ndrivers; i++) {
    const run_driver *d = &rm->drivers[i];
    const char *raw = d->ref ? dm_driver_name(rm->m, d->ref) : NULL;
    char esc[128]; /* a driver's name may hold control codes: escaped */
    const char *name = raw != NULL ? sim_escape(esc, sizeof esc, raw, SIZE_MAX) : NULL;
    const dm_counts *c = driver_counts(rm, d);
    /* (The sum of waits in 128 bits: it passes 2^64 ns with long waits;
     * the mean, at most the longest wait, fits in 64.) */
    unsigned __int128 waits = (unsigned __int128)c->wait_sum_hi << 64 | c->wait_sum;
    uint64_t mean = c->requests ? (uint64_t)(waits / c->requests) : 0;
    unsigned util = permille(c->busy_ns, end);
    fprintf(o, "  %-12s %-12s %6d %9" PRIu64 " %11" PRIu64 " ns %11" PRIu64 " ns %3u.%u%%\n",
            rm->sc->drivers[i].alias, name ? name : "(removed)", d->ref, c->requests, mean,
            c->wait_max, util / 10, util % 10);
  }
  fprintf(o, "  violations: %u", (unsigned)dm_machine_violations(rm->m));
  for (unsigned r = 0; r < DM_RULE_COUNT; r++)
    if (dm_machine_rule_count(rm->m, (dm_rule)r) > 0)
      fprintf(o, " %s=%u", dm_rule_id((dm_rule)r),
              (unsigned)dm_machine_rule_count(rm->m, (dm_rule)r));
  fprintf(o, "\n  expectations: %zu, %s\n", nexp, expects_ok ? "all held" : "some failed");
}

/* ---- one machine ------------------------------------------------------------------ */

static void machine_free(run_machine *rm)
{
  run_scsi_free(rm);
  run_scsibus_free(rm);
  for (size_t i = 0; rm->hw != NULL && i < rm->sc->nhardware; i++)
    sim_hw_free(rm->hw[i]);
  if (rm->m != NULL)
    dm_machine_free(rm->m);
  for (size_t i = 0; i < rm->nowned; i++) {
    free(rm->owned[i]->buf);
    free(rm->owned[i]);
  }
  free(rm->owned);
  sim_map_free(&rm->pbmap);
  free(rm->hw);
  for (size_t i = 0; rm->drivers != NULL && i < rm->sc->ndrivers; i++) {
    free(rm->drivers[i].sent);
    free(rm->drivers[i].flags);
  }
  free(rm->drivers);
  free(rm->life);
  free(rm->clients);
  free(rm->calls);
  free(rm->pbs);
  sim_world_free(&rm->w);
}

static uint64_t mix_seed(uint64_t seed, size_t machine, size_t hw)
{
  uint64_t x = seed ^ (0x9E3779B97F4A7C15ull * (machine + 1)) ^ (0xBF58476D1CE4E5B9ull * (hw + 1));
  x ^= x >> 31;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 29);
}

/* An event past the budget of its instant (sim_world_step_spent), with or
 * without --realtime. Does not return. */
static void on_event_overrun(void *ctx)
{
  run_step_overrun(ctx, RUN_STEP_EVENT, NULL);
}

/* Run every event, as fast as possible, with the watchdog counting them
 * when watched (a step limit is set), until none is left or a limit of the
 * input is hit. Inline in run_fast, once each way. */
static inline __attribute__((always_inline)) uint64_t run_events_loop(run_machine *rm,
                                                                     int watched)
{
  uint64_t ran = 0;
  for (;;) {
    /* Every RUN_EVENTS_CHECKED events the trace's size is looked at, and
     * at RUN_MAX_EVENTS the run ends: the loop counts down the events of
     * its chunk (a decrement and the jump on its result), and a limit hit
     * zeroes that count (run_limit), so that the one test also stops it
     * at once. */
    int64_t chunk = RUN_MAX_EVENTS - ran > RUN_EVENTS_CHECKED ? (int64_t)RUN_EVENTS_CHECKED
                                                              : (int64_t)(RUN_MAX_EVENTS - ran);
    rm->look_in = chunk - 1;
    do {
      run_client *c = rm->next_step;
      if (c != NULL) {
        /* A client's step woken directly (client.c, done_lean): the next
         * event, due now or earlier, so the clock stays and the step is
         * spent from the current instant, as sim_world_step_spent spends
         * a task-level event's, by the client's step with its own
         * (run_client_step_woken). */
        rm->next_step = NULL;
        if (watched)
          run_client_step_woken(c);
        else
          run_client_step_woken_uncounted(c);
      } else if (watched ? sim_world_step_spent(&rm->w, on_event_overrun, rm) == 0
                         : !sim_world_step(&rm->w)) {
        /* (watched: an event's step is spent from the instant it runs at,
         * once the clock has moved to it.) */
        return ran + (uint64_t)(chunk - 1 - rm->look_in);
      }
    } while (--rm->look_in >= 0);
    ran += (uint64_t)chunk; /* (after a limit hit, no count: none is needed) */
    if (rm->limit || ran == RUN_MAX_EVENTS)
      return ran;
    if (rm->tracef != NULL && rm->opts->trace_limit != 0) {
      off_t at = ftello(rm->tracef);
      if (at >= 0 && (uint64_t)at > rm->opts->trace_limit) {
        run_limit(rm, rm->sc->line, rm->sc->col,
                  "the trace %s is larger than %llu MiB (--trace-limit); the run stops here",
                  rm->opts->trace_path,
                  (unsigned long long)(rm->opts->trace_limit >> 20));
        return ran;
      }
    }
  }
}

/* run_events_loop with direct wakes allowed (run_machine.next_step) while
 * it runs: a client whose step is still to run when it stops (a limit) is
 * armed as a wake would have armed it, so that every event is in the
 * world's queues again. */
static inline __attribute__((always_inline)) uint64_t run_events(run_machine *rm, int watched)
{
  if (rm->limit)
    return 0;
  rm->next_step = NULL;
  uint64_t ran = run_events_loop(rm, watched);
  run_client *c = rm->next_step;
  if (c != NULL)
    sim_world_arm_task_now(&rm->w, &c->ev);
  rm->next_step = &run_steps_queued;
  return ran;
}

/* Run every event: without a step limit (--max-steps 0) no event can be
 * past it, and none is counted. */
static uint64_t run_fast(run_machine *rm)
{
  return rm->opts->max_steps != 0 ? run_events(rm, 1) : run_events(rm, 0);
}

/* A device's completion armed past the clock's end (sim_world_arm_irq_in,
 * or a SCSI command's latency: ev NULL): the run stops there, with the
 * hardware statement to blame when there is one, rather than let the
 * service end sooner than drawn. */
static void on_past_end(void *ctx, const dm_event *ev, uint64_t after)
{
  run_machine *rm = ctx;
  const sim_sc_hardware *h = NULL;
  for (size_t i = 0; i < rm->sc->nhardware && h == NULL && ev != NULL; i++)
    if (ev->data == rm->hw[i])
      h = &rm->sc->hardware[i];
  uint64_t now = sim_world_now(&rm->w);
  char took[32]; /* (a SCSI command's latency and transfer past 2^64-1 ns come as
                    UINT64_MAX: sim_scsi_submit cannot give more) */
  if (h == NULL && after == UINT64_MAX)
    snprintf(took, sizeof took, "2^64-1 ns or more");
  else
    snprintf(took, sizeof took, "%" PRIu64 " ns", after);
  run_limit(rm, h != NULL ? h->line : rm->sc->line, h != NULL ? h->col : rm->sc->col,
            "simulated time overflows: %s%s%s of %s starting at %" PRIu64
            " ns would end past 2^64-1 ns (about 584 years); the run stops here",
            h != NULL ? "hardware " : "", h != NULL ? h->name : "",
            h != NULL ? ": a service" : "a SCSI command's latency", took, now);
}

/* A secondary interrupt handler or timer past the budget of the instant:
 * the Device Manager spends the world's budget itself (cfg.steps) and calls
 * this at the step one too many. */
static void on_sih_overrun(void *ctx)
{
  run_step_overrun(ctx, RUN_STEP_SIH, NULL);
}


/* Returns 0 ok, 1 failed, 2 cannot run, RUN_LIMITED stopped by a limit of the
 * input, SIM_RUN_INTERRUPTED(sig) stopped by a
 * signal in real-time mode. */
static int run_machine_once(const sim_scenario *sc, size_t mi, const sim_run_opts *opts,
                            FILE *tracef,
                            sim_trace *trace, uint64_t seed)
{
  const sim_sc_machine *m = &sc->machines[mi];
  run_machine rm;
  memset(&rm, 0, sizeof rm);
  rm.next_step = &run_steps_queued;
  rm.sc = m;
  rm.opts = opts;
  rm.path = sc->path;
  rm.trace = trace;
  rm.tracef = tracef;
  int status = 2;
  if (sim_world_init(&rm.w) != 0)
    goto oom;
  rm.hw = calloc(m->nhardware + 1, sizeof *rm.hw);
  rm.drivers = calloc(m->ndrivers + 1, sizeof *rm.drivers);
  rm.life = calloc(m->nevents + 1, sizeof *rm.life);
  rm.clients = calloc(m->nclients + 1, sizeof *rm.clients);
  rm.calls = calloc(m->ncalls + 1, sizeof *rm.calls);
  rm.pbs = calloc(m->npbs + 1, sizeof *rm.pbs);
  if (!rm.hw || !rm.drivers || !rm.life || !rm.clients || !rm.calls || !rm.pbs)
    goto oom;

  /* Resolve every driver source before anything runs. */
  for (size_t i = 0; i < m->ndrivers; i++) {
    const sim_sc_driver *sd = &m->drivers[i];
    run_driver *d = &rm.drivers[i];
    d->rm = &rm;
    d->index = i;
    if (resolve(&rm, &sd->src, &d->spec) != 0)
      goto out;
    d->spec.unit = sd->unit;
    if (sd->has_runtime) {
      d->spec.has_runtime = 1;
      d->spec.runtime = (d->spec.desc->driverOSRuntimeInfo.driverRuntime &
                         ~(uint32_t)(kDriverIsConcurrent | kDriverQueuesIOPB)) |
                        sd->runtime;
    }
  }
  for (size_t i = 0; i < m->nevents; i++) {
    rm.life[i].rm = &rm;
    rm.life[i].index = i;
    if (m->events[i].kind == SIM_SC_REPLACE) {
      if (resolve(&rm, &m->events[i].with, &rm.life[i].spec) != 0)
        goto out;
      rm.life[i].spec.unit = -1;
    }
  }

  dm_machine_config cfg = { 0 };
  cfg.platform = sim_world_platform(&rm.w);
  cfg.platform.hw_start = sim_hw_platform_start;
  cfg.platform.hw_prefetch = sim_hw_platform_prefetch;
  sim_stack_platform(&cfg.platform);
  cfg.check = opts->permissive ? DM_CHECK_PERMISSIVE : DM_CHECK_STRICT;
  for (size_t i = 0; i < m->nexpects; i++)
    if (m->expects[i].kind == SIM_SC_EX_SENT || m->expects[i].kind == SIM_SC_EX_FLAGS)
      rm.records = 1;
  cfg.trace = trace != NULL || opts->record != NULL || rm.records ? on_trace : NULL;
  rm.traced = cfg.trace != NULL;
  cfg.trace_ctx = &rm;
  cfg.count = 1;
  cfg.violation = on_violation;
  cfg.violation_ctx = &rm;
  cfg.pb_done = run_pb_done;
  cfg.pb_done_ctx = &rm;
  /* The Device Manager spends the instant's budget of steps itself, one a
   * handler; without a step limit (--max-steps 0) no step can be past it,
   * and it has none. */
  cfg.steps = opts->max_steps != 0 ? sim_world_step_budget_left(&rm.w) : NULL;
  cfg.sih_step = on_sih_overrun;
  cfg.sih_step_ctx = &rm;
  rm.m = dm_machine_new(&cfg);
  if (rm.m == NULL)
    goto oom;
  rm.rejects = &dm_machine_counts(rm.m, 0)->ev[DM_EV_REJECT];
  sim_world_set_step_budget(&rm.w, opts->max_steps != 0 ? opts->max_steps : UINT64_MAX);
  rm.w.past_end = on_past_end;
  rm.w.past_end_ctx = &rm;
  for (size_t i = 0; i < m->nhardware; i++) {
    const sim_sc_hardware *h = &m->hardware[i];
    sim_hw_model model = { 0 };
    model.kind = h->dist == SIM_SC_FIXED     ? SIM_HW_FIXED
               : h->dist == SIM_SC_UNIFORM   ? SIM_HW_UNIFORM
                                             : SIM_HW_EXPONENTIAL;
    model.a = h->lo;
    model.b = h->hi;
    rm.hw[i] = sim_hw_new(&rm.w, rm.m, h->name, &model, h->channels, mix_seed(seed, mi, i));
    if (rm.hw[i] == NULL)
      goto oom;
  }
  for (size_t i = 0; i < m->ndrivers; i++) {
    size_t hi = m->drivers[i].hardware;
    if (hi != SIM_SC_NONE)
      memcpy(&rm.drivers[i].spec.device, &rm.hw[hi], sizeof rm.hw[hi]);
  }
  if ((status = run_scsi_setup(&rm, seed)) != 0)
    goto out;
  status = 2;
  for (size_t i = 0; i < m->nevents; i++) {
    size_t di = m->events[i].driver;
    rm.life[i].spec.device = rm.drivers[di].spec.device;
  }
  if (trace != NULL)
    sim_trace_set_machine(trace, m->name, (int)mi);
  if (opts->machine_start != NULL)
    opts->machine_start(opts->record_ctx, m->name, (int)mi);

  /* Arm everything in file order: equal times keep this order. */
  for (size_t i = 0; i < m->ndrivers; i++) {
    dm_event_init(&rm.drivers[i].ev, install_fire, &rm.drivers[i], DM_LVL_TASK);
    rm.drivers[i].ev.t = m->drivers[i].at;
    sim_world_arm(&rm.w, &rm.drivers[i].ev);
  }
  for (size_t i = 0; i < m->nevents; i++) {
    dm_event_init(&rm.life[i].ev, life_fire, &rm.life[i], DM_LVL_TASK);
    rm.life[i].ev.t = m->events[i].at;
    sim_world_arm(&rm.w, &rm.life[i].ev);
  }
  if (run_scsibus_setup(&rm, seed, mi) != 0)
    goto out;
  run_client_entries(&rm);
  for (size_t i = 0; i < m->nclients; i++)
    run_client_start(&rm, i);

  run_guard_machine(&rm);
  uint64_t ran;
  if (opts->realtime > 0) {
    sim_rt rt;
    if (sim_rt_init(&rt, &rm.w) != 0)
      goto oom;
    /* Image bytes move on libuv's thread pool while the run is paced. */
    sim_disk_io io = sim_rt_file_io(&rt);
    run_scsi_set_io(&rm, &io);
    run_scsibus_set_io(&rm, &io);
    if (opts->max_steps != 0) {
      rt.overrun = on_event_overrun;
      rt.overrun_ctx = &rm;
    }
    dm_machine *prev = dm_machine_enter(rm.m); /* (current for the whole loop, as below) */
    rm.rt = rm.limit ? NULL : &rt; /* (a limit hit before the loop: nothing to run) */
    ran = rm.limit ? 0 : sim_rt_run(&rt, opts->realtime, RUN_MAX_EVENTS);
    rm.rt = NULL;
    dm_machine_leave(prev);
    int sig = sim_rt_stop_signal(&rt);
    run_scsi_set_io(&rm, NULL);
    run_scsibus_set_io(&rm, NULL);
    sim_rt_close(&rt);
    if (sig != 0) {
      run_guard_machine(NULL);
      uint64_t t = sim_world_now(&rm.w);
      fprintf(opts->err,
              "dmsim: machine %s stopped by %s at %" PRIu64 ".%06" PRIu64
              " ms of simulated time; expectations not checked\n",
              m->name, sig == SIGINT ? "SIGINT" : "SIGTERM", t / 1000000u, t % 1000000u);
      status = SIM_RUN_INTERRUPTED(sig);
      goto out;
    }
  } else {
    /* The machine is current for the whole event loop, so that a client's
     * step runs without entering it (client.c, run_client_step). */
    dm_machine *prev = dm_machine_enter(rm.m);
    ran = run_fast(&rm);
    dm_machine_leave(prev);
  }
  run_guard_machine(NULL);
  if (ran >= RUN_MAX_EVENTS)
    run_limit(&rm, m->line, m->col, "machine %s stopped after %llu events, a limit of dmsim",
              m->name, (unsigned long long)RUN_MAX_EVENTS);
  if (rm.limit) {
    status = RUN_LIMITED; /* a limit of the input: nothing after it means anything */
    goto out;
  }
  run_clients_check_hung(&rm);
  int unfinished = report_unfinished(&rm);

  int expects_ok = 1;
  for (size_t i = 0; i < m->nexpects; i++)
    expects_ok &= check_expect(&rm, &m->expects[i]);
  expects_ok &= run_scsibus_check(&rm);
  int rules_ok = check_rules(&rm);
  if (!opts->quiet) {
    summary(&rm, expects_ok, m->nexpects + (m->scsi ? m->scsi->nexpects : 0));
    run_scsibus_summary(&rm, opts->out);
  }
  int unfinished_ok = !unfinished;
  for (size_t i = 0; i < m->nexpects; i++)
    if (m->expects[i].kind == SIM_SC_EX_UNFINISHED)
      unfinished_ok = 1;
  if (!unfinished_ok)
    fprintf(opts->err, "%s: the run ended with work unfinished (above); a scenario that means "
                       "to leave it says `expect unfinished`\n", sc->path);
  status = expects_ok && rules_ok && unfinished_ok && !rm.failed ? 0 : 1;
  goto out;
oom:
  fprintf(opts->err, "%s: error: out of memory setting up machine %s\n", sc->path, m->name);
out:
  machine_free(&rm);
  return status;
}

int sim_run(const sim_scenario *sc, const sim_run_opts *opts)
{
  sim_outfile tf;
  sim_trace *trace = NULL;
  if (opts->trace_path != NULL) {
    if (sim_outfile_open(&tf, opts->trace_path) != 0) {
      fprintf(opts->err, "dmsim: --trace %s: cannot open for writing: %s\n", opts->trace_path,
              strerror(errno));
      return 2;
    }
    trace = sim_trace_open(tf.f, opts->trace_format);
    if (trace != NULL && sc->nmachines > 1)
      sim_trace_name_machines(trace);
    if (trace == NULL) {
      sim_outfile_abort(&tf);
      fprintf(opts->err, "dmsim: --trace %s: out of memory\n", opts->trace_path);
      return 2;
    }
  }
  if (run_guard_begin(opts, trace, opts->trace_path != NULL ? &tf : NULL) != 0) {
    fprintf(opts->err, "dmsim: cannot install the fault handlers: %s\n", strerror(errno));
    if (trace != NULL) {
      sim_trace_close(trace);
      sim_outfile_abort(&tf);
    }
    return 2;
  }
  uint64_t seed = opts->has_seed ? opts->seed : sc->has_seed ? sc->seed : 1;
  int status = 0, limited = 0;
  for (size_t i = 0; i < sc->nmachines && status < 2; i++) {
    int s = run_machine_once(sc, i, opts, trace != NULL ? tf.f : NULL, trace, seed);
    if (s == RUN_LIMITED) {
      limited = 1;
      s = 2;
    }
    if (s > status)
      status = s;
  }
  run_guard_end();
  if (trace == NULL)
    return status;
  int werr = sim_trace_close(trace) != 0;
  int werrno = errno;
  /* A run refused (status 2) leaves no trace behind; one stopped by a limit
   * of its input keeps what it wrote up to there. */
  if (status == 2 && !limited) {
    sim_outfile_abort(&tf);
  } else if ((errno = 0, sim_outfile_commit(&tf) != 0) || werr) {
    /* What was written before a write failed (a full disk) is kept. */
    fprintf(opts->err, "dmsim: --trace %s: write failed: %s\n", opts->trace_path,
            strerror(werr ? werrno : errno ? errno : EIO));
    status = status ? status : 1;
  }
  return status;
}
