/*
 * check_golden.c - the Device Manager's rules, checked on the jsonl traces
 * of every example (the .jsonl files in tests/golden, which tests/scenarios.sh proves
 * are what the current dmsim writes):
 *   - every accepted call completes exactly once (or is rejected, once);
 *   - a non-concurrent driver never has two queued requests dispatched at
 *     once, and serves them in the order they were enqueued;
 *   - a concurrent driver gets every request dispatched at the time it was
 *     called (unless a removal holds it, and then never);
 *   - a KillIO that succeeds completes every request pending on its driver
 *     with abortErr, at the time of the KillIO; a driver with
 *     kDriverQueuesIOPB completes the ones it held with abortErr itself;
 *   - nothing of a kDriverQueuesIOPB driver goes on dCtlQHdr;
 *   - a completion routine runs once per async call, after the result is
 *     posted (the callback record follows the complete record).
 * Runs from the repository root, as `make test` does.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"

#define MAX_PB 4096
#define MAX_REF 64

/* The raw value of "key": in a jsonl line, or NULL. */
static const char *field(const char *line, const char *key, char *buf, size_t len)
{
  char pat[40];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(line, pat);
  if (p == NULL)
    return NULL;
  p += strlen(pat);
  size_t n = 0;
  if (*p == '"') {
    p++;
    while (*p && *p != '"' && n + 1 < len)
      buf[n++] = *p++;
  } else {
    while (*p && *p != ',' && *p != '}' && n + 1 < len)
      buf[n++] = *p++;
  }
  buf[n] = '\0';
  return buf;
}

static long num(const char *line, const char *key)
{
  char b[64];
  const char *v = field(line, key, b, sizeof b);
  return v != NULL && strcmp(v, "null") != 0 ? strtol(v, NULL, 10) : -1;
}

static int is(const char *line, const char *key, const char *value)
{
  char b[64];
  const char *v = field(line, key, b, sizeof b);
  return v != NULL && strcmp(v, value) == 0;
}

typedef struct pbstate {
  int  open;      /* accepted call not yet complete */
  int  internal;  /* a command the Device Manager sent itself (no call) */
  int  async;
  int  completes, callbacks, completed_before_callback;
  long ref, t_call;
  int  killio;    /* the call is a KillIO */
  int  queued;    /* enqueued, not yet dispatched */
  long enq_order;
} pbstate;

typedef struct refstate {
  long ref;
  int  concurrent;
  int  queues;    /* kDriverQueuesIOPB: nothing of it goes on dCtlQHdr */
  long kill_t;    /* its last KillIO, -1 before any */
  int  active;    /* non-immediate dispatched, not complete */
  long next_order, served_order;
} refstate;

static refstate *ref_of(refstate *refs, int *nrefs, long ref)
{
  for (int i = 0; i < *nrefs; i++)
    if (refs[i].ref == ref)
      return &refs[i];
  ck_assert_int_lt(*nrefs, MAX_REF);
  refs[*nrefs] = (refstate){ .ref = ref };
  return &refs[(*nrefs)++];
}

