/*
 * check_scsi_family.c - the SCSI controller family (devmgr/src/scsi) driven
 * by a test controller that needs no bus: it keeps every task it is given
 * and completes them only when a test says so, in the grouping and order
 * the test chooses, rightly or wrongly.
 *
 * Covered: the order of start-up, both paths (what crosses, in how many
 * calls, at what simulated time), completions in any grouping and order,
 * slot reuse, the opt-out of the bundled path, every ownership rule with
 * its history (slot-not-owned, slot-double-complete, response-version,
 * bundle-too-large, bundle-empty, task-count-zero, task-unknown-id), task
 * management, and SCSIFamilyExecute.
 */
#include <stdio.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "devmgr/scsi.h"
#include "SCSIFamily.h"

#define CROSS 5000u

/* ---- the test controller ------------------------------------------------------ */

static struct {
  char     log[2048];
  uint32_t max;
  int      refuse_map;    /* answer the map call with kIOReturnUnsupported */
  int      auto_complete; /* complete each task at once, GOOD */
  IOBufferMemoryDescriptor *cmd_md, *rsp_md;
  SCSIUserParallelTask     *cmd;
  SCSIUserParallelResponse *rsp;
  SCSIUserParallelTask      seen[64]; /* per-task: the copies received, in order */
  int                       nseen;
  uint16_t                  bundles[16][kMaxBundledParallelTasks];
  uint16_t                  nbundle[16];
  int                       nbundles;
  OSAction                 *task_action, *bundle_action;
  uint64_t                  aborted_tag;
  uint64_t                  t_calls[16];
} tc;

static tfix F;

static void tlog(const char *s)
{
  size_t n = strlen(tc.log);
  snprintf(tc.log + n, sizeof tc.log - n, "%s%s", n ? " " : "", s);
}

