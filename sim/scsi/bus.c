/*
 * sim/scsi/bus.c - the SCSI bus (see scsi.h): units at addresses, command
 * submission, the completion events, latency, fault rules, abort, resets
 * and the trace hook.
 *
 * Every command in flight is on one bus-wide list, oldest first, so that
 * resets end commands in the order they were received, and abort is a
 * walk of that list. A command's outcome that depends on when it arrived
 * (TASK SET FULL, a fault rule firing) is decided at submit, in arrival
 * order; everything else at completion, when the command executes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scsi/scsi_int.h"

void sim_scsi_unit_config_default(sim_scsi_unit_config *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  strcpy(cfg->vendor, "DMSIM");
  strcpy(cfg->product, "SIM DISK");
  strcpy(cfg->revision, "0001");
  cfg->block_size = 512;
  cfg->write_cache = 1;
  cfg->queue_depth = 32;
}

void sim_scsi_bus_config_default(sim_scsi_bus_config *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->initiator_id = 7;
  cfg->level = DM_LVL_HWI;
  cfg->selection_timeout = 250000000u;
}

sim_scsi_bus *sim_scsi_bus_new(sim_world *w, const sim_scsi_bus_config *cfg)
{
  sim_scsi_bus_config def;
  if (cfg == NULL) {
    sim_scsi_bus_config_default(&def);
    cfg = &def;
  }
  if (cfg->initiator_id >= SIM_SCSI_MAX_TARGETS || cfg->level > DM_LVL_HWI ||
      cfg->id > SIM_SCSI_MAX_BUS_ID)
    return NULL;
  sim_scsi_bus *bus = calloc(1, sizeof *bus);
  if (bus == NULL)
    return NULL;
  bus->w = w;
  bus->cfg = *cfg;
  bus->cur_lvl = 0xFF;
  return bus;
}

/* Take grouped cmd out of its group; a group left empty before its event
 * ran is disarmed and free again. */
static void leave_group(sim_scsi_bus *bus, sim_scsi_cmd *cmd)
{
  scsi_group *g = cmd->grp_;
  sim_scsi_cmd **pp = &g->head, *prev = NULL;
  while (*pp != cmd) {
    prev = *pp;
    pp = &(*pp)->grp_next_;
  }
  *pp = cmd->grp_next_;
  if (g->tail == cmd)
    g->tail = prev;
  cmd->grp_next_ = NULL;
  cmd->grp_ = NULL;
  if (g->head == NULL && !g->firing) {
    sim_world_disarm(bus->w, &g->ev);
    g->used = 0;
    if (bus->open == g)
      bus->open = NULL;
  }
}

static void unlink_cmd(sim_scsi_bus *bus, sim_scsi_cmd *cmd)
{
  if (cmd->prev_)
    cmd->prev_->next_ = cmd->next_;
  else
    bus->head = cmd->next_;
  if (cmd->next_)
    cmd->next_->prev_ = cmd->prev_;
  else
    bus->tail = cmd->prev_;
  cmd->next_ = cmd->prev_ = NULL;
  bus->inflight--;
  sim_scsi_unit *u = cmd->unit_;
  if (u != NULL)
    u->inflight--;
  if (cmd->state_ == CMD_ARMED && bus->w != NULL)
    sim_world_disarm(bus->w, &cmd->ev_);
  else if (cmd->state_ == CMD_GROUPED)
    leave_group(bus, cmd);
  if (bus->last == cmd)
    bus->last = NULL;
  cmd->state_ = CMD_IDLE;
}

void sim_scsi_bus_free(sim_scsi_bus *bus)
{
  if (bus == NULL)
    return;
  while (bus->head != NULL)
    unlink_cmd(bus, bus->head);
  for (unsigned t = 0; t < SIM_SCSI_MAX_TARGETS; t++)
    for (unsigned l = 0; l < SIM_SCSI_MAX_LUNS; l++)
      free(bus->units[t][l]);
  free(bus);
}

static int valid_fault(const sim_scsi_fault *f)
{
  if (f->kind < SIM_SCSI_FAULT_SENSE || f->kind > SIM_SCSI_FAULT_TRANSPORT)
    return 0;
  if (f->opcode < -1 || f->opcode > 0xFF || f->permille > 1000)
    return 0;
  if (f->kind == SIM_SCSI_FAULT_SENSE && (f->key > 0xF || f->key == 0))
    return 0;
  if (f->kind == SIM_SCSI_FAULT_MEDIUM && f->count == 0)
    return 0;
  return 1;
}

