/*
 * unit.c - the unit table and the life of a native driver in it: install
 * (kInitializeCommand), remove (kCloseCommand if open, then
 * kFinalizeCommand) and replace (kSupersededCommand to the old driver,
 * kReplaceCommand to the new one).
 *
 * refNum = ~unit. The table starts with cfg.units entries and grows four at
 * a time up to DM_UNITS_MAX, as DriverLoaderLib does. A refNum outside the
 * table answers badUnitErr; an empty entry inside it, unitEmptyErr.
 *
 * Remove and replace wait for the driver to go idle unless told otherwise:
 * requests that arrive meanwhile are held on dCtlQHdr (DM_SLOTF_HELD) and
 * either go to the new driver or complete with unitEmptyErr. The wait ends in
 * dm__complete(), which arms the unit's lifecycle event so that Finalize and
 * Superseded always run at task level, as table 8-1 of the PCI book requires.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm-int.h"

static int ensure_units(dm_machine *m, unsigned want)
{
  if (want <= m->nunits)
    return 0;
  if (want > DM_UNITS_MAX)
    return -1;
  unsigned n = m->nunits;
  while (n < want)
    n += 4;
  if (n > DM_UNITS_MAX)
    n = DM_UNITS_MAX;
  dm_unit **t = realloc(m->units, n * sizeof *t);
  if (t == NULL)
    return -1;
  memset(t + m->nunits, 0, (n - m->nunits) * sizeof *t);
  m->units = t;
  m->nunits = (uint16_t)n;
  return 0;
}

int dm_driver_check_description(const DriverDescription *d, char *why, size_t len)
{
  const char *msg = NULL;
  char buf[96];
  if (d == NULL) {
    msg = "no DriverDescription";
  } else if (d->driverDescSignature != kTheDescriptionSignature) {
    snprintf(buf, sizeof buf, "driverDescSignature is 0x%08X, expected 'mtej' (0x6D74656A)",
             (unsigned)d->driverDescSignature);
    msg = buf;
  } else if (d->driverDescVersion != kInitialDriverDescriptor &&
             d->driverDescVersion != kVersionOneDriverDescriptor) {
    snprintf(buf, sizeof buf, "driverDescVersion is %u, expected 0 or 1",
             (unsigned)d->driverDescVersion);
    msg = buf;
  } else if (d->driverOSRuntimeInfo.driverName[0] == 0 ||
             d->driverOSRuntimeInfo.driverName[0] > 31) {
    msg = "driverName must be a Pascal string of 1 to 31 characters";
  } else if (d->driverServices.nServices < 1) {
    msg = "nServices must be at least 1";
  }
  if (msg == NULL)
    return 0;
  if (why != NULL && len > 0)
    snprintf(why, len, "%s", msg);
  return -1;
}

static void lifecycle_fn(dm_event *ev);

static void unit_adopt(dm_unit *u, const dm_driver_spec *spec)
{
  u->entry = spec->entry;
  u->device = spec->device;
  u->runtime = spec->has_runtime ? spec->runtime
                                 : spec->desc->driverOSRuntimeInfo.driverRuntime;
  dm__unit_relane(u);
  const unsigned char *pn = spec->desc->driverOSRuntimeInfo.driverName;
  memcpy(u->name, pn + 1, pn[0]);
  u->name[pn[0]] = '\0';
  u->dce.dCtlDriver = (Ptr)(uintptr_t)spec->entry;
  if (u->runtime & kDriverIsConcurrent)
    u->dce.dCtlFlags = (short)(u->dce.dCtlFlags | DM_FLAG_CONCURRENT);
  else
    u->dce.dCtlFlags = (short)(u->dce.dCtlFlags & ~DM_FLAG_CONCURRENT);
  if ((u->runtime & kDriverQueuesIOPB) && !(u->runtime & kDriverIsConcurrent))
    dm__warning(u->m, u->dce.dCtlRefNum,
                "%s sets kDriverQueuesIOPB without kDriverIsConcurrent; the Device Manager "
                "ignores it and queues this driver's requests on dCtlQHdr",
                u->name);
}

OSErr dm_driver_install(dm_machine *m, const dm_driver_spec *spec, int16_t *refNum)
{
  char why[128];
  if (spec == NULL || spec->entry == NULL ||
      dm_driver_check_description(spec->desc, why, sizeof why) != 0) {
    dm__warning(m, 0, "install refused: %s",
                spec == NULL || spec->entry == NULL ? "no DoDriverIO entry" : why);
    return dInstErr;
  }
  unsigned unit;
  if (spec->unit >= 0) {
    if (spec->unit >= DM_UNITS_MAX)
      return badUnitErr;
    unit = (unsigned)spec->unit;
    if (ensure_units(m, unit + 1) != 0)
      return memFullErr;
    if (m->units[unit] != NULL) {
      dm__warning(m, (int16_t)~unit, "install refused: unit %u already holds %s", unit,
                  m->units[unit]->name);
      return dInstErr;
    }
  } else {
    for (unit = DM_UNIT_FIRST_FREE; unit < m->nunits && m->units[unit] != NULL; unit++)
      ;
    if (unit >= DM_UNITS_MAX)
      return unitTblFullErr;
    if (ensure_units(m, unit + 1) != 0)
      return memFullErr;
  }
  dm_unit *u = calloc(1, sizeof *u);
  if (u == NULL)
    return memFullErr;
  u->m = m;
  u->dcep = (DCtlPtr)&u->dce;
  u->dce.dCtlRefNum = (short)~unit;
  u->counts = m->counts != NULL ? &m->counts[1 + unit] : NULL;
  u->dce.dCtlFlags = (short)(DM_ENABLE_ALL | DM_FLAG_NATIVE);
  /* Queued as interrupt-level work so that it also runs while a sync call
   * waits (that call may be what it must finish); lifecycle_fn itself runs
   * Finalize and Replace at task level. */
  dm_event_init(&u->lifecycle, lifecycle_fn, u, DM_LVL_SIH);
  dm__close_init(u);
  m->units[unit] = u;
  unit_adopt(u, spec);
  dm__trace_unit(m, DM_EV_INSTALL, u);
  dm__trace_flags(u);
  OSErr err = dm__simple_command(u, kInitializeCommand);
  if (err != noErr) {
    m->units[unit] = NULL;
    dm__forget_call_unit(m, u);
    dm__trace_unit(m, DM_EV_REMOVE, u);
    free(u);
    return err;
  }
  if (refNum != NULL)
    *refNum = (int16_t)~unit;
  return noErr;
}

