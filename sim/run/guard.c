/*
 * guard.c - how `dmsim run` survives the driver code it runs.
 *
 * A driver that faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, abort, a stack
 * overflow), calls exit(), hangs in one call, or keeps the machine busy at
 * one simulated instant ends the run with a report: the driver and the
 * entry it was in, the command with its history, the execution level, the
 * scenario statement behind it and the simulated time. The trace is
 * finished (footer written, stream flushed) before the process ends, and
 * each ending has an exit status of its own (run.h). SIGINT, SIGTERM and
 * SIGHUP end the run the same way, with 128 + the signal number.
 *
 * The mechanism is a handler on an alternate stack (a stack overflow leaves
 * no room on the faulting one) that never returns and never jumps back:
 * the simulator's state is frozen at the fault, reported, and the process
 * ends with _exit. The report is formatted and written with write(2)
 * before anything else, so it stands even if finishing the trace fails.
 * Finishing the trace calls stdio from a signal handler, which POSIX does
 * not promise to be safe: it is when the fault happened in driver code
 * (the simulator's own state is consistent then), and a 2-second alarm
 * ends the process if a driver that corrupted the heap makes it block.
 * exit() from driver code is caught by an atexit handler armed only while
 * a run is under way. _exit() and a driver that corrupts the simulator's
 * memory without faulting cannot be caught this way: a supervised child
 * process would, at the price of a fork per run (docs/architecture.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/escape.h"
#include "run/run_int.h"

#define GUARD_ALT_STACK (256 * 1024)

/* In a sanitizer build (make ASAN=1), a report of ASan or UBSan is a fault
 * too: it ends the run with the fault status, never with 1, the status of
 * a broken rule. The options given in the environment still apply. */
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);
const char *__asan_default_options(void)
{
  return "exitcode=3";
}
const char *__ubsan_default_options(void)
{
  return "exitcode=3:print_stacktrace=1";
}

/* Present in sanitizer builds only: called when a sanitizer ends the
 * process, so that the report and the trace come out there too. */
extern void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

static const int fault_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS };
static const int stop_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM };
#define NFAULT (sizeof fault_sigs / sizeof fault_sigs[0])
#define NSTOP (sizeof stop_sigs / sizeof stop_sigs[0])

static struct {
  volatile sig_atomic_t armed;     /* a guarded run is under way */
  volatile sig_atomic_t reporting; /* a report is being written */
  run_machine *volatile rm;        /* machine running now, or NULL */
  sim_trace          *trace;
  sim_outfile        *out;
  const sim_run_opts *opts;
  struct sigaction    old_fault[NFAULT], old_stop[NSTOP], old_pipe;
  stack_t             old_stack;
  int                 atexit_set;
  char                report[4096];
} g;

static char alt_stack[GUARD_ALT_STACK];

