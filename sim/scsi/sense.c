/*
 * sim/scsi/sense.c - sense data: building fixed-format sense the way
 * Linux's scsi_debug does (response code 0x70, additional length 0x0A,
 * sense-key-specific field pointers for invalid fields) and decoding fixed
 * or descriptor sense for people and tests.
 */
#include <string.h>

#include "scsi/scsi_int.h"

size_t scsi__fixed_sense(uint8_t *buf, uint8_t key, uint8_t asc, uint8_t ascq)
{
  memset(buf, 0, SIM_SCSI_SENSE_LEN);
  buf[0] = 0x70;
  buf[2] = key & 0x0F;
  buf[7] = SIM_SCSI_SENSE_LEN - 8;
  buf[12] = asc;
  buf[13] = ascq;
  return SIM_SCSI_SENSE_LEN;
}

void scsi__check(sim_scsi_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq)
{
  cmd->status = SIM_SCSI_CHECK_CONDITION;
  cmd->sense_len = (uint8_t)scsi__fixed_sense(cmd->sense, key, asc, ascq);
}

void scsi__check_info(sim_scsi_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq, uint64_t info)
{
  scsi__check(cmd, key, asc, ascq);
  cmd->sense[0] |= 0x80;
  /* Fixed format has 32 bits of INFORMATION; a larger LBA cannot be said
   * there, so VALID stays clear (as SPC asks). */
  if (info > UINT32_MAX)
    cmd->sense[0] &= 0x7F;
  else
    sim_put_be32(cmd->sense + 3, (uint32_t)info);
}

/* Sense-key-specific field pointer: SKSV, C/D, BPV and bit, byte. */
static void field_pointer(sim_scsi_cmd *cmd, int cd, uint16_t byte, int bit)
{
  cmd->sense[15] = (uint8_t)(0x80 | (cd ? 0x40 : 0) | (bit >= 0 ? 0x08 | (bit & 7) : 0));
  sim_put_be16(cmd->sense + 16, byte);
}

void scsi__bad_field(sim_scsi_cmd *cmd, uint16_t byte, int bit)
{
  scsi__check(cmd, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x24, 0x00);
  field_pointer(cmd, 1, byte, bit);
}

void scsi__bad_param(sim_scsi_cmd *cmd, uint16_t byte)
{
  scsi__check(cmd, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x26, 0x00);
  field_pointer(cmd, 0, byte, -1);
}

int sim_scsi_sense_decode(const uint8_t *s, size_t len, sim_scsi_sense_info *out)
{
  memset(out, 0, sizeof *out);
  if (s == NULL || len < 1)
    return -1;
  uint8_t rc = s[0] & 0x7F;
  out->response = rc;
  if (rc == 0x70 || rc == 0x71) {
    if (len < 14)
      return -1;
    out->key = s[2] & 0x0F;
    out->asc = s[12];
    out->ascq = s[13];
    out->valid = (s[0] & 0x80) != 0;
    out->info = sim_be32(s + 3);
    if (len >= 18 && (s[15] & 0x80)) {
      out->sksv = 1;
      out->cd = (s[15] & 0x40) != 0;
      out->bpv = (s[15] & 0x08) != 0;
      out->bit = s[15] & 7;
      out->field = (uint16_t)sim_be16(s + 16);
    }
    return 0;
  }
  if (rc == 0x72 || rc == 0x73) {
    if (len < 8)
      return -1;
    out->key = s[1] & 0x0F;
    out->asc = s[2];
    out->ascq = s[3];
    /* Walk the descriptors for INFORMATION (type 0) and SKS (type 2). */
    size_t end = 8 + (size_t)s[7];
    if (end > len)
      end = len;
    for (size_t p = 8; p + 2 <= end;) {
      size_t dl = (size_t)s[p + 1] + 2;
      if (p + dl > end)
        break;
      if (s[p] == 0x00 && dl >= 12) {
        out->valid = (s[p + 2] & 0x80) != 0;
        out->info = sim_be64(s + p + 4);
      } else if (s[p] == 0x02 && dl >= 8 && (s[p + 4] & 0x80)) {
        out->sksv = 1;
        out->cd = (s[p + 4] & 0x40) != 0;
        out->bpv = (s[p + 4] & 0x08) != 0;
        out->bit = s[p + 4] & 7;
        out->field = (uint16_t)sim_be16(s + p + 5);
      }
      p += dl;
    }
    return 0;
  }
  return -1;
}
