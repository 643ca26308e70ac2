/*
 * sim/run/run_scsi.c - the SCSI stack of a scenario machine: for each
 * `controller` a simulated bus, its port and the controller (started in the
 * family's order), for each `disk` a store attached to its controller's bus
 * and named as a unit for the driver that says `disk NAME`. Torn down before
 * the machine: each bus first (it drops its commands), then its port and
 * controller, then the stores.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run_int.h"
#include "builtins.h"

struct run_scsi {
  sim_scsi_bus   **bus;   /* per controller */
  sim_stack_port **port;
  dm_scsi_ctrl   **ctrl;
  sim_disk       **disk;  /* per disk */
  size_t           nctrl, ndisk;
};

static int err_at(run_machine *rm, int line, int col, const char *msg)
{
  fprintf(rm->opts->err, "%s:%d:%d: error: %s\n", rm->path, line, col, msg);
  return 2;
}

static void relative(const run_machine *rm, const char *name, char *out, size_t len)
{
  if (name[0] == '/') {
    snprintf(out, len, "%s", name);
    return;
  }
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", rm->path);
  snprintf(out, len, "%s/%s", dirname(dir), name);
}

static void fault_of(const sim_sc_fault *f, sim_scsi_fault *o)
{
  memset(o, 0, sizeof *o);
  o->opcode = -1;
  o->every_nth = f->every;
  o->after = f->after;
  o->times = f->times;
  switch (f->kind) {
  case SIM_SC_FAULT_MEDIUM:
    o->kind = SIM_SCSI_FAULT_MEDIUM;
    o->lba = f->lba;
    o->count = f->count;
    o->writes = (uint8_t)f->writes;
    break;
  case SIM_SC_FAULT_UA: o->kind = SIM_SCSI_FAULT_UA_AT_START; break;
  case SIM_SC_FAULT_SENSE:
    o->kind = SIM_SCSI_FAULT_SENSE;
    o->key = f->key;
    o->asc = f->asc;
    o->ascq = f->ascq;
    break;
  case SIM_SC_FAULT_TIMEOUT: o->kind = SIM_SCSI_FAULT_TIMEOUT; break;
  default: o->kind = SIM_SCSI_FAULT_TRANSPORT; break;
  }
}

static int make_controller(run_machine *rm, size_t i, uint64_t seed)
{
  const sim_sc_controller *sc = &rm->sc->controllers[i];
  run_scsi *s = rm->scsi;
  const SCSIControllerDescription *desc = NULL;
  char msg[700];
  if (sc->src.kind == SIM_SC_SRC_BUILTIN) {
    const dm_builtin_controller *b = dm_builtin_controller_find(sc->src.name);
    if (b == NULL) {
      snprintf(msg, sizeof msg, "unknown built-in controller '%s'; expected: hba", sc->src.name);
      return err_at(rm, sc->src.line, sc->src.col, msg);
    }
    desc = b->desc;
  } else {
    char path[4096], why[600];
    relative(rm, sc->src.name, path, sizeof path);
    if (dm_scsi_load_so(path, &desc, why, sizeof why) != 0)
      return err_at(rm, sc->src.line, sc->src.col, why);
  }
  sim_scsi_bus_config bc;
  sim_scsi_bus_config_default(&bc);
  bc.seed = seed ^ (0x9E3779B97F4A7C15ull * (i + 1));
  if ((s->bus[i] = sim_scsi_bus_new(&rm->w, &bc)) == NULL ||
      (s->port[i] = sim_stack_port_new(s->bus[i], rm->m)) == NULL)
    return err_at(rm, sc->line, sc->col, "out of memory");
  char tasks[16];
  snprintf(tasks, sizeof tasks, "%u", sc->tasks ? sc->tasks : 64u);
  const char *props[] = { "path", sc->bundled ? "bundled" : "task", "tasks", tasks, "bug",
                          sc->bug, NULL };
  dm_scsi_config cfg = { 0 };
  cfg.desc = desc;
  cfg.crossing_ns = sc->has_crossing ? sc->crossing : DM_SCSI_CROSSING_NS_DEFAULT;
  cfg.props = props;
  sim_stack_port_entry(s->port[i], &cfg.provider);
  char why[300];
  if (dm_scsi_ctrl_new(rm->m, &cfg, &s->ctrl[i], why, sizeof why) != 0) {
    /* A controller that cannot start is reported (a broken rule is also
     * counted, task-count-zero); its disks' drivers then find no unit. */
    fprintf(rm->opts->err, "%s:%d:%d: %s\n", rm->path, sc->line, sc->col, why);
    return 0;
  }
  return 0;
}

