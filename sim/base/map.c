/*
 * sim/base/map.c - a hash map: non-zero u64 keys to u64 values (sim/base/map.h).
 *
 * Open addressing with linear probing over a power-of-two table that doubles
 * at 3/4 load; deletion shifts later members of a probe run back instead of
 * leaving tombstones, so a map that sees many inserts and deletes (open
 * requests come and go) never degrades. Keys are scrambled with a 64-bit
 * finaliser, so pointers (aligned, sharing their low bits) and small
 * counters spread alike. Where a key lands never shows in any output: the
 * writer iterates nothing in this map, it only looks keys up.
 */
#include <stdlib.h>

#include "base/map.h"

/* A 64-bit finaliser (murmur3 fmix64): pointers and small counters both spread. */
static uint64_t mix64(uint64_t k)
{
  k ^= k >> 33;
  k *= UINT64_C(0xff51afd7ed558ccd);
  k ^= k >> 33;
  k *= UINT64_C(0xc4ceb9fe1a85ec53);
  k ^= k >> 33;
  return k;
}

static size_t map_slot(const sim_map *m, uint64_t key)
{
  size_t mask = m->cap - 1;
  size_t i = (size_t)mix64(key) & mask;
  while (m->keys[i] != 0 && m->keys[i] != key)
    i = (i + 1) & mask;
  return i;
}

int sim_map_get(const sim_map *m, uint64_t key, uint64_t *val)
{
  if (m->cap == 0 || key == 0)
    return 0;
  size_t i = map_slot(m, key);
  if (m->keys[i] == 0)
    return 0;
  if (val)
    *val = m->vals[i];
  return 1;
}

static int map_grow(sim_map *m)
{
  size_t ncap = m->cap ? m->cap * 2 : 64;
  sim_map nm = {calloc(ncap, sizeof(uint64_t)), calloc(ncap, sizeof(uint64_t)), ncap, 0};
  if (!nm.keys || !nm.vals) {
    free(nm.keys);
    free(nm.vals);
    return -1;
  }
  for (size_t i = 0; i < m->cap; i++) {
    if (m->keys[i] != 0) {
      size_t j = map_slot(&nm, m->keys[i]);
      nm.keys[j] = m->keys[i];
      nm.vals[j] = m->vals[i];
      nm.n++;
    }
  }
  free(m->keys);
  free(m->vals);
  *m = nm;
  return 0;
}

int sim_map_put(sim_map *m, uint64_t key, uint64_t val)
{
  if (key == 0)
    return -1;
  if ((m->n + 1) * 4 > m->cap * 3 && map_grow(m) != 0)
    return -1;
  size_t i = map_slot(m, key);
  if (m->keys[i] == 0) {
    m->keys[i] = key;
    m->n++;
  }
  m->vals[i] = val;
  return 0;
}

int sim_map_del(sim_map *m, uint64_t key, uint64_t *val)
{
  if (m->cap == 0 || key == 0)
    return 0;
  size_t mask = m->cap - 1;
  size_t i = map_slot(m, key);
  if (m->keys[i] == 0)
    return 0;
  if (val)
    *val = m->vals[i];
  /* Backward-shift deletion: pull later members of the probe run into the
   * hole when their home slot does not lie (cyclically) between the hole
   * and their position, so lookups never need tombstones. */
  size_t j = i;
  for (;;) {
    j = (j + 1) & mask;
    if (m->keys[j] == 0)
      break;
    size_t home = (size_t)mix64(m->keys[j]) & mask;
    int between = (i <= j) ? (home > i && home <= j) : (home > i || home <= j);
    if (!between) {
      m->keys[i] = m->keys[j];
      m->vals[i] = m->vals[j];
      i = j;
    }
  }
  m->keys[i] = 0;
  m->vals[i] = 0;
  m->n--;
  return 1;
}

void sim_map_free(sim_map *m)
{
  free(m->keys);
  free(m->vals);
  m->keys = m->vals = NULL;
  m->cap = m->n = 0;
}
