/*
 * memlimit.c - the address-space limit of memlimit.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memlimit.h"
#include "tests.h"

/* The process's address-space size in bytes, or 0 if unknown. */
static size_t vm_bytes(void)
{
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (f == NULL)
    return 0;
  if (fscanf(f, "%lu", &pages) != 1)
    pages = 0;
  fclose(f);
  return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

int tests_limit_memory(size_t headroom, struct rlimit *old)
{
  if (!tests_memory_testable())
    return -1;
  size_t vm = vm_bytes();
  if (vm == 0 || getrlimit(RLIMIT_AS, old) != 0)
    return -1;
  struct rlimit lim = *old;
  lim.rlim_cur = vm + headroom;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_cur > lim.rlim_max)
    lim.rlim_cur = lim.rlim_max;
  return setrlimit(RLIMIT_AS, &lim) == 0 ? 0 : -1;
}
