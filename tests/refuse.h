/*
 * refuse.h - ".Refuse", a test driver shared by check_call and check_killio:
 * non-concurrent; Read served in 1 ms from an interrupt timer; Open, KillIO
 * and Close answered with tf_refuse_open, tf_refuse_kill and
 * tf_refuse_close (noErr, abortErr and closErr unless a test sets them); Write failed at once inside DoDriverIO
 * (ioErr); Control answered with a positive status (3 when immediate, 5
 * through IOCommandIsComplete); everything else noErr.
 */
#ifndef DMSIM_TESTS_REFUSE_H
#define DMSIM_TESTS_REFUSE_H

#include "fixture.h"

extern OSErr tf_refuse_kill, tf_refuse_close, tf_refuse_open;
/* Install .Refuse, open it, make it tf_cb_watch and clear the log; returns
 * its refNum. */
int16_t tf_install_refuse(tfix *f);

#endif
