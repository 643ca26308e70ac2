/*
 * sim/bench/bench_run.c - the benchmarks of whole runs: a serialized
 * scenario run in-process, requests kept in flight at two depths on a
 * concurrent driver, and the trace writers.
 *
 * Contract: fixed seeds and fixed workloads, so every run does the same
 * work; only the host's clock varies. Set-up (parsing, machine creation,
 * pre-filling) is outside the timed part.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "builtins.h"
#include "devmgr.h"
#include "hw/hw.h"
#include "run/run.h"
#include "trace/trace.h"
#include "world/world.h"

/* ---- the serialized workload, as `dmsim run` runs it ---------------------- */

/* The scenario of `dmsim bench`'s run_serial_ns and of
 * tests/bench/simpy_compare.sh: clients x calls sync reads to one
 * non-concurrent driver whose device serves one request at a time with an
 * exponential 1 ms service. Returns a new string (free it), or NULL. */
static char *serial_text(unsigned clients, unsigned calls)
{
  size_t cap = 256 + (size_t)clients * 96, n = 0;
  char *s = malloc(cap);
  if (s == NULL)
    return NULL;
  n += (size_t)snprintf(s + n, cap - n,
                        "seed 1\nhardware disk exponential 1ms\n"
                        "driver d builtin fixed hardware disk\n");
  for (unsigned i = 0; i < clients; i++)
    n += (size_t)snprintf(s + n, cap - n,
                          "client c%u\n  open d\n  repeat %u\n    read d 512 at 0\n  end\nend\n",
                          i, calls);
  return s;
}

double sim_bench_run_serial_ns(unsigned clients, unsigned calls)
{
  char *text = serial_text(clients, calls);
  sim_scenario *sc = NULL;
  FILE *null = fopen("/dev/null", "w");
  double ns = -1;
  if (text != NULL && null != NULL &&
      sim_scenario_parse("<bench>", text, strlen(text), &sc, NULL, 0) == 0) {
    /* What `dmsim run --quiet` runs: the options the command line sets by
     * default, the driver guard and the watchdog's step limit included
     * (without them a run skips their hooks, and the figure would flatter
     * what users run). */
    sim_run_opts o = { 0 };
    o.quiet = 1;
    o.guard = 1;
    o.max_steps = SIM_RUN_MAX_STEPS_DEFAULT;
    o.out = null;
    o.err = null;
    double t0 = sim_bench_now_ns();
    int st = sim_run(sc, &o);
    double t1 = sim_bench_now_ns();
    if (st == 0)
      ns = (t1 - t0) / ((double)clients * calls);
  }
  sim_scenario_free(sc);
  if (null != NULL)
    fclose(null);
  free(text);
  return ns;
}

/* ---- requests kept in flight on a concurrent driver ----------------------- */

/* Each block's completion routine sends it again until `left` runs out, so
 * that the number in flight stays at the depth the run started with. The
 * routine that sends the last request stops the clock: what follows is the
 * drain, as what came before the clock started was the fill. */
typedef struct depth_pb {
  ParamBlockRec pb; /* first: the completion routine's argument */
  char          buf[16];
} depth_pb;

static uint64_t depth_left;
static double   depth_t1;

static pascal void depth_again(ParmBlkPtr pb)
{
  if (depth_left > 0) {
    depth_left--;
    PBReadAsync(pb);
    if (depth_left == 0)
      depth_t1 = sim_bench_now_ns();
  }
}