/* Fail every request of u that matches: held ones (and, when `all`, every
 * other one too), with `result`. Requests the driver still has are reported
 * first as finalize-with-pending by the caller. */
static void fail_requests(dm_machine *m, dm_unit *u, bool all, OSErr result)
{
  int16_t ref = u->dce.dCtlRefNum;
  for (uint32_t i = 0; i < m->nslots; i++) {
    dm_slot *s = &m->slots[i];
    if (s->ref != ref || (s->state != DM_SLOT_QUEUED && s->state != DM_SLOT_ACTIVE))
      continue;
    if (all || (s->flags & DM_SLOTF_HELD))
      dm__complete(m, i, result);
  }
}

/* After Finalize or Superseded returned: whatever the driver still holds
 * breaks the rule; complete it with abortErr so no client waits forever. */
static void check_idle_after(dm_machine *m, dm_unit *u, const char *command)
{
  if (u->active == 0)
    return;
  char hist[256] = "";
  for (uint32_t i = 0; i < m->nslots; i++) {
    dm_slot *s = &m->slots[i];
    if (s->ref == u->dce.dCtlRefNum && s->state == DM_SLOT_ACTIVE) {
      dm__history(m, i, hist, sizeof hist);
      break;
    }
  }
  dm__violation(m, DM_RULE_FINALIZE_WITH_PENDING, u->dce.dCtlRefNum, NULL, 0,
                "%s returned from %s with %u request(s) outstanding (first: %s); the Device "
                "Manager completes them with abortErr",
                u->name, command, (unsigned)u->active, hist);
  for (uint32_t i = 0; i < m->nslots; i++) {
    dm_slot *s = &m->slots[i];
    if (s->ref == u->dce.dCtlRefNum && s->state == DM_SLOT_ACTIVE)
      dm__complete(m, i, abortErr);
  }
}

static void close_for_lifecycle(dm_unit *u)
{
  if (u->opens == 0)
    return;
  dm__simple_command(u, kCloseCommand);
  u->opens = 0;
  dm__set_flags(u, 0, dOpenedMask);
}

static void unit_retire(dm_machine *m, dm_unit *u)
{
  fail_requests(m, u, true, unitEmptyErr);
  unsigned unit = (unsigned)(uint16_t)~u->dce.dCtlRefNum;
  m->units[unit] = NULL;
  dm__forget_call_unit(m, u);
  u->state = DM_UNIT_GONE;
  dm__unit_relane(u);
  u->pending = DM_PENDING_NONE;
  m->cfg.platform.disarm(m->cfg.platform.ctx, &u->lifecycle);
  m->cfg.platform.disarm(m->cfg.platform.ctx, &u->closer);
  dm__trace_unit(m, DM_EV_REMOVE, u);
  u->gone = m->gone;
  m->gone = u;
}

