/*
 * task.c - a task's way through the SCSI controller family: submitted by a
 * disk driver into a free slot, written into the command buffer, carried
 * down to the controller (one task per UserProcessParallelTask, or up to 32
 * slot indices per UserProcessBundledParallelTasks), completed by the
 * controller (ParallelTaskCompletion with the response copied, or
 * BundledParallelTaskCompletion returning slots whose responses sit in the
 * response buffer), checked, carried up, and finished: results into the
 * caller's task, the slot freed, the completion routine called at
 * secondary interrupt level.
 *
 * Checked mode (every mode but DM_CHECK_OFF) reports each broken ownership
 * rule with the task's history. A rejected completion changes nothing: the
 * slot stays where it was.
 */
#include <string.h>

#include "scsi-int.h"

bool scsi_fifo_unlink(dm_scsi_ctrl *c, scsi_fifo *f, uint32_t k)
{
  uint32_t prev = SCSI_NO_SLOT;
  for (uint32_t i = f->head; i != SCSI_NO_SLOT; prev = i, i = c->slots[i].next) {
    if (i != k)
      continue;
    if (prev == SCSI_NO_SLOT)
      f->head = c->slots[k].next;
    else
      c->slots[prev].next = c->slots[k].next;
    if (f->tail == k)
      f->tail = prev;
    return true;
  }
  return false;
}

void scsi_at_sih(dm_scsi_ctrl *c, void (*fn)(void *), void *arg)
{
  dm_machine_run_at(c->m, DM_LVL_SIH, fn, arg);
}

static void arm_after(dm_scsi_ctrl *c, dm_event *ev, uint64_t delay)
{
  const dm_platform *p = &c->m->cfg.platform;
  ev->t = dm__now(c->m) + delay;
  p->arm(p->ctx, ev);
}

/* ---- down: submission and hand-over ---------------------------------------- */

/* Starts a call down when the channel is free and slots wait. The
 * per-task path sends the oldest slot at once. The bundled path first lets
 * the current instant end (a zero-delay gathering event), so that every
 * task submitted at this instant travels in the call, up to 32. */
static void down_start(dm_scsi_ctrl *c)
{
  if (c->down_busy || c->down.head == SCSI_NO_SLOT)
    return;
  c->down_busy = true;
  if (c->bundled) {
    c->down_gathering = true;
    arm_after(c, &c->down_ev, 0);
    return;
  }
  c->down_gathering = false;
  c->transit[0] = scsi_fifo_pop(c, &c->down);
  c->slots[c->transit[0]].state = SLOT_CROSSING_DOWN;
  c->ntransit = 1;
  arm_after(c, &c->down_ev, c->crossing_ns);
}

/* The gathering is over: the call leaves with what waits now. */
static void down_depart(dm_scsi_ctrl *c)
{
  uint16_t most = kMaxBundledParallelTasks;
  c->down_gathering = false;
  c->ntransit = 0;
  while (c->ntransit < most && c->down.head != SCSI_NO_SLOT) {
    uint32_t k = scsi_fifo_pop(c, &c->down);
    c->slots[k].state = SLOT_CROSSING_DOWN;
    c->transit[c->ntransit++] = k;
  }
  arm_after(c, &c->down_ev, c->crossing_ns);
}

static void fill_command(dm_scsi_ctrl *c, uint32_t k, const scsi_dev *d, SCSIFamilyTask *t)
{
  SCSIUserParallelTask *p = &c->cmd[k];
  *p = (SCSIUserParallelTask){
    .version = kScsiUserParallelTaskCurrentVersion1,
    .fTargetID = d->target,
    .fControllerTaskIdentifier = c->slots[k].hba_id,
    .fRequestedTransferCount = t->transferCount,
    .fBufferIOVMAddr = (uint64_t)(uintptr_t)t->buffer,
    .fTaskAttribute = kSCSITask_SIMPLE,
    .fTaskTagIdentifier = c->slots[k].tag,
    /* SAM peripheral addressing for LUNs below 256. */
    .fLogicalUnitBytes = { 0, (uint8_t)d->lun },
    .fCommandSize = t->cdbLength,
    .fTransferDirection = t->direction,
    .fTimeoutInMilliSec = t->timeoutMs,
  };
  /* All 16 bytes, a fixed-size copy (a variable one costs more than the
   * bytes): those beyond cdbLength are the caller's zeros. */
  memcpy(p->fCommandDescriptorBlock, t->cdb, sizeof p->fCommandDescriptorBlock);
}

