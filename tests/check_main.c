/*
 * check_main.c - the one Check runner: every suite registered in
 * build/gen/suites.h (one per module, generated from tests/check_*.c) runs
 * in fork mode, and the exit status is non-zero if any test failed.
 */
#include <check.h>
#include <stdlib.h>

#include "tests.h"

int main(void)
{
  SRunner *sr = srunner_create(NULL);
#define DM_SUITE(name) srunner_add_suite(sr, name##_suite());
#include "suites.h"
#undef DM_SUITE
  srunner_run_all(sr, CK_ENV);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
