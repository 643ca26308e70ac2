/*
 * check_scsi_stack.c - the whole SCSI stack (sim/stack): the Device Manager,
 * .SCSIDisk, the controller family, DMSimHBA and a simulated bus and disk.
 *
 * Covered: random ranges read and written on both paths and several depths,
 * compared with the image file; target block sizes above 512 (bounce reads,
 * read-modify-write); splitting transfers above the controller's limit;
 * requests held while no opening is free; sense turned into retries and
 * Mac errors; KillIO; Finalize draining; the Control and Status codes; the
 * HBA's autosense, timeout watchdog and task management; a controller
 * loaded from a shared object.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"
#include "stack/stack.h"
#include "world/rng.h"
#include "SCSIFamily.h"

#define DISK (256u * 1024u)

typedef struct counts {
  int submits, handoffs, calls, violations;
  uint32_t max_bundle;
  int returns, returns_not_sih; /* scsi_return records, and those not at SIH level */
  uint32_t max_returned;        /* the most slots one completion call returned */
} counts;

static counts seen;

static void on_trace(void *ctx, const dm_trace_rec *r)
{
  (void)ctx;
  if (r->ev == DM_EV_SCSI_SUBMIT)
    seen.submits++;
  if (r->ev == DM_EV_SCSI_HANDOFF) {
    seen.handoffs++;
    if (r->count > seen.max_bundle)
      seen.max_bundle = r->count;
  }
  if (r->ev == DM_EV_SCSI_RETURN) {
    seen.returns++;
    if (r->lvl != DM_LVL_SIH)
      seen.returns_not_sih++;
    if (r->count > seen.max_returned)
      seen.max_returned = r->count;
  }
  if (r->ev == DM_EV_VIOLATION)
    seen.violations++;
}

/* A stack on a memory disk, or on `image`, with unit settings u (NULL:
 * defaults with queue depth 256). */
static void open_stack(sim_stack *s, int bundled, const char *image, uint32_t tasks,
                       const sim_scsi_unit_config *u)
{
  memset(&seen, 0, sizeof seen);
  sim_stack_config c = { 0 };
  c.image = image;
  c.writable = 1;
  c.memory_bytes = DISK;
  c.bundled = bundled;
  c.crossing_ns = DM_SCSI_CROSSING_NS_DEFAULT;
  c.tasks = tasks;
  c.unit = u;
  c.check = DM_CHECK_STRICT;
  c.trace = on_trace;
  char err[300];
  ck_assert_msg(sim_stack_open(s, &c, err, sizeof err) == 0, "%s", err);
}

static void unit_defaults(sim_scsi_unit_config *u)
{
  sim_scsi_unit_config_default(u);
  u->queue_depth = 256;
}

static OSErr io(sim_stack *s, int write, uint64_t off, uint8_t *buf, uint64_t len)
{
  return sim_stack_transfer(s, write, off, buf, len, 1, 1u << 20, NULL);
}

/* ---- random ranges against the image file ------------------------------------ */

START_TEST(random_ranges_match_the_image)
{
  char path[] = "/tmp/dmsim-scsi-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  static uint8_t img[DISK], buf[DISK];
  sim_rng rng;
  sim_rng_seed(&rng, 42);
  for (size_t i = 0; i < DISK; i++)
    img[i] = (uint8_t)sim_rng_next(&rng);
  ck_assert_int_eq(write(fd, img, DISK), DISK);
  for (int bundled = 0; bundled < 2; bundled++) {
    sim_stack s;
    open_stack(&s, bundled, path, 0, NULL);
    static const uint32_t depths[] = { 1, 3, 32 };
    for (int round = 0; round < 12; round++) {
      uint64_t blocks = DISK / 512;
      uint64_t off = sim_rng_range(&rng, 0, blocks - 1) * 512;
      uint64_t len = sim_rng_range(&rng, 1, (blocks - off / 512) < 200 ? blocks - off / 512 : 200) * 512;
      uint32_t depth = depths[round % 3];
      uint32_t chunk = (uint32_t)((len / depth + 511) / 512 * 512);
      if (round % 2 == 1) { /* write new bytes, then the file must have them */
        for (uint64_t i = 0; i < len; i++)
          img[off + i] = buf[i] = (uint8_t)sim_rng_next(&rng);
        ck_assert_int_eq(sim_stack_transfer(&s, 1, off, buf, len, depth, chunk, NULL), noErr);
      }
      memset(buf, 0xEE, len);
      uint64_t moved = 0;
      ck_assert_int_eq(sim_stack_transfer(&s, 0, off, buf, len, depth, chunk, &moved), noErr);
      ck_assert_uint_eq(moved, len);
      ck_assert_msg(memcmp(buf, img + off, len) == 0, "path %d round %d: bytes differ", bundled,
                    round);
    }
    ck_assert_int_eq(seen.violations, 0);
    ck_assert_int_eq(sim_stack_close(&s), 0);
    /* What the stack wrote is in the file itself. */
    ck_assert_int_eq(pread(fd, buf, DISK, 0), DISK);
    ck_assert(memcmp(buf, img, DISK) == 0);
  }
  close(fd);
  unlink(path);
}
END_TEST