OSStatus SCSIFamilySubmit(SCSIDeviceRef device, SCSIFamilyTask *task)
{
  scsi_dev *d = (scsi_dev *)device;
  if (d == NULL || task == NULL || task->completion == NULL)
    return paramErr;
  dm_scsi_ctrl *c = d->c;
  uint8_t n = task->cdbLength;
  if ((n != 6 && n != 10 && n != 12 && n != 16) ||
      task->direction > kSCSIDataTransfer_FromTargetToInitiator ||
      (task->direction != kSCSIDataTransfer_NoDataTransfer && task->buffer == NULL))
    return paramErr;
  if (!c->started)
    return offLinErr;
  if (d->outstanding >= d->openings || c->free.head == SCSI_NO_SLOT)
    return kSCSIFamilyNoOpening;
  uint32_t k = scsi_fifo_pop(c, &c->free);
  scsi_slot *s = &c->slots[k];
  s->task = task;
  s->dev = d;
  s->tag = ++c->next_tag;
  s->t_submit = dm__now(c->m);
  s->dm_id = (uint64_t)(uintptr_t)task->ioCommand;
  s->opcode = task->cdb[0];
  s->bundle_in = s->bundle_out = 0;
  s->done_once = 0;
  s->state = SLOT_QUEUED;
  task->familySlot = k;
  task->familyTag = s->tag;
  d->outstanding++;
  fill_command(c, k, d, task);
  scsi_trace(c, DM_EV_SCSI_SUBMIT, k, 0);
  scsi_fifo_push(c, &c->down, k);
  down_start(c);
  return noErr;
}

void scsi_local_fail(dm_scsi_ctrl *c, uint32_t k, SCSIServiceResponse service,
                     SCSITaskStatus status)
{
  SCSIUserParallelResponse *r = &c->rsp[k];
  memset(r, 0, offsetof(SCSIUserParallelResponse, fSenseBuffer));
  r->version = kScsiUserParallelTaskResponseCurrentVersion1;
  r->fControllerTaskIdentifier = c->slots[k].hba_id;
  r->fServiceResponse = service;
  r->fCompletionStatus = status;
  c->slots[k].state = SLOT_LOCAL;
  scsi_fifo_push(c, &c->local, k);
  if (c->local_ev.idx == DM_EVENT_IDLE)
    arm_after(c, &c->local_ev, 0);
}

static void handed(dm_scsi_ctrl *c, uint32_t k, uint16_t count, uint64_t now)
{
  scsi_slot *s = &c->slots[k];
  s->state = SLOT_DEXT;
  s->t_handed = now;
  s->bundle_in = count;
  if (++c->owned > c->st.max_owned)
    c->st.max_owned = c->owned;
  scsi_trace(c, DM_EV_SCSI_HANDOFF, k, count);
}

