/*
 * bench.c - `dmsim bench`: the Device Manager's costs as ratios against
 * references measured in the same run, so that the figures mean the same on
 * a fast and a slow machine.
 *
 * - floor_ns: a bare intrusive queue plus two indirect calls per request
 *   (driver entry, completion callback): what any dispatch must cost.
 * - dispatch_ns / checked_dispatch_ns: PBReadAsync through the concurrent
 *   .Null driver, completion routine included, rule checks off / on.
 * - event_ns_1 / event_ns_1k / event_ns_1m: one event of the world's queue
 *   (hold model) with at most 1, 1,000 and 1,000,000 pending.
 * - run_serial_ns: a whole serialized run per request (bench_run.c), against
 *   run_floor_ns: its two events per request at event_ns_1 plus one
 *   dispatch_ns, all measured bare.
 * - run_depth_ratio: per request with 100,000 in flight on a concurrent
 *   driver, against 16 in flight.
 * - trace_jsonl_ns, trace_text_ns, trace_chrome_ns: the jsonl, text and
 *   chrome writers, per record written to a file (chrome a reference: its
 *   records are twice jsonl's bytes, and the kernel's write of them is
 *   about half its figure).
 * - bytes_per_inflight: Device Manager memory per request in flight.
 * - realtime_*: how closely --realtime follows the wall clock at speeds 1
 *   and 0.1 (bench_rt.c): wall time over the paced span, and the latest an
 *   event ran after its wall time.
 * - scsi_*: 4 KiB reads through the whole SCSI stack on its two paths
 *   (bench_scsi.c); the bundled path's cost ratio is checked against 1 / 1.3.
 */
#define _GNU_SOURCE /* sched_getcpu, sched_setaffinity: the dispatch figures' pinning */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "bench/bench_report.h"
#include "bench/bench_runs.h"
#include "builtins.h"
#include "devmgr.h"
#include "world/world.h"

/* ---- the floor: queue + driver call + completion call ------------------- */

/* Every function of both loops starts on a 64-byte boundary, so that their
 * alignment, and with it the figures, does not move when code elsewhere in
 * the program changes size; so does the data of each loop (its request
 * blocks, and its queue and counter on a cache line of their own), whose
 * place otherwise follows the link: the floor's 64-byte requests, each on
 * two lines when the array is not aligned, measured 20% slower. */
#define DM_BENCH_CODE __attribute__((noinline, aligned(64)))
#define DM_BENCH_LINE _Alignas(64)

/* Both loops cycle through the same number of reused request blocks, as a
 * client with a pool of parameter blocks would. */
#define BENCH_PBS 64

typedef struct fl_req {
  struct fl_req *next;
  void (*done)(struct fl_req *);
  long result;
  char pad[40]; /* the size of an IOParam block, more or less */
} fl_req;

typedef struct fl_queue {
  fl_req *head, *tail;
} fl_queue;

static DM_BENCH_LINE fl_queue fl_q;
static DM_BENCH_LINE volatile long fl_count;

static DM_BENCH_CODE void fl_done(fl_req *r)
{
  fl_count += r->result + 1;
}

static DM_BENCH_CODE void fl_driver(fl_queue *q)
{
  fl_req *r = q->head;
  q->head = r->next;
  if (q->head == NULL)
    q->tail = NULL;
  r->result = 0;
  r->done(r);
}

static void (*volatile fl_entry)(fl_queue *) = fl_driver;

static DM_BENCH_CODE double bench_floor(uint64_t n)
{
  static DM_BENCH_LINE fl_req r[BENCH_PBS];
  double t0 = sim_bench_now_ns();
  for (uint64_t i = 0; i < n; i++) {
    fl_req *p = &r[i % BENCH_PBS];
    p->done = fl_done;
    p->next = NULL;
    if (fl_q.tail == NULL)
      fl_q.head = p;
    else
      fl_q.tail->next = p;
    fl_q.tail = p;
    fl_entry(&fl_q);
  }
  return (sim_bench_now_ns() - t0) / (double)n;
}

