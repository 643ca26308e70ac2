/*
 * check_run.c - what `dmsim run` reports beyond the Device Manager's own
 * behaviour: the summary's figures, the jsonl trace against its documented
 * schema (docs/trace.md) in a file with one machine and with several, who a
 * call is credited to when a driver is the caller, and what a large flat
 * file costs: blocks reused from the executor's pool (numbered in the trace
 * as blocks of their own) and a peak memory bound for a million calls.
 * Runs from the repository root, as `make test` does.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"
#include "fixture.h"
#include "builtins.h"
#include "lang/scenario.h"
#include "run/run.h"

/* ---- running a scenario text --------------------------------------------- */

typedef struct ran {
  int   status;
  char *out, *err; /* summary and messages; freed by ran_free */
  char *trace;     /* the jsonl trace when asked for, else NULL */
} ran;

static char *slurp(const char *path)
{
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot read %s", path);
  char *buf = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&buf, &len);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
    fwrite(chunk, 1, n, m);
  fclose(f);
  fclose(m);
  return buf;
}

/* Parse and run text (which must parse), with a jsonl trace when traced,
 * and the watchdog's --max-steps (0: none). */
static ran run_text_steps(const char *text, int traced, uint64_t max_steps)
{
  ran r = { 0 };
  char msg[512];
  sim_scenario *sc = NULL;
  ck_assert_msg(sim_scenario_parse("t.dms", text, strlen(text), &sc, msg, sizeof msg) == 0, "%s",
                msg);
  size_t olen, elen;
  sim_run_opts o = { 0 };
  o.out = open_memstream(&r.out, &olen);
  o.err = open_memstream(&r.err, &elen);
  o.max_steps = max_steps;
  char path[] = "/tmp/dmsim-check-run-XXXXXX";
  if (traced) {
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    o.trace_path = path;
    o.trace_format = SIM_TRACE_JSONL;
  }
  r.status = sim_run(sc, &o);
  fclose(o.out);
  fclose(o.err);
  if (traced) {
    r.trace = slurp(path);
    unlink(path);
  }
  sim_scenario_free(sc);
  return r;
}

/* Parse and run text (which must parse), with a jsonl trace when traced. */
static ran run_text(const char *text, int traced)
{
  return run_text_steps(text, traced, 0);
}

static void ran_free(ran *r)
{
  free(r->out);
  free(r->err);
  free(r->trace);
}

/* Run r ended with status 0, its n expectations all held. */
static void assert_all_held(const ran *r, int n)
{
  char want[64];
  snprintf(want, sizeof want, "expectations: %d, all held", n);
  ck_assert_msg(r->status == 0, "status %d: %s", r->status, r->err);
  ck_assert_msg(strstr(r->out, want) != NULL, "%s", r->out);
}

/* The util column of driver alias in a summary, e.g. "66.6%". */
static const char *util_of(const char *out, const char *alias, char *buf, size_t len)
{
  char pat[80];
  snprintf(pat, sizeof pat, "\n  %s ", alias);
  const char *p = strstr(out, pat);
  ck_assert_msg(p != NULL, "no summary line for %s in:\n%s", alias, out);
  const char *eol = strchr(p + 1, '\n');
  const char *sp = eol;
  while (sp > p && sp[-1] != ' ')
    sp--;
  snprintf(buf, len, "%.*s", (int)(eol - sp), sp);
  return buf;
}

/* ---- the summary ---------------------------------------------------------- */

/* .Fixed serves each read in 1 ms: busy 2 ms of 3 with or without an Immed
 * read between the two (which takes no time). */
START_TEST(test_util_with_immediate_call)
{
  static const char *const with[2] = {"", "  read d 512 immediate\n"};
  char want[16] = "";
  for (int i = 0; i < 2; i++) {
    char text[256], u[16];
    snprintf(text, sizeof text,
             "driver d builtin fixed\nclient c\n  open d\n  read d 512\n%s  sleep 1ms\n"
             "  read d 512\nend\n",
             with[i]);
    ran r = run_text(text, 0);
    ck_assert_int_eq(r.status, 0);
    util_of(r.out, "d", u, sizeof u);
    ck_assert_str_eq(u, "66.6%");
    if (i == 0)
      snprintf(want, sizeof want, "%s", u);
    ck_assert_str_eq(u, want);
    ran_free(&r);
  }
}
END_TEST

