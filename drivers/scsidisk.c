/*
 * scsidisk.c - ".SCSIDisk": a SCSI disk driver (CAM's peripheral driver,
 * like scsi_da), a concurrent native driver with kDriverQueuesIOPB that
 * sends its tasks through the SCSI controller family (SCSIFamily.h).
 *
 * Initialize finds its logical unit: TEST UNIT READY, retried through
 * UNIT ATTENTION and "becoming ready"; INQUIRY; READ CAPACITY (16 when the
 * capacity needs it); MODE SENSE for write protection. No unit: nsDrvErr.
 *
 * Read and Write move whole 512-byte blocks from dCtlPosition (positioned
 * by the Device Manager from ioPosMode and ioPosOffset; fsFromLEOF counts
 * from the end of the medium), which the driver moves on by ioReqCount as
 * it accepts each request, so fsAtMark requests follow each other. A
 * position or count that is not a multiple of 512, or a transfer beyond
 * the medium, is paramErr. The target may have any block size: a 512-byte
 * block that is part of a larger target block is read through a bounce
 * block, and written by reading, modifying and writing that block. A
 * transfer larger than the controller's limit is split into several tasks,
 * one after the other.
 *
 * Each request in service has a job (one per opening the family grants);
 * requests beyond them wait, in order, on the driver's own queue. A task
 * that fails is retried where SCSI says it may help (scsisense.h), up to
 * four times; other failures complete the request with a Mac error.
 * KillIO aborts every task the driver has out and completes its requests
 * with abortErr (those waiting at once, those in service when the
 * controller gives their tasks back). Finalize lets everything finish.
 *
 * Control: 5 (verify: TEST UNIT READY), 6 (format: nothing to do for a
 * SCSI disk here; answers noErr once the unit is ready, data kept), 7
 * (eject: START STOP UNIT on removable media, controlErr otherwise);
 * others controlErr. Status: 8 (drive status, a DrvSts), 43 (Driver
 * Gestalt: 'devt' 'disk', 'intf' 'scsi', 'sync' false, 'vers'); others
 * statusErr. Verify, format and eject wait for their task (task level).
 */
#include <string.h>

#include "Devices.h"
#include "DriverServices.h"
#include "DriverFamilyMatching.h"
#include "SCSIFamily.h"
#include "instance.h"
#include "scsisense.h"

DriverDescription TheDriverDescription = {
  kTheDescriptionSignature,
  kInitialDriverDescriptor,
  { "\010scsidisk", { 1, 0, finalStage, 0 } },
  { kDriverIsConcurrent | kDriverQueuesIOPB, "\011.SCSIDisk", { 0 } },
  { 1, { { kServiceCategoryNdrvDriver, kNdrvTypeIsBlockStorage, { 1, 0, finalStage, 0 } } } },
};

#define kBlock 512u
#define kRetries 4
/* Every task's timeout (fTimeoutInMilliSec): the controller aborts a command
 * not answered by then, and a timeout is retried as a BUSY is. 30 s, as
 * Linux's sd gives a read or write (SD_TIMEOUT): far beyond any latency a
 * working disk shows, so that only a target that stopped answering hits it. */
#define kTimeoutMs 30000u

enum { kPhaseDirect = 0, kPhaseBounceRead, kPhaseRMWRead, kPhaseRMWWrite };

typedef struct Disk Disk;

typedef struct Job {
  SCSIFamilyTask task;
  Disk          *disk;
  ParmBlkPtr     pb;      /* the request in service, or NULL */
  UInt8         *user;    /* its buffer */
  UInt8         *bounce;  /* one target block */
  UInt64         pos;     /* next byte on the medium */
  UInt32         done, total, chunk, offset;
  UInt8          write, phase, retries, killed;
  UInt32         next;    /* free list */
} Job;

typedef struct Held {
  ParmBlkPtr pb;
  UInt64     pos;
} Held;

