/*
 * check_lifecycle.c - the life of a native driver in the unit table
 * (devmgr/src/unit.c): install (kInitializeCommand, a failing Initialize,
 * invalid DriverDescriptions, explicit and automatic units, growth of the
 * table to 1024 units and unitTblFullErr), remove (kCloseCommand before
 * kFinalizeCommand, waiting for a busy non-concurrent driver while new
 * requests are held and then fail with unitEmptyErr, Finalize at task level
 * after the last completion), immediate remove of concurrent drivers, and
 * replace (kSupersededCommand to the old driver, kReplaceCommand and a
 * reopen to the new one, held requests handed to the new driver).
 * A recording test driver (".Rec", in two copies A and B) notes every
 * command it gets, with its kind, level and time. Tests named *
 * fail on purpose: each shows a bug described in its comment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "DriverServices.h"
#include "builtins.h"
#include "instance.h"

/* ---- helpers ------------------------------------------------------------------ */

static void read_async(ParamBlockRec *pb, int16_t ref, void *buf, long n)
{
  tf_io(pb, ref, buf, n, 0);
  pb->ioParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBReadAsync(pb), noErr);
}

/* ---- the recording driver --------------------------------------------------------- */

static char        rec_log[2][512];
static OSErr       rec_init_err, rec_replace_err; /* what Initialize, Replace answer */
static int         rec_bad;         /* lifecycle commands not immediate or not at task level */
static uint64_t    rec_final_t[2];  /* when Finalize / Superseded came */
static int16_t     rec_init_ref[2];
static RegEntryID  rec_init_dev[2];
static IOCommandID rec_held[2][16]; /* requests of a concurrent copy */
static int         rec_nheld[2];
static int         rec_finalize_completes;

static DriverDescription rec_desc_a = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\003rec", { 1, 0, finalStage, 0 } },
  { 0, "\004.Rec", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 1, 0, finalStage, 0 } } } },
};

static DriverDescription rec_desc_b = {
  kTheDescriptionSignature,
  kVersionOneDriverDescriptor,
  { "\003rec", { 2, 0, finalStage, 0 } },
  { 0, "\005.RecB", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsGeneric, { 2, 0, finalStage, 0 } } } },
};

static OSStatus rec_timer(void *p1, void *p2)
{
  (void)p2;
  return IOCommandIsComplete((IOCommandID)p1, noErr);
}

static OSErr rec_io(int who, IOCommandID id, IOCommandContents c, IOCommandCode code,
                    IOCommandKind kind)
{
  char *log = rec_log[who];
  size_t n = strlen(log);
  snprintf(log + n, sizeof rec_log[who] - n, "%s%s", n ? " " : "", dm_code_name(code));
  int lifecycle = code >= kInitializeCommand || code == kOpenCommand || code == kCloseCommand;
  if (lifecycle && (kind != kImmediateIOCommandKind || CurrentExecutionLevel() != kTaskLevel))
    rec_bad++;
  switch (code) {
  case kInitializeCommand:
  case kReplaceCommand:
    rec_init_ref[who] = c.initialInfo->refNum;
    rec_init_dev[who] = c.initialInfo->deviceEntry;
    return code == kInitializeCommand ? rec_init_err : rec_replace_err;
  case kFinalizeCommand:
  case kSupersededCommand:
    rec_final_t[who] = tf_abs_ns(UpTime());
    if (rec_finalize_completes) {
      for (int i = 0; i < rec_nheld[who]; i++)
        IOCommandIsComplete(rec_held[who][i], abortErr);
      rec_nheld[who] = 0;
    }
    return noErr;
  case kOpenCommand:
  case kCloseCommand:
  case kKillIOCommand:
    return noErr;
  case kReadCommand:
  case kWriteCommand:
    if (kind & kImmediateIOCommandKind)
      return noErr;
    if (rec_finalize_completes) { /* the concurrent flavour keeps its requests */
      ck_assert_int_lt(rec_nheld[who], 16);
      rec_held[who][rec_nheld[who]++] = id;
      return noErr;
    }
    {
      AbsoluteTime when = AddDurationToAbsolute(durationMillisecond, UpTime());
      return SetInterruptTimer(&when, rec_timer, id, NULL);
    }
  default:
    if (kind & kImmediateIOCommandKind)
      return noErr;
    return IOCommandIsComplete(id, noErr);
  }
}

static OSStatus RecA(AddressSpaceID s, IOCommandID id, IOCommandContents c, IOCommandCode code,
                     IOCommandKind kind)
{
  (void)s;
  return rec_io(0, id, c, code, kind);
}

static OSStatus RecB(AddressSpaceID s, IOCommandID id, IOCommandContents c, IOCommandCode code,
                     IOCommandKind kind)
{
  (void)s;
  return rec_io(1, id, c, code, kind);
}

static dm_driver_spec rec_spec(int who, int unit, uint32_t runtime)
{
  dm_driver_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.desc = who ? &rec_desc_b : &rec_desc_a;
  spec.entry = who ? RecB : RecA;
  spec.unit = unit;
  spec.has_runtime = 1;
  spec.runtime = runtime;
  return spec;
}

static dm_driver_spec builtin_spec(const char *name)
{
  const dm_builtin *b = dm_builtin_find(name);
  ck_assert_ptr_nonnull(b);
  dm_driver_spec spec;
  memset(&spec, 0, sizeof spec);
  spec.desc = b->desc;
  spec.entry = b->entry;
  spec.unit = -1;
  return spec;
}

static void setup(tfix *f)
{
  memset(rec_log, 0, sizeof rec_log);
  rec_init_err = noErr;
  rec_replace_err = noErr;
  rec_bad = 0;
  rec_finalize_completes = 0;
  memset(rec_final_t, 0, sizeof rec_final_t);
  memset(rec_nheld, 0, sizeof rec_nheld);
  tf_setup(f, DM_CHECK_STRICT);
}

static OSErr read_sync(int16_t ref)
{
  char buf[4];
  ParamBlockRec pb;
  tf_io(&pb, ref, buf, 4, 0);
  return PBReadSync(&pb);
}

/* ---- install --------------------------------------------------------------------- */

