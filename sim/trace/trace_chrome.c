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
 * How an event is written is trace_chrome_event.c.
 */
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "trace/trace_chrome.h"
#include "devmgr/scsi.h"

static int chrome_init(sim_trace *t)
{
  chrome_state *s = sim_trace__alloc(t, sizeof *s);
  if (!s)
    return -1;
  s->first = 1;
  t->fmt_state = s;
  return 0;
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
  const chrome_label *l = sim_chrome__label_of(t, e->drv);
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
  sim_chrome__head_q(t, l->gq, l->gn, K_IO_B, sl->serial, sl->pid, sl->tid, e->rec->t);
  sim_trace__put(t, "}", 1);
  sim_chrome__head_start(t);
  put_slice_name(t, sl);
  sim_chrome__head_end(t, K_IO_B, sl->serial, sl->pid, sl->tid, e->rec->t);
  return sl;
}

static void unwait(sim_trace *t, chrome_slice *sl, uint64_t ns)
{
  if (sl->waiting) {
    sim_chrome__head_q(t, "\"queued\"", 8, K_IO_E, sl->serial, sl->pid, sl->tid, ns);
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
  sim_chrome__head_start(t);
  put_slice_name(t, sl);
  sim_chrome__head_end(t, K_IO_E, sl->serial, sl->pid, sl->tid, ns);
  sim_trace__put(t, "}", 1);
  sim_chrome__head_q(t, l->gq, l->gn, K_IO_E, sl->serial, sl->pid, sl->tid, ns);
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
  sim_chrome__head_start(t);
  sim_trace__put(t, "\"", 1);
  sim_trace__puts(t, name);
  if (e->pb) {
    sim_trace__put(t, " pb", 3);
    sim_trace__u64(t, e->pb);
  }
  sim_trace__put(t, "\"", 1);
  sim_chrome__head_end(t, k, 0, pid_of(e->drv), tid_of(e->drv), e->rec->t);
}

static void chrome_record(sim_trace *t, const sim_trace_ev *e)
{
  const dm_trace_rec *r = e->rec;
  uint64_t key = e->pb ? e->pb : (r->id ? sim_trace__id_key(t->machine_index, r->id) : 0);
  chrome_slice *sl = key ? slice_find(t, key) : NULL;
  sim_chrome__name_tracks(t, e->drv, r->ev == DM_EV_INSTALL);
  switch (r->ev) {
  case DM_EV_INSTALL:
    instant(t, e, I_LIFECYCLE, "install");
    sim_trace__puts(t, ",\"args\":{\"runtime\":");
    sim_trace__u64(t, r->runtime);
    sim_trace__puts(t, "}}");
    sim_chrome__counter(t, e->drv, r->t);
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
    sim_chrome__result_args(t, r->result);
    break;
  case DM_EV_ENQUEUE:
    if (sl && !sl->waiting) {
      sim_chrome__head_q(t, "\"queued\"", 8, K_IO_B, sl->serial, sl->pid, sl->tid, r->t);
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
      sim_chrome__result_args(t, r->result);
    }
    break;
  case DM_EV_CALLBACK:
    instant(t, e, I_CALLBACK, "callback");
    sim_chrome__result_args(t, r->result);
    break;
  case DM_EV_DONE:
    if (sl) {
      slice_close(t, sl, r->t);
      sim_chrome__result_args(t, r->result);
    }
    break;
  case DM_EV_VIOLATION:
    sim_chrome__head(t, r->rule ? r->rule : "violation", I_VIOLATION, 0, pid_of(e->drv),
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
    sim_chrome__head(t, "warning", I_WARNING, 0, pid_of(e->drv), tid_of(e->drv), r->t);
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
      sim_chrome__head(t, name, begin ? K_IO_B : K_IO_E, sl->serial, sl->pid, sl->tid,
                       r->t);
    else
      sim_chrome__head(t, name, I_SCSI, 0, pid_of(e->drv), tid_of(e->drv), r->t);
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
      sim_chrome__counter(t, e->changed[i], r->t);
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
  sim_chrome__name_tracks(t, d, 0);
  switch (r->ev) {
  case SIM_SCSI_EV_COMMAND: {
    const char *n = sim_scsi_cdb_name(r->cdb, r->cdb_len);
    char hex[3 * SIM_SCSI_CDB_MAX + 1];
    snprintf(name, sizeof name, "%s", n ? n : "unknown opcode");
    sim_chrome__head(t, name, K_SCSI_B, id, pid_of(d), tid_of(d), r->t);
    sim_trace__hex(r->cdb, r->cdb_len, hex, sizeof hex);
    sim_trace__printf(t, ",\"args\":{\"tag\":%llu,\"cdb\":\"%s\"}}", (unsigned long long)r->tag,
                      hex);
    break;
  }
  case SIM_SCSI_EV_DATA:
    snprintf(name, sizeof name, "data-%s", r->dir == SIM_SCSI_DIR_OUT ? "out" : "in");
    sim_chrome__head(t, name, I_SCSI, 0, pid_of(d), tid_of(d), r->t);
    sim_trace__printf(t, ",\"args\":{\"tag\":%llu,\"bytes\":%lu}}", (unsigned long long)r->tag,
                      (unsigned long)r->bytes);
    break;
  case SIM_SCSI_EV_STATUS:
  case SIM_SCSI_EV_ABORT: {
    const char *sn = sim_scsi_status_name(r->status);
    sim_chrome__head(t, "scsi", K_SCSI_E, id, pid_of(d), tid_of(d), r->t);
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
    sim_chrome__head(t,
                     r->target == 0xFF   ? "bus reset"
                     : r->lun == 0xFFFF ? "target reset"
                                        : "LUN reset",
                     I_SCSI, 0, pid_of(d), tid_of(d), r->t);
    sim_trace__puts(t, "}");
    break;
  }
  if (e->changed)
    sim_chrome__counter(t, d, r->t);
}

const sim_trace_ops sim_trace__chrome_ops = {chrome_init, chrome_begin, chrome_record, chrome_end,
  chrome_destroy, 0, chrome_scsi};

