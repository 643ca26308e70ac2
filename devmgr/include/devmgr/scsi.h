/*
 * devmgr/scsi.h - the SCSI controller family as the simulator sees it:
 * creating a controller from a description (a built-in HBA or a shared
 * object exporting TheSCSIControllerDescription), naming the logical units
 * a SCSI disk driver is installed for, and reading the family's counters.
 *
 * A controller belongs to one machine and must be freed before it.
 */
#ifndef DEVMGR_SCSI_H
#define DEVMGR_SCSI_H

#include <stddef.h>
#include <stdint.h>

#include "devmgr/machine.h"
#include "NameRegistry.h"
#include "SCSIControllerDriverKit.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct IOUserSCSIParallelInterfaceController dm_scsi_ctrl;

/* Default cost of one crossing of the framework/dext boundary, in
 * simulated ns: one IPC call or completion message. See docs/scsi.md. */
#define DM_SCSI_CROSSING_NS_DEFAULT 5000u

typedef struct dm_scsi_config {
  const SCSIControllerDescription *desc;     /* required */
  RegEntryID                       provider; /* the bus, for the controller's DMSim calls */
  uint64_t                         crossing_ns;
  /* Personality properties the controller may read
   * (IOUserSCSIParallelInterfaceController_CopyProperty): key, value,
   * key, value, ..., NULL. Copied. */
  const char *const               *props;
} dm_scsi_config;

/*
 * Create a controller and start it in the documented order:
 * UserInitializeController, UserReportMaximumTaskCount, the queries,
 * UserMapHBAData for each task object, then
 * UserMapBundledParallelTaskCommandAndResponseBuffers (success: bundled
 * path; any error: per-task path) and UserStartController. Returns 0 and
 * sets *out, or -1 with the reason in err: a description that is not
 * usable, a method that failed, or a maximum task count of zero (reported
 * as task-count-zero as well).
 */
int dm_scsi_ctrl_new(dm_machine *m, const dm_scsi_config *cfg, dm_scsi_ctrl **out, char *err,
                     size_t errlen);
/* Free a controller: its units, buffers and ivars. Tasks still outstanding
 * are forgotten (their completion routines never run). NULL is a no-op. */
void dm_scsi_ctrl_free(dm_scsi_ctrl *c);

/*
 * The logical unit (target, lun) behind c, as a RegEntryID to install a
 * SCSI disk driver with (its DriverInitInfo.deviceEntry). The first unit of
 * a target gets UserInitializeTargetForID. Returns 0, or -1 when out of
 * memory, the target is above the controller's highest ID, or the
 * controller refused the target.
 */
int dm_scsi_unit(dm_scsi_ctrl *c, uint64_t target, uint64_t lun, RegEntryID *entry);

/* Check a description: 0 when usable, else -1 with the reason in why. */
int dm_scsi_check_description(const SCSIControllerDescription *d, char *why, size_t len);
/* Load TheSCSIControllerDescription from a shared object: 0 and *desc
 * set, or -1 with a message naming the file. The object stays loaded. */
int dm_scsi_load_so(const char *path, const SCSIControllerDescription **desc, char *err,
                    size_t errlen);

typedef struct dm_scsi_stats {
  uint64_t tasks;          /* completed */
  uint64_t calls_down;     /* UserProcessParallelTask + UserProcessBundledParallelTasks */
  uint64_t calls_up;       /* ParallelTaskCompletion + BundledParallelTaskCompletion */
  uint64_t bytes_copied;   /* task and response bodies copied across */
  uint32_t max_owned;      /* most slots the controller held at once */
  uint32_t max_bundle;     /* largest bundle handed over */
} dm_scsi_stats;

/* The controller's counters since dm_scsi_ctrl_new, by value (they never
 * reset; a caller measuring an interval subtracts two snapshots). */
dm_scsi_stats dm_scsi_get_stats(const dm_scsi_ctrl *c);
/* Whether the controller took the bundled path. */
int dm_scsi_bundled(const dm_scsi_ctrl *c);
/* The controller's name (its description's), its maximum task count, and
 * the slots it owns now. */
const char *dm_scsi_name(const dm_scsi_ctrl *c);
uint32_t dm_scsi_max_tasks(const dm_scsi_ctrl *c);
uint32_t dm_scsi_owned(const dm_scsi_ctrl *c);

/* The name of a SCSI operation code ("READ(10)"), or NULL. */
const char *dm_scsi_op_name(unsigned opcode);
/* The name of a sense key ("UNIT ATTENTION") or of a SAM status ("CHECK
 * CONDITION"); "?" for unknown values. Never NULL. */
const char *dm_scsi_sense_key_name(unsigned key);
const char *dm_scsi_status_name(unsigned status);

#ifdef __cplusplus
}
#endif
#endif /* DEVMGR_SCSI_H */
