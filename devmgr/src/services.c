/*
 * services.c - the Driver Services of DriverServices.h on simulated time:
 * execution levels, secondary interrupts, UpTime and the AbsoluteTime /
 * Duration / Nanoseconds conversions, interrupt timers, resident memory, and
 * dmsim's one hardware call (DMSimHardwareStart).
 *
 * One AbsoluteTime unit is one simulated nanosecond. Durations follow
 * Apple's convention: positive values are milliseconds, negative values
 * microseconds.
 */
#include <stdlib.h>
#include <string.h>

#include "dm-int.h"
#include "DMSim.h"

ExecutionLevel CurrentExecutionLevel(void)
{
  dm_machine *m = dm__current;
  if (m == NULL)
    return kTaskLevel;
  switch (m->level) {
  case DM_LVL_HWI: return kHardwareInterruptLevel;
  case DM_LVL_SIH: return kSecondaryInterruptLevel;
  default: return kTaskLevel;
  }
}

/* A handler record filled but for its link (NULL: the caller's to store
 * but for m->sih_one, whose link is NULL already): run_sih (machine.c)
 * reads it. */
static inline void sih_fill(const dm_machine *m, dm_sih *h, SecondaryInterruptHandler2 fn,
                            void *p1, void *p2)
{
  h->fn = fn;
  h->p1 = p1;
  h->p2 = p2;
  h->owner = dm__running_unit(m);
}

/* Secondary interrupt level preempts task level at once; from interrupt
 * level the queue drains when the interrupt returns (dm_machine_run_at). */
static inline OSStatus sih_queued(dm_machine *m)
{
  if (m->level == DM_LVL_TASK)
    dm__drain_sih(m);
  return noErr;
}

/* QueueSecondaryInterruptHandler into a queue that holds a record already:
 * one from the machine's pool goes behind the last. The pool grows when it
 * is empty (memFullErr when it cannot). Out of line, so that the common
 * case, the queue empty (an interrupt's one handler), has its path to
 * itself. */
static __attribute__((noinline)) OSStatus queue_sih_behind(dm_machine *m,
                                                           SecondaryInterruptHandler2 fn,
                                                           void *p1, void *p2)
{
  dm_sih *h = m->sih_pool.free;
  if (DM_UNLIKELY(h == NULL)) {
    if (dm__pool_grow(&m->sih_pool) != 0)
      return memFullErr;
    h = m->sih_pool.free;
  }
  m->sih_pool.free = h->next; /* (dm__pool_get, whose growth is above) */
  dm_sih *head = m->sih_head;
  (head->next == NULL ? head : m->sih_tail)->next = h;
  m->sih_tail = h;
  h->next = NULL;
  sih_fill(m, h, fn, p1, p2);
  return sih_queued(m);
}

OSStatus QueueSecondaryInterruptHandler(SecondaryInterruptHandler2 theHandler,
                                        ExceptionHandler exceptionHandler, void *p1, void *p2)
{
  (void)exceptionHandler;
  dm_machine *m = dm__current;
  if (m == NULL || theHandler == NULL)
    return paramErr;
  if (DM_UNLIKELY(m->sih_head != NULL))
    return queue_sih_behind(m, theHandler, p1, p2);
  /* An empty queue: its record is free (machine.c, run_sih), its link NULL
   * (dm_machine.sih_one), and it is the queue's head and tail at once
   * (sih_tail is left as it is). */
  m->sih_head = &m->sih_one;
  sih_fill(m, &m->sih_one, theHandler, p1, p2);
  return sih_queued(m);
}

OSStatus CallSecondaryInterruptHandler2(SecondaryInterruptHandler2 theHandler,
                                        ExceptionHandler exceptionHandler, void *p1, void *p2)
{
  (void)exceptionHandler;
  dm_machine *m = dm__current;
  if (m == NULL || theHandler == NULL)
    return paramErr;
  if (m->level == DM_LVL_HWI)
    return kernelExecutionLevelErr;
  dm_level saved = m->level;
  m->level = DM_LVL_SIH;
  OSStatus st = theHandler(p1, p2);
  m->level = saved;
  if (saved == DM_LVL_TASK)
    dm__drain_sih(m); /* what the handler queued runs before task level goes on */
  return st;
}

