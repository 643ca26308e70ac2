/*
 * sim/trace/trace_text.c - the text trace format: a fixed-width table for people.
 *
 * One header line, a rule, then one row per record:
 *
 *             time  lvl   event            ref      pb      id  details
 *      0.051250 ms  sih   complete         -49     pb1      #1  result=abortErr
 *
 * time is simulated milliseconds with six decimals (nanosecond resolution,
 * printed from the integer so it is exact and deterministic); lvl is task,
 * sih (secondary interrupt) or hwi (hardware interrupt); pb is the writer's
 * pb number, id the IOCommandID as slot/generation ("#6/1": the first
 * command in slot 6). Columns that do not apply print "-".
 * details decodes what the numbers mean: command and mode names, OSErr names
 * (dm_err_name; the number when the name is unknown), dCtlFlags as the names
 * of its set bits plus what changed, driverRuntime as Apple's option names.
 * A broken rule gets a row that stands out: "!! VIOLATION" in the event
 * column and "rule-id: explanation" in details. When several machines share
 * one trace, a "== machine NAME ==" line marks each switch. Strings from
 * records are printed with control characters replaced by '?', so every
 * record is exactly one line.
 */
#include <stdlib.h>

#include "devmgr/err.h"
#include "trace/trace_impl.h"
#include "devmgr/scsi.h"

typedef struct text_state {
  int last_machine; /* machine of the previous row, -1 before the first */
} text_state;

static int text_init(sim_trace *t)
{
  text_state *s = sim_trace__alloc(t, sizeof *s);
  if (!s)
    return -1;
  s->last_machine = -1;
  t->fmt_state = s;
  return 0;
}

static void text_begin(sim_trace *t)
{
  sim_trace__printf(t, "%16s  %-4s  %-12s  %6s  %6s  %6s  %s\n", "time", "lvl", "event", "ref",
                    "pb", "id", "details");
  sim_trace__printf(t, "%16s  %-4s  %-12s  %6s  %6s  %6s  %s\n", "----------------", "----",
                    "------------", "------", "------", "------", "-------");
}

/* s with control characters as '?', so a row stays one line. */
static void put_clean(sim_trace *t, const char *s)
{
  char buf[128];
  size_t n = 0;
  if (!s)
    s = "(none)";
  for (; *s; s++) {
    if (n == sizeof buf - 1) {
      buf[n] = 0;
      sim_trace__puts(t, buf);
      n = 0;
    }
    unsigned char c = (unsigned char)*s;
    buf[n++] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
  }
  buf[n] = 0;
  sim_trace__puts(t, buf);
}

/* "key=abortErr", or "key=-12345" when the code has no name. */
static void put_err(sim_trace *t, const char *key, int err)
{
  const char *name = dm_err_name(err);
  if (name)
    sim_trace__printf(t, "%s=%s", key, name);
  else
    sim_trace__printf(t, "%s=%d", key, err);
}

static const char *const flag_names[16] = {
  "dVMImmune",   "bit1",        "driverGestalt", "native",    "concurrent",   "dOpened",
  "dRAMBased",   "drvrActive",  "dReadEnable",   "dWritEnable", "dCtlEnable", "dStatEnable",
  "dNeedGoodBye", "dNeedTime",  "dNeedLock",     "bit15"};

static void put_flags(sim_trace *t, uint16_t flags, uint16_t prev)
{
  sim_trace__printf(t, "dCtlFlags=0x%04X", flags);
  const char *sep = " [";
  for (int b = 0; b < 16; b++) {
    if (flags & (1u << b)) {
      sim_trace__printf(t, "%s%s", sep, flag_names[b]);
      sep = " ";
    }
  }
  if (flags)
    sim_trace__puts(t, "]");
  /* From 0 every set bit is new and the list above says it all. */
  uint16_t diff = prev ? (uint16_t)(flags ^ prev) : 0;
  sep = "  changed:";
  for (int b = 0; b < 16; b++) {
    if (diff & (1u << b)) {
      sim_trace__printf(t, "%s %c%s", sep, (flags & (1u << b)) ? '+' : '-', flag_names[b]);
      sep = "";
    }
  }
}

static const char *const runtime_names[8] = {
  "kDriverIsLoadedUponDiscovery", "kDriverIsOpenedUponLoad", "kDriverIsUnderExpertControl",
  "kDriverIsConcurrent",          "kDriverQueuesIOPB",       "kDriverIsLoadedAtBoot",
  "kDriverIsForVirtualDevice",    "kDriverSupportDMSuspendAndResume"};

static void put_runtime(sim_trace *t, uint32_t rt)
{
  sim_trace__printf(t, "runtime=0x%08lX", (unsigned long)rt);
  const char *sep = " [";
  for (int b = 0; b < 32; b++) {
    if (rt & (UINT32_C(1) << b)) {
      if (b < 8)
        sim_trace__printf(t, "%s%s", sep, runtime_names[b]);
      else
        sim_trace__printf(t, "%sbit%d", sep, b);
      sep = " ";
    }
  }
  if (rt)
    sim_trace__puts(t, "]");
  if (!(rt & 0x8u))
    sim_trace__puts(t, " (serialized)");
}

