/*
 * sim/world/evq.h - a deterministic priority queue of intrusive dm_events.
 *
 * Events are ordered by (t, seq): earliest due time first, and among equal
 * times the smallest seq first. The caller supplies seq (sim_world hands out
 * a global counter), so equal-time events leave in the order they were
 * armed and a run is reproducible bit for bit. The order is exact whatever
 * the times are; the layout below only affects speed.
 *
 * Layout (see evq.c for why): the near future is a sorted run (a bucket
 * radix-sorted when it was drained) and a 4-ary min-heap in flat arrays;
 * the rest waits unsorted in time buckets (a "year" of SIM_EVQ_BUCKETS
 * buckets of 2^shift ns each) or, beyond the year, in an overflow array, and
 * moves to the near future one bucket at a time.
 *
 * The queue never owns events. While an event is queued, ev->seq and ev->idx
 * belong to the queue (ev->idx says where the event is, or was when it was
 * last written, so that removal is O(log n)); ev->idx is DM_EVENT_IDLE
 * whenever it is not queued. The event's t must not change while it is
 * queued.
 */
#ifndef SIM_EVQ_H
#define SIM_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "devmgr/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Buckets per year (a power of two). */
#define SIM_EVQ_BUCKETS 1024u
/* Most events one queue can hold (positions must fit in 30 bits of idx). */
#define SIM_EVQ_MAX ((UINT32_C(1) << 30) - 2u)
/* Sizes of big lists' arrays that evq.c cuts from huge-page chunks: powers
 * of two up to 2^(SIM_EVQ_LIST_CLASSES - 1) entries. */
#define SIM_EVQ_LIST_CLASSES 15

/* A heap key, kept apart from the events so that sifting never touches them. */
typedef struct sim_evq_key {
  uint64_t t;
  uint64_t seq;
} sim_evq_key;

/* A waiting event and its key (so that moving and sorting it need not touch
 * it: with many events pending, each event is a likely cache miss). */
typedef struct sim_evq_far {
  uint64_t  t;
  uint64_t  seq;
  dm_event *ev; /* NULL in the run: removed */
} sim_evq_far;

/* A growable array of waiting events. */
typedef struct sim_evq_list {
  sim_evq_far *e;
  uint32_t     n;
  uint32_t     cap;
} sim_evq_list;

/* The buckets of the current year (allocated once, by sim_evq_init). */
typedef struct sim_evq_year {
  uint32_t     start[SIM_EVQ_BUCKETS]; /* bucket's run in sim_evq.sorted */
  uint32_t     len[SIM_EVQ_BUCKETS];   /* events left in that run */
  sim_evq_list more[SIM_EVQ_BUCKETS];  /* events pushed during the year */
  uint64_t     nonempty[SIM_EVQ_BUCKETS / 64];
  /* Buckets whose entries from the start of the year (in sorted) have not
   * had their events' idx written (evq.c, tag_bucket). */
  uint64_t     untagged[SIM_EVQ_BUCKETS / 64];
} sim_evq_year;

typedef struct sim_evq {
  dm_event     *top;    /* the earliest event, NULL when empty */
  /* Near future: a 4-ary heap by position (root at 0)... */
  sim_evq_key  *key;
  dm_event    **ev;
  uint32_t      n;      /* events in the heap */
  uint32_t      size;   /* events in the whole queue */
  uint32_t      cap;    /* capacity of key, ev, sorted, over, run, spare */
  /* ...and the run: run[rpos, rlen) sorted by (t, seq); run[rpos] is live. */
  sim_evq_far  *run;
  uint32_t      rpos, rlen;
  sim_evq_far  *spare;  /* the radix sort's other buffer */
  /* A heap at least this big (and HEAP_RUN_MIN) is sorted into an empty
   * run at the next pop; raised when its keys were too spread to sort. */
  uint32_t      heap_run_at;
  /* The year: bucket b holds days base + b, for b >= cur (earlier buckets
   * are drained into the heap); a day is t >> shift. */
  uint64_t      base;
  uint32_t      cur;
  unsigned      shift;
  sim_evq_far  *sorted; /* the overflow, counting-sorted by bucket at the
                           start of the year */
  sim_evq_year *year;
  /* Arrays of drained buckets' lists, kept for the next lists to start
   * (evq.c, list_put), and how many. */
  void         *lists;
  uint32_t      nlists;
  uint32_t      list_hint; /* events the last bucket sorted into the run held */
  /* Big lists' arrays: chunks of huge-page memory they are cut from, the
   * rest of the newest chunk, and freed arrays by size (evq.c, list_alloc). */
  void         *chunks;
  char         *chunk_at;
  size_t        chunk_left;
  void         *list_free[SIM_EVQ_LIST_CLASSES];
  /* Beyond the year: days >= base + SIM_EVQ_BUCKETS. */
  sim_evq_far  *over;
  uint32_t      over_n;
} sim_evq;

