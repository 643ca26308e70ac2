/*
 * check_vec.c - sim/base/vec: growable arrays start at `first`, double until
 * the room suffices, zero-fill on request, and leave the array unchanged
 * when the size would overflow.
 */
#include <stdint.h>
#include <stdlib.h>

#include "tests.h"
#include "base/vec.h"

START_TEST(test_grows_by_doubling)
{
  int *a = NULL;
  size_t cap = 0;
  ck_assert_int_eq(SIM_VEC_RESERVE(a, cap, 1, 4), 0);
  ck_assert_ptr_nonnull(a);
  ck_assert_uint_eq(cap, 4);
  for (int i = 0; i < 4; i++)
    a[i] = i;
  ck_assert_int_eq(SIM_VEC_RESERVE(a, cap, 4, 4), 0); /* room enough: unchanged */
  ck_assert_uint_eq(cap, 4);
  ck_assert_int_eq(SIM_VEC_RESERVE(a, cap, 5, 4), 0);
  ck_assert_uint_eq(cap, 8);
  ck_assert_int_eq(SIM_VEC_RESERVE(a, cap, 33, 4), 0);
  ck_assert_uint_eq(cap, 64);
  for (int i = 0; i < 4; i++)
    ck_assert_int_eq(a[i], i); /* the elements move with the array */
  free(a);
}
END_TEST

START_TEST(test_zeroed)
{
  long *a = NULL;
  size_t cap = 0;
  ck_assert_int_eq(SIM_VEC_RESERVE_ZEROED(a, cap, 3, 2), 0);
  ck_assert_uint_eq(cap, 4);
  for (size_t i = 0; i < cap; i++) {
    ck_assert_int_eq(a[i], 0);
    a[i] = 7;
  }
  ck_assert_int_eq(SIM_VEC_RESERVE_ZEROED(a, cap, 5, 2), 0);
  ck_assert_uint_eq(cap, 8);
  for (size_t i = 0; i < 4; i++)
    ck_assert_int_eq(a[i], 7);
  for (size_t i = 4; i < 8; i++)
    ck_assert_int_eq(a[i], 0);
  free(a);
}
END_TEST

START_TEST(test_overflow_leaves_array)
{
  char *a = NULL;
  size_t cap = 0;
  ck_assert_int_eq(SIM_VEC_RESERVE(a, cap, 10, 16), 0);
  char *before = a;
  ck_assert_int_eq(SIM_VEC_RESERVE(a, cap, SIZE_MAX, 16), -1);
  ck_assert_ptr_eq(a, before);
  ck_assert_uint_eq(cap, 16);
  uint64_t *w = NULL;
  size_t wcap = 0;
  ck_assert_int_eq(SIM_VEC_RESERVE(w, wcap, SIZE_MAX / 4, 16), -1);
  ck_assert_ptr_null(w);
  ck_assert_uint_eq(wcap, 0);
  free(a);
}
END_TEST

Suite *vec_suite(void)
{
  Suite *s = suite_create("vec");
  TCase *tc = tcase_create("basic");
  tcase_add_test(tc, test_grows_by_doubling);
  tcase_add_test(tc, test_zeroed);
  tcase_add_test(tc, test_overflow_leaves_array);
  suite_add_tcase(s, tc);
  return s;
}
