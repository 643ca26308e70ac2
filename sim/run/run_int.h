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
#include "disk/disk.h"
#include "scsi/scsi.h"
#include "run/run.h"
#include "lang/scenario.h"
#include "world/world.h"
#include "stack/port.h"
#include "disk/disk.h"
#include "scsi/scsi.h"
#include "base/map.h"
#include "base/outfile.h"

typedef struct run_machine run_machine;
/* run_machine.pbhint has 2^RUN_PB_HINT_BITS entries. */
#define RUN_PB_HINT_BITS 10
typedef struct run_scsi run_scsi;
typedef struct run_client run_client;
typedef struct run_scsibus run_scsibus;

typedef struct run_pb {
  ParamBlockRec pb;       /* first: the completion routine's argument */
  run_machine  *rm;
  /* The call it carries (run_bind): set at each send, but for a
   * per-iteration block, which only its statement ever sends: set once,
   * when it is made (run_block_for). */
  size_t        call;     /* call using it now, or SIZE_MAX */
  const sim_sc_shape *shape; /* that call's shape (what completion reads), or NULL */
  const sim_sc_stmt  *st;    /* the statement that sent it last (its line and column), or NULL */
  size_t        bufsize;
  uint8_t      *buf;
  run_client   *client;   /* the client whose call it carries (when call is not SIZE_MAX) */
  struct run_pb_home *home; /* a per-iteration block's free list, where it goes back; or NULL */
  int           busy;     /* sent and not yet complete: RUN_PB_BUSY, or RUN_PB_BUSY_LEAN when
                             run_send_lean sent it (run_pb_done finishes it inline); 0 */
  uint8_t       recorded; /* its call is named: its end is recorded (run_call) */
  uint32_t      ends;     /* how many times it finished: run_send compares it around its
                             send, so a block that finished during its own send is known
                             (not counted for a lean send's completion, done_lean:
                             run_send_lean reads busy) */
  /* The block as a statement of shape made_for sends it, its refNum
   * included: the one made_ref points to (its driver's run_driver.ref, or
   * the raw refNum of the shape), copied into made when it is made and
   * again whenever the driver's changes (run_refs_changed: an install
   * sets it), so that a send reads no refNum: sending that shape again
   * is a copy of made (send-inl.h, run_fill_pb). made_for is NULL when nothing is made: a
   * new block, a buffer grown or freed, an open (its name depends on the
   * driver being installed at the send); while it names a shape, buf is
   * the buffer made names, at least that shape's size. */
  const sim_sc_shape *made_for;
  const int16_t *made_ref;
  dm_call_fn    made_entry; /* the Device Manager's entry for its trap word, or NULL (dm_call) */
  uint8_t       made_prep; /* the buffer is prepared at each send (run_prep_buffer) */
  /* The block is lean: a per-iteration block (so bound, and made_for
   * stays its one shape) of an unnamed sync call with an entry of its own
   * and nothing to prepare, on a machine without a trace hook. Its client's
   * own step sends it by run_send_lean and its completion needs none of
   * finish's rarer cases: the commonest statement, a repeat's sync call,
   * decided once here rather than at each send. */
  uint8_t       made_lean;
  ParamBlockRec made;
  unsigned char pname[64]; /* Open: the driver name, a Pascal string */
  struct run_pb *next;    /* free list of per-iteration blocks, or the pool */
} run_pb;

/* Where a sim_sc_pb's blocks are (run_machine.pbs): the block of a shared
 * `pb NAME`, or the free list of a per-iteration block's finished blocks. */
typedef struct run_pb_home {
  run_pb *head;
  int     per_iteration; /* sim_sc_pb.per_iteration, kept here for the request path */
} run_pb_home;

/* Block p onto the head of its statement's free list h. */
static inline void run_home_push(run_pb_home *h, run_pb *p)
{
  p->next = h->head;
  h->head = p;
}

/* What expectations read of a call after the run (32 bytes: one per entry
 * of machine.calls, so one per named call). */