START_TEST(test_install_sends_initialize)
{
  tfix f;
  setup(&f);
  f.log_flags = 1;
  int16_t ref = tf_install(&f, "null", -1);
  ck_assert_int_eq(ref, -49);
  ck_assert_str_eq(tf_log(&f), "install:.Null flags:0x0f18 disp#0:initialize/immediate ret:0 cpl#0:0");
  DCtlPtr dce = *GetDCtlEntry(ref);
  ck_assert_int_eq(dce->dCtlRefNum, ref);
  ck_assert_int_eq((uint16_t)dce->dCtlFlags, 0x0F18); /* enables, native, concurrent */
  ck_assert_ptr_null(dce->dCtlQHdr.qHead);
  ck_assert_str_eq(dm_driver_name(f.m, ref), ".Null");
  ck_assert_ptr_eq(dm_driver_dce(f.m, ref), dce);
  ck_assert_int_eq(dm_driver_find(f.m, ".null"), ref);
  ck_assert_int_eq(dm_driver_find(f.m, ".Nul"), 0);

  /* Initialize gets the refNum and the device, at task level, immediate. */
  dm_driver_spec spec = rec_spec(0, -1, 0);
  memset(&spec.device, 0x5A, sizeof spec.device);
  int16_t r2 = 0;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &r2), noErr);
  ck_assert_int_eq(r2, -50);
  ck_assert_str_eq(tf_log(&f), "install:.Rec flags:0x0f08 disp#0:initialize/immediate ret:0 cpl#0:0");
  ck_assert_str_eq(rec_log[0], "initialize");
  ck_assert_int_eq(rec_init_ref[0], -50);
  ck_assert_mem_eq(&rec_init_dev[0], &spec.device, sizeof spec.device);
  ck_assert_int_eq(rec_bad, 0);
  /* Install does not open. */
  ck_assert_int_eq((*GetDCtlEntry(r2))->dCtlFlags & dOpenedMask, 0);
  ck_assert_int_eq(read_sync(r2), notOpenErr);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_initialize_fails)
{
  tfix f;
  setup(&f);
  rec_init_err = ioErr;
  dm_driver_spec spec = rec_spec(0, -1, 0);
  int16_t ref = 123;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), ioErr);
  ck_assert_int_eq(ref, 123); /* not set */
  ck_assert_str_eq(tf_log(&f), "install:.Rec disp#0:initialize/immediate ret:-36 cpl#0:-36 remove:.Rec");
  ck_assert_ptr_null(dm_driver_name(f.m, -49));
  ck_assert_ptr_null(GetDCtlEntry(-49));
  ck_assert_int_eq(dm_driver_find(f.m, ".Rec"), 0);
  ck_assert_int_eq(read_sync(-49), unitEmptyErr);
  unsigned char name[] = "\004.Rec";
  short r = 0;
  ck_assert_int_eq(OpenDriver(name, &r), dInstErr);
  /* The unit is free again. */
  ck_assert_int_eq(tf_install(&f, "null", -1), -49);
  /* A positive status from Initialize is success. */
  rec_init_err = 3;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), noErr);
  ck_assert_int_eq(ref, -50);
  tf_teardown_all(&f);
}
END_TEST

typedef struct bad_desc {
  const char *what;
  const char *why;
} bad_desc;

static const bad_desc bad_descs[] = {
  { "signature", "driverDescSignature is 0x00000000, expected 'mtej' (0x6D74656A)" },
  { "version", "driverDescVersion is 7, expected 0 or 1" },
  { "empty name", "driverName must be a Pascal string of 1 to 31 characters" },
  { "long name", "driverName must be a Pascal string of 1 to 31 characters" },
  { "no services", "nServices must be at least 1" },
};

START_TEST(test_invalid_description)
{
  tfix f;
  setup(&f);
  DriverDescription d = rec_desc_a;
  switch (_i) {
  case 0: d.driverDescSignature = 0; break;
  case 1: d.driverDescVersion = 7; break;
  case 2: d.driverOSRuntimeInfo.driverName[0] = 0; break;
  case 3: d.driverOSRuntimeInfo.driverName[0] = 32; break;
  default: d.driverServices.nServices = 0; break;
  }
  char why[160] = "untouched";
  ck_assert_int_eq(dm_driver_check_description(&d, why, sizeof why), -1);
  ck_assert_str_eq(why, bad_descs[_i].why);
  dm_driver_spec spec = rec_spec(0, -1, 0);
  spec.desc = &d;
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), dInstErr);
  ck_assert_int_eq(ref, 0);
  ck_assert_str_eq(tf_log(&f), "");
  ck_assert_str_eq(rec_log[0], ""); /* no driver code ran */
  ck_assert_ptr_null(dm_driver_name(f.m, -49));
  /* Replacing with it is refused too, and the old driver stays. */
  int16_t r = tf_install(&f, "null", -1);
  ck_assert_int_eq(dm_driver_replace(f.m, r, &spec), dInstErr);
  ck_assert_str_eq(dm_driver_name(f.m, r), ".Null");
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_check_description_edges)
{
  char why[160] = "untouched";
  ck_assert_int_eq(dm_driver_check_description(&rec_desc_a, why, sizeof why), 0);
  ck_assert_str_eq(why, "untouched");
  ck_assert_int_eq(dm_driver_check_description(&rec_desc_b, NULL, 0), 0);
  ck_assert_int_eq(dm_driver_check_description(NULL, why, sizeof why), -1);
  ck_assert_str_eq(why, "no DriverDescription");
  /* A short buffer gets a truncated, terminated message. */
  DriverDescription d = rec_desc_a;
  d.driverServices.nServices = 0;
  char small[8];
  ck_assert_int_eq(dm_driver_check_description(&d, small, sizeof small), -1);
  ck_assert_str_eq(small, "nServic");
  /* Every built-in driver is valid. */
  size_t n = 0;
  const dm_builtin *b = dm_builtin_list(&n);
  ck_assert_uint_ge(n, 5);
  for (size_t i = 0; i < n; i++)
    ck_assert_int_eq(dm_driver_check_description(b[i].desc, why, sizeof why), 0);
}
END_TEST

