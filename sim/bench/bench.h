/*
 * sim/bench/bench.h - micro-benchmarks of the simulator's hot paths, reported by
 * `dmsim bench`. They read the host's monotonic clock, so their results are
 * not deterministic; nothing else in sim/ depends on them.
 */
#ifndef SIM_BENCH_H
#define SIM_BENCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The host's monotonic clock in nanoseconds (arbitrary origin). */
double sim_bench_now_ns(void);

/*
 * Nanoseconds per event of the event queue under the hold model: `pending`
 * events (at least 1) are queued at random times in [1, 1000]; then, after
 * 2 * pending untimed warm-up steps, `steps` times the earliest is popped
 * and pushed back at its time plus a uniform [1, 1000]. Only those steps are
 * timed. Returns a negative value when out of memory or when steps is 0.
 */
double sim_bench_evq_ns(uint32_t pending, uint64_t steps);

/* `dmsim bench`: run every benchmark and print the figures, as a table or
 * (json != 0) as one JSON object with the keys of DESIGN.md. Returns the
 * exit status: 0, or 1 when a figure misses its budget. */
int sim_bench_main(int json);

#ifdef __cplusplus
}
#endif
#endif /* SIM_BENCH_H */
