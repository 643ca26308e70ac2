/*
 * sim/world/evq.c - the event queue: a sorted run and a 4-ary heap for the
 * near future, time buckets for the rest.
 *
 * Contracts (see evq.h): pop order is exactly (t, seq) ascending; peek is
 * O(1); push is O(1) for an event beyond the near future and O(log n)
 * otherwise; pop is O(1) from the run and O(log n) from the heap, remove
 * O(log n), plus, amortised, the O(1) cost of each event's moves between
 * the parts (the pop that starts a new year sorts the overflow: O(n) once
 * per year). All storage grows by doubling in push, which is the only place
 * that allocates: pop and remove never do, and push fails only when the
 * queue is full and cannot double, so a push that follows a pop or a
 * remove cannot fail.
 *
 * Why not just a heap: with a million pending events a heap's arrays no
 * longer fit in the caches, and every pop walks to a leaf, through several
 * cache misses in a row (about 220 ns per event on the 2-core reference
 * machine, against a budget of 150). So only the near future is sorted:
 *
 *   near    every event whose day (t >> shift) is before base + cur, in the
 *           run or in the heap;
 *   bucket  b in [cur, SIM_EVQ_BUCKETS): every event of day base + b, unsorted;
 *   over    every later event, unsorted.
 *
 * Everything in the near future is due before everything in a bucket, and
 * bucket b before bucket b + 1 before the overflow, so the earlier of the
 * run's first event and the heap's root is the earliest event (kept in
 * q->top) as long as the near future is not empty while the rest is; each
 * operation restores that by draining the next non-empty bucket ("refill").
 * When the year's buckets are all drained, a new year starts at the
 * earliest overflow event, with a bucket width chosen so that the
 * overflow's span covers a quarter of the year (the whole year for a big
 * overflow, whose buckets are then narrow enough that sorting one stays in
 * the cache: see SPAN_BUCKETS), and the overflow is
 * counting-sorted into the buckets ("rollover"). Each event is moved a
 * constant number of times. (When times are very uneven, say one event an
 * hour away among thousands a microsecond apart, the buckets come out
 * coarse, most events land in the heap, and the queue performs as the plain
 * heap would.)
 *
 * The run: a drained bucket of RUN_MIN events or more. Its entries come out
 * of the bucket in push order, mostly seq order, so a stable radix sort
 * by t (an 8-bit pass per 8 bits of bucket width) sorts them by (t, seq) in
 * linear time; pop then takes them in order, fetching each event a few
 * places ahead, so that with many events pending (each one a likely cache
 * miss) the misses overlap. The entries carry the keys, so the run's events
 * are not touched before they are popped, and their idx keeps what it was:
 * removal routes an event by its time, finds one of the near future in the
 * run by binary search, and leaves a hole (ev NULL) that pop skips. A
 * smaller bucket, or one that neither sort below can order, goes into the
 * heap instead, which also takes every event pushed
 * into the near future; the heap stays small and cache-resident. Except
 * after a burst: a push into an empty queue starts the year at that
 * event's day, so when many events are armed at one instant (a fill of
 * 100,000 requests before the world runs) all those due before the first
 * land in the heap. So a pop that leaves the run empty and the heap big
 * (HEAP_RUN_MIN) either starts a new year over every event (rebucket),
 * when the heap holds a quarter of the queue or more, so that the burst
 * gets buckets of a width made for it; or sorts the whole heap into the
 * run (heap_to_run). Pop then has the run's look-ahead for those events
 * too. A drained bucket out of seq order is radix-sorted by seq, then t,
 * into the run (run_sort_any) rather than going into the heap, when that
 * takes at most MAX_HEAP_PASSES passes. An event in the run is found by
 * its time being in the near future (route), whatever its tag.
 *
 * ev->idx holds a 2-bit tag saying where the event is and a 30-bit position
 * there, so removal finds it directly (the bucket is recomputed from t);
 * the events a year starts with and those sorted out of a big heap keep
 * the idx they had until a removal needs it (see sim_evq_remove).
 *
 * Heap details: keys live apart from the events, so choosing the smallest
 * child never dereferences one; the key comparison and the choice of child
 * are branch-free (a heap's comparisons are coin tosses to a branch
 * predictor); a family of four keys fills exactly one cache line (the root
 * sits three slots into its allocation); pop walks the hole down along the
 * smallest children while prefetching the grandchildren, then sifts the
 * last entry up from the leaf it reached.
 */
#include "world/evq.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devmgr/machine.h"

#define ARITY 4u
#define FIRST_CAPACITY 64u
#define FIRST_LIST 8u
/* Drained buckets' arrays kept for the lists that start next (list_put),
 * those of this many entries or more. */
#define LISTS_KEPT 64u
#define LIST_KEPT_MIN 512u
#define CACHE_LINE 64u
/* Slots before the heap's root, so that every family (positions
 * 4i+1 .. 4i+4) starts a multiple of four slots into its allocation. */
#define PAD ((size_t)ARITY - 1u)
#define NBUCKETS SIM_EVQ_BUCKETS
#define NWORDS (NBUCKETS / 64u)
/* A new year's bucket width makes the overflow's span fit in this many
 * widths: a quarter of the year, which leaves the rest of it for what is
 * pushed meanwhile; an overflow of DEEP_YEAR events or more in all but
 * one bucket of the year (a span that starts late in its first day touches
 * one day more than it has widths), the narrowest buckets it can have.
 * With 100,000 events pending, a quarter-year bucket held 6,400 of them:
 * the run they were sorted into (150 KB, in two buffers) left a 2 MiB
 * cache before pop reached its end, and its buffers left it before the
 * next bucket reused them (0.7 cache misses an event more). A shallow
 * queue's buckets hold a few events whatever their width, and narrow ones
 * only make it roll over more often (20 instructions an event at 16). */
