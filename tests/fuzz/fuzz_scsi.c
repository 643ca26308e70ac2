/*
 * fuzz_scsi.c - libFuzzer target: the SCSI CDB and sense decoders on any
 * bytes: names, lengths, directions, data-phase sizes for every block size,
 * and sense in fixed and descriptor format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scsi/scsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* An exact-size copy, so that a read past the CDB is caught. */
  uint8_t *cdb = malloc(size ? size : 1);
  if (cdb == NULL)
    return 0;
  memcpy(cdb, data, size);
  const char *name = sim_scsi_cdb_name(cdb, size);
  if (name != NULL && strlen(name) == 0)
    abort();
  if (size > 0)
    (void)sim_scsi_cdb_len_for(cdb[0]);
  static const uint32_t bs[] = { 0, 1, 512, 2048, 4096, UINT32_MAX };
  for (size_t i = 0; i < sizeof bs / sizeof bs[0]; i++)
    (void)sim_scsi_cdb_bytes(cdb, size, bs[i]);
  (void)sim_scsi_cdb_dir(cdb, size);
  sim_scsi_sense_info si;
  (void)sim_scsi_sense_decode(cdb, size, &si);
  if (size >= 2) {
    (void)sim_scsi_asc_name(cdb[0], cdb[1]);
    (void)sim_scsi_key_name(cdb[0]);
    (void)sim_scsi_status_name(cdb[1]);
  }
  free(cdb);
  return 0;
}
