/*
 * check_trace.c - tests of the trace writer (sim/trace/trace.h): hand-made
 * dm_trace_rec sequences go into each format, written to a memory FILE, and
 * the output is checked byte for byte where a contract fixes it (jsonl, the
 * vcd file), structurally where a viewer reads it (chrome: one valid JSON
 * document, every async slice opened and closed), and for the decoded names
 * a student reads (text). Also: pb numbering by first appearance, JSON
 * escaping, write-failure reporting, and the writer's hash map.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "trace/trace.h"
#include "trace/trace_impl.h"
#include "tracemem.h"

#define TASK DM_LVL_TASK
#define SIH DM_LVL_SIH
#define HWI DM_LVL_HWI

/* Parameter blocks: only their addresses matter. */
static char pbs[8][64];

/*
 * One async read through .Null that is aborted, a sync status that
 * completes, a reject, a flags change, a violation and a warning: every kind
 * of record the jsonl schema names.
 */
static void feed_story(sim_trace *t)
{
  feed(t, (dm_trace_rec){.t = 0, .ev = DM_EV_INSTALL, .lvl = TASK, .ref = -49, .runtime = 8,
                         .name = ".Null"});
  feed(t, (dm_trace_rec){.t = 0, .ev = DM_EV_FLAGS, .lvl = TASK, .ref = -49, .flags = 0x0F28});
  feed(t, (dm_trace_rec){.t = 1000, .ev = DM_EV_CALL, .lvl = TASK, .code = 2, .mode = 2,
                         .ref = -49, .pb = pbs[0], .name = "reader"});
  feed(t, (dm_trace_rec){.t = 1000, .ev = DM_EV_ENQUEUE, .lvl = TASK, .ref = -49, .pb = pbs[0]});
  feed(t, (dm_trace_rec){.t = 1000, .ev = DM_EV_FLAGS, .lvl = TASK, .ref = -49, .flags = 0x0FA8});
  feed(t, (dm_trace_rec){.t = 1000, .ev = DM_EV_DISPATCH, .lvl = TASK, .code = 2, .mode = 2,
                         .ref = -49, .pb = pbs[0], .id = 1});
  feed(t, (dm_trace_rec){.t = 1250, .ev = DM_EV_RETURN, .lvl = TASK, .ref = -49, .id = 1});
  feed(t, (dm_trace_rec){.t = 51250, .ev = DM_EV_COMPLETE, .lvl = SIH, .ref = -49, .id = 1,
                         .pb = pbs[0], .result = -27});
  feed(t, (dm_trace_rec){.t = 51250, .ev = DM_EV_FLAGS, .lvl = SIH, .ref = -49, .flags = 0x0F28});
  feed(t, (dm_trace_rec){.t = 51250, .ev = DM_EV_CALLBACK, .lvl = SIH, .pb = pbs[0],
                         .result = -27});
  feed(t, (dm_trace_rec){.t = 60000, .ev = DM_EV_CALL, .lvl = TASK, .code = 5, .mode = 1,
                         .ref = -49, .pb = pbs[1], .name = NULL});
  feed(t, (dm_trace_rec){.t = 60000, .ev = DM_EV_DISPATCH, .lvl = TASK, .code = 5, .mode = 1,
                         .ref = -49, .pb = pbs[1], .id = 2});
  feed(t, (dm_trace_rec){.t = 60000, .ev = DM_EV_RETURN, .lvl = TASK, .ref = -49, .id = 2,
                         .result = 0});
  feed(t, (dm_trace_rec){.t = 62000, .ev = DM_EV_COMPLETE, .lvl = SIH, .ref = -49, .id = 2,
                         .pb = pbs[1], .result = 0});
  feed(t, (dm_trace_rec){.t = 62000, .ev = DM_EV_DONE, .lvl = TASK, .pb = pbs[1], .result = 0});
  feed(t, (dm_trace_rec){.t = 70000, .ev = DM_EV_CALL, .lvl = TASK, .code = 3, .mode = 2,
                         .ref = -50, .pb = pbs[0], .name = "writer"});
  feed(t, (dm_trace_rec){.t = 70000, .ev = DM_EV_REJECT, .lvl = TASK, .ref = -50, .pb = pbs[0],
                         .result = 12345});
  feed(t, (dm_trace_rec){.t = 80000, .ev = DM_EV_VIOLATION, .lvl = SIH, .ref = -49, .id = 1,
                         .rule = "complete-twice", .msg = "completed twice"});
  feed(t, (dm_trace_rec){.t = 81000, .ev = DM_EV_VIOLATION, .lvl = TASK,
                         .rule = "sync-deadlock", .msg = "nothing can complete it"});
  feed(t, (dm_trace_rec){.t = 90000, .ev = DM_EV_WARNING, .lvl = TASK, .ref = -49,
                         .msg = "dubious"});
  feed(t, (dm_trace_rec){.t = 99000, .ev = DM_EV_REMOVE, .lvl = TASK, .ref = -49,
                         .name = ".Null"});
}

/* --- a tiny JSON syntax checker (RFC 8259 grammar, no semantics) ----------- */

static const char *js_value(const char *p);

static const char *js_ws(const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    p++;
  return p;
}

static const char *js_string(const char *p)
{
  if (*p++ != '"')
    return NULL;
  while (*p != '"') {
    unsigned char c = (unsigned char)*p;
    if (c == 0 || c < 0x20)
      return NULL;
    if (c == '\\') {
      p++;
      if (*p == 'u') {
        for (int i = 1; i <= 4; i++) {
          char h = p[i];
          if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
            return NULL;
        }
        p += 5;
      } else if (*p && strchr("\"\\/bfnrt", *p)) {
        p++;
      } else {
        return NULL;
      }
    } else {
      p++;
    }
  }
  return p + 1;
}

