/*
 * tests.h - what the Check suites share: each tests/check_<module>.c defines
 * `Suite *<module>_suite(void)` at the start of a line, and the Makefile
 * registers it with the runner in check_main.c.
 */
#ifndef DMSIM_TESTS_H
#define DMSIM_TESTS_H

#include <check.h>
#include <stdint.h>

/* Simulated durations, in nanoseconds (the simulated clock's unit). */
#define MS UINT64_C(1000000)
#define US UINT64_C(1000)

/* Default per-test timeout in seconds (Check's own default is 4). Tests that
 * run long random sequences set their own. */
#define DM_TEST_TIMEOUT 20

/* Every suite's prototype, from the list the Makefile generates. */
#define DM_SUITE(name) Suite *name##_suite(void);
#include "suites.h"
#undef DM_SUITE

#endif