/* ---- positions --------------------------------------------------------------------- */

/* A sync Read of 512 bytes with this ioPosMode and ioPosOffset; its first
 * byte (the disk holds byte i of block b as b). */
static int read_at(sim_stack *s, short mode, long offset, OSErr *err)
{
  static uint8_t b[512];
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioRefNum = s->ref;
  pb.ioParam.ioBuffer = (Ptr)b;
  pb.ioParam.ioReqCount = 512;
  pb.ioParam.ioPosMode = mode;
  pb.ioParam.ioPosOffset = offset;
  *err = PBReadSync(&pb);
  return b[0];
}

START_TEST(positions_follow_ioposmode)
{
  sim_stack s;
  open_stack(&s, 1, NULL, 0, NULL);
  static uint8_t all[DISK];
  for (size_t i = 0; i < DISK; i++)
    all[i] = (uint8_t)(i / 512);
  ck_assert_int_eq(io(&s, 1, 0, all, DISK), noErr);
  dm_machine *prev = dm_machine_enter(s.m);
  OSErr err;
  ck_assert_int_eq(read_at(&s, fsFromStart, 10 * 512, &err), 10);
  ck_assert_int_eq(err, noErr);
  ck_assert_int_eq(read_at(&s, fsAtMark, 0, &err), 11); /* the mark moved past block 10 */
  ck_assert_int_eq(read_at(&s, fsFromMark, -3 * 512, &err), 9);
  ck_assert_int_eq(read_at(&s, fsFromLEOF, -512, &err), (DISK / 512 - 1) & 0xFF);
  ck_assert_int_eq(err, noErr);
  (void)read_at(&s, fsFromStart, 100, &err); /* not on a block boundary */
  ck_assert_int_eq(err, paramErr);
  (void)read_at(&s, fsFromLEOF, 0, &err); /* beyond the end */
  ck_assert_int_eq(err, paramErr);
  dm_machine_leave(prev);
  ck_assert_int_eq(seen.violations, 0);
  sim_stack_close(&s);
}
END_TEST

/* ---- block sizes and splitting ------------------------------------------------ */

START_TEST(large_blocks_bounce_and_read_modify_write)
{
  static const uint32_t sizes[] = { 1024, 2048, 4096 };
  for (int i = 0; i < 3; i++) {
    sim_scsi_unit_config u;
    unit_defaults(&u);
    u.block_size = sizes[i];
    sim_stack s;
    open_stack(&s, i % 2, NULL, 0, &u);
    static uint8_t w[8192], r[8192], z[8192];
    for (int k = 0; k < 8192; k++)
      w[k] = (uint8_t)(k * 7 + i);
    /* 512-byte pieces that start and end inside target blocks. */
    ck_assert_int_eq(io(&s, 1, 1536, w, 3072), noErr);
    ck_assert_int_eq(io(&s, 0, 1536, r, 3072), noErr);
    ck_assert(memcmp(r, w, 3072) == 0);
    /* Neighbours kept what they had (zeros). */
    ck_assert_int_eq(io(&s, 0, 0, r, 1536), noErr);
    ck_assert(memcmp(r, z, 1536) == 0);
    ck_assert_int_eq(io(&s, 0, 4608, r, 512), noErr);
    ck_assert(memcmp(r, z, 512) == 0);
    ck_assert_int_eq(seen.violations, 0);
    ck_assert_int_eq(sim_stack_close(&s), 0);
  }
}
END_TEST

