/*
 * devmgr/rules.h - the catalogue of rules the Device Manager checks.
 *
 * Each rule has a stable id (a contract: ids never change once released), a
 * one-line explanation, and an entry in docs/rules.md. The table is the only
 * place a rule is defined; the enum, the ids and the texts come from it.
 */
#ifndef DEVMGR_RULES_H
#define DEVMGR_RULES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How deeply calls into the Device Manager may nest on one thread's stack
 * (rule nesting-too-deep, whose text says the number): driver code the
 * Device Manager runs inside a call (a DoDriverIO, or the completion routine
 * of a request it finishes at once) that makes a call of its own nests one
 * level deeper, and the call that would pass this many is refused. Each
 * level costs the host stack up to 15 KiB (clang -O0 with ASan; about 0.5
 * KiB at -O2), so 64 levels use under 1 MiB of the main thread's 8 MiB,
 * while drivers that call each other nest a handful of levels. */
#define DM_NESTING_MAX 64

#define DM_RULE_MAP(XX)                                                                    \
  XX(COMPLETE_TWICE, "complete-twice",                                                     \
     "IOCommandIsComplete was called for a command that had already completed")            \
  XX(COMPLETE_UNKNOWN_ID, "complete-unknown-id",                                           \
     "IOCommandIsComplete was given an ID the Device Manager never issued")                \
  XX(COMPLETE_IMMEDIATE, "complete-immediate",                                             \
     "an immediate command was completed with IOCommandIsComplete; its result is "          \
     "DoDriverIO's return value")                                                          \
  XX(COMPLETE_AT_HW_INTERRUPT, "complete-at-hw-interrupt",                                 \
     "IOCommandIsComplete was called at hardware-interrupt level; defer to secondary "      \
     "interrupt or task level")                                                            \
  XX(COMPLETE_WHILE_QUEUED, "complete-while-queued",                                       \
     "a request was completed while it was still on a queue (the driver's own queue, "      \
     "or dCtlQHdr before dispatch)")                                                       \
  XX(PB_IN_FLIGHT_REUSED, "pb-in-flight-reused",                                           \
     "a parameter block was sent again while its previous request was still in flight")    \
  XX(DRIVER_WROTE_IORESULT, "driver-wrote-ioresult",                                       \
     "the driver wrote ioResult; only the Device Manager may post a result")               \
  XX(FINALIZE_WITH_PENDING, "finalize-with-pending",                                       \
     "the driver returned from Finalize with requests still outstanding")                  \
  XX(IODONE_FROM_CONCURRENT, "iodone-from-concurrent",                                     \
     "a concurrent driver called IODone; concurrent drivers complete only through "         \
     "IOCommandIsComplete")                                                                \
  XX(SYNC_DEADLOCK, "sync-deadlock",                                                       \
     "a synchronous call waits for a request that nothing can ever complete")              \
  XX(SYNC_AT_INTERRUPT, "sync-at-interrupt",                                               \
     "a synchronous call was made at interrupt level, where waiting can never end")        \
  XX(COMPLETE_NOT_OWNER, "complete-not-owner",                                             \
     "IOCommandIsComplete was called by a driver for a command another driver owns")       \
  XX(DRIVER_WROTE_DCE, "driver-wrote-dce",                                                 \
     "the driver wrote a DCE field the Device Manager owns (dCtlQHdr, drvrActive)")         \
  XX(SLOT_NOT_OWNED, "slot-not-owned",                                                     \
     "an HBA controller used or returned a task slot it does not own")                    \
  XX(SLOT_DOUBLE_COMPLETE, "slot-double-complete",                                         \
     "an HBA controller completed a task or returned a slot that had already come back")   \
  XX(RESPONSE_VERSION, "response-version",                                                 \
     "a SCSIUserParallelResponse carried a version other than 1; the family drops it "      \
     "without completing the task")                                                        \
  XX(BUNDLE_TOO_LARGE, "bundle-too-large",                                                 \
     "BundledParallelTaskCompletion was given more than kMaxBundledParallelTasks (32) "     \
     "slot indices")                                                                       \
  XX(TASK_COUNT_ZERO, "task-count-zero",                                                   \
     "UserReportMaximumTaskCount reported no task; the controller cannot start")           \
  XX(BUNDLE_EMPTY, "bundle-empty",                                                         \
     "BundledParallelTaskCompletion was given no slot index (1 to 32 required)")           \
  XX(TASK_UNKNOWN_ID, "task-unknown-id",                                                   \
     "ParallelTaskCompletion named a task identifier the family never handed out")         \
  XX(NESTING_TOO_DEEP, "nesting-too-deep",                                                 \
     "driver code nested calls into the Device Manager more than 64 deep; a real Mac "      \
     "would have overflowed its stack")

typedef enum dm_rule {
#define XX(id, name, text) DM_RULE_##id,
  DM_RULE_MAP(XX)
#undef XX
  DM_RULE_COUNT
} dm_rule;

/* One broken rule, as handed to the violation hook. Strings are devmgr's and
 * valid only during the hook call. */
typedef struct dm_violation {
  dm_rule     rule;
  const char *id;       /* stable rule id, e.g. "complete-twice" */
  const char *text;     /* the rule's one-line explanation */
  const char *detail;   /* what happened here, with the request's history */
  uint64_t    t;        /* simulated time, ns */
  uint8_t     lvl;      /* dm_level */
  int16_t     ref;      /* driver refNum, 0 if unknown */
  const void *pb;       /* parameter block involved, or NULL */
  uint64_t    id_value; /* IOCommandID involved, or 0 */
  int         warning;  /* 1 when reported in permissive mode */
} dm_violation;

/* The stable id and explanation of a rule; NULL for an unknown rule. */
const char *dm_rule_id(dm_rule rule);
const char *dm_rule_text(dm_rule rule);
/* The rule with this id, or DM_RULE_COUNT when none has it. */
dm_rule dm_rule_from_id(const char *id);

#ifdef __cplusplus
}
#endif
#endif /* DEVMGR_RULES_H */