/* Check one trace: NULL when it follows the rules, else what broke. */
static const char *check_file(const char *path)
{
  static char msg[512];
#define RULE(cond, ...)                                                        \
  do {                                                                         \
    if (!(cond)) {                                                             \
      snprintf(msg, sizeof msg, __VA_ARGS__);                                  \
      if (f != NULL)                                                           \
        fclose(f);                                                             \
      return msg;                                                              \
    }                                                                          \
  } while (0)
  FILE *f = fopen(path, "r");
  RULE(f != NULL, "cannot open %s", path);
  static pbstate pb[MAX_PB];
  memset(pb, 0, sizeof pb);
  refstate refs[MAX_REF];
  int nrefs = 0;
  char line[2048];
  long kill_t = -1, kill_ref = 0;
  int lineno = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    lineno++;
    long t = num(line, "t"), p = num(line, "pb"), ref = num(line, "ref");
    RULE(p < MAX_PB, "%s:%d: pb number too large", path, lineno);
    pbstate *s = p > 0 ? &pb[p] : NULL;
    if (is(line, "ev", "install")) {
      refstate *r = ref_of(refs, &nrefs, ref);
      r->concurrent = (num(line, "runtime") & 0x8) != 0;
      r->queues = r->concurrent && (num(line, "runtime") & 0x10) != 0;
      r->kill_t = -1;
    } else if (is(line, "ev", "call")) {
      RULE(!s->open, "%s:%d: pb%ld sent while in flight without a violation", path,
                    lineno, p);
      s->open = 1;
      s->async = is(line, "mode", "async");
      s->ref = ref;
      s->t_call = t;
      s->completes = s->callbacks = 0;
      s->killio = is(line, "op", "killio");
      if (s->killio) {
        kill_t = t;
        kill_ref = ref;
        ref_of(refs, &nrefs, ref)->kill_t = t;
      }
    } else if (is(line, "ev", "reject")) {
      RULE(s->open, "%s:%d: reject without a call", path, lineno);
      s->open = 0;
    } else if (is(line, "ev", "enqueue")) {
      refstate *r = ref_of(refs, &nrefs, ref);
      RULE(!r->queues, "%s:%d: pb%ld put on dCtlQHdr of a kDriverQueuesIOPB driver", path,
           lineno, p);
      s->queued = 1;
      s->enq_order = ++r->next_order;
    } else if (is(line, "ev", "dispatch") && s != NULL && !s->open) {
      s->internal = 1; /* e.g. the Close before Finalize, on the unit's own PB */
    } else if (is(line, "ev", "dispatch") && s != NULL && !is(line, "kind", "immediate")) {
      refstate *r = ref_of(refs, &nrefs, ref);
      if (r->concurrent) {
        RULE(t == s->t_call, "%s:%d: concurrent driver got pb%ld at %ld, called at %ld",
                      path, lineno, p, t, s->t_call);
      } else {
        RULE(r->active == 0, "%s:%d: two requests dispatched at once on %ld", path,
                      lineno, ref);
        RULE(s->enq_order == r->served_order + 1,
                      "%s:%d: pb%ld served out of queue order", path, lineno, p);
        r->served_order = s->enq_order;
      }
      r->active++;
      s->queued = 0;
    } else if (is(line, "ev", "complete") && s != NULL && s->internal) {
      s->internal = 0;
    } else if (is(line, "ev", "complete") && s != NULL) {
      RULE(s->open, "%s:%d: pb%ld completed twice or never called", path, lineno, p);
      s->open = 0;
      s->completes++;
      refstate *r = ref_of(refs, &nrefs, ref);
      if (!is(line, "kind", "immediate") && r->active > 0 && !s->queued)
        r->active--;
      if (!r->concurrent && s->queued) /* aborted or failed before dispatch */
        r->served_order = s->enq_order > r->served_order ? s->enq_order : r->served_order;
      if (kill_t >= 0 && t == kill_t && ref == kill_ref && s->t_call < kill_t)
        RULE(num(line, "result") == -27, "%s:%d: KillIO completed pb%ld with %ld",
                      path, lineno, p, num(line, "result"));
      /* A driver that queues its own requests completes those it held at a
       * KillIO itself, possibly later (its device must let go first), but
       * with abortErr. */
      if (r->queues && r->kill_t >= 0 && s->t_call < r->kill_t && !s->killio)
        RULE(num(line, "result") == -27, "%s:%d: pb%ld outlived a KillIO with %ld", path,
             lineno, p, num(line, "result"));
    } else if (is(line, "ev", "callback")) {
      RULE(s->async && s->completes == 1 && s->callbacks == 0,
                    "%s:%d: callback of pb%ld not once after its completion", path, lineno, p);
      s->callbacks++;
    }
  }
  fclose(f);
  f = NULL;
  for (int i = 1; i < MAX_PB; i++) {
    RULE(!pb[i].open, "%s: pb%d never completed", path, i);
    if (pb[i].async && pb[i].completes > 0)
      RULE(pb[i].callbacks == 1, "%s: pb%d async without exactly one callback", path, i);
  }
  return NULL;
#undef RULE
}

START_TEST(test_golden_traces_follow_the_rules)
{
  glob_t g;
  ck_assert_int_eq(glob("tests/golden/*.jsonl", 0, NULL, &g), 0);
  ck_assert_uint_ge(g.gl_pathc, 7);
  for (size_t i = 0; i < g.gl_pathc; i++) {
    const char *why = check_file(g.gl_pathv[i]);
    ck_assert_msg(why == NULL, "%s", why);
  }
  globfree(&g);
}
END_TEST

/* The checker itself must catch a broken trace. */
START_TEST(test_checker_catches_double_completion)
{
  char path[] = "/tmp/dmsim-bad-golden-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  ck_assert_ptr_nonnull(f);
  fputs("{\"t\":0,\"ev\":\"install\",\"lvl\":\"task\",\"ref\":-49,\"name\":\".X\",\"runtime\":8}\n"
        "{\"t\":0,\"ev\":\"call\",\"lvl\":\"task\",\"pb\":1,\"client\":\"c\",\"op\":\"read\","
        "\"mode\":\"async\",\"ref\":-49}\n"
        "{\"t\":0,\"ev\":\"complete\",\"lvl\":\"task\",\"id\":1,\"pb\":1,\"ref\":-49,\"result\":0}\n"
        "{\"t\":0,\"ev\":\"complete\",\"lvl\":\"task\",\"id\":1,\"pb\":1,\"ref\":-49,\"result\":0}\n",
        f);
  fclose(f);
  const char *why = check_file(path);
  unlink(path);
  ck_assert_ptr_nonnull(why);
  ck_assert_msg(strstr(why, "completed twice") != NULL, "%s", why);
}
END_TEST

Suite *golden_suite(void)
{
  Suite *s = suite_create("golden");
  TCase *tc = tcase_create("rules");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_golden_traces_follow_the_rules);
  tcase_add_test(tc, test_checker_catches_double_completion);
  suite_add_tcase(s, tc);
  return s;
}