typedef struct run_call {
  uint64_t t_done;
  run_pb  *pb;            /* the block of its last issue (data and param expectations) */
  uint64_t order;         /* completion sequence number, 1-based */
  int16_t  result;
  uint8_t  level;         /* dm_level at which it completed (or was refused) */
  uint8_t  done;
} run_call;

/* A body of statements being run: the client's own, or a repeat's. */
typedef struct run_frame {
  const sim_sc_stmt *next; /* the statement to run next */
  const sim_sc_stmt *end;  /* past the body's last statement */
  const sim_sc_stmt *body; /* its first statement, where the next iteration starts */
  uint64_t           left; /* iterations left, this one included (a repeat's; 0 for the
                              client's body) */
} run_frame;

typedef enum run_block { RUN_READY = 0, RUN_SYNC, RUN_WAIT, RUN_WAIT_ALL, RUN_TIME, RUN_DONE } run_block;

struct run_client {
  dm_event             ev;          /* first: the wake arms it from the client's address */
  run_machine         *rm;
  const sim_sc_client *sc;
  run_frame            stack[SIM_SC_MAX_NESTING + 1];
  run_frame           *top;         /* the frame running: stack[0] is the client's body */
  run_block            block;
  size_t               wait_call;   /* RUN_WAIT */
  run_pb              *wait_pb;     /* RUN_SYNC (its call is wait_pb->call); kept after:
                                       the block the client waited for last, or NULL */
  /* A lean block whose sync wait ended (run_pb_done), kept for the
   * client's next step rather than put back on its free list: that step
   * most likely sends it again (a repeat of one sync call), and any other
   * puts it back first (client_go). &run_no_parked when none. */
  run_pb              *parked;
  uint32_t             outstanding; /* async calls not yet complete */
};

/* A dCtlFlags value from time t on (expect flags). */
typedef struct run_flags_at {
  uint64_t t;
  uint16_t flags;
} run_flags_at;

typedef struct run_driver {
  int16_t        ref;        /* 0 while not installed */
  dm_driver_spec spec;
  dm_event       ev;         /* install at its time */
  run_machine   *rm;
  size_t         index;
  /* Kept when the machine records (run_machine.records): the commands the
   * driver was sent, and its dCtlFlags over time. */
  sim_sc_sent   *sent;
  size_t         nsent, capsent;
  run_flags_at  *flags;
  size_t         nflags, capflags;
} run_driver;

typedef struct run_life {
  dm_event      ev;
  run_machine  *rm;
  size_t        index;
  dm_driver_spec spec;       /* replace */
  int           reported;   /* unfinished at the end: said once */
} run_life;

/* The scenario statement the executor ran last (fault reports): a client's
 * statement st, or, when st is NULL, what line..name say (a driver's
 * install, a remove). A client's statement is kept as it is and named only
 * when a report needs it (run_place_get), since one is set per statement. */
typedef struct run_place {
  const sim_sc_stmt *st;
  int         line, col;
  const run_client  *client; /* st's client (apart from st: stored together, compilers
                                pair them in a vector register, which costs more) */
  const char *what; /* "read", "install", ...: a static word */
  const char *of;   /* "client c", "driver d": kind word, then name */
  const char *name;
} run_place;

/* The place is client c's statement st. */
static inline void run_place_stmt(run_place *p, const run_client *c, const sim_sc_stmt *st)
{
  p->st = st;
  p->client = c;
}

/* The place is what line..name say. */
static inline void run_place_set(run_place *p, int line, int col, const char *what,
                                 const char *of, const char *name)
{
  p->st = NULL;
  p->line = line;
  p->col = col;
  p->what = what;
  p->of = of;
  p->name = name;
}

/* Place p with a client's statement named (guard.c): a call by its
 * operation ("read"), another statement as "statement". Returns p's line,
 * 0 when no place was set. */
int run_place_get(const run_machine *rm, const run_place *p, run_place *out);

/* Steps the watchdog counts at one simulated instant. */
typedef enum run_step_kind { RUN_STEP_EVENT, RUN_STEP_CLIENT, RUN_STEP_SIH } run_step_kind;