static const char *js_number(const char *p)
{
  if (*p == '-')
    p++;
  if (*p == '0')
    p++;
  else if (*p >= '1' && *p <= '9')
    while (*p >= '0' && *p <= '9')
      p++;
  else
    return NULL;
  if (*p == '.') {
    p++;
    if (!(*p >= '0' && *p <= '9'))
      return NULL;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-')
      p++;
    if (!(*p >= '0' && *p <= '9'))
      return NULL;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  return p;
}

static const char *js_value(const char *p)
{
  p = js_ws(p);
  if (*p == '{' || *p == '[') {
    char close = *p == '{' ? '}' : ']';
    int obj = *p == '{';
    p = js_ws(p + 1);
    if (*p == close)
      return p + 1;
    for (;;) {
      if (obj) {
        p = js_string(js_ws(p));
        if (!p)
          return NULL;
        p = js_ws(p);
        if (*p++ != ':')
          return NULL;
      }
      p = js_value(p);
      if (!p)
        return NULL;
      p = js_ws(p);
      if (*p == close)
        return p + 1;
      if (*p++ != ',')
        return NULL;
    }
  }
  if (*p == '"')
    return js_string(p);
  if (strncmp(p, "true", 4) == 0)
    return p + 4;
  if (strncmp(p, "false", 5) == 0)
    return p + 5;
  if (strncmp(p, "null", 4) == 0)
    return p + 4;
  return js_number(p);
}

/* 1 when s is exactly one JSON value (surrounding whitespace allowed). */
static int json_valid(const char *s)
{
  const char *p = js_value(s);
  return p && *js_ws(p) == 0;
}

/* --- jsonl ----------------------------------------------------------------- */

START_TEST(t_format_parse)
{
  sim_trace_format f = SIM_TRACE_TEXT;
  ck_assert_int_eq(sim_trace_format_parse("jsonl", &f), 0);
  ck_assert_int_eq(f, SIM_TRACE_JSONL);
  ck_assert_int_eq(sim_trace_format_parse("chrome", &f), 0);
  ck_assert_int_eq(f, SIM_TRACE_CHROME);
  ck_assert_int_eq(sim_trace_format_parse("vcd", &f), 0);
  ck_assert_int_eq(f, SIM_TRACE_VCD);
  ck_assert_int_eq(sim_trace_format_parse("text", &f), 0);
  ck_assert_int_eq(f, SIM_TRACE_TEXT);
  ck_assert_int_eq(sim_trace_format_parse("json", &f), -1);
  ck_assert_int_eq(sim_trace_format_parse("", &f), -1);
  ck_assert_int_eq(sim_trace_format_parse(NULL, &f), -1);
  ck_assert_int_eq(f, SIM_TRACE_TEXT);
  ck_assert_str_eq(sim_trace_format_name(SIM_TRACE_VCD), "vcd");
  ck_assert_ptr_null(sim_trace_open(stdout, (sim_trace_format)9));
  ck_assert_int_eq(sim_trace_close(NULL), 0);
}
END_TEST

START_TEST(t_jsonl_exact)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_JSONL);
  feed_story(t);
  char *out = mem_close(t, &m);
  static const char expect[] =
    "{\"t\":0,\"ev\":\"install\",\"lvl\":\"task\",\"ref\":-49,\"name\":\".Null\",\"runtime\":8}\n"
    "{\"t\":0,\"ev\":\"flags\",\"lvl\":\"task\",\"ref\":-49,\"dCtlFlags\":3880}\n"
    "{\"t\":1000,\"ev\":\"call\",\"lvl\":\"task\",\"pb\":1,\"client\":\"reader\",\"op\":\"read\","
    "\"mode\":\"async\",\"ref\":-49}\n"
    "{\"t\":1000,\"ev\":\"enqueue\",\"lvl\":\"task\",\"pb\":1,\"ref\":-49}\n"
    "{\"t\":1000,\"ev\":\"flags\",\"lvl\":\"task\",\"ref\":-49,\"dCtlFlags\":4008}\n"
    "{\"t\":1000,\"ev\":\"dispatch\",\"lvl\":\"task\",\"pb\":1,\"ref\":-49,\"id\":1,\"code\":\"read\","
    "\"kind\":\"async\"}\n"
    "{\"t\":1250,\"ev\":\"return\",\"lvl\":\"task\",\"id\":1,\"ref\":-49,\"status\":0}\n"
    "{\"t\":51250,\"ev\":\"complete\",\"lvl\":\"sih\",\"id\":1,\"pb\":1,\"ref\":-49,\"result\":-27}\n"
    "{\"t\":51250,\"ev\":\"flags\",\"lvl\":\"sih\",\"ref\":-49,\"dCtlFlags\":3880}\n"
    "{\"t\":51250,\"ev\":\"callback\",\"lvl\":\"sih\",\"pb\":1,\"result\":-27}\n"
    "{\"t\":60000,\"ev\":\"call\",\"lvl\":\"task\",\"pb\":2,\"client\":null,\"op\":\"status\","
    "\"mode\":\"sync\",\"ref\":-49}\n"
    "{\"t\":60000,\"ev\":\"dispatch\",\"lvl\":\"task\",\"pb\":2,\"ref\":-49,\"id\":2,\"code\":\"status\","
    "\"kind\":\"sync\"}\n"
    "{\"t\":60000,\"ev\":\"return\",\"lvl\":\"task\",\"id\":2,\"ref\":-49,\"status\":0}\n"
    "{\"t\":62000,\"ev\":\"complete\",\"lvl\":\"sih\",\"id\":2,\"pb\":2,\"ref\":-49,\"result\":0}\n"
    "{\"t\":62000,\"ev\":\"done\",\"lvl\":\"task\",\"pb\":2,\"result\":0}\n"
    "{\"t\":70000,\"ev\":\"call\",\"lvl\":\"task\",\"pb\":1,\"client\":\"writer\",\"op\":\"write\","
    "\"mode\":\"async\",\"ref\":-50}\n"
    "{\"t\":70000,\"ev\":\"reject\",\"lvl\":\"task\",\"pb\":1,\"ref\":-50,\"result\":12345}\n"
    "{\"t\":80000,\"ev\":\"violation\",\"lvl\":\"sih\",\"rule\":\"complete-twice\","
    "\"msg\":\"completed twice\",\"ref\":-49,\"id\":1}\n"
    "{\"t\":81000,\"ev\":\"violation\",\"lvl\":\"task\",\"rule\":\"sync-deadlock\","
    "\"msg\":\"nothing can complete it\"}\n"
    "{\"t\":90000,\"ev\":\"warning\",\"lvl\":\"task\",\"msg\":\"dubious\",\"ref\":-49}\n"
    "{\"t\":99000,\"ev\":\"remove\",\"lvl\":\"task\",\"ref\":-49,\"name\":\".Null\"}\n";
  ck_assert_str_eq(out, expect);
  /* every line is a JSON document on its own */
  for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
    ck_assert_msg(json_valid(line), "not JSON: %s", line);
  free(out);
}
END_TEST

