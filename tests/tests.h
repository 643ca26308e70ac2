/*
 * tests.h - what the Check suites share: each tests/check_<module>.c defines
 * `Suite *<module>_suite(void)` at the start of a line, and the Makefile
 * registers it with the runner in check_main.c.
 */
#ifndef DMSIM_TESTS_H
#define DMSIM_TESTS_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Simulated durations, in nanoseconds (the simulated clock's unit). */
#define MS UINT64_C(1000000)
#define US UINT64_C(1000)

/* Default per-test timeout in seconds (Check's own default is 4). Tests that
 * run long random sequences set their own. */
#define DM_TEST_TIMEOUT 20

/* Whether Check runs each test in a child of its own: not under CK_FORK=no,
 * as make valgrind runs the suites. Exit tests, and tests that limit or
 * measure the process's memory, need a child. */
static inline int tests_check_forks(void)
{
  const char *fork_mode = getenv("CK_FORK");
  return fork_mode == NULL || strcmp(fork_mode, "no") != 0;
}

/* Whether this is an AddressSanitizer build (gcc says so with a macro,
 * clang with a feature test). */
static inline int tests_asan(void)
{
#if defined(__SANITIZE_ADDRESS__)
  return 1;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return 1;
#endif
#endif
  return 0;
}

/* Whether tests that limit or measure the process's memory can run: 1 when
 * Check forks (a limit would outlive the test otherwise, and valgrind's
 * memory is not the program's) and the build is not AddressSanitizer's (it
 * reserves terabytes of shadow memory, and its redzones are not the
 * program's). Suites register such tests only then. */
static inline int tests_memory_testable(void)
{
  return !tests_asan() && tests_check_forks();
}

/* Whether malloc gives back at once the block freed last, as glibc's does:
 * not under ASan (its quarantine) nor valgrind (its own queue of freed
 * blocks). Tests that need an address reused to show a bug ask. */
static inline int tests_allocator_reuses(void)
{
  if (tests_asan())
    return 0;
  const char *pre = getenv("LD_PRELOAD");
  return pre == NULL || strstr(pre, "vgpreload") == NULL;
}

/* Every suite's prototype, from the list the Makefile generates. */
#define DM_SUITE(name) Suite *name##_suite(void);
#include "suites.h"
#undef DM_SUITE

#endif
