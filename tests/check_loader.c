/*
 * check_loader.c - native drivers loaded from shared objects
 * (dm_driver_load_so, devmgr/src/loader.c): the objects `make` builds in
 * build/drivers/ (found relative to the working directory, the repository
 * root when `make test` runs) load, install and serve requests through the
 * Apple-named calls they resolve against this program; a bare file name is
 * taken relative to the working directory; a missing file and an object that
 * is not a driver (the C library, found with dladdr) are refused with a
 * message naming the file and what is wrong. An object that exports the two
 * names but carries an invalid DriverDescription would need a deliberately
 * broken driver built by the Makefile; there is none, so that case is left
 * to check_lifecycle.c, which checks the same dm_driver_check_description().
 */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"
#include "fixture.h"

#define DRIVER_DIR "build/drivers"

/* The path of a driver object, failing the test clearly when `make` has not
 * built it (or the tests run from another directory). */
static const char *so_path(const char *name, char *buf, size_t len)
{
  const char *build = getenv("BUILD"); /* tests/run.sh passes make's BUILD */
  if (build != NULL && *build != '\0')
    snprintf(buf, len, "%s/drivers/%s.so", build, name);
  else
    snprintf(buf, len, "%s/%s.so", DRIVER_DIR, name);
  if (access(buf, R_OK) != 0) {
    char cwd[1024];
    if (getcwd(cwd, sizeof cwd) == NULL)
      snprintf(cwd, sizeof cwd, "?");
    ck_abort_msg("%s not found from %s: run `make` first, and run the tests from the "
                 "repository root",
                 buf, cwd);
  }
  return buf;
}

static int16_t install_spec(tfix *f, dm_driver_spec *spec)
{
  spec->unit = -1;
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f->m, spec, &ref), noErr);
  return ref;
}


START_TEST(test_load_null)
{
  char path[256], err[512] = "";
  dm_driver_spec spec;
  memset(&spec, 0, sizeof spec);
  ck_assert_msg(dm_driver_load_so(so_path("null", path, sizeof path), &spec, err, sizeof err) == 0,
                "%s", err);
  ck_assert_ptr_nonnull(spec.desc);
  ck_assert_ptr_nonnull(spec.entry);
  ck_assert_uint_eq(spec.desc->driverOSRuntimeInfo.driverRuntime, kDriverIsConcurrent);
  ck_assert_int_eq(memcmp(spec.desc->driverOSRuntimeInfo.driverName, "\005.Null", 6), 0);

  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = install_spec(&f, &spec);
  ck_assert_str_eq(tf_log(&f), "install:.Null disp#0:initialize/immediate ret:0 cpl#0:0");
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  (void)tf_log(&f);
  f.npbs = 0;
  unsigned char buf[16];
  memset(buf, 0x77, sizeof buf);
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, sizeof buf, 0);
  pb.ioParam.ioCompletion = tf_record_cb;
  tf_ncb = 0;
  ck_assert_int_eq(PBReadAsync(&pb), noErr);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 disp#1:read/async cpl#1:0 cb#1:0 ret:0");
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_int_eq(tf_cbs[0].result, noErr);
  ck_assert_int_eq(pb.ioParam.ioActCount, 16);
  for (int i = 0; i < 16; i++)
    ck_assert_uint_eq(buf[i], 0x77); /* .Null moves no data */
  ck_assert_int_eq(f.violations, 0);
  tf_teardown_all(&f);
}
END_TEST