int sim_scsi_attach(sim_scsi_bus *bus, uint8_t target, uint16_t lun, sim_disk *disk,
                    const sim_scsi_unit_config *cfg, sim_scsi_unit **out)
{
  if (target >= SIM_SCSI_MAX_TARGETS || target == bus->cfg.initiator_id ||
      lun >= SIM_SCSI_MAX_LUNS || disk == NULL || cfg == NULL)
    return SIM_SCSI_EINVAL;
  uint32_t bs = cfg->block_size;
  if ((bs != 512 && bs != 1024 && bs != 2048 && bs != 4096) || cfg->queue_depth == 0 ||
      cfg->nfaults > SIM_SCSI_MAX_FAULTS)
    return SIM_SCSI_EINVAL;
  for (uint32_t i = 0; i < cfg->nfaults; i++)
    if (!valid_fault(&cfg->faults[i]))
      return SIM_SCSI_EINVAL;
  for (int c = 0; c < SIM_SCSI_CLASS_COUNT; c++)
    if (cfg->latency.lat[c].kind > SIM_SCSI_LAT_EXPONENTIAL ||
        (cfg->latency.lat[c].kind == SIM_SCSI_LAT_UNIFORM &&
         cfg->latency.lat[c].a > cfg->latency.lat[c].b))
      return SIM_SCSI_EINVAL;
  uint64_t have = sim_disk_size(disk) / bs;
  uint64_t blocks = cfg->blocks ? cfg->blocks : have;
  if (blocks == 0 || blocks > have)
    return SIM_SCSI_EINVAL;
  if (bus->units[target][lun] != NULL)
    return SIM_SCSI_EBUSY;
  sim_scsi_unit *u = calloc(1, sizeof *u);
  if (u == NULL)
    return SIM_SCSI_ENOMEM;
  u->bus = bus;
  u->target = target;
  u->lun = lun;
  u->disk = disk;
  u->cfg = *cfg;
  u->cfg.vendor[8] = u->cfg.product[16] = u->cfg.revision[4] = u->cfg.serial[20] = '\0';
  if (u->cfg.serial[0] == '\0')
    snprintf(u->cfg.serial, sizeof u->cfg.serial, "DMSIM%02u%03u", target, lun);
  u->blocks = blocks;
  u->wce = cfg->write_cache != 0;
  u->read_only = cfg->read_only || !sim_disk_writable(disk);
  u->no_latency = cfg->latency.rate == 0;
  for (int c = 0; c < SIM_SCSI_CLASS_COUNT; c++)
    if (cfg->latency.lat[c].kind != SIM_SCSI_LAT_FIXED || cfg->latency.lat[c].a != 0)
      u->no_latency = 0;
  uint64_t addr = (uint64_t)target << 16 | lun;
  sim_rng_seed(&u->rng_lat, bus->cfg.seed ^ (0x5C51A7E0ull << 20) ^ addr);
  sim_rng_seed(&u->rng_fault, bus->cfg.seed ^ (0xFA017ull << 32) ^ addr);
  for (uint32_t i = 0; i < cfg->nfaults; i++)
    if (cfg->faults[i].kind == SIM_SCSI_FAULT_UA_AT_START)
      u->ua |= UA_POR;
  bus->units[target][lun] = u;
  bus->nunits[target]++;
  if (out != NULL)
    *out = u;
  return SIM_SCSI_OK;
}

sim_scsi_unit *sim_scsi_unit_at(const sim_scsi_bus *bus, uint8_t target, uint16_t lun)
{
  if (target >= SIM_SCSI_MAX_TARGETS || lun >= SIM_SCSI_MAX_LUNS)
    return NULL;
  return bus->units[target][lun];
}

void scsi__trace(sim_scsi_bus *bus, const sim_scsi_trace_rec *rec)
{
  if (bus->trace != NULL) {
    sim_scsi_trace_rec r = *rec;
    r.lvl = bus->cur_lvl;
    r.bus = bus->cfg.id;
    bus->trace(bus->trace_ctx, &r);
  }
}

void sim_scsi_set_trace(sim_scsi_bus *bus, sim_scsi_trace_fn fn, void *ctx)
{
  bus->trace = fn;
  bus->trace_ctx = ctx;
}

int scsi__sync(sim_scsi_unit *u)
{
  if (!u->dirty)
    return 0;
  if (sim_disk_sync(u->disk) != SIM_DISK_OK)
    return -1;
  u->dirty = 0;
  u->stats.syncs++;
  return 0;
}