double sim_bench_depth_ns(uint32_t depth, uint64_t requests)
{
  sim_world w;
  if (depth == 0 || requests <= depth || sim_world_init(&w) != 0)
    return -1;
  double ns = -1;
  depth_pb *pbs = dm_mem_alloc_big((size_t)depth * sizeof *pbs);
  if (pbs != NULL)
    memset(pbs, 0, (size_t)depth * sizeof *pbs);
  dm_machine_config cfg = { 0 };
  cfg.platform = sim_world_platform(&w);
  cfg.platform.hw_start = sim_hw_platform_start;
  cfg.platform.hw_prefetch = sim_hw_platform_prefetch;
  cfg.check = DM_CHECK_OFF;
  dm_machine *m = dm_machine_new(&cfg);
  /* As many channels as requests in flight, exponential 1 ms: requests
   * finish in random order, anywhere in dCtlQHdr. */
  sim_hw_model model = { SIM_HW_EXPONENTIAL, 1000000, 0 };
  sim_hw *hw = m != NULL ? sim_hw_new(&w, m, "bench", &model, depth, 7) : NULL;
  const dm_builtin *b = dm_builtin_find("conc");
  int16_t ref = 0;
  if (pbs == NULL || hw == NULL || b == NULL)
    goto out;
  dm_driver_spec spec = { .desc = b->desc, .entry = b->entry, .unit = -1 };
  memcpy(&spec.device, &hw, sizeof hw);
  if (dm_driver_install(m, &spec, &ref) != noErr)
    goto out;
  dm_machine *prev = dm_machine_enter(m);
  ParamBlockRec open = { 0 };
  unsigned char name[] = "\013.Concurrent";
  open.ioParam.ioNamePtr = name;
  if (PBOpenSync(&open) != noErr) {
    dm_machine_leave(prev);
    goto out;
  }
  depth_left = requests - depth;
  /* The fill, untimed: at a depth of 100,000 it grows the slot array, the
   * event queue and the device's operations, and touches their pages for
   * the first time, which a run in steady state does not do. */
  for (uint32_t i = 0; i < depth; i++) {
    ParmBlkPtr pb = &pbs[i].pb;
    pb->ioParam.ioRefNum = ref;
    pb->ioParam.ioBuffer = pbs[i].buf;
    pb->ioParam.ioReqCount = sizeof pbs[i].buf;
    pb->ioParam.ioCompletion = depth_again;
    PBReadAsync(pb);
  }
  /* Timed: every completion, each sending its block again, requests -
   * depth of them, up to the last send (depth_t1). The first `depth` are
   * those of the fill's requests, all armed at one instant before the
   * world ran; they cost about what a later one does since the event
   * queue gives such a burst buckets of its own (evq.c, rebucket). */
  double t0 = sim_bench_now_ns();
  sim_world_run(&w, UINT64_MAX, 0);
  dm_machine_leave(prev);
  if (depth_left == 0 && dm_machine_inflight(m) == 0)
    ns = (depth_t1 - t0) / (double)(requests - depth);
out:
  dm_machine_free(m);
  sim_hw_free(hw);
  sim_world_free(&w);
  free(pbs);
  return ns;
}

/* ---- the trace writers ------------------------------------------------------ */

double sim_bench_trace_ns(sim_trace_format fmt, uint64_t records)
{
  FILE *f = tmpfile();
  sim_trace *t = f != NULL ? sim_trace_open(f, fmt) : NULL;
  double ns = -1;
  if (t == NULL)
    goto out;
  /* A serialized request's records, as a run traces them, over 64 blocks. */
  static const struct {
    uint8_t ev, mode;
    int     has_pb, has_id;
  } steps[] = {
    { DM_EV_CALL, DM_MODE_SYNC, 1, 0 },     { DM_EV_ENQUEUE, DM_MODE_SYNC, 1, 0 },
    { DM_EV_FLAGS, 0, 0, 0 },               { DM_EV_DISPATCH, DM_MODE_SYNC, 1, 1 },
    { DM_EV_RETURN, DM_MODE_SYNC, 0, 1 },   { DM_EV_FLAGS, 0, 0, 0 },
    { DM_EV_COMPLETE, DM_MODE_SYNC, 1, 1 }, { DM_EV_DONE, DM_MODE_SYNC, 1, 1 },
  };
  enum { NSTEPS = sizeof steps / sizeof steps[0] };
  /* The records of 64 requests on 64 blocks, built before the clock starts;
   * the timed loop only moves their times on. */
  enum { REQS = 64, RECS = REQS * NSTEPS };
  static ParamBlockRec pbs[REQS];
  static dm_trace_rec recs[RECS];
  for (unsigned i = 0; i < RECS; i++) {
    unsigned req = i / NSTEPS, k = i % NSTEPS;
    dm_trace_rec *r = &recs[i];
    memset(r, 0, sizeof *r);
    r->t = 1000000u * req + 250u * k;
    r->ev = steps[k].ev;
    r->lvl = k < 5 ? DM_LVL_TASK : DM_LVL_SIH;
    r->code = kReadCommand;
    r->mode = steps[k].mode;
    r->ref = -49;
    r->flags = (k == 2) ? 0x0f88 : 0x0f08;
    r->pb = steps[k].has_pb ? &pbs[req] : NULL;
    r->id = steps[k].has_id ? (UINT64_C(1) << 32 | (req + 1)) : 0;
    r->name = r->ev == DM_EV_CALL ? "client1" : NULL;
  }
  dm_trace_rec install = { 0 };
  install.ev = DM_EV_INSTALL;
  install.ref = -49;
  install.name = ".Fixed";
  sim_trace_record(t, &install);
  double t0 = sim_bench_now_ns();
  for (uint64_t i = 0; i < records; i++) {
    dm_trace_rec *r = &recs[i % RECS];
    sim_trace_record(t, r);
    r->t += (uint64_t)REQS * 1000000u;
  }
  if (fflush(f) == 0)
    ns = (sim_bench_now_ns() - t0) / (double)records;
out:
  if (sim_trace_close(t) != 0)
    ns = -1;
  if (f != NULL)
    fclose(f);
  return ns;
}
