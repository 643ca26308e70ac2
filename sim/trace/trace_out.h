/*
 * sim/trace/trace_out.h - how the trace writers compose their output
 * (trace_out.c; private to sim/trace/trace_*.c, included by trace_impl.h).
 *
 * Every primitive appends to the writer's record buffer (t->line) exactly
 * what the printf conversion its comment names would write, without
 * printf: integers by hand, names copied from tables made once, and memos
 * of what repeats between records. Those in this header are inline, so
 * that constant arguments (a literal's length, a fixed scale) fold.
 */
#ifndef SIM_TRACE_OUT_H
#define SIM_TRACE_OUT_H

#include "trace/trace_impl.h"

/* Checked output, composed in t->line and written in one fwrite per record
 * to a terminal, per SIM_TRACE_CHUNK elsewhere (sim_trace__flush, which the core
 * calls): a failure sets t->err, which sim_trace_close reports. Each
 * primitive writes what the printf conversion it names would. */
void sim_trace__printf(sim_trace *t, const char *fmt, ...) SIM_TRACE_PRINTF(2, 3);
/* Room for n more bytes in t->line (the slow path of sim_trace__reserve). */
int sim_trace__grow(sim_trace *t, size_t n);
/* Room for n more bytes in t->line: 0, or -1 (t->err set) when out of memory. */
static inline int sim_trace__reserve(sim_trace *t, size_t n)
{
  return t->nline + n <= t->capline ? 0 : sim_trace__grow(t, n);
}
static inline void sim_trace__put(sim_trace *t, const char *s, size_t n)
{
  if (sim_trace__reserve(t, n) != 0)
    return;
  memcpy(t->line + t->nline, s, n);
  t->nline += n;
}
/* Inline, so that the length of a literal is known where it is written. */
static inline void sim_trace__puts(sim_trace *t, const char *s)
{
  sim_trace__put(t, s, strlen(s));
}
/* n bytes from s, n <= SIM_TRACE_SHORT, where s has SIM_TRACE_SHORT bytes
 * to read (a name of a table): one copy of a constant size, no call. */
static inline void sim_trace__put_short(sim_trace *t, const char *s, size_t n)
{
  if (sim_trace__reserve(t, SIM_TRACE_SHORT) != 0)
    return;
  memcpy(t->line + t->nline, s, SIM_TRACE_SHORT);
  t->nline += n;
}
/* A decimal integer: %llu, %lld. */
void sim_trace__u64(sim_trace *t, uint64_t v);
void sim_trace__i64(sim_trace *t, int64_t v);
/* v right-aligned in at least width bytes, padded with fill: %6llu with
 * ' ', %06llu with '0'. */
void sim_trace__u64_pad(sim_trace *t, uint64_t v, unsigned width, char fill);
/* Spans: output composed once and kept by a writer, to be copied when the
 * same values come again (a memo). sim_trace__span_start reserves `most`
 * bytes, so that no write of at most that many flushes the buffer, and
 * returns where the span starts (SIZE_MAX when out of memory);
 * sim_trace__span_copy copies what was written since then to dst and
 * returns its length, or returns 0 when it is longer than cap. */
size_t sim_trace__span_start(sim_trace *t, size_t most);
size_t sim_trace__span_copy(const sim_trace *t, size_t start, char *dst, size_t cap);

/* A memo of one span, of the values (k1, k2). Starts zeroed (empty). */
#define SIM_TRACE_MEMO 64
typedef struct sim_trace_memo {
  uint64_t k1, k2;
  size_t   n; /* 0: empty */
  char     s[SIM_TRACE_MEMO];
} sim_trace_memo;
/* Write m's span if it is of (k1, k2): one copy of a constant size.
 * Returns 1, or 0 when it is not (the caller writes it, between
 * sim_trace__span_start and sim_trace__memo_keep). */
