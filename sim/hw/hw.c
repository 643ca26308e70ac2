/*
 * hw.c - simulated latency hardware (see hw.h).
 *
 * Each operation is a record with its own completion event. A record is in
 * service (event armed, holding a channel) or waiting (on the device's FIFO
 * for a free channel). When an operation ends, its channel passes straight
 * to the oldest waiting one, then the driver's handler runs at hardware
 * interrupt level: so the next operation's start time never depends on
 * what the handler does.
 */
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "hw/hw.h"
#include "MacErrors.h"

/* One cache line, on a line boundary (see grow): with many operations in
 * service, the completion of each is likely a cache miss, so it should cost
 * one line. Hence the event's data is the device (the op is the event's
 * container), and id and next share a word: an op is in service (id) or
 * waiting or free (next), never both. */
typedef struct hw_op {
  dm_event      ev; /* first: completion; ev.data = the device */
  dm_hw_done_fn done;
  void         *refCon;
  union {
    uint64_t      id;   /* in service: the request it serves, 0 if unknown
                           (see op_warm) */
    struct hw_op *next; /* waiting FIFO or free list */
  } u;
} hw_op;

#define OP_ALIGN 64u
_Static_assert(sizeof(hw_op) == OP_ALIGN, "an operation record is one cache line");

/* Service times drawn ahead, per batch: the model's generator serves
 * nothing else, so drawing a batch at once gives the same values in the same
 * order as one draw per operation, for fewer instructions a draw. */
#define HW_DRAWS 64u

struct sim_hw {
  /* What every operation touches, first (two cache lines). */
  sim_world   *w;
  dm_machine  *m;
  hw_op       *free;
  hw_op       *wait_head, *wait_tail;
  /* Channels free less operations waiting: channels - (in service +
   * waiting). Signed (channels is at most 2^32-1), so that a start takes a
   * channel by one decrement and a jump on its sign (a completion gives
   * it back by an increment), where a count of those in service took a
   * load, a compare with channels, and the count's increment: none is kept
   * (sim_hw_get_stats works it out). */
  int64_t      idle;
  uint32_t     channels, waiting;
  uint32_t     drawn_next; /* the next unused one of drawn; HW_DRAWS: none */
  uint64_t     batches;    /* batches drawn: with drawn_next, the service times taken */
  sim_hw_stats stats;
  char         name[32];
  sim_hw_model model;
  sim_rng      rng;
  /* The driver's prefetch for operations whose done is prefetch_of
   * (sim_hw_platform_prefetch), or NULL. */
  dm_hw_done_fn     prefetch_of;
  dm_hw_prefetch_fn prefetch;
  hw_op      **chunks;
  size_t       nchunks, capchunks, chunk_ops;
  uint64_t     drawn[HW_DRAWS];
};

static void op_fire(dm_event *ev);
static void op_warm(dm_event *stage0, dm_event *stage1, dm_event *stage2);

sim_hw *sim_hw_new(sim_world *w, dm_machine *m, const char *name, const sim_hw_model *model,
                   uint32_t channels, uint64_t seed)
{
  if (channels == 0 || model == NULL)
    return NULL;
  sim_hw *hw = calloc(1, sizeof *hw);
  if (hw == NULL)
    return NULL;
  hw->w = w;
  hw->m = m;
  if (name != NULL) {
    strncpy(hw->name, name, sizeof hw->name - 1);
  }
  hw->model = *model;
  hw->channels = channels;
  hw->idle = channels;
  sim_rng_seed(&hw->rng, seed);
  hw->drawn_next = HW_DRAWS;
  hw->chunk_ops = 8;
  sim_world_set_warm(w, op_fire, op_warm);
  return hw;
}

void sim_hw_free(sim_hw *hw)
{
  if (hw == NULL)
    return;
  for (size_t c = 0; c < hw->nchunks; c++) {
    size_t n = (size_t)8 << c;
    for (size_t i = 0; i < n; i++)
      sim_world_disarm(hw->w, &hw->chunks[c][i].ev);
    free(hw->chunks[c]);
  }
  free(hw->chunks);
  free(hw);
}