/* An empty read queued behind a serialized driver's request in service is
 * completed by the Device Manager at its dispatch, without a DISPATCH
 * point: it is not one of the driver's requests, and the busy spells
 * around it count in full (each read 1 ms, busy 3 ms of 3; a request
 * counted as ending its service where none began read 33.3%). */
START_TEST(test_util_with_empty_read_queued)
{
  ran r = run_text("hardware disk fixed 1ms\ndriver d builtin fixed hardware disk\n"
                   "client a\n  open d\n  read d 512\n  read d 512\nend\n"
                   "client b\n  open d\n  read d 0\n  read d 512\nend\n",
                   0);
  char u[16];
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(util_of(r.out, "d", u, sizeof u), "100.0%");
  ck_assert_msg(strstr(r.out, "  -49         3 ") != NULL, "%s", r.out);
  ran_free(&r);
}
END_TEST

/* Busy times past 2^64 / 1,000 ns (about 213 days): the column is still
 * busy over elapsed, not a product that wrapped (it read 0.0% and 0.4%
 * for devices busy the whole run). Busy 300 days of 400; then 2 of 3 with
 * the clock near its end; then a share a hair below a tenth, rounded down
 * as a short one is. */
START_TEST(test_util_of_long_services)
{
  static const struct {
    const char *text, *want;
  } cases[] = {
    { "hardware h fixed 25920000s\ndriver d builtin fixed hardware h\n"
      "client c\n  open d\n  read d 512\n  sleep 8640000s\nend\n",
      "75.0%" },
    { "hardware h fixed 6000000000s\ndriver d builtin fixed hardware h\n"
      "client c\n  open d\n  read d 512\n  sleep 6000000000s\n  read d 512\nend\n",
      "66.6%" },
    /* Busy 40852407834991225 ns of 57296504677407049: 713 tenths less
     * 1.6e-14, 71.2% (busy / (elapsed / 1,000) read 71.3%). */
    { "hardware h fixed 40852407.834991225s\ndriver d builtin fixed hardware h\n"
      "client c\n  open d\n  read d 512\n  sleep 16444096.842415824s\nend\n",
      "71.2%" },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char u[16];
    ran r = run_text(cases[i].text, 0);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(util_of(r.out, "d", u, sizeof u), cases[i].want);
    ran_free(&r);
  }
}
END_TEST

/* The mean wait of requests whose waits add up past 2^64 ns: four clients
 * queue one read each on a device serving one in 4e18 ns, so they wait 0,
 * 4e18, 8e18 and 12e18 ns (2.4e19 in all): the mean is 6e18, not the
 * wrapped sum's quarter. */
START_TEST(test_mean_wait_past_2_64)
{
  char text[512] = "hardware h fixed 4000000000s\ndriver d builtin fixed hardware h\n";
  for (int i = 0; i < 4; i++)
    snprintf(text + strlen(text), sizeof text - strlen(text),
             "client c%d\n  open d\n  read d 512\nend\n", i);
  ran r = run_text(text, 0);
  ck_assert_int_eq(r.status, 0);
  ck_assert_msg(strstr(r.out, " 4 6000000000000000000 ns 12000000000000000000 ns 100.0%") != NULL,
                "summary:\n%s", r.out);
  ran_free(&r);
}
END_TEST

/* A SCSI command whose latency fits but whose transfer at the disk's rate
 * takes it past 2^64-1 ns stops the run with an error (exit status 2), as
 * one whose latency alone does: 512 bytes at 1 byte a second after a
 * latency of 18446744073 s, a time that 64 bits cannot hold, so the
 * message says 2^64-1 ns or more. (The transfer's time wrapped: the READ
 * completed GOOD at 511 s, exit 0.) At 1 KiB a second the transfer takes
 * half a second and the command ends before the clock does: the run goes
 * on to 18446744073.5 s. */
