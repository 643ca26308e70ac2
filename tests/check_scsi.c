/*
 * check_scsi.c - the simulated SCSI bus and disk unit (sim/scsi): CDB
 * decoding and names, sense building and decoding, every opcode with its
 * data and its errors (20/00, 24/00 with the field pointer, 21/00, a LUN
 * that does not exist), mode pages and MODE SELECT, unit attentions,
 * faults, and the bus itself: completion as world events at the latency
 * model's times, queue depth and TASK SET FULL, abort, resets, selection
 * timeout, determinism.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tests.h"
#include "disk/disk.h"
#include "scsi/scsi.h"
#include "world/world.h"

typedef struct fix {
  sim_world     w;
  sim_scsi_bus *bus;
  sim_disk     *disk;
  sim_scsi_unit *u;
  sim_scsi_unit_config cfg;
} fix;

static fix F;

/* A bus on a world with a 1 MiB memory disk at target 0, LUN 0, cfg as
 * set by tweak (may be NULL). */
static void setup_with(void (*tweak)(sim_scsi_unit_config *))
{
  memset(&F, 0, sizeof F);
  ck_assert_int_eq(sim_world_init(&F.w), 0);
  sim_scsi_bus_config bc;
  sim_scsi_bus_config_default(&bc);
  bc.seed = 42;
  F.bus = sim_scsi_bus_new(&F.w, &bc);
  ck_assert_ptr_nonnull(F.bus);
  F.disk = sim_disk_new_memory(1u << 20);
  ck_assert_ptr_nonnull(F.disk);
  sim_scsi_unit_config_default(&F.cfg);
  if (tweak)
    tweak(&F.cfg);
  ck_assert_int_eq(sim_scsi_attach(F.bus, 0, 0, F.disk, &F.cfg, &F.u), SIM_SCSI_OK);
}

static void setup(void) { setup_with(NULL); }

static void teardown(void)
{
  sim_scsi_bus_free(F.bus);
  sim_disk_close(F.disk);
  sim_world_free(&F.w);
}

/* Execute a CDB given as bytes (n of them) on LUN lun, synchronously. */
static sim_scsi_cmd exec_cdb(uint16_t lun, uint8_t dir, void *buf, uint32_t len, int n, ...)
{
  sim_scsi_cmd c;
  memset(&c, 0, sizeof c);
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++)
    c.cdb[i] = (uint8_t)va_arg(ap, int);
  va_end(ap);
  c.cdb_len = (uint8_t)n;
  c.lun = lun;
  c.dir = dir;
  c.data = buf;
  c.data_len = len;
  ck_assert_int_eq(sim_scsi_execute(F.bus, &c), SIM_SCSI_OK);
  return c;
}

static void assert_sense(const sim_scsi_cmd *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
  ck_assert_int_eq(c->xport, SIM_SCSI_XPORT_OK);
  ck_assert_int_eq(c->status, SIM_SCSI_CHECK_CONDITION);
  ck_assert_int_eq(c->sense_len, 18);
  ck_assert_int_eq(c->sense[0] & 0x7F, 0x70);
  ck_assert_int_eq(c->sense[7], 0x0A);
  ck_assert_int_eq(c->sense[2] & 0x0F, key);
  ck_assert_int_eq(c->sense[12], asc);
  ck_assert_int_eq(c->sense[13], ascq);
}

static void assert_field(const sim_scsi_cmd *c, uint16_t byte, int bit)
{
  assert_sense(c, SIM_SCSI_KEY_ILLEGAL_REQUEST, 0x24, 0);
  sim_scsi_sense_info si;
  ck_assert_int_eq(sim_scsi_sense_decode(c->sense, c->sense_len, &si), 0);
  ck_assert(si.sksv && si.cd);
  ck_assert_int_eq(si.field, byte);
  ck_assert_int_eq(si.bpv, bit >= 0);
  if (bit >= 0)
    ck_assert_int_eq(si.bit, bit);
}

static void assert_good(const sim_scsi_cmd *c)
{
  ck_assert_int_eq(c->xport, SIM_SCSI_XPORT_OK);
  ck_assert_int_eq(c->status, SIM_SCSI_GOOD);
  ck_assert_int_eq(c->sense_len, 0);
}

/* --- names, CDB decoding, sense ------------------------------------------- */

/* The one CDB text parser of scenarios and dmsim scsi: accepted forms,
 * parts appended, and the reasons it gives for text that is not a CDB. */
static const char *cdb_text(const char *s, uint8_t *cdb, size_t *n)
{
  return sim_scsi_cdb_parse(s, strlen(s), cdb, n);
}

