/*
 * sim/run/run_scsibus.c - the SCSI part of a scenario run: the buses and disks
 * a machine declares (sim/scsi, sim/disk), the commands its initiator sends
 * at their times, aborts and resets, the SCSI trace records, the SCSI
 * expectations and a summary line per disk.
 *
 * Everything is made before the run starts: a disk image that cannot be
 * opened (missing, locked by another writer) stops the run with the file,
 * line and column of its declaration and status 2. Disks are closed (and
 * so synced) when the machine is freed.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/run_int.h"

typedef struct run_scsi_cmd {
  sim_scsi_cmd  cmd;  /* first: the done routine finds the record from it */
  run_machine  *rm;
  size_t        index;
  dm_event      ev;   /* sends it at its time */
  int           sent, done;
  uint8_t      *buf;
} run_scsi_cmd;

typedef struct run_scsi_act {
  dm_event     ev;
  run_machine *rm;
  size_t       index;
} run_scsi_act;

struct run_scsibus {
  sim_scsi_bus **buses;
  sim_disk     **disks;
  run_scsi_cmd  *cmds;
  run_scsi_act  *acts;
  size_t         nbuses, ndisks;
};

/* The scenario's commands, aborts and resets are task-level events: what
 * the bus does inside them happens at task level. */
static void on_scsi_trace(void *ctx, const sim_scsi_trace_rec *rec)
{
  run_machine *rm = ctx;
  sim_scsi_trace_rec r = *rec;
  if (r.lvl == 0xFF)
    r.lvl = DM_LVL_TASK;
  sim_trace_scsi(rm->trace, &r);
}

static void cmd_done(sim_scsi_cmd *c)
{
  run_scsi_cmd *rc = (run_scsi_cmd *)(void *)c;
  rc->done = 1;
}

static void cmd_fire(dm_event *ev)
{
  run_scsi_cmd *rc = ev->data;
  run_machine *rm = rc->rm;
  const sim_sc_scsi_cmd *sc = &rm->sc->scsi->cmds[rc->index];
  sim_scsi_bus *bus = rm->scsibus->buses[rm->sc->scsi->disks[sc->disk].bus];
  int r = sim_scsi_submit(bus, &rc->cmd);
  if (r != SIM_SCSI_OK)
    run_fail(rm, sc->line, sc->col, "error: SCSI command '%s' could not be sent (%d)", sc->name,
             r);
  else
    rc->sent = 1;
}

static void act_fire(dm_event *ev)
{
  run_scsi_act *ra = ev->data;
  run_machine *rm = ra->rm;
  const sim_sc_scsi *s = rm->sc->scsi;
  const sim_sc_scsi_act *a = &s->acts[ra->index];
  switch (a->kind) {
  case SIM_SC_SCSI_ABORT: {
    const sim_sc_scsi_cmd *c = &s->cmds[a->cmd];
    sim_scsi_abort(rm->scsibus->buses[s->disks[c->disk].bus], &rm->scsibus->cmds[a->cmd].cmd);
    break; /* a command no longer in flight is left alone, as ABORT TASK does */
  }
  case SIM_SC_SCSI_RESET_LUN:
    sim_scsi_lun_reset(rm->scsibus->buses[s->disks[a->disk].bus], s->disks[a->disk].target,
                       s->disks[a->disk].lun);
    break;
  case SIM_SC_SCSI_RESET_TARGET:
    sim_scsi_target_reset(rm->scsibus->buses[s->disks[a->disk].bus], s->disks[a->disk].target);
    break;
  default: sim_scsi_bus_reset(rm->scsibus->buses[a->bus]); break;
  }
}

/* A seed per bus, from the run's seed, the machine and the bus. */
static uint64_t bus_seed(uint64_t seed, size_t machine, size_t bus)
{
  uint64_t x = seed ^ (0xD6E8FEB86659FD93ull * (machine + 1)) ^ (0xA0761D6478BD642Full * (bus + 17));
  x ^= x >> 32;
  x *= 0xD6E8FEB86659FD93ull;
  return x ^ (x >> 32);
}