START_TEST(test_scsi_transfer_past_the_end)
{
  static const char head[] = "scsi bus b0\nscsi disk d0 bus b0 target 0 memory 1m\n"
                             "scsi latency d0 all fixed 18446744073s\n";
  static const char cmd[] = "scsi command r1 d0 \"28 00 00 00 00 00 00 00 01 00\" in 512 at 0ms\n";
  char text[512];
  snprintf(text, sizeof text, "%sscsi rate d0 1\n%s", head, cmd);
  ran r = run_text(text, 0);
  ck_assert_int_eq(r.status, 2);
  ck_assert_msg(strstr(r.err, "simulated time overflows: a SCSI command's latency of 2^64-1 ns "
                              "or more starting at 0 ns") != NULL,
                "messages:\n%s", r.err);
  ran_free(&r);
  snprintf(text, sizeof text, "%sscsi rate d0 1k\n%s", head, cmd);
  r = run_text(text, 0);
  ck_assert_int_eq(r.status, 0);
  ck_assert_msg(strstr(r.out, "ran to 18446744073500.000000 ms") != NULL, "summary:\n%s", r.out);
  ran_free(&r);
}
END_TEST

/* ---- the jsonl schema ----------------------------------------------------- */

#define MAX_KINDS 32
#define MAX_KEYS 12

typedef struct kind_keys {
  char name[24];
  char keys[MAX_KEYS][24];
  int  nkeys;
} kind_keys;

