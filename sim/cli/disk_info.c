/*
 * disk_info.c - `dmsim disk info IMAGE [--json]`: what an image holds, as
 * recognised from its bytes (sim/disk/disk.h), for people or for scripts.
 *
 * Strings from the image (partition names, volume names) are MacRoman or
 * junk: the text form prints bytes outside printable ASCII as '?', the JSON
 * form escapes them as \u00XX.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "disk/disk.h"

static void text_str(const char *s)
{
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    putchar(*p >= 0x20 && *p < 0x7F ? *p : '?');
}

/* s sanitised, cut or padded to width columns. */
static void text_field(const char *s, int width)
{
  int n = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p && n < width; p++, n++)
    putchar(*p >= 0x20 && *p < 0x7F ? *p : '?');
  printf("%*s", width - n, "");
}

static void json_str(const char *s)
{
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20 || *p >= 0x7F)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

static const char *vol_kind(uint8_t k)
{
  return k == SIM_DISK_VOL_HFS ? "hfs" : k == SIM_DISK_VOL_HFSPLUS ? "hfs+" : "none";
}

static void text_vol(const sim_disk_vol *v, const char *indent)
{
  if (v->kind == SIM_DISK_VOL_NONE)
    return;
  printf("%s%s volume", indent, v->kind == SIM_DISK_VOL_HFS ? "HFS" : "HFS+");
  if (v->kind == SIM_DISK_VOL_HFS) {
    printf(" \"");
    text_str(v->name);
    printf("\"");
  }
  printf(": %u allocation blocks of %u bytes (%llu bytes), %u free\n", v->total_blocks,
         v->block_size, (unsigned long long)v->bytes, v->free_blocks);
}

static void json_vol(const sim_disk_vol *v)
{
  if (v->kind == SIM_DISK_VOL_NONE) {
    printf("null");
    return;
  }
  printf("{\"kind\":\"%s\",\"name\":", vol_kind(v->kind));
  if (v->kind == SIM_DISK_VOL_HFS)
    json_str(v->name);
  else
    printf("null");
  printf(",\"block_size\":%u,\"blocks\":%u,\"free_blocks\":%u,\"bytes\":%llu}", v->block_size,
         v->total_blocks, v->free_blocks, (unsigned long long)v->bytes);
}

static const char *format_text(uint8_t f)
{
  switch (f) {
  case SIM_DISK_FMT_EMPTY: return "empty file";
  case SIM_DISK_FMT_APM: return "whole device with an Apple Partition Map";
  case SIM_DISK_FMT_HFS: return "bare HFS volume";
  case SIM_DISK_FMT_HFSPLUS: return "bare HFS+ volume";
  case SIM_DISK_FMT_DC42: return "Disk Copy 4.2 image";
  case SIM_DISK_FMT_ISO9660: return "ISO 9660 image";
  default: return "unknown format";
  }
}

static void print_text(const char *path, const sim_disk_image *im)
{
  printf("%s: %s, %llu bytes\n", path, format_text(im->format),
         (unsigned long long)im->file_size);
  if (im->format == SIM_DISK_FMT_APM) {
    if (im->has_ddm)
      printf("  driver descriptor map: block size %u, %u blocks, %u driver%s\n",
             im->ddm_block_size, im->ddm_block_count, im->ddm_drivers,
             im->ddm_drivers == 1 ? "" : "s");
    else
      printf("  no driver descriptor map (block 0 is not 'ER')\n");
    printf("  partition map: %u entries\n", im->map_entries);
    if (im->nparts > 0)
      printf("   #  %-24s %-24s %10s %10s  status\n", "name", "type", "start", "blocks");
    for (uint32_t i = 0; i < im->nparts; i++) {
      const sim_disk_part *p = &im->parts[i];
      printf("  %2u  ", i + 1);
      text_field(p->name, 24);
      putchar(' ');
      text_field(p->type, 24);
      printf(" %10u %10u  0x%08x%s%s\n", p->start, p->blocks, p->status,
             p->is_driver ? "  driver" : "", p->beyond_end ? "  (past the end of the image)" : "");
      text_vol(&p->vol, "      ");
    }
  }
  if (im->format == SIM_DISK_FMT_DC42) {
    printf("  name \"");
    text_str(im->dc_name);
    printf("\", %u data bytes, %u tag bytes, encoding %u, format 0x%02x\n", im->dc_data_size,
           im->dc_tag_size, im->dc_encoding, im->dc_format);
    printf("  data checksum 0x%08x: %s\n", im->dc_checksum,
           im->dc_checksum_ok ? "correct" : "WRONG");
  }
  text_vol(&im->vol, "  ");
  if (im->iso_block_size != 0) {
    printf("  ISO 9660 volume \"");
    text_str(im->iso_volume_id);
    printf("\": %u blocks of %u bytes\n", im->iso_blocks, im->iso_block_size);
  }
  if (im->format == SIM_DISK_FMT_HFS || im->format == SIM_DISK_FMT_HFSPLUS ||
      im->format == SIM_DISK_FMT_DC42)
    printf("  attached as a disk, it gets a made-up partition map (64 blocks) in front\n");
  for (const char *n = im->notes; *n;) {
    const char *nl = strchr(n, '\n');
    int len = nl ? (int)(nl - n) : (int)strlen(n);
    printf("  note: %.*s\n", len, n);
    n += len + (nl ? 1 : 0);
  }
}

