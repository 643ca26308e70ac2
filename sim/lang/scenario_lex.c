/*
 * sim/lang/scenario_lex.c - the scenario language's lexical layer: the error
 * sink, splitting one line into tokens, and converting literal words
 * (integers, byte counts, durations) to exact values.
 *
 * Contracts:
 * - The language is line-oriented, so the lexer hands out one line at a
 *   time; a line always ends with an SC_TOK_EOL token whose column is just
 *   past the last character, so "found end of line" has a position.
 * - Lines and columns are 1-based; a column counts bytes (a tab is one).
 * - Any byte sequence is handled: NUL bytes, bytes outside ASCII (outside
 *   strings and comments), bad escapes and unterminated strings are errors
 *   with a position, never a crash or a silent skip.
 * - Literal conversion is integer-only and exact: "1.5ms" is 1500000 ns,
 *   "0.5ns" and overflowing values are refused, not rounded or wrapped.
 */
#include "base/bytes.h"
#include "base/vec.h"
#include "lang/scenario_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ------------------------------------------------------------ */

static void vreport(sc_err *e, int line, int col, const char *fmt, va_list ap)
    SC_PRINTF(4, 0);

static void vreport(sc_err *e, int line, int col, const char *fmt, va_list ap)
{
  e->set = 1;
  e->line = line;
  e->col = col;
  if (!e->buf || e->buflen == 0)
    return;
  const char *path = e->path ? e->path : "<input>";
  int n = line > 0 ? snprintf(e->buf, e->buflen, "%s:%d:%d: error: ", path, line, col)
                   : snprintf(e->buf, e->buflen, "%s: error: ", path);
  if (n >= 0 && (size_t)n < e->buflen)
    vsnprintf(e->buf + n, e->buflen - (size_t)n, fmt, ap);
}

void sc_error(sc_err *e, int line, int col, const char *fmt, ...)
{
  if (e->set)
    return; /* one message: the first cause, not its consequences */
  va_list ap;
  va_start(ap, fmt);
  vreport(e, line, col, fmt, ap);
  va_end(ap);
}

void sc_error_min(sc_err *e, int line, int col, const char *fmt, ...)
{
  if (e->set && (e->line < line || (e->line == line && e->col <= col)))
    return;
  va_list ap;
  va_start(ap, fmt);
  vreport(e, line, col, fmt, ap);
  va_end(ap);
}

void sc_error_file(sc_err *e, const char *fmt, ...)
{
  if (e->set)
    return;
  va_list ap;
  va_start(ap, fmt);
  vreport(e, 0, 0, fmt, ap);
  va_end(ap);
}

/* ---- memory ------------------------------------------------------------ */

void *sc_push(void *ptr, size_t n, size_t elsize)
{
  /* The capacity n implies: 0 for none, 4 up to 4, then the next power of
   * two (n itself when it is one: the array is full). */
  size_t cap = n == 0 ? 0 : 4;
  while (cap < n)
    cap *= 2;
  if (sim_vec_reserve(&ptr, &cap, n + 1, elsize, 4, 0) != 0)
    return NULL;
  return ptr;
}

/* ---- the line lexer ---------------------------------------------------- */

void sc_lex_init(sc_lexer *lx, const char *text, size_t len, sc_err *err)
{
  lx->text = text;
  lx->len = len;
  lx->pos = 0;
  lx->line = 1;
  lx->err = err;
}

static void line_clear(sc_line *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->tok[i].str);
  l->n = 0;
}

void sc_line_free(sc_line *l)
{
  line_clear(l);
  free(l->tok);
  l->tok = NULL;
  l->cap = 0;
}

static sc_tok *line_add(sc_lexer *lx, sc_line *l, sc_tok_kind kind, size_t start, size_t len,
                        int col)
{
  if (SIM_VEC_RESERVE(l->tok, l->cap, l->n + 1, 16) != 0) {
    sc_error(lx->err, lx->line, col, "out of memory");
    return NULL;
  }
  sc_tok *t = &l->tok[l->n++];
  t->kind = kind;
  t->p = lx->text + start;
  t->len = len;
  t->str = NULL;
  t->slen = 0;
  t->line = lx->line;
  t->col = col;
  return t;
}