/* The rows of the schema table of docs/trace.md: | `ev` | k1, k2 | ... | */
static int read_schema(kind_keys *kinds)
{
  char *doc = slurp("docs/trace.md");
  int n = 0;
  for (char *line = strtok(doc, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    if (strncmp(line, "| `", 3) != 0)
      continue;
    char *name = line + 3, *tick = strchr(name, '`');
    char *cell = tick ? strchr(tick, '|') : NULL;
    char *end = cell ? strchr(cell + 1, '|') : NULL;
    if (end == NULL || n == MAX_KINDS)
      continue;
    kind_keys *k = &kinds[n];
    snprintf(k->name, sizeof k->name, "%.*s", (int)(tick - name), name);
    *end = '\0';
    k->nkeys = 0;
    for (char *p = cell + 1; *p;) {
      while (*p == ' ' || *p == ',')
        p++;
      size_t w = strcspn(p, ", ");
      if (w == 0)
        break;
      ck_assert_int_lt(k->nkeys, MAX_KEYS);
      snprintf(k->keys[k->nkeys++], 24, "%.*s", (int)w, p);
      p += w;
    }
    n++;
  }
  free(doc);
  return n;
}

/* The keys of a one-line JSON object, in order; the value of "ev". */
static int keys_of(const char *line, char keys[][24], int max, char *ev, size_t evlen)
{
  int n = 0;
  const char *p = line;
  ck_assert_int_eq(*p, '{');
  p++;
  while (*p == '"') {
    const char *k = ++p;
    while (*p != '"')
      p++;
    ck_assert_int_lt(n, max);
    snprintf(keys[n], 24, "%.*s", (int)(p - k), k);
    p += 2; /* ": */
    const char *v = p;
    if (*p == '"') {
      for (p++; *p != '"'; p++)
        if (*p == '\\')
          p++;
      p++;
    } else {
      while (*p != ',' && *p != '}')
        p++;
    }
    if (strcmp(keys[n], "ev") == 0)
      snprintf(ev, evlen, "%.*s", (int)(p - v - 2), v + 1);
    n++;
    if (*p == ',')
      p++;
  }
  ck_assert_int_eq(*p, '}');
  return n;
}

/* Every line of trace has t, ev, lvl, machine (when machines), then the
 * documented keys of its kind in order; a violation's ref, pb and id may be
 * left out. Returns the number of lines checked. */
static int check_schema(const char *trace, const char *what, int machines)
{
  static kind_keys kinds[MAX_KINDS];
  int nkinds = read_schema(kinds);
  ck_assert_int_ge(nkinds, 13);
  char *copy = strdup(trace);
  int lines = 0;
  for (char *line = strtok(copy, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    char keys[24][24], ev[24];
    int n = keys_of(line, keys, 24, ev, sizeof ev);
    const kind_keys *k = NULL;
    for (int i = 0; i < nkinds; i++)
      if (strcmp(kinds[i].name, ev) == 0)
        k = &kinds[i];
    ck_assert_msg(k != NULL, "%s: event '%s' is not in docs/trace.md: %s", what, ev, line);
    static const char *const head[] = {"t", "ev", "lvl", "machine"};
    int nhead = machines ? 4 : 3, at = 0;
    for (; at < nhead; at++)
      ck_assert_msg(at < n && strcmp(keys[at], head[at]) == 0, "%s: key %d is not %s: %s", what,
                    at, head[at], line);
    int optional_from = strcmp(ev, "violation") == 0 ? 2 : k->nkeys;
    for (int d = 0; d < k->nkeys; d++) {
      if (at < n && strcmp(keys[at], k->keys[d]) == 0)
        at++;
      else
        ck_assert_msg(d >= optional_from, "%s: %s lacks '%s' at key %d: %s", what, ev,
                      k->keys[d], at, line);
    }
    ck_assert_msg(at == n, "%s: %s has an undocumented key '%s': %s", what, ev,
                  at < n ? keys[at] : "", line);
    lines++;
  }
  free(copy);
  return lines;
}

START_TEST(test_jsonl_goldens_follow_schema)
{
  glob_t g;
  ck_assert_int_eq(glob("tests/golden/*.jsonl", 0, NULL, &g), 0);
  ck_assert_uint_gt(g.gl_pathc, 5);
  for (size_t i = 0; i < g.gl_pathc; i++) {
    char *t = slurp(g.gl_pathv[i]);
    /* A file with several machines names them in every record. */
    ck_assert_int_gt(check_schema(t, g.gl_pathv[i], strstr(t, "\"machine\":") != NULL), 0);
    free(t);
  }
  globfree(&g);
}
END_TEST

/* A file with two machines: every record names its machine; one machine:
 * none does. The warning and remove records are in the schema too. */
START_TEST(test_jsonl_machine_field)
{
  ran r = run_text("machine left\n  driver d builtin fixed runtime queues-iopb\n"
                   "  at 1ms remove d\n  client c\n    open d\n  end\nend\n"
                   "machine right\n  driver d builtin null\n  client c\n    open d\n  end\nend\n",
                   1);
  ck_assert_int_eq(r.status, 0);
  ck_assert_int_gt(check_schema(r.trace, "two machines", 1), 10);
  ck_assert_ptr_nonnull(strstr(r.trace, "\"ev\":\"warning\",\"lvl\":\"task\",\"machine\":\"left\""));
  ck_assert_ptr_nonnull(strstr(r.trace, "\"ev\":\"remove\",\"lvl\":\"task\",\"machine\":\"left\""));
  ck_assert_ptr_nonnull(strstr(r.trace, "\"machine\":\"right\",\"ref\":-49,\"name\":\".Null\""));
  ran_free(&r);
  r = run_text("driver d builtin null\nclient c\n  open d\nend\n", 1);
  ck_assert_ptr_null(strstr(r.trace, "\"machine\""));
  ck_assert_int_gt(check_schema(r.trace, "one machine", 0), 3);
  ran_free(&r);
}
END_TEST

/* The SCSI records: a disk driver's requests through the controller family
 * (tests/scenarios/scsi-slots.dms), and commands a scenario sends a
 * simulated bus itself, with a medium error, an abort and a reset. */
START_TEST(test_jsonl_scsi_records_follow_schema)
{
  char *text = slurp("tests/scenarios/scsi-slots.dms");
  ran r = run_text(text, 1);
  free(text);
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.trace, "\"ev\":\"scsi_handoff\""));
  ck_assert_int_gt(check_schema(r.trace, "scsi-slots.dms", 0), 20);
  ran_free(&r);
  r = run_text("scsi bus b0\n"
               "scsi disk d0 bus b0 target 0 memory 1m\n"
               "scsi latency d0 all fixed 1ms\n"
               "scsi fault d0 medium 100 10\n"
               "scsi command r d0 \"28 00 00 00 00 60 00 00 08 00\" in 4k at 1ms\n"
               "scsi command w d0 \"2a 00 00 00 00 08 00 00 01 00\" out 512 at 2ms\n"
               "scsi command slow d0 \"28 00 00 00 00 08 00 00 01 00\" in 512 at 10ms\n"
               "scsi abort slow at 10500us\n"
               "scsi reset d0 at 20ms\n",
               1);
  ck_assert_msg(r.status == 0, "%s", r.err);
  for (const char *const *ev = (const char *const[]){"scsi-command", "scsi-data", "scsi-status",
                                                     "scsi-abort", "scsi-reset", NULL};
       *ev != NULL; ev++) {
    char want[48];
    snprintf(want, sizeof want, "\"ev\":\"%s\"", *ev);
    ck_assert_msg(strstr(r.trace, want) != NULL, "no %s record in:\n%s", *ev, r.trace);
  }
  ck_assert_int_gt(check_schema(r.trace, "scsi bus", 0), 5);
  ran_free(&r);
}
END_TEST

