/*
 * sim/evq.c - the event queue: a 4-ary min-heap kept in two flat arrays,
 * keys and event pointers, both indexed by heap position.
 *
 * Contracts (see evq.h): order is (t, seq) ascending; push, pop and remove
 * are O(log n) and keep ev->idx equal to the event's position; growing the
 * arrays (doubling, in push) is the only allocation, so a queue that has
 * reached its working size never allocates again.
 *
 * Why this shape: with a million pending events nothing fits in the nearer
 * caches, and an operation costs what its sift makes the CPU wait for.
 * - A 4-ary heap is half as deep as a binary one, and each family of four
 *   16-byte keys fills exactly one cache line (the root is offset by three
 *   slots so that families start on line boundaries).
 * - Keys live apart from the events, so choosing the smallest child never
 *   dereferences an event, and the comparison is branch-free.
 * - The walk down prefetches the grandchildren while it compares the
 *   children, so the cache misses of consecutive levels overlap instead of
 *   forming one chain.
 */
#include "evq.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARITY 4u
/* Positions must stay below DM_EVENT_IDLE, the idle mark. */
#define MAX_EVENTS (DM_EVENT_IDLE - 1u)
#define FIRST_CAPACITY 64u
#define CACHE_LINE 64u
/* Slots before the root, so that every family (positions 4i+1 .. 4i+4)
 * starts a multiple of four slots into its allocation. */
#define PAD ((size_t)ARITY - 1u)

/* Only ever used directly in the function that wants the data: GCC deletes
 * a prefetch-only helper as side-effect free. */
#if defined(__GNUC__)
#define prefetch(p) __builtin_prefetch((p))
#else
#define prefetch(p) ((void)(p))
#endif

static inline bool key_less(const sim_evq_key *a, const sim_evq_key *b)
{
#ifdef __SIZEOF_INT128__
  /* One 128-bit compare is a cmp/sbb pair: no branch to mispredict on the
   * effectively random keys a heap compares. */
  unsigned __int128 ka = ((unsigned __int128)a->t << 64) | a->seq;
  unsigned __int128 kb = ((unsigned __int128)b->t << 64) | b->seq;
  return ka < kb;
#else
  return (a->t < b->t) | ((a->t == b->t) & (a->seq < b->seq));
#endif
}

/* a if !take_b, else b; arithmetic so that it does not become a branch. */
static inline uint32_t pick(uint32_t a, uint32_t b, bool take_b)
{
  return a ^ ((a ^ b) & (0u - (uint32_t)take_b));
}

/* Position of the smallest of the four siblings starting at c. */
static inline uint32_t min_of_four(const sim_evq_key *k, uint32_t c)
{
  uint32_t a = pick(c, c + 1, key_less(&k[c + 1], &k[c]));
  uint32_t b = pick(c + 2, c + 3, key_less(&k[c + 3], &k[c + 2]));
  return pick(a, b, key_less(&k[b], &k[a]));
}

/* Position of the smallest child of i, or n when i is a leaf. */
static inline uint32_t min_child(const sim_evq_key *k, uint32_t n, uint32_t i)
{
  uint64_t c = (uint64_t)i * ARITY + 1;
  if (c + ARITY <= n)
    return min_of_four(k, (uint32_t)c);
  if (c >= n)
    return n;
  uint32_t m = (uint32_t)c;
  for (uint32_t j = m + 1; j < n; j++)
    m = pick(m, j, key_less(&k[j], &k[m]));
  return m;
}

/* Move the entry at position from to position to. */
static inline void move(sim_evq_key *key, dm_event **ev, uint32_t to, uint32_t from)
{
  dm_event *e = ev[from];
  key[to] = key[from];
  ev[to] = e;
  e->idx = to;
}

static inline void put(sim_evq_key *key, dm_event **ev, uint32_t i, sim_evq_key k, dm_event *e)
{
  key[i] = k;
  ev[i] = e;
  e->idx = i;
}

/* Fill the hole at i with (k, e), moving parents down while k is smaller. */
static inline void sift_up(sim_evq *q, uint32_t i, sim_evq_key k, dm_event *e)
{
  sim_evq_key *key = q->key;
  dm_event **ev = q->ev;
  while (i > 0) {
    uint32_t p = (i - 1) / ARITY;
    if (!key_less(&k, &key[p]))
      break;
    move(key, ev, i, p);
    i = p;
  }
  put(key, ev, i, k, e);
}

/* Fill the hole at i with (k, e), moving smaller children up. */
static void sift_down(sim_evq *q, uint32_t i, sim_evq_key k, dm_event *e)
{
  sim_evq_key *key = q->key;
  dm_event **ev = q->ev;
  uint32_t n = q->n;
  for (;;) {
    uint32_t m = min_child(key, n, i);
    if (m == n || !key_less(&key[m], &k))
      break;
    move(key, ev, i, m);
    i = m;
  }
  put(key, ev, i, k, e);
}

