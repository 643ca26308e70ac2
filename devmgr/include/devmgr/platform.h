/*
 * devmgr/platform.h - what the Device Manager needs from the world around it.
 *
 * devmgr never reads a host clock, never sleeps and never owns an event loop.
 * It asks the embedding (sim/ in dmsim, or a test harness) for four things:
 * the current simulated time, a way to be called back at a later time, a way
 * to let interrupts happen while a synchronous call waits, and a way to start
 * simulated hardware that interrupts when it finishes.
 *
 * Events are intrusive (libuv style): the owner of a dm_event keeps it alive
 * while it is armed, and the queue never allocates for it.
 */
#ifndef DEVMGR_PLATFORM_H
#define DEVMGR_PLATFORM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Execution levels, in the order they preempt each other. */
typedef enum dm_level {
  DM_LVL_TASK = 0, /* task level: clients, sync waits, Initialize/Open/...   */
  DM_LVL_SIH  = 1, /* secondary interrupt level: serialized deferred work    */
  DM_LVL_HWI  = 2  /* hardware interrupt level: device interrupt handlers    */
} dm_level;

/* Index value of an event that is not in any queue. */
#define DM_EVENT_IDLE UINT32_MAX

typedef struct dm_event dm_event;
typedef void (*dm_event_fn)(dm_event *ev);

/*
 * One schedulable event. The owner sets t, fn, data and lvl; the queue owns
 * seq and idx while the event is armed. Events due at the same time run in
 * the order they were armed (seq is a global FIFO tie-break), which is what
 * makes runs deterministic.
 */
struct dm_event {
  uint64_t    t;    /* due time, simulated nanoseconds */
  uint64_t    seq;  /* set by the queue when armed */
  dm_event_fn fn;   /* called once when due, after the event is disarmed */
  void       *data; /* owner's cookie */
  uint32_t    idx;  /* position in the queue, DM_EVENT_IDLE when not armed */
  uint8_t     lvl;  /* dm_level: task-level events are held while a sync call waits */
};

/* Initialise an event so that it is safe to disarm before it was ever armed. */
static inline void dm_event_init(dm_event *ev, dm_event_fn fn, void *data, dm_level lvl)
{
  ev->t = 0;
  ev->seq = 0;
  ev->fn = fn;
  ev->data = data;
  ev->idx = DM_EVENT_IDLE;
  ev->lvl = (uint8_t)lvl;
}

/* A SCSI command on a simulated bus (DMSim.h: what an HBA controller fills in). */
struct DMSimSCSIRequest;

/* Called by simulated hardware when an operation finishes (at hardware level). */
typedef void (*dm_hw_done_fn)(void *refCon, int32_t status);
/* Called by simulated hardware shortly before an operation finishes, to
 * prefetch (DMSimHardwarePrefetch). */
typedef void (*dm_hw_prefetch_fn)(void *refCon);

/*
 * The platform interface. Every function pointer is required except hw_start
 * and the scsi_* calls (a machine without hardware answers paramErr to
 * drivers that ask for it).
 */
typedef struct dm_platform {
  void *ctx;
  /* Current simulated time in nanoseconds. Never decreases. */
  uint64_t (*now)(void *ctx);
  /*
   * Optional: where the current time can be read directly (what now() would
   * return). The Device Manager reads the clock several times per request;
   * a platform whose time is a variable publishes it here and saves the
   * calls. NULL: now() is called.
   */
  const uint64_t *clock;
  /* Queue ev to run at ev->t (clamped to now). ev must not be armed already. */
  void (*arm)(void *ctx, dm_event *ev);
  /* Remove ev from the queue if it is armed; a no-op otherwise. */
  void (*disarm)(void *ctx, dm_event *ev);
  /*
   * Run the next event that may run while task level is blocked in a sync
   * call (interrupt-level events only), advancing time to it. Returns 1 if an
   * event ran, 0 if none is pending: the waiting call can never complete.
   */
  int (*step_interrupts)(void *ctx);
  /*
   * Start an operation of `bytes` bytes on the simulated device named by
   * `device` (the deviceEntry the driver got in DriverInitInfo). When it
   * finishes, done(refCon, status) runs at hardware-interrupt level.
   * `request` is the command whose DoDriverIO starts it (the innermost, as
   * dm_machine_driverio_id numbers it), 0 when none runs: what the platform
   * may keep to name the request the operation serves, for
   * dm_machine_prefetch. Returns 0 when started, a negative OSErr otherwise:
   * paramErr for a NULL done and for a device that names none (a RegEntryID
   * all zero, what a driver installed without a device has), which
   * DMSimHardwareStart hands over as its driver gave them. (ctx comes after
   * the driver's own four arguments, in their order, so that
   * DMSimHardwareStart passes them on where its driver put them.)
   */
  int (*hw_start)(const void *device, uint32_t bytes, dm_hw_done_fn done, void *refCon,
                  void *ctx, uint64_t request);
  /*
   * Optional: have prefetch(refCon) called shortly before each operation on
   * `device` whose done is `done` finishes (prefetch NULL: no more). Returns
   * 0, or a negative OSErr (paramErr: no such device).
   */
  int (*hw_prefetch)(void *ctx, const void *device, dm_hw_done_fn done,
                     dm_hw_prefetch_fn prefetch);
  /*
   * Optional: a SCSI bus, named by `bus` (the provider RegEntryID an HBA
   * controller was created with). scsi_start sends req's command; done
   * (refCon, 0) runs at hardware-interrupt level once req's results are
   * filled in, never inside scsi_start. Returns 0, or a negative OSErr
   * (nothing happened). scsi_abort ends req if it is in flight (done runs
   * before it returns): 0, or paramErr when it is not. scsi_reset resets a
   * logical unit (lun >= 0) or a whole target (lun < 0), ending what is in
   * flight there: the number ended, or a negative OSErr.
   */
  int (*scsi_start)(void *ctx, const void *bus, struct DMSimSCSIRequest *req,
                    dm_hw_done_fn done, void *refCon);
  int (*scsi_abort)(void *ctx, const void *bus, struct DMSimSCSIRequest *req);
  int (*scsi_reset)(void *ctx, const void *bus, int target, int lun);
} dm_platform;

#ifdef __cplusplus
}
#endif
#endif /* DEVMGR_PLATFORM_H */