START_TEST(large_transfers_are_split)
{
  sim_stack s;
  open_stack(&s, 0, NULL, 0, NULL);
  static uint8_t buf[200 * 1024];
  int before = seen.submits;
  ck_assert_int_eq(io(&s, 0, 0, buf, sizeof buf), noErr); /* 64 KiB a task at most */
  ck_assert_int_eq(seen.submits - before, 4);
  ck_assert_int_eq(sim_stack_close(&s), 0);
}
END_TEST

START_TEST(requests_wait_for_openings)
{
  sim_stack s;
  open_stack(&s, 1, NULL, 2, NULL);
  static uint8_t buf[16 * 4096];
  ck_assert_int_eq(sim_stack_transfer(&s, 0, 0, buf, sizeof buf, 16, 4096, NULL), noErr);
  dm_scsi_stats st = dm_scsi_get_stats(s.ctrl);
  ck_assert_uint_le(st.max_owned, 2);
  ck_assert_uint_ge(st.tasks, 16);
  ck_assert_int_eq(seen.violations, 0);
  ck_assert_int_eq(sim_stack_close(&s), 0);
}
END_TEST

/* ---- errors and retries ------------------------------------------------------- */

static void fault(sim_scsi_unit_config *u, uint8_t kind, uint64_t after, uint64_t times)
{
  sim_scsi_fault *f = &u->faults[u->nfaults++];
  memset(f, 0, sizeof *f);
  f->kind = kind;
  f->opcode = -1;
  f->after = after;
  f->times = times;
}

START_TEST(sense_to_mac_errors_and_retries)
{
  uint8_t buf[512];
  sim_scsi_unit_config u;
  sim_stack s;

  /* MEDIUM ERROR: ioErr, no retry. */
  unit_defaults(&u);
  fault(&u, SIM_SCSI_FAULT_MEDIUM, 0, 0);
  u.faults[0].lba = 10;
  u.faults[0].count = 1;
  open_stack(&s, 0, NULL, 0, &u);
  int before = seen.submits;
  ck_assert_int_eq(io(&s, 0, 10 * 512, buf, 512), ioErr);
  ck_assert_int_eq(seen.submits - before, 1);
  ck_assert_int_eq(io(&s, 0, 11 * 512, buf, 512), noErr);
  sim_stack_close(&s);

  /* Write-protected: wPrErr; reads work. */
  unit_defaults(&u);
  u.read_only = 1;
  open_stack(&s, 1, NULL, 0, &u);
  ck_assert_int_eq(io(&s, 1, 0, buf, 512), wPrErr);
  ck_assert_int_eq(io(&s, 0, 0, buf, 512), noErr);
  sim_stack_close(&s);

  /* ABORTED COMMAND twice after start-up: retried, then fine. */
  unit_defaults(&u);
  fault(&u, SIM_SCSI_FAULT_SENSE, 5, 2);
  u.faults[0].key = SIM_SCSI_KEY_ABORTED_COMMAND;
  u.faults[0].asc = 0x47;
  open_stack(&s, 0, NULL, 0, &u);
  before = seen.submits;
  ck_assert_int_eq(io(&s, 0, 0, buf, 512), noErr);
  ck_assert_int_eq(seen.submits - before, 3);
  sim_stack_close(&s);

  /* ... and always: given up after the retries, ioErr. */
  unit_defaults(&u);
  fault(&u, SIM_SCSI_FAULT_SENSE, 5, 0);
  u.faults[0].key = SIM_SCSI_KEY_ABORTED_COMMAND;
  open_stack(&s, 0, NULL, 0, &u);
  before = seen.submits;
  ck_assert_int_eq(io(&s, 0, 0, buf, 512), ioErr);
  ck_assert_int_eq(seen.submits - before, 5);
  sim_stack_close(&s);

  /* NOT READY, medium not present: offLinErr. */
  unit_defaults(&u);
  fault(&u, SIM_SCSI_FAULT_SENSE, 5, 1);
  u.faults[0].key = SIM_SCSI_KEY_NOT_READY;
  u.faults[0].asc = 0x3A;
  open_stack(&s, 1, NULL, 0, &u);
  ck_assert_int_eq(io(&s, 0, 0, buf, 512), offLinErr);
  sim_stack_close(&s);

  /* A transfer beyond the medium or not in whole blocks: paramErr. */
  open_stack(&s, 0, NULL, 0, NULL);
  ck_assert_int_eq(io(&s, 0, DISK, buf, 512), paramErr);
  ck_assert_int_eq(seen.violations, 0);
  sim_stack_close(&s);
}
END_TEST