#define SPAN_BUCKETS (NBUCKETS / 4u)
#define DEEP_SPAN_BUCKETS (NBUCKETS - 1u)
#define DEEP_YEAR (4u * NBUCKETS)
/* How far ahead drains and the run prefetch the events they will touch. */
#define AHEAD 8u

/* A drained bucket with at least this many events is sorted into the run;
 * one with fewer goes into the heap, as cheap for so few. */
#define RUN_MIN 32u
/* Radix digits: 8 bits, and at most four passes (a bucket width up to 2^32
 * ns); a wider bucket goes into the heap. */
#define DIGIT_BITS 8u
#define MAX_RUN_SHIFT 32u
/* A heap this big is sorted into the run when the run is empty at a pop
 * (heap_to_run), in at most this many passes over seq and t together. */
#define HEAP_RUN_MIN 1024u
#define MAX_HEAP_PASSES 8u

/* Where an event is: the top two bits of ev->idx. */
enum { IN_HEAP = 0, IN_SORTED = 1, IN_MORE = 2, IN_OVER = 3 };
#define TAG_SHIFT 30
#define POS_MASK ((UINT32_C(1) << TAG_SHIFT) - 1u)
/* route() results besides a bucket number. */
#define TO_HEAP UINT32_MAX
#define TO_OVER NBUCKETS

/* Only ever used directly in the function that wants the data: GCC deletes
 * a helper that does nothing but prefetch, as free of side effects. */
#if defined(__GNUC__)
#define prefetch(p) __builtin_prefetch((p))
#define prefetch_w(p) __builtin_prefetch((p), 1)
#else
#define prefetch(p) ((void)(p))
#define prefetch_w(p) ((void)(p))
#endif

static inline uint32_t tagged(unsigned tag, uint32_t pos)
{
  return ((uint32_t)tag << TAG_SHIFT) | pos;
}

/* --- the heap -------------------------------------------------------------- */

/* (ta, sa) < (tb, sb). */
static inline bool before(uint64_t ta, uint64_t sa, uint64_t tb, uint64_t sb)
{
#ifdef __SIZEOF_INT128__
  /* One 128-bit compare is a cmp/sbb pair, with no branch. */
  unsigned __int128 ka = ((unsigned __int128)ta << 64) | sa;
  unsigned __int128 kb = ((unsigned __int128)tb << 64) | sb;
  return ka < kb;
#else
  return (ta < tb) | ((ta == tb) & (sa < sb));
#endif
}

static inline bool key_less(const sim_evq_key *a, const sim_evq_key *b)
{
  return before(a->t, a->seq, b->t, b->seq);
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

/* Move the heap entry at position from to position to. */
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

/* Fill the hole at i with (k, e), moving parents down while k is smaller.
 * Inline on purpose: as an out-of-line clone GCC passes k through the stack
 * in a way that cost the pop path over 100 ns per event. */
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
static inline void sift_down(sim_evq *q, uint32_t i, sim_evq_key k, dm_event *e)
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

static void heap_push(sim_evq *q, dm_event *e)
{
  sim_evq_key k = { e->t, e->seq };
  sift_up(q, q->n++, k, e);
}

static dm_event *heap_pop(sim_evq *q)
{
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
    /* Whoever popped top is about to run it; the next pop may return the
     * new root, so start bringing it in. */
    prefetch(ev[0]);
  }
  return top;
}

/* --- the run --------------------------------------------------------------- */

/* Step past the run's first entry and the holes after it. */
static inline void run_advance(sim_evq *q)
{
  const sim_evq_far *run = q->run;
  uint32_t i = q->rpos + 1, end = q->rlen;
  while (i < end && run[i].ev == NULL)
    i++;
  q->rpos = i;
  /* Pop runs the events in this order: start bringing in one a few places
   * ahead, so that its cache miss overlaps the work of those before it. */
  if (i + AHEAD < end)
    prefetch(run[i + AHEAD].ev);
}

/* Remove e, which is in the run, leaving a hole. Its position is found by
 * binary search on its key, since the run's events keep the idx they had
 * before (a bucket's, or a heap position). */
static void run_remove(sim_evq *q, const dm_event *e)
{
  const sim_evq_far *run = q->run;
  uint32_t lo = q->rpos, hi = q->rlen; /* the first entry >= e's key */
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (before(run[mid].t, run[mid].seq, e->t, e->seq))
      lo = mid + 1;
    else
      hi = mid;
  }
  q->run[lo].ev = NULL;
  if (lo == q->rpos)
    run_advance(q);
}

/* The radix digit of f at bit `at` of its t - lo, or of its seq - lo. */
static inline uint32_t digit(const sim_evq_far *f, bool by_seq, uint64_t lo, unsigned at)
{
  return (uint32_t)((((by_seq ? f->seq : f->t) - lo) >> at) & ((1u << DIGIT_BITS) - 1u));
}

/* Turn digit counts into the first position of each digit. */
static inline void count_to_start(uint32_t *count)
{
  uint32_t sum = 0;
  for (uint32_t d = 0; d < (1u << DIGIT_BITS); d++) {
    uint32_t c = count[d];
    count[d] = sum;
    sum += c;
  }
}

