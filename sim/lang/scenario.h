/*
 * sim/lang/scenario.h - the scenario language: parsing a .dms file into a fully
 * resolved, validated syntax tree (docs/scenario.md is the user reference).
 *
 * Contracts:
 * - Everything that can be checked without running is checked by
 *   sim_scenario_parse: syntax, types, ranges, duplicate names, references,
 *   wait targets, rule ids and error names. A tree that comes back is safe to
 *   run as is; the executor only checks what needs its own tables (builtin
 *   driver names, loadable .so paths) and reports those with the line and
 *   column stored in the tree.
 * - Every reference is resolved to an index into an array of the same
 *   machine; no names need to be looked up again. An optional reference that
 *   is absent holds SIM_SC_NONE.
 * - Every declaration, statement, expectation and call carries the 1-based
 *   line and column of the token that starts it (columns count bytes, a tab
 *   is one column).
 * - Times and durations are exact integer nanoseconds (uint64_t).
 * - Arrays are pointer + count; a count of 0 may come with a NULL pointer.
 *   The tree owns all its memory; sim_scenario_free releases it.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "devmgr/rules.h"
#include "scsi/scsi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest name (machine, hardware, driver alias, client, call, pb, builtin
 * driver): longer names are a parse error, never truncated. */
#define SIM_SC_NAME_MAX 63
/* The "absent" value of an optional index. */
#define SIM_SC_NONE ((size_t)-1)
/* Highest explicit unit number; a driver without `unit` has unit -1 and the
 * executor picks the first free unit from SIM_SC_FIRST_AUTO_UNIT up. */
#define SIM_SC_UNIT_MAX 1023
#define SIM_SC_FIRST_AUTO_UNIT 48
/* Largest scenario file sim_scenario_load reads, in bytes. */
#define SIM_SC_MAX_FILE (256 << 20)
/* Deepest nesting of repeat blocks inside a client. */
#define SIM_SC_MAX_NESTING 64
/* Largest `channels` of a hardware declaration. */
#define SIM_SC_CHANNELS_MAX 65535u
/* Largest SIZE of a read or write: ioReqCount is a signed 32-bit field. */
#define SIM_SC_SIZE_MAX 0x7fffffffu

/* `runtime` flag bits; the values are Apple's driverRuntime bits
 * (kDriverIsConcurrent, kDriverQueuesIOPB in DriverFamilyMatching.h). */
#define SIM_SC_RUNTIME_CONCURRENT  0x00000008u
#define SIM_SC_RUNTIME_QUEUES_IOPB 0x00000010u

/* ---- declarations ------------------------------------------------------ */

/* How a hardware device draws the latency of each request. */
typedef enum sim_sc_dist {
  SIM_SC_FIXED,       /* always lo */
  SIM_SC_UNIFORM,     /* uniform integer in [lo, hi] ns */
  SIM_SC_EXPONENTIAL  /* exponential with mean lo ns */
} sim_sc_dist;

/* `hardware NAME fixed|uniform|exponential ... [channels N]`: a simulated
 * latency device that drivers are attached to. */
typedef struct sim_sc_hardware {
  char        name[SIM_SC_NAME_MAX + 1];
  sim_sc_dist dist;
  uint64_t    lo;       /* fixed: the latency; uniform: low bound; exponential: mean */
  uint64_t    hi;       /* uniform: high bound (>= lo); otherwise equal to lo */
  uint32_t    channels; /* requests served at once, 1..SIM_SC_CHANNELS_MAX (default 1) */
  int         line, col;
} sim_sc_hardware;

/* Where a driver's code comes from. */
typedef enum sim_sc_src_kind {
  SIM_SC_SRC_BUILTIN, /* a driver compiled into dmsim, by name */
  SIM_SC_SRC_SO       /* a shared object, by path */
} sim_sc_src_kind;

typedef struct sim_sc_source {
  sim_sc_src_kind kind;
  /* builtin: the driver name (a name, not checked by the parser: the executor
   * looks it up and reports an unknown one at line:col below);
   * so: the path with escapes decoded, never empty. A relative path is
   * resolved against the directory of the scenario file. */
  char *name;
  int   line, col; /* of the DRVNAME or "PATH" token */
} sim_sc_source;

