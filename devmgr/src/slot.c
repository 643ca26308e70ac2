/*
 * slot.c - command slots: the Device Manager's record of each request in
 * flight, and the IOCommandIDs that name them.
 *
 * A slot is 64 bytes and lives in one array, aligned so that each slot is
 * exactly one cache line (with many requests in flight every slot a request
 * touches is a likely cache miss: one line, not two), that doubles when
 * every slot is busy (so it grows only while a workload reaches its
 * high-water mark, never per request). Free slots are reused in FIFO order: a completed command's
 * history stays readable for as long as possible, which lets a late second
 * IOCommandIsComplete be explained as complete-twice with its history.
 * An ID is (generation << 32 | index + 1); the generation changes each time
 * a slot is reused, so stale IDs are recognised in O(1).
 */
#include <stdlib.h>
#include <string.h>

#include "dm-int.h"

_Static_assert(sizeof(dm_slot) == 64, "a slot is one cache line");

/* n zeroed slots on a cache-line boundary, or NULL. */
static dm_slot *slots_alloc(uint32_t n)
{
  dm_slot *s = dm_mem_alloc_big((size_t)n * sizeof *s);
  if (s != NULL)
    memset(s, 0, (size_t)n * sizeof *s);
  return s;
}

int dm__slots_init(dm_machine *m, uint32_t n)
{
  m->slots = slots_alloc(n);
  if (m->slots == NULL)
    return -1;
  m->nslots = n;
  for (uint32_t i = 0; i < n; i++) {
    m->slots[i].next = i + 1 < n ? i + 1 : DM_NO_SLOT;
    m->slots[i].self = i + 1;
  }
  m->free_head = 0;
  m->free_link = &m->slots[n - 1].next;
  return 0;
}

int dm__slots_grow(dm_machine *m)
{
  uint32_t old = m->nslots;
  if (old >= (1u << 29)) /* at most 2^30 slots: see DM_ID_DONE */
    return -1;
  uint32_t n = old * 2;
  dm_slot *s = slots_alloc(n);
  if (s == NULL)
    return -1;
  memcpy(s, m->slots, (size_t)old * sizeof *s);
  free(m->slots);
  for (uint32_t i = old; i < n; i++) {
    s[i].next = i + 1 < n ? i + 1 : DM_NO_SLOT;
    s[i].self = i + 1;
  }
  m->slots = s;
  m->nslots = n;
  m->free_head = old;
  m->free_link = &s[n - 1].next;
  return 0;
}

size_t dm_machine_slot_bytes(void)
{
  return sizeof(dm_slot);
}
