/*
 * sim/stack/stack.c - building and tearing down a whole SCSI stack
 * (stack.h): world, machine, store, bus and unit, port, controller, disk
 * driver. Teardown runs the other way: the driver is removed (Finalize
 * drains it), the bus freed before the port (its commands' records) and
 * the controller.
 */
#include <stdio.h>
#include <string.h>

#include "stack/stack.h"
#include "builtins.h"

static int fail(sim_stack *s, char *err, size_t len, const char *what)
{
  snprintf(err, len, "%s", what);
  (void)sim_stack_close(s);
  return -1;
}

int sim_stack_open(sim_stack *s, const sim_stack_config *cfg, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  if (sim_world_init(&s->w) != 0) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  dm_machine_config mc = { 0 };
  mc.platform = sim_world_platform(&s->w);
  sim_stack_platform(&mc.platform);
  mc.check = cfg->check;
  mc.trace = cfg->trace;
  mc.trace_ctx = cfg->trace_ctx;
  mc.violation = cfg->violation;
  mc.violation_ctx = cfg->violation_ctx;
  s->m = dm_machine_new(&mc);
  if (s->m == NULL)
    return fail(s, err, errlen, "out of memory");
  if (cfg->image != NULL) {
    s->disk = sim_disk_open(cfg->image, cfg->writable ? SIM_DISK_WRITABLE | SIM_DISK_RAW
                                                      : SIM_DISK_RAW, err, errlen);
    if (s->disk == NULL) {
      (void)sim_stack_close(s);
      return -1;
    }
  } else if ((s->disk = sim_disk_new_memory(cfg->memory_bytes)) == NULL) {
    return fail(s, err, errlen, "cannot make a memory store of that size");
  }
  sim_scsi_bus_config bc;
  sim_scsi_bus_config_default(&bc);
  s->bus = sim_scsi_bus_new(&s->w, &bc);
  sim_scsi_unit_config uc;
  if (cfg->unit != NULL) {
    uc = *cfg->unit;
  } else {
    sim_scsi_unit_config_default(&uc);
    uc.queue_depth = cfg->tasks ? cfg->tasks : 64;
  }
  if (cfg->block_size != 0)
    uc.block_size = cfg->block_size;
  if (s->bus == NULL)
    return fail(s, err, errlen, "out of memory");
  if (sim_scsi_attach(s->bus, 0, 0, s->disk, &uc, &s->unit) != SIM_SCSI_OK)
    return fail(s, err, errlen, "the image cannot back a disk with that block size (it must "
                                "hold at least one block)");
  if ((s->port = sim_stack_port_new(s->bus, s->m)) == NULL)
    return fail(s, err, errlen, "out of memory");

  char tasks[16], path[16];
  snprintf(tasks, sizeof tasks, "%u", cfg->tasks ? cfg->tasks : 64);
  snprintf(path, sizeof path, "%s", cfg->bundled ? "bundled" : "task");
  const char *props[] = { "path", path, "tasks", tasks, "bug", cfg->bug ? cfg->bug : "", NULL };
  dm_scsi_config sc = { 0 };
  sc.desc = cfg->desc;
  if (sc.desc == NULL) {
    const dm_builtin_controller *b = dm_builtin_controller_find("hba");
    sc.desc = b != NULL ? b->desc : NULL;
  }
  sim_stack_port_entry(s->port, &sc.provider);
  sc.crossing_ns = cfg->crossing_ns;
  sc.props = props;
  char why[200];
  if (dm_scsi_ctrl_new(s->m, &sc, &s->ctrl, why, sizeof why) != 0)
    return fail(s, err, errlen, why);

  const dm_builtin *d = dm_builtin_find("scsidisk");
  dm_driver_spec spec = { 0 };
  spec.desc = d->desc;
  spec.entry = d->entry;
  spec.unit = -1;
  if (dm_scsi_unit(s->ctrl, 0, 0, &spec.device) != 0)
    return fail(s, err, errlen, "the controller refused target 0");
  dm_machine *prev = dm_machine_enter(s->m);
  OSErr e = dm_driver_install(s->m, &spec, &s->ref);
  if (e == noErr) {
    ParamBlockRec pb;
    memset(&pb, 0, sizeof pb);
    unsigned char name[] = "\011.SCSIDisk";
    pb.ioParam.ioNamePtr = name;
    e = PBOpenSync(&pb);
  }
  dm_machine_leave(prev);
  if (e != noErr) {
    s->ref = 0;
    const char *n = dm_err_name(e);
    char num[16];
    snprintf(num, sizeof num, "%d", e);
    char why2[64];
    snprintf(why2, sizeof why2, "the SCSI disk driver did not start: %s", n ? n : num);
    return fail(s, err, errlen, why2);
  }
  return 0;
}

int sim_stack_close(sim_stack *s)
{
  int r = 0;
  if (s->m != NULL && s->ref != 0) {
    dm_machine *prev = dm_machine_enter(s->m);
    (void)dm_driver_remove(s->m, s->ref, 0);
    sim_world_run(&s->w, UINT64_MAX, 0);
    dm_machine_leave(prev);
  }
  sim_scsi_bus_free(s->bus); /* disarms its commands, whose records the port owns */
  sim_stack_port_free(s->port);
  dm_scsi_ctrl_free(s->ctrl);
  if (sim_disk_close(s->disk) != 0)
    r = -1;
  dm_machine_free(s->m);
  sim_world_free(&s->w);
  memset(s, 0, sizeof *s);
  return r;
}
