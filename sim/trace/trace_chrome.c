/*
 * sim/trace/trace_chrome.c - the chrome trace format: Chrome trace JSON that
 * ui.perfetto.dev and chrome://tracing open.
 *
 * The file is one JSON document, {"traceEvents":[...],"displayTimeUnit":"ns"},
 * one event per line. ts is simulated time in microseconds, printed from the
 * integer nanoseconds as "%llu.%03llu" (exact, no floating point).
 *  - One pid per machine (machine index + 1), named by a process_name event.
 *  - One tid per driver (driver-table index + 1, so in order of first
 *    appearance), named by a thread_name event from its install record,
 *    e.g. ".Null (-49)"; the records that name no driver go to a track
 *    called "Device Manager".
 *  - One async slice (ph b/e, cat "io") per request, from its call (or its
 *    dispatch, for commands with no call such as initialize) to its
 *    complete, or to its reject or done when no complete came first. Its id
 *    is {"id2":{"local":"0x" + the hex of a per-slice serial}}: unique for
 *    the whole trace (a reused PB starts a fresh slice) and scoped to the
 *    machine's process. The outer slice is named with the driver's label,
 *    e.g. ".Null (-49)", and carries the result at its end; inside it, a
 *    slice named for the request, "read pb3" ("initialize #2" without a PB),
 *    carries the call's arguments, and a request waiting on dCtlQHdr has a
 *    slice "queued" inside that, from its enqueue to its dispatch. Perfetto
 *    names an async track after the first event of its id and groups a
 *    process's tracks by that name, so this gives one track group per
 *    machine and driver, its rows as many as requests overlap, instead of
 *    one top-level track per request. Open slices are keyed by pb number,
 *    or by command ID for PB-less commands.
 *  - Instants (ph i, s t) for KillIO calls, completion routines, installs
 *    and removals, warnings, and violations (named with the rule id, cat
 *    "violation").
 *  - One counter per driver (ph C, named with its label) with the series
 *    queued (dCtlQHdr depth), inflight (dispatched, not completed) and
 *    drvrActive, written at install and then whenever one of them changes.
 * A request still open at close is left open: the viewer shows that it
 * never finished, which is the truth.
 * Events are composed with trace_out.c's primitives, not printf, and what
 * repeats is made once: each driver's label as a JSON string (again when an
 * install renames it), the last time stamp: a record costs tens of
 * nanoseconds.
 */
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "devmgr/err.h"
#include "trace/trace_impl.h"
#include "devmgr/scsi.h"

typedef struct chrome_slice {
  uint64_t serial;  /* the "0x..." id */
  uint64_t pb;      /* pb number, 0 for none */
  uint64_t key;     /* key in chrome_state.open */
  uint32_t label;   /* the driver's label when it opened (index in
                       chrome_state.labels): the outer slice's name, which
                       an install renaming the driver does not change */
  uint32_t tid;
  int      pid;
  uint8_t  code;    /* command code, for the name */
  uint8_t  waiting; /* the nested "queued" slice is open */
  uint64_t id;      /* IOCommandID once dispatched */
  uint32_t next_free;
} chrome_slice;

/* What a driver's counter showed last, so unchanged values are not repeated. */
typedef struct chrome_ctr {
  uint32_t queued, inflight;
  uint8_t  active, valid;
} chrome_ctr;

/* A driver's label as JSON strings, quotes included: whole (its track's
 * counter) and cut to its first 47 bytes before escaping (the name of a
 * request's outer slice, which was a copy in 48 bytes). */
typedef struct chrome_label {
  char  *q, *gq; /* gq == q when the label is not longer */
  size_t n, gn;
} chrome_label;

/* The longest head of a counter event the writer keeps. */
#define CHROME_CTR_HEAD 128