/* `driver ALIAS builtin NAME | so "PATH" [unit N] [hardware HW]
 *  [runtime FLAGS] [at TIME]`. */
typedef struct sim_sc_driver {
  char          alias[SIM_SC_NAME_MAX + 1];
  sim_sc_source src;
  int           unit;     /* 0..SIM_SC_UNIT_MAX, or -1: first free from 48 up;
                             no two drivers of a machine share an explicit unit */
  size_t        hardware; /* index in machine.hardware, or SIM_SC_NONE */
  int           has_runtime; /* 1 when `runtime` was given */
  uint32_t      runtime;  /* SIM_SC_RUNTIME_* bits (0 for `none`); when
                             has_runtime, these replace the concurrent and
                             queues-IOPB bits of the driver's own driverRuntime */
  uint64_t      at;       /* install time, ns (default 0) */
  uint16_t      disable;  /* `disable`: dCtlFlags enable bits cleared after the install
                             (dReadEnableMask 0x0100, dWritEnableMask 0x0200,
                             dCtlEnableMask 0x0400, dStatEnableMask 0x0800) */
  size_t        disk;     /* `disk NAME`: index in machine.disks (the driver's
                             device is that SCSI unit), or SIM_SC_NONE */
  int           line, col;
} sim_sc_driver;

/* ---- the SCSI stack ----------------------------------------------------- */

/* `controller NAME builtin CTRLNAME | so "PATH" [path task|bundled]
 *  [tasks N] [crossing DURATION] [bug BUG]`: an HBA controller with a SCSI
 * bus of its own (docs/scsi.md). */
typedef struct sim_sc_controller {
  char          name[SIM_SC_NAME_MAX + 1];
  sim_sc_source src;         /* builtin: a controller of drivers/scsi (checked by the executor) */
  int           bundled;     /* `path bundled` */
  uint32_t      tasks;       /* maximum task count, 0: the controller's own (64 for hba) */
  int           has_crossing;
  uint64_t      crossing;    /* ns per crossing (default DM_SCSI_CROSSING_NS_DEFAULT) */
  char          bug[32];     /* the HBA's deliberate bug, "" for none */
  int           line, col;
} sim_sc_controller;

/* What a `fault` option of a disk injects (sim/scsi's faults). */
typedef enum sim_sc_fault_kind {
  SIM_SC_FAULT_MEDIUM,    /* fault medium LBA COUNT [writes] */
  SIM_SC_FAULT_UA,        /* fault unit-attention: pending when attached */
  SIM_SC_FAULT_SENSE,     /* fault sense KEY ASC ASCQ */
  SIM_SC_FAULT_TIMEOUT,   /* fault timeout: never completes */
  SIM_SC_FAULT_TRANSPORT  /* fault transport: not delivered */
} sim_sc_fault_kind;

typedef struct sim_sc_fault {
  sim_sc_fault_kind kind;
  uint64_t          lba, count;       /* MEDIUM */
  int               writes;           /* MEDIUM: writes fail too */
  uint8_t           key, asc, ascq;   /* SENSE */
  uint64_t          every, after, times; /* `every N`, `after N`, `times N`: 0 = unset */
  int               line, col;
} sim_sc_fault;

#define SIM_SC_DISK_FAULTS_MAX 8

/* `disk NAME controller CTRL [target T] [lun L] [size SIZE | image "PATH"]
 *  [block-size N] [read-only] [latency DURATION] [fault ...]...`: a logical
 * unit on CTRL's bus, backed by memory (default 1m) or an image file. */
typedef struct sim_sc_disk {
  char          name[SIM_SC_NAME_MAX + 1];
  size_t        controller;  /* index in machine.controllers (declared before) */
  uint8_t       target;      /* 0..15, not 7 (the initiator) */
  uint16_t      lun;         /* 0..63 */
  uint64_t      size;        /* memory store bytes (image NULL) */
  char         *image;       /* an image file, relative to the scenario's directory */
  int           image_line, image_col;
  uint32_t      block_size;  /* 512 (default), 1024, 2048 or 4096 */
  int           read_only;
  uint64_t      latency;     /* ns per command */
  sim_sc_fault  faults[SIM_SC_DISK_FAULTS_MAX];
  size_t        nfaults;
  int           line, col;
} sim_sc_disk;

