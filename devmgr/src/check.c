/*
 * check.c - reporting broken rules.
 *
 * A violation becomes a trace record and a call of the violation hook, with
 * the rule's stable id, its one-line explanation, and a detail line that
 * tells the request's history. Messages never contain host addresses, so a
 * run's output is the same byte for byte on every host. Reporting formats a
 * message, which costs; it happens only when a rule is broken.
 */
#include <inttypes.h>
#include <stdio.h>

#include "dm-int.h"
#include "devmgr/err.h"

void dm__fmt_time(uint64_t ns, char *buf, size_t len)
{
  snprintf(buf, len, "%" PRIu64 ".%06" PRIu64 " ms", ns / 1000000u, ns % 1000000u);
}

static void fmt_result(int16_t r, char *buf, size_t len)
{
  const char *name = dm_err_name(r);
  if (name != NULL)
    snprintf(buf, len, "%s", name);
  else
    snprintf(buf, len, "%d", r);
}

int dm__history(const dm_machine *m, uint32_t si, char *buf, size_t len)
{
  const dm_slot *s = &m->slots[si];
  char tc[32], td[32], tf[32], res[24];
  dm__fmt_time(s->t_call, tc, sizeof tc);
  dm__fmt_time(s->t_dispatch, td, sizeof td);
  int n = snprintf(buf, len, "%s %s refNum %d id %#" PRIx64 ": called at %s",
                   dm_code_name(s->code), dm_mode_name(s->mode), s->ref, dm__slot_id(m, si), tc);
  if (n < 0 || (size_t)n >= len)
    return n;
  if (s->flags & DM_SLOTF_DISPATCHED)
    n += snprintf(buf + n, len - (size_t)n, ", dispatched at %s", td);
  else if (s->state == DM_SLOT_QUEUED)
    n += snprintf(buf + n, len - (size_t)n, ", still queued");
  if (n >= 0 && (size_t)n < len && s->state == DM_SLOT_DONE) {
    dm__fmt_time(s->t_done, tf, sizeof tf); /* (the word holds the unit until DONE) */
    fmt_result(s->result, res, sizeof res);
    n += snprintf(buf + n, len - (size_t)n, ", completed at %s with %s", tf, res);
  }
  return n;
}

void dm__violation(dm_machine *m, dm_rule rule, int16_t ref, const void *pb, uint64_t id,
                   const char *fmt, ...)
{
  if (!dm__checking(m))
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->msg, sizeof m->msg, fmt, ap);
  va_end(ap);
  m->violations++;
  m->rule_counts[rule]++;
  if (m->counts != NULL)
    dm__count(m, DM_EV_VIOLATION, ref);
  if (m->cfg.trace != NULL) {
    dm_trace_rec r = { 0 };
    r.t = dm__now(m);
    r.ev = DM_EV_VIOLATION;
    r.lvl = (uint8_t)m->level;
    r.ref = ref;
    r.pb = pb;
    r.id = id;
    r.rule = dm_rule_id(rule);
    r.msg = m->msg;
    m->cfg.trace(m->cfg.trace_ctx, &r);
  }
  if (m->cfg.violation != NULL) {
    dm_violation v = {
      .rule = rule,
      .id = dm_rule_id(rule),
      .text = dm_rule_text(rule),
      .detail = m->msg,
      .t = dm__now(m),
      .lvl = (uint8_t)m->level,
      .ref = ref,
      .pb = pb,
      .id_value = id,
      .warning = m->cfg.check == DM_CHECK_PERMISSIVE,
    };
    m->cfg.violation(m->cfg.violation_ctx, &v);
  }
}

void dm__warning(dm_machine *m, int16_t ref, const char *fmt, ...)
{
  if (m->counts != NULL)
    dm__count(m, DM_EV_WARNING, ref);
  if (m->cfg.trace == NULL)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(m->msg, sizeof m->msg, fmt, ap);
  va_end(ap);
  dm_trace_rec r = { 0 };
  r.t = dm__now(m);
  r.ev = DM_EV_WARNING;
  r.lvl = (uint8_t)m->level;
  r.ref = ref;
  r.msg = m->msg;
  m->cfg.trace(m->cfg.trace_ctx, &r);
}

uint32_t dm_machine_violations(const dm_machine *m)
{
  return m->violations;
}

uint32_t dm_machine_rule_count(const dm_machine *m, dm_rule rule)
{
  return (unsigned)rule < DM_RULE_COUNT ? m->rule_counts[rule] : 0;
}

void dm_machine_report(dm_machine *m, dm_rule rule, int16_t ref, const void *pb,
                       const char *detail)
{
  if ((unsigned)rule < DM_RULE_COUNT)
    dm__violation(m, rule, ref, pb, 0, "%s", detail != NULL ? detail : "");
}