/* ---- dispatch through .Null --------------------------------------------- */

/* Keeps in *best the least of the values seen (negative: failed, ignored). */
static void keep_best(double *best, double v)
{
  if (v >= 0 && (*best < 0 || v < *best))
    *best = v;
}

static DM_BENCH_LINE volatile long completions;

static DM_BENCH_CODE pascal void on_done(ParmBlkPtr pb)
{
  completions += pb->ioParam.ioResult + 1;
}

/* The timed loop: n async reads through the current machine's .Null,
 * whose refNum the blocks hold; ns per read. */
static DM_BENCH_CODE double bench_dispatch_loop(ParamBlockRec *pbs, uint64_t n)
{
  double t0 = sim_bench_now_ns();
  for (uint64_t i = 0; i < n; i++) {
    ParamBlockRec *pb = &pbs[i % BENCH_PBS];
    pb->ioParam.ioCompletion = on_done;
    PBReadAsync(pb);
  }
  return (sim_bench_now_ns() - t0) / (double)n;
}

/* Chunks per side-by-side measurement, and requests per chunk: a chunk of
 * each takes about half a millisecond, so that most of them run between
 * two preemptions of a busy host. */
enum { BENCH_CHUNKS = 8, FLOOR_CHUNK = 125000, DISPATCH_CHUNK = 31250 };

/* The dispatch through .Null with rule checks `mode`, measured in chunks
 * that alternate with chunks of the floor, on one machine: each figure
 * keeps its best chunk in *dispatch_ns and *floor_ns. Returns 0, or -1 when
 * the machine cannot be set up (out of memory, or .Null would not open):
 * nothing is measured then. */
static int bench_dispatch(dm_check_mode mode, double *floor_ns, double *dispatch_ns)
{
  sim_world w;
  if (sim_world_init(&w) != 0)
    return -1;
  dm_machine_config cfg = { 0 };
  cfg.platform = sim_world_platform(&w);
  cfg.check = mode;
  dm_machine *m = dm_machine_new(&cfg);
  const dm_builtin *b = dm_builtin_find("null");
  dm_driver_spec spec = { .desc = b->desc, .entry = b->entry, .unit = -1 };
  int16_t ref = 0;
  int rc = -1;
  if (m == NULL || dm_driver_install(m, &spec, &ref) != noErr)
    goto out;
  dm_machine *prev = dm_machine_enter(m);
  static DM_BENCH_LINE ParamBlockRec pbs[BENCH_PBS];
  ParamBlockRec *pb = &pbs[0];
  memset(pb, 0, sizeof *pb);
  unsigned char name[] = "\005.Null";
  pb->ioParam.ioNamePtr = name;
  if (PBOpenSync(pb) != noErr) {
    dm_machine_leave(prev);
    goto out;
  }
  static DM_BENCH_LINE char buf[BENCH_PBS][16];
  memset(pbs, 0, sizeof pbs);
  for (int i = 0; i < BENCH_PBS; i++) {
    pbs[i].ioParam.ioRefNum = ref;
    pbs[i].ioParam.ioBuffer = buf[i];
    pbs[i].ioParam.ioReqCount = sizeof buf[i];
  }
  /* A warm-up chunk of each, untimed: the machine and its slots are new.
   * (Chunks of the same size as the timed ones: each loop is then compiled
   * once, for its one constant n, and its code stays as it was measured; a
   * floor compiled for a variable n placed its loop 8 bytes further on and
   * measured 25% slower.) */
  (void)bench_floor(FLOOR_CHUNK);
  (void)bench_dispatch_loop(pbs, DISPATCH_CHUNK);
  for (int c = 0; c < BENCH_CHUNKS; c++) {
    keep_best(floor_ns, bench_floor(FLOOR_CHUNK));
    keep_best(dispatch_ns, bench_dispatch_loop(pbs, DISPATCH_CHUNK));
  }
  dm_machine_leave(prev);
  rc = 0;
out:
  dm_machine_free(m);
  sim_world_free(&w);
  return rc;
}