typedef enum sim_sc_event_kind {
  SIM_SC_REMOVE, /* RemoveDriver */
  SIM_SC_REPLACE /* ReplaceDriverWithFragment: the alias now names the new driver */
} sim_sc_event_kind;

/* `at TIME remove ALIAS [immediate]` or `at TIME replace ALIAS with SOURCE`.
 * Validated: the time is at or after the driver's install time, a driver is
 * removed at most once, and nothing happens to it after its removal (events
 * at the same time keep their order in the file). */
typedef struct sim_sc_event {
  sim_sc_event_kind kind;
  uint64_t          at;        /* ns */
  size_t            driver;    /* index in machine.drivers */
  int               immediate; /* remove: 1 = don't wait for the driver to be idle */
  sim_sc_source     with;      /* replace: the new code; remove: name NULL */
  int               line, col;
} sim_sc_event;

/* ---- calls and client statements --------------------------------------- */

typedef enum sim_sc_op {
  SIM_SC_OP_OPEN, SIM_SC_OP_CLOSE, SIM_SC_OP_READ, SIM_SC_OP_WRITE,
  SIM_SC_OP_CONTROL, SIM_SC_OP_STATUS, SIM_SC_OP_KILLIO
} sim_sc_op;

typedef enum sim_sc_mode {
  SIM_SC_SYNC,     /* the client waits until ioResult <= 0 */
  SIM_SC_ASYNC,    /* the client goes on; `wait` joins it later */
  SIM_SC_IMMEDIATE /* noQueueBit: straight to the driver, no queue (killio always) */
} sim_sc_mode;

/* What a write puts in its buffer. */
typedef enum sim_sc_pattern_kind {
  SIM_SC_PAT_COUNTER, /* byte i of the buffer is i & 0xff (the default) */
  SIM_SC_PAT_BYTE,    /* every byte is `byte` */
  SIM_SC_PAT_RANDOM,  /* the little-endian bytes of successive sim_rng_next()
                         values of a sim_rng seeded with `seed` */
  SIM_SC_PAT_TEXT     /* `text` repeated (and cut) to fill the buffer */
} sim_sc_pattern_kind;

typedef struct sim_sc_pattern {
  sim_sc_pattern_kind kind;
  uint8_t             byte;     /* PAT_BYTE */
  uint64_t            seed;     /* PAT_RANDOM */
  char               *text;     /* PAT_TEXT: escapes decoded, NUL-terminated */
  size_t              text_len; /* PAT_TEXT: >= 1 */
} sim_sc_pattern;

typedef struct sim_sc_stmt sim_sc_stmt;

/* Largest csParam a call can carry (CntrlParam's csParam[11] shorts). */
#define SIM_SC_CSPARAM_MAX 22

/* A call of a client, named or not, is two records: its shape (what it
 * sends: everything but its name and position) and its instance (name,
 * line, column and shape). machine.calls lists the instances in file order;
 * statements, expectations and the executor's per-call results refer to
 * instances, and read the shape through sim_sc_call_shape.
 * A call inside a repeat runs once per iteration; a call inside a completion
 * routine (`then`) runs each time the routine runs.
 * Plain calls (pb SIM_SC_NONE: no `pb NAME`, outside repeats and routines)
 * run once per statement that names them, each time with a parameter block
 * of the executor's pool. Plain calls that are the same in every field of
 * their shape share one shape, named or not, and unnamed ones share one
 * instance too: a generated file of a million identical calls holds one
 * shape, one instance and a million statements, and one of a million named
 * calls one shape and a million 16-byte instances. The line and column of
 * a run are its statement's; a shared instance's are those of its first
 * statement. Every other call has one instance, one shape and one
 * statement. */