static void down_deliver(void *arg)
{
  dm_scsi_ctrl *c = arg;
  uint64_t now = dm__now(c->m);
  uint16_t n = c->ntransit;
  c->ntransit = 0;
  c->down_busy = false;
  if (n == 0) { /* every task of the call was aborted on the way */
    down_start(c);
    return;
  }
  c->st.calls_down++;
  if (c->bundled) {
    uint16_t idx[kMaxBundledParallelTasks];
    for (uint16_t i = 0; i < n; i++) {
      uint32_t k = c->transit[i];
      idx[i] = (uint16_t)k;
      /* The family zeroed the version when it last consumed this response
       * slot: anything else means the controller wrote it while it did not
       * own it. */
      if (c->rsp[k].version != 0 && dm__checking(c->m))
        scsi_violation(c, DM_RULE_SLOT_NOT_OWNED, k,
                       "response slot %u was written while the family owned it", k);
      c->rsp[k].version = 0;
      handed(c, k, n, now);
    }
    if (n > c->st.max_bundle)
      c->st.max_bundle = n;
    /* Start the next crossing first: it goes on while the controller works. */
    down_start(c);
    c->mt->UserProcessBundledParallelTasks(c, idx, n, &c->act_bundle);
    return;
  }
  uint32_t k = c->transit[0];
  handed(c, k, 1, now);
  if (c->st.max_bundle == 0)
    c->st.max_bundle = 1;
  down_start(c);
  uint32_t response = kSCSIServiceResponse_Request_In_Process;
  /* The call's IPC: the task is copied into the message, and out of it
   * into the controller's argument. */
  memcpy(&c->msg_task, &c->cmd[k], sizeof c->msg_task);
  c->st.bytes_copied += 2 * sizeof(SCSIUserParallelTask);
  kern_return_t kr = c->mt->UserProcessParallelTask(c, c->msg_task, &response, &c->act_task);
  if ((kr != kIOReturnSuccess || response != kSCSIServiceResponse_Request_In_Process) &&
      c->slots[k].state == SLOT_DEXT && c->slots[k].tag == c->cmd[k].fTaskTagIdentifier) {
    /* As the kext-era family does: any other answer means the task is over. */
    c->owned--;
    scsi_local_fail(c, k,
               kr != kIOReturnSuccess ? kSCSIServiceResponse_SERVICE_DELIVERY_OR_TARGET_FAILURE
                                      : response,
               kSCSITaskStatus_DeliveryFailure);
  }
}

void scsi_down_fire(dm_event *ev)
{
  dm_scsi_ctrl *c = ev->data;
  if (c->down_gathering)
    down_depart(c); /* no driver code runs: no level to set */
  else
    scsi_at_sih(c, down_deliver, c);
}

/* ---- up: completions from the controller --------------------------------- */

static void up_start(dm_scsi_ctrl *c)
{
  if (c->up_busy || c->up.head == SCSI_NO_SLOT)
    return;
  c->nup_transit = 0;
  while (c->nup_transit < kMaxBundledParallelTasks) {
    uint32_t k = scsi_fifo_pop(c, &c->up);
    c->up_transit[c->nup_transit++] = k;
    if (c->slots[k].batch_end || c->up.head == SCSI_NO_SLOT)
      break;
  }
  c->up_busy = true;
  arm_after(c, &c->up_ev, c->crossing_ns);
}

static void up_deliver(void *arg)
{
  dm_scsi_ctrl *c = arg;
  uint16_t n = c->nup_transit;
  uint32_t batch[kMaxBundledParallelTasks];
  memcpy(batch, c->up_transit, n * sizeof *batch);
  c->nup_transit = 0;
  c->up_busy = false;
  up_start(c);
  for (uint16_t i = 0; i < n; i++)
    scsi_finish(c, batch[i]);
}

void scsi_up_fire(dm_event *ev)
{
  scsi_at_sih(ev->data, up_deliver, ev->data);
}

static void local_deliver(void *arg)
{
  dm_scsi_ctrl *c = arg;
  uint32_t k;
  while ((k = scsi_fifo_pop(c, &c->local)) != SCSI_NO_SLOT)
    scsi_finish(c, k);
}

void scsi_local_fire(dm_event *ev)
{
  scsi_at_sih(ev->data, local_deliver, ev->data);
}

