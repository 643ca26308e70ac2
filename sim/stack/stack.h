/*
 * sim/stack/stack.h - one whole SCSI stack in a world of its own: a machine,
 * a disk store (an image file or memory), a simulated bus with one unit at
 * target 0, a port, an HBA controller, and the SCSI disk driver installed
 * and open on that unit. `dmsim disk read|write`, `dmsim bench` and the
 * tests build the path of a request this way:
 *
 *   PBReadAsync -> Device Manager -> .SCSIDisk -> controller family ->
 *   HBA controller -> sim_scsi bus and unit -> store
 */
#ifndef SIM_STACK_H
#define SIM_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "devmgr.h"
#include "disk/disk.h"
#include "scsi/scsi.h"
#include "stack/port.h"
#include "world/world.h"

typedef struct sim_stack_config {
  const char *image;         /* image file, or NULL for a memory store */
  int         writable;      /* open the image for writing */
  uint64_t    memory_bytes;  /* memory store size (image NULL) */
  uint32_t    block_size;    /* the unit's block size, 0: 512 */
  int         bundled;       /* the controller's path */
  uint64_t    crossing_ns;   /* the family's crossing cost */
  uint32_t    tasks;         /* the controller's maximum task count, 0: 64 */
  const char *bug;           /* the HBA's deliberate bug ("bug" property), or NULL */
  const SCSIControllerDescription *desc; /* another controller, or NULL for DMSimHBA */
  const sim_scsi_unit_config *unit; /* unit settings (latency, faults...), or NULL */
  dm_check_mode check;
  dm_trace_fn trace;         /* optional hooks, as in dm_machine_config */
  void       *trace_ctx;
  dm_violation_fn violation;
  void       *violation_ctx;
} sim_stack_config;

typedef struct sim_stack {
  sim_world       w;
  dm_machine     *m;
  sim_disk       *disk;
  sim_scsi_bus   *bus;
  sim_scsi_unit  *unit;
  sim_stack_port *port;
  dm_scsi_ctrl   *ctrl;
  int16_t         ref;       /* the disk driver's refNum */
} sim_stack;

/* Build the stack and open the driver. Returns 0, or -1 with a message in
 * err (the image cannot be opened, the controller does not start, the
 * driver's Initialize failed: its Mac error by name). */
int sim_stack_open(sim_stack *s, const sim_stack_config *cfg, char *err, size_t errlen);
/* Remove the driver (Finalize drains it) and free everything. Returns 0,
 * or -1 when the store's final sync failed. */
int sim_stack_close(sim_stack *s);

/*
 * Read (write = 0) or write [off, off + len) of the disk, both multiples
 * of 512, through the driver: async requests of at most chunk bytes (a
 * multiple of 512), depth of them in flight at once, buf holding the whole
 * range. Returns noErr, or the result of the first request that failed
 * (the others are waited for); *moved (may be NULL) is the number of bytes
 * moved before it. A request nothing can complete ends the wait with
 * ioErr.
 */
OSErr sim_stack_transfer(sim_stack *s, int write, uint64_t off, uint8_t *buf, uint64_t len,
                         uint32_t depth, uint32_t chunk, uint64_t *moved);

#endif /* SIM_STACK_H */
