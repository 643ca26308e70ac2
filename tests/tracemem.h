/*
 * tracemem.h - a trace writer (sim/trace/trace.h) on a memory FILE, for the
 * Check suites that feed it hand-made dm_trace_rec sequences and read back
 * the bytes it wrote.
 */
#ifndef DMSIM_TESTS_TRACEMEM_H
#define DMSIM_TESTS_TRACEMEM_H

#include <stdio.h>

#include "trace/trace.h"

typedef struct membuf {
  char  *buf;
  size_t len;
  FILE  *f;
} membuf;

/* A writer of format fmt on a fresh memory FILE held by m (asserted to open). */
sim_trace *mem_open(membuf *m, sim_trace_format fmt);
/* Close the writer (which must succeed) and return the bytes written,
 * NUL-terminated; the caller frees them. */
char *mem_close(sim_trace *t, membuf *m);
/* Give the writer one record. */
void feed(sim_trace *t, dm_trace_rec r);

#endif
