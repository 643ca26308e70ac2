/*
 * fixture.h - a simulated machine for Check tests: a sim_world, a
 * dm_machine on it with built-in drivers available, and a log of every
 * trace record and violation, so that tests assert the observable order of
 * calls, dispatches, completions and callbacks as short strings.
 *
 * Log format, one token per record, separated by single spaces:
 *   call#P:read/async   enq#P   disp#P:read/async   ret:ST   cpl#P:RES
 *   cb#P:RES   sync#P:RES   rej#P:RES   viol:RULE   install:.Null  remove:.Null
 *   sub:S   give:S/N   back:S/N   sdone:S:STATUS   (SCSI family: slot S
 *   submitted, handed to the controller or returned in a call of N slots,
 *   its task finished with a SAM status)
 * P is the parameter block's number (1, 2, ... in order of first
 * appearance; 0 for commands without a PB). flags records are left out
 * unless the fixture's log_flags is set ("flags:0xHHHH").
 */
#ifndef DMSIM_TESTS_FIXTURE_H
#define DMSIM_TESTS_FIXTURE_H

#include <stddef.h>

#include "devmgr.h"
#include "world/world.h"
#include "hw/hw.h"
#include "Devices.h"
#include "DriverServices.h"

#define TF_MAX_PBS 256

typedef struct tfix {
  sim_world   w;
  dm_machine *m;
  dm_machine *prev;
  char       *log;
  size_t      len, cap;
  int         log_flags;
  int         log_sense; /* scsi_done as sdone:SLOT:STATUS:SENSEKEY */
  const void *pbs[TF_MAX_PBS];
  int         npbs;
  int         violations;
  char        last_rule[64];
  char        last_detail[640];
} tfix;

/* Set up a world and a machine (made current) with the given check mode. */
void tf_setup(tfix *f, dm_check_mode mode);
void tf_teardown(tfix *f);
/* Install built-in driver `name` at unit (-1: first free); returns its
 * refNum, failing the test when the install fails. */
int16_t tf_install(tfix *f, const char *name, int unit);
/* The same with a simulated device attached (hw may be NULL). */
int16_t tf_install_hw(tfix *f, const char *name, int unit, sim_hw *hw);
/* Open refNum's driver by name with a sync PBOpen; returns the result. */
OSErr tf_open(tfix *f, int16_t ref);
/* Prepare pb for a Read/Write of count bytes into buf at fsFromStart pos. */
void tf_io(ParamBlockRec *pb, int16_t ref, void *buf, long count, long pos);
/* Run the world until nothing is left (or max events). */
void tf_run(tfix *f);
/* The log so far, and forget it. The string stays valid until the next
 * call or teardown. */
const char *tf_log(tfix *f);
/* The number tf_log gives pb. */
int tf_pbnum(tfix *f, const void *pb);
/* Forget the log and number parameter blocks from 1 again. */
void tf_reset_log(tfix *f);
/* Remove every driver still installed (drivers keep per-DCE tables of their
 * own, which must be clean when all tests run in one process, CK_FORK=no),
 * then tf_teardown. */
void tf_teardown_all(tfix *f);

/* Install built-in driver name (with device hw, may be NULL), open it, make
 * it tf_cb_watch and clear the log; returns its refNum. */
int16_t tf_install_open(tfix *f, const char *name, sim_hw *hw);
/* The same for a test's own native driver: desc (which must outlive it)
 * and its DoDriverIO. */
int16_t tf_install_open_native(tfix *f, const DriverDescription *desc, DriverEntryPointPtr entry);
/* The DCE of ref, failing the test when there is none. */
DCtlPtr tf_dce(int16_t ref);
/* Send an async Read of n bytes into buf at fsFromStart pos, with
 * tf_record_cb as its completion routine; the call must answer noErr. */
void tf_async_read(ParamBlockRec *pb, int16_t ref, void *buf, long n, long pos);
/* Set the Pascal string p to s. */
void tf_pstr(unsigned char *p, const char *s);
/* A 64-channel device whose latency is uniform in [lo, hi] ns. */
sim_hw *tf_uniform_hw(tfix *f, uint64_t lo, uint64_t hi, uint64_t seed);

/* ---- completion routines ---------------------------------------------------
 * tf_record_cb is a completion routine that records what it saw, in the
 * order routines ran, in tf_cbs[0 .. tf_ncb - 1]. tf_setup clears the
 * record and tf_cb_watch. */
#define TF_MAX_CB 64
typedef struct tf_cb_rec {
  ParmBlkPtr     pb;
  OSErr          result;   /* ioResult inside the routine */
  uint64_t       t;        /* UpTime inside the routine, ns */
  ExecutionLevel lvl;
  short          flags;    /* dCtlFlags of the watched driver */
  int            qlen;     /* length of its dCtlQHdr */
  int            on_queue; /* was the completed PB still on its dCtlQHdr */
} tf_cb_rec;
extern tf_cb_rec tf_cbs[TF_MAX_CB];
extern int       tf_ncb;
extern short     tf_cb_watch; /* refNum of the driver whose DCE tf_record_cb inspects; 0: none */
void tf_record_cb(ParmBlkPtr pb);

/* An AbsoluteTime as nanoseconds (the simulated clock's unit). */
uint64_t tf_abs_ns(AbsoluteTime a);
/* The number of elements on q. */
int tf_queue_len(QHdrPtr q);
/* 1 when pb is on q, 0 otherwise. */
int tf_on_queue(QHdrPtr q, const void *pb);

#endif