/* What the writer keeps per driver (by driver index). */
typedef struct chrome_drv {
  chrome_ctr ctr;   /* what its counter showed last */
  uint32_t   label; /* index + 1 in chrome_state.labels; 0 before its first use */
  uint8_t    named; /* its process and thread are named */
  /* Its counter event from the separator before it to "ts": (the same for
   * every one until an install renames the driver); n == 0: none kept. */
  uint8_t    ctr_n;
  char       ctr_head[CHROME_CTR_HEAD];
} chrome_drv;

typedef struct chrome_state {
  int           first;  /* no event written yet: no comma before the next */
  uint64_t      serial; /* slices opened so far */
  sim_map open;   /* pb number or id key -> slice index + 1 */
  sim_map named;  /* processes and threads already named */
  chrome_slice *slices;
  uint32_t      nslices;
  size_t        capslices;
  uint32_t      free_head; /* index + 1 of a free slice, 0 for none */
  chrome_drv   *drv;       /* by driver index */
  size_t        capdrv;
  chrome_label *labels;    /* every label made, until the writer closes */
  uint32_t      nlabels;
  size_t        caplabels;
  sim_trace_memo id2;      /* the last "id2" written, of its serial */
  sim_trace_memo where;    /* the last "pid" and "tid", of pid << 32 | tid */
  sim_trace_memo us;       /* the last time stamp's whole microseconds */
} chrome_state;

static int chrome_init(sim_trace *t)
{
  chrome_state *s = sim_trace__alloc(t, sizeof *s);
  if (!s)
    return -1;
  s->first = 1;
  t->fmt_state = s;
  return 0;
}

/* --- drivers --------------------------------------------------------------- */

/* The writer's entry for d, or NULL when out of memory (t->err set). */
static chrome_drv *drv_state(sim_trace *t, const sim_trace_drv *d)
{
  chrome_state *s = t->fmt_state;
  if (d->index < s->capdrv)
    return &s->drv[d->index];
  if (SIM_VEC_RESERVE_ZEROED(s->drv, s->capdrv, (size_t)d->index + 1, 16) != 0) {
    t->err = 1;
    return NULL;
  }
  return &s->drv[d->index];
}

/* A new entry of labels for d's label as it is now; returns its index + 1,
 * or 0 when out of memory (t->err set). */
static uint32_t label_new(sim_trace *t, const sim_trace_drv *d)
{
  chrome_state *s = t->fmt_state;
  size_t len = strlen(d->label);
  char cut[48];
  snprintf(cut, sizeof cut, "%s", d->label);
  size_t cutlen = strlen(cut);
  chrome_label l = {NULL, NULL, 0, 0};
  if (SIM_VEC_RESERVE(s->labels, s->caplabels, (size_t)s->nlabels + 1, 16) != 0 ||
      (l.q = malloc(SIM_TRACE_JSON_MAX(len))) == NULL ||
      (cutlen < len && (l.gq = malloc(SIM_TRACE_JSON_MAX(cutlen))) == NULL)) {
    free(l.q);
    t->err = 1;
    return 0;
  }
  l.n = sim_trace__json_escape(l.q, d->label);
  if (l.gq)
    l.gn = sim_trace__json_escape(l.gq, cut);
  else {
    l.gq = l.q;
    l.gn = l.n;
  }
  s->labels[s->nlabels++] = l;
  return s->nlabels;
}

/* d's label entry, made at its first use; NULL when out of memory. */
static const chrome_label *label_of(sim_trace *t, const sim_trace_drv *d)
{
  chrome_state *s = t->fmt_state;
  chrome_drv *ds = drv_state(t, d);
  if (ds == NULL)
    return NULL;
  if (ds->label == 0 && (ds->label = label_new(t, d)) == 0)
    return NULL;
  return &s->labels[ds->label - 1];
}

/* --- event writing --------------------------------------------------------- */

static void sep(sim_trace *t)
{
  chrome_state *s = t->fmt_state;
  if (s->first)
    sim_trace__put(t, "\n", 1);
  else
    sim_trace__put(t, ",\n", 2);
  s->first = 0;
}