static int is_word_char(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

static int is_op_char(unsigned char c)
{
  return c == '<' || c == '>' || c == '=' || c == '!';
}

static void bad_byte(sc_lexer *lx, int col, unsigned char c, const char *where)
{
  if (c == 0)
    sc_error(lx->err, lx->line, col, "NUL byte in file; scenario files are text");
  else if (c >= 0x20 && c < 0x7f)
    sc_error(lx->err, lx->line, col, "unexpected character '%c'%s", c, where);
  else
    sc_error(lx->err, lx->line, col, "unexpected byte 0x%02X%s", c,
             *where ? where : " (outside strings and comments only ASCII is allowed)");
}

/* Lex the string starting at the quote at lx->pos; col is the quote's. On
 * success lx->pos is past the closing quote. */
static int lex_string(sc_lexer *lx, sc_line *l, size_t line_start, int col)
{
  size_t start = lx->pos;
  size_t i = start + 1;
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (i >= lx->len || lx->text[i] == '\n' || lx->text[i] == '\r') {
      sc_error(lx->err, lx->line, col,
               "unterminated string; expected '\"' before end of line");
      goto fail;
    }
    unsigned char c = (unsigned char)lx->text[i];
    /* i - line_start fits an int: the caller checked the line's length */
    int ccol = (int)(i - line_start) + 1;
    if (c == '"')
      break;
    if (c == '\\') {
      unsigned char d = i + 1 < lx->len ? (unsigned char)lx->text[i + 1] : '\n';
      switch (d) {
      case '"': c = '"'; break;
      case '\\': c = '\\'; break;
      case 'n': c = '\n'; break;
      case 't': c = '\t'; break;
      case '\n':
        sc_error(lx->err, lx->line, col,
                 "unterminated string; expected '\"' before end of line");
        goto fail;
      default:
        if (d >= 0x20 && d < 0x7f)
          sc_error(lx->err, lx->line, ccol,
                   "unknown escape '\\%c' in string; expected \\\", \\\\, \\n or \\t", d);
        else
          bad_byte(lx, ccol + 1, d, " after '\\' in string");
        goto fail;
      }
      i += 2;
    } else if (c == 0 || (c < 0x20 && c != '\t') || c == 0x7f) {
      bad_byte(lx, ccol, c, " in string; write \\n or \\t for a newline or a tab");
      goto fail;
    } else {
      i++;
    }
    if (SIM_VEC_RESERVE(buf, cap, n + 2, 32) != 0) {
      sc_error(lx->err, lx->line, col, "out of memory");
      goto fail;
    }
    buf[n++] = (char)c;
  }
  if (!buf && !(buf = malloc(1))) {
    sc_error(lx->err, lx->line, col, "out of memory");
    return -1;
  }
  buf[n] = '\0';
  sc_tok *t = line_add(lx, l, SC_TOK_STRING, start, i + 1 - start, col);
  if (!t)
    goto fail;
  t->str = buf;
  t->slen = n;
  lx->pos = i + 1;
  return 0;
fail:
  free(buf);
  return -1;
}

