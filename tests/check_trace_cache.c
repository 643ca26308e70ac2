/*
 * check_trace_cache.c - the trace writers' caches (sim/trace) driven past
 * their capacity and into collisions, with the output compared to what
 * it must be without them: the text writer's result names (64 slots by the
 * code's low 6 bits), dCtlFlags details (8 slots by a hash of the flags
 * and the flags before), ref, pb and id columns and time memo; the chrome
 * writer's driver labels (cut to at most 47 bytes, on a character
 * boundary, for a request's outer slice, escaped whole elsewhere), counter heads (kept up to 128 bytes, made again
 * when an install renames the driver) and its id, track and time memos.
 * Each row or event is checked against a fresh writer given only what it
 * depends on, or against the format its contract states (printf's).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "devmgr/err.h"
#include "tracemem.h"

/* Parameter blocks: only their addresses matter. */
static char pbs[16][64];

/* The last line of s (with its newline), copied; the caller frees it. */
static char *last_line(const char *s)
{
  size_t n = strlen(s);
  ck_assert_uint_gt(n, 0);
  ck_assert_int_eq(s[n - 1], '\n');
  size_t b = n - 1;
  while (b > 0 && s[b - 1] != '\n')
    b--;
  char *l = strndup(s + b, n - b);
  ck_assert_ptr_nonnull(l);
  return l;
}

/* What a fresh text writer writes for recs[0..n); the caller frees it. */
static char *text_of(const dm_trace_rec *recs, size_t n)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_TEXT);
  for (size_t i = 0; i < n; i++)
    feed(t, recs[i]);
  return mem_close(t, &m);
}

/* The row a fresh text writer writes for the last of recs[0..n), given the
 * ones before it (and nothing else): the row without the writer's caches
 * holding anything from other records. The caller frees it. */
static char *fresh_row(const dm_trace_rec *recs, size_t n)
{
  char *out = text_of(recs, n);
  char *row = last_line(out);
  free(out);
  return row;
}

/* The rows of a text trace after its header and rule, split in place. */
static size_t text_rows(char *out, char **rows, size_t most)
{
  size_t n = 0;
  char *p = strchr(out, '\n');
  ck_assert_ptr_nonnull(p);
  p = strchr(p + 1, '\n'); /* the rule */
  ck_assert_ptr_nonnull(p);
  for (p++; *p != '\0'; n++) {
    char *nl = strchr(p, '\n');
    ck_assert_ptr_nonnull(nl);
    ck_assert_uint_lt(n, most);
    rows[n] = p;
    nl[0] = '\0';
    p = nl + 1;
  }
  return n;
}

/* Result codes that share their low 6 bits (the text writer's slot) with
 * one another: named and unnamed, noErr among them, in an order that makes
 * every slot change hands again and again. */
START_TEST(t_text_err_slots)
{
  static const int16_t base[] = {0, -27, -36, -108, -1, 1};
  static const int16_t off[] = {0, -64, 64, -640, 6400};
  enum { NB = sizeof base / sizeof base[0], NO = sizeof off / sizeof off[0], PASSES = 3 };
  enum { NREC = PASSES * NO * NB * 2 };
  static dm_trace_rec recs[NREC];
  size_t n = 0;
  for (int p = 0; p < PASSES; p++)
    for (int o = 0; o < NO; o++)
      for (int b = 0; b < NB; b++) {
        int16_t code = (int16_t)(base[b] + off[(o + p) % NO]);
        recs[n++] = (dm_trace_rec){.t = 1000, .ev = DM_EV_COMPLETE, .ref = -49, .result = code};
        recs[n++] = (dm_trace_rec){.t = 1000, .ev = DM_EV_RETURN, .ref = -49, .result = code};
      }
  ck_assert_uint_eq(n, NREC);
  char *out = text_of(recs, n);
  static char *rows[NREC + 1];
  ck_assert_uint_eq(text_rows(out, rows, NREC + 1), NREC);
  for (size_t i = 0; i < n; i++) {
    char *want = fresh_row(&recs[i], 1);
    want[strlen(want) - 1] = '\0';
    ck_assert_str_eq(rows[i], want);
    /* and what the row must say, from the table itself */
    char det[64];
    const char *name = dm_err_name(recs[i].result);
    if (name)
      snprintf(det, sizeof det, "=%s", name);
    else
      snprintf(det, sizeof det, "=%d", recs[i].result);
    size_t rl = strlen(rows[i]), dl = strlen(det);
    ck_assert_msg(rl > dl && strcmp(rows[i] + rl - dl, det) == 0, "row %zu: '%s' lacks '%s'", i,
                  rows[i], det);
    free(want);
  }
  free(out);
}
END_TEST