/* .Fixed from its object: timers, per-DCE state and data, two instances. */
START_TEST(test_load_fixed_two_instances)
{
  char path[256], err[512] = "";
  dm_driver_spec spec, again;
  memset(&spec, 0, sizeof spec);
  memset(&again, 0, sizeof again);
  so_path("fixed", path, sizeof path);
  ck_assert_msg(dm_driver_load_so(path, &spec, err, sizeof err) == 0, "%s", err);
  ck_assert_msg(dm_driver_load_so(path, &again, err, sizeof err) == 0, "%s", err);
  ck_assert_ptr_eq(spec.desc, again.desc); /* the same object, loaded once */

  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t r1 = install_spec(&f, &spec);
  int16_t r2 = install_spec(&f, &again);
  ck_assert_int_ne(r1, r2);
  ck_assert_int_eq(tf_open(&f, r1), noErr); /* by name: the first .Fixed */
  ck_assert_int_eq((*GetDCtlEntry(r2))->dCtlFlags & dOpenedMask, 0);

  unsigned char out[100], in[100];
  for (int i = 0; i < 100; i++)
    out[i] = (unsigned char)(200 - i);
  ParamBlockRec pb;
  tf_io(&pb, r1, out, sizeof out, 777);
  ck_assert_int_eq(PBWriteSync(&pb), noErr);
  ck_assert_uint_eq(sim_world_now(&f.w), 1000000);
  memset(in, 0, sizeof in);
  tf_io(&pb, r1, in, sizeof in, 777);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  ck_assert_mem_eq(in, out, sizeof out);
  ck_assert_uint_eq(sim_world_now(&f.w), 2000000);

  /* The second instance has storage of its own. */
  ck_assert_int_eq(dm_driver_remove(f.m, r1, 0), noErr);
  ParamBlockRec op;
  memset(&op, 0, sizeof op);
  unsigned char name[] = "\006.Fixed";
  op.ioParam.ioNamePtr = name;
  ck_assert_int_eq(PBOpenSync(&op), noErr);
  ck_assert_int_eq(op.ioParam.ioRefNum, r2);
  memset(in, 0xCC, sizeof in);
  tf_io(&pb, r2, in, sizeof in, 777);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  for (int i = 0; i < 100; i++)
    ck_assert_uint_eq(in[i], 0);
  ck_assert_uint_eq(sim_world_now(&f.w), 3000000);
  ck_assert_int_eq(f.violations, 0);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_load_bare_name)
{
  char path[256], err[512] = "", cwd[1024];
  so_path("twice", path, sizeof path);
  *strrchr(path, '/') = '\0'; /* the directory holding twice.so */
  ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
  ck_assert_int_eq(chdir(path), 0);
  dm_driver_spec spec;
  memset(&spec, 0, sizeof spec);
  int rc = dm_driver_load_so("twice.so", &spec, err, sizeof err);
  ck_assert_int_eq(chdir(cwd), 0);
  ck_assert_msg(rc == 0, "%s", err);
  ck_assert_int_eq(memcmp(spec.desc->driverOSRuntimeInfo.driverName, "\006.Twice", 7), 0);
  /* Its deliberate bug is reported as from the built-in copy. */
  tfix f;
  tf_setup(&f, DM_CHECK_STRICT);
  int16_t ref = install_spec(&f, &spec);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  char buf[4];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, 4, 0);
  ck_assert_int_eq(PBReadSync(&pb), noErr);
  ck_assert_int_eq(f.violations, 1);
  ck_assert_str_eq(f.last_rule, "complete-twice");
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_load_missing_file)
{
  char err[512] = "";
  dm_driver_spec spec;
  memset(&spec, 0, sizeof spec);
  const char *path = DRIVER_DIR "/no-such-driver.so";
  ck_assert_int_eq(dm_driver_load_so(path, &spec, err, sizeof err), -1);
  ck_assert_msg(strstr(err, path) != NULL, "message does not name the file: %s", err);
  ck_assert_msg(strstr(err, "cannot load driver") != NULL, "%s", err);
  ck_assert_ptr_null(spec.desc);
  ck_assert_ptr_null(spec.entry);
  /* A bare name is looked for in the working directory, not the library path. */
  ck_assert_int_eq(dm_driver_load_so("libc.so.6", &spec, err, sizeof err), -1);
  ck_assert_msg(strstr(err, "./libc.so.6") != NULL, "%s", err);
}
END_TEST

START_TEST(test_load_not_a_driver)
{
  Dl_info info;
  memset(&info, 0, sizeof info);
  /* A shared object that is certainly no driver: the C library, found from
   * a function no sanitizer intercepts (AddressSanitizer's own strlen, say,
   * is in the test program, which dlopen refuses as an executable). */
  ck_assert_int_ne(dladdr((void *)(uintptr_t)&getpid, &info), 0);
  ck_assert_ptr_nonnull(info.dli_fname);
  ck_assert_ptr_nonnull(strchr(info.dli_fname, '/'));
  char err[512] = "";
  dm_driver_spec spec;
  memset(&spec, 0, sizeof spec);
  ck_assert_int_eq(dm_driver_load_so(info.dli_fname, &spec, err, sizeof err), -1);
  ck_assert_msg(strstr(err, info.dli_fname) != NULL, "message does not name the file: %s", err);
  ck_assert_msg(strstr(err, "not a native driver: it does not export TheDriverDescription "
                            "nor DoDriverIO") != NULL,
                "%s", err);
  ck_assert_ptr_null(spec.desc);
  /* A short buffer still gets a terminated message. */
  char small[12];
  ck_assert_int_eq(dm_driver_load_so(info.dli_fname, &spec, small, sizeof small), -1);
  ck_assert_uint_eq(strlen(small), sizeof small - 1);
}
END_TEST

Suite *loader_suite(void)
{
  Suite *s = suite_create("loader");
  TCase *tc = tcase_create("so");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_load_null);
  tcase_add_test(tc, test_load_fixed_two_instances);
  tcase_add_test(tc, test_load_bare_name);
  tcase_add_test(tc, test_load_missing_file);
  tcase_add_test(tc, test_load_not_a_driver);
  suite_add_tcase(s, tc);
  return s;
}
