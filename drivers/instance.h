/*
 * instance.h - per-instance state for the example drivers, using Apple's
 * calls only.
 *
 * A driver linked into dmsim may be installed on several simulated machines
 * (or several units) at once, and its static data is shared by all of them,
 * just as a driver's globals would be if one code fragment served several
 * devices. So each driver keeps one record per DCE: the DCE is unique to a
 * machine and unit, and GetDCtlEntry() finds it from any refNum the driver
 * is given. Records come from PoolAllocateResident at Initialize time and go
 * back at Finalize.
 */
#ifndef DRIVERS_INSTANCE_H
#define DRIVERS_INSTANCE_H

#include "Devices.h"
#include "DriverServices.h"

#define INSTANCE_MAX 64

/* (32 bytes, a power of 2, aligned as much: a token's record is then
 * found by a shift and a mask of the token, with no multiply by 3 (the
 * interrupt path's Finish, once a request), and never straddles two cache
 * lines.) */
typedef struct InstanceSlot {
  _Alignas(32) DCtlHandle dce;
  void      *state;
  UInt32     generation; /* bumped at every create and every forget: tells
                            instances apart, and a record whose generation a
                            token names holds its live state */
} InstanceSlot;

/* The state of the driver instance behind refNum, or NULL. */
static inline void *InstanceFind(InstanceSlot *table, short refNum)
{
  DCtlHandle h = GetDCtlEntry(refNum);
  for (int i = 0; h != NULL && i < INSTANCE_MAX; i++)
    if (table[i].dce == h)
      return table[i].state;
  return NULL;
}

/* Empties a record (the state's memory is the caller's to free, or gone);
 * the tokens of its instance are stale from now on. */
static inline void InstanceForget(InstanceSlot *slot)
{
  slot->dce = NULL;
  slot->state = NULL;
  slot->generation++;
}

/* Allocate zeroed state of `size` bytes for refNum: the state, or NULL when
 * memory or table slots are exhausted. */
static inline void *InstanceCreate(InstanceSlot *table, short refNum, ByteCount size)
{
  DCtlHandle h = GetDCtlEntry(refNum);
  if (h == NULL)
    return NULL;
  /* A record already keyed by this DCE belongs to a unit that is gone
   * without a Finalize (its machine was destroyed, and this unit's DCE
   * landed at the same address): it is stale, and would be found first.
   * Its memory went with its machine (pool memory is the machine's), so
   * the record is only emptied. */
  for (int i = 0; i < INSTANCE_MAX; i++)
    if (table[i].dce == h)
      InstanceForget(&table[i]);
  int free_slot = 0;
  while (free_slot < INSTANCE_MAX && table[free_slot].dce != NULL)
    free_slot++;
  if (free_slot == INSTANCE_MAX)
    return NULL;
  void *state = PoolAllocateResident(size, true);
  if (state == NULL)
    return NULL;
  /* A stale record (as above, its DCE elsewhere) may hold the address the
   * allocator has just given back: forgotten too, since InstanceToken finds
   * a record by its state, and would otherwise find that one and give the
   * new instance the old one's token. */
  for (int i = 0; i < INSTANCE_MAX; i++)
    if (table[i].state == state)
      InstanceForget(&table[i]);
  table[free_slot].dce = h;
  table[free_slot].state = state;
  table[free_slot].generation++;
  return state;
}

/* Free the state of refNum's instance, if it has one. */
static inline void InstanceDestroy(InstanceSlot *table, short refNum)
{
  DCtlHandle h = GetDCtlEntry(refNum);
  for (int i = 0; h != NULL && i < INSTANCE_MAX; i++) {
    if (table[i].dce == h) {
      PoolDeallocate(table[i].state);
      InstanceForget(&table[i]);
    }
  }
}

/* A token for interrupt handlers that may run after the instance is gone
 * (a device operation cannot be cancelled): a 24-bit serial, the
 * instance's table index and its generation, from the top bits down.
 * InstanceFromToken gives the state back only while that same instance
 * still lives, so a stale interrupt from a removed instance never reaches
 * a new one in the same slot. (The serial on top, so that the next serial's
 * token is one add, its carry falling off the word: InstanceTokenNext; the
 * generation at the bottom, so that it is compared without a shift.) */
static inline void *InstanceToken(InstanceSlot *table, void *state, UInt32 serial)
{
  for (int i = 0; i < INSTANCE_MAX; i++)
    if (state != NULL && table[i].state == state)
      return (void *)(((uintptr_t)(serial & 0xFFFFFFu) << 40) | ((uintptr_t)i << 32) |
                      table[i].generation);
  return NULL;
}

/* The token of the same instance for the serial after token's (after
 * 2^24-1, 0): one add. */
static inline void *InstanceTokenNext(void *token)
{
  return (void *)((uintptr_t)token + ((uintptr_t)1 << 40));
}

/* The record of token's instance while that instance lives (its state is
 * then not NULL), or NULL. */
static inline InstanceSlot *InstanceSlotFromToken(InstanceSlot *table, void *token)
{
  /* (The index is masked rather than compared with INSTANCE_MAX: tokens
   * come from InstanceToken, whose index is below it.) */
  _Static_assert((INSTANCE_MAX & (INSTANCE_MAX - 1)) == 0, "INSTANCE_MAX a power of 2");
  uintptr_t t = (uintptr_t)token;
  InstanceSlot *slot = &table[(t >> 32) & (INSTANCE_MAX - 1)];
  return slot->generation == (UInt32)t ? slot : NULL;
}

/* The state of token's instance while it lives, or NULL; *serial is the
 * token's serial either way. */
static inline void *InstanceFromToken(InstanceSlot *table, void *token, UInt32 *serial)
{
  *serial = (UInt32)((uintptr_t)token >> 40);
  InstanceSlot *slot = InstanceSlotFromToken(table, token);
  return slot != NULL ? slot->state : NULL;
}

/* The refNum a command is about. */
static inline short CommandRefNum(IOCommandContents contents, IOCommandCode code)
{
  if (code == kInitializeCommand || code == kReplaceCommand)
    return contents.initialInfo->refNum;
  if (code == kFinalizeCommand || code == kSupersededCommand)
    return contents.finalInfo->refNum;
  return contents.pb->ioParam.ioRefNum;
}

#endif /* DRIVERS_INSTANCE_H */