static void print_json(const char *path, const sim_disk_image *im)
{
  printf("{\"file\":");
  json_str(path);
  printf(",\"format\":\"%s\",\"size\":%llu", sim_disk_format_name(im->format),
         (unsigned long long)im->file_size);
  if (im->format == SIM_DISK_FMT_APM) {
    printf(",\"ddm\":");
    if (im->has_ddm)
      printf("{\"block_size\":%u,\"block_count\":%u,\"drivers\":%u}", im->ddm_block_size,
             im->ddm_block_count, im->ddm_drivers);
    else
      printf("null");
    printf(",\"map_entries\":%u,\"partitions\":[", im->map_entries);
    for (uint32_t i = 0; i < im->nparts; i++) {
      const sim_disk_part *p = &im->parts[i];
      printf("%s{\"index\":%u,\"name\":", i ? "," : "", i + 1);
      json_str(p->name);
      printf(",\"type\":");
      json_str(p->type);
      printf(",\"start\":%u,\"blocks\":%u,\"status\":%u,\"driver\":%s,\"beyond_end\":%s,"
             "\"volume\":",
             p->start, p->blocks, p->status, p->is_driver ? "true" : "false",
             p->beyond_end ? "true" : "false");
      json_vol(&p->vol);
      printf("}");
    }
    printf("]");
  }
  if (im->format == SIM_DISK_FMT_DC42) {
    printf(",\"dc42\":{\"name\":");
    json_str(im->dc_name);
    printf(",\"data_size\":%u,\"tag_size\":%u,\"checksum\":%u,\"checksum_ok\":%s,"
           "\"encoding\":%u,\"format\":%u}",
           im->dc_data_size, im->dc_tag_size, im->dc_checksum,
           im->dc_checksum_ok ? "true" : "false", im->dc_encoding, im->dc_format);
  }
  printf(",\"volume\":");
  json_vol(&im->vol);
  if (im->iso_block_size != 0) {
    printf(",\"iso9660\":{\"volume_id\":");
    json_str(im->iso_volume_id);
    printf(",\"blocks\":%u,\"block_size\":%u}", im->iso_blocks, im->iso_block_size);
  }
  printf(",\"notes\":[");
  int first = 1;
  for (const char *n = im->notes; *n;) {
    const char *nl = strchr(n, '\n');
    size_t len = nl ? (size_t)(nl - n) : strlen(n);
    char line[256];
    snprintf(line, sizeof line, "%.*s", (int)len, n);
    printf("%s", first ? "" : ",");
    json_str(line);
    first = 0;
    n += len + (nl ? 1 : 0);
  }
  printf("]}\n");
}

static int info_main(const sim_cli_verb *v, int argc, char **argv)
{
  const char *path = NULL;
  int json = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0)
      json = 1;
    else if (argv[i][0] == '-' && argv[i][1] != '\0')
      return sim_cli_bad_usage(v, "disk info: unknown option '%s'", argv[i]);
    else if (path == NULL)
      path = argv[i];
    else
      return sim_cli_bad_usage(v, "disk info: one image at a time ('%s' is extra)", argv[i]);
  }
  if (path == NULL)
    return sim_cli_bad_usage(v, "disk info: missing IMAGE");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "dmsim: %s: %s\n", path, strerror(errno));
    return 2;
  }
  sim_disk_image im;
  if (sim_disk_sniff_fd(fd, &im) != 0) {
    fprintf(stderr, "dmsim: %s: %s\n", path, strerror(errno));
    close(fd);
    return 2;
  }
  close(fd);
  if (json)
    print_json(path, &im);
  else
    print_text(path, &im);
  return 0;
}

const sim_cli_verb sim_cli_disk_info = {
  "disk info",
  "IMAGE [--json]",
  "what a disk image holds, recognised from its bytes",
  "See `dmsim disk --help`.\n",
  info_main,
};
