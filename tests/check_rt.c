/*
 * check_rt.c - the real-time runner (sim/rt/rt.c) and its file-backed test
 * disk (sim/rt/rt_disk.c).
 *
 * Pacing: a chain of events of known simulated span takes about that span
 * of wall time at speed 1 and ten times it at speed 0.1 (generous bounds:
 * the machine is shared); the events run in the order and at the simulated
 * times of a run as fast as possible; the loop holds one timer however many
 * events are pending. File operations: completions run at their simulated
 * times in simulated order, with the bytes read or written, whatever order
 * the thread pool finishes in. Stopping: SIGINT during a run with writes
 * pending stops the run, and every write whose completion ran is in the
 * file.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rt/rt.h"
#include "rt/rt_disk.h"
#include "rt/rt_file.h"
#include "tests.h"

static double wall_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- a chain of events ------------------------------------------------------- */

enum { CHAIN_MAX = 64 };

typedef struct chain {
  sim_world *w;
  sim_rt    *rt;
  dm_event   ev[CHAIN_MAX];
  uint64_t   at[CHAIN_MAX]; /* simulated time each ran */
  int        order[CHAIN_MAX];
  int        n, ran;
  size_t     handles;       /* handles in the loop, seen from inside an event */
} chain;

static void count_handle(uv_handle_t *h, void *arg)
{
  (void)h;
  (*(size_t *)arg)++;
}

static void chain_fire(dm_event *ev)
{
  chain *c = ev->data;
  int i = (int)(ev - c->ev);
  c->at[c->ran] = sim_world_now(c->w);
  c->order[c->ran++] = i;
  if (c->rt != NULL) {
    size_t n = 0;
    uv_walk(&c->rt->loop, count_handle, &n);
    if (n > c->handles)
      c->handles = n;
  }
}

/* n events spread evenly over span ns, armed in reverse so that the order
 * of arming is not the order of running. */
static void chain_arm(chain *c, sim_world *w, int n, uint64_t span)
{
  memset(c, 0, sizeof *c);
  c->w = w;
  c->n = n;
  for (int i = n - 1; i >= 0; i--) {
    dm_event_init(&c->ev[i], chain_fire, c, i % 2 ? DM_LVL_HWI : DM_LVL_TASK);
    c->ev[i].t = span * (uint64_t)(i + 1) / (uint64_t)n;
    ck_assert_int_eq(sim_world_arm(w, &c->ev[i]), 0);
  }
}

/* Run a chain of span ns at speed; returns the wall time it took. */
static double paced(chain *c, uint64_t span, double speed)
{
  sim_world w;
  sim_rt rt;
  ck_assert_int_eq(sim_world_init(&w), 0);
  ck_assert_int_eq(sim_rt_init(&rt, &w), 0);
  chain_arm(c, &w, 40, span);
  c->rt = &rt;
  double t0 = wall_now();
  uint64_t ran = sim_rt_run(&rt, speed, 0);
  double took = wall_now() - t0;
  ck_assert_uint_eq(ran, 40);
  ck_assert_int_eq(sim_rt_stop_signal(&rt), 0);
  ck_assert_int_eq(sim_rt_close(&rt), 0);
  sim_world_free(&w);
  c->w = NULL;
  return took;
}

START_TEST(pace_speed_one)
{
  chain c;
  double took = paced(&c, 200000000u, 1.0); /* 0.2 s */
  ck_assert_msg(took >= 0.19 && took <= 0.6, "0.2 s of simulated time took %.3f s at speed 1",
                took);
}
END_TEST

START_TEST(pace_speed_tenth)
{
  chain c;
  double took = paced(&c, 20000000u, 0.1); /* 0.02 s, ten times slower */
  ck_assert_msg(took >= 0.19 && took <= 0.6, "0.02 s of simulated time took %.3f s at speed 0.1",
                took);
}
END_TEST