/* ---- a driver as a client of another --------------------------------------- */

/* ".Relay" reads from .Null inside its own DoDriverIO (sync, at task level),
 * as a disk driver calls the bus driver below it. */
static int16_t relay_lower;
static const char *call_names[8];
static int ncalls;

static DriverDescription relay_desc = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\005relay", { 1, 0, finalStage, 0 } },
  { 0, "\006.Relay", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

static OSStatus RelayIO(AddressSpaceID space, IOCommandID id, IOCommandContents c,
                        IOCommandCode code, IOCommandKind kind)
{
  (void)space;
  if (kind & kImmediateIOCommandKind)
    return noErr;
  OSErr err = noErr;
  if (code == kReadCommand) {
    ParamBlockRec lower;
    char buf[8];
    tf_io(&lower, relay_lower, buf, sizeof buf, 0);
    err = PBReadSync(&lower);
    c.pb->ioParam.ioActCount = lower.ioParam.ioActCount;
  }
  return IOCommandIsComplete(id, err);
}

static void name_calls(void *ctx, const dm_trace_rec *r)
{
  (void)ctx;
  if (r->ev == DM_EV_CALL && ncalls < 8)
    call_names[ncalls++] = r->name;
}

/* Opens the driver named pname (a Pascal string) with a sync PBOpen. */
static OSErr open_by_name(const char *pname)
{
  ParamBlockRec op;
  memset(&op, 0, sizeof op);
  op.ioParam.ioNamePtr = (StringPtr)pname;
  return PBOpenSync(&op);
}

START_TEST(test_driver_calls_credited_to_driver)
{
  sim_world w;
  ck_assert_int_eq(sim_world_init(&w), 0);
  dm_machine_config cfg = { 0 };
  cfg.platform = sim_world_platform(&w);
  cfg.trace = name_calls;
  cfg.check = DM_CHECK_STRICT;
  dm_machine *m = dm_machine_new(&cfg);
  dm_machine *prev = dm_machine_enter(m);
  const dm_builtin *null = dm_builtin_find("null");
  dm_driver_spec lower = { .desc = null->desc, .entry = null->entry, .unit = -1 };
  dm_driver_spec upper = { .desc = &relay_desc, .entry = RelayIO, .unit = -1 };
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(m, &lower, &relay_lower), noErr);
  ck_assert_int_eq(dm_driver_install(m, &upper, &ref), noErr);
  ck_assert_int_eq(open_by_name("\005.Null"), noErr);
  ck_assert_int_eq(open_by_name("\006.Relay"), noErr);
  dm_machine_set_client(m, "app");
  ncalls = 0;
  char buf[8];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, sizeof buf, 0);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 8);
  dm_machine_set_client(m, NULL);
  ck_assert_int_eq(ncalls, 2);
  ck_assert_str_eq(call_names[0], "app");
  ck_assert_str_eq(call_names[1], ".Relay"); /* not "app", whose call it runs in */
  dm_machine_leave(prev);
  dm_machine_free(m);
  sim_world_free(&w);
}
END_TEST

/* ---- large flat files ------------------------------------------------------ */