START_TEST(t_jsonl_violation_all_fields)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_JSONL);
  feed(t, (dm_trace_rec){.t = 5, .ev = DM_EV_VIOLATION, .lvl = HWI, .ref = -3, .pb = pbs[4],
                         .id = 9, .rule = "complete-at-hw-interrupt", .msg = "defer it"});
  feed(t, (dm_trace_rec){.t = 6, .ev = DM_EV_VIOLATION, .lvl = HWI, .rule = NULL, .msg = NULL});
  char *out = mem_close(t, &m);
  ck_assert_str_eq(out, "{\"t\":5,\"ev\":\"violation\",\"lvl\":\"hwi\",\"rule\":"
                        "\"complete-at-hw-interrupt\",\"msg\":\"defer it\",\"ref\":-3,\"pb\":1,"
                        "\"id\":9}\n"
                        "{\"t\":6,\"ev\":\"violation\",\"lvl\":\"hwi\",\"rule\":null,\"msg\":null}\n");
  free(out);
}
END_TEST

/* pb numbers follow first appearance and never the pointer values. */
static char *pb_run(char *a, char *b, char *c)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_JSONL);
  const void *order[] = {a, b, a, NULL, c, b, c, a};
  for (int i = 0; i < 8; i++)
    feed(t, (dm_trace_rec){.t = (uint64_t)i, .ev = DM_EV_ENQUEUE, .ref = -1, .pb = order[i]});
  return mem_close(t, &m);
}

START_TEST(t_pb_numbering)
{
  static const char expect[] = "{\"t\":0,\"ev\":\"enqueue\",\"lvl\":\"task\",\"pb\":1,\"ref\":-1}\n"
                               "{\"t\":1,\"ev\":\"enqueue\",\"lvl\":\"task\",\"pb\":2,\"ref\":-1}\n"
                               "{\"t\":2,\"ev\":\"enqueue\",\"lvl\":\"task\",\"pb\":1,\"ref\":-1}\n"
                               "{\"t\":3,\"ev\":\"enqueue\",\"lvl\":\"task\",\"pb\":null,\"ref\":-1}\n"
                               "{\"t\":4,\"ev\":\"enqueue\",\"lvl\":\"task\",\"pb\":3,\"ref\":-1}\n"
                               "{\"t\":5,\"ev\":\"enqueue\",\"lvl\":\"task\",\"pb\":2,\"ref\":-1}\n"
                               "{\"t\":6,\"ev\":\"enqueue\",\"lvl\":\"task\",\"pb\":3,\"ref\":-1}\n"
                               "{\"t\":7,\"ev\":\"enqueue\",\"lvl\":\"task\",\"pb\":1,\"ref\":-1}\n";
  char *x = pb_run(pbs[0], pbs[1], pbs[2]);
  char *y = pb_run(pbs[7], pbs[5], pbs[3]); /* other addresses, other address order */
  ck_assert_str_eq(x, expect);
  ck_assert_str_eq(y, expect);
  free(x);
  free(y);
}
END_TEST

/* Many distinct blocks: the map grows by doubling and keeps every number. */
START_TEST(t_pb_numbering_many)
{
  enum { N = 5000 };
  char *blocks = malloc(N);
  ck_assert_ptr_nonnull(blocks);
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_JSONL);
  for (int i = 0; i < N; i++)
    feed(t, (dm_trace_rec){.ev = DM_EV_CALLBACK, .pb = blocks + i});
  for (int i = N - 1; i >= 0; i--)
    feed(t, (dm_trace_rec){.ev = DM_EV_CALLBACK, .pb = blocks + i});
  char *out = mem_close(t, &m);
  char *p = out;
  for (int k = 0; k < 2 * N; k++) {
    int want = k < N ? k + 1 : 2 * N - k;
    char line[96];
    snprintf(line, sizeof line,
             "{\"t\":0,\"ev\":\"callback\",\"lvl\":\"task\",\"pb\":%d,\"result\":0}\n", want);
    ck_assert_msg(strncmp(p, line, strlen(line)) == 0, "line %d: %.60s", k, p);
    p += strlen(line);
  }
  ck_assert_int_eq(*p, 0);
  free(out);
  free(blocks);
}
END_TEST

