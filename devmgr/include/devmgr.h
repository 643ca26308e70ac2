/*
 * devmgr.h - the simulator-facing API of the Device Manager, all modules.
 * Driver code includes Apple's headers (include/mac) instead.
 */
#ifndef DEVMGR_H
#define DEVMGR_H

#include "devmgr/platform.h"
#include "devmgr/err.h"
#include "devmgr/rules.h"
#include "devmgr/trace.h"
#include "devmgr/machine.h"
#include "devmgr/driver.h"
#include "devmgr/call.h"
#include "devmgr/scsi.h"

#endif /* DEVMGR_H */
