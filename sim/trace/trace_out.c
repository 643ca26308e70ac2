/*
 * sim/trace/trace_out.c - how the trace writers compose their output
 * (trace_out.h): the record buffer and its checked writes, numbers, JSON
 * strings, memos, and devmgr's names ready to copy.
 *
 * Output is composed in t->line and reaches the FILE in one fwrite per
 * record on a terminal, per SIM_TRACE_CHUNK of records elsewhere (sim_trace__flush):
 * no stdio call per field. Every primitive here writes exactly what the
 * printf conversion its comment names would write, by hand, so that a
 * record costs tens of nanoseconds rather than hundreds; sim_trace__printf
 * remains for output that is rare (headers, SCSI sense details, the vcd
 * writer).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "trace/trace_impl.h"

/* --- the record buffer ------------------------------------------------------ */

int sim_trace__grow(sim_trace *t, size_t n)
{
  /* A long footer (vcd), or a record longer than a chunk: write as it goes. */
  if (t->nline != 0 && t->nline + n > 2 * SIM_TRACE_CHUNK) {
    sim_trace__flush(t);
    if (n <= t->capline)
      return 0;
  }
  if (SIM_VEC_RESERVE(t->line, t->capline, t->nline + n, 512) != 0) {
    t->err = 1;
    return -1;
  }
  return 0;
}

void sim_trace__printf(sim_trace *t, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) {
    t->err = 1;
    return;
  }
  if ((size_t)n < sizeof small) {
    sim_trace__put(t, small, (size_t)n);
    return;
  }
  if (sim_trace__reserve(t, (size_t)n + 1) != 0)
    return;
  va_start(ap, fmt);
  vsnprintf(t->line + t->nline, (size_t)n + 1, fmt, ap);
  va_end(ap);
  t->nline += (size_t)n;
}

void sim_trace__flush(sim_trace *t)
{
  if (t->nline != 0 && fwrite_unlocked(t->line, 1, t->nline, t->f) != t->nline)
    sim_trace__failed(t);
  t->nline = 0;
}

void sim_trace__failed(sim_trace *t)
{
  if (!t->err)
    t->err_no = errno != 0 ? errno : EIO;
  t->err = 1;
}

/* --- numbers ----------------------------------------------------------------- */

size_t sim_trace__fmt_u64(char *p, uint64_t v)
{
  unsigned n = sim_trace__dec_digits(v);
  sim_trace__dec_write(p, v, n);
  return n;
}

void sim_trace__u64_pad(sim_trace *t, uint64_t v, unsigned width, char fill)
{
  unsigned n = sim_trace__dec_digits(v), pad = width > n ? width - n : 0;
  if (sim_trace__reserve(t, (size_t)pad + n + 8) != 0)
    return;
  char *p = t->line + t->nline;
  if (pad <= 8) { /* the usual: one store of a constant size, no call */
    char fills[8];
    memset(fills, fill, 8);
    memcpy(p, fills, 8);
  } else {
    memset(p, fill, pad);
  }
  sim_trace__dec_write(p + pad, v, n);
  t->nline += (size_t)pad + n;
}

void sim_trace__u64(sim_trace *t, uint64_t v)
{
  if (sim_trace__reserve(t, 20) != 0)
    return;
  unsigned n = sim_trace__dec_digits(v);
  sim_trace__dec_write(t->line + t->nline, v, n);
  t->nline += n;
}

void sim_trace__i64(sim_trace *t, int64_t v)
{
  if (v < 0) {
    sim_trace__put(t, "-", 1);
    sim_trace__u64(t, 0u - (uint64_t)v);
  } else {
    sim_trace__u64(t, (uint64_t)v);
  }
}

size_t sim_trace__fmt_i64(char *p, int64_t v)
{
  if (v >= 0)
    return sim_trace__fmt_u64(p, (uint64_t)v);
  *p = '-';
  return 1 + sim_trace__fmt_u64(p + 1, 0u - (uint64_t)v);
}

size_t sim_trace__span_start(sim_trace *t, size_t most)
{
  return sim_trace__reserve(t, most) == 0 ? t->nline : SIZE_MAX;
}

size_t sim_trace__span_copy(const sim_trace *t, size_t start, char *dst, size_t cap)
{
  if (start > t->nline || t->nline - start > cap)
    return 0;
  memcpy(dst, t->line + start, t->nline - start);
  return t->nline - start;
}

void sim_trace__memo_keep(const sim_trace *t, size_t start, sim_trace_memo *m, uint64_t k1,
                          uint64_t k2)
{
  /* span_start reserved SIM_TRACE_MEMO bytes from start: one copy of that
   * size, what follows the span included (it is never written out). */
  m->n = 0;
  if (start <= t->nline && t->nline - start <= SIM_TRACE_MEMO &&
      start + SIM_TRACE_MEMO <= t->capline) {
    memcpy(m->s, t->line + start, SIM_TRACE_MEMO);
    m->n = t->nline - start;
  }
  m->k1 = k1;
  m->k2 = k2;
}

