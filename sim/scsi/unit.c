/*
 * sim/scsi/unit.c - one command executed by a disk logical unit: the
 * opcode table (CDB length, class, whether a pending unit attention is
 * reported first, whether the medium must be ready) and the handlers.
 *
 * Errors follow Linux's scsi_debug: an unknown opcode is ILLEGAL REQUEST
 * 20/00; a bad CDB field 24/00 with the sense-key-specific field pointer
 * (byte and bit); an LBA range beyond the capacity 21/00; a LUN that does
 * not exist answers INQUIRY with peripheral qualifier 3 and everything
 * else (but REPORT LUNS and REQUEST SENSE) with 25/00.
 */
#include <string.h>

#include "scsi/scsi_int.h"

/* Command table flags. */
enum {
  F_SKIP_UA = 1u, /* INQUIRY, REPORT LUNS, REQUEST SENSE: no UA first */
  F_MEDIA   = 2u, /* needs a started unit (NOT READY 04/02 otherwise) */
  F_WRITE   = 4u  /* changes the medium: refused on a read-only unit */
};

typedef void (*handler_fn)(sim_scsi_unit *u, sim_scsi_cmd *cmd);

typedef struct op_info {
  uint8_t    known; /* 1 for the opcodes of the table */
  uint8_t    flags;
  uint8_t    cls; /* sim_scsi_class */
  handler_fn fn;
} op_info;

/* --- data-in helper ------------------------------------------------------- */

/* Move the response (n bytes) to the initiator, at most alloc bytes. */
static void data_in(sim_scsi_cmd *cmd, const uint8_t *resp, size_t n, size_t alloc)
{
  size_t k = n < alloc ? n : alloc;
  if (cmd->dir != SIM_SCSI_DIR_IN)
    k = 0;
  if (k > cmd->data_len)
    k = cmd->data_len;
  if (k > 0)
    memcpy(cmd->data, resp, k);
  cmd->resid = cmd->data_len - (uint32_t)k;
}

static void pad_copy(uint8_t *dst, const char *s, size_t n)
{
  memset(dst, ' ', n);
  size_t l = strlen(s);
  memcpy(dst, s, l < n ? l : n);
}

/* --- media range ------------------------------------------------------------ */

/* scsi__media_range, inline for the READ and WRITE of every request. */
static inline int media_range(const uint8_t *c, size_t len, uint64_t *lba, uint64_t *n,
                              int *is_write)
{
  *is_write = 0;
  switch (c[0]) {
  case 0x0A: *is_write = 1; /* fall through */
  case 0x08:
    if (len < 6)
      return 0;
    *lba = (uint64_t)(c[1] & 0x1F) << 16 | sim_be16(c + 2);
    *n = c[4] ? c[4] : 256;
    return 1;
  case 0x2A: *is_write = 1; /* fall through */
  case 0x28:
  case 0x2F:
  case 0x35:
    if (len < 10)
      return 0;
    *lba = sim_be32(c + 2);
    *n = sim_be16(c + 7);
    return 1;
  case 0x8A: *is_write = 1; /* fall through */
  case 0x88:
    if (len < 16)
      return 0;
    *lba = sim_be64(c + 2);
    *n = sim_be32(c + 10);
    return 1;
  default: return 0;
  }
}

int scsi__media_range(const uint8_t *c, size_t len, uint64_t *lba, uint64_t *n, int *is_write)
{
  return media_range(c, len, lba, n, is_write);
}

uint64_t sim_scsi_cdb_bytes(const uint8_t *c, size_t len, uint32_t block_size)
{
  uint64_t lba, n;
  int w;
  if (len == 0 || len < sim_scsi_cdb_len_for(c[0]))
    return 0;
  if (c[0] != 0x35 && scsi__media_range(c, len, &lba, &n, &w)) {
    if (c[0] == 0x2F && ((c[1] >> 1) & 3) != 1)
      return 0; /* VERIFY without BYTCHK moves nothing */
    return n * block_size;
  }
  switch (c[0]) {
  case 0x03:
  case 0x15:
  case 0x1A: return c[4];
  case 0x12: return sim_be16(c + 3);
  case 0x25: return 8;
  case 0x55:
  case 0x5A: return sim_be16(c + 7);
  case 0x9E: return sim_be32(c + 10);
  case 0xA0: return sim_be32(c + 6);
  default: return 0;
  }
}