/* Sort src[0..n) into dst by digit(at), stably (a counting sort). */
static inline void radix_pass(const sim_evq_far *src, sim_evq_far *dst, uint32_t n, bool by_seq,
                              uint64_t lo, unsigned at)
{
  uint32_t count[1u << DIGIT_BITS] = { 0 };
  for (uint32_t j = 0; j < n; j++)
    count[digit(&src[j], by_seq, lo, at)]++;
  count_to_start(count);
  for (uint32_t j = 0; j < n; j++)
    dst[count[digit(&src[j], by_seq, lo, at)]++] = src[j];
}

/* Make q->run the buffer the last pass wrote (spare itself after none):
 * n entries, all live. */
static inline void run_set(sim_evq *q, sim_evq_far *written, sim_evq_far *other, uint32_t n)
{
  q->run = written;
  q->spare = other;
  q->rpos = 0;
  q->rlen = n;
}

/* Most entries of equal t that order_ties moves one past the other. */
#define TIES_MAX 32u

/* Puts the entries of r[0..n), in t order, in (t, seq) order: an
 * insertion sort of each group of equal t. Returns false when an entry
 * would move past more than TIES_MAX others (a large group out of seq
 * order); r is then not to be used (the caller sorts the bucket again). */
static bool order_ties(sim_evq_far *r, uint32_t n)
{
  for (uint32_t i = 1; i < n; i++) {
    if (r[i].t != r[i - 1].t || r[i].seq > r[i - 1].seq)
      continue;
    sim_evq_far x = r[i];
    uint32_t j = i;
    for (; j > 0 && r[j - 1].t == x.t && r[j - 1].seq > x.seq; j--) {
      if (i - j >= TIES_MAX)
        return false;
      r[j] = r[j - 1];
    }
    r[j] = x;
  }
  return true;
}

/*
 * Sort a bucket, a[0..na) then b[0..nb) (its entries from the start of the
 * year, then those pushed since), all due in [lo, lo + 2^shift), into the
 * run by (t, seq): a stable LSD radix sort by t - lo, ping-ponging between
 * the run's two buffers, so the stable passes keep seq order among equal
 * times when the entries come in seq order; when their seqs do not rise
 * (the year started with a rebucket, which takes the heap's events in the
 * heap's order, or a removal moved an entry), the entries of equal t are
 * then put in seq order (order_ties, and false when that would move too
 * many: the caller sorts by seq and t instead). The first pass reads the
 * bucket where it lies, so that its entries, likely in no cache, are read
 * once; the seq check rides on its counting loop. Needs no memory.
 */
static void collect(sim_evq_far *dst, const sim_evq_far *a, uint32_t na, const sim_evq_far *b,
                    uint32_t nb);
static bool run_sort_bucket(sim_evq *q, const sim_evq_far *a, uint32_t na, const sim_evq_far *b,
                            uint32_t nb, uint64_t lo)
{
  const sim_evq_far *part[2] = { a, b };
  uint32_t len[2] = { na, nb };
  uint32_t n = na + nb;
  if (q->shift == 0) { /* every entry due at lo: seq order is the order */
    uint64_t prev = 0;
    for (int r = 0; r < 2; r++)
      for (uint32_t j = 0; j < len[r]; j++) {
        if ((r > 0 || j > 0) && part[r][j].seq <= prev)
          return false;
        prev = part[r][j].seq;
      }
    collect(q->spare, a, na, b, nb);
    run_set(q, q->spare, q->run, n);
    return true;
  }
  uint32_t count[1u << DIGIT_BITS] = { 0 };
  uint64_t prev = 0;
  bool rising = true;
  for (int r = 0; r < 2; r++)
    for (uint32_t j = 0; j < len[r]; j++) {
      const sim_evq_far *f = &part[r][j];
      rising &= (r == 0 && j == 0) || f->seq > prev;
      prev = f->seq;
      count[digit(f, false, lo, 0)]++;
    }
  count_to_start(count);
  sim_evq_far *src = q->run, *dst = q->spare;
  for (int r = 0; r < 2; r++)
    for (uint32_t j = 0; j < len[r]; j++)
      src[count[digit(&part[r][j], false, lo, 0)]++] = part[r][j];
  for (unsigned at = DIGIT_BITS; at < q->shift; at += DIGIT_BITS) {
    radix_pass(src, dst, n, false, lo, at);
    sim_evq_far *t = src;
    src = dst;
    dst = t;
  }
  run_set(q, src, dst, n);
  return rising || order_ties(q->run, n);
}

/* Bits needed to hold v. */
static inline unsigned bits_of(uint64_t v)
{
  unsigned b = 0;
  while (b < 64 && (v >> b) != 0)
    b++;
  return b;
}

/* Sort the n entries of q->spare, in any order, into the run by (t, seq):
 * LSD radix by seq, then stably by t. Returns false, the run unchanged,
 * when that takes more than MAX_HEAP_PASSES passes. Needs no memory. */