START_TEST(t_json_escaping)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_JSONL);
  feed(t, (dm_trace_rec){.ev = DM_EV_INSTALL, .ref = -9,
                         .name = "a\"b\\c\nd\te\x01\x1f" "\xc3\xa9" "x\xa9y"});
  char *out = mem_close(t, &m);
  /* quote and backslash escaped, control characters as \u00XX, well-formed
   * UTF-8 (e-acute) kept, a stray byte read as Latin-1 */
  ck_assert_str_eq(out, "{\"t\":0,\"ev\":\"install\",\"lvl\":\"task\",\"ref\":-9,\"name\":"
                        "\"a\\\"b\\\\c\\u000ad\\u0009e\\u0001\\u001f\xc3\xa9x\\u00a9y\","
                        "\"runtime\":0}\n");
  ck_assert(json_valid(out));
  free(out);
}
END_TEST

/* A long string crosses the escaper's chunk boundary intact. */
START_TEST(t_json_escaping_long)
{
  char name[1200];
  for (int i = 0; i < 1199; i++)
    name[i] = (i % 7 == 0) ? '"' : 'a' + i % 26;
  name[1199] = 0;
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_JSONL);
  feed(t, (dm_trace_rec){.ev = DM_EV_WARNING, .msg = name});
  char *out = mem_close(t, &m);
  ck_assert(json_valid(out));
  const char *p = strstr(out, "\"msg\":\"") + 7;
  for (int i = 0; i < 1199; i++) {
    if (name[i] == '"') {
      ck_assert_msg(p[0] == '\\' && p[1] == '"', "at %d", i);
      p += 2;
    } else {
      ck_assert_msg(*p++ == name[i], "at %d", i);
    }
  }
  ck_assert_str_eq(p, "\",\"ref\":0}\n");
  free(out);
}
END_TEST

/* --- text ------------------------------------------------------------------ */

START_TEST(t_text_rows)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_TEXT);
  feed_story(t);
  char *out = mem_close(t, &m);
  int lines = 0;
  for (const char *p = out; *p; p++)
    lines += *p == '\n';
  ck_assert_int_eq(lines, 2 + 21); /* header, rule, one row per record */
  ck_assert_ptr_nonnull(strstr(out, "    time  lvl   event"));
  ck_assert_ptr_nonnull(strstr(out, "     0.051250 ms  sih   complete      "));
  ck_assert_ptr_nonnull(strstr(out, "pb1      #1  result=abortErr\n"));
  ck_assert_ptr_nonnull(strstr(out, "changed: +drvrActive\n"));
  ck_assert_ptr_nonnull(strstr(out, "changed: -drvrActive\n"));
  ck_assert_ptr_nonnull(strstr(out, "[native dOpened drvrActive dReadEnable dWritEnable "
                                    "dCtlEnable dStatEnable]"));
  ck_assert_ptr_nonnull(strstr(out, "read async  client=reader\n"));
  ck_assert_ptr_nonnull(strstr(out, "status sync  client=(none)\n"));
  ck_assert_ptr_nonnull(strstr(out, "ioCompletion runs, result=abortErr\n"));
  ck_assert_ptr_nonnull(strstr(out, "sync call returns, result=noErr\n"));
  ck_assert_ptr_nonnull(strstr(out, "refused before the driver ran: result=12345\n"));
  ck_assert_ptr_nonnull(strstr(out, ".Null  runtime=0x00000008 [kDriverIsConcurrent]\n"));
  ck_assert_ptr_nonnull(strstr(out, "!! VIOLATION     -49       -      #1  complete-twice: "
                                    "completed twice\n"));
  ck_assert_ptr_nonnull(strstr(out, "!! VIOLATION       -       -       -  sync-deadlock: "));
  ck_assert_ptr_nonnull(strstr(out, "on dCtlQHdr, queue depth 1\n"));
  free(out);
}
END_TEST

/* Times print exactly from integer nanoseconds; strings stay on one line. */
START_TEST(t_text_time_and_clean)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_TEXT);
  feed(t, (dm_trace_rec){.t = UINT64_C(1234567890123), .ev = DM_EV_WARNING, .lvl = HWI,
                         .msg = "two\nlines"});
  feed(t, (dm_trace_rec){.t = 999, .ev = DM_EV_FLAGS, .ref = -2, .flags = 0x7001});
  /* A Device Manager ID prints as slot/generation. */
  feed(t, (dm_trace_rec){.t = 1000, .ev = DM_EV_RETURN, .ref = -2, .id = (UINT64_C(3) << 32) | 6,
                         .code = 2 /* read */, .mode = 2});
  char *out = mem_close(t, &m);
  ck_assert_ptr_nonnull(strstr(out, "return            -2       -    #6/3  DoDriverIO returned"));
  ck_assert_ptr_nonnull(strstr(out, "1234567.890123 ms  hwi   warning            -       -       -"
                                    "  two?lines\n"));
  ck_assert_ptr_nonnull(strstr(out, "     0.000999 ms  task  flags             -2       -       -"
                                    "  dCtlFlags=0x7001 [dVMImmune dNeedGoodBye dNeedTime "
                                    "dNeedLock]\n"));
  free(out);
}
END_TEST

