/*
 * sim/trace/trace_chrome_event.c - how the chrome writer writes an event
 * (trace_chrome.h): its head from name to time stamp, the names of
 * processes and tracks, drivers' counters and labels.
 *
 * Events are composed with trace_out.h's primitives, not printf, and what
 * repeats is made once: each driver's label as a JSON string (again when an
 * install renames it), its counter's head, the last id, track and time
 * stamp written: an event costs tens of nanoseconds.
 */
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "devmgr/err.h"
#include "trace/trace_chrome.h"

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
  char cut[CHROME_LABEL_CUT + 1];
  size_t cutlen = sim_trace__utf8_cut(d->label, CHROME_LABEL_CUT);
  memcpy(cut, d->label, cutlen);
  cut[cutlen] = '\0';
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
const chrome_label *sim_chrome__label_of(sim_trace *t, const sim_trace_drv *d)
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

/* The text of each chrome_kind, in entries of a constant size, so that one
 * is written with one copy of that size. */
#define CHROME_KIND_MAX 48
#define KIND_TEXT(cat, ph) ",\"cat\":\"" cat "\",\"ph\":\"" ph "\","
#define KIND(cat, ph) {KIND_TEXT(cat, ph), sizeof(KIND_TEXT(cat, ph)) - 1}
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
void sim_chrome__head_end(sim_trace *t, chrome_kind k, uint64_t serial, int pid, uint32_t tid,
                          uint64_t ns)
{
  head_where(t, k, serial, pid, tid);
  head_ts(t, ns);
}

/* An event's head with name as a JSON string. */
void sim_chrome__head(sim_trace *t, const char *name, chrome_kind k, uint64_t serial, int pid,
                      uint32_t tid, uint64_t ns)
{
  sim_chrome__head_start(t);
  sim_trace__json_str(t, name);
  sim_chrome__head_end(t, k, serial, pid, tid, ns);
}

/* An event's head with a name made already (a chrome_label's). */
void sim_chrome__head_q(sim_trace *t, const char *q, size_t n, chrome_kind k, uint64_t serial,
                        int pid, uint32_t tid, uint64_t ns)
{
  sim_chrome__head_start(t);
  sim_trace__put(t, q, n);
  sim_chrome__head_end(t, k, serial, pid, tid, ns);
}

static void meta(sim_trace *t, const char *what, int pid, uint32_t tid, int has_tid,
                 const char *name)
{
  sim_chrome__sep(t);
  sim_trace__printf(t, "{\"name\":\"%s\",\"ph\":\"M\",\"pid\":%d,", what, pid);
  if (has_tid)
    sim_trace__printf(t, "\"tid\":%lu,", (unsigned long)tid);
  sim_trace__puts(t, "\"args\":{\"name\":");
  sim_trace__json_str(t, name);
  sim_trace__puts(t, "}}");
}

/* Name the current machine's process and d's track the first time they are
 * used (or again when an install renames the track, whose label entry is
 * then made again). Whether a track is named is its entry's flag alone;
 * chrome_state.named holds the processes. */
void sim_chrome__name_tracks(sim_trace *t, const sim_trace_drv *d, int force)
{
  chrome_state *s = t->fmt_state;
  chrome_drv *ds = drv_state(t, d);
  if (ds == NULL || (ds->named && !force))
    return;
  uint64_t pkey = (uint64_t)(unsigned)d->machine + 1;
  if (!sim_map_get(&s->named, pkey, NULL)) {
    meta(t, "process_name", pid_of(d), 0, 0, t->machine);
    if (sim_map_put(&s->named, pkey, 1) != 0)
      t->err = 1;
  }
  meta(t, "thread_name", pid_of(d), tid_of(d), 1, d->label);
  sim_chrome__sep(t);
  sim_trace__printf(t,
                    "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%d,\"tid\":%lu,"
                    "\"args\":{\"sort_index\":%lu}}",
                    pid_of(d), (unsigned long)tid_of(d), (unsigned long)tid_of(d));
  if (force) {
    ds->label = label_new(t, d);
    ds->ctr_n = 0; /* its counter's head names the label */
    /* A counter track is known by its name: the renamed one has shown
     * nothing yet, so its next counter (the install's) is written even
     * when the counts are those the old name showed last. */
    ds->ctr.valid = 0;
  }
  ds->named = 1;
}

/* Write d's counter if it differs from what the trace showed last. */
void sim_chrome__counter(sim_trace *t, const sim_trace_drv *d, uint64_t ns)
{
  chrome_state *s = t->fmt_state;
  const chrome_label *l = sim_chrome__label_of(t, d);
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
    sim_chrome__head_start(t);
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
void sim_chrome__result_args(sim_trace *t, int result)
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

