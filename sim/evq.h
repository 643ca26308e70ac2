/*
 * sim/evq.h - a deterministic priority queue of intrusive dm_events.
 *
 * Events are ordered by (t, seq): earliest due time first, and among equal
 * times the smallest seq first. The caller supplies seq (sim_world hands out
 * a global counter), so equal-time events leave in the order they were
 * armed and a run is reproducible bit for bit.
 *
 * The queue never owns events. While an event is queued, ev->seq and ev->idx
 * belong to the queue: ev->idx is the event's position in the heap, and
 * DM_EVENT_IDLE whenever it is not queued. The event's t must not change while it is queued (the queue
 * keeps its own copy of the key and would not notice).
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stdint.h>

#include "devmgr/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A heap key, kept apart from the events so that sifting never touches them. */
typedef struct sim_evq_key {
  uint64_t t;
  uint64_t seq;
} sim_evq_key;

/* Two parallel arrays indexed by heap position (4-ary min-heap, root at 0). */
typedef struct sim_evq {
  sim_evq_key *key; /* the ordering key */
  dm_event   **ev;  /* the event there */
  uint32_t     n;   /* events queued */
  uint32_t     cap; /* positions allocated */
} sim_evq;

/* Prepare an empty queue with room for initial_capacity events (0 is allowed:
 * the first push allocates). Returns 0, or -1 when out of memory. */
int sim_evq_init(sim_evq *q, uint32_t initial_capacity);
/* Release the queue's memory. Queued events are forgotten, not disarmed. */
void sim_evq_free(sim_evq *q);

/* Queue ev, which must not be queued already, under key (ev->t, seq).
 * Sets ev->seq and ev->idx. Grows the queue by doubling when it is full.
 * Returns 0, or -1 when it could not grow (ev is then left untouched). */
int sim_evq_push(sim_evq *q, dm_event *ev, uint64_t seq);
/* The earliest event, or NULL when the queue is empty. */
dm_event *sim_evq_peek(const sim_evq *q);
/* Remove and return the earliest event (its idx becomes DM_EVENT_IDLE), or
 * NULL when the queue is empty. */
dm_event *sim_evq_pop(sim_evq *q);
/* Remove ev from q in O(log n); a no-op when ev is idle. ev must be idle or
 * queued in q (not in another queue). */
void sim_evq_remove(sim_evq *q, dm_event *ev);
/* Number of queued events. */
uint32_t sim_evq_size(const sim_evq *q);

#ifdef __cplusplus
}
#endif
#endif /* SIM_EVQ_H */