/* --- chrome ---------------------------------------------------------------- */

/* Every "b" of an async id is matched by a later "e" of the same id, name and
 * tid, and they nest. Ids are process-scoped ("id2":{"local":...}), never
 * global, and the first event of each id is named like its tid's thread (the
 * driver's label): Perfetto names an async track after that first event and
 * groups a process's tracks by name, so requests group by machine and
 * driver. Events are one per line. Returns the number of slices. */
static int check_pairs(const char *out)
{
  struct open_ev {
    char id[24], name[48], tid[16], pid[16];
  } stack[64];
  struct { char tid[16], pid[16], name[48]; } threads[16];
  char seen[128][24];
  int depth = 0, slices = 0, nthreads = 0, nseen = 0;
  ck_assert_ptr_null(strstr(out, "\"id\":\"0x"));
  for (const char *p = out; *p;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    char line[1024];
    ck_assert_uint_lt(len, sizeof line);
    memcpy(line, p, len);
    line[len] = 0;
    p += len + (nl ? 1 : 0);
    if (strncmp(line, "{\"name\":\"thread_name\",", 22) == 0) {
      ck_assert_int_lt(nthreads, 16);
      ck_assert(sscanf(strstr(line, "\"tid\":"), "\"tid\":%15[0-9]", threads[nthreads].tid) == 1);
      ck_assert(sscanf(strstr(line, "\"pid\":"), "\"pid\":%15[0-9]", threads[nthreads].pid) == 1);
      ck_assert(sscanf(strstr(line, "\"args\":{\"name\":\""), "\"args\":{\"name\":\"%47[^\"]",
                       threads[nthreads].name) == 1);
      nthreads++;
      continue;
    }
    int b = strstr(line, "\"ph\":\"b\"") != NULL, e = strstr(line, "\"ph\":\"e\"") != NULL;
    if (!b && !e)
      continue;
    struct open_ev ev = {{0}, {0}, {0}, {0}};
    ck_assert(sscanf(strstr(line, "\"id2\":{\"local\":\""), "\"id2\":{\"local\":\"%23[^\"]",
                     ev.id) == 1);
    ck_assert(sscanf(strstr(line, "{\"name\":\""), "{\"name\":\"%47[^\"]", ev.name) == 1);
    ck_assert(sscanf(strstr(line, "\"tid\":"), "\"tid\":%15[0-9]", ev.tid) == 1);
    ck_assert_ptr_nonnull(strstr(line, "\"cat\":\"io\""));
    ck_assert(sscanf(strstr(line, "\"pid\":"), "\"pid\":%15[0-9]", ev.pid) == 1);
    int first = 1;
    for (int k = 0; k < nseen; k++)
      first &= strcmp(seen[k], ev.id) != 0;
    if (first) {
      ck_assert_msg(b, "an id starts with an e: %s", line);
      const char *thread = NULL;
      for (int k = nthreads - 1; k >= 0 && thread == NULL; k--)
        if (strcmp(threads[k].tid, ev.tid) == 0 && strcmp(threads[k].pid, ev.pid) == 0)
          thread = threads[k].name;
      ck_assert_msg(thread != NULL, "no thread_name before %s", line);
      ck_assert_str_eq(ev.name, thread);
      ck_assert_int_lt(nseen, 128);
      strcpy(seen[nseen++], ev.id);
    }
    if (b) {
      ck_assert_int_lt(depth, 64);
      stack[depth++] = ev;
      slices++;
    } else {
      /* e closes the most recent open event of its id */
      int k = depth - 1;
      while (k >= 0 && strcmp(stack[k].id, ev.id) != 0)
        k--;
      ck_assert_msg(k >= 0, "e without b: %s", line);
      ck_assert_str_eq(stack[k].name, ev.name);
      ck_assert_str_eq(stack[k].tid, ev.tid);
      ck_assert_str_eq(stack[k].pid, ev.pid);
      memmove(&stack[k], &stack[k + 1], (size_t)(depth - k - 1) * sizeof stack[0]);
      depth--;
    }
  }
  ck_assert_int_eq(depth, 0);
  return slices;
}