static bool run_sort_any(sim_evq *q, uint32_t n)
{
  sim_evq_far *src = q->spare, *dst = q->run;
  uint64_t tlo = UINT64_MAX, thi = 0, slo = UINT64_MAX, shi = 0;
  for (uint32_t j = 0; j < n; j++) {
    tlo = src[j].t < tlo ? src[j].t : tlo;
    thi = src[j].t > thi ? src[j].t : thi;
    slo = src[j].seq < slo ? src[j].seq : slo;
    shi = src[j].seq > shi ? src[j].seq : shi;
  }
  unsigned tbits = bits_of(thi - tlo), sbits = bits_of(shi - slo);
  if ((tbits + DIGIT_BITS - 1) / DIGIT_BITS + (sbits + DIGIT_BITS - 1) / DIGIT_BITS >
      MAX_HEAP_PASSES)
    return false;
  for (int by_seq = 1; by_seq >= 0; by_seq--) {
    unsigned nbits = by_seq ? sbits : tbits;
    for (unsigned at = 0; at < nbits; at += DIGIT_BITS) {
      radix_pass(src, dst, n, by_seq, by_seq ? slo : tlo, at);
      sim_evq_far *t = src;
      src = dst;
      dst = t;
    }
  }
  run_set(q, src, dst, n);
  return true;
}

/*
 * Sort the whole heap into the (empty) run by (t, seq), so that pop takes
 * its events in order with the look-ahead of the run (sim_evq_ahead and the
 * prefetches) rather than each through a walk down a heap that no longer
 * fits in the caches. A big heap is a transient: events pushed into a
 * near future that a push into an empty queue made start at that event's
 * day, as when many requests are armed at one instant before the world
 * runs. The heap is in no order, so the LSD radix sort goes by seq first,
 * then stably by t. Each event moves into the run once; its idx is left
 * as it was (see sim_evq_remove). When
 * the keys are too spread for MAX_HEAP_PASSES passes, the heap stays, and
 * is not tried again before it has doubled. Needs no memory.
 */
static void heap_to_run(sim_evq *q)
{
  uint32_t n = q->n;
  for (uint32_t j = 0; j < n; j++)
    q->spare[j] = (sim_evq_far){ q->key[j].t, q->key[j].seq, q->ev[j] };
  if (!run_sort_any(q, n)) {
    q->heap_run_at = n <= SIM_EVQ_MAX / 2 ? 2 * n : SIM_EVQ_MAX;
    return;
  }
  sim_evq_far *src = q->run;
  q->n = 0;
  q->heap_run_at = 0;
  /* (The events keep their heap idx: an event in the run is found by its
   * time, and a stale heap position by not holding it: sim_evq_remove.) */
  for (uint32_t j = 0; j < AHEAD && j < n; j++)
    prefetch(src[j].ev);
}

/* Copy a[0..na) then b[0..nb) to dst. */
static void collect(sim_evq_far *dst, const sim_evq_far *a, uint32_t na, const sim_evq_far *b,
                    uint32_t nb)
{
  if (na > 0) /* (an empty list may have no array: memcpy wants one) */
    memcpy(dst, a, (size_t)na * sizeof *a);
  if (nb > 0)
    memcpy(dst + na, b, (size_t)nb * sizeof *b);
}

static void heap_remove(sim_evq *q, uint32_t i)
{
  uint32_t n = --q->n;
  if (i == n)
    return;
  sim_evq_key k = q->key[n];
  dm_event *last = q->ev[n];
  if (i > 0 && key_less(&k, &q->key[(i - 1) / ARITY]))
    sift_up(q, i, k, last);
  else
    sift_down(q, i, k, last);
}

/* --- the buckets ----------------------------------------------------------- */

/* Where an event due at t goes: TO_HEAP, a bucket number, or TO_OVER. */
static inline uint32_t route(const sim_evq *q, uint64_t t)
{
  uint64_t day = t >> q->shift;
  if (day < q->base || day - q->base < q->cur)
    return TO_HEAP;
  uint64_t b = day - q->base;
  return b < NBUCKETS ? (uint32_t)b : TO_OVER;
}

static inline void mark(sim_evq_year *y, uint32_t b)
{
  y->nonempty[b / 64] |= UINT64_C(1) << (b % 64);
}

static inline void unmark_if_empty(sim_evq_year *y, uint32_t b)
{
  if (y->len[b] == 0 && y->more[b].n == 0)
    y->nonempty[b / 64] &= ~(UINT64_C(1) << (b % 64));
}

static inline unsigned lowest_bit(uint64_t w)
{
#if defined(__GNUC__)
  return (unsigned)__builtin_ctzll(w);
#else
  unsigned k = 0;
  while (!(w & 1u)) {
    w >>= 1;
    k++;
  }
  return k;
#endif
}

/* The first non-empty bucket at or after b, or NBUCKETS. */
static uint32_t next_bucket(const sim_evq_year *y, uint32_t b)
{
  if (b >= NBUCKETS)
    return NBUCKETS;
  uint32_t w = b / 64;
  uint64_t bits = y->nonempty[w] & (~UINT64_C(0) << (b % 64));
  for (;;) {
    if (bits)
      return w * 64 + lowest_bit(bits);
    if (++w == NWORDS)
      return NBUCKETS;
    bits = y->nonempty[w];
  }
}

/* Remove entry pos of the array a[0..*n) by moving the last entry into it. */
static inline void cut(sim_evq_far *a, uint32_t *n, uint32_t pos, unsigned tag, uint32_t base)
{
  uint32_t last = --*n;
  if (pos != last) {
    a[pos] = a[last];
    a[pos].ev->idx = tagged(tag, base + pos);
  }
}

/*
 * A drained bucket's list keeps no big array: it goes to q->lists for the
 * next list to start (list_reserve), at most LISTS_KEPT of them, so that a deep
 * queue's lists, which reach thousands of events a bucket, are not grown
 * from nothing (a realloc copy at each doubling) bucket after bucket, and
 * the queue's memory follows the events pending, not every bucket's
 * largest list (1,024 of them kept theirs: a run of 100,000 requests in
 * flight grew from 54 to 203 MB over 80 ms of simulated time).
 */
