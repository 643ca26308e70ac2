/*
 * sim/rt/rt.h - real time on libuv: runs a simulated world paced by the wall
 * clock, reads and writes files off the loop thread, and stops cleanly on
 * SIGINT and SIGTERM.
 *
 * Pacing. Simulated time t is due at wall time start + t / speed (speed 1 is
 * real time, 0.1 ten times slower). One libuv timer is re-armed to the next
 * event's wall time, never one timer per event; events whose wall time has
 * come run in a batch, in the world's own (t, seq) order. Pacing only
 * delays events: their order and their simulated times are those of a run
 * as fast as possible, so the trace is the same (docs/realtime.md says
 * exactly what the wall clock decides). speed 0 means as fast as possible
 * (nothing is paced, but file operations and signals still work).
 *
 * File operations. sim_rt_io_read/write start a libuv file operation (it
 * runs on libuv's thread pool) at the current simulated time and arm its
 * completion as a simulated event at the time the caller gives. When that
 * event comes up in the world's order and the operation has not finished
 * yet, the simulation waits for it: completions are delivered in simulated
 * time order, never in the order the thread pool finishes, and the
 * simulated time of a completion never depends on the host.
 *
 * Events never run inside a libuv callback (the loop is only used to sleep
 * and to collect results), so an event may wait for a file operation.
 *
 * Not thread-safe: one sim_rt per thread, used from the thread that made it.
 */
#ifndef SIM_RT_H
#define SIM_RT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "world/world.h"

typedef struct sim_rt {
  uv_loop_t   loop;
  uv_timer_t  timer;    /* the one pacing timer */
  uv_signal_t sig[2];   /* SIGINT, SIGTERM while sim_rt_run runs */
  struct sigaction saved[2]; /* their handlers before it (put back after) */
  sim_world  *w;
  uint64_t    inflight; /* file operations started and not yet collected */
  int         stop_signal; /* the signal that stopped the run, 0 if none */
  int         stop;     /* sim_rt_request_stop was called */
  /* With overrun set (sim_rt_init clears it), sim_rt_run spends each
   * event's step from its instant's budget (sim_world_step_spent), as dmsim
   * run counts them for --max-steps without --realtime, and calls
   * overrun(overrun_ctx) instead of running an event that is one step too
   * many; the run stops there if overrun returns. */
  sim_world_overrun_fn overrun;
  void                *overrun_ctx;
} sim_rt;

/* Bind a real-time runner to w (its own libuv loop). Returns 0, or a
 * negative libuv error code. */
int sim_rt_init(sim_rt *rt, sim_world *w);
/* Wait for every file operation still running, then release the loop.
 * Returns 0, or a negative libuv error code when the loop could not be
 * closed. */
int sim_rt_close(sim_rt *rt);

/*
 * Run w's events until none is left, max_events have run (0: no limit), or
 * the run is stopped (SIGINT, SIGTERM, sim_rt_request_stop). speed > 0
 * paces the run against the wall clock from the moment of the call; 0 runs
 * as fast as possible. While it runs, SIGINT and SIGTERM stop the run after
 * the event in progress instead of killing the process; their handlers of
 * before the call (dmsim run's guard, for instance) are put back when it
 * returns. Returns the number of events run.
 */
uint64_t sim_rt_run(sim_rt *rt, double speed, uint64_t max_events);
/* The signal that stopped the last sim_rt_run (SIGINT or SIGTERM), or 0. */
int sim_rt_stop_signal(const sim_rt *rt);
/* Ask the current sim_rt_run to return before the next event (from an
 * event's fn, for instance). A later sim_rt_run clears it. */
void sim_rt_request_stop(sim_rt *rt);

/* A file operation; the caller owns it and keeps it alive until its
 * completion ran (or sim_rt_close returned). */
typedef struct sim_rt_io sim_rt_io;
/* Called as a simulated event at the completion's simulated time, at the
 * level the caller gave: result is the byte count, or a negative libuv
 * error code. */
typedef void (*sim_rt_io_fn)(sim_rt_io *io, ssize_t result);

/* Operations issued through one queue run on the pool one at a time, in
 * issue order (a disk's image: a read after a write of the same block sees
 * the write). Operations on no queue run concurrently. Zero-initialise. */
typedef struct sim_rt_ioq {
  sim_rt_io *head, *tail; /* head is on the pool, the rest wait */
} sim_rt_ioq;

struct sim_rt_io {
  uv_fs_t      fs;
  dm_event     ev;      /* the completion, armed in the world */
  sim_rt      *rt;
  sim_rt_io_fn done;
  void        *data;    /* the caller's */
  ssize_t      result;
  int          finished; /* the libuv callback ran */
  int          writing;
  uv_file      fd;
  uv_buf_t     buf;
  int64_t      off;
  sim_rt_ioq  *q;
  sim_rt_io   *next;    /* next on q */
};

/* Start reading len bytes at offset off of fd into buf (or writing them
 * from buf): the operation runs on libuv's thread pool now (or, on queue q,
 * when the operations issued before it on q finished; q may be NULL);
 * done(io, n) runs in the world at simulated time `due` (clamped up to
 * now), at level lvl, after the operation finished. Returns 0, or a
 * negative libuv error code (then nothing was started and done will not
 * run). */
int sim_rt_io_read(sim_rt *rt, sim_rt_ioq *q, sim_rt_io *io, uv_file fd, void *buf, size_t len,
                   int64_t off, uint64_t due, dm_level lvl, sim_rt_io_fn done, void *data);
int sim_rt_io_write(sim_rt *rt, sim_rt_ioq *q, sim_rt_io *io, uv_file fd, const void *buf,
                    size_t len, int64_t off, uint64_t due, dm_level lvl, sim_rt_io_fn done,
                    void *data);

#endif /* SIM_RT_H */
