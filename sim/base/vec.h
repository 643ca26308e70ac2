/*
 * sim/base/vec.h - growable arrays: the one way sim/ makes room in an array
 * that grows (trace writers, executor, scenario language, viewer, pools).
 *
 * An array is a pointer, a count kept by its owner, and a capacity (size_t)
 * that starts at 0 with the pointer NULL:
 *
 *   if (n == cap && SIM_VEC_RESERVE(arr, cap, n + 1, 16) != 0)
 *     return -1;  // out of memory; arr and cap unchanged
 *   arr[n++] = x;
 */
#ifndef SIM_VEC_H
#define SIM_VEC_H

#include <stddef.h>

/* Make room for at least need elements in *arrp (a pointer to the array's
 * pointer; elements of elsize bytes; room for *cap of them): the room
 * doubles, starting from first when it is 0, until it suffices; with zero,
 * the new room is zero-filled. Returns 0, or -1 when out of memory or the
 * size would overflow (the array and *cap are then unchanged). */
int sim_vec_reserve(void *arrp, size_t *cap, size_t need, size_t elsize, size_t first, int zero);

/* sim_vec_reserve for the array arr (any object pointer type) with capacity
 * cap (a size_t lvalue). */
#define SIM_VEC_RESERVE(arr, cap, need, first) \
  sim_vec_reserve(&(arr), &(cap), (need), sizeof *(arr), (first), 0)
/* The same, with the new room zero-filled. */
#define SIM_VEC_RESERVE_ZEROED(arr, cap, need, first) \
  sim_vec_reserve(&(arr), &(cap), (need), sizeof *(arr), (first), 1)

#endif /* SIM_VEC_H */