sim_scsi_dir sim_scsi_cdb_dir(const uint8_t *c, size_t len)
{
  if (len == 0)
    return SIM_SCSI_DIR_NONE;
  switch (c[0]) {
  case 0x0A:
  case 0x2A:
  case 0x8A:
  case 0x15:
  case 0x55:
  case 0x2F: return SIM_SCSI_DIR_OUT;
  case 0x03:
  case 0x08:
  case 0x12:
  case 0x1A:
  case 0x25:
  case 0x28:
  case 0x5A:
  case 0x88:
  case 0x9E:
  case 0xA0: return SIM_SCSI_DIR_IN;
  default: return SIM_SCSI_DIR_NONE;
  }
}

/* --- handlers ---------------------------------------------------------------- */

static void op_tur(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  (void)u;
  (void)cmd;
}

static void op_request_sense(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  uint8_t key = SIM_SCSI_KEY_NO_SENSE, asc = 0, ascq = 0;
  /* SPC: a pending unit attention is reported here (and cleared). */
  if (u->ua & UA_POR) {
    key = SIM_SCSI_KEY_UNIT_ATTENTION, asc = 0x29;
    u->ua &= ~UA_POR;
  } else if (u->ua & UA_BUS_RESET) {
    key = SIM_SCSI_KEY_UNIT_ATTENTION, asc = 0x29, ascq = 0x02;
    u->ua &= ~UA_BUS_RESET;
  } else if (u->ua & UA_MODE_CHANGED) {
    key = SIM_SCSI_KEY_UNIT_ATTENTION, asc = 0x2A, ascq = 0x01;
    u->ua &= ~UA_MODE_CHANGED;
  } else if (u->stopped) {
    key = SIM_SCSI_KEY_NOT_READY, asc = 0x04, ascq = 0x02;
  }
  uint8_t buf[SIM_SCSI_SENSE_LEN];
  size_t n;
  if (cmd->cdb[1] & 0x01) { /* DESC: descriptor format, no descriptors */
    memset(buf, 0, 8);
    buf[0] = 0x72;
    buf[1] = key;
    buf[2] = asc;
    buf[3] = ascq;
    n = 8;
  } else
    n = scsi__fixed_sense(buf, key, asc, ascq);
  data_in(cmd, buf, n, cmd->cdb[4]);
}

static size_t inquiry_std(const sim_scsi_unit *u, uint8_t *b)
{
  memset(b, 0, 36);
  b[0] = u->cfg.device_type & 0x1F;
  b[1] = u->cfg.removable ? 0x80 : 0;
  b[2] = 0x05; /* SPC-3 */
  b[3] = 0x12; /* HISUP, response data format 2 */
  b[4] = 36 - 5;
  b[7] = u->cfg.queue_depth > 1 ? 0x02 : 0; /* CMDQUE */
  pad_copy(b + 8, u->cfg.vendor, 8);
  pad_copy(b + 16, u->cfg.product, 16);
  pad_copy(b + 32, u->cfg.revision, 4);
  return 36;
}