/* An event's category and phase: the text between its name and its id,
 * ,"cat":CAT,"ph":PH, and for an instant "s":"t", too; kept in entries of
 * a constant size, so that one is written with one copy of that size. */
typedef enum chrome_kind {
  K_IO_B, K_IO_E, K_QUEUE, K_SCSI_B, K_SCSI_E, I_LIFECYCLE, I_KILLIO, I_IO, I_CALLBACK,
  I_VIOLATION, I_WARNING, I_SCSI, I_OTHER, K_COUNT_
} chrome_kind;
#define CHROME_KIND_MAX 48
#define KIND(cat, ph) {",\"cat\":\"" cat "\",\"ph\":\"" ph "\",", sizeof(",\"cat\":\"" cat "\",\"ph\":\"" ph "\",") - 1}
#define INSTANT(cat) KIND(cat, "i\",\"s\":\"t")
static const struct {
  char   s[CHROME_KIND_MAX];
  size_t n;
} kinds[K_COUNT_] = {
  [K_IO_B] = KIND("io", "b"),         [K_IO_E] = KIND("io", "e"),
  [K_QUEUE] = KIND("queue", "C"),     [K_SCSI_B] = KIND("scsi", "b"),
  [K_SCSI_E] = KIND("scsi", "e"),     [I_LIFECYCLE] = INSTANT("lifecycle"),
  [I_KILLIO] = INSTANT("killio"),     [I_IO] = INSTANT("io"),
  [I_CALLBACK] = INSTANT("callback"), [I_VIOLATION] = INSTANT("violation"),
  [I_WARNING] = INSTANT("warning"),   [I_SCSI] = INSTANT("scsi"),
  [I_OTHER] = INSTANT("other"),
};

/* {"name": (the caller writes the name, then head_end). */
static void head_start(sim_trace *t)
{
  sep(t);
  sim_trace__put(t, "{\"name\":", 8);
}

/* ,"cat":CAT,"ph":PH,["id2":{"local":"0x.."},]"pid":P,"tid":T,"ts": (the
 * time stamp's value is head_ts's). The events of a record mostly share
 * their track, those of a request its id: both are memos. */
static void head_where(sim_trace *t, chrome_kind k, uint64_t serial, int pid, uint32_t tid)
{
  chrome_state *s = t->fmt_state;
  if (sim_trace__reserve(t, CHROME_KIND_MAX) != 0)
    return;
  memcpy(t->line + t->nline, kinds[k].s, CHROME_KIND_MAX);
  t->nline += kinds[k].n;
  if (serial && !sim_trace__memo_put(t, &s->id2, serial, 0)) {
    size_t start = sim_trace__span_start(t, SIM_TRACE_MEMO);
    sim_trace__puts(t, "\"id2\":{\"local\":\"0x");
    sim_trace__hex_u64(t, serial, 1, 0);
    sim_trace__puts(t, "\"},");
    sim_trace__memo_keep(t, start, &s->id2, serial, 0);
  }
  uint64_t who = (uint64_t)(uint32_t)pid << 32 | tid;
  if (!sim_trace__memo_put(t, &s->where, who, 0)) {
    size_t start = sim_trace__span_start(t, SIM_TRACE_MEMO);
    sim_trace__puts(t, "\"pid\":");
    sim_trace__i64(t, pid);
    sim_trace__kv_u64(t, "tid", tid);
    sim_trace__puts(t, ",\"ts\":");
    sim_trace__memo_keep(t, start, &s->where, who, 0);
  }
}

/* The time stamp: "%llu.%03llu" of the microseconds. */
static void head_ts(sim_trace *t, uint64_t ns)
{
  chrome_state *s = t->fmt_state;
  sim_trace__decimal_memo(t, &s->us, ns, 0, 3);
}

/* The rest of an event's head after its name, up to its time stamp (the
 * caller adds optional fields and the closing brace). */