/* The thread pinned to the CPU it runs on while a dispatch figure is
 * measured, so that no chunk moves to the other CPU's cold caches halfway;
 * the mask it had is put back afterwards. */
typedef struct bench_pin {
  int       pinned;
  cpu_set_t saved;
} bench_pin;

static void bench_pin_here(bench_pin *p)
{
  p->pinned = 0;
  int cpu = sched_getcpu();
  if (cpu < 0 || sched_getaffinity(0, sizeof p->saved, &p->saved) != 0)
    return;
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  p->pinned = sched_setaffinity(0, sizeof one, &one) == 0;
}

static void bench_unpin(const bench_pin *p)
{
  if (p->pinned)
    (void)sched_setaffinity(0, sizeof p->saved, &p->saved);
}

/* The dispatch figures and their reference, each the best sample so far
 * (negative: none yet), and whether a round could not measure them. */
typedef struct bench_disp {
  double floor_ns, dispatch_ns, checked_ns;
  int    failed;
} bench_disp;

/* One round of the dispatch figures, unchecked and checked, each beside the
 * floor (bench_dispatch), pinned. A round that cannot set up its machine
 * sets d->failed; once set, rounds measure nothing (sim_bench_main stops). */
static void bench_dispatch_round(bench_disp *d)
{
  if (d->failed)
    return;
  bench_pin pin;
  bench_pin_here(&pin);
  if (bench_dispatch(DM_CHECK_OFF, &d->floor_ns, &d->dispatch_ns) != 0 ||
      bench_dispatch(DM_CHECK_STRICT, &d->floor_ns, &d->checked_ns) != 0)
    d->failed = 1;
  bench_unpin(&pin);
}

/* The exit status of a bench whose dispatch figures could not be measured,
 * after saying so: nothing is printed as if measured. */
static int bench_dispatch_failed(void)
{
  fprintf(stderr, "dmsim: bench: cannot set up a machine to measure the dispatch through "
                  ".Null (out of memory?); no figures reported\n");
  return 1;
}

/* The figures that are compared with each other are measured in turns,
 * round after round, and each keeps its best sample: the least disturbed
 * run is the truest, and a slow spell of the host (another tenant, a clock
 * change) then hits a figure and its reference alike. The floor is measured
 * in chunks that alternate with the chunks of each dispatch figure (8 of
 * each per round, about half a millisecond each: bench_dispatch), so that
 * one preemption spoils one sample, not a figure: on a busy 2-core host the
 * best of many short interleaved samples is stable where a few long ones
 * were not. */
enum { BENCH_ROUNDS = 25 };
/* At most this many more dispatch rounds at the end, stopping after
 * BENCH_SETTLED in a row that found no better sample (sim_bench_main). */
enum { BENCH_EXTRA_ROUNDS = 60, BENCH_SETTLED = 10 };
/* The whole runs (serialized, 16 and 100,000 in flight) take 10 to 150 ms
 * each, and are not cut into chunks (100,000 in flight run in turns with
 * 16 in flight, a millisecond each, read 5 to 8% slower than run whole),
 * so a slow spell spoils a sample of one far more often than a chunk of
 * the dispatch. They are sampled in rounds of their own (bench_run_round),
 * each next to what it is compared with. RUN_ROUNDS of them are spread
 * over the first rounds of the bench (one every BENCH_ROUNDS / RUN_ROUNDS),
 * as its references' samples are; at the end come more, up to
 * SIM_BENCH_RUN_MAX_ROUNDS in all, until RUN_SETTLED in a row found no
 * better sample of a run (by more than half a per cent) and some round saw
 * both figures of each ratio near their best (sim_bench_runs_agree): a
 * busy spell that spoiled the samples of one figure and not those of its
 * reference is followed by rounds that look for the quiet moment the
 * reference found. When the bound comes first, the bench says which ratio
 * may read high (sim_bench_runs_warn). (Sampled in one stretch, two runs
 * in a row at load average 0.3 read the serialized run 7.6 times its
 * floor, 4.1 in a quiet moment, and 100,000 in flight 2.08 times 16 in
 * flight, 1.66 to 1.76 in quiet moments.) */
