/*
 * history.c - what the SCSI controller family says about a task: its
 * history in violation reports (with the Device Manager request it serves),
 * its trace records, and the names of operation codes, statuses and sense
 * keys.
 */
#include <inttypes.h>
#include <stdio.h>

#include "scsi-int.h"

const char *dm_scsi_op_name(unsigned op)
{
  switch (op) {
  case 0x00: return "TEST UNIT READY";
  case 0x03: return "REQUEST SENSE";
  case 0x04: return "FORMAT UNIT";
  case 0x08: return "READ(6)";
  case 0x0A: return "WRITE(6)";
  case 0x12: return "INQUIRY";
  case 0x15: return "MODE SELECT(6)";
  case 0x1A: return "MODE SENSE(6)";
  case 0x1B: return "START STOP UNIT";
  case 0x1E: return "PREVENT ALLOW MEDIUM REMOVAL";
  case 0x25: return "READ CAPACITY(10)";
  case 0x28: return "READ(10)";
  case 0x2A: return "WRITE(10)";
  case 0x2F: return "VERIFY(10)";
  case 0x35: return "SYNCHRONIZE CACHE(10)";
  case 0x5A: return "MODE SENSE(10)";
  case 0x88: return "READ(16)";
  case 0x8A: return "WRITE(16)";
  case 0x9E: return "SERVICE ACTION IN(16)";
  case 0xA0: return "REPORT LUNS";
  default: return NULL;
  }
}

const char *dm_scsi_sense_key_name(unsigned key)
{
  static const char *const names[16] = {
    "NO SENSE", "RECOVERED ERROR", "NOT READY", "MEDIUM ERROR", "HARDWARE ERROR",
    "ILLEGAL REQUEST", "UNIT ATTENTION", "DATA PROTECT", "BLANK CHECK", "VENDOR SPECIFIC",
    "COPY ABORTED", "ABORTED COMMAND", "?", "VOLUME OVERFLOW", "MISCOMPARE", "?",
  };
  return key < 16 ? names[key] : "?";
}

const char *dm_scsi_status_name(unsigned status)
{
  switch (status) {
  case 0x00: return "GOOD";
  case 0x02: return "CHECK CONDITION";
  case 0x04: return "CONDITION MET";
  case 0x08: return "BUSY";
  case 0x10: return "INTERMEDIATE";
  case 0x14: return "INTERMEDIATE-CONDITION MET";
  case 0x18: return "RESERVATION CONFLICT";
  case 0x28: return "TASK SET FULL";
  case 0x30: return "ACA ACTIVE";
  default: return "?";
  }
}

static const char *state_name(uint8_t state)
{
  switch (state) {
  case SLOT_FREE: return "back with the family";
  case SLOT_QUEUED: return "queued in the family";
  case SLOT_CROSSING_DOWN: return "on its way to the controller";
  case SLOT_DEXT: return "owned by the controller";
  case SLOT_CROSSING_UP: return "on its way back";
  default: return "being finished by the family";
  }
}

