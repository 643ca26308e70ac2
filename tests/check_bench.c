/*
 * check_bench.c - `dmsim bench` (sim/bench/bench.c) when it cannot measure:
 * a machine for the dispatch figures that cannot be set up (the process
 * out of memory) stops the bench at once with a message on stderr and
 * status 1, and nothing on stdout: no figure printed as if measured. (The
 * figures themselves are timings, measured by `make bench`, never
 * asserted by tests.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"
#include "memlimit.h"
#include "bench/bench.h"

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
  if (!limited)
    return; /* cannot limit memory here: nothing to test */
  ck_assert_int_eq(status, 1);
  ck_assert_str_eq(o, "");
  ck_assert_str_eq(e, "dmsim: bench: cannot set up a machine to measure the dispatch through "
                      ".Null (out of memory?); no figures reported\n");
}
END_TEST

Suite *bench_suite(void)
{
  Suite *s = suite_create("bench");
  TCase *tc = tcase_create("bench");
  /* Stopping at once takes milliseconds; a bench that ran on would take
   * far longer than this and fail. */
  tcase_set_timeout(tc, 10);
  tcase_add_test(tc, test_dispatch_setup_fails);
  suite_add_tcase(s, tc);
  return s;
}