static void head_end(sim_trace *t, chrome_kind k, uint64_t serial, int pid, uint32_t tid,
                     uint64_t ns)
{
  head_where(t, k, serial, pid, tid);
  head_ts(t, ns);
}

/* An event's head with name as a JSON string. */
static void head(sim_trace *t, const char *name, chrome_kind k, uint64_t serial, int pid,
                 uint32_t tid, uint64_t ns)
{
  head_start(t);
  sim_trace__json_str(t, name);
  head_end(t, k, serial, pid, tid, ns);
}

/* An event's head with a name made already (a chrome_label's). */
static void head_q(sim_trace *t, const char *q, size_t n, chrome_kind k, uint64_t serial,
                   int pid, uint32_t tid, uint64_t ns)
{
  head_start(t);
  sim_trace__put(t, q, n);
  head_end(t, k, serial, pid, tid, ns);
}

static int pid_of(const sim_trace_drv *d)
{
  return d->machine + 1;
}

static uint32_t tid_of(const sim_trace_drv *d)
{
  return d->index + 1;
}

static void meta(sim_trace *t, const char *what, int pid, uint32_t tid, int has_tid,
                 const char *name)
{
  sep(t);
  sim_trace__printf(t, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%d,", what, pid);
  if (has_tid)
    sim_trace__printf(t, "\"tid\":%lu,", (unsigned long)tid);
  sim_trace__puts(t, "\"args\":{\"name\":");
  sim_trace__json_str(t, name);
  sim_trace__puts(t, "}}");
}

/* Name the current machine's process and d's track the first time they are
 * used (or again when an install renames the track, whose label entry is
 * then made again). */
static void name_tracks(sim_trace *t, const sim_trace_drv *d, int force)
{
  chrome_state *s = t->fmt_state;
  chrome_drv *ds = drv_state(t, d);
  if (ds == NULL || (ds->named && !force))
    return;
  uint64_t pkey = (UINT64_C(1) << 62) | (uint64_t)(unsigned)d->machine;
  if (!sim_map_get(&s->named, pkey, NULL)) {
    meta(t, "process_name", pid_of(d), 0, 0, t->machine);
    if (sim_map_put(&s->named, pkey, 1) != 0)
      t->err = 1;
  }
  uint64_t tkey = (uint64_t)d->index + 1;
  if (force || !sim_map_get(&s->named, tkey, NULL)) {
    meta(t, "thread_name", pid_of(d), tid_of(d), 1, d->label);
    sep(t);
    sim_trace__printf(t,
                      "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%d,\"tid\":%lu,"
                      "\"args\":{\"sort_index\":%lu}}",
                      pid_of(d), (unsigned long)tid_of(d), (unsigned long)tid_of(d));
    if (sim_map_put(&s->named, tkey, 1) != 0)
      t->err = 1;
  }
  ds = &s->drv[d->index];
  if (force) {
    ds->label = label_new(t, d);
    ds->ctr_n = 0; /* its counter's head names the label */
  }
  ds->named = 1;
}

/* Write d's counter if it differs from what the trace showed last. */
static void counter(sim_trace *t, const sim_trace_drv *d, uint64_t ns)
{
  chrome_state *s = t->fmt_state;
  const chrome_label *l = label_of(t, d);
  if (l == NULL)
    return;
  chrome_ctr now = {d->queued, d->inflight, (d->flags & SIM_DCTL_DRVR_ACTIVE) ? 1 : 0, 1};
  chrome_ctr *last = &s->drv[d->index].ctr;
  if (last->valid && last->queued == now.queued && last->inflight == now.inflight &&
      last->active == now.active)
    return;
  *last = now;
  chrome_drv *ds = &s->drv[d->index];
  if (ds->ctr_n != 0 && sim_trace__reserve(t, CHROME_CTR_HEAD) == 0) {
    memcpy(t->line + t->nline, ds->ctr_head, CHROME_CTR_HEAD);
    t->nline += ds->ctr_n;
    s->first = 0;
  } else {
    /* Kept only after the first event: that one has no comma before it. */
    int first = s->first;
    size_t start = sim_trace__span_start(t, CHROME_CTR_HEAD);
    head_start(t);
    sim_trace__put(t, l->q, l->n);
    head_where(t, K_QUEUE, 0, pid_of(d), tid_of(d));
    ds->ctr_n = first ? 0 : (uint8_t)sim_trace__span_copy(t, start, ds->ctr_head, CHROME_CTR_HEAD);
  }
  head_ts(t, ns);
  sim_trace__puts(t, ",\"args\":{\"queued\":");
  sim_trace__u64(t, now.queued);
  sim_trace__kv_u64(t, "inflight", now.inflight);
  sim_trace__puts(t, now.active ? ",\"drvrActive\":1}}" : ",\"drvrActive\":0}}");
}

/* ,"args":{"result":-27,"err":"abortErr"}} (err only when the code has a
 * name: an identifier, which needs no escaping) */
static void result_args(sim_trace *t, int result)
{
  sim_trace__puts(t, ",\"args\":{\"result\":");
  sim_trace__i64(t, result);
  const char *name = dm_err_name(result);
  if (name) {
    sim_trace__puts(t, ",\"err\":\"");
    sim_trace__puts(t, name);
    sim_trace__put(t, "\"", 1);
  }
  sim_trace__puts(t, "}}");
}

/* --- slices ---------------------------------------------------------------- */

/* The request's slice name as a JSON string: "read pb3", or "initialize
 * #2/1" without a PB (command names are plain words: no escaping). */
static void put_slice_name(sim_trace *t, const chrome_slice *sl)
{
  sim_trace__put(t, "\"", 1);
  sim_trace__bare(t, SIM_TRACE_NAME(t->names.code, sl->code));
  if (sl->pb) {
    sim_trace__put(t, " pb", 3);
    sim_trace__u64(t, sl->pb);
  } else {
    char id[SIM_TRACE_ID_MAX];
    sim_trace__put(t, " ", 1);
    sim_trace__put(t, id, sim_trace__fmt_id(sl->id, id));
  }
  sim_trace__put(t, "\"", 1);
}

static chrome_slice *slice_find(sim_trace *t, uint64_t key)
{
  chrome_state *s = t->fmt_state;
  uint64_t v;
  return sim_map_get(&s->open, key, &v) ? &s->slices[v - 1] : NULL;
}

static chrome_slice *slice_open(sim_trace *t, uint64_t key, const sim_trace_ev *e)
{
  chrome_state *s = t->fmt_state;
  const chrome_label *l = label_of(t, e->drv);
  uint32_t i;
  if (l == NULL)
    return NULL;
  if (s->free_head) {
    i = s->free_head - 1;
    s->free_head = s->slices[i].next_free;
  } else {
    if (SIM_VEC_RESERVE(s->slices, s->capslices, (size_t)s->nslices + 1, 64) != 0) {
      t->err = 1;
      return NULL;
    }
    i = s->nslices++;
  }
  if (sim_map_put(&s->open, key, (uint64_t)i + 1) != 0) {
    s->slices[i].next_free = s->free_head;
    s->free_head = i + 1;
    t->err = 1;
    return NULL;
  }
  chrome_slice *sl = &s->slices[i];
  *sl = (chrome_slice){++s->serial, e->pb, key, s->drv[e->drv->index].label - 1, tid_of(e->drv),
                       pid_of(e->drv), e->rec->code, 0, e->rec->id, 0};
  head_q(t, l->gq, l->gn, K_IO_B, sl->serial, sl->pid, sl->tid, e->rec->t);
  sim_trace__put(t, "}", 1);
  head_start(t);
  put_slice_name(t, sl);
  head_end(t, K_IO_B, sl->serial, sl->pid, sl->tid, e->rec->t);
  return sl;
}

static void unwait(sim_trace *t, chrome_slice *sl, uint64_t ns)
{
  if (sl->waiting) {
    head_q(t, "\"queued\"", 8, K_IO_E, sl->serial, sl->pid, sl->tid, ns);
    sim_trace__put(t, "}", 1);
    sl->waiting = 0;
  }
}

/* End sl's slices, innermost first (the caller writes the outer one's args
 * and the closing brace) and free it. */
static void slice_close(sim_trace *t, chrome_slice *sl, uint64_t ns)
{
  chrome_state *s = t->fmt_state;
  const chrome_label *l = &s->labels[sl->label];
  unwait(t, sl, ns);
  head_start(t);
  put_slice_name(t, sl);
  head_end(t, K_IO_E, sl->serial, sl->pid, sl->tid, ns);
  sim_trace__put(t, "}", 1);
  head_q(t, l->gq, l->gn, K_IO_E, sl->serial, sl->pid, sl->tid, ns);
  sim_map_del(&s->open, sl->key, NULL);
  uint32_t i = (uint32_t)(sl - s->slices);
  sl->next_free = s->free_head;
  s->free_head = i + 1;
}

/* --- records --------------------------------------------------------------- */

static void chrome_begin(sim_trace *t)
{
  sim_trace__puts(t, "{\"traceEvents\":[");
}

/* An instant on e's track named "NAME pbN", or NAME without a PB; name is
 * a plain word (a literal, or a kind's name), which needs no escaping. */
static void instant(sim_trace *t, const sim_trace_ev *e, chrome_kind k, const char *name)
{
  head_start(t);
  sim_trace__put(t, "\"", 1);
  sim_trace__puts(t, name);
  if (e->pb) {
    sim_trace__put(t, " pb", 3);
    sim_trace__u64(t, e->pb);
  }
  sim_trace__put(t, "\"", 1);
  head_end(t, k, 0, pid_of(e->drv), tid_of(e->drv), e->rec->t);
}

static void chrome_record(sim_trace *t, const sim_trace_ev *e)
{
  const dm_trace_rec *r = e->rec;
  uint64_t key = e->pb ? e->pb : (r->id ? sim_trace__id_key(t->machine_index, r->id) : 0);
  chrome_slice *sl = key ? slice_find(t, key) : NULL;
  name_tracks(t, e->drv, r->ev == DM_EV_INSTALL);
  switch (r->ev) {
  case DM_EV_INSTALL:
    instant(t, e, I_LIFECYCLE, "install");
    sim_trace__puts(t, ",\"args\":{\"runtime\":");
    sim_trace__u64(t, r->runtime);
    sim_trace__puts(t, "}}");
    counter(t, e->drv, r->t);
    break;
  case DM_EV_REMOVE:
    instant(t, e, I_LIFECYCLE, "remove");
    sim_trace__put(t, "}", 1);
    break;
  case DM_EV_CALL:
    if (!e->pb)
      break;
    if (sl) { /* the PB was sent again before its request ended */
      slice_close(t, sl, r->t);
      sim_trace__puts(t, ",\"args\":{\"unfinished\":true}}");
    }
    sl = slice_open(t, key, e);
    if (sl) {
      sim_trace__puts(t, ",\"args\":{\"ref\":");
      sim_trace__i64(t, r->ref);
      sim_trace__kv_u64(t, "pb", e->pb);
      sim_trace__kv_name(t, "mode", t->names.mode, r->mode);
      sim_trace__kv_str(t, "client", r->name);
      sim_trace__puts(t, "}}");
    }
    if (r->code == SIM_CODE_KILLIO) {
      instant(t, e, I_KILLIO, "KillIO");
      sim_trace__put(t, "}", 1);
    }
    break;
  case DM_EV_REJECT:
    if (sl)
      slice_close(t, sl, r->t);
    else
      instant(t, e, I_IO, "reject");
    result_args(t, r->result);
    break;
  case DM_EV_ENQUEUE:
    if (sl && !sl->waiting) {
      head_q(t, "\"queued\"", 8, K_IO_B, sl->serial, sl->pid, sl->tid, r->t);
      sim_trace__put(t, "}", 1);
      sl->waiting = 1;
    }
    break;
  case DM_EV_DISPATCH:
    if (sl) {
      unwait(t, sl, r->t);
      sl->id = r->id;
    } else if (key && (sl = slice_open(t, key, e)) != NULL) {
      sim_trace__puts(t, ",\"args\":{\"ref\":");
      sim_trace__i64(t, r->ref);
      sim_trace__kv_u64(t, "id", r->id);
      sim_trace__kv_name(t, "kind", t->names.mode, r->mode);
      sim_trace__puts(t, "}}");
    }
    break;
  case DM_EV_COMPLETE:
    if (sl) {
      slice_close(t, sl, r->t);
      result_args(t, r->result);
    }
    break;
  case DM_EV_CALLBACK:
    instant(t, e, I_CALLBACK, "callback");
    result_args(t, r->result);
    break;
  case DM_EV_DONE:
    if (sl) {
      slice_close(t, sl, r->t);
      result_args(t, r->result);
    }
    break;
  case DM_EV_VIOLATION:
    head(t, r->rule ? r->rule : "violation", I_VIOLATION, 0, pid_of(e->drv),
         tid_of(e->drv), r->t);
    sim_trace__puts(t, ",\"args\":{\"msg\":");
    sim_trace__json_str(t, r->msg);
    sim_trace__kv_int(t, "ref", r->ref);
    sim_trace__key(t, "pb");
    sim_trace__json_num_or_null(t, e->pb);
    sim_trace__puts(t, ",\"id\":");
    sim_trace__json_num_or_null(t, r->id);
    sim_trace__puts(t, "}}");
    break;
  case DM_EV_WARNING:
    head(t, "warning", I_WARNING, 0, pid_of(e->drv), tid_of(e->drv), r->t);
    sim_trace__puts(t, ",\"args\":{\"msg\":");
    sim_trace__json_str(t, r->msg);
    sim_trace__puts(t, "}}");
    break;
  case DM_EV_SCSI_SUBMIT:
  case DM_EV_SCSI_DONE: {
    /* A task is a slice nested in the request it serves (same id). */
    const char *op = dm_scsi_op_name(r->opcode);
    char name[64];
    snprintf(name, sizeof name, "SCSI %s", op ? op : "task");
    int begin = r->ev == DM_EV_SCSI_SUBMIT;
    if (sl)
      head(t, name, begin ? K_IO_B : K_IO_E, sl->serial, sl->pid, sl->tid,
           r->t);
    else
      head(t, name, I_SCSI, 0, pid_of(e->drv), tid_of(e->drv), r->t);
    sim_trace__puts(t, ",\"args\":{\"task\":");
    sim_trace__u64(t, r->tag);
    sim_trace__kv_u64(t, "slot", r->slot);
    if (!begin) {
      sim_trace__kv_u64(t, "status", r->status);
      sim_trace__kv_u64(t, "service", r->service);
      sim_trace__kv_u64(t, "sense", r->sense);
    }
    sim_trace__puts(t, "}}");
    break;
  }
  case DM_EV_RETURN:
  case DM_EV_FLAGS:
  case DM_EV_SCSI_HANDOFF:
  case DM_EV_SCSI_RETURN:
    break;
  default:
    instant(t, e, I_OTHER, dm_ev_name(r->ev));
    sim_trace__put(t, "}", 1);
    break;
  }
  for (int i = 0; i < 2; i++)
    if (e->changed[i])
      counter(t, e->changed[i], r->t);
}

static void chrome_end(sim_trace *t)
{
  sim_trace__puts(t, "\n],\"displayTimeUnit\":\"ns\"}\n");
}

static void chrome_destroy(sim_trace *t)
{
  chrome_state *s = t->fmt_state;
  if (!s)
    return;
  sim_map_free(&s->open);
  sim_map_free(&s->named);
  free(s->slices);
  free(s->drv);
  for (uint32_t i = 0; i < s->nlabels; i++) {
    if (s->labels[i].gq != s->labels[i].q)
      free(s->labels[i].gq);
    free(s->labels[i].q);
  }
  free(s->labels);
  free(s);
  t->fmt_state = NULL;
}

/* SCSI: one track per logical unit; one async slice (cat "scsi", id "0x5c"
 * + the hex of the tag, so it never meets a request's id) per command from
 * its receipt to its status or abort, named with the command; instants for
 * data phases and resets; the unit's counter shows its commands in flight. */
static void chrome_scsi(sim_trace *t, const sim_trace_scsi_ev *e)
{
  const sim_scsi_trace_rec *r = e->rec;
  const sim_trace_drv *d = e->unit;
  char name[64];
  uint64_t id = (UINT64_C(0x5c) << 56) | r->tag;
  name_tracks(t, d, 0);
  switch (r->ev) {
  case SIM_SCSI_EV_COMMAND: {
    const char *n = sim_scsi_cdb_name(r->cdb, r->cdb_len);
    char hex[3 * SIM_SCSI_CDB_MAX + 1];
    snprintf(name, sizeof name, "%s", n ? n : "unknown opcode");
    head(t, name, K_SCSI_B, id, pid_of(d), tid_of(d), r->t);
    sim_trace__hex(r->cdb, r->cdb_len, hex, sizeof hex);
    sim_trace__printf(t, ",\"args\":{\"tag\":%llu,\"cdb\":\"%s\"}}", (unsigned long long)r->tag,
                      hex);
    break;
  }
  case SIM_SCSI_EV_DATA:
    snprintf(name, sizeof name, "data-%s", r->dir == SIM_SCSI_DIR_OUT ? "out" : "in");
    head(t, name, I_SCSI, 0, pid_of(d), tid_of(d), r->t);
    sim_trace__printf(t, ",\"args\":{\"tag\":%llu,\"bytes\":%lu}}", (unsigned long long)r->tag,
                      (unsigned long)r->bytes);
    break;
  case SIM_SCSI_EV_STATUS:
  case SIM_SCSI_EV_ABORT: {
    const char *sn = sim_scsi_status_name(r->status);
    head(t, "scsi", K_SCSI_E, id, pid_of(d), tid_of(d), r->t);
    if (r->ev == SIM_SCSI_EV_ABORT)
      sim_trace__printf(t, ",\"args\":{\"transport\":\"%s\"}}", sim_scsi_xport_name(r->xport));
    else {
      sim_scsi_sense_info si;
      sim_trace__printf(t, ",\"args\":{\"transport\":\"%s\",\"status\":\"%s\"",
                        sim_scsi_xport_name(r->xport), sn ? sn : "?");
      if (r->sense_len && sim_scsi_sense_decode(r->sense, r->sense_len, &si) == 0)
        sim_trace__printf(t, ",\"sense\":\"%s %02x/%02x\"", sim_scsi_key_name(si.key), si.asc,
                          si.ascq);
      sim_trace__printf(t, ",\"resid\":%lu}}", (unsigned long)r->resid);
    }
    break;
  }
  default:
    head(t, r->target == 0xFF ? "bus reset" : r->lun == 0xFFFF ? "target reset" : "LUN reset",
         I_SCSI, 0, pid_of(d), tid_of(d), r->t);
    sim_trace__puts(t, "}");
    break;
  }
  if (e->changed)
    counter(t, d, r->t);
}

const sim_trace_ops sim_trace__chrome_ops = {chrome_init, chrome_begin, chrome_record, chrome_end,
  chrome_destroy, 0, chrome_scsi};