START_TEST(test_cdb_text)
{
  static const char bad[] = "expected 1 to 16 bytes as two hex digits each, separated by spaces";
  const uint8_t inq[6] = {0x12, 0, 0, 0, 0x24, 0};
  uint8_t cdb[SIM_SCSI_CDB_MAX];
  size_t n = 0;
  ck_assert_ptr_null(cdb_text("12 00 00 00 24 00", cdb, &n));
  ck_assert_uint_eq(n, 6);
  ck_assert_mem_eq(cdb, inq, 6);
  n = 0;
  ck_assert_ptr_null(cdb_text("120000002400", cdb, &n)); /* run together */
  ck_assert_uint_eq(n, 6);
  ck_assert_mem_eq(cdb, inq, 6);
  n = 0;
  ck_assert_ptr_null(cdb_text("\t12 0000\t00 24 00 ", cdb, &n));
  ck_assert_uint_eq(n, 6);
  ck_assert_mem_eq(cdb, inq, 6);
  n = 0; /* in parts, as dmsim scsi's arguments come; either case */
  ck_assert_ptr_null(cdb_text("9e", cdb, &n));
  ck_assert_ptr_null(cdb_text("1F", cdb, &n));
  ck_assert_uint_eq(n, 2);
  ck_assert_uint_eq(cdb[0], 0x9E);
  ck_assert_uint_eq(cdb[1], 0x1F);
  /* Exactly 16 bytes, then one more. */
  n = 0;
  ck_assert_ptr_null(cdb_text("00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f", cdb, &n));
  ck_assert_uint_eq(n, 16);
  ck_assert_uint_eq(cdb[15], 0x0F);
  ck_assert_str_eq(cdb_text("10", cdb, &n), bad);
  ck_assert_uint_eq(n, 16);
  const char *refused[] = { "28 0g", "1 2", "12 0", "0x12", "12,00", "12:00", "-1", "g" };
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    n = 0;
    const char *why = cdb_text(refused[i], cdb, &n);
    ck_assert_msg(why != NULL && strcmp(why, bad) == 0, "'%s': %s", refused[i], why ? why : "taken");
  }
  n = 0;
  ck_assert_str_eq(cdb_text("", cdb, &n), "it is empty");
  ck_assert_str_eq(cdb_text(" \t ", cdb, &n), "it is empty");
  n = 1; /* an empty part after bytes is no error */
  ck_assert_ptr_null(cdb_text("", cdb, &n));
  /* len bounds the text: what follows is not read. */
  n = 0;
  ck_assert_ptr_null(sim_scsi_cdb_parse("12 00zz", 5, cdb, &n));
  ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(test_names_and_cdb)
{
  uint8_t rc16[16] = {0x9E, 0x10};
  uint8_t r10[10] = {0x28, 0, 0, 0, 0, 8, 0, 0, 4, 0};
  uint8_t w6[6] = {0x0A, 0, 0, 1, 0, 0};
  ck_assert_str_eq(sim_scsi_cdb_name(rc16, 16), "READ CAPACITY(16)");
  ck_assert_str_eq(sim_scsi_cdb_name(r10, 10), "READ(10)");
  ck_assert_ptr_null(sim_scsi_cdb_name((const uint8_t *)"\xff", 1));
  ck_assert_uint_eq(sim_scsi_cdb_len_for(0x12), 6);
  ck_assert_uint_eq(sim_scsi_cdb_len_for(0x28), 10);
  ck_assert_uint_eq(sim_scsi_cdb_len_for(0x88), 16);
  ck_assert_uint_eq(sim_scsi_cdb_len_for(0xA0), 12);
  ck_assert_uint_eq(sim_scsi_cdb_len_for(0x7F), 0);
  ck_assert_uint_eq(sim_scsi_cdb_bytes(r10, 10, 512), 4 * 512);
  ck_assert_uint_eq(sim_scsi_cdb_bytes(w6, 6, 1024), 256 * 1024); /* 0 blocks means 256 */
  ck_assert_uint_eq(sim_scsi_cdb_bytes(r10, 6, 512), 0);          /* too short */
  ck_assert_int_eq(sim_scsi_cdb_dir(r10, 10), SIM_SCSI_DIR_IN);
  ck_assert_int_eq(sim_scsi_cdb_dir(w6, 6), SIM_SCSI_DIR_OUT);
  ck_assert_str_eq(sim_scsi_status_name(0x28), "TASK SET FULL");
  ck_assert_ptr_null(sim_scsi_status_name(0x01));
  ck_assert_str_eq(sim_scsi_key_name(5), "ILLEGAL REQUEST");
  ck_assert_str_eq(sim_scsi_asc_name(0x20, 0), "Invalid command operation code");
  ck_assert_str_eq(sim_scsi_asc_name(0x11, 0), "Unrecovered read error");
  ck_assert_ptr_null(sim_scsi_asc_name(0x99, 0x99));
  ck_assert_str_eq(sim_scsi_xport_name(SIM_SCSI_XPORT_SELECTION_TIMEOUT), "selection-timeout");
  ck_assert_str_eq(sim_scsi_ev_name(SIM_SCSI_EV_STATUS), "scsi-status");
}
END_TEST

START_TEST(test_sense_decode)
{
  /* The example sg_decode_sense explains as "Invalid field in cdb ...
   * Error in Command: byte 2". */
  const uint8_t s[18] = {0x70, 0, 5, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0, 0, 0xc0, 0, 2};
  sim_scsi_sense_info si;
  ck_assert_int_eq(sim_scsi_sense_decode(s, 18, &si), 0);
  ck_assert_int_eq(si.key, 5);
  ck_assert_int_eq(si.asc, 0x24);
  ck_assert(si.sksv && si.cd && !si.bpv);
  ck_assert_int_eq(si.field, 2);
  const uint8_t d[20] = {0x72, 3, 0x11, 0, 0, 0, 0, 12, 0, 10, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34};
  ck_assert_int_eq(sim_scsi_sense_decode(d, 20, &si), 0);
  ck_assert_int_eq(si.key, 3);
  ck_assert(si.valid);
  ck_assert_uint_eq(si.info, 0x1234);
  ck_assert_int_eq(sim_scsi_sense_decode(s, 10, &si), -1);
  ck_assert_int_eq(sim_scsi_sense_decode((const uint8_t *)"\x05", 1, &si), -1);
}
END_TEST

/* --- opcodes ---------------------------------------------------------------- */

START_TEST(test_unknown_opcode_and_short_cdb)
{
  sim_scsi_cmd c = exec_cdb(0, 0, NULL, 0, 6, 0xFF, 0, 0, 0, 0, 0);
  assert_sense(&c, 5, 0x20, 0);
  ck_assert_int_eq(c.sense[15], 0); /* no field pointer for 20/00 */
  c = exec_cdb(0, 0, NULL, 0, 6, 0x28, 0, 0, 0, 0, 0); /* READ(10) cut to 6 bytes */
  assert_sense(&c, 5, 0x20, 0);
}
END_TEST

