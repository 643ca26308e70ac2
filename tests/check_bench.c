/*
 * check_bench.c - `dmsim bench` (sim/bench/bench.c) when it cannot measure:
 * a machine for the dispatch figures that cannot be set up (the process
 * out of memory) stops the bench at once with a message on stderr and
 * status 1, and nothing on stdout: no figure printed as if measured; and
 * its report (bench_report.c) of figures given to it, measured or not,
 * within their budgets or not: the table, the JSON object, the messages
 * and the exit status; and its record of the run rounds (bench_runs.c):
 * each figure's best, whether a round saw both figures of a ratio near
 * their bests, and the warning when none did. (The figures themselves are
 * timings, measured by `make bench`, never asserted by tests.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"
#include "memlimit.h"
#include "bench/bench.h"
#include "bench/bench_report.h"
#include "bench/bench_runs.h"

/* The bytes of the file open at fd (read from its start), NUL-terminated,
 * in buf of size n. */
static void read_all(int fd, char *buf, size_t n)
{
  ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
  ssize_t got = read(fd, buf, n - 1);
  ck_assert_int_ge(got, 0);
  buf[got] = '\0';
}

START_TEST(test_dispatch_setup_fails)
{
  char out_path[] = "/tmp/dmsim-bench-out-XXXXXX", err_path[] = "/tmp/dmsim-bench-err-XXXXXX";
  int out = mkstemp(out_path), err = mkstemp(err_path);
  ck_assert_int_ge(out, 0);
  ck_assert_int_ge(err, 0);
  unlink(out_path);
  unlink(err_path);
  fflush(stdout);
  fflush(stderr);
  int saved_out = dup(1), saved_err = dup(2);
  ck_assert_int_ge(saved_out, 0);
  ck_assert_int_ge(saved_err, 0);
  ck_assert_int_ge(dup2(out, 1), 0);
  ck_assert_int_ge(dup2(err, 2), 0);
  /* No room to grow: the world's queues and the machine need new memory. */
  struct rlimit old;
  int limited = tests_limit_memory(0, &old) == 0;
  int status = limited ? sim_bench_main(0) : -1;
  if (limited)
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &old), 0);
  fflush(stdout);
  fflush(stderr);
  dup2(saved_out, 1);
  dup2(saved_err, 2);
  close(saved_out);
  close(saved_err);
  char o[4096], e[4096];
  read_all(out, o, sizeof o);
  read_all(err, e, sizeof e);
  close(out);
  close(err);
  ck_assert_msg(limited, "cannot limit the address space");
  ck_assert_int_eq(status, 1);
  ck_assert_str_eq(o, "");
  ck_assert_str_eq(e, "dmsim: bench: cannot set up a machine to measure the dispatch through "
                      ".Null (out of memory?); no figures reported\n");
}
END_TEST

/* sim_bench_report of figs[0..n) (json or a table) returns `status` and
 * prints exactly `out` on its output and `err` on its error stream. */
static void expect_report(const sim_bench_fig *figs, int n, int json, int status,
                          const char *out, const char *err)
{
  char *o = NULL, *e = NULL;
  size_t no = 0, ne = 0;
  FILE *fo = open_memstream(&o, &no), *fe = open_memstream(&e, &ne);
  ck_assert_ptr_nonnull(fo);
  ck_assert_ptr_nonnull(fe);
  int got = sim_bench_report(figs, n, json, fo, fe);
  ck_assert_int_eq(fclose(fo), 0);
  ck_assert_int_eq(fclose(fe), 0);
  ck_assert_int_eq(got, status);
  ck_assert_str_eq(o, out);
  ck_assert_str_eq(e, err);
  free(o);
  free(e);
}

/* The formats of the table's rows: its head, and a figure measured or
 * not (its value then "failed"), with its label and budget. */
#define WORDS_ROW "%-46s %10s  %s\n"
#define VALUE_ROW "%-46s %7.2f %-2s  %s\n"
#define HEAD "figure", "value", "budget"

/* A reference, a ratio with a budget, and a reference that could not be
 * measured (its value negative), as the bench makes them. */
static const sim_bench_fig figs_ref_failed[] = {
  {"floor_ns", "floor: bare queue + callback", 2.5, "ns", 0},
  {"dispatch_ratio", "  dispatch / floor", 4.25, "x", 5},
  {"trace_chrome_ns", "chrome trace, per record", -1, "ns", 0},
};

/* A reference figure that could not be measured fails the bench, though it
 * has no budget to miss: status 1, stderr names it, the JSON object shows
 * it null, lists it under "failed", and is not within budget; the table's
 * row reads failed. */
