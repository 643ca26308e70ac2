/*
 * sim/scsi/mode.c - mode pages of the disk unit: MODE SENSE(6)/(10) with
 * the block descriptor and the pages R/W error recovery (0x01), format
 * (0x03) and rigid disk geometry (0x04) for old hosts, caching (0x08) and
 * control (0x0A), or all of them (0x3F); and MODE SELECT, which may change
 * only the caching page's WCE bit (every other field must be sent as it
 * is, as SPC asks of fields that are not changeable).
 */
#include <string.h>

#include "scsi/scsi_int.h"

enum { PC_CURRENT = 0, PC_CHANGEABLE = 1, PC_DEFAULT = 2, PC_SAVED = 3 };

/* The made-up geometry: 16 heads of 63 sectors, enough cylinders. */
#define GEO_HEADS 16u
#define GEO_SPT   63u

/* Write page `code` for control pc at b; returns its length, 0 when the
 * unit has no such page. */
static size_t page(const sim_scsi_unit *u, uint8_t code, int pc, uint8_t *b)
{
  size_t n;
  switch (code) {
  case 0x01: {
    static const uint8_t p[12] = {0x01, 0x0A, 0xC0, 0x0B, 0xF0, 0, 0, 0, 0x05, 0, 0xFF, 0xFF};
    n = sizeof p;
    memcpy(b, p, n);
    break;
  }
  case 0x03:
    n = 24;
    memset(b, 0, n);
    b[0] = 0x03;
    b[1] = 0x16;
    sim_put_be16(b + 10, GEO_SPT);
    sim_put_be16(b + 12, u->cfg.block_size);
    sim_put_be16(b + 14, 1); /* interleave */
    b[20] = (uint8_t)(0x40 | (u->cfg.removable ? 0x20 : 0)); /* HSEC, RMB */
    break;
  case 0x04: {
    n = 24;
    memset(b, 0, n);
    b[0] = 0x04;
    b[1] = 0x16;
    uint64_t cyl = (u->blocks + GEO_HEADS * GEO_SPT - 1) / (GEO_HEADS * GEO_SPT);
    if (cyl > 0xFFFFFF)
      cyl = 0xFFFFFF;
    b[2] = (uint8_t)(cyl >> 16);
    sim_put_be16(b + 3, (uint32_t)cyl);
    b[5] = GEO_HEADS;
    sim_put_be16(b + 20, 5400); /* medium rotation rate */
    break;
  }
  case 0x08: {
    static const uint8_t p[20] = {0x08, 0x12, 0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF,
                                  0xFF, 0xFF, 0x80, 0x14, 0, 0, 0, 0, 0, 0};
    n = sizeof p;
    memcpy(b, p, n);
    if (pc == PC_CURRENT)
      b[2] = u->wce ? 0x04 : 0;
    else if (pc == PC_DEFAULT)
      b[2] = u->cfg.write_cache ? 0x04 : 0;
    break;
  }
  case 0x0A: {
    static const uint8_t p[12] = {0x0A, 0x0A, 0x02, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0};
    n = sizeof p;
    memcpy(b, p, n);
    break;
  }
  default: return 0;
  }
  if (pc == PC_CHANGEABLE) {
    memset(b + 2, 0, n - 2);
    if (code == 0x08)
      b[2] = 0x04; /* WCE */
  }
  return n;
}

static const uint8_t all_pages[] = {0x01, 0x03, 0x04, 0x08, 0x0A};