START_TEST(test_tur_and_request_sense)
{
  uint8_t b[32];
  sim_scsi_cmd c = exec_cdb(0, 0, NULL, 0, 6, 0, 0, 0, 0, 0, 0);
  assert_good(&c);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x03, 0, 0, 0, 18, 0);
  assert_good(&c);
  ck_assert_uint_eq(c.resid, sizeof b - 18);
  ck_assert_int_eq(b[0], 0x70);
  ck_assert_int_eq(b[2], 0);
  /* Descriptor format when DESC is set. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x03, 1, 0, 0, 32, 0);
  ck_assert_uint_eq(c.resid, sizeof b - 8);
  ck_assert_int_eq(b[0], 0x72);
}
END_TEST

START_TEST(test_inquiry)
{
  uint8_t b[96];
  memset(b, 0xEE, sizeof b);
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x12, 0, 0, 0, 96, 0);
  assert_good(&c);
  ck_assert_uint_eq(c.resid, 96 - 36);
  ck_assert_int_eq(b[0], 0x00);
  ck_assert_int_eq(b[2], 0x05);
  ck_assert_int_eq(b[3] & 0x0F, 2);
  ck_assert_int_eq(b[4], 31);
  ck_assert(memcmp(b + 8, "DMSIM   SIM DISK        0001", 28) == 0);
  ck_assert_int_eq(b[36], 0xEE); /* nothing beyond what was sent */
  /* The allocation length cuts the data. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x12, 0, 0, 0, 5, 0);
  ck_assert_uint_eq(c.resid, 96 - 5);
  /* VPD pages. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x12, 1, 0x00, 0, 96, 0);
  assert_good(&c);
  ck_assert_int_eq(b[1], 0);
  ck_assert_int_eq(b[3], 3);
  ck_assert(b[4] == 0x00 && b[5] == 0x80 && b[6] == 0x83);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x12, 1, 0x80, 0, 96, 0);
  assert_good(&c);
  ck_assert_int_eq(b[1], 0x80);
  ck_assert(memcmp(b + 4, "DMSIM00000", 10) == 0);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x12, 1, 0x83, 0, 96, 0);
  assert_good(&c);
  ck_assert_int_eq(b[1], 0x83);
  ck_assert_int_eq(b[5] & 0x0F, 1); /* T10 vendor ID designator */
  ck_assert(memcmp(b + 8, "DMSIM   ", 8) == 0);
  /* Errors with field pointers. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x12, 1, 0xB0, 0, 96, 0);
  assert_field(&c, 2, -1);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x12, 0, 0x80, 0, 96, 0);
  assert_field(&c, 2, 7);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x12, 2, 0, 0, 96, 0);
  assert_field(&c, 1, 1);
}
END_TEST

START_TEST(test_missing_lun)
{
  uint8_t b[64];
  sim_scsi_cmd c = exec_cdb(3, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x12, 0, 0, 0, 36, 0);
  assert_good(&c);
  ck_assert_int_eq(b[0], 0x7F); /* PQ 3, PDT 0x1F */
  c = exec_cdb(3, 0, NULL, 0, 6, 0, 0, 0, 0, 0, 0);
  assert_sense(&c, 5, 0x25, 0);
  c = exec_cdb(3, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x03, 0, 0, 0, 18, 0);
  assert_good(&c);
  ck_assert_int_eq(b[12], 0x25);
  /* REPORT LUNS is the target's: it answers on any LUN. */
  c = exec_cdb(3, SIM_SCSI_DIR_IN, b, sizeof b, 12, 0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0);
  assert_good(&c);
  ck_assert_int_eq(b[3], 8);
  /* A target with no unit at all: selection timeout. */
  sim_scsi_cmd s;
  memset(&s, 0, sizeof s);
  s.cdb_len = 6;
  s.target = 5;
  ck_assert_int_eq(sim_scsi_execute(F.bus, &s), SIM_SCSI_OK);
  ck_assert_int_eq(s.xport, SIM_SCSI_XPORT_SELECTION_TIMEOUT);
}
END_TEST

START_TEST(test_report_luns)
{
  sim_disk *d2 = sim_disk_new_memory(4096);
  ck_assert_int_eq(sim_scsi_attach(F.bus, 0, 5, d2, &F.cfg, NULL), SIM_SCSI_OK);
  uint8_t b[64];
  memset(b, 0xEE, sizeof b);
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 12, 0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0);
  assert_good(&c);
  ck_assert_uint_eq(c.resid, 64 - 24);
  ck_assert_int_eq(b[3], 16);
  ck_assert_int_eq(b[9], 0);
  ck_assert_int_eq(b[17], 5);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 12, 0xA0, 0, 3, 0, 0, 0, 0, 0, 0, 64, 0, 0);
  assert_field(&c, 2, -1);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 12, 0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0);
  assert_field(&c, 6, -1);
  sim_scsi_bus_free(F.bus);
  F.bus = NULL;
  sim_disk_close(d2);
}
END_TEST

START_TEST(test_read_capacity)
{
  uint8_t b[32];
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 10, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  assert_good(&c);
  ck_assert_uint_eq(c.resid, 24);
  ck_assert(b[0] == 0 && b[1] == 0 && b[2] == 0x07 && b[3] == 0xFF); /* 2048 blocks */
  ck_assert(b[6] == 0x02 && b[7] == 0x00);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 10, 0x25, 0, 0, 0, 0, 1, 0, 0, 0, 0);
  assert_field(&c, 2, -1); /* an LBA without PMI */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 16, 0x9E, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
  assert_good(&c);
  ck_assert_uint_eq(c.resid, 0);
  ck_assert(b[6] == 0x07 && b[7] == 0xFF && b[10] == 0x02);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 16, 0x9E, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
  assert_field(&c, 1, 4);
}
END_TEST

static void bs2048(sim_scsi_unit_config *c) { c->block_size = 2048; }

START_TEST(test_block_size)
{
  uint8_t b[8];
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 10, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  assert_good(&c);
  ck_assert_int_eq(b[3], 0xFF);
  ck_assert(b[2] == 0x01 && b[6] == 0x08); /* 512 blocks of 2048 */
}
END_TEST