int sc_lex_line(sc_lexer *lx, sc_line *out)
{
  line_clear(out);
  if (lx->pos >= lx->len)
    return 0;
  const char *s = lx->text;
  size_t start = lx->pos;
  /* Columns are ints: refuse a line longer than that up front, so that no
   * position computed below can overflow. */
  /* A line ends at LF, CR LF or CR alone (classic Mac OS text files). */
  size_t end = start;
  while (end < lx->len && s[end] != '\n' && s[end] != '\r')
    end++;
  if (end - start >= (size_t)INT_MAX) {
    sc_error(lx->err, lx->line, 1, "line too long (more than %d bytes)", INT_MAX - 1);
    return -1;
  }
  if (lx->line == INT_MAX) {
    sc_error(lx->err, lx->line, 1, "file too long (more than %d lines)", INT_MAX - 1);
    return -1;
  }
  while (lx->pos < end) {
    size_t i = lx->pos;
    unsigned char c = (unsigned char)s[i];
    int col = (int)(i - start) + 1;
    if (c == ' ' || c == '\t') {
      lx->pos++;
    } else if (c == '#') {
      /* A comment may hold any text but NUL, which would hide the rest of
       * the line from every C string function a user might apply to it. */
      const char *nul = memchr(s + i, '\0', end - i);
      if (nul) {
        bad_byte(lx, (int)(nul - (s + start)) + 1, 0, "");
        return -1;
      }
      lx->pos = end;
    } else if (c == '"') {
      if (lex_string(lx, out, start, col) < 0)
        return -1;
    } else if (c == ',') {
      if (!line_add(lx, out, SC_TOK_COMMA, i, 1, col))
        return -1;
      lx->pos++;
    } else if (is_op_char(c)) {
      size_t j = i;
      while (j < end && is_op_char((unsigned char)s[j]))
        j++;
      if (!line_add(lx, out, SC_TOK_OP, i, j - i, col))
        return -1;
      lx->pos = j;
    } else if (is_word_char(c)) {
      size_t j = i;
      while (j < end && is_word_char((unsigned char)s[j]))
        j++;
      if (!line_add(lx, out, SC_TOK_WORD, i, j - i, col))
        return -1;
      lx->pos = j;
    } else {
      bad_byte(lx, col, c, "");
      return -1;
    }
  }
  if (!line_add(lx, out, SC_TOK_EOL, end, 0, (int)(end - start) + 1))
    return -1;
  lx->pos = end < lx->len ? end + 1 : end;
  if (end + 1 < lx->len && s[end] == '\r' && s[end + 1] == '\n')
    lx->pos++;
  lx->line++;
  return 1;
}

int sc_tok_is(const sc_tok *t, const char *kw)
{
  size_t n = strlen(kw);
  return t->kind == SC_TOK_WORD && t->len == n && memcmp(t->p, kw, n) == 0;
}

const char *sc_tok_describe(const sc_tok *t, char *buf, size_t len)
{
  enum { SHOW = 40 }; /* enough to recognize a token; the position says where */
  int n = t->len > SHOW ? SHOW - 3 : (int)t->len;
  const char *more = t->len > SHOW ? "..." : "";
  switch (t->kind) {
  case SC_TOK_EOL:
    snprintf(buf, len, "end of line");
    break;
  case SC_TOK_STRING:
    snprintf(buf, len, "string %.*s%s", n, t->p, more);
    break;
  default:
    snprintf(buf, len, "'%.*s%s'", n, t->p, more);
    break;
  }
  return buf;
}

/* ---- literals ---------------------------------------------------------- */

static int is_digit(char c)
{
  return c >= '0' && c <= '9';
}

int sc_is_name(const char *p, size_t len)
{
  if (len == 0)
    return 0;
  unsigned char c = (unsigned char)p[0];
  if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
    return 0;
  for (size_t i = 1; i < len; i++)
    if (!is_word_char((unsigned char)p[i]))
      return 0;
  return 1;
}

int sc_parse_uint(const char *p, size_t len, uint64_t max, uint64_t *out)
{
  unsigned base = 10;
  if (len > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    base = 16;
    p += 2;
    len -= 2;
  }
  if (len == 0)
    return SC_NUM_BAD;
  /* Check the shape first, so that "99999999999999999999x" is "not a
   * number" rather than "too large". */
  for (size_t i = 0; i < len; i++)
    if (base == 16 ? sim_hex_digit(p[i]) < 0 : !is_digit(p[i]))
      return SC_NUM_BAD;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned d = (unsigned)sim_hex_digit(p[i]);
    if (d > max || v > (max - d) / base)
      return SC_NUM_RANGE;
    v = v * base + d;
  }
  *out = v;
  return SC_NUM_OK;
}

int sim_scenario_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
  int r = sc_parse_uint(s, strlen(s), max, out);
  return r == SC_NUM_OK ? 0 : r == SC_NUM_RANGE ? -2 : -1;
}