struct Disk {
  DCtlPtr        dce;            /* its own, found once at Initialize */
  SCSIDeviceRef  dev;
  SCSIDeviceInfo info;
  UInt32         blockSize;      /* the target's */
  UInt64         bytes;          /* capacity */
  UInt32         maxBlocks;      /* target blocks per task */
  Boolean        writeProtected, removable, ejected;
  Job           *jobs;
  UInt32         njobs, freeJob, active;
  Held          *held;           /* FIFO ring of requests waiting for a job */
  UInt32         heldCap, heldHead, heldCount;
};

static InstanceSlot instances[INSTANCE_MAX];

/* ---- building tasks ----------------------------------------------------------- */

static inline void PutBE(UInt8 *p, UInt64 v, int n)
{
  for (int i = n - 1; i >= 0; i--, v >>= 8)
    p[i] = (UInt8)v;
}

static UInt64 GetBE(const UInt8 *p, int n)
{
  UInt64 v = 0;
  for (int i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

static void Command(SCSIFamilyTask *t, const UInt8 *cdb, UInt8 len, UInt8 dir, void *buf,
                    UInt32 count)
{
  SCSIFamilyCompletionProc completion = t->completion;
  void *refCon = t->refCon;
  memset(t->cdb, 0, sizeof t->cdb);
  memcpy(t->cdb, cdb, len);
  t->cdbLength = len;
  t->direction = dir;
  t->buffer = buf;
  t->transferCount = count;
  t->timeoutMs = kTimeoutMs;
  t->completion = completion;
  t->refCon = refCon;
}

/* READ or WRITE of n target blocks at lba: the 10-byte form where it
 * reaches, the 16-byte one beyond. Written straight into the task (the
 * path of every request: no CDB built aside and copied). */
static void ReadWrite(SCSIFamilyTask *t, Boolean write, UInt64 lba, UInt32 n, void *buf,
                      UInt32 bytes)
{
  UInt8 *c = t->cdb;
  memset(c, 0, sizeof t->cdb);
  if (lba + n <= 0xFFFFFFFFull && n <= 0xFFFF) {
    c[0] = write ? 0x2A : 0x28;
    PutBE(c + 2, lba, 4);
    PutBE(c + 7, n, 2);
    t->cdbLength = 10;
  } else {
    c[0] = write ? 0x8A : 0x88;
    PutBE(c + 2, lba, 8);
    PutBE(c + 10, n, 4);
    t->cdbLength = 16;
  }
  t->direction =
      write ? kSCSIDataTransfer_FromInitiatorToTarget : kSCSIDataTransfer_FromTargetToInitiator;
  t->buffer = buf;
  t->transferCount = bytes;
  t->timeoutMs = kTimeoutMs;
}

/* Send one task and wait for it (task level), retrying as SCSI allows:
 * noErr or the Mac error. */
static OSErr Execute(Disk *d, SCSIFamilyTask *t, int tries)
{
  OSErr err = ioErr;
  for (int i = 0; i < tries; i++) {
    OSStatus st = SCSIFamilyExecute(d->dev, t);
    if (st != noErr)
      return st == kSCSIFamilyNoOpening ? ioErr : (OSErr)st;
    err = SenseResult(t);
    if (err != kSenseRetry)
      return err;
  }
  return err == kSenseRetry ? ioErr : err;
}

static OSErr Simple(Disk *d, const UInt8 *cdb, UInt8 len, void *buf, UInt32 count, int tries)
{
  SCSIFamilyTask t;
  memset(&t, 0, sizeof t);
  Command(&t, cdb, len, buf != NULL ? kSCSIDataTransfer_FromTargetToInitiator
                                    : kSCSIDataTransfer_NoDataTransfer, buf, count);
  return Execute(d, &t, tries);
}

/* ---- finding the unit ------------------------------------------------------------- */

static OSErr Probe(Disk *d)
{
  static const UInt8 tur[6] = { 0x00 };
  OSErr err = Simple(d, tur, 6, NULL, 0, 8);
  if (err != noErr)
    return err == offLinErr ? nsDrvErr : err;
  UInt8 inq[36];
  UInt8 cdb[16] = { 0x12, 0, 0, 0, sizeof inq, 0 };
  if ((err = Simple(d, cdb, 6, inq, sizeof inq, kRetries)) != noErr)
    return err;
  UInt8 type = inq[0] & 0x1F;
  if ((inq[0] & 0xE0) != 0 || (type != 0x00 && type != 0x05 && type != 0x07))
    return nsDrvErr; /* not a block device we can serve */
  d->removable = (inq[1] & 0x80) != 0;
  UInt8 cap[32];
  memset(cdb, 0, sizeof cdb);
  cdb[0] = 0x25;
  if ((err = Simple(d, cdb, 10, cap, 8, kRetries)) != noErr)
    return err;
  UInt64 last = GetBE(cap, 4);
  d->blockSize = (UInt32)GetBE(cap + 4, 4);
  if (last == 0xFFFFFFFFull) {
    memset(cdb, 0, sizeof cdb);
    cdb[0] = 0x9E;
    cdb[1] = 0x10;
    PutBE(cdb + 10, 32, 4);
    if ((err = Simple(d, cdb, 16, cap, 32, kRetries)) != noErr)
      return err;
    last = GetBE(cap, 8);
    d->blockSize = (UInt32)GetBE(cap + 8, 4);
  }
  if (d->blockSize == 0 || (d->blockSize % kBlock != 0 && kBlock % d->blockSize != 0))
    return nsDrvErr;
  d->bytes = (last + 1) * d->blockSize;
  UInt8 mode[4];
  memset(cdb, 0, sizeof cdb);
  cdb[0] = 0x1A;
  cdb[2] = 0x3F;
  cdb[4] = sizeof mode;
  if (Simple(d, cdb, 6, mode, sizeof mode, kRetries) == noErr)
    d->writeProtected = (mode[2] & 0x80) != 0;
  UInt64 most = d->info.maxTransferSize / d->blockSize;
  d->maxBlocks = most == 0 ? 1 : most > 0xFFFF ? 0xFFFF : (UInt32)most;
  return noErr;
}

/* ---- requests ------------------------------------------------------------------------ */

static void Issue(Job *j);
static void StartHeld(Disk *d);

static void Finish(Job *j, OSErr result)
{
  Disk *d = j->disk;
  ParmBlkPtr pb = j->pb;
  pb->ioParam.ioActCount = (long)j->done;
  j->pb = NULL;
  j->next = d->freeJob;
  d->freeJob = (UInt32)(j - d->jobs);
  d->active--;
  IOCommandIsComplete((IOCommandID)pb->ioParam.ioCmdAddr, result);
  StartHeld(d);
}

/* The next task of j's request, or its completion when all is moved. */
static void Step(Job *j)
{
  Disk *d = j->disk;
  UInt32 left = j->total - j->done;
  if (left == 0) {
    Finish(j, noErr);
    return;
  }
  UInt32 bs = d->blockSize;
  UInt64 lba = j->pos / bs;
  j->retries = 0;
  if (j->pos % bs == 0 && left >= bs) {
    UInt32 n = left / bs;
    if (n > d->maxBlocks)
      n = d->maxBlocks;
    j->phase = kPhaseDirect;
    j->chunk = n * bs;
    ReadWrite(&j->task, j->write, lba, n, j->user + j->done, j->chunk);
  } else {
    /* Part of one target block: through the bounce block. */
    j->offset = (UInt32)(j->pos % bs);
    j->chunk = bs - j->offset < left ? bs - j->offset : left;
    j->phase = j->write ? kPhaseRMWRead : kPhaseBounceRead;
    ReadWrite(&j->task, false, lba, 1, j->bounce, bs);
  }
  Issue(j);
}

static void Issue(Job *j)
{
  OSStatus err = SCSIFamilySubmit(j->disk->dev, &j->task);
  if (err != noErr) /* the family refused: nothing will complete the task */
    Finish(j, err == kSCSIFamilyNoOpening ? ioErr : (OSErr)err);
}

/* Secondary interrupt level: a task of a job finished. */
static void TaskDone(SCSIFamilyTask *t)
{
  Job *j = t->refCon;
  if (j->killed) {
    Finish(j, abortErr);
    return;
  }
  OSErr err = SenseResult(t);
  if (err == kSenseRetry && ++j->retries <= kRetries) {
    Issue(j);
    return;
  }
  if (err != noErr) {
    Finish(j, err == kSenseRetry ? ioErr : err);
    return;
  }
  switch (j->phase) {
  case kPhaseBounceRead:
    memcpy(j->user + j->done, j->bounce + j->offset, j->chunk);
    break;
  case kPhaseRMWRead:
    memcpy(j->bounce + j->offset, j->user + j->done, j->chunk);
    j->phase = kPhaseRMWWrite;
    ReadWrite(&j->task, true, j->pos / j->disk->blockSize, 1, j->bounce, j->disk->blockSize);
    j->retries = 0;
    Issue(j);
    return;
  default:
    break;
  }
  j->done += j->chunk;
  j->pos += j->chunk;
  Step(j);
}

static void Begin(Disk *d, ParmBlkPtr pb, UInt64 pos)
{
  Job *j = &d->jobs[d->freeJob];
  d->freeJob = j->next;
  d->active++;
  j->pb = pb;
  j->user = (UInt8 *)pb->ioParam.ioBuffer;
  j->pos = pos;
  j->done = 0;
  j->total = (UInt32)pb->ioParam.ioReqCount;
  j->write = (pb->ioParam.ioTrap & 0xFF) == aWrCmd;
  j->killed = 0;
  j->task.ioCommand = (IOCommandID)pb->ioParam.ioCmdAddr;
  Step(j);
}

static void StartHeld(Disk *d)
{
  while (d->heldCount > 0 && d->freeJob < d->njobs) {
    Held h = d->held[d->heldHead];
    d->heldHead = (d->heldHead + 1) % d->heldCap;
    d->heldCount--;
    Begin(d, h.pb, h.pos);
  }
}

/* Keeps pb waiting for a job: the ring doubles when full. false when out
 * of memory. */
static Boolean Hold(Disk *d, ParmBlkPtr pb, UInt64 pos)
{
  if (d->heldCount == d->heldCap) {
    UInt32 n = d->heldCap ? d->heldCap * 2 : 64;
    Held *r = PoolAllocateResident(n * sizeof *r, false);
    if (r == NULL)
      return false;
    for (UInt32 i = 0; i < d->heldCount; i++)
      r[i] = d->held[(d->heldHead + i) % d->heldCap];
    PoolDeallocate(d->held);
    d->held = r;
    d->heldCap = n;
    d->heldHead = 0;
  }
  d->held[(d->heldHead + d->heldCount) % d->heldCap] = (Held){ pb, pos };
  d->heldCount++;
  return true;
}

/* A Read or Write reaches the driver: its position taken from the mark,
 * the mark moved past it. */
static OSErr Accept(Disk *d, IOCommandID id, ParmBlkPtr pb, DCtlPtr dce)
{
  UInt64 pos = (UInt64)dce->dCtlPosition;
  long count = pb->ioParam.ioReqCount;
  if ((pb->ioParam.ioPosMode & 3) == fsFromLEOF)
    pos = d->bytes + (UInt64)(SInt64)pb->ioParam.ioPosOffset;
  if (d->ejected)
    return IOCommandIsComplete(id, offLinErr);
  if (count < 0 || pos % kBlock != 0 || (UInt64)count % kBlock != 0 || pos > d->bytes ||
      (UInt64)count > d->bytes - pos)
    return IOCommandIsComplete(id, paramErr);
  dce->dCtlPosition = (long)(pos + (UInt64)count);
  if (d->freeJob < d->njobs && d->heldCount == 0) {
    Begin(d, pb, pos);
    return noErr;
  }
  if (!Hold(d, pb, pos))
    return IOCommandIsComplete(id, memFullErr);
  return noErr;
}

/* An immediate Read or Write: done now, one task at a time (task level). */
static OSErr Immediate(Disk *d, ParmBlkPtr pb, DCtlPtr dce)
{
  UInt64 pos = (UInt64)dce->dCtlPosition;
  UInt32 count = (UInt32)pb->ioParam.ioReqCount;
  Boolean write = (pb->ioParam.ioTrap & 0xFF) == aWrCmd;
  if (CurrentExecutionLevel() != kTaskLevel || d->blockSize > kBlock)
    return paramErr;
  if (pos % kBlock != 0 || count % kBlock != 0 || pos + count > d->bytes)
    return paramErr;
  UInt32 done = 0;
  while (done < count) {
    UInt32 n = (count - done) / d->blockSize;
    if (n > d->maxBlocks)
      n = d->maxBlocks;
    SCSIFamilyTask t;
    memset(&t, 0, sizeof t);
    ReadWrite(&t, write, (pos + done) / d->blockSize, n, (UInt8 *)pb->ioParam.ioBuffer + done,
              n * d->blockSize);
    OSErr err = Execute(d, &t, kRetries + 1);
    if (err != noErr) {
      pb->ioParam.ioActCount = (long)done;
      return err;
    }
    done += n * d->blockSize;
  }
  pb->ioParam.ioActCount = (long)done;
  dce->dCtlPosition = (long)(pos + count);
  return noErr;
}

/* KillIO: requests waiting complete at once; tasks out are aborted and
 * their requests complete when the tasks come back. */
static void KillAll(Disk *d)
{
  while (d->heldCount > 0) {
    Held h = d->held[d->heldHead];
    d->heldHead = (d->heldHead + 1) % d->heldCap;
    d->heldCount--;
    h.pb->ioParam.ioActCount = 0;
    IOCommandIsComplete((IOCommandID)h.pb->ioParam.ioCmdAddr, abortErr);
  }
  for (UInt32 i = 0; i < d->njobs; i++)
    if (d->jobs[i].pb != NULL)
      d->jobs[i].killed = 1;
  if (d->active > 0)
    (void)SCSIFamilyAbortTaskSet(d->dev);
}

/* ---- control and status --------------------------------------------------------------- */

typedef struct DrvSts {
  short track;
  char  writeProt;   /* bit 7 set: locked */
  char  diskInPlace; /* 8: fixed, not ejectable; 1: ejectable medium in place */
  char  installed;
  char  sides;
} DrvSts;

static OSErr DiskControl(Disk *d, CntrlParam *cp)
{
  static const UInt8 tur[6] = { 0x00 };
  UInt8 stop[6] = { 0x1B, 0, 0, 0, 0x02, 0 }; /* LoEj, stop */
  switch (cp->csCode) {
  case 5: /* verify */
  case 6: /* format */
    if (CurrentExecutionLevel() != kTaskLevel)
      return controlErr;
    return d->ejected ? offLinErr : Simple(d, tur, 6, NULL, 0, kRetries + 1);
  case 7: /* eject */
    if (!d->removable)
      return controlErr;
    if (CurrentExecutionLevel() != kTaskLevel)
      return controlErr;
    if (Simple(d, stop, 6, NULL, 0, kRetries + 1) != noErr)
      return controlErr;
    d->ejected = true;
    return noErr;
  default:
    return controlErr;
  }
}

static OSErr DiskStatus(Disk *d, CntrlParam *cp)
{
  switch (cp->csCode) {
  case 8: { /* drive status */
    DrvSts s;
    memset(&s, 0, sizeof s);
    s.writeProt = d->writeProtected ? (char)0x80 : 0;
    s.diskInPlace = d->ejected ? 0 : d->removable ? 1 : 8;
    s.installed = 1;
    memcpy(cp->csParam, &s, sizeof s);
    return noErr;
  }
  case 43: { /* Driver Gestalt: selector in csParam[0..1], response in [2..3] */
    OSType sel = ((OSType)(UInt16)cp->csParam[0] << 16) | (UInt16)cp->csParam[1];
    UInt32 answer;
    switch (sel) {
    case 0x64657674: answer = 0x6469736B; break; /* 'devt': 'disk' */
    case 0x696E7466: answer = 0x73637369; break; /* 'intf': 'scsi' */
    case 0x73796E63: answer = 0; break;          /* 'sync': asynchronous */
    case 0x76657273: answer = 0x01008000; break; /* 'vers': 1.0 final */
    default: return statusErr;
    }
    cp->csParam[2] = (short)(answer >> 16);
    cp->csParam[3] = (short)(answer & 0xFFFF);
    return noErr;
  }
  default:
    return statusErr;
  }
}

/* ---- the driver's life ---------------------------------------------------------------- */

static void FreeDisk(Disk *d)
{
  for (UInt32 i = 0; d->jobs != NULL && i < d->njobs; i++)
    PoolDeallocate(d->jobs[i].bounce);
  PoolDeallocate(d->jobs);
  PoolDeallocate(d->held);
  if (d->dev != NULL)
    SCSIFamilyCloseDevice(d->dev);
}

static OSErr Initialize(short ref, const RegEntryID *device)
{
  Disk *d = InstanceCreate(instances, ref, sizeof *d);
  if (d == NULL)
    return memFullErr;
  d->dce = *GetDCtlEntry(ref);
  OSErr err = (OSErr)SCSIFamilyOpenDevice(device, ref, &d->dev, &d->info);
  if (err == noErr)
    err = Probe(d);
  if (err == noErr) {
    d->njobs = d->info.openings;
    d->jobs = PoolAllocateResident(d->njobs * sizeof *d->jobs, true);
    err = d->jobs == NULL ? memFullErr : noErr;
  }
  for (UInt32 i = 0; err == noErr && i < d->njobs; i++) {
    Job *j = &d->jobs[i];
    j->disk = d;
    j->next = i + 1;
    j->task.completion = TaskDone;
    j->task.refCon = j;
    j->bounce = PoolAllocateResident(d->blockSize > kBlock ? d->blockSize : kBlock, false);
    if (j->bounce == NULL)
      err = memFullErr;
  }
  if (err != noErr) {
    FreeDisk(d);
    InstanceDestroy(instances, ref);
  }
  return err;
}

static OSErr Finalize(short ref, Disk *d)
{
  if (d != NULL) {
    /* Drain: every request accepted finishes, waiting ones included. */
    while (d->active > 0 || d->heldCount > 0)
      if (SCSIFamilyWaitIdle(d->dev) != noErr)
        break;
    if (d->active > 0 || d->heldCount > 0)
      KillAll(d); /* nothing could complete them */
    FreeDisk(d);
  }
  InstanceDestroy(instances, ref);
  return noErr;
}

OSStatus DoDriverIO(AddressSpaceID spaceID, IOCommandID cmdID, IOCommandContents contents,
                    IOCommandCode cmdCode, IOCommandKind cmdKind)
{
  (void)spaceID;
  short ref = CommandRefNum(contents, cmdCode);
  Disk *d = InstanceFind(instances, ref);
  Boolean immediate = (cmdKind & kImmediateIOCommandKind) != 0;
  OSErr err = noErr;
  switch (cmdCode) {
  case kInitializeCommand:
  case kReplaceCommand:
    return Initialize(ref, &contents.initialInfo->deviceEntry);
  case kFinalizeCommand:
  case kSupersededCommand:
    return Finalize(ref, d);
  case kOpenCommand:
  case kCloseCommand:
    return noErr;
  case kKillIOCommand:
    if (d != NULL)
      KillAll(d);
    return noErr;
  case kReadCommand:
  case kWriteCommand: {
    if (d == NULL)
      err = nsDrvErr;
    else if (immediate)
      return Immediate(d, contents.pb, d->dce);
    else
      return Accept(d, cmdID, contents.pb, d->dce);
    break;
  }
  case kControlCommand:
    err = d != NULL ? DiskControl(d, &contents.pb->cntrlParam) : nsDrvErr;
    break;
  case kStatusCommand:
    err = d != NULL ? DiskStatus(d, &contents.pb->cntrlParam) : nsDrvErr;
    break;
  default:
    err = immediate ? noErr : controlErr;
    break;
  }
  if (immediate)
    return err;
  return IOCommandIsComplete(cmdID, err);
}