START_TEST(pace_keeps_order_and_times)
{
  chain fast, slow;
  sim_world w;
  ck_assert_int_eq(sim_world_init(&w), 0);
  chain_arm(&fast, &w, 40, 10000000u);
  sim_world_run(&w, UINT64_MAX, 0);
  sim_world_free(&w);
  paced(&slow, 10000000u, 1.0);
  ck_assert_int_eq(slow.ran, fast.ran);
  for (int i = 0; i < fast.ran; i++) {
    ck_assert_int_eq(slow.order[i], fast.order[i]);
    ck_assert_uint_eq(slow.at[i], fast.at[i]);
  }
}
END_TEST

/* One timer re-armed, never one per event: from inside every event, the
 * loop holds the timer and the two signal handles, whatever is pending. */
START_TEST(one_timer)
{
  chain c;
  paced(&c, 5000000u, 1.0);
  ck_assert_uint_eq(c.handles, 3);
}
END_TEST

START_TEST(speed_zero_is_unpaced)
{
  chain c;
  double took = paced(&c, 3600000000000ull, 0); /* an hour */
  ck_assert_msg(took < 0.5, "an unpaced run took %.3f s", took);
}
END_TEST

/* --- file operations ---------------------------------------------------------- */

enum { NREQ = 32, BLK = 4096 };

typedef struct disk_test {
  sim_world   w;
  sim_rt      rt;
  sim_rt_disk d;
  sim_rt_io   io[NREQ];
  uint8_t     buf[NREQ][BLK];
  uint64_t    t_done[NREQ];
  ssize_t     result[NREQ];
  int         order[NREQ];
  int         ndone;
  int         stop_at;  /* raise SIGINT after this many completions; 0: never */
  char        path[64];
} disk_test;

static void disk_done(sim_rt_io *io, ssize_t n)
{
  disk_test *t = io->data;
  int i = (int)(io - t->io);
  t->t_done[i] = sim_world_now(&t->w);
  t->result[i] = n;
  t->order[t->ndone++] = i;
  if (t->stop_at != 0 && t->ndone == t->stop_at)
    raise(SIGINT);
}

static void disk_setup(disk_test *t, uint64_t latency)
{
  memset(t, 0, sizeof *t);
  snprintf(t->path, sizeof t->path, "/tmp/dmsim-rt-%d.img", (int)getpid());
  unlink(t->path);
  ck_assert_int_eq(sim_world_init(&t->w), 0);
  ck_assert_int_eq(sim_rt_init(&t->rt, &t->w), 0);
  ck_assert_int_eq(sim_rt_disk_open(&t->d, &t->rt, t->path, latency), 0);
}

static void disk_teardown(disk_test *t)
{
  ck_assert_int_eq(sim_rt_close(&t->rt), 0);
  ck_assert_int_eq(sim_rt_disk_close(&t->d), 0);
  sim_world_free(&t->w);
}

static void fill(uint8_t *b, int i)
{
  for (int k = 0; k < BLK; k++)
    b[k] = (uint8_t)(i * 31 + k * 7 + 1);
}

/* Writes, then reads of the same blocks: every completion runs at its
 * simulated time (FIFO, 1 ms each), in issue order, and the reads return
 * what was written. */
START_TEST(disk_round_trip)
{
  static disk_test t;
  disk_setup(&t, 1000000u);
  for (int i = 0; i < NREQ / 2; i++) {
    fill(t.buf[i], i);
    ck_assert_int_eq(sim_rt_disk_write(&t.d, &t.io[i], (uint64_t)(NREQ / 2 - 1 - i) * BLK,
                                       t.buf[i], BLK, disk_done, &t), 0);
  }
  for (int i = NREQ / 2; i < NREQ; i++)
    ck_assert_int_eq(sim_rt_disk_read(&t.d, &t.io[i], (uint64_t)(NREQ - 1 - i) * BLK, t.buf[i],
                                      BLK, disk_done, &t), 0);
  sim_rt_run(&t.rt, 0, 0);
  ck_assert_int_eq(t.ndone, NREQ);
  for (int i = 0; i < NREQ; i++) {
    ck_assert_int_eq(t.order[i], i);
    ck_assert_uint_eq(t.t_done[i], (uint64_t)(i + 1) * 1000000u);
    ck_assert_int_eq((int)t.result[i], BLK);
  }
  uint8_t want[BLK];
  for (int i = 0; i < NREQ / 2; i++) {
    fill(want, i);
    ck_assert(memcmp(t.buf[NREQ / 2 + i], want, BLK) == 0);
  }
  disk_teardown(&t);
  unlink(t.path);
}
END_TEST