static kern_return_t t_init(IOUserSCSIParallelInterfaceController *self)
{
  ck_assert_ptr_nonnull(IOUserSCSIParallelInterfaceController_GetIvars(self));
  tlog("init");
  return kIOReturnSuccess;
}
static kern_return_t t_start(IOUserSCSIParallelInterfaceController *self)
{
  (void)self;
  tlog("start");
  return kIOReturnSuccess;
}
static kern_return_t t_max(IOUserSCSIParallelInterfaceController *self, uint32_t *count)
{
  (void)self;
  tlog("max");
  *count = tc.max;
  return kIOReturnSuccess;
}
static kern_return_t t_u64(IOUserSCSIParallelInterfaceController *self, uint64_t *v)
{
  (void)self;
  tlog("id");
  *v = 7;
  return kIOReturnSuccess;
}
static kern_return_t t_lun(IOUserSCSIParallelInterfaceController *self, uint64_t *v)
{
  (void)self;
  tlog("lun");
  *v = 0;
  return kIOReturnSuccess;
}
static kern_return_t t_bool(IOUserSCSIParallelInterfaceController *self, bool *r)
{
  (void)self;
  tlog("does");
  *r = true;
  return kIOReturnSuccess;
}
static kern_return_t t_feature(IOUserSCSIParallelInterfaceController *self, uint32_t v, bool *r)
{
  (void)self;
  (void)v;
  *r = false;
  return kIOReturnSuccess;
}
static kern_return_t t_dma(IOUserSCSIParallelInterfaceController *self, uint64_t *max,
                           uint32_t *align, uint8_t *bits, DMAOutputSegmentType *seg)
{
  (void)self;
  tlog("dma");
  *max = 65536;
  *align = 1;
  *bits = 64;
  *seg = kDMAOutputSegmentTypeHost64;
  return kIOReturnSuccess;
}
static kern_return_t t_target(IOUserSCSIParallelInterfaceController *self, SCSITargetIdentifier id)
{
  (void)self;
  char b[32];
  snprintf(b, sizeof b, "target%llu", (unsigned long long)id);
  tlog(b);
  return kIOReturnSuccess;
}
static uint32_t next_id = 100;
static kern_return_t t_maphba(IOUserSCSIParallelInterfaceController *self, uint32_t *id)
{
  (void)self;
  tlog("hba");
  *id = next_id++;
  return kIOReturnSuccess;
}
static kern_return_t t_mapbundled(IOUserSCSIParallelInterfaceController *self,
                                  IOBufferMemoryDescriptor *cmd, IOBufferMemoryDescriptor *rsp)
{
  (void)self;
  tlog("map");
  if (tc.refuse_map)
    return kIOReturnUnsupported;
  IOAddressSegment a, b;
  ck_assert_int_eq(IOBufferMemoryDescriptor_GetAddressRange(cmd, &a), kIOReturnSuccess);
  ck_assert_int_eq(IOBufferMemoryDescriptor_GetAddressRange(rsp, &b), kIOReturnSuccess);
  ck_assert_uint_eq(a.length, (uint64_t)tc.max * 128);
  ck_assert_uint_eq(b.length, (uint64_t)tc.max * 384);
  tc.cmd = (SCSIUserParallelTask *)(uintptr_t)a.address;
  tc.rsp = (SCSIUserParallelResponse *)(uintptr_t)b.address;
  return kIOReturnSuccess;
}
static kern_return_t t_task(IOUserSCSIParallelInterfaceController *self,
                            SCSIUserParallelTask task, uint32_t *response, OSAction *completion)
{
  (void)self;
  tc.task_action = completion;
  if (tc.nseen < 16)
    tc.t_calls[tc.nseen] = F.w.now;
  tc.seen[tc.nseen++] = task;
  *response = kSCSIServiceResponse_Request_In_Process;
  if (tc.auto_complete) {
    SCSIUserParallelResponse r;
    memset(&r, 0, sizeof r);
    r.version = 1;
    r.fControllerTaskIdentifier = task.fControllerTaskIdentifier;
    r.fServiceResponse = kSCSIServiceResponse_TASK_COMPLETE;
    r.fBytesTransferred = task.fRequestedTransferCount;
    ParallelTaskCompletion(completion, r);
  }
  return kIOReturnSuccess;
}
static void t_bundle(IOUserSCSIParallelInterfaceController *self, const uint16_t idx[32],
                     uint16_t n, OSAction *completion)
{
  (void)self;
  tc.bundle_action = completion;
  if (tc.nbundles < 16) {
    tc.t_calls[tc.nbundles] = F.w.now;
    memcpy(tc.bundles[tc.nbundles], idx, n * sizeof *idx);
    tc.nbundle[tc.nbundles++] = n;
  }
  if (tc.auto_complete) {
    for (uint16_t i = 0; i < n; i++) {
      SCSIUserParallelResponse *r = &tc.rsp[idx[i]];
      memset(r, 0, sizeof *r);
      r->version = 1;
      r->fControllerTaskIdentifier = tc.cmd[idx[i]].fControllerTaskIdentifier;
      r->fServiceResponse = kSCSIServiceResponse_TASK_COMPLETE;
      r->fBytesTransferred = tc.cmd[idx[i]].fRequestedTransferCount;
    }
    BundledParallelTaskCompletion(completion, idx, n);
  }
}
static kern_return_t t_abort(IOUserSCSIParallelInterfaceController *self, uint64_t t, uint64_t l,
                             uint64_t q, uint32_t *response)
{
  (void)self;
  (void)t;
  (void)l;
  tc.aborted_tag = q;
  *response = kSCSIServiceResponse_FUNCTION_COMPLETE;
  return kIOReturnSuccess;
}
static kern_return_t t_tm2(IOUserSCSIParallelInterfaceController *self, uint64_t t, uint64_t l,
                           uint32_t *response)
{
  (void)self;
  (void)t;
  (void)l;
  tlog("tm");
  *response = kSCSIServiceResponse_FUNCTION_COMPLETE;
  return kIOReturnSuccess;
}
static kern_return_t t_treset(IOUserSCSIParallelInterfaceController *self, uint64_t t,
                              uint32_t *response)
{
  (void)self;
  (void)t;
  tlog("treset");
  *response = kSCSIServiceResponse_FUNCTION_REJECTED;
  return kIOReturnSuccess;
}

static const SCSIControllerMethods t_methods = {
  .UserInitializeController = t_init,
  .UserStartController = t_start,
  .UserReportMaximumTaskCount = t_max,
  .UserReportInitiatorIdentifier = t_u64,
  .UserReportHighestSupportedDeviceID = t_u64,
  .UserReportHBAHighestLogicalUnitNumber = t_lun,
  .UserDoesHBAPerformAutoSense = t_bool,
  .UserDoesHBASupportMultiPathing = t_bool,
  .UserDoesHBAPerformDeviceManagement = t_bool,
  .UserDoesHBASupportSCSIParallelFeature = t_feature,
  .UserGetDMASpecification = t_dma,
  .UserInitializeTargetForID = t_target,
  .UserMapHBAData = t_maphba,
  .UserMapBundledParallelTaskCommandAndResponseBuffers = t_mapbundled,
  .UserProcessParallelTask = t_task,
  .UserProcessBundledParallelTasks = t_bundle,
  .UserAbortTaskRequest = t_abort,
  .UserAbortTaskSetRequest = t_tm2,
  .UserClearACARequest = t_tm2,
  .UserClearTaskSetRequest = t_tm2,
  .UserLogicalUnitResetRequest = t_tm2,
  .UserTargetResetRequest = t_treset,
};