/* --- memory ---------------------------------------------------------------- */

/* A cache-line aligned array of PAD + count elements of `size` bytes;
 * returns the address of element PAD (position 0), or NULL. */
static void *alloc_array(uint32_t count, size_t size)
{
  if ((uint64_t)count + PAD > (SIZE_MAX - CACHE_LINE) / size)
    return NULL;
  size_t bytes = ((size_t)count + PAD) * size;
  bytes = (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
  char *base = aligned_alloc(CACHE_LINE, bytes);
  return base ? base + PAD * size : NULL;
}

static void free_array(void *p, size_t size)
{
  if (p)
    free((char *)p - PAD * size);
}

/* Move the queue to arrays of cap positions. Returns 0 or -1. */
static int resize(sim_evq *q, uint32_t cap)
{
  sim_evq_key *key = alloc_array(cap, sizeof *key);
  dm_event **ev = alloc_array(cap, sizeof *ev);
  if (key == NULL || ev == NULL) {
    free_array(key, sizeof *key);
    free_array(ev, sizeof *ev);
    return -1;
  }
  if (q->n) {
    memcpy(key, q->key, (size_t)q->n * sizeof *key);
    memcpy(ev, q->ev, (size_t)q->n * sizeof *ev);
  }
  free_array(q->key, sizeof *q->key);
  free_array(q->ev, sizeof *q->ev);
  q->key = key;
  q->ev = ev;
  q->cap = cap;
  return 0;
}

int sim_evq_init(sim_evq *q, uint32_t initial_capacity)
{
  memset(q, 0, sizeof *q);
  if (initial_capacity == 0)
    return 0;
  if (initial_capacity > MAX_EVENTS)
    return -1;
  return resize(q, initial_capacity);
}

void sim_evq_free(sim_evq *q)
{
  free_array(q->key, sizeof *q->key);
  free_array(q->ev, sizeof *q->ev);
  memset(q, 0, sizeof *q);
}

/* --- operations ------------------------------------------------------------ */

int sim_evq_push(sim_evq *q, dm_event *e, uint64_t seq)
{
  if (q->n == q->cap) {
    if (q->cap >= MAX_EVENTS)
      return -1;
    uint32_t cap = q->cap == 0 ? FIRST_CAPACITY
                 : q->cap >= MAX_EVENTS / 2 ? MAX_EVENTS : q->cap * 2;
    if (resize(q, cap) != 0)
      return -1;
  }
  e->seq = seq;
  sim_evq_key k = { e->t, seq };
  sift_up(q, q->n++, k, e);
  return 0;
}

dm_event *sim_evq_peek(const sim_evq *q)
{
  return q->n ? q->ev[0] : NULL;
}

dm_event *sim_evq_pop(sim_evq *q)
{
  if (q->n == 0)
    return NULL;
  sim_evq_key *key = q->key;
  dm_event **ev = q->ev;
  dm_event *top = ev[0];
  uint32_t n = --q->n;
  if (n > 0) {
    /*
     * The last entry is a leaf and almost always belongs back near the
     * bottom, so rather than sift it down from the root (comparing it at
     * every level) walk the hole down along the smallest children to a
     * leaf, then sift the last entry up from there, which usually stops at
     * once.
     */
    uint32_t i = 0;
    while ((uint64_t)i * ARITY + ARITY < n) {
      uint64_t g = (uint64_t)i * (ARITY * ARITY) + ARITY + 1;
      if (g < n) {
        /* The 16 grandchildren: four lines of keys, two of pointers. */
        const char *kp = (const char *)&key[g];
        for (size_t off = 0; off < ARITY * ARITY * sizeof *key; off += CACHE_LINE)
          prefetch(kp + off);
        prefetch(&ev[g]);
        prefetch(&ev[g + ARITY * ARITY - 1]);
      }
      uint32_t m = min_of_four(key, i * ARITY + 1);
      move(key, ev, i, m);
      i = m;
    }
    uint32_t m = min_child(key, n, i);
    if (m != n) {
      move(key, ev, i, m);
      i = m; /* now a leaf: its children would start past n */
    }
    sift_up(q, i, key[n], ev[n]);
    /* Whoever popped top is about to run it; the next pop will return the
     * new root, so start bringing it in. */
    prefetch(ev[0]);
  }
  top->idx = DM_EVENT_IDLE;
  return top;
}

void sim_evq_remove(sim_evq *q, dm_event *e)
{
  uint32_t i = e->idx;
  if (i == DM_EVENT_IDLE)
    return;
  uint32_t n = --q->n;
  if (i != n) {
    sim_evq_key k = q->key[n];
    dm_event *last = q->ev[n];
    if (i > 0 && key_less(&k, &q->key[(i - 1) / ARITY]))
      sift_up(q, i, k, last);
    else
      sift_down(q, i, k, last);
  }
  e->idx = DM_EVENT_IDLE;
}

uint32_t sim_evq_size(const sim_evq *q)
{
  return q->n;
}