/* Prepare an empty queue with room for initial_capacity events (0 is allowed:
 * the first push allocates). Returns 0, or -1 when out of memory. */
int sim_evq_init(sim_evq *q, uint32_t initial_capacity);
/* Release the queue's memory. Queued events are forgotten, not disarmed. */
void sim_evq_free(sim_evq *q);

/* Queue ev, which must not be queued already, under key (ev->t, seq).
 * Sets ev->seq and ev->idx. Storage grows by doubling when full (amortised;
 * push is the only call that allocates, and a push into an empty queue
 * never does). Returns 0, or -1 when the queue held sim_evq_size() >= its
 * capacity and could not double (ev and the queue are then unchanged): a
 * push that follows a pop or a remove never fails. */
static inline int sim_evq_push(sim_evq *q, dm_event *ev, uint64_t seq);
/* sim_evq_push's and sim_evq_pop's general cases (evq.c): what the inline
 * entries below leave to them (a push into a queue holding events, a pop
 * of an event that is not lone). */
int       sim_evq_push_general(sim_evq *q, dm_event *ev, uint64_t seq);
dm_event *sim_evq_pop_general(sim_evq *q);
/* The earliest event, or NULL when the queue is empty. O(1); inline, since
 * the world's loop asks twice per event. */
static inline dm_event *sim_evq_peek(const sim_evq *q)
{
  return q->top;
}
/* For prefetching only: the event d places after the earliest in the
 * sorted run, which is what pop returns d pops from now unless events are
 * pushed before it or the heap holds earlier ones; NULL when the run is
 * shorter (or holds a removed event there). */
static inline dm_event *sim_evq_ahead(const sim_evq *q, uint32_t d)
{
  return d < q->rlen - q->rpos ? q->run[q->rpos + d].ev : NULL;
}
/* Remove and return the earliest event (its idx becomes DM_EVENT_IDLE), or
 * NULL when the queue is empty. */
static inline dm_event *sim_evq_pop(sim_evq *q);

/* The idx of a lone event: the only event of a queue, held in q->top
 * alone (no heap, run or bucket has it; a tag and position no placed
 * event has, since positions stay below SIM_EVQ_MAX). */
#define SIM_EVQ_LONE (UINT32_C(0x3FFFFFFF))

/* Inline, the case a serialized workload lives in: at most one event
 * pending. A push into an empty queue makes the event lone: it is q->top
 * and nothing else, no year started, no heap written, so popping it undoes
 * three stores. A second push places the lone event first, as the general
 * case places every event (evq.c). Out of line, each cost a call and the
 * saved registers of the general case: about a fifth of an event. */
static inline int sim_evq_push(sim_evq *q, dm_event *ev, uint64_t seq)
{
  if (q->size != 0)
    return sim_evq_push_general(q, ev, seq);
  ev->seq = seq;
  ev->idx = SIM_EVQ_LONE;
  q->size = 1;
  q->top = ev;
  return 0;
}

/* Whether q holds one event, lone (then no event is due after it). */
static inline int sim_evq_lone(const sim_evq *q)
{
  return q->top != NULL && q->top->idx == SIM_EVQ_LONE;
}

static inline dm_event *sim_evq_pop(sim_evq *q)
{
  dm_event *e = q->top;
  if (e == NULL)
    return NULL;
  if (e->idx != SIM_EVQ_LONE)
    return sim_evq_pop_general(q);
  e->idx = DM_EVENT_IDLE;
  q->size = 0;
  q->top = NULL;
  return e;
}
/* Remove ev from q; a no-op when ev is idle. ev must be idle or queued in q
 * (not in another queue). */
void sim_evq_remove(sim_evq *q, dm_event *ev);
/* Number of queued events. */
static inline uint32_t sim_evq_size(const sim_evq *q)
{
  return q->size;
}

#ifdef __cplusplus
}
#endif
#endif /* SIM_EVQ_H */