void dm__unit_finish_lifecycle(dm_unit *u)
{
  dm_machine *m = u->m;
  /* Once: a remove or replace being finished is not finished again from
   * inside itself (a wait in one of the commands below may run events). */
  if (u->finishing)
    return;
  /* Nothing new reaches the driver while it is closed and finalized (or
   * superseded, replaced and reopened), even when completing its last
   * request would start the next one. */
  u->finishing = 1;
  if (u->pending == DM_PENDING_REMOVE) {
    close_for_lifecycle(u);
    dm__simple_command(u, kFinalizeCommand);
    check_idle_after(m, u, "Finalize");
    unit_retire(m, u); /* still finishing: the rest fail, none is dispatched */
    return;
  }
  if (u->pending != DM_PENDING_REPLACE) {
    u->finishing = 0;
    return;
  }
  bool was_open = u->opens > 0;
  close_for_lifecycle(u);
  dm__simple_command(u, kSupersededCommand);
  check_idle_after(m, u, "Superseded");
  unit_adopt(u, &u->next);
  dm__trace_unit(m, DM_EV_INSTALL, u);
  dm__trace_flags(u);
  if (dm__simple_command(u, kReplaceCommand) != noErr) {
    unit_retire(m, u);
    return;
  }
  if (was_open && dm__simple_command(u, kOpenCommand) == noErr) {
    u->opens = 1;
    dm__set_flags(u, dOpenedMask, 0);
  }
  u->finishing = 0;
  u->state = DM_UNIT_READY;
  dm__unit_relane(u);
  u->pending = DM_PENDING_NONE;
  dm__release_held(m, u);
  if (u->closeq.qHead != NULL) /* Closes that waited for the old driver */
    dm__close_wake(m, u);
}

static void lifecycle_fn(dm_event *ev)
{
  dm_unit *u = ev->data;
  dm_machine_run_at(u->m, DM_LVL_TASK, (void (*)(void *))dm__unit_finish_lifecycle, u);
}

/* Start a remove or replace: now if the driver is idle (or immediate), else
 * once it is. */
static OSErr begin_lifecycle(dm_unit *u, bool immediate)
{
  if (immediate || (u->active == 0 && u->queued == 0)) {
    dm__unit_finish_lifecycle(u);
    return noErr;
  }
  u->state = DM_UNIT_DRAINING;
  dm__unit_relane(u);
  return ioInProgress;
}

OSErr dm_driver_remove(dm_machine *m, int16_t refNum, int immediate)
{
  dm_unit *u;
  OSErr err = dm__unit_map(m, refNum, &u);
  if (err != noErr)
    return err;
  if (u->pending != DM_PENDING_NONE)
    return paramErr;
  u->pending = DM_PENDING_REMOVE;
  return begin_lifecycle(u, immediate != 0);
}

OSErr dm_driver_replace(dm_machine *m, int16_t refNum, const dm_driver_spec *spec)
{
  dm_unit *u;
  OSErr err = dm__unit_map(m, refNum, &u);
  if (err != noErr)
    return err;
  char why[128];
  if (spec == NULL || spec->entry == NULL ||
      dm_driver_check_description(spec->desc, why, sizeof why) != 0) {
    dm__warning(m, refNum, "replace refused: %s",
                spec == NULL || spec->entry == NULL ? "no DoDriverIO entry" : why);
    return dInstErr;
  }
  if (u->pending != DM_PENDING_NONE)
    return paramErr;
  u->next = *spec;
  u->pending = DM_PENDING_REPLACE;
  return begin_lifecycle(u, false);
}

OSErr dm_driver_disable(dm_machine *m, int16_t refNum, uint16_t mask)
{
  dm_unit *u;
  OSErr err = dm__unit_map(m, refNum, &u);
  if (err == noErr)
    dm__set_flags(u, 0, mask & DM_ENABLE_ALL);
  return err;
}

const char *dm_driver_name(const dm_machine *m, int16_t refNum)
{
  dm_unit *u = dm__unit(m, refNum);
  return u != NULL ? u->name : NULL;
}

int dm_driver_pending(const dm_machine *m, int16_t refNum)
{
  dm_unit *u = dm__unit(m, refNum);
  return u != NULL && u->state == DM_UNIT_DRAINING ? u->pending : 0;
}

DCtlPtr dm_driver_dce(const dm_machine *m, int16_t refNum)
{
  dm_unit *u = dm__unit(m, refNum);
  return u != NULL ? u->dcep : NULL;
}

int16_t dm__find(const dm_machine *m, const char *name, size_t len)
{
  for (unsigned i = 0; len > 0 && i < m->nunits; i++) {
    const dm_unit *u = m->units[i];
    if (u == NULL || strlen(u->name) != len)
      continue;
    size_t k = 0;
    while (k < len && tolower((unsigned char)u->name[k]) == tolower((unsigned char)name[k]))
      k++;
    if (k == len)
      return u->dce.dCtlRefNum;
  }
  return 0;
}

int16_t dm_driver_find(const dm_machine *m, const char *name)
{
  return name != NULL ? dm__find(m, name, strlen(name)) : 0;
}

DCtlHandle GetDCtlEntry(short refNum)
{
  dm_machine *m = dm__current;
  dm_unit *u = m != NULL ? dm__unit(m, refNum) : NULL;
  return u != NULL ? &u->dcep : NULL;
}
