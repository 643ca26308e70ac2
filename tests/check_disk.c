/*
 * check_disk.c - disk image stores (sim/disk): recognising images from
 * their bytes (partition map, bare HFS and HFS+, Disk Copy 4.2 with its
 * checksum, ISO 9660, empty, unknown) including truncated, odd-sized and
 * hostile ones; the partition map presented in front of a bare volume or a
 * Disk Copy image; reads and writes through to the file; refused writes
 * that leave the file unchanged; the lock against a second writer.
 * (Images made by hfsutils are checked from tests/scsi.sh.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"
#include "base/bytes.h"
#include "disk/disk.h"

static char path[64];

/* Write n bytes of img to a new temporary file (its name in path). */
static void write_image(const uint8_t *img, size_t n)
{
  strcpy(path, "/tmp/dmsim-check-disk-XXXXXX");
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, img, n), (ssize_t)n);
  close(fd);
}

static void teardown(void)
{
  if (path[0])
    unlink(path);
  path[0] = '\0';
}

static sim_disk_image sniff(void)
{
  sim_disk_image im;
  int fd = open(path, O_RDONLY);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(sim_disk_sniff_fd(fd, &im), 0);
  close(fd);
  return im;
}

/* An HFS master directory block for a volume named name at vol + 1024. */
static void mdb(uint8_t *vol, const char *name, uint32_t alblk, uint16_t nblocks)
{
  uint8_t *m = vol + 1024;
  sim_put_be16(m, 0x4244);
  sim_put_be16(m + 18, nblocks);
  sim_put_be32(m + 20, alblk);
  sim_put_be16(m + 34, nblocks / 2);
  m[36] = (uint8_t)strlen(name);
  memcpy(m + 37, name, strlen(name));
}

static void pm(uint8_t *e, uint32_t count, uint32_t start, uint32_t blocks, const char *name,
               const char *type)
{
  sim_put_be16(e, 0x504D);
  sim_put_be32(e + 4, count);
  sim_put_be32(e + 8, start);
  sim_put_be32(e + 12, blocks);
  strcpy((char *)e + 16, name);
  strcpy((char *)e + 48, type);
  sim_put_be32(e + 84, blocks);
  sim_put_be32(e + 88, 0x37F);
}

/* A 256 KiB device: DDM, map, a driver partition and an HFS one. */
static uint8_t *apm_image(size_t *n)
{
  *n = 512 * 512;
  uint8_t *img = calloc(1, *n);
  sim_put_be16(img, 0x4552);
  sim_put_be16(img + 2, 512);
  sim_put_be32(img + 4, 512);
  sim_put_be16(img + 16, 1);
  pm(img + 512, 3, 1, 63, "Apple", "Apple_partition_map");
  pm(img + 1024, 3, 64, 32, "Macintosh", "Apple_Driver43");
  pm(img + 1536, 3, 96, 416, "MacOS", "Apple_HFS");
  mdb(img + 96 * 512, "Test Vol", 512, 400);
  return img;
}

START_TEST(test_apm)
{
  size_t n;
  uint8_t *img = apm_image(&n);
  write_image(img, n);
  free(img);
  sim_disk_image im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_APM);
  ck_assert(im.has_ddm);
  ck_assert_int_eq(im.ddm_block_size, 512);
  ck_assert_int_eq(im.ddm_drivers, 1);
  ck_assert_uint_eq(im.nparts, 3);
  ck_assert_str_eq(im.parts[1].type, "Apple_Driver43");
  ck_assert(im.parts[1].is_driver && !im.parts[2].is_driver);
  ck_assert_str_eq(im.parts[2].name, "MacOS");
  ck_assert_uint_eq(im.parts[2].start, 96);
  ck_assert_uint_eq(im.parts[2].blocks, 416);
  ck_assert_int_eq(im.parts[2].vol.kind, SIM_DISK_VOL_HFS);
  ck_assert_str_eq(im.parts[2].vol.name, "Test Vol");
  ck_assert_str_eq(im.notes, "");
  /* Presented as it is. */
  char err[256];
  sim_disk *d = sim_disk_open(path, 0, err, sizeof err);
  ck_assert_ptr_nonnull(d);
  ck_assert_uint_eq(sim_disk_size(d), n);
  ck_assert_uint_eq(sim_disk_presented_bytes(d), 0);
  ck_assert(!sim_disk_writable(d));
  uint8_t b[2];
  ck_assert_int_eq(sim_disk_write(d, 512 * 200, b, 2), SIM_DISK_EROFS);
  sim_disk_close(d);
}
END_TEST