static uint64_t now(const sim_scsi_bus *bus)
{
  return bus->w != NULL ? sim_world_now(bus->w) : 0;
}

static void trace_cmd(sim_scsi_bus *bus, const sim_scsi_cmd *cmd, uint8_t ev)
{
  if (bus->trace == NULL)
    return;
  sim_scsi_trace_rec r;
  memset(&r, 0, sizeof r);
  r.t = now(bus);
  r.ev = ev;
  r.target = cmd->target;
  r.lun = cmd->lun;
  r.tag = cmd->tag;
  r.cdb = cmd->cdb;
  r.cdb_len = cmd->cdb_len;
  r.dir = cmd->dir;
  r.xport = cmd->xport;
  r.status = cmd->status;
  r.sense = cmd->sense_len ? cmd->sense : NULL;
  r.sense_len = cmd->sense_len;
  r.resid = cmd->resid;
  scsi__trace(bus, &r);
}

static int valid_cmd(const sim_scsi_cmd *cmd)
{
  return cmd->cdb_len >= 1 && cmd->cdb_len <= SIM_SCSI_CDB_MAX &&
         cmd->target < SIM_SCSI_MAX_TARGETS && cmd->dir <= SIM_SCSI_DIR_OUT &&
         (cmd->data != NULL || cmd->data_len == 0);
}

/* Which fault rule, if any, fires for the unit's count-th command. */
static uint8_t decide_fault(sim_scsi_unit *u, const sim_scsi_cmd *cmd, uint64_t count)
{
  for (uint32_t i = 0; i < u->cfg.nfaults; i++) {
    const sim_scsi_fault *f = &u->cfg.faults[i];
    if (f->kind == SIM_SCSI_FAULT_UA_AT_START)
      continue;
    if (f->opcode >= 0 && cmd->cdb[0] != (uint8_t)f->opcode)
      continue;
    if (f->every_nth != 0 && count % f->every_nth != 0)
      continue;
    if (count < f->after || (f->times != 0 && u->fired[i] >= f->times))
      continue;
    if (f->kind == SIM_SCSI_FAULT_MEDIUM) {
      uint64_t lba, n;
      int w;
      if (!scsi__media_range(cmd->cdb, cmd->cdb_len, &lba, &n, &w) || (w && !f->writes) ||
          cmd->cdb[0] == 0x35 || n == 0 || lba >= f->lba + f->count || f->lba >= lba + n)
        continue;
    }
    /* The generator is drawn only for rules with a probability, so that
     * adding a rule without one leaves the others' draws unchanged. */
    if (f->permille != 0 && sim_rng_range(&u->rng_fault, 0, 999) >= f->permille)
      continue;
    u->fired[i]++;
    u->stats.faults++;
    return (uint8_t)(FORCED_FAULT + i);
  }
  return FORCED_NONE;
}

static uint64_t draw(sim_rng *r, const sim_scsi_lat *l)
{
  switch (l->kind) {
  case SIM_SCSI_LAT_UNIFORM: return sim_rng_range(r, l->a, l->b);
  case SIM_SCSI_LAT_EXPONENTIAL: return sim_rng_exp(r, l->a);
  default: return l->a;
  }
}

/* The time cmd takes on u: its class's latency and its transfer at the
 * unit's rate. Sets *past when that time passes 2^64-1 ns (a latency near
 * the clock's end and a transfer after it): then it returns UINT64_MAX,
 * which the caller must not take for a time that fits. */
static uint64_t latency(sim_scsi_unit *u, const sim_scsi_cmd *cmd, int *past)
{
  if (u->no_latency)
    return 0; /* what the rest would compute, without decoding the CDB */
  uint64_t bytes;
  sim_scsi_class cls = scsi__class_of(cmd, u, &bytes);
  uint64_t t = draw(&u->rng_lat, &u->cfg.latency.lat[cls]);
  uint64_t rate = u->cfg.latency.rate;
  if (rate != 0 && bytes != 0) {
    /* bytes * 1e9 / rate, rounded down, in 128 bits: no transfer wraps. */
    unsigned __int128 x = (unsigned __int128)bytes * 1000000000u / rate + t;
    if (x > UINT64_MAX) {
      *past = 1;
      return UINT64_MAX;
    }
    t = (uint64_t)x;
  }
  return t;
}

