/*
 * mem.c - large arrays on huge pages where the host offers them
 * (dm_mem_alloc_big).
 *
 * With 100,000 requests in flight, the slot array, the drivers' request
 * tables and the platform's event and device arrays span tens of
 * megabytes touched at random: with 4 KiB pages nearly every access misses
 * the TLB as well as the cache, and a prefetch that misses the TLB may be
 * dropped. Linux's transparent huge pages in "madvise" mode give 2 MiB
 * pages to ranges that ask for them before they are first touched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devmgr/machine.h"

/* Smaller arrays gain nothing: they fit in a few pages, or in no huge one. */
#define HUGE_MIN ((size_t)2 << 20)

/* A hint for an array of `bytes` bytes at p, allocated and not yet
 * touched, that will be accessed at random: asks for huge pages for it (2
 * MiB or more). Changes nothing the program can observe. */
static void advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
  long page = sysconf(_SC_PAGESIZE);
  if (p == NULL || bytes < HUGE_MIN || page <= 0)
    return;
  uintptr_t lo = ((uintptr_t)p + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
  uintptr_t hi = ((uintptr_t)p + bytes) & ~((uintptr_t)page - 1);
  if (hi > lo)
    (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE); /* a hint: failure is harmless */
#else
  (void)p;
  (void)bytes;
#endif
}

void *dm_mem_alloc_big(size_t bytes)
{
  if (bytes > SIZE_MAX - HUGE_MIN)
    return NULL;
  size_t align = bytes >= HUGE_MIN ? HUGE_MIN : 64;
  void *p = aligned_alloc(align, (bytes + align - 1) / align * align);
  advise_huge(p, bytes);
  return p;
}