static inline int sim_trace__memo_put(sim_trace *t, const sim_trace_memo *m, uint64_t k1,
                                      uint64_t k2)
{
  if (m->n == 0 || m->k1 != k1 || m->k2 != k2 || sim_trace__reserve(t, SIM_TRACE_MEMO) != 0)
    return 0;
  memcpy(t->line + t->nline, m->s, SIM_TRACE_MEMO);
  t->nline += m->n;
  return 1;
}
/* Keep what was written since start in m, as the span of (k1, k2). */
void sim_trace__memo_keep(const sim_trace *t, size_t start, sim_trace_memo *m, uint64_t k1,
                          uint64_t k2);

/* v in hex, at least `digits` of them, without "0x": %0*llX (upper != 0)
 * or %0*llx. */
void sim_trace__hex_u64(sim_trace *t, uint64_t v, unsigned digits, int upper);
/* The count of decimal digits of v, 1 to 20. */
static inline unsigned sim_trace__dec_digits(uint64_t v)
{
  static const uint64_t pow10[20] = {
    UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000),
    UINT64_C(100000), UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000),
    UINT64_C(1000000000), UINT64_C(10000000000), UINT64_C(100000000000),
    UINT64_C(1000000000000), UINT64_C(10000000000000), UINT64_C(100000000000000),
    UINT64_C(1000000000000000), UINT64_C(10000000000000000), UINT64_C(100000000000000000),
    UINT64_C(1000000000000000000), UINT64_C(10000000000000000000),
  };
  /* log10 from log2 (1233/4096 is just above log10 2), then one compare. */
  unsigned bits = 64u - (unsigned)__builtin_clzll(v | 1u);
  unsigned n = (bits * 1233u) >> 12;
  n += v >= pow10[n];
  return n + (n == 0);
}

/* The n digits of v (n from sim_trace__dec_digits) at p, not terminated;
 * with a larger n, what is before the first digit is left as it was. */
static inline void sim_trace__dec_write(char *p, uint64_t v, unsigned n)
{
  /* From the last digit, two per division, from a table. */
  static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
                                 "25262728293031323334353637383940414243444546474849"
                                 "50515253545556575859606162636465666768697071727374"
                                 "75767778798081828384858687888990919293949596979899";
  p += n;
  while (v > UINT32_MAX) {
    unsigned d = (unsigned)(v % 100u);
    v /= 100u;
    p -= 2;
    memcpy(p, pairs + 2 * d, 2);
  }
  uint32_t w = (uint32_t)v; /* the rest in 32 bits: cheaper divisions */
  while (w >= 100u) {
    uint32_t d = w % 100u;
    w /= 100u;
    p -= 2;
    memcpy(p, pairs + 2 * d, 2);
  }
  if (w >= 10u) {
    p -= 2;
    memcpy(p, pairs + 2 * w, 2);
  } else {
    *--p = (char)('0' + w);
  }
}

/* v (below 10^digits) in exactly `digits` digits, 1 to 6: %06llu. */
static inline void sim_trace__dec_fixed(sim_trace *t, uint64_t v, unsigned digits)
{
  if (sim_trace__reserve(t, 8) != 0)
    return;
  /* '0's first, then v's digits from the last place. */
  memcpy(t->line + t->nline, "000000", 6);
  sim_trace__dec_write(t->line + t->nline, v, digits);
  t->nline += digits;
}
/* v / 10^frac, '.', then v % 10^frac in frac digits (frac 1 to 6), the
 * integer part right-aligned in int_width: %*llu.%0*llu, exact. The
 * integer part and its '.' come from m, a memo of the last one written
 * (records come several to a time, and times closer than the unit);
 * inline, so that a constant frac makes the divisions multiplications. */
static inline void sim_trace__decimal_memo(sim_trace *t, sim_trace_memo *m, uint64_t v,
                                           unsigned int_width, unsigned frac)
{
  static const uint32_t scale[7] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  uint64_t ip = v / scale[frac];
  if (!sim_trace__memo_put(t, m, ip, 0)) {
    size_t start = sim_trace__span_start(t, SIM_TRACE_MEMO);
    sim_trace__u64_pad(t, ip, int_width, ' ');
    sim_trace__put(t, ".", 1);
    sim_trace__memo_keep(t, start, m, ip, 0);
  }
  sim_trace__dec_fixed(t, v % scale[frac], frac);
}
/* The digits of v (and a '-') at p, not terminated; return their count,
 * at most 20 (21 signed). */
