/*
 * slot.c - command slots: the Device Manager's record of each request in
 * flight, and the IOCommandIDs that name them.
 *
 * A slot is 56 bytes and lives in one array that doubles when every slot is
 * busy (so it grows only while a workload reaches its high-water mark, never
 * per request). Free slots are reused in FIFO order: a completed command's
 * history stays readable for as long as possible, which lets a late second
 * IOCommandIsComplete be explained as complete-twice with its history.
 * An ID is (generation << 32 | index + 1); the generation changes each time
 * a slot is reused, so stale IDs are recognised in O(1).
 */
#include <stdlib.h>
#include <string.h>

#include "dm-int.h"

int dm__slots_init(dm_machine *m, uint32_t n)
{
  m->slots = calloc(n, sizeof *m->slots);
  if (m->slots == NULL)
    return -1;
  m->nslots = n;
  for (uint32_t i = 0; i < n; i++) {
    m->slots[i].gen = 1;
    m->slots[i].next = i + 1 < n ? i + 1 : DM_NO_SLOT;
  }
  m->free_head = 0;
  m->free_tail = n - 1;
  return 0;
}

static int slots_grow(dm_machine *m)
{
  uint32_t old = m->nslots;
  if (old >= UINT32_MAX / 2)
    return -1;
  uint32_t n = old * 2;
  dm_slot *s = realloc(m->slots, (size_t)n * sizeof *s);
  if (s == NULL)
    return -1;
  memset(s + old, 0, (size_t)(n - old) * sizeof *s);
  for (uint32_t i = old; i < n; i++) {
    s[i].gen = 1;
    s[i].next = i + 1 < n ? i + 1 : DM_NO_SLOT;
  }
  m->slots = s;
  m->nslots = n;
  m->free_head = old;
  m->free_tail = n - 1;
  return 0;
}

uint32_t dm__slot_alloc(dm_machine *m)
{
  if (m->free_head == DM_NO_SLOT && slots_grow(m) != 0)
    return DM_NO_SLOT;
  uint32_t i = m->free_head;
  dm_slot *s = &m->slots[i];
  m->free_head = s->next;
  if (m->free_head == DM_NO_SLOT)
    m->free_tail = DM_NO_SLOT;
  if (s->state != DM_SLOT_FREE)
    s->gen = s->gen == UINT32_MAX ? 1 : s->gen + 1;
  uint32_t gen = s->gen;
  memset(s, 0, sizeof *s);
  s->gen = gen;
  s->next = DM_NO_SLOT;
  m->inflight++;
  return i;
}

void dm__slot_release(dm_machine *m, uint32_t i)
{
  dm_slot *s = &m->slots[i];
  s->state = DM_SLOT_DONE;
  s->next = DM_NO_SLOT;
  if (m->free_tail == DM_NO_SLOT)
    m->free_head = i;
  else
    m->slots[m->free_tail].next = i;
  m->free_tail = i;
  m->inflight--;
}

uint32_t dm__slot_lookup(const dm_machine *m, uint64_t id)
{
  uint64_t lo = id & 0xFFFFFFFFu;
  if (lo == 0 || lo > m->nslots)
    return DM_NO_SLOT;
  uint32_t i = (uint32_t)(lo - 1);
  const dm_slot *s = &m->slots[i];
  if (s->gen != (uint32_t)(id >> 32))
    return DM_NO_SLOT;
  if (s->state != DM_SLOT_QUEUED && s->state != DM_SLOT_ACTIVE)
    return DM_NO_SLOT;
  return i;
}

uint32_t dm__slot_of_pb(const dm_machine *m, const void *pb)
{
  const ParamBlockRec *p = pb;
  uint32_t i = dm__slot_lookup(m, (uint64_t)(uintptr_t)p->ioParam.ioCmdAddr);
  if (i == DM_NO_SLOT || m->slots[i].pb != pb)
    return DM_NO_SLOT;
  return i;
}

size_t dm_machine_slot_bytes(void)
{
  return sizeof(dm_slot);
}
