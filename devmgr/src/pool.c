/*
 * pool.c - fixed-size record pools for secondary interrupt handlers and
 * timers. Records are carved from chunks that never move or shrink, so an
 * armed timer's event stays valid; a returned record is reused LIFO. The
 * pool grows by whole chunks, which happens only while a workload reaches
 * its high-water mark.
 */
#include <stdlib.h>

#include "dm-int.h"

void dm__pool_init(dm_pool *p, size_t size)
{
  p->chunks = NULL;
  p->nchunks = 0;
  p->size = size < sizeof(void *) ? sizeof(void *) : size;
  p->free = NULL;
}

int dm__pool_grow(dm_pool *p)
{
  void **chunks = realloc(p->chunks, (p->nchunks + 1) * sizeof *chunks);
  if (chunks == NULL)
    return -1;
  p->chunks = chunks;
  char *c = calloc(DM_POOL_CHUNK, p->size);
  if (c == NULL)
    return -1;
  p->chunks[p->nchunks++] = c;
  for (size_t i = DM_POOL_CHUNK; i-- > 0;) {
    void *rec = c + i * p->size;
    *(void **)rec = p->free;
    p->free = rec;
  }
  return 0;
}

void dm__pool_free(dm_pool *p)
{
  for (size_t i = 0; i < p->nchunks; i++)
    free(p->chunks[i]);
  free(p->chunks);
  dm__pool_init(p, p->size);
}