/* dCtlFlags records of one driver cycling through more values than the
 * writer keeps details of, forwards and back, then one value after each of
 * the others in turn: the same flags come after different ones (more of
 * them than there are slots, so some share one) and the slots are taken
 * over and over. */
START_TEST(t_text_flags_slots)
{
  enum { NV = 24, NREC = 3 * NV + 2 * NV + 2 * NV };
  uint16_t v[NV];
  uint32_t x = 2463534242u;
  for (int i = 0; i < NV; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    v[i] = (uint16_t)x;
  }
  v[3] = 0; /* from and to nothing */
  v[7] = 0xFFFF;
  static dm_trace_rec recs[NREC];
  size_t n = 0;
  for (int p = 0; p < 3; p++)
    for (int i = 0; i < NV; i++)
      recs[n++] = (dm_trace_rec){.t = 5, .ev = DM_EV_FLAGS, .ref = -49, .flags = v[i]};
  for (int p = 0; p < 2; p++)
    for (int i = NV - 1; i >= 0; i--)
      recs[n++] = (dm_trace_rec){.t = 5, .ev = DM_EV_FLAGS, .ref = -49, .flags = v[i]};
  for (int i = 0; i < NV; i++) {
    recs[n++] = (dm_trace_rec){.t = 5, .ev = DM_EV_FLAGS, .ref = -49, .flags = v[i]};
    recs[n++] = (dm_trace_rec){.t = 5, .ev = DM_EV_FLAGS, .ref = -49, .flags = 0x0F28};
  }
  ck_assert_uint_eq(n, NREC);
  char *out = text_of(recs, n);
  static char *rows[NREC + 1];
  ck_assert_uint_eq(text_rows(out, rows, NREC + 1), NREC);
  for (size_t i = 0; i < n; i++) {
    /* A flags row depends on these flags and the ones before them. */
    char *want = fresh_row(&recs[i > 0 ? i - 1 : 0], i > 0 ? 2 : 1);
    want[strlen(want) - 1] = '\0';
    ck_assert_str_eq(rows[i], want);
    char hex[32];
    snprintf(hex, sizeof hex, "dCtlFlags=0x%04X", recs[i].flags);
    ck_assert_ptr_nonnull(strstr(rows[i], hex));
    free(want);
  }
  free(out);
}
END_TEST

/* The ref, pb and id columns and the time, each a memo of the last value
 * written, against printf of the row's documented format: refs of both
 * signs, pb numbers back and forth, ids of one slot in several
 * generations, times that share their whole milliseconds and times that
 * do not. */
