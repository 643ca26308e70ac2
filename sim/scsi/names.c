/*
 * sim/scsi/names.c - names for people: status bytes, sense keys, the
 * ASC/ASCQ pairs the simulated units report (SPC's wording, as sg3-utils
 * prints it), command names, transports and trace record kinds.
 */
#include <stddef.h>

#include "scsi/scsi_int.h"

const char *sim_scsi_status_name(uint8_t status)
{
  switch (status) {
  case SIM_SCSI_GOOD: return "GOOD";
  case SIM_SCSI_CHECK_CONDITION: return "CHECK CONDITION";
  case SIM_SCSI_CONDITION_MET: return "CONDITION MET";
  case SIM_SCSI_BUSY: return "BUSY";
  case SIM_SCSI_RESERVATION_CONFLICT: return "RESERVATION CONFLICT";
  case SIM_SCSI_TASK_SET_FULL: return "TASK SET FULL";
  case SIM_SCSI_ACA_ACTIVE: return "ACA ACTIVE";
  case SIM_SCSI_TASK_ABORTED: return "TASK ABORTED";
  default: return NULL;
  }
}

const char *sim_scsi_key_name(uint8_t key)
{
  static const char *const names[16] = {
    "NO SENSE",        "RECOVERED ERROR", "NOT READY",       "MEDIUM ERROR",
    "HARDWARE ERROR",  "ILLEGAL REQUEST", "UNIT ATTENTION",  "DATA PROTECT",
    "BLANK CHECK",     "VENDOR SPECIFIC", "COPY ABORTED",    "ABORTED COMMAND",
    "reserved (0xC)",  "VOLUME OVERFLOW", "MISCOMPARE",      "COMPLETED"};
  return key < 16 ? names[key] : "?";
}

static const struct {
  uint8_t     asc, ascq;
  const char *name;
} asc_names[] = {
  {0x00, 0x00, "No additional sense information"},
  {0x04, 0x01, "Logical unit is in process of becoming ready"},
  {0x04, 0x02, "Logical unit not ready, initializing command required"},
  {0x0C, 0x00, "Write error"},
  {0x11, 0x00, "Unrecovered read error"},
  {0x1A, 0x00, "Parameter list length error"},
  {0x1D, 0x00, "Miscompare during verify operation"},
  {0x20, 0x00, "Invalid command operation code"},
  {0x21, 0x00, "Logical block address out of range"},
  {0x24, 0x00, "Invalid field in cdb"},
  {0x25, 0x00, "Logical unit not supported"},
  {0x26, 0x00, "Invalid field in parameter list"},
  {0x27, 0x00, "Write protected"},
  {0x27, 0x02, "Software write protect"},
  {0x28, 0x00, "Not ready to ready change, medium may have changed"},
  {0x29, 0x00, "Power on, reset, or bus device reset occurred"},
  {0x29, 0x01, "Power on occurred"},
  {0x29, 0x02, "SCSI bus reset occurred"},
  {0x2A, 0x01, "Mode parameters changed"},
  {0x39, 0x00, "Saving parameters not supported"},
  {0x3A, 0x00, "Medium not present"},
  {0x44, 0x00, "Internal target failure"},
  {0x47, 0x00, "SCSI parity error"},
  {0x4B, 0x03, "ACK/NAK timeout"},
  {0x5D, 0x00, "Failure prediction threshold exceeded"},
};

const char *sim_scsi_asc_name(uint8_t asc, uint8_t ascq)
{
  for (size_t i = 0; i < sizeof asc_names / sizeof asc_names[0]; i++)
    if (asc_names[i].asc == asc && asc_names[i].ascq == ascq)
      return asc_names[i].name;
  return NULL;
}

static const struct {
  uint8_t     op;
  const char *name;
} op_names[] = {
  {0x00, "TEST UNIT READY"}, {0x01, "REZERO UNIT"}, {0x03, "REQUEST SENSE"},
  {0x04, "FORMAT UNIT"}, {0x08, "READ(6)"}, {0x0A, "WRITE(6)"}, {0x0B, "SEEK(6)"},
  {0x12, "INQUIRY"}, {0x15, "MODE SELECT(6)"}, {0x16, "RESERVE(6)"}, {0x17, "RELEASE(6)"},
  {0x1A, "MODE SENSE(6)"}, {0x1B, "START STOP UNIT"}, {0x1C, "RECEIVE DIAGNOSTIC RESULTS"},
  {0x1D, "SEND DIAGNOSTIC"}, {0x1E, "PREVENT ALLOW MEDIUM REMOVAL"},
  {0x25, "READ CAPACITY(10)"}, {0x28, "READ(10)"}, {0x2A, "WRITE(10)"}, {0x2B, "SEEK(10)"},
  {0x2E, "WRITE AND VERIFY(10)"}, {0x2F, "VERIFY(10)"}, {0x34, "PRE-FETCH(10)"},
  {0x35, "SYNCHRONIZE CACHE(10)"}, {0x3B, "WRITE BUFFER"}, {0x3C, "READ BUFFER"},
  {0x41, "WRITE SAME(10)"}, {0x42, "UNMAP"}, {0x4D, "LOG SENSE"}, {0x55, "MODE SELECT(10)"},
  {0x5A, "MODE SENSE(10)"}, {0x88, "READ(16)"}, {0x8A, "WRITE(16)"},
  {0x8F, "VERIFY(16)"}, {0x91, "SYNCHRONIZE CACHE(16)"}, {0x93, "WRITE SAME(16)"},
  {0xA0, "REPORT LUNS"}, {0xA8, "READ(12)"}, {0xAA, "WRITE(12)"}, {0xAF, "VERIFY(12)"},
};

const char *sim_scsi_cdb_name(const uint8_t *cdb, size_t len)
{
  if (cdb == NULL || len == 0)
    return NULL;
  if (cdb[0] == 0x9E) {
    if (len < 2)
      return "SERVICE ACTION IN(16)";
    switch (cdb[1] & 0x1F) {
    case 0x10: return "READ CAPACITY(16)";
    case 0x12: return "GET LBA STATUS";
    default: return "SERVICE ACTION IN(16)";
    }
  }
  for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
    if (op_names[i].op == cdb[0])
      return op_names[i].name;
  return NULL;
}

const char *sim_scsi_xport_name(uint8_t xport)
{
  switch (xport) {
  case SIM_SCSI_XPORT_OK: return "ok";
  case SIM_SCSI_XPORT_SELECTION_TIMEOUT: return "selection-timeout";
  case SIM_SCSI_XPORT_FAILURE: return "transport-failure";
  case SIM_SCSI_XPORT_ABORTED: return "aborted";
  case SIM_SCSI_XPORT_RESET: return "reset";
  case SIM_SCSI_XPORT_TIMEOUT: return "timeout";
  default: return "?";
  }
}

const char *sim_scsi_ev_name(unsigned ev)
{
  static const char *const names[SIM_SCSI_EV_COUNT] = {"scsi-command", "scsi-data", "scsi-status",
                                                       "scsi-abort", "scsi-reset"};
  return ev < SIM_SCSI_EV_COUNT ? names[ev] : "?";
}
