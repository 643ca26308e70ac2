/*
 * family.c - the SCSI controller family's controllers and units: start-up
 * in the documented order, the two contiguous slot buffers, the task
 * objects and their HBA ids, the logical units disk drivers open, and the
 * framework calls a controller makes about itself (ivars, properties,
 * provider, buffer ranges).
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scsi-int.h"

int dm_scsi_check_description(const SCSIControllerDescription *d, char *why, size_t len)
{
  const char *msg = NULL;
  if (d == NULL)
    msg = "no description";
  else if (d->signature != kSCSIControllerDescriptionSignature)
    msg = "signature is not 'scsi'";
  else if (d->version != kSCSIControllerDescriptionVersion)
    msg = "version is not kSCSIControllerDescriptionVersion (1)";
  else if (d->name == NULL || d->name[0] == '\0')
    msg = "no name";
  else if (d->methods == NULL)
    msg = "no method table";
  if (msg == NULL) {
    /* Every method is pure virtual in Apple's class: all are required
     * (Stop, IOService's, is not). */
    const void *const *p = (const void *const *)d->methods;
    size_t n = offsetof(SCSIControllerMethods, Stop) / sizeof(void *);
    for (size_t i = 0; i < n; i++)
      if (p[i] == NULL) {
        snprintf(why, len, "method %zu of the table is NULL (every method is required)", i);
        return -1;
      }
    return 0;
  }
  snprintf(why, len, "%s", msg);
  return -1;
}

int dm_scsi_load_so(const char *path, const SCSIControllerDescription **desc, char *err,
                    size_t errlen)
{
  char why[128];
  void *h = dm__dlopen(path, "controller", err, errlen);
  if (h == NULL)
    return -1;
  const SCSIControllerDescription *d = dlsym(h, "TheSCSIControllerDescription");
  if (d == NULL) {
    snprintf(err, errlen, "%s: not a SCSI controller: it does not export "
             "TheSCSIControllerDescription", path);
    dlclose(h);
    return -1;
  }
  if (dm_scsi_check_description(d, why, sizeof why) != 0) {
    snprintf(err, errlen, "%s: invalid TheSCSIControllerDescription: %s", path, why);
    dlclose(h);
    return -1;
  }
  *desc = d;
  return 0;
}

/* ---- start-up ----------------------------------------------------------- */

static int fail(char *err, size_t len, const char *name, const char *what, kern_return_t kr)
{
  snprintf(err, len, "controller %s: %s failed (0x%08x)", name, what, (unsigned)kr);
  return -1;
}

static int map_ids(dm_scsi_ctrl *c, char *err, size_t len)
{
  uint32_t size = 1;
  while (size < c->max * 2)
    size <<= 1;
  c->idmap = calloc(size, sizeof *c->idmap);
  if (c->idmap == NULL)
    return fail(err, len, c->name, "allocation", kIOReturnNoMemory);
  c->idmask = size - 1;
  for (uint32_t k = 0; k < c->max; k++) {
    uint32_t id = 0;
    kern_return_t kr = c->mt->UserMapHBAData(c, &id);
    if (kr != kIOReturnSuccess)
      return fail(err, len, c->name, "UserMapHBAData", kr);
    if (scsi_slot_of_id(c, id) != SCSI_NO_SLOT) {
      snprintf(err, len, "controller %s: UserMapHBAData gave id %u twice", c->name, id);
      return -1;
    }
    c->slots[k].hba_id = id;
    uint32_t h = (id * 2654435761u) & c->idmask;
    while (c->idmap[h] != 0)
      h = (h + 1) & c->idmask;
    c->idmap[h] = k + 1;
  }
  return 0;
}

uint32_t scsi_slot_of_id(const dm_scsi_ctrl *c, uint64_t id)
{
  if (c->idmap == NULL || id > UINT32_MAX)
    return SCSI_NO_SLOT;
  for (uint32_t h = ((uint32_t)id * 2654435761u) & c->idmask; c->idmap[h] != 0;
       h = (h + 1) & c->idmask)
    if (c->slots[c->idmap[h] - 1].hba_id == (uint32_t)id)
      return c->idmap[h] - 1;
  return SCSI_NO_SLOT;
}

