/*
 * sim/scsi/cdbtext.c - CDBs written by people: the hex text a scenario's
 * `scsi command` and `dmsim scsi` take, read by one parser so that both
 * accept the same text and refuse it with the same words.
 */
#include <stddef.h>

#include "base/bytes.h"
#include "scsi/scsi_int.h"

const char *sim_scsi_cdb_parse(const char *s, size_t len, uint8_t *cdb, size_t *n)
{
  static const char bad[] = "expected 1 to 16 bytes as two hex digits each, separated by spaces";
  for (size_t i = 0; i < len;) {
    if (s[i] == ' ' || s[i] == '\t') {
      i++;
      continue;
    }
    int hi = sim_hex_digit(s[i]), lo = i + 1 < len ? sim_hex_digit(s[i + 1]) : -1;
    if (hi < 0 || lo < 0 || *n >= SIM_SCSI_CDB_MAX)
      return bad;
    cdb[(*n)++] = (uint8_t)(hi << 4 | lo);
    i += 2;
  }
  return *n == 0 ? "it is empty" : NULL;
}