/* ---- time ------------------------------------------------------------------- */

static uint64_t abs_ns(AbsoluteTime t)
{
  return ((uint64_t)t.hi << 32) | t.lo;
}

static AbsoluteTime ns_abs(uint64_t ns)
{
  AbsoluteTime t = { (UInt32)(ns >> 32), (UInt32)ns };
  return t;
}

static uint64_t duration_ns(Duration d)
{
  if (d == durationForever)
    return UINT64_MAX;
  return d >= 0 ? (uint64_t)d * 1000000u : (uint64_t)(-(int64_t)d) * 1000u;
}

/* Milliseconds when they are exact and fit, microseconds otherwise. */
static Duration ns_duration(uint64_t ns)
{
  if (ns % 1000000u == 0 && ns / 1000000u < (uint64_t)durationForever)
    return (Duration)(ns / 1000000u);
  uint64_t us = ns / 1000u;
  if (us <= (uint64_t)INT32_MAX)
    return -(Duration)us;
  uint64_t ms = ns / 1000000u;
  return ms < (uint64_t)durationForever ? (Duration)ms : durationForever;
}

AbsoluteTime UpTime(void)
{
  dm_machine *m = dm__current;
  return ns_abs(m != NULL ? dm__now(m) : 0);
}

Nanoseconds AbsoluteToNanoseconds(AbsoluteTime a) { return a; }
AbsoluteTime NanosecondsToAbsolute(Nanoseconds n) { return n; }
Duration AbsoluteToDuration(AbsoluteTime a) { return ns_duration(abs_ns(a)); }
AbsoluteTime DurationToAbsolute(Duration d) { return ns_abs(duration_ns(d)); }
Nanoseconds DurationToNanoseconds(Duration d) { return ns_abs(duration_ns(d)); }
Duration NanosecondsToDuration(Nanoseconds n) { return ns_duration(abs_ns(n)); }

/* a + b, at most 2^64-1 ns: a time past the clock's end is its last
 * instant, as a difference below zero is 0 (SubAbsoluteFromAbsolute), so
 * that a timer set that far never fires sooner than asked. */
static AbsoluteTime add_ns(uint64_t a, uint64_t b)
{
  return ns_abs(a > UINT64_MAX - b ? UINT64_MAX : a + b);
}

AbsoluteTime AddAbsoluteToAbsolute(AbsoluteTime a, AbsoluteTime b)
{
  return add_ns(abs_ns(a), abs_ns(b));
}

AbsoluteTime SubAbsoluteFromAbsolute(AbsoluteTime left, AbsoluteTime right)
{
  uint64_t l = abs_ns(left), r = abs_ns(right);
  return ns_abs(l > r ? l - r : 0);
}

AbsoluteTime AddNanosecondsToAbsolute(Nanoseconds n, AbsoluteTime a)
{
  return AddAbsoluteToAbsolute(n, a);
}

AbsoluteTime AddDurationToAbsolute(Duration d, AbsoluteTime a)
{
  return add_ns(abs_ns(a), duration_ns(d)); /* (durationForever: UINT64_MAX) */
}

AbsoluteTime SubNanosecondsFromAbsolute(Nanoseconds n, AbsoluteTime a)
{
  return SubAbsoluteFromAbsolute(a, n);
}

AbsoluteTime SubDurationFromAbsolute(Duration d, AbsoluteTime a)
{
  return SubAbsoluteFromAbsolute(a, DurationToAbsolute(d));
}

Duration AbsoluteDeltaToDuration(AbsoluteTime left, AbsoluteTime right)
{
  uint64_t l = abs_ns(left), r = abs_ns(right);
  return l > r ? ns_duration(l - r) : 0;
}