static const SCSIControllerDescription t_desc = {
  kSCSIControllerDescriptionSignature, kSCSIControllerDescriptionVersion, "TestCtl", 16,
  &t_methods,
};

/* ---- helpers ------------------------------------------------------------------ */

static dm_scsi_ctrl *C;
static SCSIDeviceRef D;
static SCSIFamilyTask T[40];
static int           order[64], norder;
static uint8_t       buf[40][512];

static void done_cb(SCSIFamilyTask *t)
{
  ck_assert_int_eq(CurrentExecutionLevel(), kSecondaryInterruptLevel);
  order[norder++] = (int)(t - T);
}

static void setup_ctrl(dm_check_mode mode, uint32_t max, int bundled)
{
  memset(&tc, 0, sizeof tc);
  next_id = 100; /* also when the suite runs in one process (CK_FORK=no) */
  tc.max = max;
  tc.refuse_map = !bundled;
  norder = 0;
  tf_setup(&F, mode);
  dm_scsi_config cfg = { .desc = &t_desc, .crossing_ns = CROSS };
  char err[200];
  ck_assert_msg(dm_scsi_ctrl_new(F.m, &cfg, &C, err, sizeof err) == 0, "%s", err);
  RegEntryID e;
  ck_assert_int_eq(dm_scsi_unit(C, 0, 0, &e), 0);
  SCSIDeviceInfo info;
  ck_assert_int_eq(SCSIFamilyOpenDevice(&e, -49, &D, &info), noErr);
  ck_assert_uint_eq(info.openings, max);
  ck_assert_int_eq(info.bundled, bundled);
}

static void teardown_ctrl(void)
{
  dm_scsi_ctrl_free(C);
  tf_teardown(&F);
}

static void read_task(int i, uint32_t lba)
{
  SCSIFamilyTask *t = &T[i];
  memset(t, 0, sizeof *t);
  t->cdb[0] = 0x28;
  t->cdb[2] = (uint8_t)(lba >> 24);
  t->cdb[3] = (uint8_t)(lba >> 16);
  t->cdb[4] = (uint8_t)(lba >> 8);
  t->cdb[5] = (uint8_t)lba;
  t->cdb[8] = 1;
  t->cdbLength = 10;
  t->direction = kSCSIDataTransfer_FromTargetToInitiator;
  t->buffer = buf[i];
  t->transferCount = 512;
  t->completion = done_cb;
}

static void submit(int i)
{
  read_task(i, (uint32_t)i);
  ck_assert_int_eq(SCSIFamilySubmit(D, &T[i]), noErr);
}

/* The controller's response for slot k in the response buffer. */
static void respond(uint16_t k, uint32_t version, uint8_t status)
{
  SCSIUserParallelResponse *r = &tc.rsp[k];
  memset(r, 0, sizeof *r);
  r->version = version;
  r->fControllerTaskIdentifier = tc.cmd[k].fControllerTaskIdentifier;
  r->fServiceResponse = kSCSIServiceResponse_TASK_COMPLETE;
  r->fCompletionStatus = status;
  r->fBytesTransferred = tc.cmd[k].fRequestedTransferCount;
}

static void give_back(const uint16_t *idx, uint16_t n)
{
  /* Apple's call takes a full array of kMaxBundledParallelTasks. */
  uint16_t all[kMaxBundledParallelTasks] = { 0 };
  memcpy(all, idx, (n < 32 ? n : 32) * sizeof *idx);
  dm_machine *prev = dm_machine_enter(F.m);
  BundledParallelTaskCompletion(tc.bundle_action, all, n);
  dm_machine_leave(prev);
}

static SCSIUserParallelResponse per_task_response(int seen, uint32_t version, uint8_t status)
{
  SCSIUserParallelResponse r;
  memset(&r, 0, sizeof r);
  r.version = version;
  r.fTargetID = tc.seen[seen].fTargetID;
  r.fControllerTaskIdentifier = tc.seen[seen].fControllerTaskIdentifier;
  r.fServiceResponse = kSCSIServiceResponse_TASK_COMPLETE;
  r.fCompletionStatus = status;
  r.fBytesTransferred = tc.seen[seen].fRequestedTransferCount;
  if (status == kSCSITaskStatus_CHECK_CONDITION) {
    r.fSenseLength = 18;
    r.fSenseBuffer[0] = 0x70;
    r.fSenseBuffer[2] = kSENSE_KEY_MEDIUM_ERROR;
    r.fSenseBuffer[12] = 0x11;
  }
  return r;
}