/* Operations due in the reverse order of their issue: a big read issued
 * first completes last in simulated time, whatever the pool does. */
START_TEST(io_simulated_order)
{
  static disk_test t;
  disk_setup(&t, 0);
  for (int i = 0; i < NREQ; i++) {
    fill(t.buf[i], i);
    ck_assert_int_eq(sim_rt_io_write(&t.rt, NULL, &t.io[i], t.d.fd, t.buf[i], BLK, (int64_t)i * BLK,
                                     (uint64_t)(NREQ - i) * 1000u, DM_LVL_HWI, disk_done, &t), 0);
  }
  sim_rt_run(&t.rt, 0, 0);
  ck_assert_int_eq(t.ndone, NREQ);
  for (int i = 0; i < NREQ; i++) {
    ck_assert_int_eq(t.order[i], NREQ - 1 - i);
    ck_assert_uint_eq(t.t_done[NREQ - 1 - i], (uint64_t)(i + 1) * 1000u);
  }
  disk_teardown(&t);
  unlink(t.path);
}
END_TEST

/* A read past the end of the file returns 0 bytes; one on a closed file
 * descriptor returns libuv's error, at its simulated time. */
START_TEST(io_errors_delivered)
{
  static disk_test t;
  disk_setup(&t, 0);
  ck_assert_int_eq(sim_rt_io_read(&t.rt, NULL, &t.io[0], t.d.fd, t.buf[0], BLK, 1 << 20, 500u,
                                  DM_LVL_HWI, disk_done, &t), 0);
  ck_assert_int_eq(sim_rt_io_read(&t.rt, NULL, &t.io[1], 1000, t.buf[1], BLK, 0, 700u, DM_LVL_HWI,
                                  disk_done, &t), 0);
  sim_rt_run(&t.rt, 0, 0);
  ck_assert_int_eq(t.ndone, 2);
  ck_assert_int_eq((int)t.result[0], 0);
  ck_assert_int_eq((int)t.result[1], UV_EBADF);
  ck_assert_uint_eq(t.t_done[1], 700u);
  disk_teardown(&t);
  unlink(t.path);
}
END_TEST

/* SIGINT with writes pending (2 ms each, 32 queued, 64 ms in all, paced in
 * real time): the run stops soon after, and every write whose completion
 * ran is in the file. */
START_TEST(sigint_keeps_completed_writes)
{
  static disk_test t;
  disk_setup(&t, 2000000u);
  t.stop_at = 5;
  for (int i = 0; i < NREQ; i++) {
    fill(t.buf[i], i);
    ck_assert_int_eq(sim_rt_disk_write(&t.d, &t.io[i], (uint64_t)i * BLK, t.buf[i], BLK,
                                       disk_done, &t), 0);
  }
  sim_rt_run(&t.rt, 1.0, 0);
  ck_assert_int_eq(sim_rt_stop_signal(&t.rt), SIGINT);
  ck_assert_msg(t.ndone >= 5 && t.ndone < NREQ, "%d writes completed", t.ndone);
  int done = t.ndone;
  disk_teardown(&t); /* waits for the writes still running */
  FILE *f = fopen(t.path, "rb");
  ck_assert_ptr_nonnull(f);
  uint8_t got[BLK], want[BLK];
  for (int k = 0; k < done; k++) {
    int i = t.order[k];
    ck_assert_int_eq((int)t.result[i], BLK);
    ck_assert_int_eq(fseek(f, (long)i * BLK, SEEK_SET), 0);
    ck_assert_uint_eq(fread(got, 1, BLK, f), BLK);
    fill(want, i);
    ck_assert_msg(memcmp(got, want, BLK) == 0, "completed write %d is not in the image", i);
  }
  fclose(f);
  unlink(t.path);
}
END_TEST