typedef struct sim_sc_shape {
  sim_sc_op      op;
  sim_sc_mode    mode;      /* killio: always SIM_SC_IMMEDIATE */
  size_t         client;    /* index in machine.clients */
  size_t         driver;    /* index in machine.drivers, or SIM_SC_NONE when the
                               call names a raw refNum (has_refnum) */
  char          *open_name; /* open "NAME": the driver name sent (driver is SIM_SC_NONE) */
  size_t         pb;        /* index in machine.pbs, or SIM_SC_NONE: a plain call (above) */
  uint64_t       size;      /* read, write: ioReqCount, 0..SIM_SC_SIZE_MAX */
  uint64_t       pos;       /* ioPosOffset from the start (fsFromStart) when has_pos;
                               without it the call uses fsAtMark */
  int64_t        offset;    /* read, write: ioPosOffset (`at POS` or `offset N`) */
  sim_sc_pattern pattern;   /* write only (read: SIM_SC_PAT_COUNTER, unused) */
  sim_sc_stmt   *then;      /* async: the completion routine's calls (`then ... end`),
                               each a SIM_SC_ST_CALL; run when this call completes,
                               whatever its result */
  size_t         nthen;
  size_t         ncsparam;
  int16_t        refnum;
  int16_t        code;      /* control, status: csCode */
  int8_t         perm;      /* open: ioPermssn (fsCurPerm 0 .. fsRdWrShPerm 4) */
  uint8_t        posmode;   /* read, write: ioPosMode, fsAtMark 0 (default),
                               fsFromStart 1 (`at POS` or `posmode fsFromStart`),
                               fsFromMark 3 */
  /* Flags, 0 or 1. */
  uint8_t        has_refnum;    /* the target is a refNum, not a driver (never open) */
  uint8_t        in_repeat;     /* inside a repeat block (any depth) */
  uint8_t        has_pos;       /* read, write: `at POS` was given */
  uint8_t        has_perm;      /* open: `perm` given */
  uint8_t        no_completion; /* async: ioCompletion is NULL (`no-completion`) */
  uint8_t        keeps_pb;      /* an `expect data` or `expect param` reads the block of
                                   a call of this shape after the run: the executor
                                   keeps it. Such a call gets a shape of its own (a
                                   copy, when its shape was shared), so that the
                                   other calls of its first shape still give theirs
                                   back */
  uint8_t        csparam[SIM_SC_CSPARAM_MAX]; /* control, status: `param` bytes */
} sim_sc_shape;

/* A call's instance: 16 bytes, since a generated file may name a million
 * calls. */
typedef struct sim_sc_call {
  uint32_t name;  /* offset of its `as CALL` in machine.call_names, 0 when
                     unnamed (named calls are never in a repeat); read it
                     with sim_sc_call_name */
  uint32_t shape; /* index in machine.shapes (sim_sc_call_shape) */
  int      line, col;
} sim_sc_call;

/* One parameter block. Each call statement without `pb NAME` has its own
 * entry; all statements that give the same `pb NAME` share one entry (and,
 * in a repeat, one block across all iterations: that is how a scenario
 * shows pb-in-flight-reused). */
typedef struct sim_sc_pb {
  char   name[SIM_SC_NAME_MAX + 1]; /* the PBNAME, or "" for a call's own block */
  int    per_iteration; /* 1: an unnamed block of a call inside a repeat; the
                           executor gives each iteration a fresh block */
  size_t first_call;    /* index in machine.calls of the first call using it */
  size_t ncalls;        /* how many call statements use it (1 when unnamed) */
  int    line, col;     /* of the first use */
} sim_sc_pb;

typedef enum sim_sc_stmt_kind {
  SIM_SC_ST_CALL,     /* issue machine.calls[call] */
  SIM_SC_ST_WAIT,     /* block until async call `call` has completed */
  SIM_SC_ST_WAIT_ALL, /* block until all async calls of this client completed */
  SIM_SC_ST_SLEEP,    /* let a duration of simulated time pass */
  SIM_SC_ST_AT,       /* block until an absolute time (no-op if past) */
  SIM_SC_ST_REPEAT    /* run a body a count of times */
} sim_sc_stmt_kind;

/* A client statement: 16 bytes, since a generated file may hold millions.
 * The operands of the rarer kinds are in side tables of the machine. */
struct sim_sc_stmt {
  sim_sc_stmt_kind kind;
  int              line, col;
  union {
    uint32_t call;   /* ST_CALL, ST_WAIT: index in machine.calls. For ST_WAIT
                        the call is async, of the same client, and earlier in
                        the file than the wait */
    uint32_t time;   /* ST_SLEEP, ST_AT: index in machine.times (the duration;
                        the absolute time) */
    uint32_t repeat; /* ST_REPEAT: index in machine.repeats */
  };
};

/* `repeat N ... end`: its body, run `count` times. */
typedef struct sim_sc_repeat {
  uint64_t     count; /* iterations, >= 1 */
  sim_sc_stmt *body;
  size_t       nbody;
} sim_sc_repeat;