/* The trace names the sense key where the sense format puts it: byte 2 of
 * fixed sense, byte 1 of descriptor sense (whose byte 2 is the ASC). */
START_TEST(trace_sense_key_both_formats)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 0);
  F.log_sense = 1;
  submit(0);
  submit(1);
  tf_run(&F);
  ck_assert_int_eq(tc.nseen, 2);
  tf_reset_log(&F);
  SCSIUserParallelResponse fixed = per_task_response(0, 1, kSCSITaskStatus_CHECK_CONDITION);
  SCSIUserParallelResponse desc = per_task_response(1, 1, kSCSITaskStatus_CHECK_CONDITION);
  memset(desc.fSenseBuffer, 0, sizeof desc.fSenseBuffer);
  desc.fSenseLength = 8;
  desc.fSenseBuffer[0] = 0x72;
  desc.fSenseBuffer[1] = kSENSE_KEY_ILLEGAL_REQUEST;
  desc.fSenseBuffer[2] = 0x24; /* invalid field in CDB: its low bits are not the key */
  dm_machine *prev = dm_machine_enter(F.m);
  ParallelTaskCompletion(tc.task_action, fixed);
  ParallelTaskCompletion(tc.task_action, desc);
  dm_machine_leave(prev);
  tf_run(&F);
  ck_assert_str_eq(tf_log(&F), "back:0/1 back:1/1 sdone:0:2:3 sdone:1:2:5");
  teardown_ctrl();
}
END_TEST

/* ---- start-up --------------------------------------------------------------------- */

START_TEST(startup_order)
{
  setup_ctrl(DM_CHECK_STRICT, 3, 1);
  ck_assert_str_eq(tc.log, "init max does id id lun does does dma hba hba hba map start target0");
  ck_assert_int_eq(dm_scsi_bundled(C), 1);
  ck_assert_uint_eq(dm_scsi_max_tasks(C), 3);
  teardown_ctrl();
}
END_TEST

START_TEST(task_count_zero)
{
  memset(&tc, 0, sizeof tc);
  next_id = 100;
  tf_setup(&F, DM_CHECK_STRICT);
  dm_scsi_config cfg = { .desc = &t_desc, .crossing_ns = CROSS };
  char err[200];
  ck_assert_int_eq(dm_scsi_ctrl_new(F.m, &cfg, &C, err, sizeof err), -1);
  ck_assert_ptr_null(C);
  ck_assert_ptr_nonnull(strstr(err, "task-count-zero"));
  ck_assert_str_eq(F.last_rule, "task-count-zero");
  ck_assert_uint_eq(dm_machine_rule_count(F.m, DM_RULE_TASK_COUNT_ZERO), 1);
  /* Nothing after the count: no buffers mapped, no start. */
  ck_assert_str_eq(tc.log, "init max");
  tf_teardown(&F);
}
END_TEST

START_TEST(bad_description)
{
  SCSIControllerMethods m = t_methods;
  m.UserAbortTaskRequest = NULL;
  SCSIControllerDescription d = t_desc;
  d.methods = &m;
  char why[128];
  ck_assert_int_eq(dm_scsi_check_description(&d, why, sizeof why), -1);
  ck_assert_ptr_nonnull(strstr(why, "NULL"));
  d = t_desc;
  d.signature = 0;
  ck_assert_int_eq(dm_scsi_check_description(&d, why, sizeof why), -1);
  ck_assert_int_eq(dm_scsi_check_description(&t_desc, why, sizeof why), 0);
}
END_TEST

/* ---- the per-task path ------------------------------------------------------------- */