START_TEST(t_text_columns)
{
  static const int16_t refs[] = {-49, 49, -49, -50, 50, 1, -1, -32768, 32767};
  static const uint64_t ids[] = {6, UINT64_C(1) << 32 | 6, UINT64_C(2) << 32 | 6, 6,
                                 UINT64_C(0xFFFFFFFF) << 32 | 0xFFFFFFFFu, 7};
  static const uint64_t times[] = {0, 999999, 1000000, 1000001, 1999999, 2000000, 2000000,
                                   UINT64_C(999999999999), UINT64_C(1000000000000)};
  enum { NREC = 60 };
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_TEXT);
  char want[NREC][160];
  int pbnum[8] = {0}, npb = 0;
  for (int i = 0; i < NREC; i++) {
    int16_t ref = refs[i % 9];
    uint64_t id = ids[i % 6], ns = times[(i * 5) % 9];
    int k = (i * 3) % 8;
    feed(t, (dm_trace_rec){.t = ns, .ev = DM_EV_RETURN, .lvl = (uint8_t)(i % 3), .ref = ref,
                           .pb = pbs[k], .id = id});
    if (pbnum[k] == 0)
      pbnum[k] = ++npb;
    char rs[16], ps[16], is[32];
    snprintf(rs, sizeof rs, "%d", ref);
    snprintf(ps, sizeof ps, "pb%d", pbnum[k]);
    if (id >> 32)
      snprintf(is, sizeof is, "#%llu/%llu", (unsigned long long)(id & 0xFFFFFFFFu),
               (unsigned long long)(id >> 32));
    else
      snprintf(is, sizeof is, "#%llu", (unsigned long long)id);
    static const char *const lvl[] = {"task", "sih", "hwi"};
    snprintf(want[i], sizeof want[i],
             "%6llu.%06llu ms  %-4s  %-12s  %6s  %6s  %6s  DoDriverIO returned status=noErr",
             (unsigned long long)(ns / 1000000), (unsigned long long)(ns % 1000000), lvl[i % 3],
             "return", rs, ps, is);
  }
  char *out = mem_close(t, &m);
  static char *rows[NREC + 1];
  ck_assert_uint_eq(text_rows(out, rows, NREC + 1), NREC);
  for (int i = 0; i < NREC; i++)
    ck_assert_str_eq(rows[i], want[i]);
  free(out);
}
END_TEST

/* --- chrome ---------------------------------------------------------------- */

/* The event lines of a chrome trace (no separators), split in place. */
static size_t chrome_lines(char *out, char **lines, size_t most)
{
  size_t n = 0;
  ck_assert(strncmp(out, "{\"traceEvents\":[\n", 17) == 0);
  for (char *p = out + 17; *p != '\0' && *p != ']'; n++) {
    char *nl = strchr(p, '\n');
    ck_assert_ptr_nonnull(nl);
    ck_assert_uint_lt(n, most);
    lines[n] = p;
    nl[0] = '\0';
    if (nl > p && nl[-1] == ',')
      nl[-1] = '\0';
    p = nl + 1;
  }
  return n;
}

/* Keep the lines of lines[0..n) that contain `has`, in order, in kept;
 * returns how many. */
static size_t pick(char **lines, size_t n, const char *has, char **kept)
{
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strstr(lines[i], has) != NULL)
      kept[k++] = lines[i];
  return k;
}

/* What the chrome writer must show of one driver of t_chrome_labels. */
typedef struct lab {
  int16_t     ref;
  const char *name;
  const char *full; /* its label as a JSON string, whole */
  const char *cut;  /* its outer slice's name, at most its first 47 bytes
                       with no character cut, as a JSON string; NULL: plain
                       letters, the test cuts them itself */
} lab;

/* Labels longer than the 47 bytes of a request's outer slice: the 47th
 * byte inside a UTF-8 character of 2, 3 and 4 bytes, at each of its
 * places (the cut falls before the character, never in it: no broken
 * sequence, which Perfetto would show as a stray character), characters
 * that end at the 47th byte (kept whole), bytes that are not well-formed
 * UTF-8 at the cut (each a character of its own, as in the whole label),
 * and the cut after an escaped character; and labels whose counter head
 * just fits the 128 bytes the writer keeps and just does not; requests of
 * all the drivers interleaved, so that every memo changes hands. Every
 * counter, every outer slice and every track's name is compared whole
 * with what it must be. */