typedef struct kept_list {
  struct kept_list *next;
  uint32_t          cap;
} kept_list;
_Static_assert(sizeof(kept_list) <= FIRST_LIST * sizeof(sim_evq_far), "fits in any list's array");

/*
 * Big lists' arrays, from LIST_KEPT_MIN entries up (a deep queue's: with
 * 100,000 events pending a thousand lists of about 2,000 entries, each
 * written where its last push left it), are cut from chunks of LIST_CHUNK
 * bytes that dm_mem_alloc_big backs with huge pages, not from malloc's
 * small pages, where a push into a random bucket's list also missed the
 * TLB. An array freed goes to a free list of its size (a power of two) for
 * the next array of that size; the chunks go with the queue
 * (sim_evq_free). Other arrays are malloc's.
 */
#define LIST_CHUNK ((size_t)4 << 20)
#define LIST_CHUNK_HEAD ((size_t)CACHE_LINE) /* the chunk's link */

static bool list_big(uint32_t cap)
{
  return cap >= LIST_KEPT_MIN && cap < (UINT32_C(1) << SIM_EVQ_LIST_CLASSES) &&
         (cap & (cap - 1)) == 0;
}

/* An array for cap entries, or NULL when out of memory. */
static sim_evq_far *list_alloc(sim_evq *q, uint32_t cap)
{
  if (!list_big(cap))
    return malloc((size_t)cap * sizeof(sim_evq_far));
  void **head = &q->list_free[lowest_bit(cap)];
  if (*head != NULL) {
    void *p = *head;
    *head = *(void **)p;
    return p;
  }
  size_t bytes = (size_t)cap * sizeof(sim_evq_far);
  if (q->chunk_left < bytes) {
    char *c = dm_mem_alloc_big(LIST_CHUNK);
    if (c == NULL)
      return NULL;
    *(void **)(void *)c = q->chunks;
    q->chunks = c;
    q->chunk_at = c + LIST_CHUNK_HEAD;
    q->chunk_left = LIST_CHUNK - LIST_CHUNK_HEAD;
  }
  void *p = q->chunk_at;
  q->chunk_at += bytes;
  q->chunk_left -= bytes;
  return p;
}

/* Frees a list_alloc array of cap entries (NULL: nothing). */
static void list_free(sim_evq *q, void *p, uint32_t cap)
{
  if (p == NULL)
    return;
  if (!list_big(cap)) {
    free(p);
    return;
  }
  void **head = &q->list_free[lowest_bit(cap)];
  *(void **)p = *head;
  *head = p;
}

static void list_put(sim_evq *q, sim_evq_list *l)
{
  if (l->cap < LIST_KEPT_MIN) /* (a small one keeps its array: cheaper) */
    return;
  if (q->nlists < LISTS_KEPT) {
    kept_list *k = (kept_list *)(void *)l->e;
    k->next = q->lists;
    k->cap = l->cap;
    q->lists = k;
    q->nlists++;
  } else {
    list_free(q, l->e, l->cap);
  }
  l->e = NULL;
  l->n = l->cap = 0;
}

/*
 * Start a new year at the earliest overflow event. Called when the heap and
 * every bucket are empty and the overflow is not. The bucket width is the
 * smallest power of two that fits the overflow's span in SPAN_BUCKETS
 * (DEEP_SPAN_BUCKETS for a big overflow), so the whole overflow lands in
 * buckets; an event pushed meanwhile for later than the year goes to the
 * overflow, for the next year.
 */
static void rollover(sim_evq *q)
{
  sim_evq_year *y = q->year;
  uint32_t m = q->over_n;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (uint32_t j = 0; j < m; j++) {
    uint64_t t = q->over[j].t;
    lo = t < lo ? t : lo;
    hi = t > hi ? t : hi;
  }
  uint32_t span = m >= DEEP_YEAR ? DEEP_SPAN_BUCKETS : SPAN_BUCKETS;
  unsigned s = 0;
  while (((hi - lo) >> s) >= span)
    s++;
  q->shift = s;
  q->base = lo >> s;
  q->cur = 0;

  /* Counting sort into q->sorted. Every len[] is 0 here (all buckets are
   * drained), and only the buckets used are visited afterwards. */
  for (uint32_t j = 0; j < m; j++) {
    uint32_t b = (uint32_t)((q->over[j].t >> s) - q->base);
    if (y->len[b]++ == 0)
      mark(y, b);
  }
  uint32_t at = 0;
  for (uint32_t b = next_bucket(y, 0); b < NBUCKETS; b = next_bucket(y, b + 1)) {
    y->start[b] = at;
    at += y->len[b];
    y->len[b] = 0; /* refilled below */
  }
  for (uint32_t j = 0; j < m; j++) {
    sim_evq_far f = q->over[j];
    uint32_t b = (uint32_t)((f.t >> s) - q->base);
    q->sorted[y->start[b] + y->len[b]++] = f;
  }
  /* The events keep their idx (see tag_bucket). */
  memcpy(y->untagged, y->nonempty, sizeof y->untagged);
  q->over_n = 0;
}

/* Writes the idx of the events bucket b holds from the start of the year,
 * which rollover left as it was: with many events pending each is a cache
 * miss, and only a removal from the bucket needs them (sim_evq_remove). */
