/*
 * sim/disk/disk.h - the block stores behind simulated disks: disk image
 * files (recognised from their bytes) and memory.
 *
 * An image is recognised from its contents, never from its name: a
 * whole-device image with an Apple Partition Map, a bare HFS or HFS+
 * volume, a Disk Copy 4.2 image, an ISO 9660 image, or unknown. A store
 * presents a whole device: an image with a partition map as it is; a bare
 * volume or a Disk Copy 4.2 image behind a driver descriptor map and a
 * partition map that the store makes up in memory (the file is never
 * rewritten to add them). Offsets below are in the presented device.
 *
 * Durability contract: sim_disk_write returns once the bytes are in the
 * file (pwrite; any reader of the file sees them); sim_disk_sync makes
 * them durable (fsync). A store opened without SIM_DISK_WRITABLE has a
 * read-only descriptor, and a writable one holds an exclusive lock on the
 * file (flock) so that a second writer is refused with a clear error.
 * Nothing here allocates after open.
 */
#ifndef SIM_DISK_H
#define SIM_DISK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SIM_DISK_MAX_PARTS 64u

typedef enum sim_disk_format {
  SIM_DISK_FMT_UNKNOWN = 0, /* nothing recognised */
  SIM_DISK_FMT_EMPTY,       /* a file of 0 bytes */
  SIM_DISK_FMT_APM,         /* Apple Partition Map ('ER' and/or 'PM' entries) */
  SIM_DISK_FMT_HFS,         /* bare HFS volume ('BD' at 1024) */
  SIM_DISK_FMT_HFSPLUS,     /* bare HFS+ volume ('H+' at 1024) */
  SIM_DISK_FMT_DC42,        /* Disk Copy 4.2 image */
  SIM_DISK_FMT_ISO9660,     /* ISO 9660 ('CD001' at 32769) */
  SIM_DISK_FMT_MEMORY       /* a memory store (no image) */
} sim_disk_format;

typedef enum sim_disk_vol_kind {
  SIM_DISK_VOL_NONE = 0,
  SIM_DISK_VOL_HFS,
  SIM_DISK_VOL_HFSPLUS
} sim_disk_vol_kind;

/* A volume found where one was looked for (a bare image, a partition). */
typedef struct sim_disk_vol {
  uint8_t  kind;          /* sim_disk_vol_kind */
  char     name[32];      /* HFS: the Pascal name, MacRoman bytes, NUL-terminated */
  uint32_t block_size;    /* allocation block size */
  uint32_t total_blocks;  /* allocation blocks */
  uint32_t free_blocks;
  uint64_t bytes;         /* block_size * total_blocks */
} sim_disk_vol;

typedef struct sim_disk_part {
  char     name[33], type[33];
  uint32_t start, blocks;           /* in 512-byte map blocks */
  uint32_t data_start, data_count;  /* logical data area in the partition */
  uint32_t status;
  uint8_t  is_driver;               /* Apple_Driver* / Apple_FWDriver partition */
  uint8_t  beyond_end;              /* extends past the end of the image */
  sim_disk_vol vol;                 /* Apple_HFS: the volume inside */
} sim_disk_part;

typedef struct sim_disk_image {
  uint8_t  format;       /* sim_disk_format */
  uint64_t file_size;
  /* APM */
  uint8_t  has_ddm;      /* block 0 is 'ER' */
  uint16_t ddm_block_size;
  uint32_t ddm_block_count;
  uint16_t ddm_drivers;
  uint32_t map_entries;  /* pmMapBlkCnt of the first entry */
  uint32_t nparts;       /* entries read (at most SIM_DISK_MAX_PARTS) */
  sim_disk_part parts[SIM_DISK_MAX_PARTS];
  /* HFS / HFS+ bare, or the volume inside a Disk Copy image */
  sim_disk_vol vol;
  /* Disk Copy 4.2 */
  char     dc_name[64];
  uint32_t dc_data_size, dc_tag_size, dc_checksum, dc_checksum_computed;
  uint8_t  dc_checksum_ok, dc_encoding, dc_format;
  /* ISO 9660 */
  char     iso_volume_id[33];
  uint32_t iso_blocks;   /* volume space size, logical blocks */
  uint16_t iso_block_size;
  /* Where the device's bytes start in the file, and how many there are
   * (a Disk Copy image: 84 and its data size; otherwise 0 and file_size). */
  uint64_t data_offset, data_size;
  /* Problems worth telling the user (truncated, bad checksum, ...), one
   * line each, NUL-terminated; empty when none. */
  char     notes[256];
} sim_disk_image;