START_TEST(test_read_write)
{
  uint8_t w[1024], r[1024];
  for (int i = 0; i < 1024; i++)
    w[i] = (uint8_t)(i * 7);
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_OUT, w, 1024, 10, 0x2A, 0, 0, 0, 0, 10, 0, 0, 2, 0);
  assert_good(&c);
  ck_assert_uint_eq(c.resid, 0);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, r, 1024, 6, 0x08, 0, 0, 10, 2, 0);
  assert_good(&c);
  ck_assert(memcmp(w, r, 1024) == 0);
  memset(r, 0, sizeof r);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, r, 1024, 16, 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 11, 0, 0, 0, 1, 0, 0);
  assert_good(&c);
  ck_assert_uint_eq(c.resid, 512);
  ck_assert(memcmp(w + 512, r, 512) == 0);
  /* WRITE(6) and WRITE(16). */
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, w, 512, 6, 0x0A, 0, 0, 20, 1, 0);
  assert_good(&c);
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, w, 512, 16, 0x8A, 0, 0, 0, 0, 0, 0, 0, 0, 21, 0, 0, 0, 1, 0, 0);
  assert_good(&c);
  uint8_t blk[512];
  ck_assert_int_eq(sim_disk_read(F.disk, 21 * 512, blk, 512), 0);
  ck_assert(memcmp(blk, w, 512) == 0);
  /* Zero blocks: GOOD, nothing moves. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, r, 1024, 10, 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  assert_good(&c);
  ck_assert_uint_eq(c.resid, 1024);
  sim_scsi_unit_stats st = sim_scsi_unit_get_stats(F.u);
  ck_assert_uint_eq(st.blocks_written, 4);
  ck_assert_uint_eq(st.blocks_read, 3);
}
END_TEST

START_TEST(test_rw_errors)
{
  uint8_t b[1024];
  memset(b, 0xAB, sizeof b);
  /* Out of range: 21/00, nothing written. */
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_OUT, b, 1024, 10, 0x2A, 0, 0, 0, 0x07, 0xFF, 0, 0, 2, 0);
  assert_sense(&c, 5, 0x21, 0);
  uint8_t z[512];
  ck_assert_int_eq(sim_disk_read(F.disk, 2047 * 512, z, 512), 0);
  ck_assert_int_eq(z[0], 0);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 1024, 16, 0x88, 0, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0);
  assert_sense(&c, 5, 0x21, 0);
  /* RDPROTECT set: 24/00 at byte 1 bit 7. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 1024, 10, 0x28, 0x20, 0, 0, 0, 0, 0, 0, 1, 0);
  assert_field(&c, 1, 7);
  /* The initiator's buffer is too small: an overrun, nothing moved. */
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, b, 511, 10, 0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0);
  ck_assert_int_eq(c.xport, SIM_SCSI_XPORT_FAILURE);
  ck_assert_int_eq(sim_disk_read(F.disk, 0, z, 512), 0);
  ck_assert_int_eq(z[0], 0);
  /* Wrong direction. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 1024, 10, 0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0);
  ck_assert_int_eq(c.xport, SIM_SCSI_XPORT_FAILURE);
}
END_TEST

static void ro(sim_scsi_unit_config *c) { c->read_only = 1; }

START_TEST(test_read_only)
{
  uint8_t b[512];
  memset(b, 0x5A, sizeof b);
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_OUT, b, 512, 10, 0x2A, 0, 0, 0, 0, 1, 0, 0, 1, 0);
  assert_sense(&c, 7, 0x27, 0);
  uint8_t z[512];
  ck_assert_int_eq(sim_disk_read(F.disk, 512, z, 512), 0);
  ck_assert_int_eq(z[0], 0);
  /* MODE SENSE says WP. */
  uint8_t m[64];
  c = exec_cdb(0, SIM_SCSI_DIR_IN, m, sizeof m, 6, 0x1A, 0x08, 0x08, 0, 64, 0);
  assert_good(&c);
  ck_assert_int_eq(m[2], 0x90);
  /* Reads still work. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 512, 10, 0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0);
  assert_good(&c);
}
END_TEST

START_TEST(test_verify_and_sync)
{
  uint8_t w[512], v[512];
  memset(w, 0x11, sizeof w);
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_OUT, w, 512, 10, 0x2A, 0, 0, 0, 0, 4, 0, 0, 1, 0);
  assert_good(&c);
  c = exec_cdb(0, 0, NULL, 0, 10, 0x2F, 0, 0, 0, 0, 4, 0, 0, 1, 0); /* BYTCHK 0 */
  assert_good(&c);
  memcpy(v, w, sizeof v);
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, v, 512, 10, 0x2F, 0x02, 0, 0, 0, 4, 0, 0, 1, 0);
  assert_good(&c);
  v[100] ^= 1;
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, v, 512, 10, 0x2F, 0x02, 0, 0, 0, 4, 0, 0, 1, 0);
  assert_sense(&c, 0x0E, 0x1D, 0);
  ck_assert_int_eq(c.sense[6], 100); /* INFORMATION: offset of the miscompare */
  c = exec_cdb(0, 0, NULL, 0, 10, 0x2F, 0x04, 0, 0, 0, 4, 0, 0, 1, 0); /* BYTCHK 2 */
  assert_field(&c, 1, 2);
  c = exec_cdb(0, 0, NULL, 0, 10, 0x2F, 0, 0, 0, 0x08, 0, 0, 0, 1, 0);
  assert_sense(&c, 5, 0x21, 0);
  c = exec_cdb(0, 0, NULL, 0, 10, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  assert_good(&c);
  c = exec_cdb(0, 0, NULL, 0, 10, 0x35, 0, 0, 0, 0x08, 0, 0, 0, 1, 0);
  assert_sense(&c, 5, 0x21, 0);
}
END_TEST

START_TEST(test_start_stop_prevent)
{
  uint8_t b[512];
  sim_scsi_cmd c = exec_cdb(0, 0, NULL, 0, 6, 0x1B, 0, 0, 0, 0, 0); /* stop */
  assert_good(&c);
  c = exec_cdb(0, 0, NULL, 0, 6, 0, 0, 0, 0, 0, 0);
  assert_good(&c); /* TUR is no media access */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 512, 10, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
  assert_sense(&c, 2, 0x04, 0x02);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 18, 6, 0x03, 0, 0, 0, 18, 0);
  ck_assert_int_eq(b[2], 2);
  ck_assert_int_eq(b[12], 4);
  c = exec_cdb(0, 0, NULL, 0, 6, 0x1B, 0, 0, 0, 1, 0); /* start */
  assert_good(&c);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 512, 10, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
  assert_good(&c);
  c = exec_cdb(0, 0, NULL, 0, 6, 0x1B, 0, 0, 0, 0x11, 0); /* power condition */
  assert_field(&c, 4, 7);
  c = exec_cdb(0, 0, NULL, 0, 6, 0x1E, 0, 0, 0, 1, 0);
  assert_good(&c);
  c = exec_cdb(0, 0, NULL, 0, 6, 0x1E, 0, 0, 0, 4, 0);
  assert_field(&c, 4, 2);
}
END_TEST

/* --- mode pages ------------------------------------------------------------- */