struct run_machine {
  const sim_sc_machine *sc;
  const sim_run_opts   *opts;
  const char           *path;
  sim_world             w;
  /* The client whose step runs next, before any event of the world's
   * queues (a direct wake: client.c, done_lean), or NULL; run_steps_queued
   * while no loop of the executor's runs the world (--realtime's runs it:
   * every wake then arms its client's event). run_events runs it. */
  run_client           *next_step;
  dm_machine           *m;
  sim_trace            *trace;
  int                   records;    /* expect sent / flags need the records kept */
  run_driver           *installing; /* whose Initialize runs (its refNum is not known yet) */
  sim_hw              **hw;
  run_scsi             *scsi;       /* controllers, buses and disks (run_scsi.c) */
  run_driver           *drivers;
  run_life             *life;
  run_client           *clients;
  run_call             *calls;
  run_pb_home          *pbs;      /* per sim_sc_pb: its block, or its free list */
  /* The pool of plain calls' blocks (sim_sc_shape.pb SIM_SC_NONE): a block
   * goes back when its call finished, to the tail, and is sent again from
   * the head only once RUN_POOL_QUARANTINE blocks wait behind it, so that
   * what a broken driver does to a block late (a second completion) does
   * not land on the next statement's request at once. Memory is then the
   * requests in flight plus the quarantine, not one block per statement. */
  run_pb               *pool, *pool_tail;
  size_t                npool;
  run_pb              **owned;    /* every block the executor allocated */
  size_t                nowned, capowned;
  size_t                nbusy;    /* blocks sent and not yet complete, and lean blocks parked
                                       with their clients (run_client.parked): a parked block
                                       counts from its send to its client's next step, which
                                       most often sends it again, so that neither its
                                       completion nor that send counts; the in-flight limit
                                       reads run_in_flight */
  sim_map               pbmap;    /* block address -> index in owned + 1 */
  run_pb               *pbhint[1u << RUN_PB_HINT_BITS]; /* blocks by a hash of their address: most
                                        completions find theirs here (run_pb_find) */
  const uint64_t       *rejects;  /* the machine's count of refusals, all units (kept live) */
  int                   traced;   /* the machine has a trace hook (cfg.trace) */
  /* The Device Manager's own entry per call kind and mode (dm_call_entry),
   * or NULL where the call goes through dm_call (run_client_entries). */
  dm_call_fn            entry[SIM_SC_OP_KILLIO + 1][SIM_SC_IMMEDIATE + 1];
  uint64_t              completions;
  uint32_t              violations;
  int                   failed;
  run_scsibus          *scsibus;       /* SCSI buses and disks (run_scsibus.c), or NULL */
  int                   limit;      /* a limit of the input was hit: the run stops, status 2 */
  int64_t               look_in;    /* events before run_events looks beyond its loop (0 once
                                       a limit was hit) */
  FILE                 *tracef;     /* the trace file (its size: --trace-limit), or NULL */
  struct sim_rt        *rt;         /* the --realtime loop while it runs (a limit stops it), or NULL */
  int                   unfinished; /* work left at the end (report_unfinished) */
  uint64_t              buffered;   /* bytes of data buffers allocated */
  run_place             place;
};

/* run_scsi.c: the machine's SCSI stack, after the machine exists and
 * before its drivers are installed (their `disk` devices filled in).
 * Returns 0, or 2 after a message naming file, line and column. Freed
 * before the machine. */
int  run_scsi_setup(run_machine *rm, uint64_t seed);
void run_scsi_free(run_machine *rm);
/* Move every image disk's bytes through io (NULL: pread and pwrite again):
 * real-time mode's thread pool (sim/rt/rt_file.h). */
void run_scsi_set_io(run_machine *rm, const sim_disk_io *io);

/* send.c: driver d's refNum (d->ref) has just changed: every block made
 * for it (run_pb.made_ref) sends the new one from now on. Called wherever
 * d->ref is set, before anything can send again. */
void run_refs_changed(run_machine *rm, const run_driver *d);

/* client.c */
/* run_client.parked when no block is parked: a block of no statement
 * (its st NULL), so that a step compares it without a test for none. */
extern run_pb run_no_parked;
/* run_machine.next_step while no loop of the executor's runs the world,
 * outside run_events: a client that never steps. */
