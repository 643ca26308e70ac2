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

/* The longest details of a flags record: "dCtlFlags=0xFFFF [" and every
 * bit's name, then "]  changed:" and every name again with its sign. */
#define TEXT_FLAGS_MAX 512

/* A piece of a row ready to copy with sim_trace__put_short. */
typedef struct text_piece {
  char    s[SIM_TRACE_SHORT + 1];
  uint8_t n;
} text_piece;

/* What the rows of a kind, a level, a result or a dCtlFlags change print
 * the same every time, made once and copied after: a row then costs tens
 * of nanoseconds. */
typedef struct text_state {
  int        last_machine; /* machine of the previous row, -1 before the first */
  sim_trace_memo ms;       /* "%6llu." of the last row's whole milliseconds */
  /* The last ref, pb and id columns written, and what they were of:
   * records of one request follow each other, several to a column. */
  struct {
    uint64_t   key;
    text_piece col;
  } cols[3];
  text_piece lvl[4];       /* "%-4s  " of each level's name */
  text_piece ev[DM_EV_COUNT + 1]; /* "%-12s  " of each kind's name */
  text_piece violation;    /* "!! VIOLATION  " */
  /* A result's name (or number) by its low 6 bits; n == 0: empty. */
  struct {
    int16_t    err;
    text_piece name;
  } errs[64];
  /* The details of a flags record by (new flags, previous flags): key is
   * flags << 16 | prev | 1 << 32, 0 when empty. */
  struct {
    uint64_t key;
    uint16_t n;
    char     s[TEXT_FLAGS_MAX];
  } flags[8];
} text_state;

/* s padded with spaces to width, then two more (a column and its gap).
 * Its names are devmgr's and the SCSI records' kinds, none longer than
 * SIM_TRACE_SHORT - 2 bytes (a longer one would leave the piece empty). */
static void piece_set(text_piece *p, const char *s, int width)
{
  int n = snprintf(p->s, sizeof p->s, "%-*s  ", width, s);
  p->n = (uint8_t)(n > 0 && n <= SIM_TRACE_SHORT ? n : 0);
}

static int text_init(sim_trace *t)
{
  text_state *s = sim_trace__alloc(t, sizeof *s);
  if (!s)
    return -1;
  s->last_machine = -1;
  for (unsigned i = 0; i < 4; i++)
    piece_set(&s->lvl[i], dm_level_name(i), 4);
  for (unsigned i = 0; i <= DM_EV_COUNT; i++)
    piece_set(&s->ev[i], dm_ev_name(i), 12);
  piece_set(&s->violation, "!! VIOLATION", 12);
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

/* s with control characters as '?', so a row stays one line; NULL as
 * "(none)". */
static void put_clean(sim_trace *t, const char *s)
{
  if (!s)
    s = "(none)";
  size_t n = strlen(s);
  if (sim_trace__reserve(t, n) != 0)
    return;
  char *o = t->line + t->nline;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    o[i] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
  }
  t->nline += n;
}

/* key=abortErr, or key=-12345 when the code has no name (key a literal). */
#define put_err(t, key, err) (sim_trace__put((t), key "=", sizeof key), put_err_value((t), (err)))
static void put_err_value(sim_trace *t, int16_t err)
{
  text_state *s = t->fmt_state;
  text_piece *p = &s->errs[(uint16_t)err & 63u].name;
  if (p->n == 0 || s->errs[(uint16_t)err & 63u].err != err) {
    const char *name = dm_err_name(err);
    int n = name ? snprintf(p->s, sizeof p->s, "%s", name)
                 : (int)sim_trace__fmt_i64(p->s, err);
    if (n <= 0 || n > SIM_TRACE_SHORT) { /* no name is that long */
      p->n = 0;
      if (name)
        sim_trace__puts(t, name);
      return;
    }
    p->n = (uint8_t)n;
    s->errs[(uint16_t)err & 63u].err = err;
  }
  sim_trace__put_short(t, p->s, p->n);
}

/* The names of set bits of a word from a table, as " [a b c]", nothing
 * when no bit is set; bits past the table's nnames are named "bitN". */
static void put_bits(sim_trace *t, uint32_t bits, const char *const *names, unsigned nnames)
{
  const char *sep = " [";
  for (unsigned b = 0; b < 32; b++) {
    if (bits & (UINT32_C(1) << b)) {
      sim_trace__puts(t, sep);
      if (b < nnames)
        sim_trace__puts(t, names[b]);
      else {
        sim_trace__put(t, "bit", 3);
        sim_trace__u64(t, b);
      }
      sep = " ";
    }
  }
  if (bits)
    sim_trace__put(t, "]", 1);
}

