/*
 * scsi-int.h - what the controller family's files share (family.c: start-up
 * and units; task.c: the two paths and their completions; tm.c: task
 * management; history.c: histories and names).
 *
 * The family is CAM's transport layer between a SCSI disk driver (the
 * peripheral) and an HBA controller (the SIM), modelled on DriverKit's
 * IOUserSCSIParallelInterfaceController. It owns one task object per slot
 * (UserReportMaximumTaskCount of them), each with the slot of the same
 * index in the two contiguous buffers of the bundled path: the 128-byte
 * command and the 384-byte response. A slot is the family's (FREE, QUEUED,
 * CROSSING_DOWN, CROSSING_UP) or the controller's (DEXT).
 *
 * Crossing the boundary: calls down (UserProcess*) and completions up each
 * go through a serial channel that is busy crossing_ns per call, as one
 * IPC message would be; the per-task path makes one call per task each
 * way, the bundled path one per batch of up to 32 slots: what was
 * submitted at the instant the call leaves and what queued while the
 * channel was busy.
 */
#ifndef DM_SCSI_INT_H
#define DM_SCSI_INT_H

#include "../dm-int.h"
#include "devmgr/scsi.h"
#include "SCSIControllerDriverKit.h"
#include "SCSIFamily.h"

enum {
  SLOT_FREE = 0,      /* the family's, no task */
  SLOT_QUEUED,        /* the family's, waiting for the down channel */
  SLOT_CROSSING_DOWN, /* the family's, in a call on its way down */
  SLOT_DEXT,          /* the controller's */
  SLOT_CROSSING_UP,   /* the family's again, its completion on its way up */
  SLOT_LOCAL          /* the family's, completing without the controller (abort) */
};

typedef struct scsi_dev scsi_dev;

typedef struct scsi_slot {
  SCSIFamilyTask *task;
  scsi_dev       *dev;
  uint64_t        tag;       /* fTaskTagIdentifier of this use */
  uint64_t        t_submit, t_handed, t_returned, t_done;
  uint64_t        dm_id;     /* the Device Manager request it serves, or 0 */
  uint32_t        hba_id;    /* UserMapHBAData's id: fControllerTaskIdentifier */
  uint32_t        next;      /* FIFO link (free list, down queue, up queue) */
  uint16_t        bundle_in; /* slots in the call that handed it over */
  uint16_t        bundle_out;
  uint8_t         state;
  uint8_t         batch_end; /* last slot of one completion call (up queue) */
  uint8_t         opcode;    /* CDB byte 0, kept for the history */
  uint8_t         done_once; /* completed at least once (history of a late completion) */
} scsi_slot;

typedef struct scsi_fifo {
  uint32_t head, tail;
} scsi_fifo;

struct OSAction {
  dm_scsi_ctrl *c;
  int           bundled;
};

struct IOBufferMemoryDescriptor {
  void    *addr;
  uint64_t length;
};

struct scsi_dev {
  dm_scsi_ctrl *c;
  scsi_dev     *next;
  uint64_t      target, lun;
  int16_t       ref;          /* the disk driver's refNum, once it opened */
  uint32_t      outstanding;  /* tasks submitted, not yet completed */
  uint32_t      openings;
};

/* The controller record is the framework object the dext sees as `self`. */
struct IOUserSCSIParallelInterfaceController {
  dm_machine                      *m;
  const SCSIControllerDescription *desc;
  const SCSIControllerMethods     *mt;
  char                             name[32];
  void                            *ivars;
  RegEntryID                       provider;
  char                           **props; /* key, value, ..., NULL */
  uint64_t                         crossing_ns;
  uint32_t                         max;   /* UserReportMaximumTaskCount */
  bool                             bundled, autosense, started;
  uint64_t                         max_transfer;
  uint64_t                         initiator, highest_id;