START_TEST(unit_attention_at_start_is_retried)
{
  sim_scsi_unit_config u;
  unit_defaults(&u);
  fault(&u, SIM_SCSI_FAULT_UA_AT_START, 0, 0);
  sim_stack s;
  open_stack(&s, 0, NULL, 0, &u);
  ck_assert_int_eq(seen.submits, 5); /* TUR (UA), TUR, INQUIRY, READ CAPACITY, MODE SENSE */
  uint8_t buf[512];
  ck_assert_int_eq(io(&s, 0, 0, buf, 512), noErr);
  sim_stack_close(&s);
}
END_TEST

/* ---- KillIO, Finalize, Control and Status ---------------------------------------- */

START_TEST(killio_aborts_a_hung_command)
{
  sim_scsi_unit_config u;
  unit_defaults(&u);
  fault(&u, SIM_SCSI_FAULT_TIMEOUT, 5, 1);
  for (int bundled = 0; bundled < 2; bundled++) {
    sim_stack s;
    open_stack(&s, bundled, NULL, 0, &u);
    dm_machine *prev = dm_machine_enter(s.m);
    static uint8_t b1[512], b2[512];
    ParamBlockRec r1, r2, k;
    memset(&r1, 0, sizeof r1);
    r1.ioParam.ioRefNum = s.ref;
    r1.ioParam.ioBuffer = (Ptr)b1;
    r1.ioParam.ioReqCount = 512;
    r1.ioParam.ioPosMode = fsFromStart;
    r2 = r1;
    r2.ioParam.ioBuffer = (Ptr)b2;
    r2.ioParam.ioPosOffset = 512;
    ck_assert_int_eq(PBReadAsync(&r1), noErr);
    ck_assert_int_eq(PBReadAsync(&r2), noErr);
    /* One second: well before the driver's 30 s task timeout. */
    sim_world_run(&s.w, 1000000000u, 0);
    ck_assert_int_gt(r1.ioParam.ioResult, 0); /* hung */
    ck_assert_int_eq(r2.ioParam.ioResult, noErr);
    memset(&k, 0, sizeof k);
    k.ioParam.ioRefNum = s.ref;
    ck_assert_int_eq(PBKillIOSync(&k), noErr);
    sim_world_run(&s.w, UINT64_MAX, 0);
    ck_assert_int_eq(r1.ioParam.ioResult, abortErr);
    dm_machine_leave(prev);
    ck_assert_int_eq(seen.violations, 0);
    sim_stack_close(&s);
  }
}
END_TEST

/* A target that stops answering: the driver's 30 s task timeout ends the
 * command (the HBA's watchdog aborts it), and it is retried: one hung try
 * costs 30 s, a target that never answers gives ioErr after five tries. */
