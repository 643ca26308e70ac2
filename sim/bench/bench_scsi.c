/*
 * sim/bench/bench_scsi.c - `dmsim bench`'s SCSI figures: 4 KiB reads
 * through the whole stack (Device Manager, .SCSIDisk, the controller
 * family, DMSimHBA, the simulated bus, a memory-backed unit with no
 * latency) at depth 32, on the per-task path and on the bundled path,
 * measured in turns in the same run. Each path gives host nanoseconds per
 * task (so tasks per host second) and simulated IOPS with the default
 * crossing cost.
 */
#include <string.h>

#include "bench/bench.h"
#include "stack/stack.h"

#define SCSI_DEPTH 32
#define SCSI_IO 4096u
#define SCSI_DISK (16u << 20)

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

/* Host ns per task and simulated IOPS of n reads on one path; negative
 * when the stack cannot be built or a read failed. */
static void bench_path(int bundled, uint64_t n, double *host_ns, double *sim_iops)
{
  sim_stack s;
  char err[200];
  sim_stack_config cfg = { 0 };
  cfg.memory_bytes = SCSI_DISK;
  cfg.bundled = bundled;
  cfg.crossing_ns = DM_SCSI_CROSSING_NS_DEFAULT;
  cfg.check = DM_CHECK_OFF;
  *host_ns = *sim_iops = -1;
  if (sim_stack_open(&s, &cfg, err, sizeof err) != 0)
    return;
  scsi_loop *l = &loop_state;
  memset(l, 0, sizeof *l);
  l->left = n;
  l->w = &s.w;
  dm_machine *prev = dm_machine_enter(s.m);
  uint64_t t_sim = sim_world_now(&s.w);
  double t0 = sim_bench_now_ns();
  for (int i = 0; i < SCSI_DEPTH && l->left > 0; i++, l->left--) {
    ParamBlockRec *pb = &l->pb[i];
    pb->ioParam.ioRefNum = s.ref;
    pb->ioParam.ioBuffer = (Ptr)l->buf[i];
    pb->ioParam.ioReqCount = SCSI_IO;
    pb->ioParam.ioPosMode = fsFromStart;
    pb->ioParam.ioPosOffset = (long)(l->next++ * SCSI_IO);
    pb->ioParam.ioCompletion = resend;
    PBReadAsync(pb);
  }
  sim_world_run(&s.w, UINT64_MAX, 0);
  double t1 = sim_bench_now_ns();
  uint64_t elapsed = l->t_last - t_sim;
  dm_machine_leave(prev);
  if (!l->failed && l->done == n && elapsed > 0) {
    *host_ns = (t1 - t0) / (double)n;
    *sim_iops = (double)n * 1e9 / (double)elapsed;
  }
  (void)sim_stack_close(&s);
}

void sim_bench_scsi(sim_bench_scsi_result *r, int rounds, uint64_t n)
{
  r->task_ns = r->bundled_ns = -1;
  for (int i = 0; i < rounds; i++) {
    double ns, iops;
    bench_path(0, n, &ns, &iops);
    if (ns >= 0 && (r->task_ns < 0 || ns < r->task_ns)) {
      r->task_ns = ns;
      r->task_sim_iops = iops;
    }
    bench_path(1, n, &ns, &iops);
    if (ns >= 0 && (r->bundled_ns < 0 || ns < r->bundled_ns)) {
      r->bundled_ns = ns;
      r->bundled_sim_iops = iops;
    }
  }
  r->task_iops = r->task_ns > 0 ? 1e9 / r->task_ns : 0;
  r->bundled_iops = r->bundled_ns > 0 ? 1e9 / r->bundled_ns : 0;
  r->ratio = r->task_iops > 0 ? r->bundled_iops / r->task_iops : 0;
}