static void op_inquiry(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  const uint8_t *c = cmd->cdb;
  uint8_t b[128];
  size_t n;
  if (c[1] & 0x02) { /* CMDDT: obsolete, rejected as scsi_debug does */
    scsi__bad_field(cmd, 1, 1);
    return;
  }
  size_t alloc = sim_be16(c + 3);
  if (!(c[1] & 0x01)) {
    if (c[2] != 0) {
      scsi__bad_field(cmd, 2, 7);
      return;
    }
    n = inquiry_std(u, b);
  } else {
    memset(b, 0, sizeof b);
    b[0] = u->cfg.device_type & 0x1F;
    b[1] = c[2];
    switch (c[2]) {
    case 0x00:
      b[3] = 3;
      b[4] = 0x00;
      b[5] = 0x80;
      b[6] = 0x83;
      n = 7;
      break;
    case 0x80: {
      size_t l = strlen(u->cfg.serial);
      b[3] = (uint8_t)l;
      memcpy(b + 4, u->cfg.serial, l);
      n = 4 + l;
      break;
    }
    case 0x83: {
      /* One designator: T10 vendor ID based (type 1, ASCII), associated
       * with the logical unit: vendor, product, serial. */
      size_t sl = strlen(u->cfg.serial);
      uint8_t *d = b + 4;
      d[0] = 0x02; /* code set ASCII */
      d[1] = 0x01; /* association LU, type T10 vendor ID */
      d[3] = (uint8_t)(8 + 16 + sl);
      pad_copy(d + 4, u->cfg.vendor, 8);
      pad_copy(d + 12, u->cfg.product, 16);
      memcpy(d + 28, u->cfg.serial, sl);
      n = 4 + 4 + d[3];
      sim_put_be16(b + 2, (uint32_t)(n - 4));
      break;
    }
    default: scsi__bad_field(cmd, 2, -1); return;
    }
  }
  data_in(cmd, b, n, alloc);
}

static void op_mode_sense(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  uint8_t b[256];
  int ten = cmd->cdb[0] == 0x5A;
  size_t n = scsi__mode_sense(u, cmd, ten, b, sizeof b);
  if (n == 0)
    return;
  data_in(cmd, b, n, ten ? sim_be16(cmd->cdb + 7) : cmd->cdb[4]);
}

/* A data-out phase of need bytes: 1 when the initiator supplies them;
 * else the command ends in an overrun (transport failure) and 0. */
static int data_out_ok(sim_scsi_cmd *cmd, uint64_t need)
{
  if (need == 0)
    return 1;
  if (cmd->dir != SIM_SCSI_DIR_OUT || cmd->data_len < need) {
    cmd->xport = SIM_SCSI_XPORT_FAILURE;
    cmd->resid = cmd->data_len;
    return 0;
  }
  cmd->resid = cmd->data_len - (uint32_t)need;
  return 1;
}

static void op_mode_select(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  const uint8_t *c = cmd->cdb;
  int ten = c[0] == 0x55;
  if (!(c[1] & 0x10)) { /* PF = 0: vendor-specific pages, not supported */
    scsi__bad_field(cmd, 1, 4);
    return;
  }
  if (c[1] & 0x01) { /* SP: saving pages is not supported */
    scsi__bad_field(cmd, 1, 0);
    return;
  }
  size_t plen = ten ? sim_be16(c + 7) : c[4];
  if (!data_out_ok(cmd, plen))
    return;
  scsi__mode_select(u, cmd, ten, cmd->data, plen);
}

static void op_start_stop(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  const uint8_t *c = cmd->cdb;
  if (c[4] & 0xF0) { /* power conditions: not supported */
    scsi__bad_field(cmd, 4, 7);
    return;
  }
  if (!(c[4] & 0x01)) {
    /* Stopping writes the cache back first (SBC). */
    if (scsi__sync(u) != 0) {
      scsi__check(cmd, SIM_SCSI_KEY_MEDIUM_ERROR, 0x0C, 0x00);
      return;
    }
    u->stopped = 1;
  } else
    u->stopped = 0;
}

static void op_prevent_allow(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  if (cmd->cdb[4] & 0xFC) {
    scsi__bad_field(cmd, 4, 2);
    return;
  }
  u->prevent = cmd->cdb[4] & 0x03;
}