START_TEST(per_task_copies_and_crossings)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 0);
  ck_assert_str_eq(tc.log, "init max does id id lun does does dma hba hba hba hba map start target0");
  tf_log(&F);
  submit(0);
  submit(1);
  submit(2);
  tf_run(&F);
  /* One call per task, one crossing after another. */
  ck_assert_int_eq(tc.nseen, 3);
  ck_assert_uint_eq(tc.t_calls[0], CROSS);
  ck_assert_uint_eq(tc.t_calls[1], 2 * CROSS);
  ck_assert_uint_eq(tc.t_calls[2], 3 * CROSS);
  for (int i = 0; i < 3; i++) {
    const SCSIUserParallelTask *p = &tc.seen[i];
    ck_assert_uint_eq(p->version, 1);
    ck_assert_uint_eq(p->fTargetID, 0);
    ck_assert_uint_eq(p->fControllerTaskIdentifier, 100u + (unsigned)i);
    ck_assert_uint_eq(p->fRequestedTransferCount, 512);
    ck_assert_uint_eq(p->fBufferIOVMAddr, (uint64_t)(uintptr_t)buf[i]);
    ck_assert_uint_eq(p->fCommandSize, 10);
    ck_assert_uint_eq(p->fCommandDescriptorBlock[0], 0x28);
    ck_assert_uint_eq(p->fCommandDescriptorBlock[5], (unsigned)i);
    ck_assert_uint_eq(p->fTransferDirection, kSCSIDataTransfer_FromTargetToInitiator);
    ck_assert_uint_eq(p->fTaskTagIdentifier, (unsigned)i + 1);
  }
  ck_assert_uint_eq(dm_scsi_owned(C), 3);
  /* Completed in reverse order; the middle one with CHECK CONDITION. */
  dm_machine *prev = dm_machine_enter(F.m);
  ParallelTaskCompletion(tc.task_action, per_task_response(2, 1, 0));
  ParallelTaskCompletion(tc.task_action, per_task_response(1, 1, kSCSITaskStatus_CHECK_CONDITION));
  ParallelTaskCompletion(tc.task_action, per_task_response(0, 1, 0));
  dm_machine_leave(prev);
  uint64_t t0 = F.w.now;
  tf_run(&F);
  ck_assert_uint_eq(F.w.now, t0 + 3 * CROSS);
  ck_assert_int_eq(norder, 3);
  ck_assert_int_eq(order[0], 2);
  ck_assert_int_eq(order[1], 1);
  ck_assert_int_eq(order[2], 0);
  ck_assert_uint_eq(T[1].taskStatus, kSCSITaskStatus_CHECK_CONDITION);
  ck_assert_uint_eq(T[1].senseLength, 18);
  ck_assert_uint_eq(T[1].sense[2], kSENSE_KEY_MEDIUM_ERROR);
  ck_assert_uint_eq(T[0].bytesTransferred, 512);
  ck_assert_str_eq(tf_log(&F), "sub:0 sub:1 sub:2 give:0/1 give:1/1 give:2/1 back:2/1 back:1/1 "
                               "back:0/1 sdone:2:0 sdone:1:2 sdone:0:0");
  dm_scsi_stats st = dm_scsi_get_stats(C);
  ck_assert_uint_eq(st.calls_down, 3);
  ck_assert_uint_eq(st.calls_up, 3);
  ck_assert_uint_eq(st.bytes_copied, 3 * 2 * (128 + 384)); /* into and out of each message */
  ck_assert_int_eq(F.violations, 0);
  teardown_ctrl();
}
END_TEST

/* ---- the bundled path ---------------------------------------------------------------- */

START_TEST(bundled_any_grouping)
{
  setup_ctrl(DM_CHECK_STRICT, 8, 1);
  tf_log(&F);
  for (int i = 0; i < 5; i++)
    submit(i);
  tf_run(&F);
  /* Submitted at one instant: one call carries all five. */
  ck_assert_int_eq(tc.nbundles, 1);
  ck_assert_int_eq(tc.nbundle[0], 5);
  ck_assert_uint_eq(tc.t_calls[0], CROSS);
  for (int i = 0; i < 5; i++)
    ck_assert_uint_eq(tc.bundles[0][i], (unsigned)i);
  /* Commands sit in the shared buffer at their slot. */
  ck_assert_uint_eq(tc.cmd[3].fCommandDescriptorBlock[5], 3);
  ck_assert_uint_eq(tc.cmd[3].fBufferIOVMAddr, (uint64_t)(uintptr_t)buf[3]);
  for (uint16_t k = 0; k < 5; k++)
    respond(k, 1, 0);
  /* Returned in groupings unlike the submissions: (3, 1), (0), (4, 2). */
  uint16_t a[] = { 3, 1 }, b[] = { 0 }, c[] = { 4, 2 };
  give_back(a, 2);
  give_back(b, 1);
  give_back(c, 2);
  tf_run(&F);
  ck_assert_int_eq(norder, 5);
  int want[] = { 3, 1, 0, 4, 2 };
  for (int i = 0; i < 5; i++)
    ck_assert_int_eq(order[i], want[i]);
  ck_assert_uint_eq(dm_scsi_owned(C), 0);
  dm_scsi_stats st = dm_scsi_get_stats(C);
  ck_assert_uint_eq(st.calls_down, 1);
  ck_assert_uint_eq(st.calls_up, 3);
  ck_assert_uint_eq(st.bytes_copied, 0);
  ck_assert_uint_eq(st.max_bundle, 5);
  /* A task submitted while a call crosses waits for the next call. */
  tf_log(&F);
  submit(6);
  ck_assert_int_eq(tc.nbundles, 1);
  tf_run(&F);
  ck_assert_int_eq(tc.nbundles, 2);
  ck_assert_int_eq(tc.nbundle[1], 1);
  /* Slots are reused after their return, in the order they came back. */
  submit(5);
  ck_assert_uint_eq(T[5].familySlot, 6);
  submit(7);
  ck_assert_uint_eq(T[7].familySlot, 7);
  submit(8);
  ck_assert_uint_eq(T[8].familySlot, 3); /* the first slot that came back */
  tf_run(&F);
  ck_assert_int_eq(tc.nbundles, 3);
  ck_assert_int_eq(tc.nbundle[2], 3);
  ck_assert_int_eq(F.violations, 0);
  teardown_ctrl();
}
END_TEST

