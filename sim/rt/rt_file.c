/*
 * sim/rt/rt_file.c - disk image bytes moved on libuv's thread pool while
 * the loop waits (rt_file.h).
 */
#include "rt/rt_file.h"

typedef struct file_op {
  uv_fs_t req;
  long    result;
  int     finished;
} file_op;

static void on_done(uv_fs_t *req)
{
  file_op *op = req->data;
  op->result = (long)req->result;
  op->finished = 1;
  uv_fs_req_cleanup(req);
}

/* One operation on the pool; the loop runs until it finished. libuv's
 * errors on Unix are negative errno values, as sim_disk_io wants. */
static long run_op(sim_rt *rt, int fd, void *buf, size_t len, uint64_t off, int writing)
{
  file_op op = { .finished = 0 };
  op.req.data = &op;
  uv_buf_t b = uv_buf_init(buf, len > UINT32_MAX ? UINT32_MAX : (unsigned)len);
  int e = writing ? uv_fs_write(&rt->loop, &op.req, fd, &b, 1, (int64_t)off, on_done)
                  : uv_fs_read(&rt->loop, &op.req, fd, &b, 1, (int64_t)off, on_done);
  if (e != 0)
    return e;
  rt->inflight++;
  while (!op.finished)
    uv_run(&rt->loop, UV_RUN_ONCE);
  rt->inflight--;
  return op.result;
}

static long rt_read(void *ctx, int fd, void *buf, size_t len, uint64_t off)
{
  return run_op(ctx, fd, buf, len, off, 0);
}

static long rt_write(void *ctx, int fd, const void *buf, size_t len, uint64_t off)
{
  /* libuv's buffer type is not const; a write only reads it. */
  return run_op(ctx, fd, (void *)(uintptr_t)buf, len, off, 1);
}

sim_disk_io sim_rt_file_io(sim_rt *rt)
{
  sim_disk_io io = { rt_read, rt_write, rt };
  return io;
}