/* "== machine NAME ==" before the first row of a machine other than the
 * first one's. */
static void machine_line(sim_trace *t)
{
  text_state *s = t->fmt_state;
  if (s->last_machine != t->machine_index) {
    if (s->last_machine != -1 || t->machine_index != 0) {
      sim_trace__puts(t, "== machine ");
      put_clean(t, t->machine);
      sim_trace__puts(t, " ==\n");
    }
    s->last_machine = t->machine_index;
  }
}

static void text_record(sim_trace *t, const sim_trace_ev *e)
{
  const dm_trace_rec *r = e->rec;
  machine_line(t);

  char ref[16] = "-", pb[24] = "-", id[24] = "-";
  if (r->ref != 0)
    snprintf(ref, sizeof ref, "%d", r->ref);
  if (e->pb)
    snprintf(pb, sizeof pb, "pb%llu", (unsigned long long)e->pb);
  if (r->id)
    sim_trace__fmt_id(r->id, id, sizeof id);
  const char *evname = r->ev == DM_EV_VIOLATION ? "!! VIOLATION" : dm_ev_name(r->ev);
  sim_trace__printf(t, "%6llu.%06llu ms  %-4s  %-12s  %6s  %6s  %6s  ",
                    (unsigned long long)(r->t / 1000000u), (unsigned long long)(r->t % 1000000u),
                    dm_level_name(r->lvl), evname, ref, pb, id);

  switch (r->ev) {
  case DM_EV_INSTALL:
    put_clean(t, r->name);
    sim_trace__puts(t, "  ");
    put_runtime(t, r->runtime);
    break;
  case DM_EV_REMOVE:
    put_clean(t, r->name);
    break;
  case DM_EV_CALL:
    sim_trace__printf(t, "%s %s  client=", dm_code_name(r->code), dm_mode_name(r->mode));
    put_clean(t, r->name);
    break;
  case DM_EV_REJECT:
    sim_trace__puts(t, "refused before the driver ran: ");
    put_err(t, "result", r->result);
    break;
  case DM_EV_ENQUEUE:
    sim_trace__printf(t, "on dCtlQHdr, queue depth %lu", (unsigned long)e->drv->queued);
    break;
  case DM_EV_DISPATCH:
    sim_trace__printf(t, "DoDriverIO %s %s, in flight %lu", dm_code_name(r->code),
                      dm_mode_name(r->mode), (unsigned long)e->drv->inflight);
    break;
  case DM_EV_RETURN:
    sim_trace__puts(t, "DoDriverIO returned ");
    put_err(t, "status", r->result);
    break;
  case DM_EV_COMPLETE:
    put_err(t, "result", r->result);
    break;
  case DM_EV_CALLBACK:
    sim_trace__puts(t, "ioCompletion runs, ");
    put_err(t, "result", r->result);
    break;
  case DM_EV_DONE:
    sim_trace__puts(t, "sync call returns, ");
    put_err(t, "result", r->result);
    break;
  case DM_EV_FLAGS:
    put_flags(t, r->flags, e->prev_flags);
    break;
  case DM_EV_VIOLATION:
    put_clean(t, r->rule);
    sim_trace__puts(t, ": ");
    put_clean(t, r->msg);
    break;
  case DM_EV_WARNING:
    put_clean(t, r->msg);
    break;
  case DM_EV_SCSI_SUBMIT: {
    const char *op = dm_scsi_op_name(r->opcode);
    sim_trace__printf(t, "task %llu in slot %lu: ", (unsigned long long)r->tag,
                      (unsigned long)r->slot);
    if (op != NULL)
      sim_trace__puts(t, op);
    else
      sim_trace__printf(t, "opcode 0x%02X", r->opcode);
    sim_trace__printf(t, " to target %u lun %u  ", r->target, r->lun);
    put_clean(t, r->name);
    break;
  }
  case DM_EV_SCSI_HANDOFF:
  case DM_EV_SCSI_RETURN:
    sim_trace__printf(t, "task %llu: slot %lu %s (%u in the call)  ", (unsigned long long)r->tag,
                      (unsigned long)r->slot,
                      r->ev == DM_EV_SCSI_HANDOFF ? "handed to the controller"
                                                  : "returned by the controller",
                      r->count);
    put_clean(t, r->name);
    break;
  case DM_EV_SCSI_DONE:
    sim_trace__printf(t, "task %llu done: ", (unsigned long long)r->tag);
    if (r->service != kSCSIServiceResponse_TASK_COMPLETE)
      sim_trace__printf(t, "not delivered (service response %u, status 0x%02X)", r->service,
                        r->status);
    else if (r->sense != 0)
      sim_trace__printf(t, "%s, sense key %s", dm_scsi_status_name(r->status),
                        dm_scsi_sense_key_name(r->sense));
    else
      sim_trace__puts(t, dm_scsi_status_name(r->status));
    break;
  default:
    if (r->name)
      put_clean(t, r->name);
    if (r->msg) {
      sim_trace__puts(t, r->name ? "  " : "");
      put_clean(t, r->msg);
    }
    if (r->result != 0) {
      sim_trace__puts(t, (r->name || r->msg) ? "  " : "");
      put_err(t, "result", r->result);
    }
    break;
  }
  sim_trace__puts(t, "\n");
}