/* sim_rt_request_stop from an event ends the run before the next event. */
static void stop_fire(dm_event *ev)
{
  sim_rt_request_stop(ev->data);
}

/* A world w with its runner rt and a chain of 10 events over 10 us. */
static void chain_rt(sim_world *w, sim_rt *rt, chain *c)
{
  ck_assert_int_eq(sim_world_init(w), 0);
  ck_assert_int_eq(sim_rt_init(rt, w), 0);
  chain_arm(c, w, 10, 10000u);
}

START_TEST(request_stop)
{
  sim_world w;
  sim_rt rt;
  chain c;
  chain_rt(&w, &rt, &c);
  dm_event stop;
  dm_event_init(&stop, stop_fire, &rt, DM_LVL_TASK);
  stop.t = 5000u;
  ck_assert_int_eq(sim_world_arm(&w, &stop), 0);
  uint64_t ran = sim_rt_run(&rt, 0, 0);
  ck_assert_uint_eq(ran, 6); /* five of the chain, then the stop */
  ck_assert_int_eq(c.ran, 5);
  ck_assert_int_eq(sim_rt_stop_signal(&rt), 0);
  ck_assert_uint_eq(sim_rt_run(&rt, 0, 0), 5); /* the rest */
  ck_assert_int_eq(sim_rt_close(&rt), 0);
  sim_world_free(&w);
}
END_TEST

/* With overrun set, each event's step is spent from the budget of the
 * instant it runs at, as dmsim run spends them without --realtime
 * (sim_world_step_spent): with 2 steps an instant, the chain's events, one
 * an instant, all run; three events at one instant are one too many, and
 * the run stops at the third, overrun called with its context. */
static void stop_on_overrun(void *ctx)
{
  int *calls = ctx;
  (*calls)++;
}

START_TEST(overrun_spends_each_events_step)
{
  sim_world w;
  sim_rt rt;
  chain c;
  chain_rt(&w, &rt, &c);
  ck_assert_ptr_null(rt.overrun);
  int calls = 0;
  rt.overrun = stop_on_overrun;
  rt.overrun_ctx = &calls;
  sim_world_set_step_budget(&w, 2);
  ck_assert_uint_eq(sim_rt_run(&rt, 0, 0), 10);
  ck_assert_int_eq(calls, 0);
  ck_assert_int_eq(c.ran, 10);
  for (int i = 0; i < 3; i++) {
    c.ev[i].t = 20000u;
    ck_assert_int_eq(sim_world_arm(&w, &c.ev[i]), 0);
  }
  ck_assert_uint_eq(sim_rt_run(&rt, 0, 0), 2);
  ck_assert_int_eq(calls, 1);
  ck_assert_int_eq(c.ran, 12);
  ck_assert(c.ev[2].idx != DM_EVENT_IDLE); /* the third did not run */
  ck_assert_int_eq(sim_rt_close(&rt), 0);
  sim_world_free(&w);
}
END_TEST

/* A disk image store whose bytes move on the thread pool (rt_file.c): what
 * is written is read back, through the pool and through plain pread, and
 * a read beyond the file's end is an error of the store. The calls are
 * made from an event, as a SCSI completion makes them. */
typedef struct store_test {
  sim_disk *d;
  sim_rt   *rt;
  int       ok;
} store_test;