size_t sim_trace__fmt_u64(char *p, uint64_t v);
size_t sim_trace__fmt_i64(char *p, int64_t v);
/* Write what was composed since the last flush. */
void sim_trace__flush(sim_trace *t);
/* Remember that a write failed, with errno, once. */
void sim_trace__failed(sim_trace *t);
/* Room a JSON string literal of a string of n bytes may take. */
#define SIM_TRACE_JSON_MAX(n) (6 * (n) + 2)
/* s as a JSON string literal, quotes included, at out (room for
 * SIM_TRACE_JSON_MAX(strlen(s)) bytes, not terminated); returns its
 * length. Escapes ", \ and control characters (\u00XX); bytes that are not
 * part of well-formed UTF-8 are written as \u00XX (read as Latin-1), so the
 * output is always valid JSON. */
size_t sim_trace__json_escape(char *out, const char *s);
/* The length of the longest start of s, at most `most` bytes, that ends on
 * a character boundary as sim_trace__json_escape reads s: a well-formed
 * UTF-8 sequence is one character, kept whole or left out; any other byte
 * is a character of its own. Returns strlen(s) when that is at most most. */
size_t sim_trace__utf8_cut(const char *s, size_t most);
/* Write s as sim_trace__json_escape does; NULL writes null. */
void sim_trace__json_str(sim_trace *t, const char *s);
/* Write a JSON number, or null when n is 0 (pb numbers, ids). */
void sim_trace__json_num_or_null(sim_trace *t, uint64_t n);

/* An IOCommandID for people: "#6/1" for slot number 6 in its first use
 * (the ID is generation << 32 | slot number); "#N" when the generation is
 * 0. Into buf, SIM_TRACE_ID_MAX bytes, terminated; returns the length. */
#define SIM_TRACE_ID_MAX 24
size_t sim_trace__fmt_id(uint64_t id, char *buf);

/* The names of a record's kind, level, code and mode quoted, as a JSON
 * string ("\"read\""), with their length: built once per writer so that a
 * record copies them. They are plain words (and "?"), which need no
 * escaping; sim_trace__bare gives the name without its quotes. */
static inline void sim_trace__quoted(sim_trace *t, const sim_trace_name *nm)
{
  sim_trace__put_short(t, nm->q, nm->n);
}
static inline void sim_trace__bare(sim_trace *t, const sim_trace_name *nm)
{
  sim_trace__put_short(t, nm->q + 1, (size_t)nm->n - 2);
}
void sim_trace__names_init(sim_trace_names *nm);

/* JSON members: ,"key": for a string literal key, then the value: an
 * integer, a string (sim_trace__json_str) or a name of a table of
 * sim_trace_names. */
#define sim_trace__key(t, key) sim_trace__put((t), ",\"" key "\":", sizeof(",\"" key "\":") - 1)
#define sim_trace__kv_int(t, key, v) (sim_trace__key(t, key), sim_trace__i64((t), (v)))
#define sim_trace__kv_u64(t, key, v) (sim_trace__key(t, key), sim_trace__u64((t), (v)))
#define sim_trace__kv_str(t, key, s) (sim_trace__key(t, key), sim_trace__json_str((t), (s)))
#define sim_trace__kv_name(t, key, table, i)                                    \
  (sim_trace__key(t, key), sim_trace__quoted((t), SIM_TRACE_NAME(table, i)))

/* The bytes as lower-case hex pairs separated by spaces, into buf (cut to
 * len, always terminated). */
void sim_trace__hex(const uint8_t *p, size_t n, char *buf, size_t len);

#endif /* SIM_TRACE_OUT_H */
