/*
 * prefetch.c - hints that a request will complete soon (dm_machine_prefetch)
 * and the request a device operation serves (dm_machine_driverio_id).
 *
 * With many requests in flight, what one completion touches (its slot, its
 * block, the neighbours' slots and the predecessor's block on dCtlQHdr) is
 * spread over memory far larger than the caches, and each step needs the
 * one before it. A platform that knows which completions come next (the
 * simulated world does) calls dm_machine_prefetch a few events ahead, stage
 * by stage, so that each stage finds the data it reads already cached and
 * the misses overlap the work of earlier events. Nothing here writes; the
 * only block read is that of a live request (it is in flight), and
 * prefetching an address never faults, whatever it holds.
 */
#include "dm-int.h"

uint64_t dm_machine_driverio_id(const dm_machine *m)
{
  return m->driverio_id;
}

void dm_machine_prefetch(const dm_machine *m, uint64_t id0, uint64_t id1, uint64_t id2)
{
  uint32_t i = (uint32_t)id0 - 1; /* as dm__slot_lookup: no ID wraps */
  if (i < m->nslots)
    DM_PREFETCH_W(&m->slots[i]);
  if ((i = dm__slot_lookup(m, id1)) != DM_NO_SLOT) {
    const dm_slot *s = &m->slots[i];
    const ParamBlockRec *pb = s->pb;
    if (pb != NULL) {
      /* Every line of the block: a block of 104 bytes spans three lines
       * unless it starts in the first 24 bytes of one, and ioBuffer, which
       * the next stage reads, is in the second. (Fetching only the first
       * and the last byte's lines missed that one for half the blocks of
       * an array of them, and the next stage waited for it.) */
      const char *p = (const char *)pb;
      for (size_t off = 0; off < sizeof *pb; off += 64)
        DM_PREFETCH_W(p + off);
      DM_PREFETCH_W(p + sizeof *pb - 1);
    }
    if (s->qprev < m->nslots)
      DM_PREFETCH_W(&m->slots[s->qprev]);
    if (s->qnext < m->nslots)
      DM_PREFETCH_W(&m->slots[s->qnext]);
  }
  if ((i = dm__slot_lookup(m, id2)) != DM_NO_SLOT) {
    const dm_slot *s = &m->slots[i];
    if (s->pb != NULL)
      DM_PREFETCH_W(s->pb->ioParam.ioBuffer);
    if (s->qprev < m->nslots)
      DM_PREFETCH_W(m->slots[s->qprev].pb);
  }
}
