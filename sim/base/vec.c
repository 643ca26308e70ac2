/*
 * vec.c - growable arrays (see vec.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"

int sim_vec_reserve(void *arrp, size_t *cap, size_t need, size_t elsize, size_t first, int zero)
{
  if (need <= *cap)
    return 0;
  size_t ncap = *cap ? *cap : (first ? first : 1);
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2)
      return -1;
    ncap *= 2;
  }
  if (elsize != 0 && ncap > SIZE_MAX / elsize)
    return -1;
  /* arrp points to a pointer of some object type: read and write it as
   * bytes, since it is not a void *. */
  void *old;
  memcpy(&old, arrp, sizeof old);
  char *a = realloc(old, ncap * elsize);
  if (a == NULL)
    return -1;
  if (zero)
    memset(a + *cap * elsize, 0, (ncap - *cap) * elsize);
  memcpy(arrp, &a, sizeof a);
  *cap = ncap;
  return 0;
}