/* The offset of page code in MODE SENSE(6) data b, or -1. */
static int find_page(const uint8_t *b, int code)
{
  int n = b[0] + 1;
  for (int off = 4 + b[3]; off + 2 <= n; off += b[off + 1] + 2)
    if ((b[off] & 0x3F) == code)
      return off;
  return -1;
}

START_TEST(test_mode_sense)
{
  uint8_t b[255];
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x1A, 0, 0x3F, 0, 255, 0);
  assert_good(&c);
  ck_assert_int_eq(b[2], 0x10); /* DPOFUA, not WP */
  ck_assert_int_eq(b[3], 8);    /* block descriptor */
  ck_assert(b[4 + 2] == 0x08 && b[4 + 3] == 0x00); /* 2048 blocks */
  ck_assert(b[4 + 6] == 0x02 && b[4 + 7] == 0x00); /* of 512 */
  ck_assert_int_eq(b[0] + 1, 4 + 8 + 12 + 24 + 24 + 20 + 12);
  int cache = find_page(b, 0x08);
  ck_assert_int_ge(cache, 0);
  ck_assert_int_eq(b[cache + 1], 0x12);
  ck_assert_int_eq(b[cache + 2] & 0x04, 0x04); /* WCE on by default */
  ck_assert_int_ge(find_page(b, 0x01), 0);
  ck_assert_int_ge(find_page(b, 0x03), 0);
  ck_assert_int_ge(find_page(b, 0x0A), 0);
  int geo = find_page(b, 0x04);
  ck_assert_int_ge(geo, 0);
  ck_assert_int_eq(b[geo + 5], 16); /* heads */
  /* Changeable values: only WCE. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x1A, 0x08, 0x48, 0, 255, 0);
  assert_good(&c);
  ck_assert_int_eq(b[3], 0); /* DBD */
  ck_assert_int_eq(b[4], 0x08);
  ck_assert_int_eq(b[6], 0x04);
  for (int i = 7; i < 4 + 20; i++)
    ck_assert_int_eq(b[i], 0);
  /* MODE SENSE(10) with LLBAA: a 16-byte descriptor. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 10, 0x5A, 0x10, 0x0A, 0, 0, 0, 0, 0, 255, 0);
  assert_good(&c);
  ck_assert_int_eq(b[4] & 1, 1);
  ck_assert_int_eq(b[7], 16);
  ck_assert_int_eq(b[8 + 16], 0x0A);
  ck_assert_int_eq((b[0] << 8 | b[1]) + 2, 8 + 16 + 12);
  /* Errors: saved values, unknown page, subpage. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x1A, 0, 0xC8, 0, 255, 0);
  assert_sense(&c, 5, 0x39, 0);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x1A, 0, 0x19, 0, 255, 0);
  assert_field(&c, 2, 5);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x1A, 0, 0x08, 1, 255, 0);
  assert_field(&c, 3, -1);
}
END_TEST

START_TEST(test_mode_select)
{
  uint8_t b[64], p[24];
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x1A, 0x08, 0x08, 0, 64, 0);
  assert_good(&c);
  /* Send the caching page back with WCE cleared. */
  memset(p, 0, sizeof p);
  memcpy(p + 4, b + 4, 20);
  p[4 + 2] &= (uint8_t)~0x04;
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, p, 24, 6, 0x15, 0x10, 0, 0, 24, 0);
  assert_good(&c);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x1A, 0x08, 0x08, 0, 64, 0);
  ck_assert_int_eq(b[6] & 0x04, 0);
  /* Default values still say the configured WCE. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, sizeof b, 6, 0x1A, 0x08, 0x88, 0, 64, 0);
  ck_assert_int_eq(b[6] & 0x04, 0x04);
  /* A field that is not changeable: 26/00 pointing at it. */
  p[4 + 4] ^= 0x01;
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, p, 24, 6, 0x15, 0x10, 0, 0, 24, 0);
  assert_sense(&c, 5, 0x26, 0);
  sim_scsi_sense_info si;
  sim_scsi_sense_decode(c.sense, c.sense_len, &si);
  ck_assert(si.sksv && !si.cd);
  ck_assert_int_eq(si.field, 8);
  p[4 + 4] ^= 0x01;
  /* PF = 0, SP = 1, a short list, a list longer than the data. */
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, p, 24, 6, 0x15, 0x00, 0, 0, 24, 0);
  assert_field(&c, 1, 4);
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, p, 24, 6, 0x15, 0x11, 0, 0, 24, 0);
  assert_field(&c, 1, 0);
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, p, 24, 6, 0x15, 0x10, 0, 0, 10, 0);
  assert_sense(&c, 5, 0x1A, 0);
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, p, 24, 6, 0x15, 0x10, 0, 0, 30, 0);
  ck_assert_int_eq(c.xport, SIM_SCSI_XPORT_FAILURE);
  /* MODE SELECT(10) with a block descriptor of the right block length. */
  uint8_t q[8 + 8 + 20];
  memset(q, 0, sizeof q);
  q[7] = 8;
  q[8 + 6] = 0x02;
  memcpy(q + 16, b + 4, 20);
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, q, sizeof q, 10, 0x55, 0x10, 0, 0, 0, 0, 0, 0, sizeof q, 0);
  assert_good(&c);
  q[8 + 6] = 0x04; /* another block length */
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, q, sizeof q, 10, 0x55, 0x10, 0, 0, 0, 0, 0, 0, sizeof q, 0);
  assert_sense(&c, 5, 0x26, 0);
}
END_TEST

/* --- faults and unit attention (execute) ------------------------------------ */

static void faults_cfg(sim_scsi_unit_config *c)
{
  c->nfaults = 3;
  c->faults[0] = (sim_scsi_fault){.kind = SIM_SCSI_FAULT_UA_AT_START, .opcode = -1};
  c->faults[1] = (sim_scsi_fault){.kind = SIM_SCSI_FAULT_MEDIUM, .opcode = -1, .lba = 100, .count = 10};
  c->faults[2] = (sim_scsi_fault){.kind = SIM_SCSI_FAULT_SENSE, .opcode = 0x00, .every_nth = 3,
                                  .key = 1, .asc = 0x5D, .ascq = 0};
}