START_TEST(task_timeout_ends_a_hung_command)
{
  for (int bundled = 0; bundled < 2; bundled++) {
    for (int never = 0; never < 2; never++) {
      sim_scsi_unit_config u;
      unit_defaults(&u);
      fault(&u, SIM_SCSI_FAULT_TIMEOUT, 5, never ? 0 : 1);
      sim_stack s;
      open_stack(&s, bundled, NULL, 0, &u);
      dm_machine *prev = dm_machine_enter(s.m);
      static uint8_t b1[512];
      ParamBlockRec r1;
      memset(&r1, 0, sizeof r1);
      r1.ioParam.ioRefNum = s.ref;
      r1.ioParam.ioBuffer = (Ptr)b1;
      r1.ioParam.ioReqCount = 512;
      r1.ioParam.ioPosMode = fsFromStart;
      uint64_t t0 = sim_world_now(&s.w);
      ck_assert_int_eq(PBReadAsync(&r1), noErr);
      sim_world_run(&s.w, t0 + 29000000000ull, 0);
      ck_assert_int_gt(r1.ioParam.ioResult, 0); /* still waiting at 29 s */
      sim_world_run(&s.w, UINT64_MAX, 0);
      uint64_t took = sim_world_now(&s.w) - t0;
      if (never) {
        ck_assert_int_eq(r1.ioParam.ioResult, ioErr);
        ck_assert_uint_ge(took, 150000000000ull);
        ck_assert_uint_le(took, 151000000000ull);
      } else {
        ck_assert_int_eq(r1.ioParam.ioResult, noErr);
        ck_assert_uint_ge(took, 30000000000ull);
        ck_assert_uint_le(took, 31000000000ull);
      }
      dm_machine_leave(prev);
      ck_assert_int_eq(seen.violations, 0);
      sim_stack_close(&s);
    }
  }
}
END_TEST

START_TEST(finalize_drains)
{
  sim_scsi_unit_config u;
  unit_defaults(&u);
  for (int c = 0; c < SIM_SCSI_CLASS_COUNT; c++) {
    u.latency.lat[c].kind = SIM_SCSI_LAT_FIXED;
    u.latency.lat[c].a = 1000000; /* 1 ms a command */
  }
  sim_stack s;
  open_stack(&s, 1, NULL, 2, &u);
  dm_machine *prev = dm_machine_enter(s.m);
  static uint8_t b[6][512];
  ParamBlockRec pb[6];
  for (int i = 0; i < 6; i++) {
    memset(&pb[i], 0, sizeof pb[i]);
    pb[i].ioParam.ioRefNum = s.ref;
    pb[i].ioParam.ioBuffer = (Ptr)b[i];
    pb[i].ioParam.ioReqCount = 512;
    pb[i].ioParam.ioPosMode = fsFromStart;
    pb[i].ioParam.ioPosOffset = 512 * i;
    ck_assert_int_eq(PBReadAsync(&pb[i]), noErr);
  }
  /* Removed at once: Finalize itself waits for every request, those
   * waiting for an opening included. */
  ck_assert_int_eq(dm_driver_remove(s.m, s.ref, 1), noErr);
  for (int i = 0; i < 6; i++)
    ck_assert_int_eq(pb[i].ioParam.ioResult, noErr);
  ck_assert_uint_eq(dm_machine_violations(s.m), 0);
  s.ref = 0;
  dm_machine_leave(prev);
  sim_stack_close(&s);
}
END_TEST

START_TEST(control_and_status_codes)
{
  sim_scsi_unit_config u;
  unit_defaults(&u);
  u.read_only = 1;
  sim_stack s;
  open_stack(&s, 0, NULL, 0, &u);
  dm_machine *prev = dm_machine_enter(s.m);
  CntrlParam cp;
  memset(&cp, 0, sizeof cp);
  cp.ioCRefNum = s.ref;
  cp.csCode = 8; /* drive status */
  ck_assert_int_eq(PBStatusSync((ParmBlkPtr)&cp), noErr);
  const unsigned char *st = (const unsigned char *)cp.csParam;
  ck_assert_uint_eq(st[2], 0x80); /* writeProt */
  ck_assert_uint_eq(st[3], 8);    /* a fixed disk in place */
  ck_assert_uint_eq(st[4], 1);    /* installed */
  cp.csCode = 43; /* Driver Gestalt 'devt' */
  cp.csParam[0] = 0x6465;
  cp.csParam[1] = 0x7674;
  ck_assert_int_eq(PBStatusSync((ParmBlkPtr)&cp), noErr);
  ck_assert_uint_eq((uint16_t)cp.csParam[2], 0x6469); /* 'di' */
  ck_assert_uint_eq((uint16_t)cp.csParam[3], 0x736B); /* 'sk' */
  cp.csParam[0] = 0x7878;
  ck_assert_int_eq(PBStatusSync((ParmBlkPtr)&cp), statusErr);
  cp.csCode = 99;
  ck_assert_int_eq(PBStatusSync((ParmBlkPtr)&cp), statusErr);
  cp.csCode = 5; /* verify */
  ck_assert_int_eq(PBControlSync((ParmBlkPtr)&cp), noErr);
  cp.csCode = 6; /* format */
  ck_assert_int_eq(PBControlSync((ParmBlkPtr)&cp), noErr);
  cp.csCode = 7; /* eject: a fixed disk cannot */
  ck_assert_int_eq(PBControlSync((ParmBlkPtr)&cp), controlErr);
  cp.csCode = 99;
  ck_assert_int_eq(PBControlSync((ParmBlkPtr)&cp), controlErr);
  dm_machine_leave(prev);
  sim_stack_close(&s);
}
END_TEST

