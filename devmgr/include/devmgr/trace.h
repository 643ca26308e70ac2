/*
 * devmgr/trace.h - the events the Device Manager reports as it works.
 *
 * devmgr emits one dm_trace_rec per observable step of a request (call,
 * enqueue, dispatch, return, complete, callback, done, ...) to a hook that the
 * embedding installs. devmgr does no formatting and no I/O here: sim/ turns
 * records into jsonl, text, Chrome JSON or VCD. A record is only valid during
 * the hook call; its strings are owned by devmgr.
 */
#ifndef DEVMGR_TRACE_H
#define DEVMGR_TRACE_H

#include <stdint.h>
#include "devmgr/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Record kinds. The names are the `ev` values of the jsonl trace (a contract). */
#define DM_EV_MAP(XX)                                                          \
  XX(INSTALL, "install")     /* a driver was installed in a unit */            \
  XX(REMOVE, "remove")       /* a driver left its unit */                      \
  XX(CALL, "call")           /* a client (or a driver) made a PB call */       \
  XX(REJECT, "reject")       /* refused before any driver code ran */          \
  XX(ENQUEUE, "enqueue")     /* the PB was put on dCtlQHdr */                  \
  XX(DISPATCH, "dispatch")   /* DoDriverIO was entered */                      \
  XX(RETURN, "return")       /* DoDriverIO returned */                         \
  XX(COMPLETE, "complete")   /* a command completed, result posted */          \
  XX(CALLBACK, "callback")   /* the completion routine runs */                 \
  XX(DONE, "done")           /* a sync call returns to its caller */           \
  XX(FLAGS, "flags")         /* dCtlFlags changed */                           \
  XX(VIOLATION, "violation") /* a rule was broken */                           \
  XX(WARNING, "warning")     /* something dubious that breaks no rule */  \
  XX(SCSI_SUBMIT, "scsi_submit")   /* a task was given to the SCSI family */   \
  XX(SCSI_HANDOFF, "scsi_handoff") /* a slot was handed to the controller */   \
  XX(SCSI_RETURN, "scsi_return")   /* the controller returned a slot */        \
  XX(SCSI_DONE, "scsi_done")       /* a task completed, status and sense */

typedef enum dm_ev {
#define XX(id, name) DM_EV_##id,
  DM_EV_MAP(XX)
#undef XX
  DM_EV_COUNT
} dm_ev;

/* Commands as the jsonl trace names them; the values are IOCommandCode's. */
#define DM_CODE_MAP(XX)                                                        \
  XX(OPEN, 0, "open")                                                          \
  XX(CLOSE, 1, "close")                                                        \
  XX(READ, 2, "read")                                                          \
  XX(WRITE, 3, "write")                                                        \
  XX(CONTROL, 4, "control")                                                    \
  XX(STATUS, 5, "status")                                                      \
  XX(KILLIO, 6, "killio")                                                      \
  XX(INITIALIZE, 7, "initialize")                                              \
  XX(FINALIZE, 8, "finalize")                                                  \
  XX(REPLACE, 9, "replace")                                                    \
  XX(SUPERSEDED, 10, "superseded")

/* Call modes / command kinds; the values are IOCommandKind's bits. */
#define DM_MODE_SYNC 1u
#define DM_MODE_ASYNC 2u
#define DM_MODE_IMMEDIATE 4u

typedef struct dm_trace_rec {
  uint64_t    t;       /* simulated time, ns */
  uint8_t     ev;      /* dm_ev */
  uint8_t     lvl;     /* dm_level at which it happened */
  uint8_t     code;    /* IOCommandCode of a call or dispatch (DM_CODE_MAP) */
  uint8_t     mode;    /* DM_MODE_* of a call or dispatch */
  int16_t     ref;     /* driver refNum, 0 if none */
  int16_t     result;  /* result (reject, complete, callback, done) or status (return) */
  uint16_t    flags;   /* dCtlFlags (flags records) */
  uint32_t    runtime; /* driverRuntime (install records) */
  uint64_t    id;      /* IOCommandID as an integer, 0 if none */
  const void *pb;      /* the parameter block, NULL if the command has none */
  const char *name;    /* driver name (install/remove); call: the client, or
                          the driver whose DoDriverIO made the call */
  const char *rule;    /* rule id (violation) */
  const char *msg;     /* one-line explanation (violation, warning) */
  /* SCSI records (scsi_*): id is the Device Manager request the task
   * serves (0 if none), name the controller. */
  uint64_t    tag;     /* the task's tag (fTaskTagIdentifier) */
  uint32_t    slot;    /* its slot index */
  uint16_t    count;   /* slots in the call that handed it over or returned it */
  uint8_t     opcode;  /* CDB byte 0 */
  uint8_t     status;  /* scsi_done: SAM status or delivery failure */
  uint8_t     service; /* scsi_done: service response */
  uint8_t     sense;   /* scsi_done: sense key, 0 when no sense */
  uint8_t     target;  /* target ID (low byte) */
  uint8_t     lun;
} dm_trace_rec;

/* The trace hook. It must not call back into the Device Manager. */
typedef void (*dm_trace_fn)(void *ctx, const dm_trace_rec *rec);

/* Names for the enums above; "?" for values out of range. Never NULL. */
const char *dm_ev_name(unsigned ev);
const char *dm_code_name(unsigned code);
const char *dm_mode_name(unsigned mode);
const char *dm_level_name(unsigned lvl);

#ifdef __cplusplus
}
#endif
#endif /* DEVMGR_TRACE_H */