START_TEST(test_install_without_entry)
{
  tfix f;
  setup(&f);
  dm_driver_spec spec = rec_spec(0, -1, 0);
  spec.entry = NULL;
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), dInstErr);
  ck_assert_ptr_null(dm_driver_name(f.m, -49));
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_explicit_units)
{
  tfix f;
  setup(&f);
  ck_assert_int_eq(tf_install(&f, "null", 60), -61);
  dm_driver_spec spec = builtin_spec("fixed");
  spec.unit = 60;
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), dInstErr); /* taken */
  ck_assert_str_eq(dm_driver_name(f.m, -61), ".Null");
  spec.unit = 1024;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), badUnitErr);
  /* A system unit, and one past the initial table (which grows). */
  ck_assert_int_eq(tf_install(&f, "fixed", 5), -6);
  ck_assert_int_eq(tf_install(&f, "conc", 200), -201);
  ck_assert_int_eq(tf_open(&f, -201), noErr);
  ck_assert_int_eq(read_sync(-201), noErr);
  /* Between the initial 64 and unit 200 the table holds empty units now. */
  ck_assert_int_eq(read_sync(-150), unitEmptyErr);
  ck_assert_int_eq(read_sync(-205), badUnitErr);
  /* Automatic placement starts at 48 and skips taken units. */
  ck_assert_int_eq(tf_install(&f, "null", -1), -49);
  ck_assert_int_eq(tf_install(&f, "null", 49), -50);
  ck_assert_int_eq(tf_install(&f, "null", -1), -51);
  tf_teardown_all(&f);
}
END_TEST

/* A machine on w as `dmsim run` makes them (counts kept, no trace hook,
 * the world's clock published), so that its Sync calls take the plain
 * path, which keeps the unit its last call found; slots command slots
 * (0: the default). */
static dm_machine *plain_machine(sim_world *w, uint32_t slots)
{
  ck_assert_int_eq(sim_world_init(w), 0);
  dm_machine_config cfg = { 0 };
  cfg.platform = sim_world_platform(w);
  cfg.count = 1;
  cfg.slots = slots;
  dm_machine *m = dm_machine_new(&cfg);
  ck_assert_ptr_nonnull(m);
  return m;
}

/* Builtin driver `builtin` installed on m (the current machine) and
 * opened by its name (a Pascal string); its refNum. */
static int16_t install_open(dm_machine *m, const char *builtin, const char *pname)
{
  dm_driver_spec spec = builtin_spec(builtin);
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(m, &spec, &ref), noErr);
  short r = 0;
  ck_assert_int_eq(OpenDriver((ConstStr255Param)pname, &r), noErr);
  ck_assert_int_eq(r, ref);
  return ref;
}

START_TEST(test_plain_call_after_remove)
{
  sim_world w;
  dm_machine *m = plain_machine(&w, 0);
  dm_machine *prev = dm_machine_enter(m);
  ck_assert_int_eq(install_open(m, "null", "\005.Null"), -49);
  ck_assert_int_eq(read_sync(-49), noErr);
  /* Gone from the table: the next call to its refNum finds none. */
  ck_assert_int_eq(dm_driver_remove(m, -49, 0), noErr);
  ck_assert_int_eq(read_sync(-49), unitEmptyErr);
  /* And a driver installed in its place gets the calls. */
  dm_driver_spec spec = builtin_spec("fixed");
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(m, &spec, &ref), noErr);
  ck_assert_int_eq(ref, -49);
  ck_assert_int_eq(read_sync(-49), notOpenErr);
  dm_machine_leave(prev);
  dm_machine_free(m);
  sim_world_free(&w);
}
END_TEST

/* The same kind of machine with one command slot: a Sync call to the unit
 * the last one found, made while an async request holds the slot, goes on
 * as any watched call (the array grows), behind the one in service. */
START_TEST(test_plain_call_without_free_slot)
{
  sim_world w;
  dm_machine *m = plain_machine(&w, 1);
  dm_machine *prev = dm_machine_enter(m);
  int16_t ref = install_open(m, "fixed", "\006.Fixed");
  ck_assert_int_eq(read_sync(ref), noErr); /* (the unit kept) */
  char buf[4];
  ParamBlockRec a;
  tf_io(&a, ref, buf, 4, 0);
  ck_assert_int_eq(PBReadAsync(&a), noErr);
  ck_assert_int_eq(read_sync(ref), noErr);
  ck_assert_int_eq(a.ioParam.ioResult, noErr); /* (before it: FIFO) */
  ck_assert_uint_eq(sim_world_now(&w), 3000000); /* three 1 ms services */
  dm_machine_leave(prev);
  dm_machine_free(m);
  sim_world_free(&w);
}
END_TEST

START_TEST(test_first_free_unit_reused)
{
  tfix f;
  setup(&f);
  ck_assert_int_eq(tf_install(&f, "null", -1), -49);
  ck_assert_int_eq(tf_install(&f, "null", -1), -50);
  ck_assert_int_eq(dm_driver_remove(f.m, -49, 0), noErr);
  ck_assert_int_eq(read_sync(-49), unitEmptyErr);
  ck_assert_int_eq(dm_driver_remove(f.m, -49, 0), unitEmptyErr);
  ck_assert_int_eq(dm_driver_remove(f.m, -65, 0), badUnitErr);
  ck_assert_int_eq(dm_driver_remove(f.m, 3, 0), badUnitErr);
  ck_assert_int_eq(tf_install(&f, "fixed", -1), -49);
  ck_assert_str_eq(dm_driver_name(f.m, -49), ".Fixed");
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_unit_table_full)
{
  tfix f;
  setup(&f);
  dm_driver_spec spec = builtin_spec("null");
  int16_t ref = 0;
  for (int unit = 48; unit < 1023; unit++) {
    ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), noErr);
    ck_assert_int_eq(ref, ~unit);
  }
  dm_driver_spec last = rec_spec(0, -1, 0); /* a name of its own, to open it */
  ck_assert_int_eq(dm_driver_install(f.m, &last, &ref), noErr);
  ck_assert_int_eq(ref, -1024);
  (void)tf_log(&f);
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), unitTblFullErr);
  ck_assert_str_eq(tf_log(&f), "");
  spec.unit = 1023;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), dInstErr);
  /* The last unit works; a free system unit can still be taken explicitly. */
  ck_assert_int_eq(tf_open(&f, -1024), noErr);
  ck_assert_int_eq(read_sync(-1024), noErr);
  ck_assert_int_eq(tf_install(&f, "null", 0), -1);
  /* Removing one frees it for the next automatic install. */
  ck_assert_int_eq(dm_driver_remove(f.m, -700, 0), noErr);
  spec.unit = -1;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), noErr);
  ck_assert_int_eq(ref, -700);
  tf_teardown_all(&f);
}
END_TEST

