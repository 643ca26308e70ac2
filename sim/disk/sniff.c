/*
 * sim/disk/sniff.c - recognising a disk image from its bytes (never its
 * name): Disk Copy 4.2 (magic 0x0100 at 0x52 and sizes that add up to the
 * file), an Apple Partition Map ('ER' in block 0 and/or 'PM' entries from
 * block 1), a bare HFS or HFS+ volume ('BD' / 'H+' at byte 1024), ISO 9660
 * ('CD001' at 32769), in that order; else unknown.
 *
 * Every field read from the image is treated as hostile: counts are capped,
 * offsets checked against the file size, strings cut and terminated.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/bytes.h"
#include "disk/disk.h"

/* Read n bytes at off; returns the bytes read (short at the end of the
 * file, or on error: the rest is zeroed). */
static size_t rd(int fd, uint64_t off, void *buf, size_t n)
{
  size_t got = 0;
  while (got < n) {
    ssize_t k = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      break;
    got += (size_t)k;
  }
  memset((uint8_t *)buf + got, 0, n - got);
  return got;
}

static void note(sim_disk_image *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(sim_disk_image *im, const char *fmt, ...)
{
  size_t l = strlen(im->notes);
  if (l + 2 >= sizeof im->notes)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(im->notes + l, sizeof im->notes - l, fmt, ap);
  va_end(ap);
  l = strlen(im->notes);
  if (l + 1 < sizeof im->notes) {
    im->notes[l] = '\n';
    im->notes[l + 1] = '\0';
  }
}

static void cstr(char *dst, const uint8_t *src, size_t n)
{
  size_t i = 0;
  for (; i < n && src[i] != 0; i++)
    dst[i] = (char)src[i];
  dst[i] = '\0';
}

/* A volume header at byte off (the start of the volume): 'BD' or 'H+'. */
static void sniff_vol(int fd, uint64_t off, uint64_t file_size, sim_disk_vol *v,
                      sim_disk_image *im)
{
  uint8_t b[512];
  memset(v, 0, sizeof *v);
  if (rd(fd, off + 1024, b, sizeof b) < 64)
    return;
  uint32_t sig = sim_be16(b);
  if (sig == 0x4244) { /* HFS master directory block */
    uint32_t bs = sim_be32(b + 20);
    if (bs == 0 || bs % 512 != 0)
      return;
    v->kind = SIM_DISK_VOL_HFS;
    size_t nl = b[36] > 27 ? 27 : b[36];
    memcpy(v->name, b + 37, nl);
    v->name[nl] = '\0';
    v->block_size = bs;
    v->total_blocks = sim_be16(b + 18);
    v->free_blocks = sim_be16(b + 34);
    v->bytes = (uint64_t)bs * v->total_blocks;
    if (sim_be16(b + 124) == 0x482B)
      note(im, "the HFS volume wraps an HFS+ volume");
  } else if (sig == 0x482B || sig == 0x4858) { /* HFS+ / HFSX volume header */
    uint32_t bs = sim_be32(b + 40);
    if (bs == 0 || bs % 512 != 0)
      return;
    v->kind = SIM_DISK_VOL_HFSPLUS;
    v->block_size = bs;
    v->total_blocks = sim_be32(b + 44);
    v->free_blocks = sim_be32(b + 48);
    v->bytes = (uint64_t)bs * v->total_blocks;
  } else
    return;
  /* The volume's own end (HFS: the allocation blocks start later, so this
   * is a lower bound). */
  if (off + v->bytes > file_size)
    note(im, "the volume claims %llu bytes but the image holds %llu after its start",
         (unsigned long long)v->bytes, (unsigned long long)(file_size > off ? file_size - off : 0));
}

static int sniff_dc42(int fd, sim_disk_image *im)
{
  uint8_t h[84];
  if (im->file_size < 84 || rd(fd, 0, h, sizeof h) < 84)
    return 0;
  if (sim_be16(h + 0x52) != 0x0100 || h[0] > 63)
    return 0;
  uint32_t data = sim_be32(h + 0x40), tag = sim_be32(h + 0x44);
  if (data == 0 || data % 512 != 0 || (uint64_t)84 + data + tag != im->file_size)
    return 0;
  im->format = SIM_DISK_FMT_DC42;
  memcpy(im->dc_name, h + 1, h[0]);
  im->dc_name[h[0]] = '\0';
  im->dc_data_size = data;
  im->dc_tag_size = tag;
  im->dc_checksum = sim_be32(h + 0x48);
  im->dc_encoding = h[0x50];
  im->dc_format = h[0x51];
  uint32_t sum = 0;
  uint8_t buf[8192];
  for (uint64_t off = 0; off < data; off += sizeof buf) {
    size_t n = data - off < sizeof buf ? (size_t)(data - off) : sizeof buf;
    rd(fd, 84 + off, buf, n);
    for (size_t i = 0; i + 1 < n; i += 2) {
      sum += sim_be16(buf + i);
      sum = sum >> 1 | sum << 31;
    }
  }
  im->dc_checksum_computed = sum;
  im->dc_checksum_ok = sum == im->dc_checksum;
  if (!im->dc_checksum_ok)
    note(im, "Disk Copy data checksum is %08llx, the header says %08llx",
         (unsigned long long)sum, (unsigned long long)im->dc_checksum);
  im->data_offset = 84;
  im->data_size = data;
  sniff_vol(fd, 84, 84 + (uint64_t)data, &im->vol, im);
  return 1;
}

static int is_driver_type(const char *t)
{
  return strncmp(t, "Apple_Driver", 12) == 0 || strcmp(t, "Apple_FWDriver") == 0;
}

/* Read the map entries at byte stride `unit`; returns entries found. */
static uint32_t read_map(int fd, sim_disk_image *im, uint32_t unit)
{
  uint8_t e[512];
  im->nparts = 0;
  if (rd(fd, unit, e, sizeof e) < 136 || sim_be16(e) != 0x504D)
    return 0;
  uint32_t count = sim_be32(e + 4);
  im->map_entries = count;
  if (count > SIM_DISK_MAX_PARTS) {
    note(im, "the map says %llu entries; only the first %llu are read",
         (unsigned long long)count, (unsigned long long)SIM_DISK_MAX_PARTS);
    count = SIM_DISK_MAX_PARTS;
  }
  for (uint32_t i = 0; i < count; i++) {
    uint64_t off = (uint64_t)unit * (i + 1);
    if (rd(fd, off, e, sizeof e) < 136) {
      note(im, "the map is cut short: entry %llu of %llu is past the end of the image",
           (unsigned long long)i + 1, (unsigned long long)im->map_entries);
      break;
    }
    if (sim_be16(e) != 0x504D) {
      note(im, "map entry %llu has no 'PM' signature; the map ends at %llu entries",
           (unsigned long long)i + 1, (unsigned long long)i);
      break;
    }
    sim_disk_part *p = &im->parts[im->nparts++];
    memset(p, 0, sizeof *p);
    p->start = sim_be32(e + 8);
    p->blocks = sim_be32(e + 12);
    cstr(p->name, e + 16, 32);
    cstr(p->type, e + 48, 32);
    p->data_start = sim_be32(e + 80);
    p->data_count = sim_be32(e + 84);
    p->status = sim_be32(e + 88);
    p->is_driver = (uint8_t)is_driver_type(p->type);
    uint64_t end = ((uint64_t)p->start + p->blocks) * unit;
    p->beyond_end = end > im->file_size;
    if (strcmp(p->type, "Apple_HFS") == 0 && !p->beyond_end)
      sniff_vol(fd, ((uint64_t)p->start + p->data_start) * unit, im->file_size, &p->vol, im);
  }
  return im->nparts;
}

static int sniff_apm(int fd, sim_disk_image *im)
{
  uint8_t b[512];
  rd(fd, 0, b, sizeof b);
  if (sim_be16(b) == 0x4552) {
    im->has_ddm = 1;
    im->ddm_block_size = (uint16_t)sim_be16(b + 2);
    im->ddm_block_count = sim_be32(b + 4);
    im->ddm_drivers = (uint16_t)sim_be16(b + 16);
  }
  uint32_t n = read_map(fd, im, 512);
  uint32_t bs = im->ddm_block_size;
  if (n == 0 && im->has_ddm && bs != 512 && bs >= 1024 && bs <= 4096 && bs % 512 == 0)
    n = read_map(fd, im, bs); /* entries one device block apart */
  if (n == 0 && !im->has_ddm)
    return 0;
  if (n == 0)
    note(im, "block 0 is a driver descriptor map, but no partition map follows");
  im->format = SIM_DISK_FMT_APM;
  return 1;
}

static void sniff_iso(int fd, sim_disk_image *im)
{
  uint8_t b[2048];
  if (rd(fd, 32768, b, sizeof b) < 2048 || b[0] != 1 || memcmp(b + 1, "CD001", 5) != 0)
    return;
  size_t n = 32;
  memcpy(im->iso_volume_id, b + 40, n);
  im->iso_volume_id[n] = '\0';
  while (n > 0 && im->iso_volume_id[n - 1] == ' ')
    im->iso_volume_id[--n] = '\0';
  im->iso_blocks = sim_le32(b + 80);
  im->iso_block_size = (uint16_t)(b[128] | b[129] << 8);
  if (im->format == SIM_DISK_FMT_UNKNOWN)
    im->format = SIM_DISK_FMT_ISO9660;
}

int sim_disk_sniff_fd(int fd, sim_disk_image *im)
{
  struct stat st;
  memset(im, 0, sizeof *im);
  if (fstat(fd, &st) != 0)
    return -1;
  if (S_ISDIR(st.st_mode)) { /* its size is the directory's, not a disk's */
    errno = EISDIR;
    return -1;
  }
  im->file_size = (uint64_t)st.st_size;
  im->data_size = im->file_size;
  if (im->file_size == 0) {
    im->format = SIM_DISK_FMT_EMPTY;
    return 0;
  }
  if (!sniff_dc42(fd, im) && !sniff_apm(fd, im)) {
    sniff_vol(fd, 0, im->file_size, &im->vol, im);
    if (im->vol.kind == SIM_DISK_VOL_HFS)
      im->format = SIM_DISK_FMT_HFS;
    else if (im->vol.kind == SIM_DISK_VOL_HFSPLUS)
      im->format = SIM_DISK_FMT_HFSPLUS;
  }
  sniff_iso(fd, im);
  if (im->data_size % 512 != 0)
    note(im, "the device size (%llu bytes) is not a multiple of 512: the last %llu bytes are "
             "in no block",
         (unsigned long long)im->data_size, (unsigned long long)(im->data_size % 512));
  return 0;
}

const char *sim_disk_format_name(unsigned fmt)
{
  static const char *const names[] = {"unknown", "empty", "apm", "hfs",
                                      "hfs+",    "dc42",  "iso9660", "memory"};
  return fmt < sizeof names / sizeof names[0] ? names[fmt] : "?";
}
