/*
 * sim/bench/bench_scsi.c - `dmsim bench`'s SCSI figures: 4 KiB reads
 * through the whole stack (Device Manager, .SCSIDisk, the controller
 * family, DMSimHBA, the simulated bus, a memory-backed unit with no
 * latency) at depth 32, on the per-task path and on the bundled path.
 * Each path gives host nanoseconds per task (so tasks per host second)
 * and simulated IOPS with the default crossing cost.
 *
 * Both stacks are built once, their stores filled, and warmed up (one
 * untimed pass over the whole disk, so that no timed round pays a page
 * fault or a cold cache the other does not); then short rounds measure the
 * two paths back to back, each round starting with the path the previous
 * one ended with. Each path's host figure is its best round; the cost
 * ratio is the median of the rounds' own ratios. A slow spell of the host
 * then spoils a round or two, not a figure.
 */
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "stack/stack.h"

#define SCSI_DEPTH 32
#define SCSI_IO 4096u
/* 1 MiB of real bytes: with the 128 KiB of buffers it stays in a 4 MiB L2,
 * so the figures measure the stack, not the host's memory. From a 16 MiB
 * store each read's 4 KiB came from L3 or DRAM (about 100 ns a read on the
 * reference machine, the same on both paths), or from one shared zero page
 * when the allocator handed out fresh pages: the ratio then depended on
 * what earlier benchmarks had freed. */
#define SCSI_DISK (1u << 20)

typedef struct scsi_loop {
  ParamBlockRec pb[SCSI_DEPTH];
  uint8_t       buf[SCSI_DEPTH][SCSI_IO];
  uint64_t      left, next, done;
  uint64_t      t_last;  /* simulated time of the last completion */
  sim_world    *w;
  int           failed;
} scsi_loop;

static scsi_loop loop_state;

/* Each completion sends its block again at the next 4 KiB, wrapping. */
static void resend(ParmBlkPtr pb)
{
  scsi_loop *l = &loop_state;
  if (pb->ioParam.ioResult != noErr)
    l->failed = 1;
  l->done++;
  l->t_last = sim_world_now(l->w);
  if (l->left == 0)
    return;
  l->left--;
  pb->ioParam.ioPosOffset = (long)(l->next++ % (SCSI_DISK / SCSI_IO) * SCSI_IO);
  PBReadAsync(pb);
}

typedef struct scsi_path {
  sim_stack s;
  int       open;
  uint64_t  next; /* the next 4 KiB block to read, carried across rounds */
} scsi_path;

static int path_open(scsi_path *p, int bundled)
{
  char err[200];
  sim_stack_config cfg = { 0 };
  cfg.memory_bytes = SCSI_DISK;
  cfg.bundled = bundled;
  cfg.crossing_ns = DM_SCSI_CROSSING_NS_DEFAULT;
  cfg.check = DM_CHECK_OFF;
  p->next = 0;
  p->open = sim_stack_open(&p->s, &cfg, err, sizeof err) == 0;
  /* Real bytes in every page of the store, whatever the allocator gave
   * (fresh zero pages read as one shared page, which stays in cache). */
  uint8_t block[SCSI_IO];
  for (uint32_t i = 0; p->open && i < SCSI_DISK / SCSI_IO; i++) {
    for (uint32_t k = 0; k < SCSI_IO; k++)
      block[k] = (uint8_t)(i * 131u + k * 7u + 1u);
    if (sim_disk_write(p->s.disk, (uint64_t)i * SCSI_IO, block, SCSI_IO) != SIM_DISK_OK)
      p->open = 0;
  }
  return p->open ? 0 : -1;
}

/* n reads kept 32 deep on p: host ns per task and simulated IOPS, or -1
 * when a read failed. */
