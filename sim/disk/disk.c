/*
 * sim/disk/disk.c - block stores (see disk.h): image files with pread /
 * pwrite / fsync and an flock against a second writer, memory stores, and
 * the partition map a store presents in front of a bare volume or a Disk
 * Copy 4.2 image (made up in memory; the file is never rewritten for it).
 *
 * A write is refused before any byte reaches the file when it would touch
 * the made-up map, go past the end, or the store is read-only. A Disk Copy
 * image that was written has its data checksum brought up to date at the
 * next sync, so the file stays a valid Disk Copy image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "base/bytes.h"
#include "disk/disk.h"

/* The presented map: block 0 driver descriptor map, block 1 the map's own
 * entry, block 2 the volume's entry; the volume starts at block 64. */
#define PRES_BLOCKS 64u

struct sim_disk {
  int            fd;       /* -1 for memory */
  uint8_t       *mem;      /* memory store */
  int            writable;
  int            dc_dirty; /* a Disk Copy image's data changed since its checksum */
  uint64_t       size;     /* presented bytes */
  uint64_t       pres;     /* made-up bytes at the front */
  uint8_t       *pres_buf; /* those bytes */
  sim_disk_image info;
  sim_disk_io    io;       /* how file bytes move (pread / pwrite by default) */
};

static void pm_entry(uint8_t *e, uint32_t start, uint32_t blocks, const char *name,
                     const char *type, uint32_t status)
{
  sim_put_be16(e, 0x504D);
  sim_put_be32(e + 4, 2);
  sim_put_be32(e + 8, start);
  sim_put_be32(e + 12, blocks);
  size_t nl = strlen(name), tl = strlen(type);
  memcpy(e + 16, name, nl < 31 ? nl : 31);
  memcpy(e + 48, type, tl < 31 ? tl : 31);
  sim_put_be32(e + 84, blocks); /* pmDataCnt: the whole partition */
  sim_put_be32(e + 88, status);
}

/* Make up the map in front of data_blocks blocks of volume. */
static int present_map(sim_disk *d, uint64_t data_blocks)
{
  if (data_blocks + PRES_BLOCKS > UINT32_MAX)
    return -1;
  d->pres = PRES_BLOCKS * 512u;
  d->pres_buf = calloc(1, (size_t)d->pres);
  if (d->pres_buf == NULL)
    return -1;
  uint8_t *b = d->pres_buf;
  sim_put_be16(b, 0x4552);
  sim_put_be16(b + 2, 512);
  sim_put_be32(b + 4, (uint32_t)(data_blocks + PRES_BLOCKS));
  pm_entry(b + 512, 1, PRES_BLOCKS - 1, "Apple", "Apple_partition_map", 0x3);
  const char *name = d->info.vol.name[0] ? d->info.vol.name : "Volume";
  pm_entry(b + 1024, PRES_BLOCKS, (uint32_t)data_blocks, name, "Apple_HFS", 0x4000037Fu);
  d->size = d->pres + data_blocks * 512u;
  return 0;
}

static void seterr(char *err, size_t len, const char *path, const char *what)
{
  if (err != NULL && len > 0)
    snprintf(err, len, "%s: %s", path, what);
}