START_TEST(t_chrome_labels)
{
#define X44 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define Y46 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
#define Y45 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
#define Y44 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
#define Y43 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
#define EURO "\xe2\x82\xac"     /* U+20AC, 3 bytes */
#define GRIN "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes */
#define Q44 "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
#define Z60 "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
#define W64 "wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww"
  static const lab labs[] = {
    {-49, X44, "\"" X44 " (-49)\"", NULL},
    {-50, Y46 "\xc3\xa9", "\"" Y46 "\xc3\xa9 (-50)\"", "\"" Y46 "\""},
    {-51, Q44 "\"\\", "\"" Q44 "\\\"\\\\ (-51)\"", "\"" Q44 "\\\"\\\\ \""},
    {-52, Z60 Z60, "\"" Z60 Z60 " (-52)\"", NULL},
    /* counter heads of 128 bytes and of 129: ",\n{"name":"" 11, the label
     * 71 and 72, "\",\"cat\":\"queue\",\"ph\":\"C\"," 25, "\"pid\":1,\"tid\":5,\"ts\":" 21 */
    {-53, W64 "w", "\"" W64 "w (-53)\"", NULL},
    {-54, W64 "ww", "\"" W64 "ww (-54)\"", NULL},
    /* the cuts at UTF-8 characters, after those two, whose counted tids
     * must stay 5 and 6 */
    {-55, Y46 EURO, "\"" Y46 EURO " (-55)\"", "\"" Y46 "\""},
    {-56, Y45 EURO, "\"" Y45 EURO " (-56)\"", "\"" Y45 "\""},
    {-57, Y44 EURO, "\"" Y44 EURO " (-57)\"", "\"" Y44 EURO "\""},
    {-58, Y46 GRIN, "\"" Y46 GRIN " (-58)\"", "\"" Y46 "\""},
    {-59, Y45 GRIN, "\"" Y45 GRIN " (-59)\"", "\"" Y45 "\""},
    {-60, Y44 GRIN, "\"" Y44 GRIN " (-60)\"", "\"" Y44 "\""},
    {-61, Y43 GRIN, "\"" Y43 GRIN " (-61)\"", "\"" Y43 GRIN "\""},
    {-62, Y45 "\xc3\xa9", "\"" Y45 "\xc3\xa9 (-62)\"", "\"" Y45 "\xc3\xa9\""},
    /* not UTF-8, so each byte is a character (\u00XX, as in the whole
     * label): a lead byte without its continuation, lone continuations */
    {-63, Y46 "\xc3x", "\"" Y46 "\\u00c3x (-63)\"", "\"" Y46 "\\u00c3\""},
    {-64, Y45 "\xa9\xa9\xa9", "\"" Y45 "\\u00a9\\u00a9\\u00a9 (-64)\"",
     "\"" Y45 "\\u00a9\\u00a9\""},
  };
  enum { ND = sizeof labs / sizeof labs[0], ROUNDS = 3 };
  _Static_assert(ND <= sizeof pbs / sizeof pbs[0], "a parameter block for each driver");
  char cuts[ND][80];
  for (int d = 0; d < ND; d++) {
    if (labs[d].cut != NULL)
      snprintf(cuts[d], sizeof cuts[d], "%s", labs[d].cut);
    else { /* plain letters: the first 47 bytes of the label */
      char label[160];
      snprintf(label, sizeof label, "%s (%d)", labs[d].name, labs[d].ref);
      snprintf(cuts[d], sizeof cuts[d], "\"%.47s\"", label);
    }
  }
  /* every expected counter and outer slice, in the order they must come */
  static char ctr[ND * (1 + 3 * ROUNDS)][320], outer[ND * 2 * ROUNDS][320];
  size_t nctr = 0, nouter = 0;
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_CHROME);
  sim_trace_set_machine(t, "m", 0);