/* More records: each chunk doubles the pool. Returns 0 or -1. */
static int grow(sim_hw *hw)
{
  size_t n = (size_t)8 << hw->nchunks;
  if (SIM_VEC_RESERVE(hw->chunks, hw->capchunks, hw->nchunks + 1, 4) != 0)
    return -1;
  hw_op *ops = dm_mem_alloc_big(n * OP_ALIGN);
  if (ops == NULL)
    return -1;
  memset(ops, 0, n * OP_ALIGN);
  hw->chunks[hw->nchunks++] = ops;
  for (size_t i = 0; i < n; i++) {
    dm_event_init(&ops[i].ev, op_fire, hw, DM_LVL_HWI);
    ops[i].u.next = hw->free;
    hw->free = &ops[i];
  }
  return 0;
}

/* The next HW_DRAWS service times. Out of line: it runs once per batch. */
static __attribute__((noinline)) void draw_batch(sim_hw *hw)
{
  switch (hw->model.kind) {
  case SIM_HW_UNIFORM:
    for (uint32_t k = 0; k < HW_DRAWS; k++)
      hw->drawn[k] = sim_rng_range(&hw->rng, hw->model.a, hw->model.b);
    break;
  case SIM_HW_EXPONENTIAL: sim_rng_exp_fill(&hw->rng, hw->model.a, hw->drawn, HW_DRAWS); break;
  default:
    for (uint32_t k = 0; k < HW_DRAWS; k++)
      hw->drawn[k] = hw->model.a;
  }
  hw->drawn_next = 0;
  hw->batches++;
}

static inline __attribute__((always_inline)) uint64_t service_time(sim_hw *hw)
{
  if (hw->drawn_next == HW_DRAWS)
    draw_batch(hw);
  return hw->drawn[hw->drawn_next++];
}

/* Put op in service on a channel for service ns, the draw just taken
 * (the caller took the channel, hw->idle, and sets op->u.id). Its busy
 * time counts now, whole. Returns 0, or -1 when its completion could not
 * be armed (out of memory: unbegin must then take op out of service). The
 * counts are made before the arm, so that a caller keeps only op across
 * it. */
static inline __attribute__((always_inline)) int begin(sim_hw *hw, hw_op *op, uint64_t service)
{
  hw->stats.busy_ns += service;
  return sim_world_arm_irq_in(hw->w, &op->ev, service); /* (its lvl: DM_LVL_HWI) */
}

/* Undoes start's begin for op, whose completion could not be armed: op is
 * not counted as started or busy and goes back to the pool; memFullErr.
 * Its service time was the last draw taken. */
static __attribute__((noinline, cold)) int unbegin(hw_op *op)
{
  sim_hw *hw = op->ev.data;
  hw->stats.started--; /* (a correction: sim_hw_get_stats) */
  hw->idle++;
  hw->stats.busy_ns -= hw->drawn[hw->drawn_next - 1];
  op->u.next = hw->free;
  hw->free = op;
  return memFullErr;
}

/* start's begin when the interrupt queue holds events: its arm may need
 * memory, and when none can be had the start is undone (unbegin). Out of
 * line, so that the common start, into an empty queue, keeps nothing for
 * that. */
static __attribute__((noinline)) int begin_queued(sim_hw *hw, hw_op *op, uint64_t service)
{
  if (begin(hw, op, service) != 0)
    return unbegin(op);
  return 0;
}

/* The oldest waiting operation takes the channel an operation just freed
 * (hw->idle counted it already: it was waiting). */
static inline void begin_waiting(sim_hw *hw)
{
  hw_op *next = hw->wait_head;
  hw->wait_head = next->u.next;
  if (hw->wait_head == NULL)
    hw->wait_tail = NULL;
  hw->waiting--;
  /* Cannot fail: the op that freed the channel has just left the queue,
   * and a push that follows a pop never needs memory (sim_evq_push). */
  if (begin(hw, next, service_time(hw)) != 0)
    abort();
  next->u.id = 0; /* its request is not known any more (next held the word) */
}