extern run_client run_steps_queued;
/* A client's step, the fn of its event: run by the world from that event,
 * or by run_events directly (run_machine.next_step). */
void run_client_step(dm_event *ev);
/* Client c's step run directly by run_events (run_machine.next_step): c
 * is ready (done_lean woke it). It spends the loop's event step with the
 * client's own, by one decrement when the step sends its parked block
 * again; a step one too many is reported as it would have been had each
 * been spent alone (the event's first). The _uncounted form spends the
 * client's alone, for a loop that counts no event steps (--max-steps 0). */
void run_client_step_woken(run_client *c);
void run_client_step_woken_uncounted(run_client *c);
/* Fill buf[0..n) as a write with pattern pat sends it (docs/scenario.md). */
void run_fill_pattern(uint8_t *buf, size_t n, const sim_sc_pattern *pat);
/* Fills rm->entry and rm->pbs, before any client starts. */
void run_client_entries(run_machine *rm);
void run_client_start(run_machine *rm, size_t index);
/* The machine's pb_done hook: pb is the block of a completed request,
 * never NULL (the Device Manager calls it only for a request with one). */
void run_pb_done(void *ctx, void *pb) __attribute__((nonnull(2)));
/* After the world ran dry: report clients that can never go on. */
void run_clients_check_hung(run_machine *rm);

/* guard.c */
/* Arm the fault, signal, exit() and timeout handlers for a run when
 * opts->guard says so (trace: the writer to finish when the run ends
 * abruptly, and out the file it writes, given its name then; or NULL). Returns 0, or -1 when they cannot be installed. */
int  run_guard_begin(const sim_run_opts *opts, sim_trace *trace, sim_outfile *out);
/* The machine whose state a report describes (NULL between machines). */
void run_guard_machine(run_machine *rm);
/* Put back what run_guard_begin changed. */
void run_guard_end(void);
/* End the run with a watchdog report: the message, where the machine is,
 * the trace finished, exit status SIM_RUN_EXIT_WATCHDOG. */
