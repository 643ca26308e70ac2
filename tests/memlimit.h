/*
 * memlimit.h - running a Check test out of memory: the process's address
 * space limited to what it uses now, so that the allocations that follow
 * and need new memory fail as they would on a full machine.
 */
#ifndef DMSIM_TESTS_MEMLIMIT_H
#define DMSIM_TESTS_MEMLIMIT_H

#include <stddef.h>
#include <sys/resource.h>

/* Limit the address space to its present size plus headroom bytes, keeping
 * the limit it replaces in *old (setrlimit(RLIMIT_AS, old) puts it back).
 * Returns 0, or -1 when it cannot be done: where tests_memory_testable()
 * (tests.h) is 0, which suites test before they register such a test, or
 * when the size is unknown or the limit refused. */
int tests_limit_memory(size_t headroom, struct rlimit *old);

#endif