/* Plain calls take their blocks from the executor's pool and give them back
 * when they complete; after the pool's quarantine blocks are sent again.
 * The trace must still show one block per statement (numbers 1, 2, 3... in
 * call order, never one again), and the blocks that `expect data` reads
 * after the run must never go back to the pool: 40 writes of 9s between w
 * (7s) and r would otherwise overwrite w's buffer. */
START_TEST(test_pool_blocks_numbered_per_statement)
{
  char *text = NULL;
  size_t len;
  FILE *f = open_memstream(&text, &len);
  fputs("hardware h fixed 10us channels 2\n"
        "driver d builtin fixed hardware h\n"
        "client c\n"
        "  open d\n"
        "  write d 16 at 0 pattern byte 7 as w\n",
        f);
  for (int i = 0; i < 40; i++)
    fputs("  write d 16 at 512 pattern byte 9\n", f);
  for (int i = 0; i < 40; i++)
    fputs(i % 8 == 7 ? "  read d 16 at 512 async\n  wait all\n" : "  read d 16 at 512 async\n", f);
  fputs("  wait all\n"
        "  read d 16 at 0 as r\n"
        "end\n"
        "expect data r equals w\n"
        "expect r result noErr\n",
        f);
  fclose(f);
  ran r = run_text(text, 1);
  free(text);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  uint64_t calls = 0;
  for (const char *line = r.trace; line != NULL && *line; line = strchr(line, '\n') + 1) {
    const char *end = strchr(line, '\n');
    ck_assert_ptr_nonnull(end);
    const char *pb = strstr(line, "\"pb\":");
    /* (Initialize, at the install, is a call without a block: pb null.) */
    const char *ev = strstr(line, "\"ev\":\"call\"");
    if (ev != NULL && ev < end && pb != NULL && pb < end && pb[5] != 'n') {
      unsigned long long n = strtoull(pb + 5, NULL, 10);
      ck_assert_uint_eq(n, ++calls); /* each call statement's block is a new one */
    }
  }
  ck_assert_uint_eq(calls, 1 + 1 + 40 + 40 + 1);
  ran_free(&r);
}
END_TEST

/* The Device Manager's word that a call finished (run_pb_done) finds its
 * block through a small table of hints by the block's address, and through
 * the address map when the hint does not name it. 4,000 async reads
 * without a completion routine in flight at once (a repeat gives each its
 * own block: more blocks than the table has places) are each finished
 * there, so `wait all` ends and the client is not reported as hung. */
START_TEST(test_completions_find_blocks_past_the_hints)
{
  ran r = run_text("hardware h fixed 1ms channels 4000\n"
                   "driver d builtin conc hardware h\n"
                   "client c\n"
                   "  open d\n"
                   "  repeat 4000\n"
                   "    read d 512 at 0 async no-completion\n"
                   "  end\n"
                   "  wait all\n"
                   "  read d 512 at 0 as last\n"
                   "end\n"
                   "expect last result noErr\n"
                   "expect count complete on d 4003\n"
                   "expect time last >= 2ms\n",
                   0);
  assert_all_held(&r, 3);
  ran_free(&r);
}
END_TEST

/* A repeat's sync call sends its own block again (a lean block, on a
 * machine without a trace hook, which `expect sent` would install), the
 * client's last one when the same statement comes round (run_issue_from):
 * with two calls in a body, each takes its own statement's block, never
 * the other's (the last one, lean too), and a call after a sleep, or
 * after another repeat's, takes its own again. .Fixed serves a read in
 * 1 ms and answers a Status at once, so a Status statement that sent a
 * read's block would show in the time the run takes: 2 ms for the first
 * repeat, 4 for the second, none for the third. */
START_TEST(test_repeat_sends_each_statement_its_block)
{
  ran r = run_text("hardware h fixed 1ms\n"
                   "driver d builtin fixed hardware h\n"
                   "client c\n"
                   "  open d\n"
                   "  repeat 2\n"
                   "    read d 512 at 0\n"
                   "    status d 43\n"
                   "  end\n"
                   "  repeat 2\n"
                   "    read d 64 at 0\n"
                   "    sleep 1ms\n"
                   "  end\n"
                   "  repeat 2\n"
                   "    status d 44\n"
                   "  end\n"
                   "end\n"
                   "expect count dispatch on d 10\n",
                   0);
  assert_all_held(&r, 1);
  ck_assert_msg(strstr(r.out, "ran to 6.000000 ms of simulated time") != NULL, "%s", r.out);
  ran_free(&r);
}
END_TEST