START_TEST(t_chrome_document)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_CHROME);
  sim_trace_set_machine(t, "mac \"one\"", 0);
  feed_story(t);
  /* a pb-less command: initialize, dispatched and completed by ID */
  feed(t, (dm_trace_rec){.t = 100000, .ev = DM_EV_INSTALL, .ref = -60, .name = ".Disk",
                         .runtime = 0});
  feed(t, (dm_trace_rec){.t = 100000, .ev = DM_EV_DISPATCH, .ref = -60, .code = 7, .mode = 4,
                         .id = 3});
  feed(t, (dm_trace_rec){.t = 100500, .ev = DM_EV_COMPLETE, .ref = -60, .id = 3});
  /* KillIO of a queued request on .Disk */
  feed(t, (dm_trace_rec){.t = 110000, .ev = DM_EV_CALL, .ref = -60, .code = 2, .mode = 2,
                         .pb = pbs[2], .name = "app"});
  feed(t, (dm_trace_rec){.t = 110000, .ev = DM_EV_ENQUEUE, .ref = -60, .pb = pbs[2]});
  feed(t, (dm_trace_rec){.t = 111000, .ev = DM_EV_CALL, .ref = -60, .code = 6, .mode = 4,
                         .pb = pbs[3], .name = "app"});
  feed(t, (dm_trace_rec){.t = 111000, .ev = DM_EV_COMPLETE, .ref = -60, .pb = pbs[2],
                         .result = -27});
  feed(t, (dm_trace_rec){.t = 111000, .ev = DM_EV_CALLBACK, .pb = pbs[2], .result = -27});
  feed(t, (dm_trace_rec){.t = 111000, .ev = DM_EV_DONE, .pb = pbs[3], .result = 0});
  char *out = mem_close(t, &m);

  ck_assert_msg(json_valid(out), "not one JSON document:\n%s", out);
  ck_assert(strncmp(out, "{\"traceEvents\":[", 16) == 0);
  ck_assert_ptr_nonnull(strstr(out, "],\"displayTimeUnit\":\"ns\"}\n"));
  /* read, status, write (rejected), initialize, read (killed), killio: each
   * a driver slice with a request slice inside */
  ck_assert_int_eq(check_pairs(out), 2 * 6 + 1 /* nested "queued" of the first read */ +
                                       1 /* and of the killed read */);
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,"
                                    "\"args\":{\"name\":\"mac \\\"one\\\"\"}}"));
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,"
                                    "\"args\":{\"name\":\".Null (-49)\"}}"));
  ck_assert_ptr_nonnull(strstr(out, "\"args\":{\"name\":\".Disk (-60)\"}}"));
  /* ts is exact microseconds */
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"read pb1\",\"cat\":\"io\",\"ph\":\"e\","
                                    "\"id2\":{\"local\":\"0x1\"},\"pid\":1,\"tid\":1,\"ts\":51.250},\n"
                                    "{\"name\":\".Null (-49)\",\"cat\":\"io\",\"ph\":\"e\","
                                    "\"id2\":{\"local\":\"0x1\"},\"pid\":1,\"tid\":1,\"ts\":51.250,"
                                    "\"args\":{\"result\":-27,\"err\":\"abortErr\"}}"));
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"initialize #3\",\"cat\":\"io\",\"ph\":\"b\""));
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"KillIO pb4\",\"cat\":\"killio\",\"ph\":\"i\","
                                    "\"s\":\"t\""));
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"callback pb3\",\"cat\":\"callback\",\"ph\":\"i\""));
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"complete-twice\",\"cat\":\"violation\","
                                    "\"ph\":\"i\",\"s\":\"t\""));
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\".Null (-49)\",\"cat\":\"queue\",\"ph\":\"C\","
                                    "\"pid\":1,\"tid\":1,\"ts\":1.000,\"args\":{\"queued\":1,"
                                    "\"inflight\":0,\"drvrActive\":0}}"));
  ck_assert_ptr_nonnull(strstr(out, "\"ts\":1.000,\"args\":{\"queued\":1,\"inflight\":1,"
                                    "\"drvrActive\":1}}"));
  /* the killed request left the .Disk queue (tracks: .Null, ref-50, the
   * Device Manager for the violation without a driver, .Disk) */
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\".Disk (-60)\",\"cat\":\"queue\",\"ph\":\"C\","
                                    "\"pid\":1,\"tid\":4,\"ts\":111.000,\"args\":{\"queued\":0,"));
  ck_assert_ptr_nonnull(strstr(out, "\"tid\":3,\"args\":{\"name\":\"Device Manager\"}}"));
  free(out);
}
END_TEST

/* A PB sent again before its request ended closes the old slice first; an
 * empty trace is still one JSON document; machines get their own pid. */
START_TEST(t_chrome_edges)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_CHROME);
  char *out = mem_close(t, &m);
  ck_assert(json_valid(out));
  free(out);

  t = mem_open(&m, SIM_TRACE_CHROME);
  sim_trace_set_machine(t, "left", 0);
  feed(t, (dm_trace_rec){.t = 1, .ev = DM_EV_CALL, .ref = -5, .code = 2, .mode = 2, .pb = pbs[0]});
  feed(t, (dm_trace_rec){.t = 2, .ev = DM_EV_CALL, .ref = -5, .code = 2, .mode = 2, .pb = pbs[0]});
  feed(t, (dm_trace_rec){.t = 3, .ev = DM_EV_COMPLETE, .ref = -5, .pb = pbs[0]});
  sim_trace_set_machine(t, "right", 1);
  feed(t, (dm_trace_rec){.t = 4, .ev = DM_EV_CALL, .ref = -5, .code = 3, .mode = 1, .pb = pbs[1]});
  feed(t, (dm_trace_rec){.t = 5, .ev = DM_EV_DONE, .pb = pbs[1]});
  out = mem_close(t, &m);
  ck_assert(json_valid(out));
  ck_assert_int_eq(check_pairs(out), 2 * 3);
  ck_assert_ptr_nonnull(strstr(out, "\"id2\":{\"local\":\"0x1\"},\"pid\":1,\"tid\":1,\"ts\":0.002,"
                                    "\"args\":{\"unfinished\":true}}"));
  ck_assert_ptr_nonnull(
    strstr(out, "\"ph\":\"e\",\"id2\":{\"local\":\"0x2\"},\"pid\":1,\"tid\":1,\"ts\":0.003"));
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":2,"
                                    "\"args\":{\"name\":\"right\"}}"));
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"write pb2\",\"cat\":\"io\",\"ph\":\"e\","
                                    "\"id2\":{\"local\":\"0x3\"},\"pid\":2,\"tid\":2,\"ts\":0.005"));
  ck_assert_ptr_nonnull(strstr(out, "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,"
                                    "\"args\":{\"name\":\"ref-5\"}}"));
  free(out);
}
END_TEST