int run_scsibus_setup(run_machine *rm, uint64_t seed, size_t machine)
{
  const sim_sc_scsi *s = rm->sc->scsi;
  if (s == NULL)
    return 0;
  run_scsibus *r = calloc(1, sizeof *r);
  if (r == NULL)
    goto oom;
  rm->scsibus = r;
  r->buses = calloc(s->nbuses + 1, sizeof *r->buses);
  r->disks = calloc(s->ndisks + 1, sizeof *r->disks);
  r->cmds = calloc(s->ncmds + 1, sizeof *r->cmds);
  r->acts = calloc(s->nacts + 1, sizeof *r->acts);
  if (!r->buses || !r->disks || !r->cmds || !r->acts)
    goto oom;
  for (size_t i = 0; i < s->nbuses; i++) {
    sim_scsi_bus_config bc;
    sim_scsi_bus_config_default(&bc);
    bc.initiator_id = s->buses[i].initiator;
    bc.seed = bus_seed(seed, machine, i);
    bc.id = (uint8_t)i; /* at most SIM_SCSI_MAX_BUS_ID + 1 buses (the parser says so) */
    if ((r->buses[i] = sim_scsi_bus_new(&rm->w, &bc)) == NULL)
      goto oom;
    r->nbuses++;
    if (rm->trace != NULL)
      sim_scsi_set_trace(r->buses[i], on_scsi_trace, rm);
  }
  for (size_t i = 0; i < s->ndisks; i++) {
    const sim_sc_scsi_disk *d = &s->disks[i];
    char err[600];
    if (d->image != NULL) {
      char path[4096], dir[4096];
      if (d->image[0] == '/')
        snprintf(path, sizeof path, "%s", d->image);
      else {
        snprintf(dir, sizeof dir, "%s", rm->path);
        snprintf(path, sizeof path, "%s/%s", dirname(dir), d->image);
      }
      unsigned flags = (d->writable ? SIM_DISK_WRITABLE : 0) | (d->raw ? SIM_DISK_RAW : 0);
      r->disks[i] = sim_disk_open(path, flags, err, sizeof err);
      if (r->disks[i] == NULL) {
        fprintf(rm->opts->err, "%s:%d:%d: error: disk '%s': %s\n", rm->path, d->line, d->col,
                d->name, err);
        return -1;
      }
    } else if ((r->disks[i] = sim_disk_new_memory(d->memory)) == NULL)
      goto oom;
    r->ndisks++;
    int a = sim_scsi_attach(r->buses[d->bus], d->target, d->lun, r->disks[i], &d->cfg, NULL);
    if (a != SIM_SCSI_OK) {
      fprintf(rm->opts->err,
              "%s:%d:%d: error: disk '%s' cannot be attached: %llu bytes do not make a disk "
              "of %u-byte blocks%s\n",
              rm->path, d->line, d->col, d->name, (unsigned long long)sim_disk_size(r->disks[i]),
              d->cfg.block_size, d->cfg.blocks ? " with that many blocks" : "");
      return -1;
    }
  }
  for (size_t i = 0; i < s->ncmds; i++) {
    const sim_sc_scsi_cmd *c = &s->cmds[i];
    const sim_sc_scsi_disk *d = &s->disks[c->disk];
    run_scsi_cmd *rc = &r->cmds[i];
    rc->rm = rm;
    rc->index = i;
    if (c->size > 0 && (rc->buf = calloc(1, (size_t)c->size)) == NULL)
      goto oom;
    if (c->dir == SIM_SCSI_DIR_OUT)
      run_fill_pattern(rc->buf, (size_t)c->size, &c->pattern);
    memcpy(rc->cmd.cdb, c->cdb, c->cdb_len);
    rc->cmd.cdb_len = c->cdb_len;
    rc->cmd.target = d->target;
    rc->cmd.lun = c->has_lun ? c->lun : d->lun;
    rc->cmd.dir = c->dir;
    rc->cmd.data = rc->buf;
    rc->cmd.data_len = (uint32_t)c->size;
    rc->cmd.done = cmd_done;
    dm_event_init(&rc->ev, cmd_fire, rc, DM_LVL_TASK);
    rc->ev.t = c->at;
    if (sim_world_arm(&rm->w, &rc->ev) != 0)
      goto oom;
  }
  for (size_t i = 0; i < s->nacts; i++) {
    run_scsi_act *ra = &r->acts[i];
    ra->rm = rm;
    ra->index = i;
    dm_event_init(&ra->ev, act_fire, ra, DM_LVL_TASK);
    ra->ev.t = s->acts[i].at;
    if (sim_world_arm(&rm->w, &ra->ev) != 0)
      goto oom;
  }
  return 0;
oom:
  fprintf(rm->opts->err, "%s: error: out of memory setting up the SCSI disks of machine %s\n",
          rm->path, rm->sc->name);
  return -1;
}

void run_scsibus_set_io(run_machine *rm, const sim_disk_io *io)
{
  for (size_t i = 0; rm->scsibus != NULL && i < rm->scsibus->ndisks; i++)
    if (rm->scsibus->disks[i] != NULL)
      sim_disk_set_io(rm->scsibus->disks[i], io);
}

void run_scsibus_free(run_machine *rm)
{
  run_scsibus *r = rm->scsibus;
  if (r == NULL)
    return;
  for (size_t i = 0; i < r->nbuses; i++)
    sim_scsi_bus_free(r->buses[i]);
  for (size_t i = 0; i < r->ndisks; i++)
    if (sim_disk_close(r->disks[i]) != 0)
      fprintf(rm->opts->err, "%s: error: the last sync of disk '%s' failed\n", rm->path,
              rm->sc->scsi->disks[i].name);
  for (size_t i = 0; r->cmds && rm->sc->scsi && i < rm->sc->scsi->ncmds; i++)
    free(r->cmds[i].buf);
  free(r->buses);
  free(r->disks);
  free(r->cmds);
  free(r->acts);
  free(r);
  rm->scsibus = NULL;
}