/* `client NAME [at TIME] ... end`: a sequence of statements started at `at`. */
typedef struct sim_sc_client {
  char         name[SIM_SC_NAME_MAX + 1];
  uint64_t     at;     /* start time, ns (default 0) */
  sim_sc_stmt *body;
  size_t       nbody;
  int          line, col;
} sim_sc_client;

/* ---- expectations ------------------------------------------------------ */

typedef enum sim_sc_expect_kind {
  SIM_SC_EX_RESULT,       /* calls[call] completed with `result` */
  SIM_SC_EX_ORDER,        /* order[0..norder) completed in this order */
  SIM_SC_EX_COUNT,        /* exactly `count` events of kind `ev` (on `driver`) */
  SIM_SC_EX_VIOLATION,    /* the run reported rule `rule` */
  SIM_SC_EX_NO_VIOLATION, /* no violation of `rule` (DM_RULE_COUNT: none at all) */
  SIM_SC_EX_DATA,         /* bytes read by calls[call] == bytes written by calls[call2] */
  SIM_SC_EX_TIME,         /* calls[call] completed at time <= or >= ns */
  SIM_SC_EX_UNFINISHED,   /* requests in flight or a remove/replace pending at the end */
  SIM_SC_EX_SENT,         /* `driver` was sent exactly sent[0..nsent), in order */
  SIM_SC_EX_FLAGS,        /* `driver`'s dCtlFlags at time ns has `has`, lacks `lacks` */
  SIM_SC_EX_LEVEL,        /* calls[call] completed at execution level `level` */
  SIM_SC_EX_PARAM         /* calls[call]'s csParam begins with csparam[0..ncsparam) */
} sim_sc_expect_kind;

/* One command of `expect sent`: an IOCommandCode (0 open .. 10 superseded)
 * and an IOCommandKind bit (1 sync, 2 async, 4 immediate), or 0 for any. */
typedef struct sim_sc_sent {
  uint8_t code;
  uint8_t kind;
} sim_sc_sent;

/* The trace events `expect count` can count; names as in the trace's `ev`. */
typedef enum sim_sc_evkind {
  SIM_SC_EV_CALL, SIM_SC_EV_REJECT, SIM_SC_EV_ENQUEUE, SIM_SC_EV_DISPATCH,
  SIM_SC_EV_COMPLETE, SIM_SC_EV_CALLBACK, SIM_SC_EV_DONE, SIM_SC_EV_VIOLATION,
  SIM_SC_EV_WARNING
} sim_sc_evkind;

typedef enum sim_sc_cmp { SIM_SC_LE, SIM_SC_GE } sim_sc_cmp;

/* `expect ...`, checked after the run of its machine. Unused fields are 0
 * (or SIM_SC_NONE for indexes). */
typedef struct sim_sc_expect {
  sim_sc_expect_kind kind;
  size_t             call;   /* RESULT, TIME: the call; DATA: the read call */
  size_t             call2;  /* DATA: the write call */
  int16_t            result; /* RESULT: the OSErr expected in ioResult */
  size_t            *order;  /* ORDER: >= 2 distinct call indexes */
  size_t             norder;
  sim_sc_evkind      ev;     /* COUNT */
  size_t             driver; /* COUNT: `on ALIAS`, or SIM_SC_NONE for all drivers;
                                SENT, FLAGS: the driver */
  uint64_t           count;  /* COUNT */
  dm_rule            rule;   /* VIOLATION: the rule; NO_VIOLATION: the rule or
                                DM_RULE_COUNT for "no violation at all" */
  sim_sc_cmp         cmp;    /* TIME */
  uint64_t           ns;     /* TIME: completion time bound; FLAGS: the time, ns */
  sim_sc_sent       *sent;   /* SENT: >= 1 commands */
  size_t             nsent;
  uint16_t           has;    /* FLAGS: bits that must be set */
  uint16_t           lacks;  /* FLAGS: bits that must be clear */
  int                level;  /* LEVEL: dm_level (0 task, 1 sih, 2 hwi) */
  uint8_t            csparam[SIM_SC_CSPARAM_MAX]; /* PARAM */
  size_t             ncsparam;
  int                line, col;
} sim_sc_expect;