/* --- vcd ------------------------------------------------------------------- */

START_TEST(t_vcd_exact)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_VCD);
  feed(t, (dm_trace_rec){.t = 0, .ev = DM_EV_INSTALL, .ref = -49, .name = ".Null"});
  feed(t, (dm_trace_rec){.t = 0, .ev = DM_EV_INSTALL, .ref = -7, .name = ".Serial A"});
  feed(t, (dm_trace_rec){.t = 0, .ev = DM_EV_FLAGS, .ref = -49, .flags = 0x0020});
  feed(t, (dm_trace_rec){.t = 100, .ev = DM_EV_CALL, .ref = -49, .code = 2, .pb = pbs[0]});
  feed(t, (dm_trace_rec){.t = 100, .ev = DM_EV_ENQUEUE, .ref = -49, .pb = pbs[0]});
  feed(t, (dm_trace_rec){.t = 100, .ev = DM_EV_FLAGS, .ref = -49, .flags = 0x00A0});
  feed(t, (dm_trace_rec){.t = 100, .ev = DM_EV_DISPATCH, .ref = -49, .pb = pbs[0], .id = 1});
  feed(t, (dm_trace_rec){.t = 100, .ev = DM_EV_CALL, .ref = -49, .code = 2, .pb = pbs[1]});
  feed(t, (dm_trace_rec){.t = 100, .ev = DM_EV_ENQUEUE, .ref = -49, .pb = pbs[1]});
  /* at 500 the first completes and the second starts: drvrActive and
   * inflight go down and up again at one time, so they do not change */
  feed(t, (dm_trace_rec){.t = 500, .ev = DM_EV_COMPLETE, .ref = -49, .pb = pbs[0], .id = 1});
  feed(t, (dm_trace_rec){.t = 500, .ev = DM_EV_FLAGS, .ref = -49, .flags = 0x0020});
  feed(t, (dm_trace_rec){.t = 500, .ev = DM_EV_FLAGS, .ref = -49, .flags = 0x00A0});
  feed(t, (dm_trace_rec){.t = 500, .ev = DM_EV_DISPATCH, .ref = -49, .pb = pbs[1], .id = 2});
  feed(t, (dm_trace_rec){.t = 700, .ev = DM_EV_RETURN, .ref = -49, .id = 2}); /* no change */
  feed(t, (dm_trace_rec){.t = 900, .ev = DM_EV_COMPLETE, .ref = -49, .pb = pbs[1], .id = 2});
  feed(t, (dm_trace_rec){.t = 900, .ev = DM_EV_FLAGS, .ref = -49, .flags = 0x0020});
  feed(t, (dm_trace_rec){.t = 900, .ev = DM_EV_VIOLATION, .ref = -49, .rule = "complete-twice"});
  feed(t, (dm_trace_rec){.t = 950, .ev = DM_EV_VIOLATION, .ref = -49, .rule = "complete-twice"});
  /* a complete nobody dispatched changes nothing */
  feed(t, (dm_trace_rec){.t = 960, .ev = DM_EV_COMPLETE, .ref = -49, .pb = pbs[1], .id = 2});
  feed(t, (dm_trace_rec){.t = 1000, .ev = DM_EV_VIOLATION, .ref = -7,
                         .rule = "complete-unknown-id"});
  char *out = mem_close(t, &m);
  ck_assert_str_eq(out, "$version dmsim trace $end\n"
                        "$timescale 1 ns $end\n"
                        "$scope module _Null $end\n"
                        "$var wire 16 ! queue_depth $end\n"
                        "$var wire 1 \" drvrActive $end\n"
                        "$var wire 16 # inflight $end\n"
                        "$var string 0 $ violations $end\n"
                        "$upscope $end\n"
                        "$scope module _Serial_A $end\n"
                        "$var wire 16 % queue_depth $end\n"
                        "$var wire 1 & drvrActive $end\n"
                        "$var wire 16 ' inflight $end\n"
                        "$var string 0 ( violations $end\n"
                        "$upscope $end\n"
                        "$enddefinitions $end\n"
                        "#0\n"
                        "$dumpvars\n"
                        "b0 !\n"
                        "0\"\n"
                        "b0 #\n"
                        "snone $\n"
                        "b0 %\n"
                        "0&\n"
                        "b0 '\n"
                        "snone (\n"
                        "$end\n"
                        "#100\n"
                        "1\"\n"
                        "b1 #\n"
                        "b10 !\n"
                        "#500\n"
                        "b1 !\n"
                        "#900\n"
                        "b0 !\n"
                        "b0 #\n"
                        "0\"\n"
                        "scomplete-twice $\n"
                        "#950\n"
                        "scomplete-twice#2 $\n"
                        "#1000\n"
                        "scomplete-unknown-id (\n");
  free(out);
}
END_TEST

/* Changes at time 0 become the initial values; duplicate names stay apart. */
START_TEST(t_vcd_time_zero_and_names)
{
  membuf m;
  sim_trace *t = mem_open(&m, SIM_TRACE_VCD);
  feed(t, (dm_trace_rec){.t = 0, .ev = DM_EV_INSTALL, .ref = -1, .name = ".A"});
  feed(t, (dm_trace_rec){.t = 0, .ev = DM_EV_INSTALL, .ref = -2, .name = "_A"});
  feed(t, (dm_trace_rec){.t = 0, .ev = DM_EV_FLAGS, .ref = -1, .flags = 0x0080});
  feed(t, (dm_trace_rec){.t = 0, .ev = DM_EV_ENQUEUE, .ref = -2, .pb = pbs[0]});
  char *out = mem_close(t, &m);
  ck_assert_ptr_nonnull(strstr(out, "$scope module _A $end\n"));
  ck_assert_ptr_nonnull(strstr(out, "$scope module _A_2 $end\n"));
  /* the dump ends the file: nothing changes after time 0 */
  ck_assert_str_eq(strstr(out, "#0\n"), "#0\n$dumpvars\nb0 !\n1\"\nb0 #\nsnone $\nb1 %\n0&\n"
                                         "b0 '\nsnone (\n$end\n");
  free(out);
}
END_TEST