/* --max-steps N lets N steps run at one instant and stops the run at the
 * next one (exit status 4, the watchdog's). The file makes 14 at time 0
 * (events, statements). (The watchdog counted 15 before it spent an
 * event's step only once an event was there to run: the look that found
 * none left was a step too.) */
static const char steps14[] = "driver d builtin null\n"
                              "client c\n"
                              "  open d\n"
                              "  repeat 10\n"
                              "    wait all\n"
                              "  end\n"
                              "end\n";

START_TEST(test_max_steps_lets_the_limit_run)
{
  ran r = run_text_steps(steps14, 0, 14);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  ran_free(&r);
}
END_TEST

START_TEST(test_max_steps_stops_the_step_after)
{
  (void)run_text_steps(steps14, 0, 13); /* the watchdog ends the process: status 4 */
  ck_abort_msg("the run went on past --max-steps");
}
END_TEST

/* The 1 GiB of data buffers counts the buffers alive, not every buffer
 * ever made: nine sync 128 MiB reads one after the other (1,152 MiB in
 * all) run, since a block given back to the pool drops a large buffer; the
 * same reads sent async all at once are refused at the ninth, with the
 * statement's line and column. */
START_TEST(test_buffer_limit_counts_buffers_alive)
{
  char *text = NULL;
  size_t len;
  FILE *f = open_memstream(&text, &len);
  fputs("driver n builtin null\nclient c\n  open n\n", f);
  for (int i = 0; i < 9; i++)
    fputs("  read n 128m\n", f);
  fputs("end\n", f);
  fclose(f);
  ran r = run_text(text, 0);
  ck_assert_msg(r.status == 0, "status %d: %s", r.status, r.err);
  ran_free(&r);
  free(text);

  f = open_memstream(&text, &len);
  fputs("hardware h fixed 1ms channels 16\n"
        "driver d builtin conc hardware h runtime concurrent\n"
        "client c\n  open d\n",
        f);
  for (int i = 0; i < 9; i++)
    fputs("  read d 128m async\n", f);
  fputs("  wait all\nend\n", f);
  fclose(f);
  r = run_text(text, 0);
  free(text);
  ck_assert_int_eq(r.status, 2);
  ck_assert_msg(strstr(r.err, "t.dms:13:3: error: the data buffers of the requests in flight "
                              "would exceed 1024 MiB") != NULL,
                "%s", r.err);
  ran_free(&r);
}
END_TEST

/* Write a flat scenario of `clients` clients, each `per` times the call
 * `line` (no newline; named: each named `as cC_I` after its client and
 * place), with `every` lines then `wait all` when every is not 0. */
static void write_flat(const char *path, int clients, int per, const char *line, int named,
                       int every)
{
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs("hardware h fixed 1us channels 4\ndriver d builtin fixed hardware h\n", f);
  for (int c = 0; c < clients; c++) {
    fprintf(f, "client c%d\n  open d\n", c);
    for (int i = 0; i < per; i++) {
      fputs(line, f);
      if (named)
        fprintf(f, " as c%d_%d", c, i);
      fputc('\n', f);
      if (every != 0 && i % every == every - 1)
        fputs("  wait all\n", f);
    }
    fputs("  wait all\nend\n", f);
  }
  ck_assert_int_eq(fclose(f), 0);
}

/* Load and run path in a child process; returns its exit status. */
static int run_child(const char *path)
{
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    sim_scenario *sc = NULL;
    char msg[512];
    if (sim_scenario_load(path, &sc, msg, sizeof msg) != 0)
      _exit(90);
    FILE *null = fopen("/dev/null", "w");
    sim_run_opts o = { 0 };
    o.quiet = 1;
    o.out = null;
    o.err = null;
    int st = sim_run(sc, &o);
    sim_scenario_free(sc);
    _exit(st);
  }
  int st;
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run each of the flat files write_flat makes from lines[i] (named[i],
 * every[i]) in a child; returns the largest peak resident memory of the
 * children in kB (from getrusage: a bound on memory, not a timing). */