/* Receive cmd: number it, put it on the list, decide what depends on
 * arrival. Returns the unit (NULL for a missing LUN or target); sets
 * *present when the target exists. */
static inline sim_scsi_unit *receive(sim_scsi_bus *bus, sim_scsi_cmd *cmd, int *present)
{
  cmd->tag = ++bus->next_tag;
  cmd->t_submit = now(bus);
  cmd->t_done = 0;
  cmd->xport = SIM_SCSI_XPORT_OK;
  cmd->status = SIM_SCSI_GOOD;
  cmd->sense_len = 0;
  cmd->resid = cmd->data_len;
  cmd->forced_ = FORCED_NONE;
  cmd->unit_ = NULL;
  *present = cmd->target != bus->cfg.initiator_id && bus->nunits[cmd->target] != 0;
  sim_scsi_unit *u = *present ? sim_scsi_unit_at(bus, cmd->target, cmd->lun) : NULL;
  if (*present)
    trace_cmd(bus, cmd, SIM_SCSI_EV_COMMAND);
  if (u == NULL)
    return NULL;
  u->stats.commands++;
  if (u->inflight >= u->cfg.queue_depth) {
    cmd->forced_ = FORCED_TSF;
    u->stats.task_set_full++;
  } else if (u->cfg.nfaults != 0)
    cmd->forced_ = decide_fault(u, cmd, u->stats.commands);
  return u;
}

static inline void finish(sim_scsi_bus *bus, sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  cmd->t_done = now(bus);
  if (u != NULL) {
    if (cmd->xport == SIM_SCSI_XPORT_OK && cmd->status == SIM_SCSI_GOOD)
      u->stats.good++;
    else if (cmd->status == SIM_SCSI_CHECK_CONDITION)
      u->stats.check++;
  }
  if (cmd->xport != SIM_SCSI_XPORT_SELECTION_TIMEOUT)
    trace_cmd(bus, cmd, SIM_SCSI_EV_STATUS);
}

/* Take cmd off the bus and tell the initiator. */
static inline void deliver(sim_scsi_bus *bus, sim_scsi_cmd *cmd)
{
  unlink_cmd(bus, cmd);
  cmd->done(cmd);
}

/* cmd's completion time came: execute it and tell the initiator. */
static void complete(sim_scsi_bus *bus, sim_scsi_cmd *cmd)
{
  sim_scsi_unit *u = cmd->unit_;
  cmd->state_ = CMD_HUNG; /* its event ran: unlink must not disarm */
  bus->cur_lvl = bus->cfg.level;
  if (cmd->xport != SIM_SCSI_XPORT_SELECTION_TIMEOUT)
    scsi__execute(bus, u, cmd->target, cmd);
  finish(bus, u, cmd);
  bus->cur_lvl = 0xFF;
  deliver(bus, cmd);
}

static void fire(dm_event *ev)
{
  sim_scsi_cmd *cmd = ev->data;
  complete(cmd->bus_, cmd);
}

/* A group's event: its commands complete in submission order. One that a
 * done routine aborts meanwhile has left the group; commands submitted
 * meanwhile have events (or groups) of their own. */
static void fire_group(dm_event *ev)
{
  scsi_group *g = ev->data;
  sim_scsi_bus *bus = g->bus;
  sim_scsi_cmd *cmd;
  if (bus->open == g)
    bus->open = NULL;
  g->firing = 1;
  while ((cmd = g->head) != NULL) {
    g->head = cmd->grp_next_;
    if (g->head == NULL)
      g->tail = NULL;
    cmd->grp_next_ = NULL;
    cmd->grp_ = NULL;
    complete(bus, cmd);
  }
  g->firing = 0;
  g->used = 0;
}

/*
 * cmd, due at t, joins the completion armed last when nothing else has
 * been armed in the world since and it is due at t too: its own event
 * would have come right after that one, with nothing between them, so it
 * completes from the same event, after it. The first join moves the
 * command armed alone into a group record, whose event takes its place
 * (disarmed, then armed at once: nothing else comes between). Returns 1
 * when cmd joined (it has no event of its own), 0 when it needs one.
 */