static int make_disk(run_machine *rm, size_t i)
{
  const sim_sc_disk *sd = &rm->sc->disks[i];
  run_scsi *s = rm->scsi;
  char msg[700];
  if (sd->image != NULL) {
    char path[4096], why[600];
    relative(rm, sd->image, path, sizeof path);
    s->disk[i] = sim_disk_open(path, sd->read_only ? SIM_DISK_RAW
                                                   : SIM_DISK_RAW | SIM_DISK_WRITABLE,
                               why, sizeof why);
    if (s->disk[i] == NULL)
      return err_at(rm, sd->image_line, sd->image_col, why);
  } else if ((s->disk[i] = sim_disk_new_memory(sd->size)) == NULL) {
    return err_at(rm, sd->line, sd->col, "out of memory for the disk");
  }
  sim_scsi_unit_config uc;
  sim_scsi_unit_config_default(&uc);
  uc.block_size = sd->block_size;
  uc.read_only = (uint8_t)sd->read_only;
  uc.queue_depth = 256;
  for (int c = 0; c < SIM_SCSI_CLASS_COUNT; c++) {
    uc.latency.lat[c].kind = SIM_SCSI_LAT_FIXED;
    uc.latency.lat[c].a = sd->latency;
  }
  uc.nfaults = (uint32_t)sd->nfaults;
  for (size_t f = 0; f < sd->nfaults; f++)
    fault_of(&sd->faults[f], &uc.faults[f]);
  size_t ci = sd->controller;
  if (sim_scsi_attach(s->bus[ci], sd->target, sd->lun, s->disk[i], &uc, NULL) != SIM_SCSI_OK) {
    snprintf(msg, sizeof msg, "disk '%s' cannot be attached (a store smaller than one %u-byte "
             "block, or a bad fault)", sd->name, sd->block_size);
    return err_at(rm, sd->line, sd->col, msg);
  }
  return 0;
}

int run_scsi_setup(run_machine *rm, uint64_t seed)
{
  const sim_sc_machine *m = rm->sc;
  if (m->ncontrollers == 0)
    return 0;
  run_scsi *s = calloc(1, sizeof *s);
  if (s == NULL)
    return err_at(rm, m->line, m->col, "out of memory");
  rm->scsi = s;
  s->bus = calloc(m->ncontrollers, sizeof *s->bus);
  s->port = calloc(m->ncontrollers, sizeof *s->port);
  s->ctrl = calloc(m->ncontrollers, sizeof *s->ctrl);
  s->disk = calloc(m->ndisks + 1, sizeof *s->disk);
  if (!s->bus || !s->port || !s->ctrl || !s->disk)
    return err_at(rm, m->line, m->col, "out of memory");
  s->nctrl = m->ncontrollers;
  s->ndisk = m->ndisks;
  for (size_t i = 0; i < m->ncontrollers; i++) {
    int st = make_controller(rm, i, seed);
    if (st != 0)
      return st;
  }
  for (size_t i = 0; i < m->ndisks; i++) {
    int st = make_disk(rm, i);
    if (st != 0)
      return st;
  }
  for (size_t i = 0; i < m->ndrivers; i++) {
    size_t di = m->drivers[i].disk;
    if (di == SIM_SC_NONE)
      continue;
    const sim_sc_disk *sd = &m->disks[di];
    dm_scsi_ctrl *c = s->ctrl[sd->controller];
    if (c != NULL && dm_scsi_unit(c, sd->target, sd->lun, &rm->drivers[i].spec.device) != 0)
      return err_at(rm, sd->line, sd->col, "the controller refused the disk's target");
  }
  return 0;
}

void run_scsi_set_io(run_machine *rm, const sim_disk_io *io)
{
  for (size_t i = 0; rm->scsi != NULL && i < rm->scsi->ndisk; i++)
    if (rm->scsi->disk[i] != NULL)
      sim_disk_set_io(rm->scsi->disk[i], io);
}

void run_scsi_free(run_machine *rm)
{
  run_scsi *s = rm->scsi;
  if (s == NULL)
    return;
  for (size_t i = 0; s->bus != NULL && i < s->nctrl; i++)
    sim_scsi_bus_free(s->bus[i]);
  for (size_t i = 0; s->port != NULL && i < s->nctrl; i++)
    sim_stack_port_free(s->port[i]);
  for (size_t i = 0; s->ctrl != NULL && i < s->nctrl; i++)
    dm_scsi_ctrl_free(s->ctrl[i]);
  for (size_t i = 0; s->disk != NULL && i < s->ndisk; i++)
    (void)sim_disk_close(s->disk[i]);
  free(s->bus);
  free(s->port);
  free(s->ctrl);
  free(s->disk);
  free(s);
  rm->scsi = NULL;
}