void scsi_finish(dm_scsi_ctrl *c, uint32_t k)
{
  scsi_slot *s = &c->slots[k];
  SCSIFamilyTask *t = s->task;
  const SCSIUserParallelResponse *r = &c->rsp[k];
  s->t_done = dm__now(c->m);
  t->serviceResponse = r->fServiceResponse;
  t->taskStatus = r->fCompletionStatus;
  t->bytesTransferred =
      r->fBytesTransferred > t->transferCount ? t->transferCount : (UInt32)r->fBytesTransferred;
  uint8_t sl = r->fSenseLength; /* at most 255: sense has room for all */
  t->senseLength = sl;
  if (sl != 0)
    memcpy(t->sense, r->fSenseBuffer, sl);
  scsi_trace(c, DM_EV_SCSI_DONE, k, s->bundle_out);
  /* Consumed: a version left here later was written by someone else. */
  c->rsp[k].version = 0;
  s->state = SLOT_FREE;
  s->done_once = 1;
  s->task = NULL;
  s->dev->outstanding--;
  t->familySlot = SCSI_NO_SLOT;
  c->st.tasks++;
  scsi_fifo_push(c, &c->free, k);
  if (t->completion != NULL)
    t->completion(t);
}

/* Slot k comes back from the controller: checked, then queued up. Returns
 * false when it was refused (the violation is reported). */
static bool take_back(dm_scsi_ctrl *c, uint32_t k, uint16_t count, bool last)
{
  scsi_slot *s = &c->slots[k];
  if (s->state != SLOT_DEXT) {
    if (s->done_once || s->state == SLOT_CROSSING_UP || s->state == SLOT_LOCAL)
      scsi_violation(c, DM_RULE_SLOT_DOUBLE_COMPLETE, k,
                     "slot %u came back again, but the controller no longer owns it", k);
    else
      scsi_violation(c, DM_RULE_SLOT_NOT_OWNED, k,
                     "slot %u was returned, but the family never handed it over", k);
    return false;
  }
  if (c->rsp[k].version != kScsiUserParallelTaskResponseCurrentVersion1) {
    scsi_violation(c, DM_RULE_RESPONSE_VERSION, k,
                   "the response in slot %u has version %llu; dropped, the task is still "
                   "the controller's",
                   k, (unsigned long long)c->rsp[k].version);
    return false;
  }
  s->state = SLOT_CROSSING_UP;
  s->t_returned = dm__now(c->m);
  s->bundle_out = count;
  s->batch_end = last;
  c->owned--;
  scsi_trace(c, DM_EV_SCSI_RETURN, k, count);
  scsi_fifo_push(c, &c->up, k);
  return true;
}

void ParallelTaskCompletion(OSAction *action, SCSIUserParallelResponse response)
{
  if (action == NULL || action->c == NULL)
    return;
  dm_scsi_ctrl *c = action->c;
  c->st.calls_up++;
  c->st.bytes_copied += 2 * sizeof response;
  uint32_t k = scsi_slot_of_id(c, response.fControllerTaskIdentifier);
  if (k == SCSI_NO_SLOT) {
    dm__violation(c->m, DM_RULE_TASK_UNKNOWN_ID, 0, NULL, 0,
                  "controller %s completed task identifier %llu, which the family never "
                  "handed out",
                  c->name, (unsigned long long)response.fControllerTaskIdentifier);
    return;
  }
  if (action->bundled || c->bundled) {
    scsi_violation(c, DM_RULE_SLOT_NOT_OWNED, k,
                   "ParallelTaskCompletion used on the bundled path; slots come back through "
                   "BundledParallelTaskCompletion");
    return;
  }
  if (c->slots[k].state != SLOT_DEXT) {
    (void)take_back(c, k, 1, true); /* reports double completion or not owned */
    return;
  }
  if (response.version != kScsiUserParallelTaskResponseCurrentVersion1) {
    scsi_violation(c, DM_RULE_RESPONSE_VERSION, k,
                   "the response has version %llu; dropped, the task is still the "
                   "controller's",
                   (unsigned long long)response.version);
    return;
  }
  /* The completion's IPC: into the message, out of it into the slot. */
  memcpy(&c->msg_rsp, &response, sizeof c->msg_rsp);
  memcpy(&c->rsp[k], &c->msg_rsp, sizeof c->msg_rsp);
  (void)take_back(c, k, 1, true);
  up_start(c);
}

