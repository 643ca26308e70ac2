/*
 * sim/base/map.h - a hash map from non-zero u64 keys to u64 values, used by the
 * trace writers (parameter-block numbering) and the executor (its blocks).
 */
#ifndef SIM_MAP_H
#define SIM_MAP_H

#include <stddef.h>
#include <stdint.h>

/*
 * An open-addressing hash map from non-zero u64 keys to u64 values: linear
 * probing, capacity a power of two, doubled at 3/4 load, deletion by
 * backward shift (no tombstones). Key 0 marks an empty slot.
 */
typedef struct sim_map {
  uint64_t *keys;
  uint64_t *vals;
  size_t    cap; /* 0 until the first put */
  size_t    n;
} sim_map;

/* Returns 1 and sets *val when key is present, 0 otherwise (val may be NULL). */
int sim_map_get(const sim_map *m, uint64_t key, uint64_t *val);
/* Insert or replace. Returns 0, or -1 when out of memory (map unchanged). */
int sim_map_put(sim_map *m, uint64_t key, uint64_t val);
/* Returns 1 and sets *val (may be NULL) when key was present and is now
 * removed, 0 when it was absent. */
int sim_map_del(sim_map *m, uint64_t key, uint64_t *val);
void sim_map_free(sim_map *m);

#endif /* SIM_MAP_H */
