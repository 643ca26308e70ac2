/*
 * sim/stack/io.c - moving a range of a disk through a whole SCSI stack as
 * a client would: PBReadAsync / PBWriteAsync at fsFromStart positions,
 * several in flight, each waited for in the order it was sent.
 */
#include <stdlib.h>
#include <string.h>

#include "stack/stack.h"

/* Run the world until pb completed; false when nothing is left to run. */
static int wait_pb(sim_stack *s, const ParamBlockRec *pb)
{
  while (pb->ioParam.ioResult > 0)
    if (!sim_world_step(&s->w))
      return 0;
  return 1;
}

OSErr sim_stack_transfer(sim_stack *s, int write, uint64_t off, uint8_t *buf, uint64_t len,
                         uint32_t depth, uint32_t chunk, uint64_t *moved)
{
  if (depth == 0)
    depth = 1;
  if (chunk == 0 || chunk % 512 != 0)
    chunk = 65536;
  ParamBlockRec *pbs = calloc(depth, sizeof *pbs);
  if (pbs == NULL)
    return memFullErr;
  dm_machine *prev = dm_machine_enter(s->m);
  uint64_t sent = 0, done = 0; /* bytes sent, bytes done in order */
  uint64_t nsent = 0, ndone = 0;
  OSErr result = noErr;
  while (ndone < nsent || (sent < len && result == noErr)) {
    while (result == noErr && sent < len && nsent - ndone < depth) {
      ParamBlockRec *pb = &pbs[nsent % depth];
      uint64_t n = len - sent < chunk ? len - sent : chunk;
      memset(pb, 0, sizeof *pb);
      pb->ioParam.ioRefNum = s->ref;
      pb->ioParam.ioBuffer = (Ptr)(buf + sent);
      pb->ioParam.ioReqCount = (long)n;
      pb->ioParam.ioPosMode = fsFromStart;
      pb->ioParam.ioPosOffset = (long)(off + sent);
      OSErr e = write ? PBWriteAsync(pb) : PBReadAsync(pb);
      if (e != noErr) {
        result = e;
        break;
      }
      sent += n;
      nsent++;
    }
    if (ndone == nsent)
      break;
    ParamBlockRec *head = &pbs[ndone % depth];
    if (!wait_pb(s, head)) {
      /* Requests still in flight keep their blocks: they stay allocated
       * (the Device Manager may still post to them when the driver goes). */
      dm_machine_leave(prev);
      if (moved != NULL)
        *moved = done;
      return ioErr;
    }
    if (head->ioParam.ioResult != noErr && result == noErr)
      result = head->ioParam.ioResult;
    if (result == noErr)
      done += (uint64_t)head->ioParam.ioActCount;
    ndone++;
  }
  dm_machine_leave(prev);
  free(pbs);
  if (moved != NULL)
    *moved = done;
  return result;
}