START_TEST(test_report_reference_failed)
{
  expect_report(figs_ref_failed, 3, 1, 1,
                "{\"floor_ns\":2.50,\"dispatch_ratio\":4.25,\"trace_chrome_ns\":null,"
                "\"failed\":[\"trace_chrome_ns\"],\"within_budget\":false}\n",
                "dmsim: bench: could not measure trace_chrome_ns\n");
  char want[512];
  snprintf(want, sizeof want, WORDS_ROW VALUE_ROW VALUE_ROW WORDS_ROW, HEAD,
           "floor: bare queue + callback", 2.5, "ns", "reference", "  dispatch / floor", 4.25,
           "x", "<= 5x ok", "chrome trace, per record", "failed", "reference");
  expect_report(figs_ref_failed, 3, 0, 1, want,
                "dmsim: bench: could not measure trace_chrome_ns\n");
}
END_TEST

/* Figures with a budget and without that could not be measured: every one
 * named, in the order of the figures, on one line; in the table, the
 * budget of one with a budget reads FAILED (not MISSED: it was not
 * measured, so it did not miss it). */
START_TEST(test_report_several_failed)
{
  static const sim_bench_fig figs[] = {
    {"scsi_task_ns", "SCSI per-task", -1, "ns", 0},
    {"event_ns_1", "event queue", 5, "ns", 70},
    {"scsi_bundled_cost_ratio", "bundled / per-task", -1, "x", 1 / 1.3},
    {"scsi_task_iops", "SCSI per-task iops", -1, "/s", 0},
  };
  expect_report(figs, 4, 1, 1,
                "{\"scsi_task_ns\":null,\"event_ns_1\":5.00,\"scsi_bundled_cost_ratio\":null,"
                "\"scsi_task_iops\":null,\"failed\":[\"scsi_task_ns\","
                "\"scsi_bundled_cost_ratio\",\"scsi_task_iops\"],\"within_budget\":false}\n",
                "dmsim: bench: could not measure scsi_task_ns, scsi_bundled_cost_ratio, "
                "scsi_task_iops\n");
  char want[512];
  snprintf(want, sizeof want, WORDS_ROW WORDS_ROW VALUE_ROW WORDS_ROW WORDS_ROW, HEAD,
           "SCSI per-task", "failed", "reference", "event queue", 5.0, "ns", "<= 70 ok",
           "bundled / per-task", "failed", "<= 0.769231x FAILED", "SCSI per-task iops",
           "failed", "reference");
  expect_report(figs, 4, 0, 1, want,
                "dmsim: bench: could not measure scsi_task_ns, scsi_bundled_cost_ratio, "
                "scsi_task_iops\n");
}
END_TEST

/* Every figure measured: status 0 when each is within its budget, 1 when
 * one misses it (the table and the JSON say so); nothing failed, so
 * nothing on stderr. */
START_TEST(test_report_measured)
{
  sim_bench_fig figs[] = {
    {"floor_ns", "floor", 2.5, "ns", 0},
    {"dispatch_ratio", "dispatch / floor", 5, "x", 5},
  };
  expect_report(figs, 2, 1, 0,
                "{\"floor_ns\":2.50,\"dispatch_ratio\":5.00,\"failed\":[],"
                "\"within_budget\":true}\n",
                "");
  figs[1].value = 5.01;
  expect_report(figs, 2, 1, 1,
                "{\"floor_ns\":2.50,\"dispatch_ratio\":5.01,\"failed\":[],"
                "\"within_budget\":false}\n",
                "");
  char want[512];
  snprintf(want, sizeof want, WORDS_ROW VALUE_ROW VALUE_ROW, HEAD, "floor", 2.5, "ns",
           "reference", "dispatch / floor", 5.01, "x", "<= 5x MISSED");
  expect_report(figs, 2, 0, 1, want, "");
}
END_TEST

#undef WORDS_ROW
#undef VALUE_ROW
#undef HEAD

/* What sim_bench_runs_warn writes for w and floor. */
static void expect_warning(const sim_bench_runs *w, double floor, const char *want)
{
  char *e = NULL;
  size_t ne = 0;
  FILE *fe = open_memstream(&e, &ne);
  ck_assert_ptr_nonnull(fe);
  sim_bench_runs_warn(w, floor, fe);
  ck_assert_int_eq(fclose(fe), 0);
  ck_assert_str_eq(e, want);
  free(e);
}

/* Each figure keeps its best sample over the rounds (a failed one,
 * negative, ignored), not the round with the best ratio; the two depths
 * agree once one round saw both within 5% of their bests, the serialized
 * run once one round saw it and its floor so. */
