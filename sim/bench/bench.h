/*
 * sim/bench/bench.h - micro-benchmarks of the simulator's hot paths, reported by
 * `dmsim bench`. They read the thread's CPU-time clock, so their results are
 * not deterministic; nothing else in sim/ depends on them.
 */
#ifndef SIM_BENCH_H
#define SIM_BENCH_H

#include <stdint.h>

#include "trace/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The calling thread's CPU time in nanoseconds (arbitrary origin): time
 * the thread spends descheduled on a busy host does not count. */
double sim_bench_now_ns(void);

/*
 * Nanoseconds per event of the event queue under the hold model: `pending`
 * events (at least 1) are queued at random times in [1, 1000]; then, after
 * 2 * pending untimed warm-up steps, `steps` times the earliest is popped
 * and pushed back at its time plus a uniform [1, 1000]. Only those steps are
 * timed. Returns a negative value when out of memory or when steps is 0.
 */
double sim_bench_evq_ns(uint32_t pending, uint64_t steps);

/* Nanoseconds per request of the serialized workload run as `dmsim run`
 * runs it, in-process and parse excluded: `clients` clients each make
 * `calls` sync reads of 512 bytes to one non-concurrent driver (.Fixed)
 * whose device serves one request at a time, exponential 1 ms service.
 * Negative when it cannot run. */
double sim_bench_run_serial_ns(unsigned clients, unsigned calls);

/* Nanoseconds per request with `depth` async reads kept in flight on the
 * concurrent .Concurrent driver (exponential 1 ms device, one channel per
 * request, so requests finish in random order anywhere in dCtlQHdr), until
 * `requests` (> depth) were made. Timed are the requests - depth
 * completions that send a request again, the fill's own completions among
 * them (bench_run.c says why): not the first `depth` sends, which fill the
 * tables, nor the last `depth` completions, which drain them. Negative on
 * failure. */
double sim_bench_depth_ns(uint32_t depth, uint64_t requests);

/* Nanoseconds per record of the trace writer of format fmt writing
 * `records` records of serialized requests to a temporary file (their
 * footer and the file's close excluded). Negative on failure. */
double sim_bench_trace_ns(sim_trace_format fmt, uint64_t records);

/* The SCSI figures (bench_scsi.c): 4 KiB reads through the whole stack at
 * depth 32, memory-backed unit without latency, per-task and bundled path
 * each built once and warmed up, then measured back to back in `rounds`
 * rounds (at most 64) of n reads each per path; each path's best round is
 * kept, and the median of the rounds' ratios. Host figures are tasks per host second and host ns per
 * task; simulated IOPS use the default crossing cost. Negative ns when a
 * path could not run. */
typedef struct sim_bench_scsi_result {
  double task_ns, bundled_ns;             /* host ns per task */
  double task_iops, bundled_iops;         /* tasks per host second */
  double task_sim_iops, bundled_sim_iops; /* tasks per simulated second */
  double cost_ratio; /* bundled ns / per-task ns: the median of the rounds' ratios */
  double ratio;      /* tasks per host second, bundled / per-task: 1 / cost_ratio */
} sim_bench_scsi_result;
void sim_bench_scsi(sim_bench_scsi_result *r, int rounds, uint64_t n);

/* Real-time mode: `events` events spread over span_ns of simulated time,
 * run paced at speed. Sets *ratio (wall time taken / span_ns / speed, start-
 * up included) and *late_ms (the latest an event ran after its wall time).
 * Returns 0, or -1 when out of memory. Takes span_ns / speed of wall time. */
int sim_bench_realtime(double speed, uint64_t span_ns, unsigned events, double *ratio,
                       double *late_ms);

/* `dmsim bench`: run every benchmark and print the figures, as a table or
 * (json != 0) as one JSON object with the keys the README lists. Returns the
 * exit status: 0, or 1 when a figure misses its budget or could not be
 * measured (a reference too; stderr names it), or when the machine that
 * measures the dispatch cannot be set up (nothing printed but the error). */
int sim_bench_main(int json);

#ifdef __cplusplus
}
#endif
#endif /* SIM_BENCH_H */