/* ---- remove ------------------------------------------------------------------------- */

START_TEST(test_remove_open_driver)
{
  tfix f;
  setup(&f);
  dm_driver_spec spec = rec_spec(0, -1, 0);
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), noErr);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  tf_reset_log(&f);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 0), noErr);
  ck_assert_str_eq(tf_log(&f), "disp#1:close/immediate ret:0 cpl#1:0 "
                             "disp#0:finalize/immediate ret:0 cpl#0:0 remove:.Rec");
  ck_assert_str_eq(rec_log[0], "initialize open close finalize");
  ck_assert_int_eq(rec_bad, 0);
  ck_assert_ptr_null(dm_driver_name(f.m, ref));
  ck_assert_int_eq(read_sync(ref), unitEmptyErr);

  /* Not open: Finalize only. */
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), noErr);
  rec_log[0][0] = '\0';
  tf_reset_log(&f);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 0), noErr);
  ck_assert_str_eq(tf_log(&f), "disp#0:finalize/immediate ret:0 cpl#0:0 remove:.Rec");
  ck_assert_str_eq(rec_log[0], "finalize");
  tf_teardown_all(&f);
}
END_TEST

/* Remove, not immediate, while .Fixed has three requests: they are served
 * first; a fourth sent meanwhile is held and fails with unitEmptyErr once
 * the driver is gone; Close and Finalize come after the last completion. */
START_TEST(test_remove_waits_for_fixed)
{
  tfix f;
  setup(&f);
  int16_t ref = tf_install(&f, "fixed", -1);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  tf_reset_log(&f);
  char b[4][8];
  ParamBlockRec pb[4];
  for (int i = 0; i < 3; i++)
    read_async(&pb[i], ref, b[i], 8);
  (void)tf_log(&f);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 0), ioInProgress);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 0), paramErr); /* one at a time */
  ck_assert_str_eq(dm_driver_name(f.m, ref), ".Fixed");      /* still there */
  read_async(&pb[3], ref, b[3], 8);
  ck_assert_str_eq(tf_log(&f), "call#4:read/async enq#4");
  ck_assert_int_eq(pb[3].ioParam.ioResult, ioInProgress);
  tf_run(&f);
  ck_assert_str_eq(tf_log(&f), "cpl#1:0 cb#1:0 disp#2:read/async ret:0 cpl#2:0 cb#2:0 "
                             "disp#3:read/async ret:0 cpl#3:0 cb#3:0 "
                             "disp#5:close/immediate ret:0 cpl#5:0 "
                             "disp#0:finalize/immediate ret:0 cpl#0:0 "
                             "cpl#4:-22 cb#4:-22 remove:.Fixed");
  ck_assert_int_eq(tf_ncb, 4);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(tf_cbs[i].result, noErr);
    ck_assert_uint_eq(tf_cbs[i].t, (uint64_t)(i + 1) * MS);
  }
  ck_assert_ptr_eq(tf_cbs[3].pb, &pb[3]);
  ck_assert_int_eq(tf_cbs[3].result, unitEmptyErr);
  ck_assert_uint_eq(tf_cbs[3].t, 3 * MS);
  ck_assert_ptr_null(dm_driver_name(f.m, ref));
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  ck_assert_int_eq(f.violations, 0);
  /* After removal, new calls are refused at once. */
  ck_assert_int_eq(read_sync(ref), unitEmptyErr);
  tf_teardown_all(&f);
}
END_TEST

/* The same with the recording driver: Finalize runs at task level, at the
 * time of the last completion, never while a request is active. */
START_TEST(test_remove_waits_finalize_at_task_level)
{
  tfix f;
  setup(&f);
  dm_driver_spec spec = rec_spec(0, -1, 0);
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), noErr);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  char b[3][8];
  ParamBlockRec pb[3];
  for (int i = 0; i < 2; i++)
    read_async(&pb[i], ref, b[i], 8);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 0), ioInProgress);
  read_async(&pb[2], ref, b[2], 8); /* held */
  tf_run(&f);
  ck_assert_str_eq(rec_log[0], "initialize open read read close finalize");
  ck_assert_int_eq(rec_bad, 0);
  ck_assert_uint_eq(rec_final_t[0], 2 * MS);
  ck_assert_int_eq(tf_ncb, 3);
  ck_assert_int_eq(tf_cbs[2].result, unitEmptyErr);
  tf_teardown_all(&f);
}
END_TEST

/* A completion routine that runs while the removal finishes (the held
 * request failing with unitEmptyErr) and sends a new request to the same
 * refNum: the driver is closed by then, so the new call is refused with
 * notOpenErr at once; nothing is left waiting on the retired unit. */
static ParamBlockRec resend_pb[2];
static char          resend_buf[2][8];
static int16_t       resend_ref;
static OSErr         resend_ret = 1;
static void resend_cb(ParmBlkPtr pb)
{
  tf_record_cb(pb);
  tf_io(&resend_pb[1], resend_ref, resend_buf[1], 8, 0);
  resend_pb[1].ioParam.ioCompletion = tf_record_cb;
  resend_ret = PBReadAsync(&resend_pb[1]);
}

START_TEST(test_remove_request_from_routine_during_retire)
{
  tfix f;
  setup(&f);
  int16_t ref = tf_install(&f, "fixed", -1);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  resend_ref = ref;
  char b[8];
  ParamBlockRec first;
  read_async(&first, ref, b, 8);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 0), ioInProgress);
  tf_io(&resend_pb[0], ref, resend_buf[0], 8, 0);
  resend_pb[0].ioParam.ioCompletion = resend_cb;
  ck_assert_int_eq(PBReadAsync(&resend_pb[0]), noErr); /* held */
  tf_run(&f);
  ck_assert_ptr_null(dm_driver_name(f.m, ref));
  ck_assert_int_eq(resend_pb[0].ioParam.ioResult, unitEmptyErr);
  ck_assert_int_eq(resend_ret, notOpenErr);
  ck_assert_int_eq(resend_pb[1].ioParam.ioResult, notOpenErr);
  ck_assert_int_eq(tf_ncb, 2); /* the refused one runs no routine */
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  tf_teardown_all(&f);
}
END_TEST

/* Remove immediate of a concurrent driver that completes its requests in
 * Finalize: no violation, each request completes once. */
