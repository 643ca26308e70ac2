/*
 * sim/rt/rt_disk.c - the file-backed test disk of rt_disk.h: FIFO service
 * with a fixed latency, bytes moved by sim_rt_io.
 */
#include "rt/rt_disk.h"

#include <fcntl.h>

int sim_rt_disk_open(sim_rt_disk *d, sim_rt *rt, const char *path, uint64_t latency)
{
  uv_fs_t req;
  int fd = uv_fs_open(&rt->loop, &req, path, O_RDWR | O_CREAT, 0644, NULL);
  uv_fs_req_cleanup(&req);
  if (fd < 0)
    return fd;
  d->rt = rt;
  d->fd = fd;
  d->latency = latency;
  d->busy_until = 0;
  d->q.head = d->q.tail = NULL;
  return 0;
}

int sim_rt_disk_close(sim_rt_disk *d)
{
  uv_fs_t req;
  int e = uv_fs_close(&d->rt->loop, &req, d->fd, NULL);
  uv_fs_req_cleanup(&req);
  d->fd = -1;
  return e;
}

/* When a request issued now completes: after the one before it. */
static uint64_t next_done(sim_rt_disk *d)
{
  uint64_t now = sim_world_now(d->rt->w);
  uint64_t start = d->busy_until > now ? d->busy_until : now;
  return start + d->latency;
}

int sim_rt_disk_read(sim_rt_disk *d, sim_rt_io *io, uint64_t off, void *buf, size_t len,
                     sim_rt_io_fn done, void *data)
{
  uint64_t due = next_done(d);
  int e = sim_rt_io_read(d->rt, &d->q, io, d->fd, buf, len, (int64_t)off, due, DM_LVL_HWI, done, data);
  if (e == 0)
    d->busy_until = due;
  return e;
}

int sim_rt_disk_write(sim_rt_disk *d, sim_rt_io *io, uint64_t off, const void *buf, size_t len,
                      sim_rt_io_fn done, void *data)
{
  uint64_t due = next_done(d);
  int e = sim_rt_io_write(d->rt, &d->q, io, d->fd, buf, len, (int64_t)off, due, DM_LVL_HWI, done, data);
  if (e == 0)
    d->busy_until = due;
  return e;
}