enum { RUN_ROUNDS = 5, RUN_SETTLED = 3 };

/* Whether best, once was, became lower by more than half a per cent. */
static int improved(double was, double best)
{
  return best >= 0 && (was < 0 || best < was * 0.995);
}

/* The serialized workload of run_serial_ns (and of the SimPy comparison). */
#define SERIAL_CLIENTS 16u
#define SERIAL_CALLS 10000u
/* Events per request in it: the device's completion and the client's
 * wake-up. */
#define SERIAL_EVENTS_PER_REQUEST 2.0
#define DEPTH_SHALLOW 16u
#define DEPTH_DEEP 100000u
#define DEPTH_REQUESTS 400000u
/* Steps of an event_ns_1 sample: about a millisecond. */
#define EV1_STEPS 200000u

/* run_floor_ns from event_ns_1 and dispatch_ns: two events and one
 * dispatch; negative while either is missing. */
static double run_floor_of(double ev1, double dispatch_ns)
{
  return ev1 >= 0 && dispatch_ns >= 0 ? SERIAL_EVENTS_PER_REQUEST * ev1 + dispatch_ns : -1;
}

/* One round of the whole runs, each figure's samples around its
 * reference's: the serialized run twice, with a sample of each part of its
 * floor between them (an event_ns_1, a dispatch round), then 100,000 in
 * flight twice with 16 in flight between them (the deep run is the figure
 * a busy host's memory traffic slows most, so it gets two samples a round
 * as the serialized run does). The samples go to the bests in *d and *ev1,
 * and the round, the better of each pair, to w. Does nothing once w holds
 * SIM_BENCH_RUN_MAX_ROUNDS. */
static void bench_run_round(sim_bench_runs *w, bench_disp *d, double *ev1)
{
  if (w->rounds == SIM_BENCH_RUN_MAX_ROUNDS)
    return;
  bench_disp here = { -1, -1, -1, d->failed };
  sim_bench_run_sample s = { -1, -1, -1, -1 };
  double e;
  keep_best(&s.serial, sim_bench_run_serial_ns(SERIAL_CLIENTS, SERIAL_CALLS));
  keep_best(ev1, e = sim_bench_evq_ns(1, EV1_STEPS));
  bench_dispatch_round(&here);
  keep_best(&s.serial, sim_bench_run_serial_ns(SERIAL_CLIENTS, SERIAL_CALLS));
  s.floor = run_floor_of(e, here.dispatch_ns);
  keep_best(&s.deep, sim_bench_depth_ns(DEPTH_DEEP, DEPTH_REQUESTS));
  s.shallow = sim_bench_depth_ns(DEPTH_SHALLOW, DEPTH_REQUESTS);
  keep_best(&s.deep, sim_bench_depth_ns(DEPTH_DEEP, DEPTH_REQUESTS));
  keep_best(&d->floor_ns, here.floor_ns);
  keep_best(&d->dispatch_ns, here.dispatch_ns);
  keep_best(&d->checked_ns, here.checked_ns);
  d->failed |= here.failed;
  (void)sim_bench_runs_add(w, &s);
}