size_t scsi__mode_sense(sim_scsi_unit *u, sim_scsi_cmd *cmd, int ten, uint8_t *buf, size_t cap)
{
  const uint8_t *c = cmd->cdb;
  int dbd = (c[1] & 0x08) != 0;
  int llbaa = ten && (c[1] & 0x10);
  int pc = c[2] >> 6;
  uint8_t code = c[2] & 0x3F, sub = c[3];
  if (pc == PC_SAVED) {
    scsi__check(cmd, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x39, 0x00);
    return 0;
  }
  if (sub != 0 && !(sub == 0xFF && code == 0x3F)) {
    scsi__bad_field(cmd, 3, -1);
    return 0;
  }
  size_t hdr = ten ? 8 : 4, n = hdr;
  /* No bounds check below: header, descriptor and every page together
   * take at most 8 + 16 + 92 bytes, and callers give cap >= 128. */
  memset(buf, 0, cap);
  if (!dbd) {
    uint8_t *d = buf + n;
    if (llbaa) {
      sim_put_be64(d, u->blocks);
      sim_put_be32(d + 12, u->cfg.block_size);
      n += 16;
    } else {
      sim_put_be32(d, u->blocks > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)u->blocks);
      d[5] = (uint8_t)(u->cfg.block_size >> 16);
      sim_put_be16(d + 6, u->cfg.block_size);
      n += 8;
    }
  }
  size_t bdl = n - hdr;
  if (code == 0x3F) {
    for (size_t i = 0; i < sizeof all_pages; i++)
      n += page(u, all_pages[i], pc, buf + n);
  } else {
    size_t k = page(u, code, pc, buf + n);
    if (k == 0) {
      scsi__bad_field(cmd, 2, 5);
      return 0;
    }
    n += k;
  }
  uint8_t devspec = (uint8_t)(0x10 | (u->read_only ? 0x80 : 0)); /* DPOFUA, WP */
  if (ten) {
    sim_put_be16(buf, (uint32_t)(n - 2));
    buf[3] = devspec;
    buf[4] = llbaa && !dbd ? 0x01 : 0;
    sim_put_be16(buf + 6, (uint32_t)bdl);
  } else {
    buf[0] = (uint8_t)(n - 1);
    buf[2] = devspec;
    buf[3] = (uint8_t)bdl;
  }
  return n;
}

void scsi__mode_select(sim_scsi_unit *u, sim_scsi_cmd *cmd, int ten, const uint8_t *p, size_t len)
{
  size_t hdr = ten ? 8 : 4;
  if (len == 0)
    return; /* nothing to change */
  if (len < hdr) {
    scsi__check(cmd, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x1A, 0x00);
    return;
  }
  size_t bdl = ten ? sim_be16(p + 6) : p[3];
  if (hdr + bdl > len) {
    scsi__check(cmd, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x1A, 0x00);
    return;
  }
  if (bdl != 0 && bdl != 8) {
    scsi__bad_param(cmd, ten ? 6 : 3);
    return;
  }
  if (bdl == 8) {
    const uint8_t *d = p + hdr;
    uint32_t bl = (uint32_t)d[5] << 16 | sim_be16(d + 6);
    if (bl != u->cfg.block_size) {
      scsi__bad_param(cmd, (uint16_t)(hdr + 5));
      return;
    }
  }
  int wce = u->wce;
  for (size_t off = hdr + bdl; off < len;) {
    if (off + 2 > len) {
      scsi__check(cmd, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x1A, 0x00);
      return;
    }
    uint8_t code = p[off] & 0x3F;
    size_t plen = (size_t)p[off + 1] + 2;
    if (off + plen > len) {
      scsi__check(cmd, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x1A, 0x00);
      return;
    }
    uint8_t cur[32];
    size_t k = page(u, code, PC_CURRENT, cur);
    if (k == 0 || (p[off] & 0x40)) { /* unknown page, or a subpage format */
      scsi__bad_param(cmd, (uint16_t)off);
      return;
    }
    if (k != plen) {
      scsi__bad_param(cmd, (uint16_t)(off + 1));
      return;
    }
    for (size_t i = 2; i < k; i++) {
      uint8_t diff = p[off + i] ^ cur[i];
      uint8_t changeable = code == 0x08 && i == 2 ? 0x04 : 0;
      if (diff & (uint8_t)~changeable) {
        scsi__bad_param(cmd, (uint16_t)(off + i));
        return;
      }
    }
    if (code == 0x08)
      wce = (p[off + 2] & 0x04) != 0;
    off += plen;
  }
  if (u->wce && !wce && scsi__sync(u) != 0) {
    scsi__check(cmd, SIM_SCSI_KEY_MEDIUM_ERROR, 0x0C, 0x00);
    return;
  }
  u->wce = (uint8_t)wce;
}