START_TEST(test_bare_hfs_presented)
{
  size_t n = 800 * 1024;
  uint8_t *img = calloc(1, n);
  mdb(img, "Bare", 1024, 790);
  img[5000] = 0x42;
  write_image(img, n);
  sim_disk_image im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_HFS);
  ck_assert_str_eq(im.vol.name, "Bare");
  ck_assert_uint_eq(im.vol.block_size, 1024);
  ck_assert_uint_eq(im.vol.total_blocks, 790);
  char err[256];
  sim_disk *d = sim_disk_open(path, SIM_DISK_WRITABLE, err, sizeof err);
  ck_assert_ptr_nonnull(d);
  ck_assert_uint_eq(sim_disk_presented_bytes(d), 64 * 512);
  ck_assert_uint_eq(sim_disk_size(d), 64 * 512 + n);
  /* The presented device is itself a partition map with the volume. */
  uint8_t blk[512];
  ck_assert_int_eq(sim_disk_read(d, 0, blk, 512), 0);
  ck_assert(blk[0] == 'E' && blk[1] == 'R');
  ck_assert_int_eq(sim_disk_read(d, 1024, blk, 512), 0);
  ck_assert(blk[0] == 'P' && blk[1] == 'M');
  ck_assert_str_eq((char *)blk + 48, "Apple_HFS");
  ck_assert_str_eq((char *)blk + 16, "Bare");
  ck_assert_int_eq(blk[8 + 3], 64);
  /* A read across the seam. */
  uint8_t two[1024];
  ck_assert_int_eq(sim_disk_read(d, 63 * 512, two, 1024), 0);
  ck_assert_int_eq(two[0], 0);
  ck_assert_int_eq(sim_disk_read(d, 64 * 512 + 5000, two, 1), 0);
  ck_assert_int_eq(two[0], 0x42);
  /* The made-up map cannot be written; the volume can, through to the file. */
  ck_assert_int_eq(sim_disk_write(d, 0, blk, 512), SIM_DISK_EROFS);
  ck_assert_int_eq(sim_disk_write(d, 63 * 512, two, 1024), SIM_DISK_EROFS);
  ck_assert_int_eq(sim_disk_write(d, sim_disk_size(d) - 1, two, 2), SIM_DISK_ERANGE);
  memset(blk, 0x99, sizeof blk);
  ck_assert_int_eq(sim_disk_write(d, 64 * 512 + 4096, blk, 512), 0);
  /* A second writer is refused; so is a reader while it writes. */
  sim_disk *d2 = sim_disk_open(path, SIM_DISK_WRITABLE, err, sizeof err);
  ck_assert_ptr_null(d2);
  ck_assert_ptr_nonnull(strstr(err, "locked"));
  ck_assert_ptr_null(sim_disk_open(path, 0, err, sizeof err));
  ck_assert_int_eq(sim_disk_close(d), 0);
  FILE *f = fopen(path, "rb");
  uint8_t *back = malloc(n);
  ck_assert_uint_eq(fread(back, 1, n, f), n);
  fclose(f);
  ck_assert_int_eq(back[4096], 0x99);
  ck_assert_int_eq(back[0], 0); /* the file never got a map */
  ck_assert_int_eq(back[1024], 0x42);
  free(back);
  free(img);
  /* Two readers at once are fine; RAW presents the file as it is. */
  d = sim_disk_open(path, SIM_DISK_RAW, err, sizeof err);
  d2 = sim_disk_open(path, 0, err, sizeof err);
  ck_assert_ptr_nonnull(d);
  ck_assert_ptr_nonnull(d2);
  ck_assert_uint_eq(sim_disk_size(d), n);
  sim_disk_close(d);
  sim_disk_close(d2);
}
END_TEST

START_TEST(test_hfsplus)
{
  size_t n = 64 * 1024;
  uint8_t *img = calloc(1, n);
  sim_put_be16(img + 1024, 0x482B);
  sim_put_be16(img + 1026, 4);
  sim_put_be32(img + 1024 + 40, 4096);
  sim_put_be32(img + 1024 + 44, 16);
  sim_put_be32(img + 1024 + 48, 3);
  write_image(img, n);
  free(img);
  sim_disk_image im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_HFSPLUS);
  ck_assert_uint_eq(im.vol.block_size, 4096);
  ck_assert_uint_eq(im.vol.total_blocks, 16);
  ck_assert_uint_eq(im.vol.free_blocks, 3);
}
END_TEST

static uint32_t dc_sum(const uint8_t *p, size_t n)
{
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2) {
    s += (uint32_t)p[i] << 8 | p[i + 1];
    s = s >> 1 | s << 31;
  }
  return s;
}