START_TEST(slots_reused_in_free_order)
{
  setup_ctrl(DM_CHECK_STRICT, 2, 1);
  tc.auto_complete = 1;
  for (int round = 0; round < 6; round++) {
    submit(round % 2);
    submit(2 + round % 2);
    tf_run(&F);
  }
  ck_assert_int_eq(norder, 12);
  ck_assert_int_eq(F.violations, 0);
  ck_assert_uint_eq(dm_scsi_get_stats(C).tasks, 12);
  teardown_ctrl();
}
END_TEST

START_TEST(openings_limit)
{
  setup_ctrl(DM_CHECK_STRICT, 2, 1);
  submit(0);
  submit(1);
  read_task(2, 2);
  ck_assert_int_eq(SCSIFamilySubmit(D, &T[2]), kSCSIFamilyNoOpening);
  ck_assert_uint_eq(SCSIFamilyOutstanding(D), 2);
  T[3] = T[2];
  T[3].cdbLength = 7;
  ck_assert_int_eq(SCSIFamilySubmit(D, &T[3]), paramErr);
  teardown_ctrl();
}
END_TEST

/* ---- violations ------------------------------------------------------------------------ */

static void expect_rule(const char *rule, uint32_t count)
{
  ck_assert_str_eq(F.last_rule, rule);
  ck_assert_uint_eq(dm_machine_rule_count(F.m, dm_rule_from_id(rule)), count);
}

START_TEST(rule_slot_not_owned)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 1);
  submit(0);
  tf_run(&F);
  respond(2, 1, 0);
  uint16_t idx[] = { 2 };
  give_back(idx, 1); /* slot 2 was never handed over */
  expect_rule("slot-not-owned", 1);
  ck_assert_ptr_nonnull(strstr(F.last_detail, "never handed it over"));
  ck_assert_ptr_nonnull(strstr(F.last_detail, "slot 2 of controller TestCtl"));
  uint16_t out[] = { 9 };
  give_back(out, 1); /* beyond the slots */
  expect_rule("slot-not-owned", 2);
  ck_assert_uint_eq(dm_scsi_owned(C), 1);
  teardown_ctrl();
}
END_TEST

START_TEST(rule_response_written_while_family_owned)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 1);
  submit(0);
  tf_run(&F);
  respond(1, 1, 0); /* the controller writes a response slot it does not own */
  submit(1);
  tf_run(&F); /* ... and is told when the family hands that slot over */
  expect_rule("slot-not-owned", 1);
  ck_assert_ptr_nonnull(strstr(F.last_detail, "response slot 1 was written while the family owned it"));
  teardown_ctrl();
}
END_TEST