START_TEST(test_remove_immediate_driver_completes)
{
  tfix f;
  setup(&f);
  rec_finalize_completes = 1;
  dm_driver_spec spec = rec_spec(0, -1, kDriverIsConcurrent);
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), noErr);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  tf_reset_log(&f);
  char b[3][8];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    read_async(&pb[i], ref, b[i], 8);
  (void)tf_log(&f);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 1), noErr);
  ck_assert_str_eq(tf_log(&f), "disp#4:close/immediate ret:0 cpl#4:0 disp#0:finalize/immediate "
                             "cpl#1:-27 cb#1:-27 cpl#2:-27 cb#2:-27 cpl#3:-27 cb#3:-27 "
                             "ret:0 cpl#0:0 remove:.Rec");
  ck_assert_int_eq(f.violations, 0);
  ck_assert_int_eq(tf_ncb, 3);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 3);
  tf_teardown_all(&f);
}
END_TEST

/* .OwnQueue completes everything it holds in Finalize. */
START_TEST(test_remove_immediate_ownqueue)
{
  tfix f;
  setup(&f);
  int16_t ref = tf_install(&f, "ownq", -1);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  char b[6][8];
  ParamBlockRec pb[6];
  for (int i = 0; i < 6; i++)
    read_async(&pb[i], ref, b[i], 8);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 1), noErr);
  ck_assert_int_eq(f.violations, 0);
  ck_assert_int_eq(tf_ncb, 6);
  for (int i = 0; i < 6; i++)
    ck_assert_int_eq(tf_cbs[i].result, abortErr);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 6);
  ck_assert_int_eq(f.violations, 0);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  tf_teardown_all(&f);
}
END_TEST

/*
 * Regression test (a driver bug this test found, now fixed): a concurrent driver "must
 * complete all outstanding requests before returning from Finalize"
 * (reference 2.7, concurrent drivers, item 6). drivers/conc.c used to cancel
 * its timers in Finalize (StopAll) and complete nothing, so the Device
 * Manager reported finalize-with-pending; now Finalize completes them, and
 * no rule is broken.
 */
START_TEST(test_remove_immediate_concurrent)
{
  tfix f;
  setup(&f);
  int16_t ref = tf_install(&f, "conc", -1);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  char b[3][8];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    read_async(&pb[i], ref, b[i], 8);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 1), noErr);
  ck_assert_int_eq(tf_ncb, 3);
  for (int i = 0; i < 3; i++)
    ck_assert_int_le(pb[i].ioParam.ioResult, 0);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 3);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  ck_assert_msg(f.violations == 0, "violation %s: %s", f.last_rule, f.last_detail);
  tf_teardown_all(&f);
}
END_TEST

/* A completion routine run by Finalize (the driver aborting its requests)
 * sends a new request: the Device Manager closed the driver before
 * Finalize (reference 5.6), so the call is refused with notOpenErr and the
 * finalizing driver never sees it. */
static int16_t fin_ref;
static ParamBlockRec fin_pb2;
static char fin_buf2[8];
static void send_during_finalize(ParmBlkPtr pb)
{
  tf_record_cb(pb);
  if (tf_ncb == 1) {
    tf_io(&fin_pb2, fin_ref, fin_buf2, 8, 0);
    fin_pb2.ioParam.ioCompletion = tf_record_cb;
    PBReadAsync(&fin_pb2);
  }
}

START_TEST(test_request_during_finalize_refused)
{
  tfix f;
  setup(&f);
  rec_finalize_completes = 1;
  dm_driver_spec spec = rec_spec(0, -1, kDriverIsConcurrent);
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f.m, &spec, &ref), noErr);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  fin_ref = ref;
  char b[8];
  ParamBlockRec pb;
  tf_io(&pb, ref, b, 8, 0);
  pb.ioParam.ioCompletion = send_during_finalize;
  ck_assert_int_eq(PBReadAsync(&pb), noErr);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 1), noErr);
  tf_run(&f);
  ck_assert_str_eq(rec_log[0], "initialize open read close finalize");
  ck_assert_int_eq(fin_pb2.ioParam.ioResult, notOpenErr);
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_int_eq(f.violations, 0);
  tf_teardown_all(&f);
}
END_TEST

/*
 * Regression test (a driver bug this test found, now fixed): .Fixed is the example of a
 * correct non-concurrent driver, but its Finalize used to stop the request
 * in service (drivers/fixed.c Stop) without completing it, so an immediate
 * remove while it was busy was reported as finalize-with-pending. Now
 * Finalize completes it, and no rule is broken.
 */
START_TEST(test_remove_immediate_fixed_busy)
{
  tfix f;
  setup(&f);
  int16_t ref = tf_install(&f, "fixed", -1);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  char b[3][8];
  ParamBlockRec pb[3];
  for (int i = 0; i < 3; i++)
    read_async(&pb[i], ref, b[i], 8);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 1), noErr);
  /* Every request ends at once: the one in service aborted, the queued ones
   * failed as the unit empties. */
  ck_assert_int_eq(tf_ncb, 3);
  for (int i = 0; i < 3; i++)
    ck_assert_int_lt(pb[i].ioParam.ioResult, 0);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 3);
  ck_assert_msg(f.violations == 0, "violation %s: %s", f.last_rule, f.last_detail);
  tf_teardown_all(&f);
}
END_TEST

/*
 * Regression test (a driver bug this test found, now fixed): a device operation cannot be
 * cancelled, so its interrupt arrives even after the driver instance that
 * started it was finalized. The example drivers recognise their interrupts
 * by an instance token (drivers/instance.h: table index + serial) that a new
 * instance in the same table slot hands out again, so the stale interrupt of
 * a removed instance completes the new instance's request: here at 5 ms,
 * when the old device finishes, instead of at 10 ms, when the new one does.
 * (.Concurrent's DeviceInterrupt even rebuilds the token from the state
 * pointer it looked up; .Fixed and .OwnQueue compare serials that restart
 * at 0 in every instance.)
 */
static const char *const stale_drivers[] = { "conc", "ownq", "fixed" };