static void put_all(const char *s, size_t n)
{
  while (n > 0) {
    ssize_t k = write(2, s, n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return;
    s += k;
    n -= (size_t)k;
  }
}

static const char *sig_name(int sig)
{
  switch (sig) {
  case SIGSEGV: return "SIGSEGV (invalid memory access, or the stack overflowed)";
  case SIGBUS: return "SIGBUS (bus error)";
  case SIGFPE: return "SIGFPE (arithmetic fault, such as a division by zero)";
  case SIGILL: return "SIGILL (illegal instruction)";
  case SIGABRT: return "SIGABRT (abort() was called)";
  case SIGTRAP: return "SIGTRAP (trap)";
  case SIGSYS: return "SIGSYS (bad system call)";
  case SIGINT: return "SIGINT";
  case SIGTERM: return "SIGTERM";
  case SIGHUP: return "SIGHUP";
  default: return "a signal";
  }
}

/* Append to the report. */
static void add(size_t *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(size_t *n, const char *fmt, ...)
{
  if (*n >= sizeof g.report)
    return;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(g.report + *n, sizeof g.report - *n, fmt, ap);
  va_end(ap);
  if (k > 0)
    *n += (size_t)k < sizeof g.report - *n ? (size_t)k : sizeof g.report - *n - 1;
}

/* The scenario statement behind what runs now: the call whose request the
 * driver is executing, else the last statement the executor ran. */
static void add_place(size_t *n, run_machine *rm, const dm_where *w)
{
  run_pb *p = w->pb != NULL ? run_pb_find(rm, w->pb) : NULL;
  run_place at;
  if (p != NULL && p->call != SIZE_MAX) {
    const sim_sc_shape *c = p->shape;
    add(n, "  scenario: %s:%d:%d, the %s of client %s that sent this request\n", rm->path,
        p->st->line, p->st->col, sim_sc_op_name(c->op), rm->sc->clients[c->client].name);
  } else if (run_place_get(rm, &rm->place, &at) > 0) {
    add(n, "  scenario: %s:%d:%d, the %s of %s %s (the last statement run)\n", rm->path,
        at.line, at.col, at.what, at.of, at.name);
  }
}

int run_place_get(const run_machine *rm, const run_place *p, run_place *out)
{
  *out = *p;
  if (p->st != NULL) {
    out->line = p->st->line;
    out->col = p->st->col;
    out->what = p->st->kind == SIM_SC_ST_CALL
                    ? sim_sc_op_name(sim_sc_call_shape(rm->sc, p->st->call)->op)
                    : "statement";
    out->of = "client";
    out->name = p->client->sc->name;
  }
  return out->line;
}

/* Format what the machine runs now into the report. Returns 1 when driver
 * code was running. */
static int add_where(size_t *n, run_machine *rm)
{
  if (rm == NULL || rm->m == NULL)
    return 0;
  dm_where w;
  int in_driver = dm_machine_where(rm->m, &w);
  char name[sizeof w.driver * 4 + 1], t[48];
  snprintf(t, sizeof t, "%" PRIu64 ".%06" PRIu64 " ms", w.t / 1000000u, w.t % 1000000u);
  if (in_driver) {
    sim_escape(name, sizeof name, w.driver, sizeof w.driver);
    add(n, "  driver: %s (refNum %d), in %s\n", name[0] ? name : "(unknown)", w.ref,
        dm_entry_name(w.entry));
    if (w.command[0] != '\0')
      add(n, "  command: %s\n", w.command);
  }
  add(n, "  at %s of simulated time, %s level, machine %s\n", t, dm_level_name(w.level),
      rm->sc->name);
  add_place(n, rm, &w);
  return in_driver;
}

/* Write the report, finish the trace, end the process. Never returns. */
static void finish(size_t n, int status) __attribute__((noreturn));
static void finish(size_t n, int status)
{
  if (g.trace != NULL && g.opts != NULL && g.opts->trace_path != NULL)
    add(&n, "  trace: %s holds every record up to here\n", g.opts->trace_path);
  add(&n, "  exit status %d\n", status);
  put_all(g.report, n);
  alarm(2); /* bounded: a blocked flush ends in the SIGALRM handler */
  fflush(g.opts != NULL ? g.opts->out : stdout);
  if (g.trace != NULL && sim_trace_finish(g.trace) != 0) {
    char m[160];
    int k = snprintf(m, sizeof m, "dmsim: --trace %s: write failed: %s\n", g.opts->trace_path,
                     strerror(errno));
    if (k > 0)
      put_all(m, (size_t)k < sizeof m ? (size_t)k : sizeof m - 1);
  }
  /* The trace is written to a temporary file (sim/base/outfile.h): it gets
   * its name now, since the run will not. */
  if (g.out != NULL && g.out->tmp != NULL && g.out->target != NULL)
    rename(g.out->tmp, g.out->target);
  _exit(status);
}

static void on_fault(int sig, siginfo_t *info, void *uc)
{
  (void)info;
  (void)uc;
  if (g.reporting)
    _exit(SIM_RUN_EXIT_FAULT);
  g.reporting = 1;
  size_t n = 0;
  run_machine *rm = g.rm;
  dm_where w;
  int in_driver = rm != NULL && rm->m != NULL && dm_machine_where(rm->m, &w);
  if (in_driver)
    add(&n, "dmsim: driver fault: %s\n", sig_name(sig));
  else
    add(&n, "dmsim: fault outside driver code: %s (a bug in dmsim, or memory a driver "
            "corrupted)\n", sig_name(sig));
  add_where(&n, rm);
  finish(n, SIM_RUN_EXIT_FAULT);
}

static void on_stop(int sig, siginfo_t *info, void *uc)
{
  (void)info;
  (void)uc;
  if (g.reporting) /* the alarm of a blocked report */
    _exit(sig == SIGALRM ? SIM_RUN_EXIT_WATCHDOG : 128 + sig);
  g.reporting = 1;
  size_t n = 0;
  if (sig == SIGALRM) {
    add(&n, "dmsim: watchdog: the run took more than %g s of wall time (--timeout)\n",
        g.opts->timeout);
    add_where(&n, g.rm);
    finish(n, SIM_RUN_EXIT_WATCHDOG);
  }
  add(&n, "dmsim: interrupted by %s\n", sig_name(sig));
  add_where(&n, g.rm);
  finish(n, 128 + sig);
}

static void on_exit_call(void)
{
  if (!g.armed || g.reporting)
    return;
  g.reporting = 1;
  size_t n = 0;
  add(&n, "dmsim: driver fault: exit() was called during the run; a driver may not end the "
          "program\n");
  add_where(&n, g.rm);
  finish(n, SIM_RUN_EXIT_FAULT);
}

void run_watchdog(run_machine *rm, const char *fmt, ...)
{
  if (g.reporting)
    _exit(SIM_RUN_EXIT_WATCHDOG);
  g.reporting = 1;
  size_t n = 0;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(g.report, sizeof g.report, fmt, ap);
  va_end(ap);
  n = k > 0 ? ((size_t)k < sizeof g.report ? (size_t)k : sizeof g.report - 1) : 0;
  add(&n, "\n");
  add_where(&n, rm);
  finish(n, SIM_RUN_EXIT_WATCHDOG);
}

void run_step_overrun(run_machine *rm, run_step_kind kind, const void *who)
{
  char t[48];
  uint64_t now = sim_world_now(&rm->w); /* (the instant the steps were counted at) */
  snprintf(t, sizeof t, "%" PRIu64 ".%06" PRIu64 " ms", now / 1000000u, now % 1000000u);
  unsigned long long n = (unsigned long long)rm->opts->max_steps;
  if (kind == RUN_STEP_CLIENT) {
    const run_client *c = who;
    const run_frame *f = c->top;
    if (f->next > f->body)
      run_place_set(&rm->place, f->next[-1].line, f->next[-1].col, "statement", "client",
                    c->sc->name);
    run_watchdog(rm,
                 "dmsim: watchdog: client %s makes no progress: %llu statements at %s without "
                 "simulated time advancing (--max-steps %llu)",
                 c->sc->name, n, t, n);
  }
  if (kind == RUN_STEP_SIH)
    run_watchdog(rm,
                 "dmsim: watchdog: interrupt handlers keep running at %s: %llu of them without "
                 "simulated time advancing; a handler queues or arms itself again "
                 "(--max-steps %llu)",
                 t, n, n);
  run_watchdog(rm,
               "dmsim: watchdog: %llu events ran at %s without simulated time advancing "
               "(--max-steps %llu)",
               n, t, n);
}

/* A sanitizer found an error and is about to end the process (with status
 * 3, __asan_default_options): say where the machine was and keep the trace.
 * Returns: the sanitizer exits. */
static void on_sanitizer_death(void)
{
  if (!g.armed || g.reporting)
    return;
  g.reporting = 1;
  size_t n = 0;
  run_machine *rm = g.rm;
  dm_where w;
  int in_driver = rm != NULL && rm->m != NULL && dm_machine_where(rm->m, &w);
  add(&n, "dmsim: %s: a sanitizer found the error above\n",
      in_driver ? "driver fault" : "fault outside driver code");
  add_where(&n, rm);
  if (g.trace != NULL && g.opts->trace_path != NULL)
    add(&n, "  trace: %s holds every record up to here\n", g.opts->trace_path);
  add(&n, "  exit status %d\n", SIM_RUN_EXIT_FAULT);
  put_all(g.report, n);
  if (g.trace != NULL)
    sim_trace_finish(g.trace);
  if (g.out != NULL && g.out->tmp != NULL && g.out->target != NULL)
    rename(g.out->tmp, g.out->target);
}

int run_guard_begin(const sim_run_opts *opts, sim_trace *trace, sim_outfile *out)
{
  g.opts = opts;
  g.trace = trace;
  g.out = out;
  g.rm = NULL;
  g.reporting = 0;
  if (!opts->guard)
    return 0;
  stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof alt_stack, .ss_flags = 0 };
  if (sigaltstack(&ss, &g.old_stack) != 0)
    return -1;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < NFAULT; i++)
    sigaction(fault_sigs[i], &sa, &g.old_fault[i]);
  sa.sa_sigaction = on_stop;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  for (size_t i = 0; i < NSTOP; i++)
    sigaction(stop_sigs[i], &sa, &g.old_stop[i]);
  /* A trace written to a closed pipe fails with EPIPE, reported by name. */
  struct sigaction ign;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &g.old_pipe);
  if (!g.atexit_set && atexit(on_exit_call) == 0)
    g.atexit_set = 1;
  if (__sanitizer_set_death_callback != NULL)
    __sanitizer_set_death_callback(on_sanitizer_death);
  if (opts->timeout > 0) {
    struct itimerval it = { { 0, 0 }, { 0, 0 } };
    it.it_value.tv_sec = (time_t)opts->timeout;
    it.it_value.tv_usec = (suseconds_t)((opts->timeout - (double)(time_t)opts->timeout) * 1e6);
    if (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0)
      it.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &it, NULL);
  }
  g.armed = 1;
  return 0;
}

void run_guard_machine(run_machine *rm)
{
  g.rm = rm;
}

void run_guard_end(void)
{
  if (!g.armed) {
    g.rm = NULL;
    return;
  }
  g.armed = 0;
  g.rm = NULL;
  struct itimerval off = { { 0, 0 }, { 0, 0 } };
  setitimer(ITIMER_REAL, &off, NULL);
  for (size_t i = 0; i < NFAULT; i++)
    sigaction(fault_sigs[i], &g.old_fault[i], NULL);
  for (size_t i = 0; i < NSTOP; i++)
    sigaction(stop_sigs[i], &g.old_stop[i], NULL);
  sigaction(SIGPIPE, &g.old_pipe, NULL);
  sigaltstack(&g.old_stack, NULL);
}