/* ---- simulated SCSI buses and disks (docs/scenario.md "SCSI") ----------- */

/* `scsi bus NAME [initiator N]`. */
typedef struct sim_sc_scsi_bus {
  char    name[SIM_SC_NAME_MAX + 1];
  uint8_t initiator; /* 0..15, default 7 */
  int     line, col;
} sim_sc_scsi_bus;

/* `scsi disk NAME bus BUS target N [lun N] image "PATH" [writable] [raw] |
 * memory SIZE, [options]`, with the `scsi latency`, `scsi rate` and
 * `scsi fault` lines that name it folded into cfg. */
typedef struct sim_sc_scsi_disk {
  char     name[SIM_SC_NAME_MAX + 1];
  size_t   bus;      /* index in scsi.buses */
  uint8_t  target;
  uint16_t lun;
  char    *image;    /* path (relative: to the scenario's directory), or NULL */
  int      writable; /* image: opened for writing (and locked) */
  int      raw;      /* image: presented as it is, no made-up map */
  uint64_t memory;   /* no image: bytes of a memory disk */
  sim_scsi_unit_config cfg;
  int      line, col;
} sim_sc_scsi_disk;

/* `scsi command NAME DISK "CDB" [lun N] [in SIZE | out SIZE [pattern P]]
 * [at TIME]`: one command sent by the bus's initiator at TIME. */
typedef struct sim_sc_scsi_cmd {
  char           name[SIM_SC_NAME_MAX + 1];
  size_t         disk;     /* index in scsi.disks: its bus, target and LUN */
  int            has_lun;  /* `lun N` sends it to another LUN of that target */
  uint16_t       lun;
  uint8_t        cdb[SIM_SCSI_CDB_MAX];
  uint8_t        cdb_len;
  uint8_t        dir;      /* sim_scsi_dir */
  uint64_t       size;     /* data buffer bytes */
  sim_sc_pattern pattern;  /* out: what is sent */
  uint64_t       at;
  int            line, col;
} sim_sc_scsi_cmd;

typedef enum sim_sc_scsi_act_kind {
  SIM_SC_SCSI_ABORT,        /* abort command `cmd` */
  SIM_SC_SCSI_RESET_LUN,    /* LUN reset of disk `disk` */
  SIM_SC_SCSI_RESET_TARGET, /* target reset of disk `disk`'s target */
  SIM_SC_SCSI_RESET_BUS     /* bus reset of bus `bus` */
} sim_sc_scsi_act_kind;

/* `scsi abort CMD at TIME`, `scsi reset DISK [target] at TIME`,
 * `scsi reset BUS at TIME`. */
typedef struct sim_sc_scsi_act {
  sim_sc_scsi_act_kind kind;
  size_t               cmd, disk, bus; /* as the kind says; others SIM_SC_NONE */
  uint64_t             at;
  int                  line, col;
} sim_sc_scsi_act;

typedef enum sim_sc_scsi_ex_kind {
  SIM_SC_SCSI_EX_STATUS,    /* the status byte */
  SIM_SC_SCSI_EX_SENSE,     /* sense key, ASC, ASCQ */
  SIM_SC_SCSI_EX_INFO,      /* INFORMATION (VALID set) */
  SIM_SC_SCSI_EX_TRANSPORT, /* xport */
  SIM_SC_SCSI_EX_RESID      /* residual */
} sim_sc_scsi_ex_kind;

/* `expect CMD status S | sense KEY ASC ASCQ | info N | transport X |
 * resid N`. */
typedef struct sim_sc_scsi_expect {
  sim_sc_scsi_ex_kind kind;
  size_t              cmd;
  uint64_t            value;  /* status, info, transport, resid */
  uint8_t             key, asc, ascq;
  int                 line, col;
} sim_sc_scsi_expect;

typedef struct sim_sc_scsi {
  sim_sc_scsi_bus    *buses;   size_t nbuses;
  sim_sc_scsi_disk   *disks;   size_t ndisks;
  sim_sc_scsi_cmd    *cmds;    size_t ncmds;   /* file order */
  sim_sc_scsi_act    *acts;    size_t nacts;   /* file order */
  sim_sc_scsi_expect *expects; size_t nexpects;
} sim_sc_scsi;

/* ---- the whole file ---------------------------------------------------- */

