/*
 * sim/rt/rt.c - the real-time runner: a simulated world paced by one libuv
 * timer, file operations on libuv's thread pool joined in simulated-time
 * order, and SIGINT/SIGTERM turned into a clean stop (see rt.h).
 *
 * Why events run outside libuv's callbacks: uv_run is not re-entrant, and a
 * completion event may have to wait for its file operation. So the loop
 * below steps the world itself and calls uv_run only to sleep until the
 * next event's wall time (the timer), to collect finished file operations
 * and to notice signals. An event that waits for its operation runs the
 * loop once at a time until the operation's callback has run.
 */
#include "rt/rt.h"

#include <signal.h>

/* While a batch of due events runs, signals are looked at this often. */
#define RT_POLL_EVERY 1024u

static const int rt_signals[2] = { SIGINT, SIGTERM };

/* The pacing timer only wakes the loop up. uv_run runs due timers before
 * it computes how long to poll: a timer that came due in between (a busy
 * host) would otherwise fire there and leave the poll waiting forever on
 * the signal handles. uv_stop makes that poll return at once. */
static void on_timer(uv_timer_t *t)
{
  uv_stop(t->loop);
}

static void on_signal(uv_signal_t *s, int signum)
{
  sim_rt *rt = s->data;
  rt->stop_signal = signum;
  rt->stop = 1;
}

int sim_rt_init(sim_rt *rt, sim_world *w)
{
  rt->w = w;
  rt->inflight = 0;
  rt->stop = 0;
  rt->stop_signal = 0;
  rt->overrun = NULL;
  rt->overrun_ctx = NULL;
  int e = uv_loop_init(&rt->loop);
  if (e != 0)
    return e;
  uv_timer_init(&rt->loop, &rt->timer);
  for (int i = 0; i < 2; i++) {
    uv_signal_init(&rt->loop, &rt->sig[i]);
    rt->sig[i].data = rt;
  }
  return 0;
}

static void on_closed(uv_handle_t *h)
{
  (void)h;
}

int sim_rt_close(sim_rt *rt)
{
  /* Operations still running write into their callers' buffers and files:
   * let them finish, so that nothing the run started is left half done. */
  while (rt->inflight > 0)
    uv_run(&rt->loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&rt->timer, on_closed);
  for (int i = 0; i < 2; i++)
    uv_close((uv_handle_t *)&rt->sig[i], on_closed);
  uv_run(&rt->loop, UV_RUN_DEFAULT);
  return uv_loop_close(&rt->loop);
}

int sim_rt_stop_signal(const sim_rt *rt)
{
  return rt->stop_signal;
}

void sim_rt_request_stop(sim_rt *rt)
{
  rt->stop = 1;
}

/* Sleep in the loop until wall time `wall` (uv_hrtime's clock), a file
 * operation finishes or a signal arrives, whichever is first. */
static void sleep_until(sim_rt *rt, uint64_t wall, uint64_t now)
{
  uint64_t ms = (wall - now + 999999u) / 1000000u; /* whole ms, rounded up */
  uv_update_time(&rt->loop);
  uv_timer_start(&rt->timer, on_timer, ms, 0);
  uv_run(&rt->loop, UV_RUN_ONCE);
}

uint64_t sim_rt_run(sim_rt *rt, double speed, uint64_t max_events)
{
  rt->stop = 0;
  rt->stop_signal = 0;
  for (int i = 0; i < 2; i++) {
    sigaction(rt_signals[i], NULL, &rt->saved[i]);
    uv_signal_start(&rt->sig[i], on_signal, rt_signals[i]);
  }
  const uint64_t start = uv_hrtime();
  uint64_t ran = 0, batch = 0;
  uint64_t due;
  while (!rt->stop && (max_events == 0 || ran < max_events) && sim_world_next_due(rt->w, &due)) {
    if (speed > 0) {
      /* In double: t / speed may exceed what 64 bits hold for slow speeds. */
      double wall = (double)start + (double)due / speed;
      uint64_t now = uv_hrtime();
      if (wall > (double)now) {
        sleep_until(rt, wall >= 1.8e19 ? UINT64_C(18000000000000000000) : (uint64_t)wall, now);
        batch = 0;
        continue;
      }
    }
    if (++batch % RT_POLL_EVERY == 0) {
      uv_run(&rt->loop, UV_RUN_NOWAIT); /* (a signal may stop the run here) */
      if (rt->stop)
        break;
    }
    if (rt->overrun != NULL ? sim_world_step_spent(rt->w, rt->overrun, rt->overrun_ctx) < 0
                            : !sim_world_step(rt->w))
      break;
    ran++;
  }
  uv_timer_stop(&rt->timer);
  /* A signal that arrived during the last batch is still in the loop's
   * pipe: collect it, so that a stop is never lost. */
  uv_run(&rt->loop, UV_RUN_NOWAIT);
  /* libuv leaves the default action behind; put back what was there. */
  for (int i = 0; i < 2; i++) {
    uv_signal_stop(&rt->sig[i]);
    sigaction(rt_signals[i], &rt->saved[i], NULL);
  }
  return ran;
}