/* Recognise the image in the open file fd (read with pread only).
 * Returns 0 and fills *out, or -1 when the file cannot be read or is a
 * directory (errno set).
 * Never trusts a field of the image to stay within the file. */
int sim_disk_sniff_fd(int fd, sim_disk_image *out);

/* "unknown", "empty", "apm", "hfs", "hfs+", "dc42", "iso9660", "memory". */
const char *sim_disk_format_name(unsigned fmt);

typedef struct sim_disk sim_disk;

enum {
  SIM_DISK_WRITABLE = 1u, /* open read-write, locked against a second writer */
  SIM_DISK_RAW      = 2u  /* present the file as it is: no made-up map */
};

/* Open the image at path. Returns a store, or NULL with a message (naming
 * the file and the reason: cannot open, locked by another writer, ...) in
 * err. An unknown format is presented raw. */
sim_disk *sim_disk_open(const char *path, unsigned flags, char *err, size_t errlen);
/* A zero-filled writable memory store of `bytes` bytes; NULL when out of
 * memory or bytes is 0. */
sim_disk *sim_disk_new_memory(uint64_t bytes);
/* Sync (if writable), unlock, close and free. Returns 0, or -1 when the
 * final sync failed. NULL is a no-op. */
int sim_disk_close(sim_disk *d);

/* Bytes of the presented device. */
uint64_t sim_disk_size(const sim_disk *d);
/* 1 if writes are allowed. */
int sim_disk_writable(const sim_disk *d);
/* What the image was recognised as (format MEMORY for a memory store). */
const sim_disk_image *sim_disk_info(const sim_disk *d);
/* Bytes at the front of the device that the store made up (the presented
 * map), 0 when the file is presented as it is. */
uint64_t sim_disk_presented_bytes(const sim_disk *d);

/* Read or write len bytes at off of the presented device. Return 0;
 * SIM_DISK_ERANGE beyond the end; SIM_DISK_EROFS for a write to a
 * read-only store or to the made-up map; SIM_DISK_EIO when the file
 * failed (nothing was written when a write is refused before I/O). */
enum { SIM_DISK_OK = 0, SIM_DISK_ERANGE = -1, SIM_DISK_EROFS = -2, SIM_DISK_EIO = -3 };
int sim_disk_read(sim_disk *d, uint64_t off, void *buf, size_t len);
int sim_disk_write(sim_disk *d, uint64_t off, const void *buf, size_t len);
/* Make every write so far durable (fsync; no-op for memory). Returns 0 or
 * SIM_DISK_EIO. */
int sim_disk_sync(sim_disk *d);

/*
 * How an image store moves its file's bytes: pread and pwrite by default;
 * real-time mode (sim/rt/rt_file.h) gives one that runs them on libuv's
 * thread pool. Each function moves at most len bytes at file offset off
 * and returns the count moved, or a negative errno value (-EINTR is
 * retried). The call returns when the bytes moved: sim_disk_read and
 * sim_disk_write keep their contract whichever way runs them.
 */
typedef struct sim_disk_io {
  long (*read)(void *ctx, int fd, void *buf, size_t len, uint64_t off);
  long (*write)(void *ctx, int fd, const void *buf, size_t len, uint64_t off);
  void *ctx;
} sim_disk_io;
/* Use io (copied) for d's image reads and writes from now on; NULL goes
 * back to pread and pwrite. No effect on a memory store. */
void sim_disk_set_io(sim_disk *d, const sim_disk_io *io);

#ifdef __cplusplus
}
#endif
#endif /* SIM_DISK_H */