  SCSIUserParallelTask            *cmd;   /* contiguous, max entries */
  SCSIUserParallelResponse        *rsp;
  IOBufferMemoryDescriptor         cmd_md, rsp_md;
  SCSIUserParallelTask             msg_task; /* per-task path: the call's message */
  SCSIUserParallelResponse         msg_rsp;  /* and the completion's */
  scsi_slot                       *slots;
  uint32_t                        *idmap; /* open addressing: hba_id -> slot + 1 */
  uint32_t                         idmask;
  uint64_t                         next_tag;

  scsi_fifo                        free, down, up, local;
  uint32_t                         transit[kMaxBundledParallelTasks]; /* the crossing call */
  uint16_t                         ntransit;
  uint32_t                         up_transit[kMaxBundledParallelTasks];
  uint16_t                         nup_transit;
  bool                             down_busy, up_busy;
  bool                             down_gathering; /* down_ev ends the instant's gathering */
  dm_event                         down_ev, up_ev, local_ev;
  struct OSAction                  act_task, act_bundle;

  scsi_dev                        *devs;
  uint32_t                         ndevs;
  uint64_t                         targets_init[4]; /* targets 0..255 initialized */
  dm_scsi_stats                    st;
  uint32_t                         owned; /* slots the dext owns now */
};

#define SCSI_NO_SLOT UINT32_MAX

/* FIFOs threaded through scsi_slot.next. */
static inline void scsi_fifo_init(scsi_fifo *f)
{
  f->head = f->tail = SCSI_NO_SLOT;
}
static inline void scsi_fifo_push(dm_scsi_ctrl *c, scsi_fifo *f, uint32_t k)
{
  c->slots[k].next = SCSI_NO_SLOT;
  if (f->tail == SCSI_NO_SLOT)
    f->head = k;
  else
    c->slots[f->tail].next = k;
  f->tail = k;
}
static inline uint32_t scsi_fifo_pop(dm_scsi_ctrl *c, scsi_fifo *f)
{
  uint32_t k = f->head;
  if (k != SCSI_NO_SLOT) {
    f->head = c->slots[k].next;
    if (f->head == SCSI_NO_SLOT)
      f->tail = SCSI_NO_SLOT;
  }
  return k;
}
/* Unlinks k from f; false when it is not there. */
bool scsi_fifo_unlink(dm_scsi_ctrl *c, scsi_fifo *f, uint32_t k);

/* task.c */
void scsi_down_fire(dm_event *ev);
void scsi_up_fire(dm_event *ev);
void scsi_local_fire(dm_event *ev);
/* Finish slot k at secondary interrupt level with its response in rsp[k]:
 * the task's results, the slot freed, the completion routine called. */
void scsi_finish(dm_scsi_ctrl *c, uint32_t k);
/* The family finishes slot k itself, through the local queue (never inside
 * the caller's call): the controller refused the task, or it was aborted
 * before it was handed over. */
void scsi_local_fail(dm_scsi_ctrl *c, uint32_t k, SCSIServiceResponse service,
                     SCSITaskStatus status);
/* Runs fn(arg) at secondary interrupt level on c's machine. */
void scsi_at_sih(dm_scsi_ctrl *c, void (*fn)(void *), void *arg);

/* history.c */
/* "task 7 (READ(10), target 0 lun 0, 4096 bytes) in slot 3: submitted at
 * ..., handed over at ..." plus the Device Manager request it serves. */
int  scsi_history(const dm_scsi_ctrl *c, uint32_t k, char *buf, size_t len);
void scsi_violation(dm_scsi_ctrl *c, dm_rule rule, uint32_t k, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void scsi_trace_emit(dm_scsi_ctrl *c, dm_ev ev, uint32_t k, uint16_t count);
/* A trace record of slot k, when the machine has a trace hook. */
static inline void scsi_trace(dm_scsi_ctrl *c, dm_ev ev, uint32_t k, uint16_t count)
{
  if (DM_UNLIKELY(c->m->cfg.trace != NULL))
    scsi_trace_emit(c, ev, k, count);
}
/* The slot whose task has UserMapHBAData's id, or SCSI_NO_SLOT. */
uint32_t scsi_slot_of_id(const dm_scsi_ctrl *c, uint64_t id);

#endif /* DM_SCSI_INT_H */
