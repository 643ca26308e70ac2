/*
 * sim/rt/rt_file.h - the images of simulated disks read and written on
 * libuv's thread pool in real-time mode.
 *
 * A SCSI command moves its data when it completes (sim/scsi/scsi.h: an
 * aborted command has moved nothing), inside its completion event. In
 * real-time mode that event hands the read or write to libuv's thread pool
 * (uv_fs_read, uv_fs_write) and waits for it in the loop, which keeps
 * handling signals meanwhile; the event then goes on as before. So the
 * simulated times and the order of events are those of a run without real
 * time (the trace is the same), the bytes are in the file when the command
 * reports them written, and a long host read or write delays the run in
 * wall time only.
 */
#ifndef SIM_RT_FILE_H
#define SIM_RT_FILE_H

#include "disk/disk.h"
#include "rt/rt.h"

/* The sim_disk_io of rt: ctx is rt. Its calls may be made only from
 * events that sim_rt_run runs (never from a libuv callback). */
sim_disk_io sim_rt_file_io(sim_rt *rt);

#endif /* SIM_RT_FILE_H */