/* ---- the HBA through the family, without the disk driver ---------------------------- */

static int hba_done;
static void hba_cb(SCSIFamilyTask *t)
{
  (void)t;
  hba_done++;
}

START_TEST(hba_timeout_autosense_and_task_management)
{
  sim_scsi_unit_config u;
  unit_defaults(&u);
  fault(&u, SIM_SCSI_FAULT_TIMEOUT, 5, 2); /* the first two commands after start-up hang */
  hba_done = 0;
  sim_stack s;
  open_stack(&s, 1, NULL, 0, &u);
  dm_machine *prev = dm_machine_enter(s.m);
  RegEntryID e;
  ck_assert_int_eq(dm_scsi_unit(s.ctrl, 0, 0, &e), 0);
  SCSIDeviceRef d;
  SCSIDeviceInfo info;
  ck_assert_int_eq(SCSIFamilyOpenDevice(&e, 0, &d, &info), noErr);
  ck_assert(info.autoSense);
  static uint8_t buf[512];
  SCSIFamilyTask t1, t2, t3;
  memset(&t1, 0, sizeof t1);
  t1.cdb[0] = 0x28;
  t1.cdb[8] = 1;
  t1.cdbLength = 10;
  t1.direction = kSCSIDataTransfer_FromTargetToInitiator;
  t1.buffer = buf;
  t1.transferCount = 512;
  t1.completion = hba_cb;
  t1.timeoutMs = 100;
  t2 = t1;
  t2.timeoutMs = 0;
  uint64_t t0 = sim_world_now(&s.w);
  ck_assert_int_eq(SCSIFamilySubmit(d, &t1), noErr);
  ck_assert_int_eq(SCSIFamilySubmit(d, &t2), noErr);
  sim_world_run(&s.w, UINT64_MAX, 0);
  /* The watchdog ended t1 after its 100 ms (within a 250 ms round). */
  ck_assert_int_eq(hba_done, 1);
  ck_assert_uint_eq(t1.serviceResponse, kSCSIServiceResponse_SERVICE_DELIVERY_OR_TARGET_FAILURE);
  ck_assert_uint_eq(t1.taskStatus, kSCSITaskStatus_TaskTimeoutOccurred);
  ck_assert_uint_ge(sim_world_now(&s.w) - t0, 100000000u);
  /* t2 has no timeout: only task management ends it. */
  ck_assert_uint_eq(SCSIFamilyOutstanding(d), 1);
  ck_assert_int_eq(SCSIFamilyAbortTask(d, &t2), noErr);
  sim_world_run(&s.w, UINT64_MAX, 0);
  ck_assert_int_eq(hba_done, 2);
  ck_assert_uint_eq(t2.taskStatus, kSCSITaskStatus_DeliveryFailure);
  /* A LOGICAL UNIT RESET leaves a UNIT ATTENTION, returned with autosense. */
  ck_assert_int_eq(SCSIFamilyLogicalUnitReset(d), noErr);
  t3 = t1;
  t3.timeoutMs = 0;
  ck_assert_int_eq(SCSIFamilyExecute(d, &t3), noErr);
  ck_assert_uint_eq(t3.serviceResponse, kSCSIServiceResponse_TASK_COMPLETE);
  ck_assert_uint_eq(t3.taskStatus, kSCSITaskStatus_CHECK_CONDITION);
  ck_assert_uint_ge(t3.senseLength, 14);
  ck_assert_uint_eq(t3.sense[2] & 0x0F, kSENSE_KEY_UNIT_ATTENTION);
  ck_assert_uint_eq(t3.sense[12], 0x29);
  ck_assert_int_eq(SCSIFamilyTargetReset(d), noErr);
  ck_assert_int_eq(seen.violations, 0);
  SCSIFamilyCloseDevice(d);
  dm_machine_leave(prev);
  sim_stack_close(&s);
}
END_TEST

