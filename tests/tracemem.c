/*
 * tracemem.c - the memory-FILE trace writer of tracemem.h.
 */
#include "tests.h"
#include "tracemem.h"

sim_trace *mem_open(membuf *m, sim_trace_format fmt)
{
  m->buf = NULL;
  m->len = 0;
  m->f = open_memstream(&m->buf, &m->len);
  ck_assert_ptr_nonnull(m->f);
  sim_trace *t = sim_trace_open(m->f, fmt);
  ck_assert_ptr_nonnull(t);
  return t;
}

char *mem_close(sim_trace *t, membuf *m)
{
  ck_assert_int_eq(sim_trace_close(t), 0);
  fclose(m->f);
  return m->buf;
}

void feed(sim_trace *t, dm_trace_rec r)
{
  sim_trace_record(t, &r);
}
