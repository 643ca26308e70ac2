/*
 * sim/stack/port.c - DMSim.h's SCSI bus calls on a simulated bus: each
 * DMSimSCSIRequest becomes a sim_scsi_cmd (from the port's pool), and its
 * completion an interrupt at hardware-interrupt level on the port's
 * machine, with the results copied back into the request.
 */
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "stack/port.h"
#include "DMSim.h"

#define PORT_MAGIC 0x504F5254u /* 'PORT' in the entry's last word */

typedef struct port_rec {
  sim_scsi_cmd      cmd;     /* first: done() finds the record from the command */
  DMSimSCSIRequest *req;
  dm_hw_done_fn     done;
  void             *refCon;
  sim_stack_port   *port;
  struct port_rec  *next;    /* free list */
} port_rec;

struct sim_stack_port {
  sim_scsi_bus *bus;
  dm_machine   *m;
  port_rec    **chunks;
  size_t        nchunks, capchunks;
  port_rec     *free;
};

sim_stack_port *sim_stack_port_new(sim_scsi_bus *bus, dm_machine *m)
{
  sim_stack_port *p = calloc(1, sizeof *p);
  if (p != NULL) {
    p->bus = bus;
    p->m = m;
  }
  return p;
}

void sim_stack_port_free(sim_stack_port *p)
{
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->nchunks; i++)
    free(p->chunks[i]);
  free(p->chunks);
  free(p);
}

void sim_stack_port_entry(const sim_stack_port *p, RegEntryID *entry)
{
  memset(entry, 0, sizeof *entry);
  memcpy(entry, &p, sizeof p);
  entry->contents[3] = PORT_MAGIC;
}

static sim_stack_port *port_of(const void *bus)
{
  const RegEntryID *e = bus;
  sim_stack_port *p = NULL;
  if (e == NULL || e->contents[3] != PORT_MAGIC)
    return NULL;
  memcpy(&p, e, sizeof p);
  return p;
}

static int grow(sim_stack_port *p)
{
  size_t n = (size_t)16 << p->nchunks;
  if (SIM_VEC_RESERVE(p->chunks, p->capchunks, p->nchunks + 1, 4) != 0)
    return -1;
  port_rec *recs = calloc(n, sizeof *recs);
  if (recs == NULL)
    return -1;
  p->chunks[p->nchunks++] = recs;
  for (size_t i = 0; i < n; i++) {
    recs[i].port = p;
    recs[i].next = p->free;
    p->free = &recs[i];
  }
  return 0;
}

typedef struct port_irq {
  dm_hw_done_fn done;
  void         *refCon;
} port_irq;

static void deliver(void *arg)
{
  port_irq *irq = arg;
  irq->done(irq->refCon, 0);
}

static uint8_t delivery(uint8_t xport)
{
  switch (xport) {
  case SIM_SCSI_XPORT_OK: return kDMSimSCSIDelivered;
  case SIM_SCSI_XPORT_SELECTION_TIMEOUT: return kDMSimSCSISelectionTimeout;
  case SIM_SCSI_XPORT_ABORTED: return kDMSimSCSIAborted;
  case SIM_SCSI_XPORT_RESET: return kDMSimSCSIReset;
  default: return kDMSimSCSITransportFailure;
  }
}

static void cmd_done(sim_scsi_cmd *cmd)
{
  port_rec *r = (port_rec *)cmd;
  sim_stack_port *p = r->port;
  DMSimSCSIRequest *q = r->req;
  q->delivery = delivery(cmd->xport);
  q->status = cmd->status;
  q->bytesTransferred = cmd->data_len - cmd->resid;
  uint32_t n = cmd->sense_len < q->senseCapacity ? cmd->sense_len : q->senseCapacity;
  if (q->senseBuffer == NULL)
    n = 0;
  if (n > 0)
    memcpy(q->senseBuffer, cmd->sense, n);
  q->senseLength = (UInt8)n;
  q->platformPrivate = NULL;
  port_irq irq = { r->done, r->refCon };
  r->next = p->free;
  p->free = r;
  dm_machine_run_at(p->m, DM_LVL_HWI, deliver, &irq);
}

int sim_stack_scsi_start(void *ctx, const void *bus, struct DMSimSCSIRequest *req,
                         dm_hw_done_fn done, void *refCon)
{
  (void)ctx;
  sim_stack_port *p = port_of(bus);
  if (p == NULL || req->cdbLength == 0 || req->cdbLength > 16 || req->direction > 2)
    return paramErr;
  if (p->free == NULL && grow(p) != 0)
    return memFullErr;
  port_rec *r = p->free;
  sim_scsi_cmd *c = &r->cmd;
  memcpy(c->cdb, req->cdb, sizeof c->cdb); /* fixed size: cheaper than cdbLength bytes */
  c->cdb_len = req->cdbLength;
  c->target = req->targetID;
  c->lun = req->lun;
  /* DMSim numbers directions as SCSIControllerDriverKit does: 1 to the
   * target (out), 2 from it (in). */
  c->dir = req->direction == 1 ? SIM_SCSI_DIR_OUT : req->direction == 2 ? SIM_SCSI_DIR_IN
                                                                         : SIM_SCSI_DIR_NONE;
  c->data = req->transferCount ? req->buffer : NULL;
  c->data_len = req->transferCount;
  c->done = cmd_done;
  int err = sim_scsi_submit(p->bus, c);
  if (err != SIM_SCSI_OK)
    return err == SIM_SCSI_ENOMEM ? memFullErr : paramErr;
  p->free = r->next;
  r->req = req;
  r->done = done;
  r->refCon = refCon;
  req->platformPrivate = r;
  return 0;
}

int sim_stack_scsi_abort(void *ctx, const void *bus, struct DMSimSCSIRequest *req)
{
  (void)ctx;
  sim_stack_port *p = port_of(bus);
  port_rec *r = req->platformPrivate;
  if (p == NULL || r == NULL || r->req != req)
    return paramErr;
  return sim_scsi_abort(p->bus, &r->cmd) == SIM_SCSI_OK ? 0 : paramErr;
}

int sim_stack_scsi_reset(void *ctx, const void *bus, int target, int lun)
{
  (void)ctx;
  sim_stack_port *p = port_of(bus);
  if (p == NULL || target < 0 || target > 255)
    return paramErr;
  int n = lun >= 0 ? sim_scsi_lun_reset(p->bus, (uint8_t)target, (uint16_t)lun)
                   : sim_scsi_target_reset(p->bus, (uint8_t)target);
  return n < 0 ? paramErr : n;
}

void sim_stack_platform(dm_platform *platform)
{
  platform->scsi_start = sim_stack_scsi_start;
  platform->scsi_abort = sim_stack_scsi_abort;
  platform->scsi_reset = sim_stack_scsi_reset;
}