START_TEST(controller_from_a_shared_object)
{
  const SCSIControllerDescription *desc = NULL;
  char err[600];
  ck_assert_msg(dm_scsi_load_so("build/drivers/scsi/hba.so", &desc, err, sizeof err) == 0, "%s",
                err);
  ck_assert_str_eq(desc->name, "DMSimHBA");
  ck_assert_int_eq(dm_scsi_load_so("build/drivers/null.so", &desc, err, sizeof err), -1);
  ck_assert_ptr_nonnull(strstr(err, "TheSCSIControllerDescription"));
  ck_assert_int_eq(dm_scsi_load_so("build/drivers/scsi/hba.so", &desc, err, sizeof err), 0);
  sim_stack s;
  memset(&seen, 0, sizeof seen);
  sim_stack_config c = { 0 };
  c.memory_bytes = DISK;
  c.bundled = 1;
  c.desc = desc;
  c.check = DM_CHECK_STRICT;
  c.trace = on_trace;
  ck_assert_msg(sim_stack_open(&s, &c, err, sizeof err) == 0, "%s", err);
  static uint8_t w[8192], r[8192];
  for (int i = 0; i < 8192; i++)
    w[i] = (uint8_t)i;
  ck_assert_int_eq(sim_stack_transfer(&s, 1, 4096, w, 8192, 4, 2048, NULL), noErr);
  ck_assert_int_eq(sim_stack_transfer(&s, 0, 4096, r, 8192, 4, 2048, NULL), noErr);
  ck_assert(memcmp(r, w, 8192) == 0);
  ck_assert_uint_ge(seen.max_bundle, 2);
  sim_stack_close(&s);
}
END_TEST

/* 32 reads due at one instant: the per-task path returns each in a call
 * of its own, the bundled path all 32 in one call; both at secondary
 * interrupt level, whatever level DMSimHBA took each completion at. */
START_TEST(completions_return_at_sih_in_one_call_per_instant)
{
  static uint8_t buf[32 * 4096];
  for (int bundled = 0; bundled < 2; bundled++) {
    sim_stack s;
    open_stack(&s, bundled, NULL, 0, NULL);
    memset(&seen, 0, sizeof seen); /* Initialize's commands are not counted */
    ck_assert_int_eq(sim_stack_transfer(&s, 0, 0, buf, sizeof buf, 32, 4096, NULL), noErr);
    ck_assert_int_eq(seen.returns, 32);
    ck_assert_int_eq(seen.returns_not_sih, 0);
    ck_assert_uint_eq(seen.max_returned, bundled ? 32 : 1);
    ck_assert_int_eq(seen.violations, 0);
    sim_stack_close(&s);
  }
}
END_TEST

Suite *scsi_stack_suite(void)
{
  Suite *s = suite_create("scsi_stack");
  TCase *tc = tcase_create("stack");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, random_ranges_match_the_image);
  tcase_add_test(tc, positions_follow_ioposmode);
  tcase_add_test(tc, large_blocks_bounce_and_read_modify_write);
  tcase_add_test(tc, large_transfers_are_split);
  tcase_add_test(tc, requests_wait_for_openings);
  tcase_add_test(tc, sense_to_mac_errors_and_retries);
  tcase_add_test(tc, unit_attention_at_start_is_retried);
  tcase_add_test(tc, killio_aborts_a_hung_command);
  tcase_add_test(tc, task_timeout_ends_a_hung_command);
  tcase_add_test(tc, finalize_drains);
  tcase_add_test(tc, control_and_status_codes);
  tcase_add_test(tc, hba_timeout_autosense_and_task_management);
  tcase_add_test(tc, controller_from_a_shared_object);
  tcase_add_test(tc, completions_return_at_sih_in_one_call_per_instant);
  suite_add_tcase(s, tc);
  return s;
}