START_TEST(test_dc42)
{
  size_t data = 409600, n = 84 + data;
  uint8_t *img = calloc(1, n);
  img[0] = 5;
  memcpy(img + 1, "Floppy", 6); /* name length says 5: "Flopp" */
  sim_put_be32(img + 0x40, (uint32_t)data);
  sim_put_be16(img + 0x52, 0x0100);
  img[0x51] = 0x02;
  mdb(img + 84, "Disk", 512, 780);
  img[84 + 3000] = 7;
  sim_put_be32(img + 0x48, dc_sum(img + 84, data));
  write_image(img, n);
  sim_disk_image im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_DC42);
  ck_assert_str_eq(im.dc_name, "Flopp");
  ck_assert_uint_eq(im.dc_data_size, data);
  ck_assert(im.dc_checksum_ok);
  ck_assert_int_eq(im.vol.kind, SIM_DISK_VOL_HFS);
  ck_assert_str_eq(im.vol.name, "Disk");
  ck_assert_uint_eq(im.data_offset, 84);
  /* Attached: map, then the data without the header. */
  char err[256];
  sim_disk *d = sim_disk_open(path, SIM_DISK_WRITABLE, err, sizeof err);
  ck_assert_ptr_nonnull(d);
  ck_assert_uint_eq(sim_disk_size(d), 64 * 512 + data);
  uint8_t b[512];
  ck_assert_int_eq(sim_disk_read(d, 64 * 512 + 3000, b, 1), 0);
  ck_assert_int_eq(b[0], 7);
  /* A write keeps the file a valid Disk Copy image: the checksum follows. */
  memset(b, 0x3C, sizeof b);
  ck_assert_int_eq(sim_disk_write(d, 64 * 512 + 8192, b, 512), 0);
  ck_assert_int_eq(sim_disk_close(d), 0);
  im = sniff();
  ck_assert(im.dc_checksum_ok);
  /* A wrong checksum is reported. */
  img[0x48] ^= 0xFF;
  unlink(path);
  write_image(img, n);
  im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_DC42);
  ck_assert(!im.dc_checksum_ok);
  ck_assert_ptr_nonnull(strstr(im.notes, "checksum"));
  /* Sizes that do not add up: not Disk Copy. */
  unlink(path);
  write_image(img, n - 1);
  im = sniff();
  ck_assert_int_ne(im.format, SIM_DISK_FMT_DC42);
  free(img);
}
END_TEST

START_TEST(test_iso_empty_unknown)
{
  size_t n = 40 * 2048;
  uint8_t *img = calloc(1, n);
  uint8_t *pvd = img + 16 * 2048;
  pvd[0] = 1;
  memcpy(pvd + 1, "CD001", 5);
  memset(pvd + 40, ' ', 32);
  memcpy(pvd + 40, "MYCD", 4);
  pvd[80] = 40;
  pvd[128] = 0x00;
  pvd[129] = 0x08;
  write_image(img, n);
  sim_disk_image im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_ISO9660);
  ck_assert_str_eq(im.iso_volume_id, "MYCD");
  ck_assert_uint_eq(im.iso_blocks, 40);
  ck_assert_uint_eq(im.iso_block_size, 2048);
  unlink(path);
  write_image(img, 0);
  im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_EMPTY);
  char err[256];
  sim_disk *d = sim_disk_open(path, 0, err, sizeof err);
  ck_assert_ptr_nonnull(d);
  ck_assert_uint_eq(sim_disk_size(d), 0);
  sim_disk_close(d);
  unlink(path);
  memset(img, 0x5A, 1000);
  write_image(img, 1000); /* odd-sized, nothing in it */
  im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_UNKNOWN);
  ck_assert_uint_eq(im.file_size, 1000);
  ck_assert_ptr_nonnull(strstr(im.notes, "not a multiple of 512"));
  free(img);
  ck_assert_ptr_null(sim_disk_open("/nonexistent/dmsim.img", 0, err, sizeof err));
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dmsim.img"));
}
END_TEST