START_TEST(test_stale_interrupt_after_reinstall)
{
  const char *drv = stale_drivers[_i];
  tfix f;
  setup(&f);
  sim_hw_model m5 = { SIM_HW_FIXED, 5 * MS, 0 };
  sim_hw_model m10 = { SIM_HW_FIXED, 10 * MS, 0 };
  sim_hw *old_dev = sim_hw_new(&f.w, f.m, "old", &m5, 4, 1);
  sim_hw *new_dev = sim_hw_new(&f.w, f.m, "new", &m10, 4, 2);
  ck_assert_ptr_nonnull(old_dev);
  ck_assert_ptr_nonnull(new_dev);
  int16_t ref = tf_install_hw(&f, drv, -1, old_dev);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  char b[2][8];
  ParamBlockRec pb[2];
  read_async(&pb[0], ref, b[0], 8);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 1), noErr);
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_int_lt(tf_cbs[0].result, 0);

  int16_t r2 = tf_install_hw(&f, drv, -1, new_dev);
  ck_assert_int_eq(r2, ref); /* the same unit, and the driver's same table slot */
  ck_assert_int_eq(tf_open(&f, r2), noErr);
  read_async(&pb[1], r2, b[1], 8);
  tf_run(&f);
  ck_assert_int_eq(tf_ncb, 2);
  ck_assert_ptr_eq(tf_cbs[1].pb, &pb[1]);
  ck_assert_int_eq(tf_cbs[1].result, noErr);
  ck_assert_msg(tf_cbs[1].t == 10 * MS, "%s: the new request completed at %llu ns, not at 10 ms",
                drv, (unsigned long long)tf_cbs[1].t);
  tf_teardown_all(&f);
  sim_hw_free(old_dev);
  sim_hw_free(new_dev);
}
END_TEST

/*
 * A device's interrupt for an instance removed meanwhile, with no new one in
 * its table slot: ignored (the slot's record is empty, and its generation
 * has moved on, so the token names nothing), and nothing else completes.
 */
START_TEST(test_stale_interrupt_after_remove)
{
  const char *drv = stale_drivers[_i];
  tfix f;
  setup(&f);
  sim_hw_model m5 = { SIM_HW_FIXED, 5 * MS, 0 };
  sim_hw *dev = sim_hw_new(&f.w, f.m, "dev", &m5, 4, 1);
  ck_assert_ptr_nonnull(dev);
  int16_t ref = tf_install_hw(&f, drv, -1, dev);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  char b[8];
  ParamBlockRec pb;
  read_async(&pb, ref, b, 8);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 1), noErr);
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_int_lt(tf_cbs[0].result, 0);
  tf_run(&f);
  ck_assert_uint_eq(sim_world_now(&f.w), 5 * MS); /* the interrupt came */
  ck_assert_int_eq(tf_ncb, 1);
  ck_assert_msg(f.violations == 0, "%s: violation %s: %s", drv, f.last_rule, f.last_detail);
  tf_teardown_all(&f);
  sim_hw_free(dev);
}
END_TEST

/*
 * Regression test: a machine destroyed without Finalize leaves its drivers'
 * instance records behind (drivers/instance.h), each keeping the address of
 * state that went with the machine. The allocator may give that address to
 * a new instance; InstanceToken finds a record by its state, so it found the
 * stale record first and gave the new instance the old one's token (slot
 * and generation alike), and an interrupt meant for the old instance was
 * taken for the new one. Seen with check_dmsim unforked, where one test's
 * machines leave such records for the next (`make valgrind` failed on
 * test_stale_interrupt_after_reinstall). The test needs the allocator to
 * give back the block it freed last, as glibc's does: it is registered
 * only where it can (tests_allocator_reuses).
 */
START_TEST(test_instance_state_reused)
{
  tfix f;
  setup(&f);
  int16_t ref = tf_install(&f, "null", -1);
  ck_assert_int_lt(ref, 0);
  InstanceSlot table[INSTANCE_MAX];
  memset(table, 0, sizeof table);
  /* The records a destroyed machine left: another DCE, their state freed
   * (freed together, so that glibc gives one of the blocks back). */
  enum { GONE = 32, SIZE = 4096 };
  DCtlEntry gone_dce;
  DCtlPtr   gone_ptr = &gone_dce;
  void     *old_token[GONE], *gone[GONE];
  for (int i = 0; i < GONE; i++) {
    table[i].dce = &gone_ptr;
    table[i].state = gone[i] = PoolAllocateResident(SIZE, true);
    table[i].generation = 7 + (UInt32)i;
    ck_assert_ptr_nonnull(table[i].state);
    old_token[i] = InstanceToken(table, table[i].state, 3);
  }
  for (int i = 0; i < GONE; i++)
    ck_assert_int_eq(PoolDeallocate(table[i].state), noErr);

  void *state = InstanceCreate(table, ref, SIZE);
  ck_assert_ptr_nonnull(state);
  int reused = 0;
  for (int i = 0; i < GONE; i++)
    reused |= gone[i] == state;
  ck_assert_msg(reused, "the allocator gave none of the %d freed blocks back", GONE);
  void *token = InstanceToken(table, state, 3);
  UInt32 serial = 0;
  ck_assert_ptr_eq(InstanceFromToken(table, token, &serial), state);
  ck_assert_uint_eq(serial, 3);
  for (int i = 0; i < GONE; i++) {
    ck_assert_msg(token != old_token[i], "the new instance got stale record %d's token %p", i, token);
    ck_assert_msg(InstanceFromToken(table, old_token[i], &serial) != state,
                  "stale record %d's token %p names the new instance's state %p", i,
                  old_token[i], state);
  }
  ck_assert_ptr_eq(InstanceFind(table, ref), state);
  InstanceDestroy(table, ref);
  ck_assert_ptr_null(InstanceFind(table, ref));
  tf_teardown_all(&f);
}
END_TEST

/* A sync call made while a remove waits for the driver to go idle is held
 * on dCtlQHdr and completes with unitEmptyErr once the driver is gone
 * (reference 5.9), although the removal continues from a task-level event
 * and a sync wait runs interrupt-level events only. (Regression test: devmgr
 * reported sync-deadlock and aborted the call before commit 4cc6fe8.) */
START_TEST(test_sync_call_during_remove)
{
  tfix f;
  setup(&f);
  int16_t ref = tf_install(&f, "fixed", -1);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  char b[2][8];
  ParamBlockRec pb[2];
  read_async(&pb[0], ref, b[0], 8);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 0), ioInProgress);
  tf_io(&pb[1], ref, b[1], 8, 0);
  OSErr err = PBReadSync(&pb[1]);
  ck_assert_msg(f.violations == 0, "violation %s: %s", f.last_rule, f.last_detail);
  ck_assert_int_eq(err, unitEmptyErr);
  ck_assert_ptr_null(dm_driver_name(f.m, ref));
  tf_teardown_all(&f);
}
END_TEST