START_TEST(rule_slot_double_complete_bundled)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 1);
  submit(0);
  tf_run(&F);
  respond(0, 1, 0);
  uint16_t idx[] = { 0 };
  give_back(idx, 1);
  give_back(idx, 1);
  expect_rule("slot-double-complete", 1);
  ck_assert_ptr_nonnull(strstr(F.last_detail, "submitted at 0.000000 ms"));
  ck_assert_ptr_nonnull(strstr(F.last_detail, "handed over at 0.005000 ms (1 in the call)"));
  ck_assert_ptr_nonnull(strstr(F.last_detail, "READ(10)"));
  tf_run(&F);
  ck_assert_int_eq(norder, 1); /* completed once */
  /* The same slot twice in one call. */
  submit(1);
  tf_run(&F);
  respond((uint16_t)T[1].familySlot, 1, 0);
  uint16_t twice[] = { (uint16_t)T[1].familySlot, (uint16_t)T[1].familySlot };
  give_back(twice, 2);
  expect_rule("slot-double-complete", 2);
  tf_run(&F);
  ck_assert_int_eq(norder, 2);
  teardown_ctrl();
}
END_TEST

START_TEST(rule_slot_double_complete_per_task)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 0);
  submit(0);
  tf_run(&F);
  dm_machine *prev = dm_machine_enter(F.m);
  ParallelTaskCompletion(tc.task_action, per_task_response(0, 1, 0));
  ParallelTaskCompletion(tc.task_action, per_task_response(0, 1, 0));
  dm_machine_leave(prev);
  expect_rule("slot-double-complete", 1);
  tf_run(&F);
  ck_assert_int_eq(norder, 1);
  teardown_ctrl();
}
END_TEST

START_TEST(rule_response_version)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 0);
  submit(0);
  tf_run(&F);
  dm_machine *prev = dm_machine_enter(F.m);
  ParallelTaskCompletion(tc.task_action, per_task_response(0, 2, 0));
  dm_machine_leave(prev);
  expect_rule("response-version", 1);
  ck_assert_ptr_nonnull(strstr(F.last_detail, "version 2; dropped"));
  tf_run(&F);
  ck_assert_int_eq(norder, 0); /* dropped: nothing completed */
  ck_assert_uint_eq(SCSIFamilyOutstanding(D), 1);
  prev = dm_machine_enter(F.m);
  ParallelTaskCompletion(tc.task_action, per_task_response(0, 1, 0));
  dm_machine_leave(prev);
  tf_run(&F);
  ck_assert_int_eq(norder, 1);
  teardown_ctrl();
}
END_TEST

START_TEST(rule_response_version_bundled)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 1);
  submit(0);
  tf_run(&F);
  respond(0, 0, 0);
  uint16_t idx[] = { 0 };
  give_back(idx, 1);
  expect_rule("response-version", 1);
  tf_run(&F);
  ck_assert_int_eq(norder, 0);
  ck_assert_uint_eq(dm_scsi_owned(C), 1); /* still the controller's */
  respond(0, 1, 0);
  give_back(idx, 1);
  tf_run(&F);
  ck_assert_int_eq(norder, 1);
  teardown_ctrl();
}
END_TEST

START_TEST(rule_bundle_too_large_and_empty)
{
  setup_ctrl(DM_CHECK_STRICT, 40, 1);
  for (int i = 0; i < 34; i++)
    submit(i);
  tf_run(&F);
  ck_assert_int_eq(tc.nbundle[0], 32); /* never more than 32 a call */
  ck_assert_int_eq(tc.nbundle[1], 2);
  uint16_t idx[40];
  for (uint16_t k = 0; k < 33; k++) {
    idx[k] = k;
    respond(k, 1, 0);
  }
  give_back(idx, 33);
  expect_rule("bundle-too-large", 1);
  ck_assert_uint_eq(dm_scsi_owned(C), 34); /* the whole call was refused */
  give_back(idx, 0);
  expect_rule("bundle-empty", 1);
  give_back(idx, 32);
  tf_run(&F);
  ck_assert_int_eq(norder, 32);
  teardown_ctrl();
}
END_TEST

START_TEST(rule_task_unknown_id)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 0);
  submit(0);
  tf_run(&F);
  SCSIUserParallelResponse r = per_task_response(0, 1, 0);
  r.fControllerTaskIdentifier = 9999;
  dm_machine *prev = dm_machine_enter(F.m);
  ParallelTaskCompletion(tc.task_action, r);
  dm_machine_leave(prev);
  expect_rule("task-unknown-id", 1);
  ck_assert_ptr_nonnull(strstr(F.last_detail, "9999"));
  teardown_ctrl();
}
END_TEST