void sim_trace__hex_u64(sim_trace *t, uint64_t v, unsigned digits, int upper)
{
  const char *hex = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  unsigned n = (67u - (unsigned)__builtin_clzll(v | 1u)) / 4u;
  if (n < digits)
    n = digits;
  if (sim_trace__reserve(t, n) != 0)
    return;
  char *p = t->line + t->nline + n;
  t->nline += n;
  for (unsigned i = 0; i < n; i++, v >>= 4)
    *--p = hex[v & 15u];
}

size_t sim_trace__fmt_id(uint64_t id, char *buf)
{
  uint64_t slot = id & 0xFFFFFFFFu, gen = id >> 32;
  size_t n = 0;
  buf[n++] = '#';
  n += sim_trace__fmt_u64(buf + n, slot);
  if (gen != 0) {
    buf[n++] = '/';
    n += sim_trace__fmt_u64(buf + n, gen);
  }
  buf[n] = '\0';
  return n;
}

void sim_trace__hex(const uint8_t *p, size_t n, char *buf, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  size_t k = 0;
  /* "%s%02x" per byte, a space before each but the first, while a byte,
   * its space and the terminator fit. */
  for (size_t i = 0; i < n && k + 4 <= len; i++) {
    if (i)
      buf[k++] = ' ';
    buf[k++] = hex[p[i] >> 4];
    buf[k++] = hex[p[i] & 15];
  }
  buf[k] = '\0';
}

/* --- JSON ------------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s, or 0 if it is not one. */
static int utf8_len(const unsigned char *s)
{
  unsigned char b = s[0];
  int n;
  unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
  if (b >= 0xC2 && b <= 0xDF)
    n = 2;
  else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0)
      lo = 0xA0; /* overlong */
    if (b == 0xED)
      hi = 0x9F; /* surrogates */
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0)
      lo = 0x90;
    if (b == 0xF4)
      hi = 0x8F;
  } else
    return 0;
  if (s[1] < lo || s[1] > hi)
    return 0;
  for (int k = 2; k < n; k++)
    if (s[k] < 0x80 || s[k] > 0xBF)
      return 0;
  return n;
}

size_t sim_trace__utf8_cut(const char *s, size_t most)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t k = 0;
  while (p[k] != '\0') {
    int n = p[k] >= 0x80 ? utf8_len(p + k) : 1;
    size_t step = n != 0 ? (size_t)n : 1; /* a stray byte: a character alone */
    if (step > most - k)
      break;
    k += step;
  }
  return k;
}

size_t sim_trace__json_escape(char *out, const char *s)
{
  char *o = out;
  const unsigned char *p = (const unsigned char *)s;
  static const char hex[] = "0123456789abcdef";
  *o++ = '"';
  while (*p) {
    unsigned char c = *p;
    int n = 1;
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      *o++ = (char)c;
    } else if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
    } else if (c >= 0x80 && (n = utf8_len(p)) != 0) {
      memcpy(o, p, (size_t)n);
      o += n;
    } else {
      /* control characters, DEL, bytes outside well-formed UTF-8 */
      n = 1;
      memcpy(o, "\\u00", 4);
      o[4] = hex[c >> 4];
      o[5] = hex[c & 15];
      o += 6;
    }
    p += n;
  }
  *o++ = '"';
  return (size_t)(o - out);
}

void sim_trace__json_str(sim_trace *t, const char *s)
{
  if (!s) {
    sim_trace__put(t, "null", 4);
    return;
  }
  if (sim_trace__reserve(t, SIM_TRACE_JSON_MAX(strlen(s))) != 0)
    return;
  t->nline += sim_trace__json_escape(t->line + t->nline, s);
}

void sim_trace__json_num_or_null(sim_trace *t, uint64_t v)
{
  if (v == 0)
    sim_trace__put(t, "null", 4);
  else
    sim_trace__u64(t, v);
}

/* --- names -------------------------------------------------------------------- */

static void name_set(sim_trace_name *d, const char *name)
{
  int n = snprintf(d->q, sizeof d->q, "\"%s\"", name);
  if (n < 0 || n > SIM_TRACE_SHORT) /* no devmgr name is that long */
    n = snprintf(d->q, sizeof d->q, "\"?\"");
  d->n = (uint8_t)n;
}

void sim_trace__names_init(sim_trace_names *nm)
{
  for (unsigned i = 0; i <= DM_EV_COUNT; i++)
    name_set(&nm->ev[i], dm_ev_name(i));
  for (unsigned i = 0; i < 4; i++)
    name_set(&nm->lvl[i], dm_level_name(i));
  for (unsigned i = 0; i <= SIM_CODE_END_; i++)
    name_set(&nm->code[i], dm_code_name(i));
  for (unsigned i = 0; i < 8; i++)
    name_set(&nm->mode[i], dm_mode_name(i));
}