/* op_fire when an operation waits for the channel op has just freed: it
 * enters service, then op's interrupt is delivered. Out of line, so that
 * op_fire keeps nothing across a call. op's done and refCon are read after
 * begin_waiting, which takes no record from the pool (op is on it). */
static __attribute__((noinline)) void fire_with_waiting(sim_hw *hw, const hw_op *op)
{
  begin_waiting(hw);
  dm_machine_interrupt(hw->m, op->refCon, op->done);
}

static void op_fire(dm_event *ev)
{
  hw_op *op = (hw_op *)ev;
  sim_hw *hw = ev->data;
  /* The op goes back to the pool before its handler runs, which may start
   * another (and reuse it: its done and refCon are arguments by then). The
   * interrupt is op_fire's last call, a tail call. Its channel is free, or
   * taken by the oldest operation waiting when one waits: either way hw->idle
   * counts one more. (The test is of the queue, not of hw->idle's new value:
   * gcc loads, adds, stores and tests a `++idle <= 0`, where a queue's head
   * is one compare. completed is counted from hw->idle: sim_hw_get_stats.) */
  hw->idle++;
  op->u.next = hw->free;
  hw->free = op;
  if (hw->wait_head != NULL)
    fire_with_waiting(hw, op);
  else
    dm_machine_interrupt(hw->m, op->refCon, op->done);
}

/* The Device Manager's machine of the device of operation ev (NULL: none)
 * and the request the operation serves, 0 when unknown. */
static inline dm_machine *op_request(const dm_event *ev, uint64_t *id)
{
  if (ev == NULL)
    return NULL;
  *id = ((const hw_op *)ev)->u.id;
  return ((const sim_hw *)ev->data)->m;
}

/* The world's warm hook for operations (sim_world_set_warm): the request
 * an operation serves will complete when it fires, so the Device Manager is
 * told to fetch what that completion touches, stage by stage, and at the
 * first stage the driver what its handler touches (its own record of the
 * request, say), when it asked to be. One call for the three stages when
 * their devices are one machine's, as a world's are. */
static void op_warm(dm_event *stage0, dm_event *stage1, dm_event *stage2)
{
  const hw_op *first = (const hw_op *)stage0;
  if (first != NULL) {
    const sim_hw *hw = stage0->data;
    if (hw->prefetch != NULL && first->done == hw->prefetch_of)
      hw->prefetch(first->refCon);
  }
  uint64_t id0 = 0, id1 = 0, id2 = 0;
  dm_machine *m0 = op_request(stage0, &id0), *m1 = op_request(stage1, &id1),
             *m2 = op_request(stage2, &id2);
  dm_machine *m = m0 != NULL ? m0 : m1 != NULL ? m1 : m2;
  if (m == NULL)
    return;
  if ((m0 == NULL || m0 == m) && (m1 == NULL || m1 == m) && (m2 == NULL || m2 == m)) {
    dm_machine_prefetch(m, m0 ? id0 : 0, m1 ? id1 : 0, m2 ? id2 : 0);
    return;
  }
  if (m0 != NULL) /* devices of several machines: a call for each stage */
    dm_machine_prefetch(m0, id0, 0, 0);
  if (m1 != NULL)
    dm_machine_prefetch(m1, 0, id1, 0);
  if (m2 != NULL)
    dm_machine_prefetch(m2, 0, 0, id2);
}

static int start_slow(sim_hw *hw, uint32_t bytes, dm_hw_done_fn done, void *refCon, void *ctx,
                      uint64_t request);
/* start_slow is gcc's noipa: a function whose unused arguments gcc's
 * interprocedural passes would drop (moving the others down a register). */
#if defined(__GNUC__) && !defined(__clang__)
#define HW_KEEP_ARGS __attribute__((noipa))
#else
#define HW_KEEP_ARGS __attribute__((noinline))
#endif

/* sim_hw_start, inline in the platform's entry as well (a device that
 * serves one request at a time starts one per request): an operation that
 * serves `request` (0: none known). */