static void text_end(sim_trace *t)
{
  (void)t;
}

static void text_destroy(sim_trace *t)
{
  free(t->fmt_state);
  t->fmt_state = NULL;
}

/* A SCSI row: the ref column names the unit ("0:0"), id the
 * command's tag ("t12"); details name the command, the status, the sense
 * key and the ASC/ASCQ as SPC words them. */
static void text_scsi(sim_trace *t, const sim_trace_scsi_ev *e)
{
  const sim_scsi_trace_rec *r = e->rec;
  machine_line(t);
  /* The unit: "2:0" on bus 0, "1/2:0" on bus 1; "bus", "bus1". The longest
   * is "255/255:65535", 14 bytes; gcc at -O0 counts pre at its full 7, so
   * unit has room for 17 and more. */
  char unit[24] = "bus", pre[8] = "", tag[24] = "-", hex[3 * SIM_SCSI_SENSE_MAX + 1];
  if (r->bus != 0)
    snprintf(pre, sizeof pre, "%u/", r->bus);
  if (r->target != 0xFF && r->lun != 0xFFFF)
    snprintf(unit, sizeof unit, "%s%u:%u", pre, r->target, r->lun);
  else if (r->target != 0xFF)
    snprintf(unit, sizeof unit, "%s%u", pre, r->target);
  else if (r->bus != 0)
    snprintf(unit, sizeof unit, "bus%u", r->bus);
  if (r->ev != SIM_SCSI_EV_RESET)
    snprintf(tag, sizeof tag, "t%llu", (unsigned long long)r->tag);
  sim_trace__printf(t, "%6llu.%06llu ms  %-4s  %-12s  %6s  %6s  %6s  ",
                    (unsigned long long)(r->t / 1000000u), (unsigned long long)(r->t % 1000000u),
                    dm_level_name(r->lvl), sim_scsi_ev_name(r->ev), unit, "-", tag);
  switch (r->ev) {
  case SIM_SCSI_EV_COMMAND: {
    const char *n = sim_scsi_cdb_name(r->cdb, r->cdb_len);
    sim_trace__hex(r->cdb, r->cdb_len, hex, sizeof hex);
    sim_trace__printf(t, "%s  cdb=%s", n ? n : "(unknown opcode)", hex);
    break;
  }
  case SIM_SCSI_EV_DATA:
    sim_trace__printf(t, "data-%s %lu bytes", r->dir == SIM_SCSI_DIR_OUT ? "out" : "in",
                      (unsigned long)r->bytes);
    break;
  case SIM_SCSI_EV_STATUS: {
    const char *sn = sim_scsi_status_name(r->status);
    sim_scsi_sense_info si;
    if (r->xport != SIM_SCSI_XPORT_OK)
      sim_trace__printf(t, "no status: %s", sim_scsi_xport_name(r->xport));
    else if (sn)
      sim_trace__puts(t, sn);
    else
      sim_trace__printf(t, "status 0x%02x", r->status);
    if (r->sense_len && sim_scsi_sense_decode(r->sense, r->sense_len, &si) == 0) {
      const char *an = sim_scsi_asc_name(si.asc, si.ascq);
      sim_trace__printf(t, "  %s %02x/%02x %s", sim_scsi_key_name(si.key), si.asc, si.ascq,
                        an ? an : "");
      if (si.valid)
        sim_trace__printf(t, "  info=%llu", (unsigned long long)si.info);
      if (si.sksv && si.key == SIM_SCSI_KEY_ILLEGAL_REQUEST)
        sim_trace__printf(t, "  field=%s byte %u", si.cd ? "cdb" : "param", si.field);
    }
    if (r->resid)
      sim_trace__printf(t, "  resid=%lu", (unsigned long)r->resid);
    break;
  }
  case SIM_SCSI_EV_ABORT:
    sim_trace__printf(t, "ended: %s", sim_scsi_xport_name(r->xport));
    break;
  default:
    sim_trace__puts(t, r->target == 0xFF ? "bus reset" : r->lun == 0xFFFF ? "target reset"
                                                                          : "LUN reset");
    break;
  }
  sim_trace__puts(t, "\n");
}

const sim_trace_ops sim_trace__text_ops = {text_init, text_begin, text_record, text_end,
  text_destroy, 0, text_scsi};