static int join(sim_scsi_bus *bus, sim_scsi_cmd *cmd, uint64_t t)
{
  if (bus->w->seq != bus->last_seq)
    return 0;
  scsi_group *g = bus->open;
  if (g == NULL) {
    sim_scsi_cmd *prev = bus->last;
    if (prev == NULL || prev->state_ != CMD_ARMED || prev->ev_.t != t)
      return 0;
    for (g = bus->groups; g < bus->groups + SCSI_GROUPS && g->used; g++)
      ;
    if (g == bus->groups + SCSI_GROUPS)
      return 0;
    sim_world_disarm(bus->w, &prev->ev_);
    dm_event_init(&g->ev, fire_group, g, (dm_level)bus->cfg.level);
    g->ev.t = t;
    if (sim_world_arm(bus->w, &g->ev) != 0) {
      /* Cannot happen (a disarm made room); put prev back as it was. */
      (void)sim_world_arm(bus->w, &prev->ev_);
      bus->last = NULL;
      return 0;
    }
    g->used = 1;
    g->bus = bus;
    g->head = g->tail = prev;
    prev->state_ = CMD_GROUPED;
    prev->grp_ = g;
    prev->grp_next_ = NULL;
    bus->last = NULL;
    bus->open = g;
    bus->last_seq = bus->w->seq;
  } else if (g->ev.t != t) {
    return 0;
  }
  cmd->grp_ = g;
  cmd->grp_next_ = NULL;
  g->tail->grp_next_ = cmd;
  g->tail = cmd;
  return 1;
}

int sim_scsi_submit(sim_scsi_bus *bus, sim_scsi_cmd *cmd)
{
  if (bus->w == NULL || cmd->done == NULL || !valid_cmd(cmd))
    return SIM_SCSI_EINVAL;
  if (cmd->state_ != CMD_IDLE)
    return SIM_SCSI_EBUSY;
  int present;
  uint64_t next_tag = bus->next_tag;
  sim_scsi_unit *u = receive(bus, cmd, &present);
  uint64_t t = cmd->t_submit, takes = 0;
  int past = 0;
  if (!present) {
    cmd->xport = SIM_SCSI_XPORT_SELECTION_TIMEOUT;
    takes = bus->cfg.selection_timeout;
  } else if (u != NULL && cmd->forced_ != FORCED_TSF)
    takes = latency(u, cmd, &past);
  if (past || t + takes < t) { /* past the clock's end: its last instant, and the world is told */
    sim_world_past_end(bus->w, NULL, takes);
    t = UINT64_MAX;
  } else {
    t += takes;
  }
  int hung = u != NULL && cmd->forced_ >= FORCED_FAULT &&
             u->cfg.faults[cmd->forced_ - FORCED_FAULT].kind == SIM_SCSI_FAULT_TIMEOUT;
  cmd->grp_ = NULL;
  cmd->grp_next_ = NULL;
  if (hung) {
    cmd->state_ = CMD_HUNG;
  } else if (join(bus, cmd, t)) {
    cmd->state_ = CMD_GROUPED;
  } else {
    dm_event_init(&cmd->ev_, fire, cmd, (dm_level)bus->cfg.level);
    cmd->ev_.t = t;
    if (sim_world_arm(bus->w, &cmd->ev_) != 0) {
      bus->next_tag = next_tag;
      return SIM_SCSI_ENOMEM;
    }
    cmd->state_ = CMD_ARMED;
    bus->last = cmd;
    bus->open = NULL;
    bus->last_seq = bus->w->seq;
  }
  cmd->bus_ = bus;
  cmd->unit_ = u;
  cmd->prev_ = bus->tail;
  cmd->next_ = NULL;
  if (bus->tail)
    bus->tail->next_ = cmd;
  else
    bus->head = cmd;
  bus->tail = cmd;
  bus->inflight++;
  if (u != NULL && ++u->inflight > u->stats.max_inflight)
    u->stats.max_inflight = u->inflight;
  return SIM_SCSI_OK;
}

int sim_scsi_execute(sim_scsi_bus *bus, sim_scsi_cmd *cmd)
{
  if (!valid_cmd(cmd))
    return SIM_SCSI_EINVAL;
  if (cmd->state_ != CMD_IDLE)
    return SIM_SCSI_EBUSY;
  int present;
  sim_scsi_unit *u = receive(bus, cmd, &present);
  if (!present) {
    cmd->xport = SIM_SCSI_XPORT_SELECTION_TIMEOUT;
    cmd->t_done = now(bus);
    return SIM_SCSI_OK;
  }
  if (u != NULL && cmd->forced_ >= FORCED_FAULT &&
      u->cfg.faults[cmd->forced_ - FORCED_FAULT].kind == SIM_SCSI_FAULT_TIMEOUT) {
    cmd->xport = SIM_SCSI_XPORT_TIMEOUT;
    cmd->t_done = now(bus);
    return SIM_SCSI_OK;
  }
  scsi__execute(bus, u, cmd->target, cmd);
  finish(bus, u, cmd);
  return SIM_SCSI_OK;
}

