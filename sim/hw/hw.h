/*
 * sim/hw/hw.h - simulated latency hardware: a device with a number of
 * channels that serves each operation for a service time drawn from a
 * model (fixed, uniform or exponential, seeded) and interrupts the machine
 * at hardware-interrupt level when it finishes.
 *
 * Operations beyond the free channels wait in FIFO order. Operation records
 * come from a per-device pool that grows by doubling, so a steady workload
 * allocates nothing. The service time does not depend on the byte count.
 *
 * Drivers name their device through the RegEntryID they get in
 * DriverInitInfo: its first 8 bytes hold the sim_hw pointer (memcpy), and
 * sim_hw_platform_start (the dm_platform.hw_start of a sim machine) reads it
 * back. An all-zero RegEntryID means "no device".
 */
#ifndef SIM_HW_H
#define SIM_HW_H

#include <stdint.h>

#include "devmgr/machine.h"
#include "world/rng.h"
#include "world/world.h"

typedef enum sim_hw_kind { SIM_HW_FIXED, SIM_HW_UNIFORM, SIM_HW_EXPONENTIAL } sim_hw_kind;

typedef struct sim_hw_model {
  sim_hw_kind kind;
  uint64_t    a; /* fixed: the time; uniform: low bound; exponential: mean (ns) */
  uint64_t    b; /* uniform: high bound (ns) */
} sim_hw_model;

typedef struct sim_hw sim_hw;

/* A device interrupting machine m in world w. Returns NULL when out of
 * memory or when channels is 0. name is copied (up to 31 characters).
 * Sets w's warm hook (sim_world_set_warm): an operation about to finish has
 * m prefetch what the completion of the request it serves will touch (the
 * request whose DoDriverIO started it, hw_start's `request`). */
sim_hw *sim_hw_new(sim_world *w, dm_machine *m, const char *name, const sim_hw_model *model,
                   uint32_t channels, uint64_t seed);
/* Free a device; operations still pending are dropped (their events
 * disarmed). NULL is a no-op. */
void sim_hw_free(sim_hw *hw);

/* Start an operation: done(refCon, 0) runs at hardware-interrupt level when
 * it finishes; it serves the request whose DoDriverIO runs on the device's
 * machine now (dm_machine_driverio_id), if any. Returns 0, or memFullErr
 * (-108) when out of memory. */
int sim_hw_start(sim_hw *hw, uint32_t bytes, dm_hw_done_fn done, void *refCon);
/* dm_platform.hw_start for sim machines: device is a RegEntryID whose
 * first 8 bytes hold a sim_hw pointer; the operation serves `request` (0:
 * none known). Returns 0, or paramErr / memFullErr. */
int sim_hw_platform_start(const void *device, uint32_t bytes, dm_hw_done_fn done, void *refCon,
                          void *ctx, uint64_t request);
/* dm_platform.hw_prefetch for sim machines: the device's warm hook calls
 * prefetch(refCon) for each operation whose done is `done`, at the first
 * stage of its look-ahead (sim_world_set_warm), from then on (prefetch
 * NULL: no more). Returns 0, or paramErr. */
int sim_hw_platform_prefetch(void *ctx, const void *device, dm_hw_done_fn done,
                             dm_hw_prefetch_fn prefetch);

/* Operations in service or waiting. */
uint32_t sim_hw_inflight(const sim_hw *hw);
/* Counters: operations started and completed, the most that ever waited
 * for a channel, and the summed busy time of all channels (ns; each
 * operation's whole service time counts when it enters service). */
typedef struct sim_hw_stats {
  uint64_t started, completed, busy_ns;
  uint32_t max_waiting;
} sim_hw_stats;
sim_hw_stats sim_hw_get_stats(const sim_hw *hw);

#endif /* SIM_HW_H */
