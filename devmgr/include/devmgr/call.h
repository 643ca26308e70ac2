/*
 * devmgr/call.h - parameter-block calls with an explicit machine.
 *
 * Apple's calls act on the current machine and take the same path as
 * dm_call(): the queued Async forms (PBReadAsync, PBWriteAsync,
 * PBControlAsync, PBStatusAsync) are aliases of per-call entries in
 * devmgr/src/call.c, one per trap word, with no wrapper in between; their
 * Sync forms call those entries and then wait (dm_wait); Open, Close, KillIO
 * and the Immed forms go through dm_call (devmgr/src/pbcalls.c). Embedders
 * that drive clients as state machines call dm_call() with a sync trap word
 * and wait for the pb_done hook instead of blocking, so that no event loop
 * is ever nested.
 */
#ifndef DEVMGR_CALL_H
#define DEVMGR_CALL_H

#include <stdint.h>
#include "devmgr/machine.h"
#include "Files.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Send pb to a driver. trap is the full trap word: 0xA000 + the call
 * (_Open ... _KillIO) + 0x0400 for async or 0x0200 for immediate. The
 * request is checked, queued and dispatched exactly as the Device Manager
 * does; dm_call never waits. Returns:
 *  - the error that refused the call (also posted in ioResult; no driver code
 *    ran and no completion routine will run);
 *  - for immediate calls and for requests that completed before dm_call
 *    returned: the posted result;
 *  - otherwise noErr, with ioResult > 0 until the request completes.
 * So a call that returned an error and has not completed (the pb_done hook
 * not called for it) was refused: a caller tells so without looking at
 * ioResult, which a driver may have written.
 */
OSErr dm_call(dm_machine *m, ParmBlkPtr pb, uint16_t trap);

/*
 * Wait for pb to complete, letting interrupt-level events run, and return
 * its result. A wait that can never end (no interrupt-level event is left)
 * is reported as sync-deadlock and returns with ioResult still > 0; a wait
 * at interrupt level is reported as sync-at-interrupt and returns at once.
 */
OSErr dm_wait(dm_machine *m, ParmBlkPtr pb);

/* dm_call() then, for a sync trap word, dm_wait(): what PBReadSync() does. */
OSErr dm_call_wait(dm_machine *m, ParmBlkPtr pb, uint16_t trap);

/*
 * A queued call's own entry: for the trap word of a Read, Write, Control or
 * Status, Sync or Async (not Immed), the function that does what dm_call()
 * does with that trap word on the current machine (dm_machine_enter), the
 * trap word decoded where it was compiled rather than at every call; it
 * never waits either. NULL for any other trap word. An embedder that sends
 * the same kinds of call many times looks the entry up once.
 */
typedef OSErr (*dm_call_fn)(ParmBlkPtr pb);
dm_call_fn dm_call_entry(uint16_t trap);

#ifdef __cplusplus
}
#endif
#endif /* DEVMGR_CALL_H */