static long peak_of_flat_runs(int n, const int *clients, const int *per, const char *const *lines,
                              const int *named, const int *every)
{
  char path[] = "/tmp/dmsim-check-million-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  close(fd);
  for (int i = 0; i < n; i++) {
    write_flat(path, clients[i], per[i], lines[i], named[i], every[i]);
    ck_assert_int_eq(run_child(path), 0);
  }
  unlink(path);
  struct rusage ru;
  ck_assert_int_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
  return ru.ru_maxrss; /* kilobytes on Linux; the largest child counts */
}

/* A flat file of a million calls runs in well under 100 MB: 16 clients of
 * 62,500 sync reads, and one client of a million async reads with `wait
 * all` after every 8 (measured 35 MB and 44 MB; the text alone is 18 and
 * 26 MB while it parses). */
START_TEST(test_million_calls_memory)
{
  static const int clients[] = {16, 1}, per[] = {62500, 1000000}, named[] = {0, 0},
                   every[] = {0, 8};
  static const char *const lines[] = {"  read d 512 at 0", "  read d 512 at 0 async"};
  long peak = peak_of_flat_runs(2, clients, per, lines, named, every);
  ck_assert_msg(peak < 60 * 1024, "peak %ld kB for a million calls", peak);
}
END_TEST

/* A million named calls, as a generated regression file has them: each
 * its own 16-byte instance and name, all one shape (measured 78 MB with
 * the 29 MB of text as `dmsim run`, 82 MB in this test's child; it was
 * 289 MB when each had a whole call record). */
START_TEST(test_million_named_calls_memory)
{
  static const int clients[] = {1}, per[] = {1000000}, named[] = {1}, every[] = {0};
  static const char *const lines[] = {"  read d 512 at 0"};
  long peak = peak_of_flat_runs(1, clients, per, lines, named, every);
  ck_assert_msg(peak < 100 * 1024, "peak %ld kB for a million named calls", peak);
}
END_TEST

Suite *run_suite(void)
{
  Suite *s = suite_create("run");
  TCase *tc = tcase_create("run");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_util_with_immediate_call);
  tcase_add_test(tc, test_util_with_empty_read_queued);
  tcase_add_test(tc, test_util_of_long_services);
  tcase_add_test(tc, test_mean_wait_past_2_64);
  tcase_add_test(tc, test_scsi_transfer_past_the_end);
  tcase_add_test(tc, test_jsonl_goldens_follow_schema);
  tcase_add_test(tc, test_jsonl_machine_field);
  tcase_add_test(tc, test_jsonl_scsi_records_follow_schema);
  tcase_add_test(tc, test_driver_calls_credited_to_driver);
  tcase_add_test(tc, test_pool_blocks_numbered_per_statement);
  tcase_add_test(tc, test_buffer_limit_counts_buffers_alive);
  tcase_add_test(tc, test_completions_find_blocks_past_the_hints);
  tcase_add_test(tc, test_repeat_sends_each_statement_its_block);
  tcase_add_test(tc, test_max_steps_lets_the_limit_run);
  /* The watchdog ends the process: an exit test, which Check can only run
   * in a child of its own. Unforked (CK_FORK=no, as make valgrind runs the
   * suites) it would end the whole run of the suites; the forked runs of
   * make test, ASan and both compilers keep it. */
  if (tests_check_forks())
    tcase_add_exit_test(tc, test_max_steps_stops_the_step_after, SIM_RUN_EXIT_WATCHDOG);
  suite_add_tcase(s, tc);
  /* Peak memory is the program's only outside AddressSanitizer, and
   * unforked (CK_FORK=no, as make valgrind runs the suites) a million
   * calls under valgrind take minutes. */
  if (tests_memory_testable()) {
    TCase *big = tcase_create("million");
    tcase_set_timeout(big, 120); /* about 3 s optimized; -O0 builds are slower */
    tcase_add_test(big, test_million_calls_memory);
    tcase_add_test(big, test_million_named_calls_memory);
    suite_add_tcase(s, big);
  }
  return s;
}
