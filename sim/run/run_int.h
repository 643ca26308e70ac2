/*
 * sim/run/run_int.h - what the parts of the scenario executor share (run.c:
 * machines, drivers, lifecycle events, expectations, summary; client.c: the
 * client state machines).
 *
 * A scripted client is a state machine driven by task-level events, never a
 * nested event loop: a sync call is sent with dm_call() and the client
 * sleeps until the Device Manager's pb_done hook says the block completed.
 * Each parameter block the executor owns is a run_pb whose first member is
 * the ParamBlockRec, so a completion routine finds its record from the PB.
 */
#ifndef SIM_RUN_INT_H
#define SIM_RUN_INT_H

#include "devmgr.h"
#include "hw/hw.h"
#include "run/run.h"
#include "lang/scenario.h"
#include "world/world.h"
#include "base/map.h"

typedef struct run_machine run_machine;
typedef struct run_client run_client;

typedef struct run_pb {
  ParamBlockRec pb;       /* first: the completion routine's argument */
  run_machine  *rm;
  size_t        call;     /* call statement using it now, or SIZE_MAX */
  size_t        bufsize;
  uint8_t      *buf;
  int           busy;     /* sent and not yet complete */
  unsigned char pname[64]; /* Open: the driver name, a Pascal string */
  struct run_pb *next;    /* free list of per-iteration blocks */
} run_pb;

typedef struct run_call {
  int      issued, done, rejected;
  int16_t  result;
  uint64_t t_done;
  uint64_t order;         /* completion sequence number, 1-based */
  run_pb  *pb;            /* the block of its last issue (data expectations) */
} run_call;

typedef struct run_frame {
  const sim_sc_stmt *stmts;
  size_t             n, i;
  uint64_t           left; /* iterations left, for repeat bodies */
} run_frame;

typedef enum run_block { RUN_READY = 0, RUN_SYNC, RUN_WAIT, RUN_WAIT_ALL, RUN_TIME, RUN_DONE } run_block;

struct run_client {
  run_machine         *rm;
  const sim_sc_client *sc;
  dm_event             ev;
  run_frame            stack[SIM_SC_MAX_NESTING + 1];
  int                  depth;
  run_block            block;
  size_t               wait_call;   /* RUN_SYNC / RUN_WAIT */
  run_pb              *wait_pb;     /* RUN_SYNC */
  uint32_t             outstanding; /* async calls not yet complete */
};

typedef struct run_driver {
  int16_t        ref;        /* 0 while not installed */
  dm_driver_spec spec;
  dm_event       ev;         /* install at its time */
  run_machine   *rm;
  size_t         index;
} run_driver;

typedef struct run_life {
  dm_event      ev;
  run_machine  *rm;
  size_t        index;
  dm_driver_spec spec;       /* replace */
} run_life;

struct run_machine {
  const sim_sc_machine *sc;
  const sim_run_opts   *opts;
  const char           *path;
  sim_world             w;
  dm_machine           *m;
  sim_trace            *trace;
  sim_hw              **hw;
  run_driver           *drivers;
  run_life             *life;
  run_client           *clients;
  run_call             *calls;
  run_pb              **pbs;      /* per sim_sc_pb: the shared block, or the free list head */
  run_pb              **owned;    /* every block the executor allocated */
  size_t                nowned, capowned;
  sim_map               pbmap;    /* block address -> index in owned + 1 */
  uint64_t              completions;
  uint32_t              violations;
  int                   failed;
};

/* client.c */
void run_client_start(run_machine *rm, size_t index);
void run_pb_done(void *ctx, void *pb);
/* After the world ran dry: report clients that can never go on. */
void run_clients_check_hung(run_machine *rm);

/* run.c */
/* The executor's record for a parameter block, or NULL for a block that is
 * not the executor's (a driver's own, for instance). */
run_pb *run_pb_find(run_machine *rm, const void *pb);
/* A new block for call statement `call` (buffer of its size); NULL when out
 * of memory, which is reported. */
run_pb *run_pb_new(run_machine *rm, size_t call);
void run_fail(run_machine *rm, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif /* SIM_RUN_INT_H */