int sim_bench_main(int json)
{
  bench_disp d = { -1, -1, -1, 0 };
  sim_bench_runs w;
  sim_bench_runs_init(&w);
  double ev1 = -1, ev1k = -1, ev1m = -1, jsonl = -1;
  double text = -1, chrome = -1;
  for (int r = 0; r < BENCH_ROUNDS; r++) {
    bench_dispatch_round(&d);
    if (d.failed)
      return bench_dispatch_failed();
    keep_best(&ev1, sim_bench_evq_ns(1, EV1_STEPS));
    keep_best(&jsonl, sim_bench_trace_ns(SIM_TRACE_JSONL, 100000));
    keep_best(&text, sim_bench_trace_ns(SIM_TRACE_TEXT, 100000));
    keep_best(&chrome, sim_bench_trace_ns(SIM_TRACE_CHROME, 100000));
    if (r % (BENCH_ROUNDS / RUN_ROUNDS) == 0)
      bench_run_round(&w, &d, &ev1);
  }
  /* The dispatch figures get a round between the longer figures too, so
   * that their samples span the whole bench, not only its first second: a
   * busy spell of the host as long as that second (another process on the
   * same core slows the dispatch more than the floor) then leaves quieter
   * rounds to keep. */
  for (int r = 0; r < 3; r++) {
    keep_best(&ev1k, sim_bench_evq_ns(1000, 5000000));
    bench_dispatch_round(&d);
    keep_best(&ev1m, sim_bench_evq_ns(1000000, 3000000));
    bench_dispatch_round(&d);
  }
  /* Real time is measured once: it takes wall time, and it is a ratio to
   * the wall clock itself, not to a reference. */
  double rt1 = -1, rt1_late = -1, rt01 = -1, rt01_late = -1;
  if (sim_bench_realtime(1.0, 200000000u, 200, &rt1, &rt1_late) != 0)
    rt1 = rt1_late = -1;
  if (sim_bench_realtime(0.1, 20000000u, 200, &rt01, &rt01_late) != 0)
    rt01 = rt01_late = -1;
  /* Then more rounds for as long as they still find a better sample (by
   * more than half a per cent), up to a bound: dispatch rounds until
   * BENCH_SETTLED in a row found no better sample of a dispatch figure or
   * the floor, run rounds until RUN_SETTLED in a row found none of a run
   * and some round saw the figures of each run ratio near their bests. On a
   * quiet host the figures have settled and this stops after BENCH_SETTLED
   * dispatch rounds and a few run rounds; in a busy spell it goes on until
   * a quieter moment, or the bounds. */
  for (int r = 0, disp_calm = 0, run_calm = 0; r < BENCH_EXTRA_ROUNDS; r++) {
    int agree = sim_bench_runs_agree(&w, run_floor_of(ev1, d.dispatch_ns));
    int runs_due = w.rounds < SIM_BENCH_RUN_MAX_ROUNDS &&
                   (run_calm < RUN_SETTLED || agree != SIM_BENCH_AGREE_ALL);
    if (disp_calm >= BENCH_SETTLED && !runs_due)
      break;
    bench_disp was = d;
    bench_dispatch_round(&d);
    int better = improved(was.floor_ns, d.floor_ns) || improved(was.dispatch_ns, d.dispatch_ns) ||
                 improved(was.checked_ns, d.checked_ns);
    disp_calm = better ? 0 : disp_calm + 1;
    if (runs_due) {
      double serial_was = w.serial, shallow_was = w.shallow, deep_was = w.deep;
      bench_run_round(&w, &d, &ev1);
      better = improved(serial_was, w.serial) || improved(shallow_was, w.shallow) ||
               improved(deep_was, w.deep);
      run_calm = better ? 0 : run_calm + 1;
    }
  }
  /* A round that failed after others measured: their samples are not the
   * whole set the figures are the best of. */
  if (d.failed)
    return bench_dispatch_failed();
  double floor_ns = d.floor_ns, dispatch_ns = d.dispatch_ns, checked_ns = d.checked_ns;
  double run_floor = run_floor_of(ev1, dispatch_ns);
  sim_bench_runs_warn(&w, run_floor, stderr);
  double r_dispatch = floor_ns > 0 ? dispatch_ns / floor_ns : -1;
  double r_checked = dispatch_ns > 0 ? checked_ns / dispatch_ns : -1;
  double serial = w.serial, shallow = w.shallow, deep = w.deep;
  double r_serial = run_floor > 0 && serial >= 0 ? serial / run_floor : -1;
  double r_depth = shallow > 0 && deep >= 0 ? deep / shallow : -1;
  double bytes = (double)dm_machine_slot_bytes();
  sim_bench_scsi_result sc;
  sim_bench_scsi(&sc, 21, 10000);
  double r_scsi = sc.cost_ratio;
  const sim_bench_fig figs[] = {
    { "floor_ns", "floor: bare queue + callback", floor_ns, "ns", 0 },
    { "dispatch_ns", "dispatch: async read via .Null, unchecked", dispatch_ns, "ns", 0 },
    { "dispatch_ratio", "  dispatch / floor", r_dispatch, "x", 5 },
    { "checked_dispatch_ns", "dispatch, checked mode", checked_ns, "ns", 0 },
    { "checked_ratio", "  checked / unchecked", r_checked, "x", 2 },
    { "event_ns_1", "event queue, at most 1 pending", ev1, "ns", 70 },
    { "event_ns_1k", "event queue, 1,000 pending", ev1k, "ns", 70 },
    { "event_ns_1m", "event queue, 1,000,000 pending", ev1m, "ns", 150 },
    { "run_floor_ns", "run floor: 2 events + a dispatch, bare", run_floor, "ns", 0 },
    { "run_serial_ns", "serialized run, per request", serial, "ns", 0 },
    { "run_serial_ratio", "  run / run floor", r_serial, "x", 3 },
    { "run_depth_16_ns", "16 in flight, per request", shallow, "ns", 0 },
    { "run_depth_100k_ns", "100,000 in flight, per request", deep, "ns", 0 },
    { "run_depth_ratio", "  100,000 / 16 in flight", r_depth, "x", 2 },
    { "trace_jsonl_ns", "jsonl trace, per record", jsonl, "ns", 100 },
    { "trace_text_ns", "text trace, per record", text, "ns", 100 },
    { "trace_chrome_ns", "chrome trace, per record", chrome, "ns", 0 },
    { "bytes_per_inflight", "memory per request in flight", bytes, "B", 64 },
    { "scsi_task_ns", "SCSI 4 KiB read, depth 32: per-task path", sc.task_ns, "ns", 0 },
    { "scsi_bundled_ns", "SCSI 4 KiB read, depth 32: bundled path", sc.bundled_ns, "ns", 0 },
    /* bundled at least 1.3 times the per-task path in tasks per host second */
    { "scsi_bundled_cost_ratio", "  bundled / per-task (host ns per task)", r_scsi, "x",
      1 / 1.3 },
    { "scsi_task_iops", "SCSI per-task path, tasks per host second", sc.task_iops, "/s", 0 },
    { "scsi_bundled_iops", "SCSI bundled path, tasks per host second", sc.bundled_iops, "/s", 0 },
    { "scsi_task_sim_iops", "SCSI per-task path, simulated IOPS", sc.task_sim_iops, "/s", 0 },
    { "scsi_bundled_sim_iops", "SCSI bundled path, simulated IOPS", sc.bundled_sim_iops, "/s", 0 },
    { "realtime_ratio_speed1", "--realtime=1: wall / simulated (0.2 s)", rt1, "x", 0 },
    { "realtime_late_ms_speed1", "  latest event after its wall time", rt1_late, "ms", 0 },
    { "realtime_ratio_speed0_1", "--realtime=0.1: wall / (simulated / 0.1)", rt01, "x", 0 },
    { "realtime_late_ms_speed0_1", "  latest event after its wall time", rt01_late, "ms", 0 },
  };
  return sim_bench_report(figs, (int)(sizeof figs / sizeof figs[0]), json, stdout, stderr);
}