static void path_round(scsi_path *p, uint64_t n, double *host_ns, double *sim_iops)
{
  *host_ns = *sim_iops = -1;
  if (!p->open)
    return;
  scsi_loop *l = &loop_state;
  memset(l, 0, sizeof *l);
  l->left = n;
  l->next = p->next;
  l->w = &p->s.w;
  dm_machine *prev = dm_machine_enter(p->s.m);
  uint64_t t_sim = sim_world_now(&p->s.w);
  double t0 = sim_bench_now_ns();
  for (int i = 0; i < SCSI_DEPTH && l->left > 0; i++, l->left--) {
    ParamBlockRec *pb = &l->pb[i];
    pb->ioParam.ioRefNum = p->s.ref;
    pb->ioParam.ioBuffer = (Ptr)l->buf[i];
    pb->ioParam.ioReqCount = SCSI_IO;
    pb->ioParam.ioPosMode = fsFromStart;
    pb->ioParam.ioPosOffset = (long)(l->next++ % (SCSI_DISK / SCSI_IO) * SCSI_IO);
    pb->ioParam.ioCompletion = resend;
    PBReadAsync(pb);
  }
  sim_world_run(&p->s.w, UINT64_MAX, 0);
  double t1 = sim_bench_now_ns();
  uint64_t elapsed = l->t_last - t_sim;
  dm_machine_leave(prev);
  p->next = l->next;
  if (!l->failed && l->done == n && elapsed > 0) {
    *host_ns = (t1 - t0) / (double)n;
    *sim_iops = (double)n * 1e9 / (double)elapsed;
  } else {
    p->open = 0; /* a broken stack measures nothing more */
  }
}

static void keep(double ns, double iops, double *best_ns, double *best_iops)
{
  if (ns >= 0 && (*best_ns < 0 || ns < *best_ns)) {
    *best_ns = ns;
    *best_iops = iops;
  }
}

#define MAX_ROUNDS 64

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void sim_bench_scsi(sim_bench_scsi_result *r, int rounds, uint64_t n)
{
  static scsi_path paths[2];
  double ns[2], iops[2], ratios[MAX_ROUNDS];
  int nratios = 0;
  r->task_ns = r->bundled_ns = r->cost_ratio = -1;
  r->task_sim_iops = r->bundled_sim_iops = 0;
  if (rounds > MAX_ROUNDS)
    rounds = MAX_ROUNDS;
  for (int b = 0; b < 2; b++)
    if (path_open(&paths[b], b) == 0)
      path_round(&paths[b], SCSI_DISK / SCSI_IO, &ns[b], &iops[b]); /* warm-up */
  for (int i = 0; i < rounds; i++) {
    for (int j = 0; j < 2; j++) {
      int b = (i + j) % 2; /* task, bundled; bundled, task; ... */
      path_round(&paths[b], n, &ns[b], &iops[b]);
    }
    keep(ns[0], iops[0], &r->task_ns, &r->task_sim_iops);
    keep(ns[1], iops[1], &r->bundled_ns, &r->bundled_sim_iops);
    if (ns[0] > 0 && ns[1] >= 0)
      ratios[nratios++] = ns[1] / ns[0];
  }
  for (int b = 0; b < 2; b++) {
    if (paths[b].s.m != NULL)
      (void)sim_stack_close(&paths[b].s);
    memset(&paths[b], 0, sizeof paths[b]);
  }
  /* The two measurements of a round are next to each other in time, so
   * their ratio sees the same host; the median of the rounds' ratios
   * ignores the rounds a slow spell of the host split. */
  if (nratios > 0) {
    qsort(ratios, (size_t)nratios, sizeof ratios[0], cmp_double);
    r->cost_ratio = nratios % 2 ? ratios[nratios / 2]
                                : (ratios[nratios / 2 - 1] + ratios[nratios / 2]) / 2;
  }
  r->task_iops = r->task_ns > 0 ? 1e9 / r->task_ns : 0;
  r->bundled_iops = r->bundled_ns > 0 ? 1e9 / r->bundled_ns : 0;
  r->ratio = r->cost_ratio > 0 ? 1 / r->cost_ratio : 0;
}