START_TEST(test_faults_execute)
{
  uint8_t b[4096];
  /* INQUIRY skips the UA; TUR reports it once. */
  sim_scsi_cmd c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 36, 6, 0x12, 0, 0, 0, 36, 0); /* #1 */
  assert_good(&c);
  c = exec_cdb(0, 0, NULL, 0, 6, 0, 0, 0, 0, 0, 0); /* #2 */
  assert_sense(&c, 6, 0x29, 0);
  /* #3: every third command that is a TUR: the injected sense. */
  c = exec_cdb(0, 0, NULL, 0, 6, 0, 0, 0, 0, 0, 0);
  assert_sense(&c, 1, 0x5D, 0);
  c = exec_cdb(0, 0, NULL, 0, 6, 0, 0, 0, 0, 0, 0); /* #4 */
  assert_good(&c);
  /* A READ over 95..104 fails at 100 with VALID and INFORMATION. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 4096, 10, 0x28, 0, 0, 0, 0, 95, 0, 0, 8, 0); /* #5 */
  assert_sense(&c, 3, 0x11, 0);
  ck_assert_int_eq(c.sense[0], 0xF0);
  ck_assert_int_eq(c.sense[6], 100);
  ck_assert_uint_eq(c.resid, 4096);
  /* Starting inside the range: the first LBA read. */
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 512, 6, 0x08, 0, 0, 105, 1, 0); /* #6: also nth 3 but not TUR */
  assert_sense(&c, 3, 0x11, 0);
  ck_assert_int_eq(c.sense[6], 105);
  /* Writes there are fine (the rule does not say writes). */
  c = exec_cdb(0, SIM_SCSI_DIR_OUT, b, 512, 10, 0x2A, 0, 0, 0, 0, 101, 0, 0, 1, 0);
  assert_good(&c);
  c = exec_cdb(0, SIM_SCSI_DIR_IN, b, 512, 10, 0x28, 0, 0, 0, 0, 110, 0, 0, 1, 0);
  assert_good(&c);
}
END_TEST

/* --- the bus: events, latency, queue depth, abort, resets --------------------- */

enum { MAXLOG = 64 };
static sim_scsi_cmd *done_log[MAXLOG];
static uint64_t done_at[MAXLOG];
static int ndone;

static void on_done(sim_scsi_cmd *c)
{
  ck_assert_int_lt(ndone, MAXLOG);
  done_log[ndone] = c;
  done_at[ndone++] = c->t_done;
}

static void prep(sim_scsi_cmd *c, uint8_t op, uint8_t target, uint16_t lun)
{
  memset(c, 0, sizeof *c);
  c->cdb[0] = op;
  c->cdb_len = (uint8_t)sim_scsi_cdb_len_for(op);
  c->target = target;
  c->lun = lun;
  c->done = on_done;
}

static void lat_cfg(sim_scsi_unit_config *c)
{
  c->queue_depth = 2;
  c->latency.lat[SIM_SCSI_CLASS_OTHER] = (sim_scsi_lat){SIM_SCSI_LAT_FIXED, 1 * MS, 0};
  c->latency.lat[SIM_SCSI_CLASS_READ] = (sim_scsi_lat){SIM_SCSI_LAT_FIXED, 2 * MS, 0};
  c->latency.rate = 512000; /* 512 bytes per ms */
}

START_TEST(test_bus_events)
{
  ndone = 0;
  static uint8_t buf[2048];
  sim_scsi_cmd a, r, t;
  prep(&a, 0x00, 0, 0);
  prep(&r, 0x28, 0, 0);
  r.cdb[8] = 4; /* 4 blocks: 2 ms + 4 ms of transfer */
  r.dir = SIM_SCSI_DIR_IN;
  r.data = buf;
  r.data_len = sizeof buf;
  prep(&t, 0x00, 0, 0);
  ck_assert_int_eq(sim_scsi_submit(F.bus, &r), SIM_SCSI_OK);
  ck_assert_int_eq(sim_scsi_submit(F.bus, &a), SIM_SCSI_OK);
  ck_assert_int_eq(sim_scsi_submit(F.bus, &a), SIM_SCSI_EBUSY);
  /* Queue depth 2: the third gets TASK SET FULL, at once (but later). */
  ck_assert_int_eq(sim_scsi_submit(F.bus, &t), SIM_SCSI_OK);
  ck_assert_int_eq(ndone, 0); /* never from inside submit */
  ck_assert_uint_eq(sim_scsi_inflight(F.bus, F.u), 3);
  sim_world_run(&F.w, UINT64_MAX, 0);
  ck_assert_int_eq(ndone, 3);
  ck_assert_ptr_eq(done_log[0], &t);
  ck_assert_uint_eq(done_at[0], 0);
  ck_assert_int_eq(t.status, SIM_SCSI_TASK_SET_FULL);
  ck_assert_int_eq(t.sense_len, 0);
  ck_assert_ptr_eq(done_log[1], &a);
  ck_assert_uint_eq(done_at[1], 1 * MS);
  ck_assert_ptr_eq(done_log[2], &r);
  ck_assert_uint_eq(done_at[2], 6 * MS);
  ck_assert_int_eq(r.status, SIM_SCSI_GOOD);
  ck_assert_uint_eq(r.t_submit, 0);
  ck_assert_uint_eq(r.t_done, 6 * MS);
  ck_assert(r.tag == 1 && a.tag == 2 && t.tag == 3); /* the refused resubmit took no tag */
  sim_scsi_unit_stats st = sim_scsi_unit_get_stats(F.u);
  ck_assert_uint_eq(st.task_set_full, 1);
  ck_assert_uint_eq(st.max_inflight, 3);
  ck_assert_uint_eq(sim_scsi_inflight(F.bus, NULL), 0);
  /* Bad submissions change nothing. */
  sim_scsi_cmd bad;
  prep(&bad, 0x00, 0, 0);
  bad.cdb_len = 0;
  ck_assert_int_eq(sim_scsi_submit(F.bus, &bad), SIM_SCSI_EINVAL);
  prep(&bad, 0x00, 16, 0);
  ck_assert_int_eq(sim_scsi_submit(F.bus, &bad), SIM_SCSI_EINVAL);
  prep(&bad, 0x00, 0, 0);
  bad.done = NULL;
  ck_assert_int_eq(sim_scsi_submit(F.bus, &bad), SIM_SCSI_EINVAL);
  prep(&bad, 0x00, 0, 0);
  bad.data_len = 4;
  ck_assert_int_eq(sim_scsi_submit(F.bus, &bad), SIM_SCSI_EINVAL);
}
END_TEST