/* ---- timers ------------------------------------------------------------------ */

static void timer_run(void *arg)
{
  dm_timer *t = arg;
  SecondaryInterruptHandler2 fn = t->fn;
  void *p1 = t->p1;
  dm_machine *m = t->m;
  dm_in_driver frame = { 0, t->owner, m->in_driver, DM_ENTRY_TIMER };
  if (!m->lean)
    m->in_driver = &frame;
  t->armed = 0;
  dm__pool_put(&m->timer_pool, t);
  dm__take_step(m);
  fn(p1, NULL);
  if (!m->lean)
    m->in_driver = frame.outer;
}

static void timer_fire(dm_event *ev)
{
  dm_timer *t = ev->data;
  dm_machine_run_at(t->m, DM_LVL_SIH, timer_run, t);
}

/* A TimerID is (generation << 32 | record number + 1): a record is reused
 * once its timer fired or was cancelled, and the generation tells the old
 * ID from the new one. */
static dm_timer *timer_record(dm_machine *m, uint64_t n)
{
  if (n == 0 || n > (uint64_t)m->timer_pool.nchunks * DM_POOL_CHUNK)
    return NULL;
  n--;
  dm_timer *chunk = m->timer_pool.chunks[n / DM_POOL_CHUNK];
  return &chunk[n % DM_POOL_CHUNK];
}

static uint64_t timer_number(dm_machine *m, const dm_timer *t)
{
  for (size_t c = 0; c < m->timer_pool.nchunks; c++) {
    const dm_timer *chunk = m->timer_pool.chunks[c];
    if (t >= chunk && t < chunk + DM_POOL_CHUNK)
      return c * DM_POOL_CHUNK + (uint64_t)(t - chunk) + 1;
  }
  return 0;
}

OSStatus SetInterruptTimer(const AbsoluteTime *expirationTime, SecondaryInterruptHandler2 handler,
                           void *p1, TimerID *theTimer)
{
  dm_machine *m = dm__current;
  if (m == NULL || expirationTime == NULL || handler == NULL)
    return paramErr;
  dm_timer *t = dm__pool_get(&m->timer_pool);
  if (t == NULL)
    return memFullErr;
  dm_event_init(&t->ev, timer_fire, t, DM_LVL_SIH);
  t->ev.t = abs_ns(*expirationTime);
  t->m = m;
  t->fn = handler;
  t->p1 = p1;
  t->owner = dm__running_unit(m);
  t->gen++;
  t->armed = 1;
  m->cfg.platform.arm(m->cfg.platform.ctx, &t->ev);
  if (theTimer != NULL)
    *theTimer = (TimerID)(uintptr_t)(((uint64_t)t->gen << 32) | timer_number(m, t));
  return noErr;
}

OSStatus CancelTimer(TimerID theTimer, AbsoluteTime *timeRemaining)
{
  dm_machine *m = dm__current;
  if (m == NULL)
    return kernelIDErr;
  uint64_t id = (uint64_t)(uintptr_t)theTimer;
  dm_timer *t = timer_record(m, id & 0xFFFFFFFFu);
  if (t == NULL || !t->armed || t->gen != (uint32_t)(id >> 32))
    return kernelIDErr;
  uint64_t now = dm__now(m);
  if (timeRemaining != NULL)
    *timeRemaining = ns_abs(t->ev.t > now ? t->ev.t - now : 0);
  m->cfg.platform.disarm(m->cfg.platform.ctx, &t->ev);
  t->armed = 0;
  dm__pool_put(&m->timer_pool, t);
  return noErr;
}

/* ---- memory ------------------------------------------------------------------ */

/* Pool memory belongs to the machine its driver runs in, as the system
 * pool belongs to the Mac: a driver gives it back with PoolDeallocate
 * (normally at Finalize), and what is left when the machine is freed (a
 * driver never finalized, or one that forgot) is released with it
 * (dm__pool_blocks_free), so that a run leaks nothing whatever its drivers
 * do. A block taken with no current machine is the caller's to free. */