/* One simulated machine: its own Device Manager, unit table, clock and
 * expectations. Names are unique per kind within a machine. */
typedef struct sim_sc_machine {
  char             name[SIM_SC_NAME_MAX + 1]; /* "main" when implicit */
  int              implicit;  /* 1: the file has no machine blocks */
  sim_sc_hardware *hardware;  size_t nhardware;
  sim_sc_driver   *drivers;   size_t ndrivers;
  sim_sc_controller *controllers; size_t ncontrollers;
  sim_sc_disk     *disks;     size_t ndisks;
  sim_sc_event    *events;    size_t nevents;   /* file order */
  sim_sc_client   *clients;   size_t nclients;
  sim_sc_call     *calls;     size_t ncalls;    /* instances, file order, all clients */
  sim_sc_shape    *shapes;    size_t nshapes;   /* what the calls send */
  char            *call_names; /* the names of named calls, each NUL-terminated,
                                  after a "" at offset 0; NULL when none is named */
  sim_sc_pb       *pbs;       size_t npbs;
  uint64_t        *times;     size_t ntimes;    /* of sleep and at statements */
  sim_sc_repeat   *repeats;   size_t nrepeats;  /* of repeat statements */
  sim_sc_expect   *expects;   size_t nexpects;  /* file order */
  sim_sc_scsi     *scsi;      /* SCSI buses, disks, commands; NULL when none */
  int              line, col; /* the `machine` keyword; 1:1 when implicit */
} sim_sc_machine;

typedef struct sim_scenario {
  char           *path;      /* as given to the parser */
  int             has_seed;  /* 1 when the file says `seed N` */
  uint64_t        seed;      /* when has_seed; --seed overrides it */
  int             seed_line, seed_col;
  sim_sc_machine *machines;  /* at least one, file order */
  size_t          nmachines;
} sim_scenario;

/* ---- API --------------------------------------------------------------- */

/* The shape of call instance `call` of m (what it sends). */
static inline const sim_sc_shape *sim_sc_call_shape(const sim_sc_machine *m, size_t call)
{
  return &m->shapes[m->calls[call].shape];
}

/* The name of call instance `call` of m: its `as CALL`, or "" when unnamed.
 * Never NULL. */
static inline const char *sim_sc_call_name(const sim_sc_machine *m, size_t call)
{
  return m->call_names != NULL ? m->call_names + m->calls[call].name : "";
}

/* Parse and validate text[0..len) (not NUL-terminated; NUL bytes are an
 * error). path is used in messages and stored in the tree (NULL: "<input>").
 * Returns 0 and sets *out to a new tree, or -1 with *out NULL and one
 * message in err: "PATH:LINE:COL: error: ..." (err may be NULL; the message
 * is cut to errlen). Never reads past len; any input is safe. */
int sim_scenario_parse(const char *path, const char *text, size_t len,
                       sim_scenario **out, char *err, size_t errlen);

/* Read the file at path and parse it as above. An unreadable file gives -1
 * and "PATH: error: cannot read: <strerror>". */
int sim_scenario_load(const char *path, sim_scenario **out, char *err, size_t errlen);

/* Parse s as the language's unsigned integer (decimal, or 0x hexadecimal;
 * no sign, no spaces, no octal: "010" is ten), at most max: what `seed`
 * accepts in a file, so that `dmsim run --seed` means the same. Returns 0
 * and sets *out, -1 when s is not such a number, -2 when it exceeds max. */
int sim_scenario_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* Release a tree from parse or load; NULL is a no-op. */
void sim_scenario_free(sim_scenario *sc);

/* Names as written in the language (and the trace): "read", "async",
 * "dispatch". Never NULL ("?" for a value out of the enum). */
const char *sim_sc_op_name(sim_sc_op op);
const char *sim_sc_mode_name(sim_sc_mode mode);
const char *sim_sc_evkind_name(sim_sc_evkind ev);

/* A duration as the language writes one ("1.5ms", "500us", "2s", "100ns"):
 * returns 0 and sets *ns, or -1 when s is not one (for command-line options
 * that take a time, like `dmsim view --at`). */
int sim_sc_parse_duration(const char *s, uint64_t *ns);

#ifdef __cplusplus
}
#endif
#endif /* SIM_SCENARIO_H */