static const char *status_text(uint8_t s, char *buf, size_t len)
{
  const char *n = sim_scsi_status_name(s);
  if (n)
    return n;
  snprintf(buf, len, "0x%02x", s);
  return buf;
}

int run_scsibus_check(run_machine *rm)
{
  const sim_sc_scsi *s = rm->sc->scsi;
  if (s == NULL)
    return 1;
  int ok = 1;
  for (size_t i = 0; i < s->nexpects; i++) {
    const sim_sc_scsi_expect *x = &s->expects[i];
    const run_scsi_cmd *rc = &rm->scsibus->cmds[x->cmd];
    const sim_scsi_cmd *c = &rc->cmd;
    const char *name = s->cmds[x->cmd].name;
    char msg[512], a[32], b[32];
    msg[0] = '\0';
    if (!rc->done) {
      snprintf(msg, sizeof msg, "SCSI command %s %s", name,
               rc->sent ? "never completed" : "was never sent");
    } else if (x->kind == SIM_SC_SCSI_EX_TRANSPORT) {
      if (c->xport != x->value)
        snprintf(msg, sizeof msg, "SCSI command %s ended with transport %s, expected %s", name,
                 sim_scsi_xport_name(c->xport), sim_scsi_xport_name((uint8_t)x->value));
    } else if (c->xport != SIM_SCSI_XPORT_OK) {
      snprintf(msg, sizeof msg, "SCSI command %s ended with transport %s, so it has no %s", name,
               sim_scsi_xport_name(c->xport),
               x->kind == SIM_SC_SCSI_EX_STATUS  ? "status"
               : x->kind == SIM_SC_SCSI_EX_SENSE ? "sense"
               : x->kind == SIM_SC_SCSI_EX_INFO  ? "INFORMATION"
                                                 : "residual");
    } else if (x->kind == SIM_SC_SCSI_EX_STATUS) {
      if (c->status != x->value)
        snprintf(msg, sizeof msg, "SCSI command %s completed with status %s, expected %s", name,
                 status_text(c->status, a, sizeof a), status_text((uint8_t)x->value, b, sizeof b));
    } else if (x->kind == SIM_SC_SCSI_EX_SENSE || x->kind == SIM_SC_SCSI_EX_INFO) {
      sim_scsi_sense_info si;
      if (sim_scsi_sense_decode(c->sense, c->sense_len, &si) != 0)
        snprintf(msg, sizeof msg, "SCSI command %s has no sense data (status %s)", name,
                 status_text(c->status, a, sizeof a));
      else if (x->kind == SIM_SC_SCSI_EX_SENSE &&
               (si.key != x->key || si.asc != x->asc || si.ascq != x->ascq))
        snprintf(msg, sizeof msg,
                 "SCSI command %s got sense %s %02x/%02x, expected %s %02x/%02x", name,
                 sim_scsi_key_name(si.key), si.asc, si.ascq, sim_scsi_key_name(x->key), x->asc,
                 x->ascq);
      else if (x->kind == SIM_SC_SCSI_EX_INFO && (!si.valid || si.info != x->value))
        snprintf(msg, sizeof msg, "SCSI command %s: INFORMATION %s%llu, expected %llu", name,
                 si.valid ? "" : "not valid, ", (unsigned long long)si.info,
                 (unsigned long long)x->value);
    } else if (c->resid != x->value) {
      snprintf(msg, sizeof msg, "SCSI command %s: residual %u, expected %llu", name, c->resid,
               (unsigned long long)x->value);
    }
    if (msg[0]) {
      fprintf(rm->opts->err, "%s:%d:%d: expectation failed: %s\n", rm->path, x->line, x->col,
              msg);
      ok = 0;
    }
  }
  return ok;
}

void run_scsibus_summary(run_machine *rm, FILE *o)
{
  const sim_sc_scsi *s = rm->sc->scsi;
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->ndisks; i++) {
    const sim_sc_scsi_disk *d = &s->disks[i];
    const sim_scsi_unit *u = sim_scsi_unit_at(rm->scsibus->buses[d->bus], d->target, d->lun);
    if (u == NULL)
      continue;
    sim_scsi_unit_stats st = sim_scsi_unit_get_stats(u);
    fprintf(o,
            "  scsi %-8s bus %s target %u lun %u: %llu commands, %llu good, %llu check "
            "condition, %llu task set full, %llu faults, %llu blocks read, %llu written\n",
            d->name, s->buses[d->bus].name, d->target, d->lun, (unsigned long long)st.commands,
            (unsigned long long)st.good, (unsigned long long)st.check,
            (unsigned long long)st.task_set_full, (unsigned long long)st.faults,
            (unsigned long long)st.blocks_read, (unsigned long long)st.blocks_written);
  }
}