/* The same for a replacement: the held sync call goes to the new driver
 * once kReplaceCommand returned (reference 5.9). */
START_TEST(test_sync_call_during_replace)
{
  tfix f;
  setup(&f);
  int16_t ref = tf_install(&f, "fixed", -1);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  char b[2][8];
  ParamBlockRec pb[2];
  read_async(&pb[0], ref, b[0], 8);
  dm_driver_spec n = builtin_spec("null");
  ck_assert_int_eq(dm_driver_replace(f.m, ref, &n), ioInProgress);
  tf_io(&pb[1], ref, b[1], 8, 0);
  OSErr err = PBReadSync(&pb[1]);
  ck_assert_msg(f.violations == 0, "violation %s: %s", f.last_rule, f.last_detail);
  ck_assert_int_eq(err, noErr);
  ck_assert_str_eq(dm_driver_name(f.m, ref), ".Null");
  tf_teardown_all(&f);
}
END_TEST

/* ---- replace ----------------------------------------------------------------------------- */

/* Installs .Rec (copy A, non-concurrent) and opens it; the log is cleared.
 * Returns its refNum. */
static int16_t install_open_rec_a(tfix *f)
{
  dm_driver_spec a = rec_spec(0, -1, 0);
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f->m, &a, &ref), noErr);
  ck_assert_int_eq(tf_open(f, ref), noErr);
  tf_reset_log(f);
  return ref;
}

START_TEST(test_replace_while_busy)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open_rec_a(&f);
  char b[3][8];
  ParamBlockRec pb[3];
  read_async(&pb[0], ref, b[0], 8);
  read_async(&pb[1], ref, b[1], 8);
  dm_driver_spec bspec = rec_spec(1, -1, 0);
  memset(&bspec.device, 0x11, sizeof bspec.device);
  ck_assert_int_eq(dm_driver_replace(f.m, ref, &bspec), ioInProgress);
  ck_assert_int_eq(dm_driver_replace(f.m, ref, &bspec), paramErr);
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 0), paramErr);
  read_async(&pb[2], ref, b[2], 8); /* held for the new driver */
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 disp#1:read/async ret:0 "
                             "call#2:read/async enq#2 call#3:read/async enq#3");
  tf_run(&f);
  ck_assert_str_eq(tf_log(&f), "cpl#1:0 cb#1:0 disp#2:read/async ret:0 cpl#2:0 cb#2:0 "
                             "disp#4:close/immediate ret:0 cpl#4:0 "
                             "disp#0:superseded/immediate ret:0 cpl#0:0 install:.RecB "
                             "disp#0:replace/immediate ret:0 cpl#0:0 "
                             "disp#4:open/immediate ret:0 cpl#4:0 "
                             "disp#3:read/async ret:0 cpl#3:0 cb#3:0");
  ck_assert_str_eq(rec_log[0], "initialize open read read close superseded");
  ck_assert_str_eq(rec_log[1], "replace open read");
  ck_assert_int_eq(rec_bad, 0);
  ck_assert_uint_eq(rec_final_t[0], 2 * MS);
  ck_assert_int_eq(rec_init_ref[1], ref);
  ck_assert_mem_eq(&rec_init_dev[1], &bspec.device, sizeof bspec.device);
  ck_assert_int_eq(tf_ncb, 3);
  ck_assert_uint_eq(tf_cbs[2].t, 3 * MS);
  ck_assert_str_eq(dm_driver_name(f.m, ref), ".RecB");
  ck_assert_int_eq(dm_driver_find(f.m, ".Rec"), 0);
  ck_assert_int_eq(dm_driver_find(f.m, ".recb"), ref);
  ck_assert_int_ne((*GetDCtlEntry(ref))->dCtlFlags & dOpenedMask, 0);
  ck_assert_int_eq(f.violations, 0);
  tf_teardown_all(&f);
}
END_TEST

/* The new driver refuses Replace: the unit is retired as a removed one
 * is. The old driver finished its request and was superseded; the request
 * held for the new driver fails with unitEmptyErr, the new driver gets no
 * Open, and the unit table's entry is empty. */
START_TEST(test_replace_refused)
{
  tfix f;
  setup(&f);
  int16_t ref = install_open_rec_a(&f);
  char b[2][8];
  ParamBlockRec pb[2];
  read_async(&pb[0], ref, b[0], 8);
  dm_driver_spec bspec = rec_spec(1, -1, 0);
  rec_replace_err = openErr;
  ck_assert_int_eq(dm_driver_replace(f.m, ref, &bspec), ioInProgress);
  read_async(&pb[1], ref, b[1], 8); /* held for the new driver */
  tf_run(&f);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 disp#1:read/async ret:0 "
                             "call#2:read/async enq#2 cpl#1:0 cb#1:0 "
                             "disp#3:close/immediate ret:0 cpl#3:0 "
                             "disp#0:superseded/immediate ret:0 cpl#0:0 install:.RecB "
                             "disp#0:replace/immediate ret:-23 cpl#0:-23 "
                             "cpl#2:-22 cb#2:-22 remove:.RecB");
  ck_assert_str_eq(rec_log[0], "initialize open read close superseded");
  ck_assert_str_eq(rec_log[1], "replace");
  ck_assert_int_eq(tf_ncb, 2);
  ck_assert_int_eq(tf_cbs[1].result, unitEmptyErr);
  ck_assert_ptr_null(GetDCtlEntry(ref));
  ck_assert_int_eq(dm_driver_find(f.m, ".RecB"), 0);
  ck_assert_uint_eq(dm_machine_inflight(f.m), 0);
  ParamBlockRec late;
  tf_io(&late, ref, b[0], 8, 0);
  ck_assert_int_eq(PBReadSync(&late), unitEmptyErr);
  tf_teardown_all(&f);
}
END_TEST