#define CTR(d, us, q, i)                                                                        \
  snprintf(ctr[nctr++], sizeof ctr[0],                                                          \
           "{\"name\":%s,\"cat\":\"queue\",\"ph\":\"C\",\"pid\":1,\"tid\":%d,\"ts\":%d.000,"    \
           "\"args\":{\"queued\":%d,\"inflight\":%d,\"drvrActive\":0}}",                        \
           labs[d].full, (d) + 1, (us), (q), (i))
  for (int d = 0; d < ND; d++) {
    feed(t, (dm_trace_rec){.t = 0, .ev = DM_EV_INSTALL, .ref = labs[d].ref, .runtime = 8,
                           .name = labs[d].name});
    CTR(d, 0, 0, 0);
  }
  int us = 1, serial = 0;
  for (int r = 0; r < ROUNDS; r++) {
    int sl[ND];
    for (int d = 0; d < ND; d++) {
      uint64_t id = (uint64_t)(r * ND + d + 1);
      feed(t, (dm_trace_rec){.t = (uint64_t)us * 1000, .ev = DM_EV_CALL, .ref = labs[d].ref,
                             .code = 2, .mode = 2, .pb = pbs[d], .name = "c"});
      sl[d] = ++serial;
      snprintf(outer[nouter++], sizeof outer[0],
               "{\"name\":%s,\"cat\":\"io\",\"ph\":\"b\",\"id2\":{\"local\":\"0x%x\"},\"pid\":1,"
               "\"tid\":%d,\"ts\":%d.000}",
               cuts[d], sl[d], d + 1, us);
      feed(t, (dm_trace_rec){.t = (uint64_t)us * 1000, .ev = DM_EV_ENQUEUE, .ref = labs[d].ref,
                             .pb = pbs[d]});
      CTR(d, us, 1, 0);
      us++;
      feed(t, (dm_trace_rec){.t = (uint64_t)us * 1000, .ev = DM_EV_DISPATCH, .ref = labs[d].ref,
                             .code = 2, .mode = 2, .pb = pbs[d], .id = id});
      CTR(d, us, 1, 1);
      us++;
    }
    for (int d = ND - 1; d >= 0; d--) {
      uint64_t id = (uint64_t)(r * ND + d + 1);
      feed(t, (dm_trace_rec){.t = (uint64_t)us * 1000, .ev = DM_EV_COMPLETE, .ref = labs[d].ref,
                             .pb = pbs[d], .id = id, .result = -27});
      snprintf(outer[nouter++], sizeof outer[0],
               "{\"name\":%s,\"cat\":\"io\",\"ph\":\"e\",\"id2\":{\"local\":\"0x%x\"},\"pid\":1,"
               "\"tid\":%d,\"ts\":%d.000,\"args\":{\"result\":-27,\"err\":\"abortErr\"}}",
               cuts[d], sl[d], d + 1, us);
      CTR(d, us, 0, 0);
      us++;
    }
  }
#undef CTR
  char *out = mem_close(t, &m);
  static char *lines[1024], *got[1024];
  size_t n = chrome_lines(out, lines, 1024);
  size_t k = pick(lines, n, "\"cat\":\"queue\"", got);
  ck_assert_uint_eq(k, nctr);
  for (size_t i = 0; i < k; i++)
    ck_assert_str_eq(got[i], ctr[i]);
  /* outer slices: the io slices named with a label (the request's own is
   * "read pbN", its wait "queued") */
  size_t no = 0;
  for (size_t i = 0; i < n; i++)
    if (strstr(lines[i], "\"cat\":\"io\"") && strncmp(lines[i], "{\"name\":\"read pb", 16) != 0 &&
        strncmp(lines[i], "{\"name\":\"queued\"", 16) != 0)
      got[no++] = lines[i];
  ck_assert_uint_eq(no, nouter);
  for (size_t i = 0; i < no; i++)
    ck_assert_str_eq(got[i], outer[i]);
  /* each track named once, with its whole label */
  k = pick(lines, n, "\"thread_name\"", got);
  ck_assert_uint_eq(k, ND);
  for (size_t d = 0; d < ND; d++) {
    char w[320];
    snprintf(w, sizeof w,
             "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%zu,\"args\":{\"name\":%s}}",
             d + 1, labs[d].full);
    ck_assert_str_eq(got[d], w);
  }
  free(out);
#undef X44
#undef Y46
#undef Y45
#undef Y44
#undef Y43
#undef EURO
#undef GRIN
#undef Q44
#undef Z60
#undef W64
}
END_TEST

/* A driver known first by its refNum (a placeholder, "ref-5") that an
 * install then names: its track is named again, and every counter after
 * the install carries the new label, from the install on (a counter track
 * is known by its name: the new one starts with the driver's state, as a
 * fresh install's does), whether or not the counts changed; the request
 * opened before the install keeps the label it opened with. */