static const char *const flag_names[16] = {
  "dVMImmune",   "bit1",        "driverGestalt", "native",    "concurrent",   "dOpened",
  "dRAMBased",   "drvrActive",  "dReadEnable",   "dWritEnable", "dCtlEnable", "dStatEnable",
  "dNeedGoodBye", "dNeedTime",  "dNeedLock",     "bit15"};

static void flags_details(sim_trace *t, uint16_t flags, uint16_t prev)
{
  sim_trace__puts(t, "dCtlFlags=0x");
  sim_trace__hex_u64(t, flags, 4, 1);
  put_bits(t, flags, flag_names, 16);
  /* From 0 every set bit is new and the list above says it all. */
  uint16_t diff = prev ? (uint16_t)(flags ^ prev) : 0;
  const char *sep = "  changed:";
  for (int b = 0; b < 16; b++) {
    if (diff & (1u << b)) {
      sim_trace__puts(t, sep);
      sim_trace__puts(t, (flags & (1u << b)) ? " +" : " -");
      sim_trace__puts(t, flag_names[b]);
      sep = "";
    }
  }
}

/* dCtlFlags=0x0F88 [native drvrActive ...], then the bits that changed
 * from prev; from the cache when these flags followed prev before. */
static void put_flags(sim_trace *t, uint16_t flags, uint16_t prev)
{
  text_state *s = t->fmt_state;
  uint64_t key = (uint64_t)flags << 16 | prev | UINT64_C(1) << 32;
  unsigned slot = (unsigned)((flags ^ (flags >> 7) ^ prev ^ (prev >> 3)) & 7u);
  if (s->flags[slot].key == key) {
    sim_trace__put(t, s->flags[slot].s, s->flags[slot].n);
    return;
  }
  size_t start = sim_trace__span_start(t, TEXT_FLAGS_MAX);
  flags_details(t, flags, prev);
  s->flags[slot].n = (uint16_t)sim_trace__span_copy(t, start, s->flags[slot].s, TEXT_FLAGS_MAX);
  s->flags[slot].key = s->flags[slot].n ? key : 0;
}

static const char *const runtime_names[8] = {
  "kDriverIsLoadedUponDiscovery", "kDriverIsOpenedUponLoad", "kDriverIsUnderExpertControl",
  "kDriverIsConcurrent",          "kDriverQueuesIOPB",       "kDriverIsLoadedAtBoot",
  "kDriverIsForVirtualDevice",    "kDriverSupportDMSuspendAndResume"};