START_TEST(test_hostile)
{
  size_t n;
  uint8_t *img = apm_image(&n);
  /* The map claims 4 billion entries, a partition runs past the end, names
   * fill all 32 bytes with no NUL, and the volume's block size is 0. */
  for (int i = 1; i <= 3; i++)
    sim_put_be32(img + 512 * i + 4, 0xFFFFFFFFu);
  sim_put_be32(img + 1536 + 12, 0x7FFFFFFF);
  memset(img + 1024 + 16, 'N', 32);
  memset(img + 1024 + 48, 0xFF, 32);
  write_image(img, n);
  sim_disk_image im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_APM);
  ck_assert_uint_eq(im.map_entries, 0xFFFFFFFFu);
  ck_assert_uint_eq(im.nparts, 3); /* the fourth block is no 'PM' entry */
  ck_assert(im.parts[2].beyond_end);
  ck_assert_int_eq(im.parts[2].vol.kind, SIM_DISK_VOL_NONE);
  ck_assert_uint_eq(strlen(im.parts[1].name), 32);
  ck_assert_ptr_nonnull(strstr(im.notes, "only the first"));
  unlink(path);
  /* Truncated: the map says 3 entries but the file ends after the second. */
  free(img);
  img = apm_image(&n);
  write_image(img, 1024 + 100); /* entry 2 has 100 of its 136 meaningful bytes */
  im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_APM);
  ck_assert_uint_eq(im.nparts, 1);
  ck_assert_ptr_nonnull(strstr(im.notes, "cut short"));
  unlink(path);
  /* An HFS volume claiming more than the file holds. */
  memset(img, 0, n);
  mdb(img, "Big", 512, 60000);
  write_image(img, 8192);
  im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_HFS);
  ck_assert_ptr_nonnull(strstr(im.notes, "claims"));
  unlink(path);
  /* An 'ER' block with nothing after it: still called a map, and said so. */
  memset(img, 0, n);
  sim_put_be16(img, 0x4552);
  sim_put_be16(img + 2, 2048);
  write_image(img, 4096);
  im = sniff();
  ck_assert_int_eq(im.format, SIM_DISK_FMT_APM);
  ck_assert_uint_eq(im.nparts, 0);
  ck_assert_ptr_nonnull(strstr(im.notes, "no partition map"));
  free(img);
}
END_TEST

/* Random images with the signatures planted where the recogniser looks:
 * it never crashes, never reads past the file, and what it reports stays
 * within bounds. */
START_TEST(test_random_images)
{
  uint64_t x = 0x9E3779B97F4A7C15ull;
  uint8_t *img = malloc(64 * 1024);
  for (int round = 0; round < 300; round++) {
    size_t n = 0;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    n = (size_t)(x % (64 * 1024));
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      img[i] = (uint8_t)x;
    }
    static const size_t spots[] = {0, 512, 1024, 1536, 2048, 0x52, 32768};
    for (size_t k = 0; k < sizeof spots / sizeof spots[0]; k++) {
      if (spots[k] + 2 > n || (x >> (k * 3)) % 3 != 0)
        continue;
      static const char *const sig[] = {"ER", "PM", "BD", "H+"};
      memcpy(img + spots[k], sig[(x >> (k * 5)) % 4], 2);
    }
    if (n > 0x54 && round % 5 == 0)
      sim_put_be16(img + 0x52, 0x0100);
    write_image(img, n);
    sim_disk_image im = sniff();
    ck_assert_uint_eq(im.file_size, n);
    ck_assert_uint_le(im.nparts, SIM_DISK_MAX_PARTS);
    ck_assert_uint_le(im.data_offset + im.data_size, n);
    ck_assert_uint_lt(strlen(im.notes), sizeof im.notes);
    for (uint32_t i = 0; i < im.nparts; i++) {
      ck_assert_uint_le(strlen(im.parts[i].name), 32);
      ck_assert_uint_le(strlen(im.parts[i].type), 32);
    }
    char err[256];
    sim_disk *d = sim_disk_open(path, 0, err, sizeof err);
    ck_assert_ptr_nonnull(d);
    uint8_t b[512];
    uint64_t sz = sim_disk_size(d);
    if (sz >= 512)
      ck_assert_int_eq(sim_disk_read(d, sz - 512, b, 512), 0);
    ck_assert_int_eq(sim_disk_read(d, sz, b, 1), SIM_DISK_ERANGE);
    sim_disk_close(d);
    unlink(path);
    path[0] = '\0';
  }
  free(img);
}
END_TEST

Suite *disk_suite(void)
{
  Suite *s = suite_create("disk");
  TCase *tc = tcase_create("images");
  tcase_add_checked_fixture(tc, NULL, teardown);
  tcase_add_test(tc, test_apm);
  tcase_add_test(tc, test_bare_hfs_presented);
  tcase_add_test(tc, test_hfsplus);
  tcase_add_test(tc, test_dc42);
  tcase_add_test(tc, test_iso_empty_unknown);
  tcase_add_test(tc, test_hostile);
  tcase_add_test(tc, test_random_images);
  suite_add_tcase(s, tc);
  return s;
}