static void op_read_capacity10(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  const uint8_t *c = cmd->cdb;
  if (!(c[8] & 0x01) && sim_be32(c + 2) != 0) { /* LBA without PMI */
    scsi__bad_field(cmd, 2, -1);
    return;
  }
  uint8_t b[8];
  uint64_t last = u->blocks - 1;
  sim_put_be32(b, last > 0xFFFFFFFEu ? 0xFFFFFFFFu : (uint32_t)last);
  sim_put_be32(b + 4, u->cfg.block_size);
  data_in(cmd, b, sizeof b, sizeof b);
}

static void op_service_action_in(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  const uint8_t *c = cmd->cdb;
  if ((c[1] & 0x1F) != 0x10) {
    scsi__bad_field(cmd, 1, 4);
    return;
  }
  uint8_t b[32];
  memset(b, 0, sizeof b);
  sim_put_be64(b, u->blocks - 1);
  sim_put_be32(b + 8, u->cfg.block_size);
  data_in(cmd, b, sizeof b, sim_be32(c + 10));
}

/* Check the LBA range of a media command; 1 when in range. */
static int range_ok(sim_scsi_unit *u, sim_scsi_cmd *cmd, uint64_t lba, uint64_t n)
{
  if (lba > u->blocks || n > u->blocks - lba) {
    scsi__check(cmd, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x21, 0x00);
    return 0;
  }
  return 1;
}

/* The fault that forced a MEDIUM ERROR on this command, or NULL. */
static const sim_scsi_fault *medium_fault(const sim_scsi_unit *u, const sim_scsi_cmd *cmd)
{
  if (cmd->forced_ < FORCED_FAULT)
    return NULL;
  const sim_scsi_fault *f = &u->cfg.faults[cmd->forced_ - FORCED_FAULT];
  return f->kind == SIM_SCSI_FAULT_MEDIUM ? f : NULL;
}

static int medium_error(sim_scsi_unit *u, sim_scsi_cmd *cmd, uint64_t lba, int is_write)
{
  const sim_scsi_fault *f = medium_fault(u, cmd);
  if (f == NULL)
    return 0;
  uint64_t bad = lba > f->lba ? lba : f->lba;
  if (is_write)
    scsi__check_info(cmd, SIM_SCSI_KEY_MEDIUM_ERROR, 0x0C, 0x00, bad);
  else
    scsi__check_info(cmd, SIM_SCSI_KEY_MEDIUM_ERROR, 0x11, 0x00, bad);
  cmd->resid = cmd->data_len;
  return 1;
}

static void trace_data_emit(sim_scsi_unit *u, sim_scsi_cmd *cmd, uint8_t dir, uint64_t bytes)
{
  sim_scsi_trace_rec r;
  memset(&r, 0, sizeof r);
  r.t = u->bus->w ? sim_world_now(u->bus->w) : 0;
  r.ev = SIM_SCSI_EV_DATA;
  r.target = u->target;
  r.lun = u->lun;
  r.tag = cmd->tag;
  r.dir = dir;
  r.bytes = (uint32_t)bytes;
  scsi__trace(u->bus, &r);
}

/* A data record when the bus is traced (bytes > 0). */
static inline void trace_data(sim_scsi_unit *u, sim_scsi_cmd *cmd, uint8_t dir, uint64_t bytes)
{
  if (u->bus->trace != NULL && bytes != 0)
    trace_data_emit(u, cmd, dir, bytes);
}