static inline __attribute__((always_inline)) int start(sim_hw *hw, dm_hw_done_fn done,
                                                       void *refCon, uint64_t request)
{
  hw_op *op = hw->free;
  if (__builtin_expect(op == NULL || hw->drawn_next == HW_DRAWS, 0))
    return start_slow(hw, 0, done, refCon, NULL, request);
  hw->free = op->u.next;
  op->done = done;
  op->refCon = refCon;
  /* Written first, so that request is not kept across begin; the other
   * ways out put op's next in the word instead. */
  op->u.id = request;
  if (--hw->idle >= 0) { /* a channel free: taken */
    uint64_t service = hw->drawn[hw->drawn_next++];
    if (!sim_world_irq_idle(hw->w))
      return begin_queued(hw, op, service);
    /* (Cannot fail: the interrupt queue is empty. So nothing is kept for
     * an undo, and the start saves no register.) */
    return begin(hw, op, service);
  }
  op->u.next = NULL;
  if (hw->wait_tail == NULL)
    hw->wait_head = op;
  else
    hw->wait_tail->u.next = op;
  hw->wait_tail = op;
  if (++hw->waiting > hw->stats.max_waiting)
    hw->stats.max_waiting = hw->waiting;
  return 0;
}

/* start with no record free (the pool grows first) or no service time
 * left of the batch drawn (the next batch is drawn now: the generator
 * serves nothing else, so the values and their order are those of a draw
 * per operation). Out of line and a tail call, so that start keeps nothing
 * but the record across a call (its arguments are dead once in the
 * record). Its arguments are in the places of sim_hw_platform_start's
 * (bytes and ctx unused, passed as constants so that nothing keeps them),
 * so that the platform's start moves none of them for it (2 instructions a
 * request: gcc moved done and refCon down a register on entry). */
static HW_KEEP_ARGS __attribute__((cold)) int start_slow(sim_hw *hw, uint32_t bytes,
                                                         dm_hw_done_fn done, void *refCon,
                                                         void *ctx, uint64_t request)
{
  (void)bytes;
  (void)ctx;
  if (hw->free == NULL && grow(hw) != 0)
    return memFullErr;
  if (hw->drawn_next == HW_DRAWS)
    draw_batch(hw);
  return start(hw, done, refCon, request);
}

int sim_hw_start(sim_hw *hw, uint32_t bytes, dm_hw_done_fn done, void *refCon)
{
  (void)bytes;
  return start(hw, done, refCon, hw->m != NULL ? dm_machine_driverio_id(hw->m) : 0);
}

int sim_hw_platform_start(const void *device, uint32_t bytes, dm_hw_done_fn done, void *refCon,
                          void *ctx, uint64_t request)
{
  (void)ctx;
  sim_hw *hw;
  memcpy(&hw, device, sizeof hw);
  if (hw == NULL || done == NULL)
    return paramErr;
  (void)bytes;
  return start(hw, done, refCon, request);
}

int sim_hw_platform_prefetch(void *ctx, const void *device, dm_hw_done_fn done,
                             dm_hw_prefetch_fn prefetch)
{
  (void)ctx;
  sim_hw *hw;
  memcpy(&hw, device, sizeof hw);
  if (hw == NULL || done == NULL)
    return paramErr;
  hw->prefetch_of = prefetch != NULL ? done : NULL;
  hw->prefetch = prefetch;
  return 0;
}

uint32_t sim_hw_inflight(const sim_hw *hw)
{
  return (uint32_t)((int64_t)hw->channels - hw->idle);
}

sim_hw_stats sim_hw_get_stats(const sim_hw *hw)
{
  /* Neither count is kept on the way (an increment an operation less
   * each): an operation started has taken a service time (one of the
   * batches drawn) or waits for a channel, less those a failed arm undid
   * (unbegin, which counts down stats.started); one started is in
   * service, waiting, or completed. */
  sim_hw_stats s = hw->stats;
  uint64_t taken = hw->batches * HW_DRAWS - HW_DRAWS + hw->drawn_next;
  uint64_t inflight = sim_hw_inflight(hw);
  s.started += taken + hw->waiting;
  s.completed = s.started - inflight;
  return s;
}