static void store_fire(dm_event *ev)
{
  store_test *st = ev->data;
  uint8_t out[BLK], in[BLK];
  fill(out, 7);
  ck_assert_int_eq(sim_disk_write(st->d, 8 * BLK, out, BLK), SIM_DISK_OK);
  ck_assert_int_eq(sim_disk_read(st->d, 8 * BLK, in, BLK), SIM_DISK_OK);
  ck_assert(memcmp(in, out, BLK) == 0);
  ck_assert_uint_eq(st->rt->inflight, 0);
  st->ok = 1;
}

START_TEST(disk_store_on_pool)
{
  char path[64], err[256];
  snprintf(path, sizeof path, "/tmp/dmsim-rt-store-%d.img", (int)getpid());
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  static uint8_t zero[16 * BLK];
  ck_assert_uint_eq(fwrite(zero, 1, sizeof zero, f), sizeof zero);
  fclose(f);
  store_test st = { 0 };
  st.d = sim_disk_open(path, SIM_DISK_WRITABLE | SIM_DISK_RAW, err, sizeof err);
  ck_assert_msg(st.d != NULL, "%s", err);
  sim_world w;
  sim_rt rt;
  ck_assert_int_eq(sim_world_init(&w), 0);
  ck_assert_int_eq(sim_rt_init(&rt, &w), 0);
  st.rt = &rt;
  sim_disk_io io = sim_rt_file_io(&rt);
  sim_disk_set_io(st.d, &io);
  dm_event ev;
  dm_event_init(&ev, store_fire, &st, DM_LVL_HWI);
  ev.t = 1000;
  ck_assert_int_eq(sim_world_arm(&w, &ev), 0);
  ck_assert_uint_eq(sim_rt_run(&rt, 0, 0), 1);
  ck_assert(st.ok);
  /* The same bytes through plain pread. */
  sim_disk_set_io(st.d, NULL);
  uint8_t in[BLK], want[BLK];
  fill(want, 7);
  ck_assert_int_eq(sim_disk_read(st.d, 8 * BLK, in, BLK), SIM_DISK_OK);
  ck_assert(memcmp(in, want, BLK) == 0);
  ck_assert_int_eq(sim_disk_close(st.d), 0);
  ck_assert_int_eq(sim_rt_close(&rt), 0);
  sim_world_free(&w);
  unlink(path);
}
END_TEST

/* The handlers of SIGINT and SIGTERM from before a run are there after it
 * (libuv would leave the default action). */
static void mark_signal(int sig)
{
  (void)sig;
}

START_TEST(signal_handlers_put_back)
{
  struct sigaction sa, got;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = mark_signal;
  ck_assert_int_eq(sigaction(SIGINT, &sa, NULL), 0);
  ck_assert_int_eq(sigaction(SIGTERM, &sa, NULL), 0);
  chain c;
  paced(&c, 1000000u, 1.0);
  ck_assert_int_eq(sigaction(SIGINT, NULL, &got), 0);
  ck_assert_ptr_eq((void *)got.sa_handler, (void *)mark_signal);
  ck_assert_int_eq(sigaction(SIGTERM, NULL, &got), 0);
  ck_assert_ptr_eq((void *)got.sa_handler, (void *)mark_signal);
}
END_TEST

Suite *rt_suite(void)
{
  Suite *s = suite_create("rt");
  TCase *tc = tcase_create("rt");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, pace_speed_one);
  tcase_add_test(tc, pace_speed_tenth);
  tcase_add_test(tc, pace_keeps_order_and_times);
  tcase_add_test(tc, one_timer);
  tcase_add_test(tc, speed_zero_is_unpaced);
  tcase_add_test(tc, disk_round_trip);
  tcase_add_test(tc, io_simulated_order);
  tcase_add_test(tc, io_errors_delivered);
  tcase_add_test(tc, sigint_keeps_completed_writes);
  tcase_add_test(tc, request_stop);
  tcase_add_test(tc, overrun_spends_each_events_step);
  tcase_add_test(tc, disk_store_on_pool);
  tcase_add_test(tc, signal_handlers_put_back);
  suite_add_tcase(s, tc);
  return s;
}