static void op_rw(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  const uint8_t *c = cmd->cdb;
  uint64_t lba, n;
  int is_write;
  media_range(c, cmd->cdb_len, &lba, &n, &is_write);
  if (c[0] != 0x08 && c[0] != 0x0A && (c[1] & 0xE0)) { /* RDPROTECT / WRPROTECT */
    scsi__bad_field(cmd, 1, 7);
    return;
  }
  if (!range_ok(u, cmd, lba, n))
    return;
  uint64_t bytes = n * u->cfg.block_size;
  if (bytes > UINT32_MAX) {
    scsi__bad_field(cmd, c[0] == 0x88 || c[0] == 0x8A ? 10 : 7, -1);
    return;
  }
  if (is_write && u->read_only) {
    scsi__check(cmd, SIM_SCSI_KEY_DATA_PROTECT, 0x27, 0x00);
    return;
  }
  uint8_t want = is_write ? SIM_SCSI_DIR_OUT : SIM_SCSI_DIR_IN;
  if (bytes > 0 && (cmd->dir != want || cmd->data_len < bytes)) {
    cmd->xport = SIM_SCSI_XPORT_FAILURE;
    cmd->resid = cmd->data_len;
    return;
  }
  if (medium_error(u, cmd, lba, is_write))
    return;
  cmd->resid = cmd->data_len - (uint32_t)bytes;
  if (bytes == 0)
    return;
  uint64_t off = lba * u->cfg.block_size;
  if (!is_write) {
    if (sim_disk_read(u->disk, off, cmd->data, (size_t)bytes) != SIM_DISK_OK) {
      scsi__check_info(cmd, SIM_SCSI_KEY_MEDIUM_ERROR, 0x11, 0x00, lba);
      cmd->resid = cmd->data_len;
      return;
    }
    u->stats.blocks_read += n;
    trace_data(u, cmd, SIM_SCSI_DIR_IN, bytes);
    return;
  }
  int rc = sim_disk_write(u->disk, off, cmd->data, (size_t)bytes);
  if (rc == SIM_DISK_EROFS) {
    scsi__check(cmd, SIM_SCSI_KEY_DATA_PROTECT, 0x27, 0x00);
    cmd->resid = cmd->data_len;
    return;
  }
  if (rc != SIM_DISK_OK) {
    scsi__check_info(cmd, SIM_SCSI_KEY_MEDIUM_ERROR, 0x0C, 0x00, lba);
    cmd->resid = cmd->data_len;
    return;
  }
  u->dirty = 1;
  u->stats.blocks_written += n;
  trace_data(u, cmd, SIM_SCSI_DIR_OUT, bytes);
  /* Write cache off, or FUA: durable before GOOD. */
  int fua = (c[0] == 0x2A || c[0] == 0x8A) && (c[1] & 0x08);
  if ((!u->wce || fua) && scsi__sync(u) != 0)
    scsi__check_info(cmd, SIM_SCSI_KEY_MEDIUM_ERROR, 0x0C, 0x00, lba);
}

static void op_verify(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  const uint8_t *c = cmd->cdb;
  uint64_t lba = sim_be32(c + 2), n = sim_be16(c + 7);
  uint8_t bytchk = (c[1] >> 1) & 0x03;
  if (bytchk > 1) {
    scsi__bad_field(cmd, 1, 2);
    return;
  }
  if (!range_ok(u, cmd, lba, n))
    return;
  uint64_t bytes = bytchk ? n * u->cfg.block_size : 0;
  if (bytes > UINT32_MAX || !data_out_ok(cmd, bytes))
    return;
  if (medium_error(u, cmd, lba, 0))
    return;
  /* Compare the data-out with the medium in chunks (no allocation). */
  uint8_t chunk[4096];
  const uint8_t *p = cmd->data;
  uint64_t off = lba * u->cfg.block_size;
  for (uint64_t done = 0; done < bytes;) {
    size_t k = bytes - done < sizeof chunk ? (size_t)(bytes - done) : sizeof chunk;
    if (sim_disk_read(u->disk, off + done, chunk, k) != SIM_DISK_OK) {
      scsi__check_info(cmd, SIM_SCSI_KEY_MEDIUM_ERROR, 0x11, 0x00,
                       lba + done / u->cfg.block_size);
      return;
    }
    for (size_t i = 0; i < k; i++)
      if (chunk[i] != p[done + i]) {
        scsi__check_info(cmd, 0x0E, 0x1D, 0x00, done + i); /* MISCOMPARE: byte offset */
        return;
      }
    done += k;
  }
}

static void op_sync_cache(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  uint64_t lba = sim_be32(cmd->cdb + 2), n = sim_be16(cmd->cdb + 7);
  if (!range_ok(u, cmd, lba, n))
    return;
  if (scsi__sync(u) != 0)
    scsi__check(cmd, SIM_SCSI_KEY_MEDIUM_ERROR, 0x0C, 0x00);
}