START_TEST(rules_off_and_permissive)
{
  for (int mode = 0; mode < 2; mode++) {
    setup_ctrl(mode ? DM_CHECK_OFF : DM_CHECK_PERMISSIVE, 4, 1);
    submit(0);
    tf_run(&F);
    respond(0, 1, 0);
    uint16_t idx[] = { 0 };
    give_back(idx, 1);
    give_back(idx, 1);
    tf_run(&F);
    ck_assert_int_eq(norder, 1); /* the same behaviour either way */
    ck_assert_uint_eq(dm_machine_violations(F.m), mode ? 0u : 1u);
    teardown_ctrl();
  }
}
END_TEST

/* ---- task management and sync execution ------------------------------------------ */

START_TEST(abort_before_and_after_handover)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 1);
  submit(0);
  submit(1); /* waits behind 0's crossing */
  ck_assert_int_eq(SCSIFamilyAbortTask(D, &T[1]), noErr);
  tf_run(&F);
  ck_assert_int_eq(norder, 1);
  ck_assert_int_eq(order[0], 1);
  ck_assert_uint_eq(T[1].serviceResponse, kSCSIServiceResponse_SERVICE_DELIVERY_OR_TARGET_FAILURE);
  ck_assert_uint_eq(T[1].taskStatus, kSCSITaskStatus_DeliveryFailure);
  ck_assert_int_eq(tc.nbundles, 1); /* 1 never reached the controller */
  ck_assert_int_eq(SCSIFamilyAbortTask(D, &T[0]), noErr);
  ck_assert_uint_eq(tc.aborted_tag, T[0].familyTag);
  ck_assert_int_eq(SCSIFamilyAbortTask(D, &T[1]), paramErr); /* not outstanding */
  ck_assert_int_eq(SCSIFamilyAbortTaskSet(D), noErr);
  ck_assert_int_eq(SCSIFamilyLogicalUnitReset(D), noErr);
  ck_assert_int_eq(SCSIFamilyTargetReset(D), controlErr);
  ck_assert_ptr_nonnull(strstr(tc.log, "target0 tm tm treset"));
  teardown_ctrl();
}
END_TEST

START_TEST(execute_sync)
{
  for (int bundled = 0; bundled < 2; bundled++) {
    setup_ctrl(DM_CHECK_STRICT, 4, bundled);
    tc.auto_complete = 1;
    read_task(0, 0);
    T[0].completion = NULL;
    ck_assert_int_eq(SCSIFamilyExecute(D, &T[0]), noErr);
    ck_assert_uint_eq(T[0].serviceResponse, kSCSIServiceResponse_TASK_COMPLETE);
    ck_assert_uint_eq(T[0].bytesTransferred, 512);
    ck_assert_ptr_null(T[0].completion);
    ck_assert_uint_eq(F.w.now, 2 * CROSS);
    ck_assert_int_eq(SCSIFamilyWaitIdle(D), noErr);
    teardown_ctrl();
  }
}
END_TEST

START_TEST(execute_never_completed)
{
  setup_ctrl(DM_CHECK_STRICT, 4, 1);
  read_task(0, 0);
  ck_assert_int_eq(SCSIFamilyExecute(D, &T[0]), ioErr);
  ck_assert_uint_eq(SCSIFamilyOutstanding(D), 1);
  teardown_ctrl();
}
END_TEST

Suite *scsi_family_suite(void)
{
  Suite *s = suite_create("scsi_family");
  TCase *tcase = tcase_create("family");
  tcase_set_timeout(tcase, DM_TEST_TIMEOUT);
  tcase_add_test(tcase, startup_order);
  tcase_add_test(tcase, task_count_zero);
  tcase_add_test(tcase, bad_description);
  tcase_add_test(tcase, per_task_copies_and_crossings);
  tcase_add_test(tcase, trace_sense_key_both_formats);
  tcase_add_test(tcase, bundled_any_grouping);
  tcase_add_test(tcase, slots_reused_in_free_order);
  tcase_add_test(tcase, openings_limit);
  tcase_add_test(tcase, rule_slot_not_owned);
  tcase_add_test(tcase, rule_response_written_while_family_owned);
  tcase_add_test(tcase, rule_slot_double_complete_bundled);
  tcase_add_test(tcase, rule_slot_double_complete_per_task);
  tcase_add_test(tcase, rule_response_version);
  tcase_add_test(tcase, rule_response_version_bundled);
  tcase_add_test(tcase, rule_bundle_too_large_and_empty);
  tcase_add_test(tcase, rule_task_unknown_id);
  tcase_add_test(tcase, rules_off_and_permissive);
  tcase_add_test(tcase, abort_before_and_after_handover);
  tcase_add_test(tcase, execute_sync);
  tcase_add_test(tcase, execute_never_completed);
  suite_add_tcase(s, tcase);
  return s;
}