static void put_runtime(sim_trace *t, uint32_t rt)
{
  sim_trace__puts(t, "runtime=0x");
  sim_trace__hex_u64(t, rt, 8, 1);
  put_bits(t, rt, runtime_names, 8);
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

/* "task N" of a SCSI task's tag. */
static void put_task(sim_trace *t, uint64_t tag)
{
  sim_trace__puts(t, "task ");
  sim_trace__u64(t, tag);
}

/* Column i of the row (0 ref, 1 pb, 2 id), right-aligned in 6 ("%6s"),
 * and its gap of two spaces: pre (npre bytes, 1 or 2 of a string of at
 * least 2, or 0), then a in decimal, then "/b" when b != 0; key names
 * what it shows (the same key, the same column). */
static void put_col(sim_trace *t, unsigned i, uint64_t key, const char *pre, unsigned npre,
                    uint64_t a, uint64_t b)
{
  text_state *s = t->fmt_state;
  text_piece *c = &s->cols[i].col;
  if (c->n == 0 || s->cols[i].key != key) {
    /* At most 22 bytes ("pb" and 20 digits; "#", 10, "/" and 10 of an id,
     * whose halves are 32 bits) and the gap: it fits in c->s. */
    unsigned na = sim_trace__dec_digits(a), nb = b ? sim_trace__dec_digits(b) : 0;
    unsigned n = npre + na + (b ? 1 + nb : 0), pad = n < 6 ? 6 - n : 0;
    char *p = c->s;
    memcpy(p, "        ", 8);
    p += pad;
    if (npre != 0)
      memcpy(p, pre, 2); /* "-" and "#" with their terminator */
    sim_trace__dec_write(p + npre, a, na);
    if (b) {
      p[npre + na] = '/';
      sim_trace__dec_write(p + npre + na + 1, b, nb);
    }
    memcpy(p + n, "  ", 2);
    c->n = (uint8_t)(pad + n + 2);
    s->cols[i].key = key;
  }
  sim_trace__put_short(t, c->s, c->n);
}

/* An empty column and its gap. */
static void put_nocol(sim_trace *t)
{
  sim_trace__put(t, "     -  ", 8);
}

/* A row up to the columns: "%6llu.%06llu ms  %-4s  %-12s  " of the time in
 * milliseconds, the level and the event (a piece of text_state). */
static void row(sim_trace *t, uint64_t ns, unsigned lvl, const text_piece *ev)
{
  text_state *s = t->fmt_state;
  const text_piece *l = &s->lvl[lvl < 4 ? lvl : 3];
  sim_trace__decimal_memo(t, &s->ms, ns, 6, 6);
  sim_trace__put(t, " ms  ", 5);
  sim_trace__put_short(t, l->s, l->n);
  sim_trace__put_short(t, ev->s, ev->n);
}

static void text_record(sim_trace *t, const sim_trace_ev *e)
{
  const dm_trace_rec *r = e->rec;
  const sim_trace_names *nm = &t->names;
  machine_line(t);

  const text_state *s = t->fmt_state;
  row(t, r->t, r->lvl,
      r->ev == DM_EV_VIOLATION ? &s->violation : &s->ev[r->ev < DM_EV_COUNT ? r->ev : DM_EV_COUNT]);
  if (r->ref < 0)
    put_col(t, 0, (uint16_t)r->ref, "-", 1, 0u - (uint64_t)(int64_t)r->ref, 0);
  else if (r->ref > 0)
    put_col(t, 0, (uint16_t)r->ref, "", 0, (uint64_t)r->ref, 0);
  else
    put_nocol(t);
  if (e->pb)
    put_col(t, 1, e->pb, "pb", 2, e->pb, 0);
  else
    put_nocol(t);
  if (r->id)
    put_col(t, 2, r->id, "#", 1, r->id & 0xFFFFFFFFu, r->id >> 32);
  else
    put_nocol(t);

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
    sim_trace__bare(t, SIM_TRACE_NAME(nm->code, r->code));
    sim_trace__put(t, " ", 1);
    sim_trace__bare(t, SIM_TRACE_NAME(nm->mode, r->mode));
    sim_trace__puts(t, "  client=");
    put_clean(t, r->name);
    break;
  case DM_EV_REJECT:
    sim_trace__puts(t, "refused before the driver ran: ");
    put_err(t, "result", r->result);
    break;
  case DM_EV_ENQUEUE:
    sim_trace__puts(t, "on dCtlQHdr, queue depth ");
    sim_trace__u64(t, e->drv->queued);
    break;
  case DM_EV_DISPATCH:
    sim_trace__puts(t, "DoDriverIO ");
    sim_trace__bare(t, SIM_TRACE_NAME(nm->code, r->code));
    sim_trace__put(t, " ", 1);
    sim_trace__bare(t, SIM_TRACE_NAME(nm->mode, r->mode));
    sim_trace__puts(t, ", in flight ");
    sim_trace__u64(t, e->drv->inflight);
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
    put_task(t, r->tag);
    sim_trace__puts(t, " in slot ");
    sim_trace__u64(t, r->slot);
    sim_trace__puts(t, ": ");
    if (op != NULL)
      sim_trace__puts(t, op);
    else {
      sim_trace__puts(t, "opcode 0x");
      sim_trace__hex_u64(t, r->opcode, 2, 1);
    }
    sim_trace__puts(t, " to target ");
    sim_trace__u64(t, r->target);
    sim_trace__puts(t, " lun ");
    sim_trace__u64(t, r->lun);
    sim_trace__puts(t, "  ");
    put_clean(t, r->name);
    break;
  }
  case DM_EV_SCSI_HANDOFF:
  case DM_EV_SCSI_RETURN:
    put_task(t, r->tag);
    sim_trace__puts(t, ": slot ");
    sim_trace__u64(t, r->slot);
    sim_trace__puts(t, r->ev == DM_EV_SCSI_HANDOFF ? " handed to the controller ("
                                                   : " returned by the controller (");
    sim_trace__u64(t, r->count);
    sim_trace__puts(t, " in the call)  ");
    put_clean(t, r->name);
    break;
  case DM_EV_SCSI_DONE:
    put_task(t, r->tag);
    sim_trace__puts(t, " done: ");
    if (r->service != kSCSIServiceResponse_TASK_COMPLETE) {
      sim_trace__puts(t, "not delivered (service response ");
      sim_trace__u64(t, r->service);
      sim_trace__puts(t, ", status 0x");
      sim_trace__hex_u64(t, r->status, 2, 1);
      sim_trace__puts(t, ")");
    } else if (r->sense != 0) {
      sim_trace__puts(t, dm_scsi_status_name(r->status));
      sim_trace__puts(t, ", sense key ");
      sim_trace__puts(t, dm_scsi_sense_key_name(r->sense));
    } else
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
  text_piece ev;
  piece_set(&ev, sim_scsi_ev_name(r->ev), 12);
  row(t, r->t, r->lvl, &ev);
  sim_trace__printf(t, "%6s  %6s  %6s  ", unit, "-", tag);
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