/* REPORT LUNS, answered by the target for any LUN. */
static void report_luns(sim_scsi_bus *bus, uint8_t target, sim_scsi_cmd *cmd)
{
  const uint8_t *c = cmd->cdb;
  uint32_t alloc = sim_be32(c + 6);
  if (c[2] > 2) {
    scsi__bad_field(cmd, 2, -1);
    return;
  }
  if (alloc < 16) {
    scsi__bad_field(cmd, 6, -1);
    return;
  }
  uint8_t b[8 + 8 * SIM_SCSI_MAX_LUNS];
  memset(b, 0, sizeof b);
  uint32_t k = 0;
  if (c[2] != 1) /* 1: well-known LUNs only, of which there are none */
    for (uint16_t l = 0; l < SIM_SCSI_MAX_LUNS; l++)
      if (bus->units[target][l] != NULL)
        b[8 + 8 * k++ + 1] = (uint8_t)l;
  sim_put_be32(b, 8 * k);
  data_in(cmd, b, 8 + 8 * k, alloc);
}

/* Indexed by opcode, so that finding a command costs one load: an entry
 * whose `known` is 0 is a command this unit does not know. */
static const op_info ops[256] = {
  [0x00] = {1, 0, SIM_SCSI_CLASS_OTHER, op_tur},
  [0x03] = {1, F_SKIP_UA, SIM_SCSI_CLASS_OTHER, op_request_sense},
  [0x08] = {1, F_MEDIA, SIM_SCSI_CLASS_READ, op_rw},
  [0x0A] = {1, F_MEDIA | F_WRITE, SIM_SCSI_CLASS_WRITE, op_rw},
  [0x12] = {1, F_SKIP_UA, SIM_SCSI_CLASS_OTHER, op_inquiry},
  [0x15] = {1, 0, SIM_SCSI_CLASS_OTHER, op_mode_select},
  [0x1A] = {1, 0, SIM_SCSI_CLASS_OTHER, op_mode_sense},
  [0x1B] = {1, 0, SIM_SCSI_CLASS_SYNC, op_start_stop},
  [0x1E] = {1, 0, SIM_SCSI_CLASS_OTHER, op_prevent_allow},
  [0x25] = {1, F_MEDIA, SIM_SCSI_CLASS_OTHER, op_read_capacity10},
  [0x28] = {1, F_MEDIA, SIM_SCSI_CLASS_READ, op_rw},
  [0x2A] = {1, F_MEDIA | F_WRITE, SIM_SCSI_CLASS_WRITE, op_rw},
  [0x2F] = {1, F_MEDIA, SIM_SCSI_CLASS_READ, op_verify},
  [0x35] = {1, F_MEDIA, SIM_SCSI_CLASS_SYNC, op_sync_cache},
  [0x55] = {1, 0, SIM_SCSI_CLASS_OTHER, op_mode_select},
  [0x5A] = {1, 0, SIM_SCSI_CLASS_OTHER, op_mode_sense},
  [0x88] = {1, F_MEDIA, SIM_SCSI_CLASS_READ, op_rw},
  [0x8A] = {1, F_MEDIA | F_WRITE, SIM_SCSI_CLASS_WRITE, op_rw},
  [0x9E] = {1, F_MEDIA, SIM_SCSI_CLASS_OTHER, op_service_action_in},
  [0xA0] = {1, F_SKIP_UA, SIM_SCSI_CLASS_OTHER, NULL}, /* REPORT LUNS: the target's */
};

static const op_info *find_op(uint8_t op)
{
  return ops[op].known ? &ops[op] : NULL;
}