/* End cmd (in flight) with xport x: no data moved. */
static void end_early(sim_scsi_bus *bus, sim_scsi_cmd *cmd, uint8_t x)
{
  sim_scsi_unit *u = cmd->unit_;
  cmd->xport = x;
  cmd->status = SIM_SCSI_GOOD;
  cmd->sense_len = 0;
  cmd->resid = cmd->data_len;
  cmd->t_done = now(bus);
  if (u != NULL) {
    if (x == SIM_SCSI_XPORT_ABORTED)
      u->stats.aborted++;
    else
      u->stats.reset++;
  }
  trace_cmd(bus, cmd, SIM_SCSI_EV_ABORT);
  deliver(bus, cmd);
}

int sim_scsi_abort(sim_scsi_bus *bus, sim_scsi_cmd *cmd)
{
  if (cmd->state_ == CMD_IDLE || cmd->bus_ != bus)
    return SIM_SCSI_ENOENT;
  end_early(bus, cmd, SIM_SCSI_XPORT_ABORTED);
  return SIM_SCSI_OK;
}

static void trace_reset(sim_scsi_bus *bus, uint8_t target, uint16_t lun)
{
  if (bus->trace == NULL)
    return;
  sim_scsi_trace_rec r;
  memset(&r, 0, sizeof r);
  r.t = now(bus);
  r.ev = SIM_SCSI_EV_RESET;
  r.target = target;
  r.lun = lun;
  scsi__trace(bus, &r);
}

/* End every command in flight to (target, lun) (0xFF / 0xFFFF: any) that
 * was received before the reset, oldest first. Returns how many. */
static int end_matching(sim_scsi_bus *bus, uint8_t target, uint16_t lun)
{
  /* Commands that done routines submit meanwhile are newer than the
   * reset: they are left alone (tags are increasing). */
  uint64_t last = bus->next_tag;
  int n = 0;
  for (;;) {
    sim_scsi_cmd *c = bus->head;
    while (c != NULL && !(c->tag <= last && (target == 0xFF || c->target == target) &&
                          (lun == 0xFFFF || c->lun == lun)))
      c = c->next_;
    if (c == NULL)
      return n;
    end_early(bus, c, SIM_SCSI_XPORT_RESET);
    n++;
  }
}

int sim_scsi_lun_reset(sim_scsi_bus *bus, uint8_t target, uint16_t lun)
{
  sim_scsi_unit *u = sim_scsi_unit_at(bus, target, lun);
  if (u == NULL)
    return SIM_SCSI_ENOENT;
  trace_reset(bus, target, lun);
  int n = end_matching(bus, target, lun);
  u->ua |= UA_POR;
  u->stopped = 0;
  return n;
}

int sim_scsi_target_reset(sim_scsi_bus *bus, uint8_t target)
{
  if (target >= SIM_SCSI_MAX_TARGETS || bus->nunits[target] == 0)
    return SIM_SCSI_ENOENT;
  trace_reset(bus, target, 0xFFFF);
  int n = end_matching(bus, target, 0xFFFF);
  for (unsigned l = 0; l < SIM_SCSI_MAX_LUNS; l++)
    if (bus->units[target][l] != NULL) {
      bus->units[target][l]->ua |= UA_POR;
      bus->units[target][l]->stopped = 0;
    }
  return n;
}

int sim_scsi_bus_reset(sim_scsi_bus *bus)
{
  trace_reset(bus, 0xFF, 0xFFFF);
  int n = end_matching(bus, 0xFF, 0xFFFF);
  for (unsigned t = 0; t < SIM_SCSI_MAX_TARGETS; t++)
    for (unsigned l = 0; l < SIM_SCSI_MAX_LUNS; l++)
      if (bus->units[t][l] != NULL) {
        bus->units[t][l]->ua |= UA_BUS_RESET;
        bus->units[t][l]->stopped = 0;
      }
  return n;
}

uint32_t sim_scsi_inflight(const sim_scsi_bus *bus, const sim_scsi_unit *unit)
{
  return unit != NULL ? unit->inflight : bus->inflight;
}

sim_scsi_unit_stats sim_scsi_unit_get_stats(const sim_scsi_unit *unit)
{
  return unit->stats;
}