void BundledParallelTaskCompletion(OSAction *action,
                                   const uint16_t parallelResponseSlotIndices[kMaxBundledParallelTasks],
                                   uint16_t parallelResponseSlotIndicesCount)
{
  if (action == NULL || action->c == NULL)
    return;
  dm_scsi_ctrl *c = action->c;
  uint16_t n = parallelResponseSlotIndicesCount;
  c->st.calls_up++;
  if (!action->bundled || !c->bundled) {
    dm__violation(c->m, DM_RULE_SLOT_NOT_OWNED, 0, NULL, 0,
                  "controller %s called BundledParallelTaskCompletion on the per-task path: "
                  "it owns no slot",
                  c->name);
    return;
  }
  if (n == 0) {
    dm__violation(c->m, DM_RULE_BUNDLE_EMPTY, 0, NULL, 0,
                  "controller %s returned a bundle of 0 slots", c->name);
    return;
  }
  if (n > kMaxBundledParallelTasks) {
    dm__violation(c->m, DM_RULE_BUNDLE_TOO_LARGE, 0, NULL, 0,
                  "controller %s returned a bundle of %u slots; the whole call is refused",
                  c->name, n);
    return;
  }
  /* A slot listed twice is caught as it comes back the second time: it is
   * on its way up already (slot-double-complete). */
  uint32_t last = SCSI_NO_SLOT;
  for (uint16_t i = 0; i < n; i++) {
    uint32_t k = parallelResponseSlotIndices[i];
    if (k >= c->max) {
      dm__violation(c->m, DM_RULE_SLOT_NOT_OWNED, 0, NULL, 0,
                    "controller %s returned slot %u; it has slots 0 to %u only", c->name, k,
                    c->max - 1);
      continue;
    }
    if (take_back(c, k, n, false))
      last = k;
  }
  if (last != SCSI_NO_SLOT)
    c->slots[last].batch_end = 1; /* the call's last slot ends its batch */
  up_start(c);
}

/* ---- waiting at task level --------------------------------------------------- */

static OSStatus wait_until(dm_scsi_ctrl *c, const SCSIFamilyTask *t, const scsi_dev *d)
{
  dm_machine *m = c->m;
  while (t != NULL ? t->familySlot != SCSI_NO_SLOT : d->outstanding > 0)
    if (!m->cfg.platform.step_interrupts(m->cfg.platform.ctx))
      return ioErr;
  return noErr;
}

/* Submit wants a completion routine; a task sent with none gets this one
 * for the time of the call. */
static void nop_completion(SCSIFamilyTask *task)
{
  (void)task;
}

OSStatus SCSIFamilyExecute(SCSIDeviceRef device, SCSIFamilyTask *task)
{
  scsi_dev *d = (scsi_dev *)device;
  if (d == NULL || task == NULL || d->c->m->level != DM_LVL_TASK)
    return paramErr;
  bool none = task->completion == NULL;
  if (none)
    task->completion = nop_completion;
  OSStatus err = SCSIFamilySubmit(device, task);
  if (err == noErr)
    err = wait_until(d->c, task, d);
  if (none)
    task->completion = NULL;
  return err;
}

OSStatus SCSIFamilyWaitIdle(SCSIDeviceRef device)
{
  scsi_dev *d = (scsi_dev *)device;
  if (d == NULL || d->c->m->level != DM_LVL_TASK)
    return paramErr;
  return wait_until(d->c, NULL, d);
}