/* An idle, closed driver is replaced at once: no Close, no Open. */
START_TEST(test_replace_idle_closed)
{
  tfix f;
  setup(&f);
  dm_driver_spec a = rec_spec(0, -1, 0);
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f.m, &a, &ref), noErr);
  tf_reset_log(&f);
  dm_driver_spec bspec = rec_spec(1, -1, 0);
  ck_assert_int_eq(dm_driver_replace(f.m, ref, &bspec), noErr);
  ck_assert_str_eq(tf_log(&f), "disp#0:superseded/immediate ret:0 cpl#0:0 install:.RecB "
                             "disp#0:replace/immediate ret:0 cpl#0:0");
  ck_assert_str_eq(rec_log[0], "initialize superseded");
  ck_assert_str_eq(rec_log[1], "replace");
  ck_assert_int_eq((*GetDCtlEntry(ref))->dCtlFlags & dOpenedMask, 0);
  /* Later remove finalizes the new driver only. */
  ck_assert_int_eq(dm_driver_remove(f.m, ref, 0), noErr);
  ck_assert_str_eq(rec_log[0], "initialize superseded");
  ck_assert_str_eq(rec_log[1], "replace finalize");
  tf_teardown_all(&f);
}
END_TEST

/* Replacing non-concurrent .Fixed by concurrent .Null: the held request goes
 * to .Null and the DCE takes the new driver's concurrency. */
START_TEST(test_replace_fixed_by_null)
{
  tfix f;
  setup(&f);
  int16_t ref = tf_install(&f, "fixed", -1);
  ck_assert_int_eq(tf_open(&f, ref), noErr);
  tf_reset_log(&f);
  unsigned char b[2][8];
  memset(b, 0xEE, sizeof b);
  ParamBlockRec pb[2];
  read_async(&pb[0], ref, b[0], 8);
  dm_driver_spec n = builtin_spec("null");
  ck_assert_int_eq(dm_driver_replace(f.m, ref, &n), ioInProgress);
  read_async(&pb[1], ref, b[1], 8);
  tf_run(&f);
  ck_assert_str_eq(tf_log(&f), "call#1:read/async enq#1 disp#1:read/async ret:0 "
                             "call#2:read/async enq#2 cpl#1:0 cb#1:0 "
                             "disp#3:close/immediate ret:0 cpl#3:0 "
                             "disp#0:superseded/immediate ret:0 cpl#0:0 install:.Null "
                             "disp#0:replace/immediate ret:0 cpl#0:0 "
                             "disp#3:open/immediate ret:0 cpl#3:0 "
                             "disp#2:read/async cpl#2:0 cb#2:0 ret:0");
  ck_assert_int_eq(tf_ncb, 2);
  ck_assert_uint_eq(tf_cbs[1].t, 1 * MS);
  /* .Null served it: the whole count, and no data moved (.Fixed would have
   * copied its store). */
  ck_assert_int_eq(pb[1].ioParam.ioActCount, 8);
  ck_assert_uint_eq(b[1][0], 0xEE);
  ck_assert_uint_eq(b[0][0], 0);
  DCtlPtr dce = *GetDCtlEntry(ref);
  ck_assert_int_ne(dce->dCtlFlags & 0x0010, 0);
  ck_assert_int_eq(dce->dCtlFlags & drvrActiveMask, 0);
  ck_assert_int_eq(f.violations, 0);
  tf_teardown_all(&f);
}
END_TEST

START_TEST(test_replace_bad_refnum)
{
  tfix f;
  setup(&f);
  dm_driver_spec n = builtin_spec("null");
  ck_assert_int_eq(dm_driver_replace(f.m, -49, &n), unitEmptyErr);
  ck_assert_int_eq(dm_driver_replace(f.m, -2000, &n), badUnitErr);
  ck_assert_int_eq(dm_driver_replace(f.m, 7, &n), badUnitErr);
  tf_teardown_all(&f);
}
END_TEST

Suite *lifecycle_suite(void)
{
  Suite *s = suite_create("lifecycle");
  TCase *ti = tcase_create("install");
  tcase_set_timeout(ti, DM_TEST_TIMEOUT);
  tcase_add_test(ti, test_install_sends_initialize);
  tcase_add_test(ti, test_initialize_fails);
  tcase_add_loop_test(ti, test_invalid_description, 0,
                      (int)(sizeof bad_descs / sizeof bad_descs[0]));
  tcase_add_test(ti, test_check_description_edges);
  tcase_add_test(ti, test_install_without_entry);
  tcase_add_test(ti, test_explicit_units);
  tcase_add_test(ti, test_first_free_unit_reused);
  tcase_add_test(ti, test_plain_call_after_remove);
  tcase_add_test(ti, test_plain_call_without_free_slot);
  tcase_add_test(ti, test_unit_table_full);
  suite_add_tcase(s, ti);

  TCase *tr = tcase_create("remove");
  tcase_set_timeout(tr, DM_TEST_TIMEOUT);
  tcase_add_test(tr, test_remove_open_driver);
  tcase_add_test(tr, test_remove_waits_for_fixed);
  tcase_add_test(tr, test_remove_waits_finalize_at_task_level);
  tcase_add_test(tr, test_remove_request_from_routine_during_retire);
  tcase_add_test(tr, test_remove_immediate_driver_completes);
  tcase_add_test(tr, test_remove_immediate_ownqueue);
  tcase_add_test(tr, test_remove_immediate_concurrent);
  tcase_add_test(tr, test_remove_immediate_fixed_busy);
  tcase_add_test(tr, test_sync_call_during_remove);
  tcase_add_test(tr, test_sync_call_during_replace);
  tcase_add_loop_test(tr, test_stale_interrupt_after_reinstall, 0,
                      (int)(sizeof stale_drivers / sizeof stale_drivers[0]));
  tcase_add_loop_test(tr, test_stale_interrupt_after_remove, 0,
                      (int)(sizeof stale_drivers / sizeof stale_drivers[0]));
  if (tests_allocator_reuses())
    tcase_add_test(tr, test_instance_state_reused);
  tcase_add_test(tr, test_request_during_finalize_refused);
  suite_add_tcase(s, tr);

  TCase *tp = tcase_create("replace");
  tcase_set_timeout(tp, DM_TEST_TIMEOUT);
  tcase_add_test(tp, test_replace_while_busy);
  tcase_add_test(tp, test_replace_refused);
  tcase_add_test(tp, test_replace_idle_closed);
  tcase_add_test(tp, test_replace_fixed_by_null);
  tcase_add_test(tp, test_replace_bad_refnum);
  suite_add_tcase(s, tp);
  return s;
}