void run_watchdog(run_machine *rm, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* Past --max-steps at one instant: report the culprit (kind, and for a
 * client step the client) and end the run. */
void run_step_overrun(run_machine *rm, run_step_kind kind, const void *who)
    __attribute__((noreturn, cold));

/* Count one step at the current simulated instant: the one after
 * --max-steps steps at one instant is an overrun (the world keeps the
 * count, and starts it again when its clock moves). */
static inline void run_step(run_machine *rm, run_step_kind kind, const void *who)
{
  if (sim_world_spend_step(&rm->w))
    run_step_overrun(rm, kind, who);
}

/* run.c */
/* run_pb_find when the hint missed: the address map. */
run_pb *run_pb_lookup(run_machine *rm, const void *pb);
/* The pair of rm->pbhint where block pb's hint may be: two places, so
 * that two blocks whose addresses hash alike (among the 16 of a serialized
 * run, it happens) do not take turns missing. */
static inline size_t run_pb_hint_at(const void *pb)
{
  uint64_t h = ((uint64_t)(uintptr_t)pb * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - RUN_PB_HINT_BITS);
  return (size_t)(h & ~(uint64_t)1);
}
static inline run_pb **run_pb_hints(run_machine *rm, const void *pb)
{
  return &rm->pbhint[run_pb_hint_at(pb)];
}
/* Hint block p: in a free place of its pair, else in place of the hint
 * the pair had first. */
static inline void run_pb_hint(run_machine *rm, run_pb *p)
{
  run_pb **pair = run_pb_hints(rm, p);
  if (pair[0] != NULL && pair[1] == NULL)
    pair[1] = p;
  else
    pair[0] = p;
}
/* run_pb_find when a hint names pb, else NULL (pb may still be the
 * executor's). Blocks live as long as the run, so a hint that names pb is
 * that block's record (the ParamBlockRec is a run_pb's first member: the
 * same address). That address is pb's own, not the hint's: what reads the
 * record then waits for no load of the hint (a completion's dependent
 * loads, perf). */
static inline run_pb *run_pb_hinted(run_machine *rm, const void *pb)
{
  /* (Indexed from rm at each place, not through the pair's address: each
   * compare then takes the table's offset in its own operand, and a hit
   * in the first place makes no address for the second.) */
  size_t h = run_pb_hint_at(pb);
  if ((const void *)rm->pbhint[h] == pb || (const void *)rm->pbhint[h + 1] == pb)
    return (run_pb *)(uintptr_t)pb;
  return NULL;
}
/* The executor's record for a parameter block, or NULL for a block that is
 * not the executor's (a driver's own, for instance). */
static inline run_pb *run_pb_find(run_machine *rm, const void *pb)
{
  run_pb *p = run_pb_hinted(rm, pb);
  return p != NULL ? p : run_pb_lookup(rm, pb);
}
/* A new block for statement st (messages); NULL when out of memory or past
 * the in-flight limit, which is reported. */
run_pb *run_pb_new(run_machine *rm, const sim_sc_stmt *st);
/* Block p is about to be sent for another statement than the one it
 * served: the trace writer and the record hook's owner (opts->pb_retired)
 * forget its number, so that its next record gets a new one, as a block of
 * its own would have. */
void run_pb_retire(run_machine *rm, run_pb *p);
/* Blocks in flight: rm->nbusy less the blocks parked with clients, which
 * are counted there until their clients' next steps. Walks the clients:
 * only asked once nbusy reaches the limit (RUN_MAX_BLOCKS). */
size_t run_in_flight(const run_machine *rm);
/* Blocks the pool holds back before sending one again. */
#define RUN_POOL_QUARANTINE 16u
/* The largest buffer a block keeps when it goes back to the pool; a larger
 * one is freed then (and made again when a statement needs it). */
#define RUN_POOL_BUFFER_KEPT (64u << 10)
/* run_pb.busy of a block in flight: sent by run_send_lean (a lean block,
 * so that run_pb_done knows it lean and in flight from one test), or any
 * other way. */
#define RUN_PB_BUSY      1
#define RUN_PB_BUSY_LEAN 2
/* Marks p, not in flight, sent (how: RUN_PB_BUSY or RUN_PB_BUSY_LEAN),
 * keeping rm->nbusy, the count of blocks in flight (and parked) that the
 * in-flight limit reads. */
static inline void run_pb_sent_as(run_machine *rm, run_pb *p, int how)
{
  rm->nbusy++;
  p->busy = how;
}
static inline void run_pb_sent(run_machine *rm, run_pb *p)
{
  run_pb_sent_as(rm, p, RUN_PB_BUSY);
}
/* Marks p, in flight, complete (or refused). */
static inline void run_pb_ended(run_machine *rm, run_pb *p)
{
  rm->nbusy--;
  p->busy = 0;
}
void run_fail(run_machine *rm, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A limit of the input (memory, requests in flight, the unit table,
 * simulated time): "FILE:LINE:COL: error: ..." once, and the run stops
 * with status 2. Later calls print nothing. */
void run_limit(run_machine *rm, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parameter blocks: requests in flight at once. */
#define RUN_MAX_BLOCKS 100000u
/* Bytes of data buffers the executor allocates at most, all requests
 * together. */
#define RUN_MAX_BUFFER_BYTES (1024ull << 20)

/* run_scsibus.c */
/* Make the machine's SCSI buses and disks and arm its commands, aborts and
 * resets. Returns 0, or -1 after a message naming file, line and column
 * (an image that cannot be opened) or saying it ran out of memory. */
int run_scsibus_setup(run_machine *rm, uint64_t seed, size_t machine);
/* Free them; the disks are synced and closed. */
void run_scsibus_free(run_machine *rm);
/* As run_scsi_set_io, for these disks. */
void run_scsibus_set_io(run_machine *rm, const sim_disk_io *io);
/* Check the SCSI expectations, printing each that fails. Returns 1 when all
 * hold. */
int run_scsibus_check(run_machine *rm);
/* One summary line per SCSI disk. */
void run_scsibus_summary(run_machine *rm, FILE *o);

#endif /* SIM_RUN_INT_H */