int scsi_history(const dm_scsi_ctrl *c, uint32_t k, char *buf, size_t len)
{
  const scsi_slot *s = &c->slots[k];
  char ts[32], th[32], tr[32], td[32];
  dm__fmt_time(s->t_submit, ts, sizeof ts);
  dm__fmt_time(s->t_handed, th, sizeof th);
  dm__fmt_time(s->t_returned, tr, sizeof tr);
  dm__fmt_time(s->t_done, td, sizeof td);
  if (s->tag == 0)
    return snprintf(buf, len, "slot %u of controller %s has held no task yet", k, c->name);
  const char *op = dm_scsi_op_name(s->opcode);
  char opbuf[16];
  if (op == NULL) {
    snprintf(opbuf, sizeof opbuf, "opcode 0x%02X", s->opcode);
    op = opbuf;
  }
  int n = snprintf(buf, len, "task %" PRIu64 " (%s, target %" PRIu64 " lun %" PRIu64
                   ") in slot %u of controller %s: submitted at %s",
                   s->tag, op, s->dev ? s->dev->target : 0, s->dev ? s->dev->lun : 0, k,
                   c->name, ts);
  if (n < 0 || (size_t)n >= len)
    return n;
  if (s->t_handed >= s->t_submit && s->bundle_in > 0)
    n += snprintf(buf + n, len - (size_t)n, ", handed over at %s (%u in the call)", th,
                  s->bundle_in);
  if (n >= 0 && (size_t)n < len && s->bundle_out > 0 && s->t_returned >= s->t_handed)
    n += snprintf(buf + n, len - (size_t)n, ", returned at %s (%u in the call)", tr,
                  s->bundle_out);
  if (n >= 0 && (size_t)n < len && s->state == SLOT_FREE && s->done_once)
    n += snprintf(buf + n, len - (size_t)n, ", completed at %s", td);
  if (n >= 0 && (size_t)n < len)
    n += snprintf(buf + n, len - (size_t)n, "; now %s", state_name(s->state));
  /* The Device Manager request it serves, while its slot still tells. */
  uint32_t si = s->dm_id != 0 ? dm__slot_lookup(c->m, s->dm_id) : DM_NO_SLOT;
  if (si != DM_NO_SLOT && n >= 0 && (size_t)n + 8 < len) {
    n += snprintf(buf + n, len - (size_t)n, "; for ");
    if (n >= 0 && (size_t)n < len)
      n += dm__history(c->m, si, buf + n, len - (size_t)n);
  }
  return n;
}

void scsi_violation(dm_scsi_ctrl *c, dm_rule rule, uint32_t k, const char *fmt, ...)
{
  if (!dm__checking(c->m))
    return;
  char what[160], hist[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  scsi_history(c, k, hist, sizeof hist);
  const scsi_slot *s = &c->slots[k];
  uint32_t si = s->dm_id != 0 ? dm__slot_lookup(c->m, s->dm_id) : DM_NO_SLOT;
  dm__violation(c->m, rule, s->dev ? s->dev->ref : 0,
                si != DM_NO_SLOT ? c->m->slots[si].pb : NULL, s->dm_id, "%s (%s)", what, hist);
}

/* The sense key of fixed (0x70/0x71: byte 2) or descriptor (0x72/0x73:
 * byte 1) sense data of len bytes; 0 when there is none or it is too short. */
static uint8_t sense_key(const uint8_t *s, size_t len)
{
  uint8_t code = len > 0 ? (uint8_t)(s[0] & 0x7F) : 0;
  if ((code == 0x70 || code == 0x71) && len >= 3)
    return (uint8_t)(s[2] & 0x0F);
  if ((code == 0x72 || code == 0x73) && len >= 2)
    return (uint8_t)(s[1] & 0x0F);
  return 0;
}

void scsi_trace_emit(dm_scsi_ctrl *c, dm_ev ev, uint32_t k, uint16_t count)
{
  dm_machine *m = c->m;
  const scsi_slot *s = &c->slots[k];
  dm_trace_rec r = { 0 };
  r.t = dm__now(m);
  r.ev = (uint8_t)ev;
  r.lvl = (uint8_t)m->level;
  r.ref = s->dev ? s->dev->ref : 0;
  r.id = s->dm_id;
  r.name = c->name;
  r.tag = s->tag;
  r.slot = k;
  r.count = count;
  r.opcode = s->opcode;
  r.target = s->dev ? (uint8_t)s->dev->target : 0;
  r.lun = s->dev ? (uint8_t)s->dev->lun : 0;
  if (ev == DM_EV_SCSI_DONE) {
    const SCSIUserParallelResponse *p = &c->rsp[k];
    r.status = (uint8_t)p->fCompletionStatus;
    r.service = (uint8_t)p->fServiceResponse;
    r.sense = sense_key(p->fSenseBuffer, p->fSenseLength);
  }
  m->cfg.trace(m->cfg.trace_ctx, &r);
}
