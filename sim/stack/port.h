/*
 * sim/stack/port.h - a simulated SCSI bus (sim/scsi) as the platform offers
 * it to HBA controllers: DMSim.h's DMSimSCSIStart, DMSimSCSIAbort and
 * DMSimSCSIReset reach dm_platform's scsi_* functions, which are these.
 *
 * A port joins one bus to one machine. A controller names it by the
 * RegEntryID sim_stack_port_entry gives (its provider): the first 8 bytes
 * hold the port pointer. Each command in flight has a record from a pool
 * that grows by doubling and never shrinks, so a steady workload
 * allocates nothing.
 */
#ifndef SIM_STACK_PORT_H
#define SIM_STACK_PORT_H

#include "devmgr.h"
#include "scsi/scsi.h"

typedef struct sim_stack_port sim_stack_port;

/* A port for bus on machine m; NULL when out of memory. */
sim_stack_port *sim_stack_port_new(sim_scsi_bus *bus, dm_machine *m);
/* Free the port. Free the bus first: it disarms the commands in flight,
 * whose records the port owns. NULL is a no-op. */
void sim_stack_port_free(sim_stack_port *p);
/* The RegEntryID that names the port (a controller's provider). */
void sim_stack_port_entry(const sim_stack_port *p, RegEntryID *entry);

/* dm_platform.scsi_start, scsi_abort and scsi_reset for sim machines. */
int sim_stack_scsi_start(void *ctx, const void *bus, struct DMSimSCSIRequest *req,
                         dm_hw_done_fn done, void *refCon);
int sim_stack_scsi_abort(void *ctx, const void *bus, struct DMSimSCSIRequest *req);
int sim_stack_scsi_reset(void *ctx, const void *bus, int target, int lun);
/* Set the three on platform. */
void sim_stack_platform(dm_platform *platform);

#endif /* SIM_STACK_PORT_H */