static void tag_bucket(sim_evq *q, uint32_t b)
{
  sim_evq_year *y = q->year;
  uint32_t start = y->start[b], end = start + y->len[b];
  for (uint32_t j = start; j < end; j++)
    q->sorted[j].ev->idx = tagged(IN_SORTED, j);
  y->untagged[b / 64] &= ~(UINT64_C(1) << (b % 64));
}

/* Start a new year over every event: the heap's, the buckets' and the
 * overflow's all go into the overflow, then rollover. For a heap that holds
 * a good part of the queue (see sim_evq_pop), whose events then get
 * buckets of a width made for them. Needs no memory: over has q->cap
 * entries. */
static void rebucket(sim_evq *q)
{
  sim_evq_year *y = q->year;
  uint32_t m = q->over_n;
  for (uint32_t b = next_bucket(y, 0); b < NBUCKETS; b = next_bucket(y, b + 1)) {
    memcpy(q->over + m, q->sorted + y->start[b], (size_t)y->len[b] * sizeof *q->over);
    m += y->len[b];
    if (y->more[b].n > 0)
      memcpy(q->over + m, y->more[b].e, (size_t)y->more[b].n * sizeof *q->over);
    m += y->more[b].n;
    y->len[b] = 0;
    y->more[b].n = 0;
    list_put(q, &y->more[b]);
    unmark_if_empty(y, b);
  }
  for (uint32_t j = 0; j < q->n; j++)
    q->over[m++] = (sim_evq_far){ q->key[j].t, q->key[j].seq, q->ev[j] };
  q->n = 0;
  q->over_n = m;
  rollover(q); /* (marks its buckets untagged: sim_evq_remove) */
}

/* Append the events of a[0..n) to the (unordered) heap array. */
static void gather(sim_evq *q, const sim_evq_far *a, uint32_t n)
{
  uint32_t k = q->n;
  for (uint32_t j = 0; j < n; j++) {
    if (j + AHEAD < n)
      prefetch(a[j + AHEAD].ev);
    dm_event *e = a[j].ev;
    q->key[k].t = a[j].t;
    q->key[k].seq = a[j].seq;
    q->ev[k] = e;
    e->idx = k;
    k++;
  }
  q->n = k;
}

/*
 * Restore "the near future is empty only if the queue is": called when the
 * run and the heap are empty and the queue is not. Moves the next non-empty
 * bucket into the run or the heap (starting a new year first if none is
 * left). No allocation: every per-event array holds q->cap >= q->size
 * entries.
 */
static void refill(sim_evq *q)
{
  sim_evq_year *y = q->year;
  uint32_t b = next_bucket(y, q->cur);
  if (b == NBUCKETS) {
    rollover(q);
    b = next_bucket(y, 0);
  }
  const sim_evq_far *old = q->sorted + y->start[b];
  uint32_t nold = y->len[b], nmore = y->more[b].n, n = nold + nmore;
  y->len[b] = 0;
  y->more[b].n = 0;
  unmark_if_empty(y, b);
  q->cur = b + 1;
  if (n >= RUN_MIN && q->shift <= MAX_RUN_SHIFT) {
    if (!run_sort_bucket(q, old, nold, y->more[b].e, nmore, (q->base + b) << q->shift)) {
      collect(q->spare, old, nold, y->more[b].e, nmore);
      if (!run_sort_any(q, n))
        goto heap;
    }
    q->list_hint = n; /* (a bucket ahead fills up to about that) */
    list_put(q, &y->more[b]);
    /* The run's first events are popped next: start bringing them in. */
    for (uint32_t j = 0; j < AHEAD && j < n; j++)
      prefetch(q->run[j].ev);
    return;
  }
heap:
  /* Empty the run: a bucket that both sorts failed on may have been left
   * in it (run_sort_bucket sets the run before it checks the ties), and
   * its events go to the heap alone. */
  q->rpos = q->rlen = 0;
  gather(q, old, nold);
  gather(q, y->more[b].e, nmore);
  /* Floyd's heap construction; entries arrive mostly in seq order, which
   * is already a heap when their times are equal. */
  for (uint32_t i = q->n / ARITY + 1; i-- > 0;)
    if (i < q->n)
      sift_down(q, i, q->key[i], q->ev[i]);
}

/* Move buckets cur..last into the heap, and make the heap's horizon follow.
 * Needs no memory: the heap's arrays hold q->cap >= q->size entries. */
static void absorb(sim_evq *q, uint32_t last)
{
  sim_evq_year *y = q->year;
  for (uint32_t b = next_bucket(y, q->cur); b <= last; b = next_bucket(y, b + 1)) {
    const sim_evq_far *runs[2] = { q->sorted + y->start[b], y->more[b].e };
    uint32_t lens[2] = { y->len[b], y->more[b].n };
    for (int r = 0; r < 2; r++)
      for (uint32_t j = 0; j < lens[r]; j++)
        heap_push(q, runs[r][j].ev);
    y->len[b] = 0;
    y->more[b].n = 0;
    list_put(q, &y->more[b]);
    unmark_if_empty(y, b);
  }
  q->cur = last + 1;
}

/* --- memory ---------------------------------------------------------------- */

/* A cache-line aligned array of PAD + count elements of `size` bytes;
 * returns the address of element PAD (position 0), or NULL. */