/* Integers are formatted by hand (trace_core.c): at every digit-count edge
 * they read as printf writes them, and negative results keep their sign. */
START_TEST(t_jsonl_integers_as_printf)
{
  static const uint64_t vals[] = {
    0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, 99999, 100000, 4294967297u,
    UINT64_C(9999999999999999999), UINT64_C(10000000000000000000), UINT64_MAX,
  };
  enum { N = sizeof vals / sizeof vals[0] };
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ck_assert_ptr_nonnull(f);
  sim_trace *t = sim_trace_open(f, SIM_TRACE_JSONL);
  for (unsigned i = 0; i < N; i++)
    feed(t, (dm_trace_rec){ .t = vals[i], .ev = DM_EV_RETURN, .id = vals[i],
                            .ref = (int16_t)(-49 - (int)i),
                            .result = (int16_t)((int)i * 2500 - 20000) });
  ck_assert_int_eq(sim_trace_close(t), 0);
  fclose(f);
  char *want = malloc(N * 128), *w = want;
  for (unsigned i = 0; i < N; i++)
    w += sprintf(w,
                 "{\"t\":%llu,\"ev\":\"return\",\"lvl\":\"task\",\"id\":%llu,\"ref\":%d,"
                 "\"status\":%d}\n",
                 (unsigned long long)vals[i], (unsigned long long)vals[i], -49 - (int)i,
                 (int)(int16_t)((int)i * 2500 - 20000));
  ck_assert_str_eq(buf, want);
  free(want);
  free(buf);
}
END_TEST

/* --- failures and the map -------------------------------------------------- */

START_TEST(t_write_failure_reported)
{
  FILE *f = fopen("/dev/full", "w");
  if (!f)
    return; /* no /dev/full on this system */
  setvbuf(f, NULL, _IONBF, 0);
  sim_trace *t = sim_trace_open(f, SIM_TRACE_JSONL);
  ck_assert_ptr_nonnull(t);
  feed(t, (dm_trace_rec){.ev = DM_EV_WARNING, .msg = "lost"});
  ck_assert_int_eq(sim_trace_close(t), -1);
  fclose(f);
}
END_TEST

/* Random puts and deletes against a plain array: backward-shift deletion
 * must never lose a key that collides with a deleted one. */
START_TEST(t_map_random)
{
  enum { KEYS = 3000, OPS = 60000 };
  static uint64_t ref[KEYS]; /* 0 = absent, else value */
  sim_map map = {NULL, NULL, 0, 0};
  uint64_t x = 88172645463325252u;
  size_t n = 0;
  for (int op = 0; op < OPS; op++) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    uint64_t k = x % KEYS;
    uint64_t key = k * 64 + 64; /* pointer-like keys, many share low bits */
    uint64_t v;
    if ((x >> 20) % 3 == 0) {
      int had = sim_map_del(&map, key, &v);
      ck_assert_int_eq(had, ref[k] != 0);
      if (had) {
        ck_assert_uint_eq(v, ref[k]);
        ref[k] = 0;
        n--;
      }
    } else {
      ck_assert_int_eq(sim_map_put(&map, key, (uint64_t)op + 1), 0);
      n += ref[k] == 0;
      ref[k] = (uint64_t)op + 1;
    }
    ck_assert_uint_eq(map.n, n);
  }
  for (uint64_t k = 0; k < KEYS; k++) {
    uint64_t v = 0;
    ck_assert_int_eq(sim_map_get(&map, k * 64 + 64, &v), ref[k] != 0);
    if (ref[k])
      ck_assert_uint_eq(v, ref[k]);
  }
  sim_map_free(&map);
}
END_TEST

/* Declared here for -Wmissing-prototypes; "extern" keeps this line out of
 * the Makefile's suite list, which takes the definition below. */
extern Suite *trace_suite(void);

Suite *trace_suite(void)
{
  Suite *s = suite_create("trace");
  TCase *tc = tcase_create("trace");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, t_format_parse);
  tcase_add_test(tc, t_jsonl_exact);
  tcase_add_test(tc, t_jsonl_violation_all_fields);
  tcase_add_test(tc, t_pb_numbering);
  tcase_add_test(tc, t_pb_numbering_many);
  tcase_add_test(tc, t_json_escaping);
  tcase_add_test(tc, t_json_escaping_long);
  tcase_add_test(tc, t_text_rows);
  tcase_add_test(tc, t_text_time_and_clean);
  tcase_add_test(tc, t_chrome_document);
  tcase_add_test(tc, t_chrome_edges);
  tcase_add_test(tc, t_vcd_exact);
  tcase_add_test(tc, t_vcd_time_zero_and_names);
  tcase_add_test(tc, t_jsonl_integers_as_printf);
  tcase_add_test(tc, t_write_failure_reported);
  tcase_add_test(tc, t_map_random);
  suite_add_tcase(s, tc);
  return s;
}
