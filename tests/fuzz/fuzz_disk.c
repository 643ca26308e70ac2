/*
 * fuzz_disk.c - libFuzzer target: the disk-image sniffer on any bytes (in
 * a memory file, read with pread as from a real image). It must never read
 * outside the file, however the image's own fields lie, and its notes must
 * stay one NUL-terminated string.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "disk/disk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static int fd = -1;
  if (fd < 0)
    fd = memfd_create("fuzz-disk", 0);
  if (fd < 0 || ftruncate(fd, 0) != 0)
    return 0;
  if (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size)
    return 0;
  sim_disk_image img;
  if (sim_disk_sniff_fd(fd, &img) == 0) {
    if (memchr(img.notes, '\0', sizeof img.notes) == NULL)
      abort();
    if (sim_disk_format_name(img.format) == NULL)
      abort();
  }
  return 0;
}