START_TEST(test_selection_timeout)
{
  ndone = 0;
  sim_scsi_cmd c, i;
  prep(&c, 0x00, 3, 0);
  prep(&i, 0x00, 7, 0); /* the initiator's own ID */
  ck_assert_int_eq(sim_scsi_submit(F.bus, &c), SIM_SCSI_OK);
  ck_assert_int_eq(sim_scsi_submit(F.bus, &i), SIM_SCSI_OK);
  sim_world_run(&F.w, UINT64_MAX, 0);
  ck_assert_int_eq(ndone, 2);
  ck_assert_uint_eq(done_at[0], 250 * MS);
  ck_assert_int_eq(c.xport, SIM_SCSI_XPORT_SELECTION_TIMEOUT);
  ck_assert_int_eq(i.xport, SIM_SCSI_XPORT_SELECTION_TIMEOUT);
  sim_disk *d = sim_disk_new_memory(4096);
  ck_assert_int_eq(sim_scsi_attach(F.bus, 7, 0, d, &F.cfg, NULL), SIM_SCSI_EINVAL);
  ck_assert_int_eq(sim_scsi_attach(F.bus, 0, 0, d, &F.cfg, NULL), SIM_SCSI_EBUSY);
  sim_scsi_unit_config bad = F.cfg;
  bad.block_size = 520;
  ck_assert_int_eq(sim_scsi_attach(F.bus, 1, 0, d, &bad, NULL), SIM_SCSI_EINVAL);
  bad = F.cfg;
  bad.blocks = 9; /* more than 4096 bytes hold */
  ck_assert_int_eq(sim_scsi_attach(F.bus, 1, 0, d, &bad, NULL), SIM_SCSI_EINVAL);
  bad = F.cfg;
  bad.queue_depth = 0;
  ck_assert_int_eq(sim_scsi_attach(F.bus, 1, 0, d, &bad, NULL), SIM_SCSI_EINVAL);
  sim_scsi_bus_free(F.bus);
  F.bus = NULL;
  sim_disk_close(d);
}
END_TEST

static void hang_cfg(sim_scsi_unit_config *c)
{
  c->latency.lat[SIM_SCSI_CLASS_WRITE] = (sim_scsi_lat){SIM_SCSI_LAT_FIXED, 5 * MS, 0};
  c->latency.lat[SIM_SCSI_CLASS_OTHER] = (sim_scsi_lat){SIM_SCSI_LAT_FIXED, 5 * MS, 0};
  c->nfaults = 1;
  c->faults[0] = (sim_scsi_fault){.kind = SIM_SCSI_FAULT_TIMEOUT, .opcode = 0x00, .times = 1};
}

START_TEST(test_abort_and_hang)
{
  ndone = 0;
  static uint8_t w[512];
  memset(w, 0x77, sizeof w);
  sim_scsi_cmd h, wr, t2;
  prep(&h, 0x00, 0, 0); /* hangs */
  prep(&wr, 0x2A, 0, 0);
  wr.cdb[8] = 1;
  wr.dir = SIM_SCSI_DIR_OUT;
  wr.data = w;
  wr.data_len = 512;
  prep(&t2, 0x00, 0, 0);
  ck_assert_int_eq(sim_scsi_submit(F.bus, &h), SIM_SCSI_OK);
  ck_assert_int_eq(sim_scsi_submit(F.bus, &wr), SIM_SCSI_OK);
  ck_assert_int_eq(sim_scsi_submit(F.bus, &t2), SIM_SCSI_OK);
  sim_world_run(&F.w, 1 * MS, 0);
  /* Abort the write before it completes: done runs inside abort, the
   * disk is untouched. */
  ck_assert_int_eq(sim_scsi_abort(F.bus, &wr), SIM_SCSI_OK);
  ck_assert_int_eq(ndone, 1);
  ck_assert_int_eq(wr.xport, SIM_SCSI_XPORT_ABORTED);
  ck_assert_int_eq(sim_scsi_abort(F.bus, &wr), SIM_SCSI_ENOENT);
  sim_world_run(&F.w, UINT64_MAX, 0);
  ck_assert_int_eq(ndone, 2); /* t2; h never completes */
  ck_assert_ptr_eq(done_log[1], &t2);
  ck_assert_int_eq(t2.status, SIM_SCSI_GOOD);
  ck_assert_uint_eq(sim_scsi_inflight(F.bus, F.u), 1);
  uint8_t z[512];
  ck_assert_int_eq(sim_disk_read(F.disk, 0, z, 512), 0);
  ck_assert_int_eq(z[0], 0);
  ck_assert_int_eq(sim_scsi_abort(F.bus, &h), SIM_SCSI_OK);
  ck_assert_int_eq(h.xport, SIM_SCSI_XPORT_ABORTED);
  ck_assert_uint_eq(sim_scsi_inflight(F.bus, NULL), 0);
}
END_TEST

