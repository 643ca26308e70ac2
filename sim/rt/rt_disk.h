/*
 * sim/rt/rt_disk.h - a small file-backed disk for the real-time runner's
 * file operations: one request at a time, a fixed simulated latency per
 * request, data in a host file.
 *
 * A request issued at simulated time t starts when the previous one is done
 * (FIFO), and completes `latency` ns later; its bytes are read or written
 * through sim_rt_io on libuv's thread pool, one request after the other in
 * issue order, and its
 * completion runs in the world at its simulated completion time, at
 * hardware-interrupt level. Completion times depend only on issue times and
 * the latency, never on the host.
 *
 * It stands for the image of a simulated target in tests of the mechanism;
 * it keeps no request records of its own (the caller owns each sim_rt_io).
 */
#ifndef SIM_RT_DISK_H
#define SIM_RT_DISK_H

#include "rt/rt.h"

typedef struct sim_rt_disk {
  sim_rt  *rt;
  uv_file  fd;
  uint64_t latency;   /* ns per request */
  uint64_t busy_until;/* simulated time the last issued request completes */
  sim_rt_ioq q;       /* the image's operations, in issue order */
} sim_rt_disk;

/* Open (creating it if need be) the image at path for reading and writing.
 * Returns 0, or a negative libuv error code. */
int sim_rt_disk_open(sim_rt_disk *d, sim_rt *rt, const char *path, uint64_t latency);
/* Close the image after every operation on it finished (sim_rt_close waits
 * for them). Returns 0, or a negative libuv error code. */
int sim_rt_disk_close(sim_rt_disk *d);

/* Issue a read or a write of len bytes at byte offset off; done(io, n) runs
 * at the request's simulated completion time. Returns 0, or a negative
 * libuv error code (nothing issued). */
int sim_rt_disk_read(sim_rt_disk *d, sim_rt_io *io, uint64_t off, void *buf, size_t len,
                     sim_rt_io_fn done, void *data);
int sim_rt_disk_write(sim_rt_disk *d, sim_rt_io *io, uint64_t off, const void *buf, size_t len,
                      sim_rt_io_fn done, void *data);

#endif /* SIM_RT_DISK_H */