static int copy_props(dm_scsi_ctrl *c, const char *const *props)
{
  size_t n = 0;
  while (props != NULL && props[n] != NULL && props[n + 1] != NULL)
    n += 2;
  c->props = calloc(n + 1, sizeof *c->props);
  if (c->props == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    if ((c->props[i] = strdup(props[i])) == NULL)
      return -1;
  return 0;
}

/* Allocation and the start-up calls, in order; c is freed by the caller on
 * failure. */
static int start(dm_scsi_ctrl *c, const dm_scsi_config *cfg, char *err, size_t len)
{
  const SCSIControllerMethods *mt = c->mt;
  if (cfg->desc->ivarsSize > 0 && (c->ivars = calloc(1, cfg->desc->ivarsSize)) == NULL)
    return fail(err, len, c->name, "allocation", kIOReturnNoMemory);
  if (copy_props(c, cfg->props) != 0)
    return fail(err, len, c->name, "allocation", kIOReturnNoMemory);
  kern_return_t kr = mt->UserInitializeController(c);
  if (kr != kIOReturnSuccess)
    return fail(err, len, c->name, "UserInitializeController", kr);
  uint32_t count = 0;
  kr = mt->UserReportMaximumTaskCount(c, &count);
  if (kr != kIOReturnSuccess)
    return fail(err, len, c->name, "UserReportMaximumTaskCount", kr);
  if (count == 0) {
    dm__violation(c->m, DM_RULE_TASK_COUNT_ZERO, 0, NULL, 0,
                  "controller %s reported a maximum task count of 0 and cannot start",
                  c->name);
    snprintf(err, len, "controller %s: UserReportMaximumTaskCount reported 0 tasks "
             "(task-count-zero)", c->name);
    return -1;
  }
  if (count > 65535u) /* slot indices are uint16_t */
    count = 65535u;
  c->max = count;
  bool b = false;
  if (mt->UserDoesHBAPerformAutoSense(c, &b) == kIOReturnSuccess)
    c->autosense = b;
  if (mt->UserReportInitiatorIdentifier(c, &c->initiator) != kIOReturnSuccess)
    c->initiator = 7;
  if (mt->UserReportHighestSupportedDeviceID(c, &c->highest_id) != kIOReturnSuccess)
    c->highest_id = 7;
  uint64_t lun = 0;
  (void)mt->UserReportHBAHighestLogicalUnitNumber(c, &lun);
  (void)mt->UserDoesHBASupportMultiPathing(c, &b);
  (void)mt->UserDoesHBAPerformDeviceManagement(c, &b);
  uint32_t align = 0;
  uint8_t bits = 0;
  DMAOutputSegmentType seg = 0;
  c->max_transfer = 0;
  if (mt->UserGetDMASpecification(c, &c->max_transfer, &align, &bits, &seg) != kIOReturnSuccess ||
      c->max_transfer == 0)
    c->max_transfer = 1u << 20;

  c->cmd = calloc(c->max, sizeof *c->cmd);
  c->rsp = calloc(c->max, sizeof *c->rsp);
  c->slots = calloc(c->max, sizeof *c->slots);
  if (c->cmd == NULL || c->rsp == NULL || c->slots == NULL)
    return fail(err, len, c->name, "allocation", kIOReturnNoMemory);
  scsi_fifo_init(&c->free);
  scsi_fifo_init(&c->down);
  scsi_fifo_init(&c->up);
  scsi_fifo_init(&c->local);
  for (uint32_t k = 0; k < c->max; k++)
    scsi_fifo_push(c, &c->free, k);
  if (map_ids(c, err, len) != 0)
    return -1;

  c->cmd_md.addr = c->cmd;
  c->cmd_md.length = (uint64_t)c->max * sizeof *c->cmd;
  c->rsp_md.addr = c->rsp;
  c->rsp_md.length = (uint64_t)c->max * sizeof *c->rsp;
  kr = mt->UserMapBundledParallelTaskCommandAndResponseBuffers(c, &c->cmd_md, &c->rsp_md);
  c->bundled = kr == kIOReturnSuccess;
  kr = mt->UserStartController(c);
  if (kr != kIOReturnSuccess)
    return fail(err, len, c->name, "UserStartController", kr);
  c->started = true;
  return 0;
}

int dm_scsi_ctrl_new(dm_machine *m, const dm_scsi_config *cfg, dm_scsi_ctrl **out, char *err,
                     size_t errlen)
{
  char why[128];
  *out = NULL;
  if (dm_scsi_check_description(cfg->desc, why, sizeof why) != 0) {
    snprintf(err, errlen, "invalid SCSI controller description: %s", why);
    return -1;
  }
  dm_scsi_ctrl *c = calloc(1, sizeof *c);
  if (c == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  c->m = m;
  c->desc = cfg->desc;
  c->mt = cfg->desc->methods;
  snprintf(c->name, sizeof c->name, "%s", cfg->desc->name);
  c->provider = cfg->provider;
  c->crossing_ns = cfg->crossing_ns;
  c->act_task.c = c;
  c->act_bundle.c = c;
  c->act_bundle.bundled = 1;
  dm_event_init(&c->down_ev, scsi_down_fire, c, DM_LVL_SIH);
  dm_event_init(&c->up_ev, scsi_up_fire, c, DM_LVL_SIH);
  dm_event_init(&c->local_ev, scsi_local_fire, c, DM_LVL_SIH);
  /* The controller's methods run on the machine, as its code would. */
  dm_machine *prev = dm__enter(m);
  int r = start(c, cfg, err, errlen);
  dm__current = prev;
  if (r != 0) {
    dm_scsi_ctrl_free(c);
    return -1;
  }
  *out = c;
  return 0;
}

void dm_scsi_ctrl_free(dm_scsi_ctrl *c)
{
  if (c == NULL)
    return;
  const dm_platform *p = &c->m->cfg.platform;
  p->disarm(p->ctx, &c->down_ev);
  p->disarm(p->ctx, &c->up_ev);
  p->disarm(p->ctx, &c->local_ev);
  if (c->mt->Stop != NULL && c->desc != NULL) {
    dm_machine *prev = dm__enter(c->m);
    (void)c->mt->Stop(c);
    dm__current = prev;
  }
  while (c->devs != NULL) {
    scsi_dev *d = c->devs;
    c->devs = d->next;
    free(d);
  }
  for (size_t i = 0; c->props != NULL && c->props[i] != NULL; i++)
    free(c->props[i]);
  free(c->props);
  free(c->idmap);
  free(c->cmd);
  free(c->rsp);
  free(c->slots);
  free(c->ivars);
  free(c);
}

/* ---- units ---------------------------------------------------------------- */

static void set_openings(dm_scsi_ctrl *c)
{
  uint32_t each = c->ndevs ? c->max / c->ndevs : c->max;
  for (scsi_dev *d = c->devs; d != NULL; d = d->next)
    d->openings = each ? each : 1;
}

int dm_scsi_unit(dm_scsi_ctrl *c, uint64_t target, uint64_t lun, RegEntryID *entry)
{
  if (target > c->highest_id || target == c->initiator)
    return -1;
  if (target < 256 && !(c->targets_init[target / 64] & (1ull << (target % 64)))) {
    dm_machine *prev = dm__enter(c->m);
    kern_return_t kr = c->mt->UserInitializeTargetForID(c, target);
    dm__current = prev;
    if (kr != kIOReturnSuccess)
      return -1;
    c->targets_init[target / 64] |= 1ull << (target % 64);
  }
  scsi_dev *d = calloc(1, sizeof *d);
  if (d == NULL)
    return -1;
  d->c = c;
  d->target = target;
  d->lun = lun;
  d->next = c->devs;
  c->devs = d;
  c->ndevs++;
  set_openings(c);
  memset(entry, 0, sizeof *entry);
  memcpy(entry, &d, sizeof d);
  entry->contents[3] = 0x53435349u; /* 'SCSI': tells a unit from other devices */
  return 0;
}

OSStatus SCSIFamilyOpenDevice(const RegEntryID *deviceEntry, DriverRefNum refNum,
                              SCSIDeviceRef *device, SCSIDeviceInfo *info)
{
  scsi_dev *d = NULL;
  if (deviceEntry == NULL || device == NULL || deviceEntry->contents[3] != 0x53435349u)
    return nsDrvErr;
  memcpy(&d, deviceEntry, sizeof d);
  if (d == NULL || d->c->m != dm__current)
    return nsDrvErr;
  d->ref = refNum;
  *device = (SCSIDeviceRef)d;
  if (info != NULL) {
    info->targetID = d->target;
    info->lun = d->lun;
    info->openings = d->openings;
    info->maxTransferSize = d->c->max_transfer;
    info->autoSense = d->c->autosense;
    info->bundled = d->c->bundled;
  }
  return noErr;
}

void SCSIFamilyCloseDevice(SCSIDeviceRef device)
{
  scsi_dev *d = (scsi_dev *)device;
  if (d != NULL)
    d->ref = 0;
}

UInt32 SCSIFamilyOutstanding(SCSIDeviceRef device)
{
  return device != NULL ? ((scsi_dev *)device)->outstanding : 0;
}

/* ---- what the controller calls about itself ----------------------------- */

void *IOUserSCSIParallelInterfaceController_GetIvars(IOUserSCSIParallelInterfaceController *self)
{
  return self != NULL ? self->ivars : NULL;
}

kern_return_t IOUserSCSIParallelInterfaceController_CopyProperty(
    IOUserSCSIParallelInterfaceController *self, const char *key, char *value, size_t length)
{
  for (size_t i = 0; self != NULL && key != NULL && self->props[i] != NULL; i += 2)
    if (strcmp(self->props[i], key) == 0) {
      if (value != NULL && length > 0)
        snprintf(value, length, "%s", self->props[i + 1]);
      return kIOReturnSuccess;
    }
  return kIOReturnNotFound;
}

const RegEntryID *IOUserSCSIParallelInterfaceController_GetProvider(
    IOUserSCSIParallelInterfaceController *self)
{
  return self != NULL ? &self->provider : NULL;
}

kern_return_t IOBufferMemoryDescriptor_GetAddressRange(IOBufferMemoryDescriptor *memory,
                                                       IOAddressSegment *range)
{
  if (memory == NULL || range == NULL)
    return kIOReturnBadArgument;
  range->address = (uint64_t)(uintptr_t)memory->addr;
  range->length = memory->length;
  return kIOReturnSuccess;
}

/* ---- counters --------------------------------------------------------------- */

dm_scsi_stats dm_scsi_get_stats(const dm_scsi_ctrl *c)
{
  return c->st;
}

int dm_scsi_bundled(const dm_scsi_ctrl *c)
{
  return c->bundled;
}

const char *dm_scsi_name(const dm_scsi_ctrl *c)
{
  return c->name;
}

uint32_t dm_scsi_max_tasks(const dm_scsi_ctrl *c)
{
  return c->max;
}

uint32_t dm_scsi_owned(const dm_scsi_ctrl *c)
{
  return c->owned;
}
