/*
 * cmd_disk.c - `dmsim disk SUBCOMMAND ...`: the disk image tools. Each
 * subcommand is a file of its own, sim/cli/disk_NAME.c, defining
 *
 *   const sim_cli_verb sim_cli_disk_NAME = { "disk NAME", ... };
 *
 * at the start of a line; the Makefile collects them into
 * build/gen/disk_subs.h, so adding one is adding a file. The name is the
 * whole command, so that bad usage says `dmsim disk NAME`.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define DM_DISK_SUB(n) extern const sim_cli_verb sim_cli_disk_##n;
#include "disk_subs.h"
#undef DM_DISK_SUB

static const sim_cli_verb *const subs[] = {
#define DM_DISK_SUB(n) &sim_cli_disk_##n,
#include "disk_subs.h"
#undef DM_DISK_SUB
};
#define NSUBS ((int)(sizeof subs / sizeof subs[0]))

static int disk_main(const sim_cli_verb *v, int argc, char **argv)
{
  if (argc < 1)
    return sim_cli_bad_usage(v, "disk: missing subcommand");
  for (int i = 0; i < NSUBS; i++)
    if (strcmp(subs[i]->name + strlen("disk "), argv[0]) == 0)
      return subs[i]->main(subs[i], argc - 1, argv + 1);
  return sim_cli_bad_usage(v, "disk: unknown subcommand '%s'", argv[0]);
}

const sim_cli_verb sim_cli_verb_disk = {
  "disk",
  "info IMAGE [--json]\n"
  "read IMAGE --offset BYTES --length BYTES [--path task|bundled] [--depth N]\n"
  "write IMAGE --offset BYTES [--path task|bundled] [--depth N]\n"
  "SUBCOMMAND ...",
  "disk image tools: what an image holds; its bytes read and written via SCSI",
  "Subcommands:\n"
  "  info IMAGE [--json]   recognise the image from its bytes (never its name):\n"
  "                        an Apple Partition Map (driver descriptor map, each\n"
  "                        partition's name, type, start, size and status, the\n"
  "                        HFS volume inside Apple_HFS partitions), a bare HFS or\n"
  "                        HFS+ volume, a Disk Copy 4.2 image (its checksum\n"
  "                        checked), an ISO 9660 image, or unknown. --json prints\n"
  "                        one JSON object for scripts.\n"
  "  read IMAGE --offset BYTES --length BYTES [--path task|bundled] [--depth N]\n"
  "                        the bytes at OFFSET read through the whole SCSI stack\n"
  "                        (Device Manager, .SCSIDisk, controller family, DMSimHBA,\n"
  "                        simulated bus and disk), to stdout. The enclosing\n"
  "                        512-byte blocks are read; --path chooses the\n"
  "                        controller's path (task: one task per call, the\n"
  "                        default; bundled: up to 32 slots per call); --depth\n"
  "                        sends the range as N requests in flight at once.\n"
  "                        OFFSET counts bytes of the disk the image holds (of\n"
  "                        a Disk Copy image, its data after the header), with\n"
  "                        no made-up partition map in front of a bare volume\n"
  "                        or a Disk Copy image (dmsim scsi gives it one).\n"
  "  write IMAGE --offset BYTES [--path task|bundled] [--depth N]\n"
  "                        stdin written at OFFSET through the whole stack;\n"
  "                        blocks the range covers in part are read, patched\n"
  "                        and written. Nothing is written on a refused command.\n"
  "\n"
  "exit status: 0, 1 for an I/O error through the stack (named as a Mac\n"
  "error and a SCSI status and sense key), 2 for bad usage or an image that\n"
  "cannot be read.\n",
  disk_main,
};