sim_scsi_class scsi__class_of(const sim_scsi_cmd *cmd, const sim_scsi_unit *u, uint64_t *bytes)
{
  uint64_t lba, n;
  int w;
  *bytes = 0;
  const op_info *oi = find_op(cmd->cdb[0]);
  if (oi == NULL)
    return SIM_SCSI_CLASS_OTHER;
  if (oi->cls != SIM_SCSI_CLASS_SYNC && u != NULL &&
      scsi__media_range(cmd->cdb, cmd->cdb_len, &lba, &n, &w))
    *bytes = n * u->cfg.block_size;
  return (sim_scsi_class)oi->cls;
}

/* The report of a pending unit attention (highest priority first); 1 if
 * one was reported. */
static int report_ua(sim_scsi_unit *u, sim_scsi_cmd *cmd)
{
  if (u->ua & UA_POR) {
    u->ua &= ~UA_POR;
    scsi__check(cmd, SIM_SCSI_KEY_UNIT_ATTENTION, 0x29, 0x00);
  } else if (u->ua & UA_BUS_RESET) {
    u->ua &= ~UA_BUS_RESET;
    scsi__check(cmd, SIM_SCSI_KEY_UNIT_ATTENTION, 0x29, 0x02);
  } else if (u->ua & UA_MODE_CHANGED) {
    u->ua &= ~UA_MODE_CHANGED;
    scsi__check(cmd, SIM_SCSI_KEY_UNIT_ATTENTION, 0x2A, 0x01);
  } else
    return 0;
  return 1;
}

void scsi__execute(sim_scsi_bus *bus, sim_scsi_unit *u, uint8_t target, sim_scsi_cmd *cmd)
{
  cmd->xport = SIM_SCSI_XPORT_OK;
  cmd->status = SIM_SCSI_GOOD;
  cmd->sense_len = 0;
  cmd->resid = cmd->data_len;
  if (cmd->forced_ == FORCED_TSF) {
    cmd->status = SIM_SCSI_TASK_SET_FULL;
    return;
  }
  if (u != NULL && cmd->forced_ >= FORCED_FAULT) {
    const sim_scsi_fault *f = &u->cfg.faults[cmd->forced_ - FORCED_FAULT];
    if (f->kind == SIM_SCSI_FAULT_TRANSPORT) {
      cmd->xport = SIM_SCSI_XPORT_FAILURE;
      return;
    }
    if (f->kind == SIM_SCSI_FAULT_SENSE) {
      scsi__check(cmd, f->key, f->asc, f->ascq);
      return;
    }
  }
  const op_info *oi = find_op(cmd->cdb[0]);
  if (oi != NULL && cmd->cdb_len < sim_scsi_cdb_len_for(cmd->cdb[0]))
    oi = NULL; /* a CDB cut short is no command this unit knows */
  if (oi != NULL && oi->fn == NULL) {
    report_luns(bus, target, cmd);
    return;
  }
  if (u == NULL) {
    /* SPC: a LUN the target does not have. */
    if (cmd->cdb[0] == 0x12 && oi != NULL) {
      uint8_t b[36];
      memset(b, 0, sizeof b);
      b[0] = 0x7F; /* peripheral qualifier 3, device type 0x1F */
      b[2] = 0x05;
      b[3] = 0x12;
      b[4] = 31;
      data_in(cmd, b, sizeof b, sim_be16(cmd->cdb + 3));
    } else if (cmd->cdb[0] == 0x03 && oi != NULL) {
      uint8_t b[SIM_SCSI_SENSE_LEN];
      size_t n = scsi__fixed_sense(b, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x25, 0x00);
      data_in(cmd, b, n, cmd->cdb[4]);
    } else
      scsi__check(cmd, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x25, 0x00);
    return;
  }
  if (oi == NULL) {
    scsi__check(cmd, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x20, 0x00);
    return;
  }
  if (!(oi->flags & F_SKIP_UA) && report_ua(u, cmd))
    return;
  if ((oi->flags & F_MEDIA) && u->stopped) {
    scsi__check(cmd, SIM_SCSI_KEY_NOT_READY, 0x04, 0x02);
    return;
  }
  oi->fn(u, cmd);
}