LogicalAddress PoolAllocateResident(ByteCount byteSize, Boolean clear)
{
  if (byteSize == 0)
    byteSize = 1;
  dm_machine *m = dm__current;
  if (m != NULL && m->npool_blocks == m->cap_pool_blocks) {
    size_t cap = m->cap_pool_blocks ? m->cap_pool_blocks * 2 : 8;
    void **b = realloc(m->pool_blocks, cap * sizeof *b);
    if (b == NULL)
      return NULL;
    m->pool_blocks = b;
    m->cap_pool_blocks = cap;
  }
  /* (A driver's table of requests in flight is such an array.) */
  void *p = dm_mem_alloc_big(byteSize);
  if (p == NULL)
    return NULL;
  if (clear)
    memset(p, 0, byteSize);
  if (m != NULL)
    m->pool_blocks[m->npool_blocks++] = p;
  return p;
}

OSStatus PoolDeallocate(LogicalAddress address)
{
  dm_machine *m = dm__current;
  if (m != NULL && address != NULL) {
    /* Newest first: a driver most often gives back what it took last. */
    for (size_t i = m->npool_blocks; i-- > 0;)
      if (m->pool_blocks[i] == address) {
        m->pool_blocks[i] = m->pool_blocks[--m->npool_blocks];
        break;
      }
  }
  free(address);
  return noErr;
}

void dm__pool_blocks_free(dm_machine *m)
{
  for (size_t i = 0; i < m->npool_blocks; i++)
    free(m->pool_blocks[i]);
  free(m->pool_blocks);
  m->pool_blocks = NULL;
  m->npool_blocks = m->cap_pool_blocks = 0;
}

void BlockCopy(const void *srcPtr, void *destPtr, Size byteCount)
{
  if (byteCount > 0)
    memmove(destPtr, srcPtr, (size_t)byteCount);
}

void BlockMove(const void *srcPtr, void *destPtr, Size byteCount)
{
  BlockCopy(srcPtr, destPtr, byteCount);
}

void BlockZero(void *start, Size length)
{
  if (length > 0)
    memset(start, 0, (size_t)length);
}

void SynchronizeIO(void)
{
  __asm__ __volatile__("" ::: "memory");
}

/* ---- simulated hardware ------------------------------------------------------- */

int dm__hw_start_none(const void *device, uint32_t bytes, dm_hw_done_fn done, void *refCon,
                      void *ctx, uint64_t request)
{
  (void)device, (void)bytes, (void)done, (void)refCon, (void)ctx, (void)request;
  return paramErr;
}

OSStatus DMSimHardwareStart(const RegEntryID *deviceEntry, ByteCount byteCount,
                            DMSimInterruptHandler handler, void *refCon)
{
  dm_machine *m = dm__current;
  if (m == NULL || deviceEntry == NULL)
    return paramErr;
  /* A NULL handler and a device that names none (all zero: a driver
   * installed without one) are the platform's to refuse (platform.h), as
   * it finds the device: not tested twice on a device's every start. The
   * running DoDriverIO's command is handed over, so that the platform need
   * not ask for it (dm_machine_driverio_id) once per operation. */
  return m->hw_start(deviceEntry, byteCount, (dm_hw_done_fn)handler, refCon, m->cfg.platform.ctx,
                     m->driverio_id);
}

OSStatus DMSimHardwarePrefetch(const RegEntryID *deviceEntry, DMSimInterruptHandler handler,
                               DMSimPrefetchHandler prefetch)
{
  dm_machine *m = dm__current;
  if (m == NULL || deviceEntry == NULL || handler == NULL || dm__no_device(deviceEntry))
    return paramErr;
  if (m->cfg.platform.hw_prefetch == NULL)
    return unimpErr;
  return m->cfg.platform.hw_prefetch(m->cfg.platform.ctx, deviceEntry, (dm_hw_done_fn)handler,
                                     (dm_hw_prefetch_fn)prefetch);
}