START_TEST(test_resets)
{
  ndone = 0;
  sim_disk *d2 = sim_disk_new_memory(4096);
  sim_scsi_unit *u1;
  ck_assert_int_eq(sim_scsi_attach(F.bus, 1, 0, d2, &F.cfg, &u1), SIM_SCSI_OK);
  sim_scsi_cmd a, b, c;
  prep(&a, 0x12, 0, 0);
  prep(&b, 0x00, 1, 0);
  prep(&c, 0x00, 0, 0);
  sim_scsi_submit(F.bus, &a);
  sim_scsi_submit(F.bus, &b);
  sim_scsi_submit(F.bus, &c);
  ck_assert_int_eq(sim_scsi_lun_reset(F.bus, 0, 0), 2);
  ck_assert_int_eq(ndone, 2);
  ck_assert(done_log[0] == &a && done_log[1] == &c);
  ck_assert_int_eq(a.xport, SIM_SCSI_XPORT_RESET);
  ck_assert_int_eq(sim_scsi_lun_reset(F.bus, 0, 9), SIM_SCSI_ENOENT);
  ck_assert_int_eq(sim_scsi_target_reset(F.bus, 4), SIM_SCSI_ENOENT);
  /* The reset unit reports 29/00 next; the other one nothing. */
  sim_scsi_cmd x = exec_cdb(0, 0, NULL, 0, 6, 0, 0, 0, 0, 0, 0);
  assert_sense(&x, 6, 0x29, 0);
  x = exec_cdb(0, 0, NULL, 0, 6, 0, 0, 0, 0, 0, 0);
  assert_good(&x);
  ck_assert_int_eq(sim_scsi_bus_reset(F.bus), 1);
  ck_assert_ptr_eq(done_log[2], &b);
  x = exec_cdb(0, 0, NULL, 0, 6, 0, 0, 0, 0, 0, 0);
  assert_sense(&x, 6, 0x29, 0x02);
  ck_assert_int_eq(sim_scsi_target_reset(F.bus, 0), 0);
  x = exec_cdb(0, 0, NULL, 0, 6, 0, 0, 0, 0, 0, 0);
  assert_sense(&x, 6, 0x29, 0x00);
  sim_scsi_unit_stats st = sim_scsi_unit_get_stats(F.u);
  ck_assert_uint_eq(st.reset, 2);
  sim_scsi_bus_free(F.bus);
  F.bus = NULL;
  sim_disk_close(d2);
}
END_TEST

/* Run a fixed workload with random latency and faults; return a digest of
 * the completion order, times and statuses. */
static uint64_t workload(uint64_t seed)
{
  sim_world w;
  sim_world_init(&w);
  sim_scsi_bus_config bc;
  sim_scsi_bus_config_default(&bc);
  bc.seed = seed;
  sim_scsi_bus *bus = sim_scsi_bus_new(&w, &bc);
  sim_disk *d = sim_disk_new_memory(1u << 16);
  sim_scsi_unit_config cfg;
  sim_scsi_unit_config_default(&cfg);
  cfg.latency.lat[SIM_SCSI_CLASS_OTHER] = (sim_scsi_lat){SIM_SCSI_LAT_EXPONENTIAL, MS, 0};
  cfg.nfaults = 1;
  cfg.faults[0] = (sim_scsi_fault){.kind = SIM_SCSI_FAULT_SENSE, .opcode = -1, .permille = 300,
                                   .key = 4, .asc = 0x44};
  sim_scsi_attach(bus, 2, 0, d, &cfg, NULL);
  static sim_scsi_cmd c[32];
  ndone = 0;
  for (int i = 0; i < 32; i++) {
    prep(&c[i], 0x00, 2, 0);
    sim_scsi_submit(bus, &c[i]);
  }
  uint64_t h = 1469598103934665603ull;
  while (sim_world_step(&w)) {
  }
  for (int i = 0; i < 32; i++)
    h = (h ^ (uint64_t)(c[i].t_done * 31 + c[i].status)) * 1099511628211ull;
  sim_scsi_bus_free(bus);
  sim_disk_close(d);
  sim_world_free(&w);
  return h;
}

START_TEST(test_determinism)
{
  uint64_t a = workload(7), b = workload(7), c = workload(8);
  ck_assert_uint_eq(a, b);
  ck_assert_uint_ne(a, c);
}
END_TEST

static void trace_hook(void *ctx, const sim_scsi_trace_rec *r)
{
  char *s = ctx;
  size_t l = strlen(s);
  snprintf(s + l, 256 - l, "%s:%llu ", sim_scsi_ev_name(r->ev), (unsigned long long)r->tag);
}

START_TEST(test_trace_records)
{
  char log[256] = "";
  sim_scsi_set_trace(F.bus, trace_hook, log);
  uint8_t b[512];
  exec_cdb(0, SIM_SCSI_DIR_IN, b, 512, 10, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
  exec_cdb(0, 0, NULL, 0, 6, 0xFF, 0, 0, 0, 0, 0);
  sim_scsi_lun_reset(F.bus, 0, 0);
  ck_assert_str_eq(log, "scsi-command:1 scsi-data:1 scsi-status:1 scsi-command:2 scsi-status:2 "
                        "scsi-reset:0 ");
}
END_TEST

static void setup_bs2048(void) { setup_with(bs2048); }
static void setup_ro(void) { setup_with(ro); }
static void setup_faults(void) { setup_with(faults_cfg); }
static void setup_lat(void) { setup_with(lat_cfg); }
static void setup_hang(void) { setup_with(hang_cfg); }

Suite *scsi_suite(void)
{
  Suite *s = suite_create("scsi");
  TCase *tc = tcase_create("unit");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_names_and_cdb);
  tcase_add_test(tc, test_cdb_text);
  tcase_add_test(tc, test_sense_decode);
  tcase_add_test(tc, test_unknown_opcode_and_short_cdb);
  tcase_add_test(tc, test_tur_and_request_sense);
  tcase_add_test(tc, test_inquiry);
  tcase_add_test(tc, test_missing_lun);
  tcase_add_test(tc, test_report_luns);
  tcase_add_test(tc, test_read_capacity);
  tcase_add_test(tc, test_read_write);
  tcase_add_test(tc, test_rw_errors);
  tcase_add_test(tc, test_verify_and_sync);
  tcase_add_test(tc, test_start_stop_prevent);
  tcase_add_test(tc, test_mode_sense);
  tcase_add_test(tc, test_mode_select);
  tcase_add_test(tc, test_trace_records);
  tcase_add_test(tc, test_selection_timeout);
  tcase_add_test(tc, test_resets);
  tcase_add_test(tc, test_determinism);
  suite_add_tcase(s, tc);
  const struct {
    const char *name;
    void (*setup)(void);
    const TTest *test;
  } cases[] = {
    {"bs2048", setup_bs2048, test_block_size},
    {"read-only", setup_ro, test_read_only},
    {"faults", setup_faults, test_faults_execute},
    {"latency", setup_lat, test_bus_events},
    {"hang", setup_hang, test_abort_and_hang},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    TCase *t = tcase_create(cases[i].name);
    tcase_add_checked_fixture(t, cases[i].setup, teardown);
    tcase_add_test(t, cases[i].test);
    suite_add_tcase(s, t);
  }
  return s;
}