sim_disk *sim_disk_open(const char *path, unsigned flags, char *err, size_t errlen)
{
  int wr = (flags & SIM_DISK_WRITABLE) != 0;
  int fd = open(path, (wr ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) {
    seterr(err, errlen, path, strerror(errno));
    return NULL;
  }
  /* A writer excludes everyone; readers exclude writers. */
  if (flock(fd, (wr ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    seterr(err, errlen, path,
           errno == EWOULDBLOCK
               ? (wr ? "the image is in use by another program (locked); refusing to write it"
                     : "the image is being written by another program (locked)")
               : strerror(errno));
    close(fd);
    return NULL;
  }
  sim_disk *d = calloc(1, sizeof *d);
  if (d == NULL) {
    seterr(err, errlen, path, "out of memory");
    close(fd);
    return NULL;
  }
  d->fd = fd;
  d->writable = wr;
  sim_disk_set_io(d, NULL);
  if (sim_disk_sniff_fd(fd, &d->info) != 0) {
    seterr(err, errlen, path, strerror(errno));
    sim_disk_close(d);
    return NULL;
  }
  d->size = d->info.data_size;
  uint8_t fmt = d->info.format;
  if (!(flags & SIM_DISK_RAW) &&
      (fmt == SIM_DISK_FMT_HFS || fmt == SIM_DISK_FMT_HFSPLUS || fmt == SIM_DISK_FMT_DC42) &&
      present_map(d, d->info.data_size / 512) != 0) {
    seterr(err, errlen, path, "out of memory (or an image too large to present)");
    sim_disk_close(d);
    return NULL;
  }
  return d;
}

sim_disk *sim_disk_new_memory(uint64_t bytes)
{
  if (bytes == 0 || bytes > SIZE_MAX)
    return NULL;
  sim_disk *d = calloc(1, sizeof *d);
  if (d == NULL)
    return NULL;
  d->mem = calloc(1, (size_t)bytes);
  if (d->mem == NULL) {
    free(d);
    return NULL;
  }
  d->fd = -1;
  d->writable = 1;
  d->size = bytes;
  d->info.format = SIM_DISK_FMT_MEMORY;
  d->info.file_size = d->info.data_size = bytes;
  return d;
}

int sim_disk_close(sim_disk *d)
{
  if (d == NULL)
    return 0;
  int rc = 0;
  if (d->fd >= 0) {
    if (d->writable && sim_disk_sync(d) != SIM_DISK_OK)
      rc = -1;
    close(d->fd); /* releases the lock */
  }
  free(d->mem);
  free(d->pres_buf);
  free(d);
  return rc;
}

uint64_t sim_disk_size(const sim_disk *d) { return d->size; }
int sim_disk_writable(const sim_disk *d) { return d->writable; }
const sim_disk_image *sim_disk_info(const sim_disk *d) { return &d->info; }
uint64_t sim_disk_presented_bytes(const sim_disk *d) { return d->pres; }

static long plain_read(void *ctx, int fd, void *buf, size_t len, uint64_t off)
{
  (void)ctx;
  ssize_t k = pread(fd, buf, len, (off_t)off);
  return k < 0 ? -errno : (long)k;
}

static long plain_write(void *ctx, int fd, const void *buf, size_t len, uint64_t off)
{
  (void)ctx;
  ssize_t k = pwrite(fd, buf, len, (off_t)off);
  return k < 0 ? -errno : (long)k;
}

void sim_disk_set_io(sim_disk *d, const sim_disk_io *io)
{
  static const sim_disk_io plain = { plain_read, plain_write, NULL };
  d->io = io != NULL ? *io : plain;
}

int sim_disk_read(sim_disk *d, uint64_t off, void *buf, size_t len)
{
  if (off > d->size || len > d->size - off)
    return SIM_DISK_ERANGE;
  uint8_t *p = buf;
  if (off < d->pres) {
    size_t k = d->pres - off < len ? (size_t)(d->pres - off) : len;
    memcpy(p, d->pres_buf + off, k);
    p += k;
    off += k;
    len -= k;
  }
  if (len == 0)
    return SIM_DISK_OK;
  if (d->mem != NULL) {
    memcpy(p, d->mem + off, len);
    return SIM_DISK_OK;
  }
  uint64_t foff = d->info.data_offset + (off - d->pres);
  while (len > 0) {
    long k = d->io.read(d->io.ctx, d->fd, p, len, foff);
    if (k == -EINTR)
      continue;
    if (k <= 0)
      return SIM_DISK_EIO; /* the file shrank under us, or the device failed */
    p += k;
    foff += (uint64_t)k;
    len -= (size_t)k;
  }
  return SIM_DISK_OK;
}

int sim_disk_write(sim_disk *d, uint64_t off, const void *buf, size_t len)
{
  if (off > d->size || len > d->size - off)
    return SIM_DISK_ERANGE;
  if (!d->writable || (len > 0 && off < d->pres))
    return SIM_DISK_EROFS;
  if (d->mem != NULL) {
    memcpy(d->mem + off, buf, len);
    return SIM_DISK_OK;
  }
  const uint8_t *p = buf;
  uint64_t foff = d->info.data_offset + (off - d->pres);
  if (d->info.format == SIM_DISK_FMT_DC42 && len > 0)
    d->dc_dirty = 1;
  while (len > 0) {
    long k = d->io.write(d->io.ctx, d->fd, p, len, foff);
    if (k == -EINTR)
      continue;
    if (k <= 0)
      return SIM_DISK_EIO;
    p += k;
    foff += (uint64_t)k;
    len -= (size_t)k;
  }
  return SIM_DISK_OK;
}

/* Recompute a written Disk Copy image's data checksum into its header. */
static int dc42_update(sim_disk *d)
{
  uint8_t buf[8192];
  uint32_t sum = 0;
  for (uint64_t off = 0; off < d->info.dc_data_size; off += sizeof buf) {
    size_t n = d->info.dc_data_size - off < sizeof buf ? (size_t)(d->info.dc_data_size - off)
                                                       : sizeof buf;
    if (pread(d->fd, buf, n, (off_t)(84 + off)) != (ssize_t)n)
      return -1;
    for (size_t i = 0; i + 1 < n; i += 2) {
      sum += (uint32_t)buf[i] << 8 | buf[i + 1];
      sum = sum >> 1 | sum << 31;
    }
  }
  uint8_t h[4];
  sim_put_be32(h, sum);
  if (pwrite(d->fd, h, 4, 0x48) != 4)
    return -1;
  d->info.dc_checksum = d->info.dc_checksum_computed = sum;
  d->info.dc_checksum_ok = 1;
  d->dc_dirty = 0;
  return 0;
}

int sim_disk_sync(sim_disk *d)
{
  if (d->fd < 0 || !d->writable)
    return SIM_DISK_OK;
  if (d->dc_dirty && dc42_update(d) != 0)
    return SIM_DISK_EIO;
  return fsync(d->fd) == 0 ? SIM_DISK_OK : SIM_DISK_EIO;
}