START_TEST(t_chrome_counter_after_rename)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_CHROME);
  sim_trace_set_machine(t, "m", 0);
  feed(t, (dm_trace_rec){.t = 1000, .ev = DM_EV_CALL, .ref = -5, .code = 2, .mode = 2,
                         .pb = pbs[0], .name = "c"});
  feed(t, (dm_trace_rec){.t = 1000, .ev = DM_EV_ENQUEUE, .ref = -5, .pb = pbs[0]});
  feed(t, (dm_trace_rec){.t = 2000, .ev = DM_EV_INSTALL, .ref = -5, .runtime = 8,
                         .name = ".Late"});
  feed(t, (dm_trace_rec){.t = 3000, .ev = DM_EV_DISPATCH, .ref = -5, .code = 2, .mode = 2,
                         .pb = pbs[0], .id = 1});
  feed(t, (dm_trace_rec){.t = 4000, .ev = DM_EV_COMPLETE, .ref = -5, .pb = pbs[0], .id = 1});
  feed(t, (dm_trace_rec){.t = 5000, .ev = DM_EV_CALL, .ref = -5, .code = 3, .mode = 2,
                         .pb = pbs[1], .name = "c"});
  feed(t, (dm_trace_rec){.t = 5000, .ev = DM_EV_ENQUEUE, .ref = -5, .pb = pbs[1]});
  char *out = mem_close(t, &m);
  static char *lines[64], *got[64];
  size_t n = chrome_lines(out, lines, 64);
#define HEAD(label) "{\"name\":\"" label "\",\"cat\":\"queue\",\"ph\":\"C\",\"pid\":1,\"tid\":1,"
  static const char *const ctr[] = {
    HEAD("ref-5") "\"ts\":1.000,\"args\":{\"queued\":1,\"inflight\":0,\"drvrActive\":0}}",
    HEAD(".Late (-5)") "\"ts\":2.000,\"args\":{\"queued\":1,\"inflight\":0,\"drvrActive\":0}}",
    HEAD(".Late (-5)") "\"ts\":3.000,\"args\":{\"queued\":1,\"inflight\":1,\"drvrActive\":0}}",
    HEAD(".Late (-5)") "\"ts\":4.000,\"args\":{\"queued\":0,\"inflight\":0,\"drvrActive\":0}}",
    HEAD(".Late (-5)") "\"ts\":5.000,\"args\":{\"queued\":1,\"inflight\":0,\"drvrActive\":0}}",
  };
#undef HEAD
  size_t k = pick(lines, n, "\"cat\":\"queue\"", got);
  ck_assert_uint_eq(k, sizeof ctr / sizeof ctr[0]);
  for (size_t i = 0; i < k; i++)
    ck_assert_str_eq(got[i], ctr[i]);
  k = pick(lines, n, "\"thread_name\"", got);
  ck_assert_uint_eq(k, 2);
  ck_assert_ptr_nonnull(strstr(got[0], "\"args\":{\"name\":\"ref-5\"}}"));
  ck_assert_ptr_nonnull(strstr(got[1], "\"args\":{\"name\":\".Late (-5)\"}}"));
  /* the outer slices: the first ends with its old name, the next begins
   * with the new */
  k = pick(lines, n, "\"cat\":\"io\",\"ph\":\"e\",\"id2\":{\"local\":\"0x1\"}", got);
  ck_assert_uint_eq(k, 3); /* "queued", "read pb1", the driver's */
  ck_assert_str_eq(got[2], "{\"name\":\"ref-5\",\"cat\":\"io\",\"ph\":\"e\",\"id2\":"
                           "{\"local\":\"0x1\"},\"pid\":1,\"tid\":1,\"ts\":4.000,"
                           "\"args\":{\"result\":0,\"err\":\"noErr\"}}");
  k = pick(lines, n, "\"cat\":\"io\",\"ph\":\"b\",\"id2\":{\"local\":\"0x2\"}", got);
  ck_assert_uint_eq(k, 3); /* the driver's, "write pb2", "queued" */
  ck_assert_str_eq(got[0], "{\"name\":\".Late (-5)\",\"cat\":\"io\",\"ph\":\"b\","
                           "\"id2\":{\"local\":\"0x2\"},\"pid\":1,\"tid\":1,\"ts\":5.000}");
  free(out);
}
END_TEST

Suite *trace_cache_suite(void)
{
  Suite *s = suite_create("trace_cache");
  TCase *tc = tcase_create("trace_cache");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, t_text_err_slots);
  tcase_add_test(tc, t_text_flags_slots);
  tcase_add_test(tc, t_text_columns);
  tcase_add_test(tc, t_chrome_labels);
  tcase_add_test(tc, t_chrome_counter_after_rename);
  suite_add_tcase(s, tc);
  return s;
}