/* --- file operations ------------------------------------------------------- */

static void on_fs_done(uv_fs_t *req);

/* Hand io to the thread pool; a failure is delivered as its result. */
static void submit(sim_rt_io *io)
{
  uv_loop_t *loop = &io->rt->loop;
  int e = io->writing ? uv_fs_write(loop, &io->fs, io->fd, &io->buf, 1, io->off, on_fs_done)
                      : uv_fs_read(loop, &io->fs, io->fd, &io->buf, 1, io->off, on_fs_done);
  if (e != 0) {
    io->result = e;
    io->finished = 1;
    io->rt->inflight--;
  }
}

static void on_fs_done(uv_fs_t *req)
{
  sim_rt_io *io = req->data;
  io->result = req->result;
  io->finished = 1;
  io->rt->inflight--;
  uv_fs_req_cleanup(req);
  /* The next operation of its queue may go now; one whose submission
   * fails is finished at once, so the one after it goes too. */
  sim_rt_ioq *q = io->q;
  if (q == NULL)
    return;
  q->head = io->next;
  if (q->head == NULL)
    q->tail = NULL;
  while (q->head != NULL) {
    submit(q->head);
    if (!q->head->finished)
      break;
    q->head = q->head->next;
    if (q->head == NULL)
      q->tail = NULL;
  }
}

/* The completion event: its simulated time has come, in the world's order;
 * wait for the operation if the thread pool has not finished it yet. */
static void on_io_event(dm_event *ev)
{
  sim_rt_io *io = ev->data;
  while (!io->finished)
    uv_run(&io->rt->loop, UV_RUN_ONCE);
  io->done(io, io->result);
}

static int io_start(sim_rt *rt, sim_rt_ioq *q, sim_rt_io *io, uv_file fd, void *buf, size_t len,
                    int64_t off, uint64_t due, dm_level lvl, sim_rt_io_fn done, void *data,
                    int writing)
{
  io->rt = rt;
  io->done = done;
  io->data = data;
  io->result = 0;
  io->finished = 0;
  io->writing = writing;
  io->fd = fd;
  io->buf = uv_buf_init(buf, (unsigned)len);
  io->off = off;
  io->q = q;
  io->next = NULL;
  io->fs.data = io;
  dm_event_init(&io->ev, on_io_event, io, lvl);
  io->ev.t = due;
  if (sim_world_arm(rt->w, &io->ev) != 0)
    return UV_ENOMEM;
  rt->inflight++;
  if (q != NULL && q->tail != NULL) {
    q->tail->next = io; /* goes when the ones before it finished */
    q->tail = io;
    return 0;
  }
  if (q != NULL)
    q->head = q->tail = io;
  submit(io);
  if (io->finished) {
    /* Refused at once: nothing was started. */
    if (q != NULL)
      q->head = q->tail = NULL;
    sim_world_disarm(rt->w, &io->ev);
    return (int)io->result;
  }
  return 0;
}

int sim_rt_io_read(sim_rt *rt, sim_rt_ioq *q, sim_rt_io *io, uv_file fd, void *buf, size_t len,
                   int64_t off, uint64_t due, dm_level lvl, sim_rt_io_fn done, void *data)
{
  return io_start(rt, q, io, fd, buf, len, off, due, lvl, done, data, 0);
}

int sim_rt_io_write(sim_rt *rt, sim_rt_ioq *q, sim_rt_io *io, uv_file fd, const void *buf,
                    size_t len, int64_t off, uint64_t due, dm_level lvl, sim_rt_io_fn done,
                    void *data)
{
  /* libuv's buffer type is not const; a write only reads it. */
  return io_start(rt, q, io, fd, (void *)(uintptr_t)buf, len, off, due, lvl, done, data, 1);
}