int sc_parse_int(const char *p, size_t len, int64_t min, int64_t max, int64_t *out)
{
  int neg = len > 0 && p[0] == '-';
  uint64_t mag;
  if (neg) {
    /* -(min + 1) + 1 computes |min| without overflowing INT64_MIN */
    uint64_t lim = min < 0 ? (uint64_t)(-(min + 1)) + 1 : 0;
    int r = sc_parse_uint(p + 1, len - 1, UINT64_MAX, &mag);
    if (r != SC_NUM_OK)
      return r;
    if (mag > lim)
      return SC_NUM_RANGE;
    *out = mag == 0 ? 0 : -(int64_t)(mag - 1) - 1;
    return *out >= min ? SC_NUM_OK : SC_NUM_RANGE;
  }
  int r = sc_parse_uint(p, len, UINT64_MAX, &mag);
  if (r != SC_NUM_OK)
    return r;
  if (max < 0 || mag > (uint64_t)max || (int64_t)mag < min)
    return SC_NUM_RANGE;
  *out = (int64_t)mag;
  return SC_NUM_OK;
}

int sc_parse_size(const char *p, size_t len, uint64_t max, uint64_t *out)
{
  uint64_t mult = 1;
  if (len > 1 && p[len - 1] == 'k') {
    mult = 1024;
    len--;
  } else if (len > 1 && p[len - 1] == 'm') {
    mult = 1024 * 1024;
    len--;
  }
  uint64_t v;
  int r = sc_parse_uint(p, len, UINT64_MAX, &v);
  if (r != SC_NUM_OK)
    return r;
  if (v > max / mult)
    return SC_NUM_RANGE;
  *out = v * mult;
  return SC_NUM_OK;
}

static int ends_with(const char *p, size_t len, const char *suffix)
{
  size_t n = strlen(suffix);
  return len > n && memcmp(p + len - n, suffix, n) == 0;
}

int sc_parse_duration(const char *p, size_t len, uint64_t *out)
{
  uint64_t mult = 0;
  size_t ulen = 0;
  if (ends_with(p, len, "ns"))
    mult = 1, ulen = 2;
  else if (ends_with(p, len, "us"))
    mult = 1000, ulen = 2;
  else if (ends_with(p, len, "ms"))
    mult = 1000000, ulen = 2;
  else if (ends_with(p, len, "s"))
    mult = 1000000000, ulen = 1;
  size_t nlen = len - ulen;
  /* Shape: digits [. digits]. */
  size_t i = 0;
  while (i < nlen && is_digit(p[i]))
    i++;
  size_t int_end = i;
  size_t frac_start = i;
  if (i < nlen && p[i] == '.') {
    frac_start = ++i;
    while (i < nlen && is_digit(p[i]))
      i++;
    if (i == frac_start)
      return SC_NUM_BAD; /* "1.ms" */
  }
  if (int_end == 0 || i != nlen)
    return SC_NUM_BAD;
  if (mult == 0)
    return SC_NUM_NOUNIT;

  uint64_t v = 0;
  for (size_t k = 0; k < int_end; k++) {
    unsigned d = (unsigned)(p[k] - '0');
    if (v > (UINT64_MAX - d) / 10)
      return SC_NUM_RANGE;
    v = v * 10 + d;
  }
  if (v > UINT64_MAX / mult)
    return SC_NUM_RANGE;
  v *= mult;
  /* Each fraction digit is worth a tenth of the previous one; once a digit
   * is worth less than 1 ns it must be 0, or the value is not exact. */
  uint64_t place = mult;
  for (size_t k = frac_start; k < nlen; k++) {
    unsigned d = (unsigned)(p[k] - '0');
    if (place >= 10) {
      place /= 10;
      if (v > UINT64_MAX - d * place)
        return SC_NUM_RANGE;
      v += d * place;
    } else if (d != 0) {
      return SC_NUM_FINE;
    }
  }
  *out = v;
  return SC_NUM_OK;
}

const char *sc_fmt_duration(uint64_t ns, char *buf, size_t len)
{
  static const struct { uint64_t div; const char *unit; } units[] = {
      {1000000000u, "s"}, {1000000u, "ms"}, {1000u, "us"}};
  for (size_t i = 0; ns != 0 && i < sizeof units / sizeof units[0]; i++)
    if (ns % units[i].div == 0) {
      snprintf(buf, len, "%llu%s", (unsigned long long)(ns / units[i].div), units[i].unit);
      return buf;
    }
  snprintf(buf, len, "%lluns", (unsigned long long)ns);
  return buf;
}

int sim_sc_parse_duration(const char *s, uint64_t *ns)
{
  return sc_parse_duration(s, strlen(s), ns) == SC_NUM_OK ? 0 : -1;
}