static void *alloc_padded(uint32_t count, size_t size)
{
  if ((uint64_t)count + PAD > (SIZE_MAX - CACHE_LINE) / size)
    return NULL;
  size_t bytes = ((size_t)count + PAD) * size;
  bytes = (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
  char *base = dm_mem_alloc_big(bytes);
  return base ? base + PAD * size : NULL;
}

static void free_padded(void *p, size_t size)
{
  if (p)
    free((char *)p - PAD * size);
}

static void *alloc_far(uint64_t count)
{
  /* (uint64_t: the test can only fail where size_t has 32 bits) */
  if (count > SIZE_MAX / sizeof(sim_evq_far))
    return NULL;
  return dm_mem_alloc_big((size_t)count * sizeof(sim_evq_far));
}

/* Give every per-event array room for cap events, keeping the contents
 * (positions included, since ev->idx refers to them). Returns 0 or -1. */
static int resize(sim_evq *q, uint32_t cap)
{
  sim_evq_key *key = alloc_padded(cap, sizeof *key);
  dm_event **ev = alloc_padded(cap, sizeof *ev);
  sim_evq_far *sorted = alloc_far(cap);
  sim_evq_far *over = alloc_far(cap);
  sim_evq_far *run = alloc_far(cap);
  sim_evq_far *spare = alloc_far(cap);
  if (!key || !ev || !sorted || !over || !run || !spare) {
    free_padded(key, sizeof *key);
    free_padded(ev, sizeof *ev);
    free(sorted);
    free(over);
    free(run);
    free(spare);
    return -1;
  }
  if (q->cap) {
    memcpy(key, q->key, (size_t)q->n * sizeof *key);
    memcpy(ev, q->ev, (size_t)q->n * sizeof *ev);
    /* Runs in sorted[] lie anywhere below the old capacity. */
    memcpy(sorted, q->sorted, (size_t)q->cap * sizeof *sorted);
    memcpy(over, q->over, (size_t)q->over_n * sizeof *over);
    /* The run's positions are nowhere else: it moves to the front. */
    memcpy(run, q->run + q->rpos, (size_t)(q->rlen - q->rpos) * sizeof *run);
  }
  q->rlen -= q->rpos;
  q->rpos = 0;
  free_padded(q->key, sizeof *q->key);
  free_padded(q->ev, sizeof *q->ev);
  free(q->sorted);
  free(q->over);
  free(q->run);
  free(q->spare);
  q->key = key;
  q->ev = ev;
  q->sorted = sorted;
  q->over = over;
  q->run = run;
  q->spare = spare;
  q->cap = cap;
  return 0;
}

/* Make room for one more event in bucket list l: a list that starts takes
 * a drained bucket's array if one is kept (list_put), else one for as many
 * events as the last bucket sorted into the run held, which its bucket
 * will likely reach too (instead of being copied at each doubling up to
 * there). Returns 0 or -1. */
static int list_grow(sim_evq *q, sim_evq_list *l);
static inline int list_reserve(sim_evq *q, sim_evq_list *l)
{
  return l->n < l->cap ? 0 : list_grow(q, l);
}

/* list_reserve's growth, out of line: a push rarely needs it. */
static __attribute__((noinline)) int list_grow(sim_evq *q, sim_evq_list *l)
{
  if (l->cap == 0 && q->lists != NULL) {
    kept_list *k = q->lists;
    q->lists = k->next;
    q->nlists--;
    l->cap = k->cap;
    l->e = (sim_evq_far *)(void *)k;
    return 0;
  }
  uint32_t cap = l->cap * 2;
  if (l->cap == 0)
    for (cap = FIRST_LIST; cap < q->list_hint && cap < SIM_EVQ_MAX;)
      cap *= 2;
  if (cap > SIM_EVQ_MAX)
    cap = SIM_EVQ_MAX;
  if (cap <= l->n)
    return -1;
  sim_evq_far *e = list_alloc(q, cap);
  if (e == NULL)
    return -1;
  if (l->n > 0)
    memcpy(e, l->e, (size_t)l->n * sizeof *e);
  list_free(q, l->e, l->cap);
  l->e = e;
  l->cap = cap;
  return 0;
}

int sim_evq_init(sim_evq *q, uint32_t initial_capacity)
{
  memset(q, 0, sizeof *q);
  if (initial_capacity > SIM_EVQ_MAX)
    return -1;
  q->year = calloc(1, sizeof *q->year);
  if (q->year == NULL)
    return -1;
  if (initial_capacity && resize(q, initial_capacity) != 0) {
    free(q->year);
    q->year = NULL;
    return -1;
  }
  return 0;
}

void sim_evq_free(sim_evq *q)
{
  if (q->year)
    for (uint32_t b = 0; b < NBUCKETS; b++)
      list_free(q, q->year->more[b].e, q->year->more[b].cap);
  while (q->lists != NULL) {
    kept_list *k = q->lists;
    q->lists = k->next;
    list_free(q, k, k->cap);
  }
  while (q->chunks != NULL) {
    void *c = q->chunks;
    q->chunks = *(void **)c;
    free(c);
  }
  free(q->year);
  free_padded(q->key, sizeof *q->key);
  free_padded(q->ev, sizeof *q->ev);
  free(q->sorted);
  free(q->over);
  free(q->run);
  free(q->spare);
  memset(q, 0, sizeof *q);
}

/* --- operations ------------------------------------------------------------ */

/* After every operation: refill the near future if it emptied while the
 * rest did not, and set q->top to its earliest event. */
static inline void settle(sim_evq *q)
{
  if (q->n == 0 && q->rpos == q->rlen) {
    if (q->size == 0) {
      q->top = NULL;
      return;
    }
    refill(q);
  }
  if (q->rpos == q->rlen) {
    q->top = q->ev[0];
    return;
  }
  const sim_evq_far *f = &q->run[q->rpos];
  bool run_first = q->n == 0 || before(f->t, f->seq, q->key[0].t, q->key[0].seq);
  q->top = run_first ? f->ev : q->ev[0];
}

/* Places q's lone event (sim_evq_push) as the first of several: in the
 * heap's root, with the year starting at its day and that day already
 * drained, so that no bucket is scanned for it (every bucket is empty and
 * unmarked, as rollover needs). Needs q->cap >= 1. */
static void place_lone(sim_evq *q)
{
  dm_event *e = q->top;
  q->base = e->t >> q->shift;
  q->cur = 1;
  q->key[0] = (sim_evq_key){ e->t, e->seq };
  q->ev[0] = e;
  e->idx = tagged(IN_HEAP, 0);
  q->n = 1;
  q->rpos = q->rlen;
}

int sim_evq_push_general(sim_evq *q, dm_event *e, uint64_t seq)
{
  /* (sim_evq_push, its one caller, handles an empty queue inline) */
  if (q->size >= q->cap) { /* (a lone event needs no storage: size may pass cap by one) */
    if (q->cap >= SIM_EVQ_MAX)
      return -1;
    uint32_t cap = q->cap == 0 ? FIRST_CAPACITY
                 : q->cap >= SIM_EVQ_MAX / 2 ? SIM_EVQ_MAX : q->cap * 2;
    if (resize(q, cap) != 0)
      return -1;
  }
  if (q->top->idx == SIM_EVQ_LONE)
    place_lone(q);
  uint32_t r = route(q, e->t);
  if (r < NBUCKETS && list_reserve(q, &q->year->more[r]) != 0) {
    /* The heap always has room (cap >= size), so rather than fail, move
     * buckets cur..r into it; e then belongs in the heap too. */
    absorb(q, r);
    r = TO_HEAP;
  }
  /* Nothing can fail from here on. */
  e->seq = seq;
  if (r == TO_HEAP) {
    heap_push(q, e);
  } else if (r == TO_OVER) {
    q->over[q->over_n] = (sim_evq_far){ e->t, seq, e };
    e->idx = tagged(IN_OVER, q->over_n++);
  } else {
    sim_evq_list *l = &q->year->more[r];
    sim_evq_far *f = &l->e[l->n];
    *f = (sim_evq_far){ e->t, seq, e };
    /* A deep queue's list is written a line at a time, each likely in no
     * cache: start fetching the line of the entry after next (an address
     * past the array is harmless: a prefetch never faults). */
    if (l->cap >= LIST_KEPT_MIN)
      prefetch_w((const void *)((uintptr_t)f + 2 * sizeof *f));
    e->idx = tagged(IN_MORE, l->n++);
    mark(q->year, r);
  }
  q->size++;
  if (r == TO_HEAP || q->top == NULL)
    settle(q);
  return 0;
}

dm_event *sim_evq_pop_general(sim_evq *q)
{
  /* (sim_evq_pop, its one caller, handles an empty queue and a lone event
   * inline) */
  dm_event *e = q->top;
  e->idx = DM_EVENT_IDLE;
  q->size--;
  if (q->rpos < q->rlen && q->run[q->rpos].ev == e) {
    run_advance(q);
  } else {
    heap_pop(q);
    if (q->n >= HEAP_RUN_MIN && q->n >= q->heap_run_at && q->rpos == q->rlen) {
      /* Rebucketing costs O(size): only when the heap is a good part of it. */
      if ((uint64_t)q->n * 4 >= q->size)
        rebucket(q);
      else
        heap_to_run(q);
    }
  }
  settle(q);
  return e;
}

/*
 * Where an event is. Its idx is exact in the heap, the overflow and a
 * bucket's list, which write it whenever they place or move an event. The
 * events a year starts with in its buckets (rollover) and those sorted out
 * of the heap into the run (heap_to_run) keep the idx they had, since with
 * many events pending writing each is a cache miss: an event of the near
 * future that is not where a heap idx says is in the run, found there by
 * its key (run_remove); a bucket's events from the start of the year get
 * their idx written when one of them is removed (tag_bucket), once a year.
 */
void sim_evq_remove(sim_evq *q, dm_event *e)
{
  uint32_t idx = e->idx;
  if (idx == DM_EVENT_IDLE)
    return;
  if (idx == SIM_EVQ_LONE) { /* q's only event, in q->top alone */
    e->idx = DM_EVENT_IDLE;
    q->size = 0;
    q->top = NULL;
    return;
  }
  uint32_t pos = idx & POS_MASK;
  sim_evq_year *y = q->year;
  uint32_t r;
  if (idx >> TAG_SHIFT == IN_HEAP && pos < q->n && q->ev[pos] == e) {
    heap_remove(q, pos);
  } else if ((r = route(q, e->t)) == TO_HEAP) { /* near future, so in the run */
    run_remove(q, e);
  } else if (r == TO_OVER) {
    cut(q->over, &q->over_n, pos, IN_OVER, 0);
  } else {
    if (y->untagged[r / 64] & (UINT64_C(1) << (r % 64)))
      tag_bucket(q, r);
    idx = e->idx;
    pos = idx & POS_MASK;
    if (idx >> TAG_SHIFT == IN_MORE) {
      cut(y->more[r].e, &y->more[r].n, pos, IN_MORE, 0);
    } else {
      uint32_t start = y->start[r];
      cut(q->sorted + start, &y->len[r], pos - start, IN_SORTED, start);
    }
    unmark_if_empty(y, r);
  }
  e->idx = DM_EVENT_IDLE;
  q->size--;
  settle(q);
}