START_TEST(test_runs_best_and_agree)
{
  sim_bench_runs w;
  sim_bench_runs_init(&w);
  ck_assert_int_eq(sim_bench_runs_agree(&w, 20), 0);
  /* A quiet moment for 16 in flight and the floor, a busy one for the
   * others. */
  sim_bench_run_sample busy_deep = { 150, 20, 75, 160 };
  ck_assert_int_eq(sim_bench_runs_add(&w, &busy_deep), 0);
  ck_assert(w.serial == 150 && w.shallow == 75 && w.deep == 160);
  ck_assert_int_eq(sim_bench_runs_agree(&w, 20), SIM_BENCH_AGREE_ALL);
  /* The reverse: the bests now come from two rounds, and neither saw both
   * figures of a ratio near them. */
  sim_bench_run_sample busy_shallow = { 80, 40, 150, 125 };
  ck_assert_int_eq(sim_bench_runs_add(&w, &busy_shallow), 0);
  ck_assert(w.serial == 80 && w.shallow == 75 && w.deep == 125);
  ck_assert_int_eq(sim_bench_runs_agree(&w, 20), 0);
  expect_warning(&w, 20,
                 "dmsim: bench: no round saw the figures of run_serial_ratio and "
                 "run_depth_ratio near their best together (a busy host?); they may read high\n");
  /* Within 5% of both bests (up to 78.75 and 131.25 for the depths; 84 and
   * 21 for the serialized run and its floor): they agree. A failed run
   * changes no best. */
  sim_bench_run_sample near_depths = { -1, 22, 78.7, 131.2 };
  ck_assert_int_eq(sim_bench_runs_add(&w, &near_depths), 0);
  ck_assert(w.serial == 80 && w.shallow == 75 && w.deep == 125);
  ck_assert_int_eq(sim_bench_runs_agree(&w, 20), SIM_BENCH_AGREE_DEPTH);
  expect_warning(&w, 20,
                 "dmsim: bench: no round saw the figures of run_serial_ratio near their best "
                 "together (a busy host?); it may read high\n");
  sim_bench_run_sample near_serial = { 83.9, 20.9, 200, 300 };
  ck_assert_int_eq(sim_bench_runs_add(&w, &near_serial), 0);
  ck_assert_int_eq(sim_bench_runs_agree(&w, 20), SIM_BENCH_AGREE_ALL);
  expect_warning(&w, 20, "");
  /* More than 5% over a lower floor: no longer. */
  ck_assert_int_eq(sim_bench_runs_agree(&w, 19.9), SIM_BENCH_AGREE_DEPTH);
}
END_TEST

/* The record holds SIM_BENCH_RUN_MAX_ROUNDS rounds and refuses more; a
 * ratio one of whose figures was never measured is not warned about (the
 * report says it could not be measured), nor the serialized run's without
 * a floor. */
START_TEST(test_runs_full_and_unmeasured)
{
  sim_bench_runs w;
  sim_bench_runs_init(&w);
  sim_bench_run_sample s = { -1, 20, 75, -1 };
  for (int i = 0; i < SIM_BENCH_RUN_MAX_ROUNDS; i++)
    ck_assert_int_eq(sim_bench_runs_add(&w, &s), 0);
  s.serial = 10;
  ck_assert_int_eq(sim_bench_runs_add(&w, &s), -1);
  ck_assert_int_eq(w.rounds, SIM_BENCH_RUN_MAX_ROUNDS);
  ck_assert(w.serial < 0 && w.shallow == 75 && w.deep < 0);
  ck_assert_int_eq(sim_bench_runs_agree(&w, 20), 0);
  expect_warning(&w, 20, "");
  w.serial = 80;
  expect_warning(&w, -1, "");
}
END_TEST

Suite *bench_suite(void)
{
  Suite *s = suite_create("bench");
  TCase *tc = tcase_create("bench");
  /* Stopping at once takes milliseconds; a bench that ran on would take
   * far longer than this and fail. */
  tcase_set_timeout(tc, 10);
  if (tests_memory_testable()) /* (it limits the process's memory) */
    tcase_add_test(tc, test_dispatch_setup_fails);
  tcase_add_test(tc, test_report_reference_failed);
  tcase_add_test(tc, test_report_several_failed);
  tcase_add_test(tc, test_report_measured);
  tcase_add_test(tc, test_runs_best_and_agree);
  tcase_add_test(tc, test_runs_full_and_unmeasured);
  suite_add_tcase(s, tc);
  return s;
}
