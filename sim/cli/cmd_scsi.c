/*
 * cmd_scsi.c - `dmsim scsi IMAGE CDB-HEX`: one SCSI command sent to a
 * simulated disk backed by IMAGE, its status, data-in and sense printed.
 *
 * Every line but the hex bytes starts with '#', so the output as a whole
 * is what sg3-utils reads as hex: `sg_inq --inhex=FILE` for INQUIRY data
 * (GOOD status), `sg_decode_sense --file=FILE` for sense (CHECK
 * CONDITION, when no data moves).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "cli/cli.h"
#include "disk/disk.h"
#include "scsi/scsi.h"

static void hex_lines(const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    printf("%02x%s", p[i], (i % 16 == 15 || i + 1 == n) ? "\n" : " ");
}

static void print_sense(const sim_scsi_cmd *cmd)
{
  sim_scsi_sense_info si;
  printf("# sense: %u bytes\n", cmd->sense_len);
  hex_lines(cmd->sense, cmd->sense_len);
  if (sim_scsi_sense_decode(cmd->sense, cmd->sense_len, &si) != 0) {
    printf("# sense: not fixed or descriptor format\n");
    return;
  }
  printf("# sense key: %s (0x%x)\n", sim_scsi_key_name(si.key), si.key);
  const char *an = sim_scsi_asc_name(si.asc, si.ascq);
  printf("# additional sense: 0x%02x/0x%02x %s\n", si.asc, si.ascq, an ? an : "(unknown)");
  if (si.valid)
    printf("# information: %llu (0x%llx)\n", (unsigned long long)si.info,
           (unsigned long long)si.info);
  if (si.sksv && (si.key == SIM_SCSI_KEY_ILLEGAL_REQUEST)) {
    printf("# field pointer: %s byte %u", si.cd ? "CDB" : "parameter data", si.field);
    if (si.bpv)
      printf(" bit %u", si.bit);
    printf("\n");
  }
}

/* Read the whole file at path into *buf. Returns its size, or -1. */
static long read_file(const char *path, uint8_t **buf)
{
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  size_t cap = 65536, n = 0;
  uint8_t *b = malloc(cap);
  for (size_t k; b != NULL && (k = fread(b + n, 1, cap - n, f)) > 0;) {
    n += k;
    if (n == cap && (cap >= (1u << 30) || SIM_VEC_RESERVE(b, cap, n + 1, 65536) != 0)) {
      free(b);
      b = NULL;
      break;
    }
  }
  int bad = ferror(f) || b == NULL;
  fclose(f);
  if (bad) {
    free(b);
    return -1;
  }
  *buf = b;
  return (long)n;
}

static int scsi_main(const sim_cli_verb *v, int argc, char **argv)
{
  const char *image = NULL, *data_out = NULL;
  const char *ident[3] = {NULL, NULL, NULL}; /* vendor, product, revision */
  static const char *const ident_opt[3] = {"--vendor", "--product", "--revision"};
  static const size_t ident_max[3] = {8, 16, 4};
  uint8_t cdb[SIM_SCSI_CDB_MAX];
  size_t cdb_len = 0;
  uint64_t lun = 0, bs = 512;
  int read_only = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--data-out") == 0) {
      if (++i >= argc)
        return sim_cli_bad_usage(v, "scsi: --data-out needs a file name");
      data_out = argv[i];
    } else if (strcmp(a, "--lun") == 0) {
      if (++i >= argc || sim_cli_parse_u64(argv[i], &lun) != 0 || lun >= SIM_SCSI_MAX_LUNS)
        return sim_cli_bad_usage(v, "scsi: --lun needs a LUN from 0 to %u",
                                 SIM_SCSI_MAX_LUNS - 1);
    } else if (strcmp(a, "--block-size") == 0) {
      if (++i >= argc || sim_cli_parse_u64(argv[i], &bs) != 0 ||
          (bs != 512 && bs != 1024 && bs != 2048 && bs != 4096))
        return sim_cli_bad_usage(v, "scsi: --block-size must be 512, 1024, 2048 or 4096");
    } else if (strcmp(a, "--read-only") == 0) {
      read_only = 1;
    } else if (strcmp(a, "--vendor") == 0 || strcmp(a, "--product") == 0 ||
               strcmp(a, "--revision") == 0) {
      int k = a[2] == 'v' ? 0 : a[2] == 'p' ? 1 : 2;
      if (++i >= argc || strlen(argv[i]) > ident_max[k])
        return sim_cli_bad_usage(v, "scsi: %s needs a text of at most %zu characters",
                                 ident_opt[k], ident_max[k]);
      for (const char *p = argv[i]; *p; p++)
        if (*p < 0x20 || *p > 0x7E)
          return sim_cli_bad_usage(v, "scsi: %s: only printable ASCII is allowed",
                                   ident_opt[k]);
      ident[k] = argv[i];
    } else if (a[0] == '-' && a[1] != '\0') {
      return sim_cli_bad_usage(v, "scsi: unknown option '%s'", a);
    } else if (image == NULL) {
      image = a;
    } else {
      const char *why = sim_scsi_cdb_parse(a, strlen(a), cdb, &cdb_len);
      if (why != NULL)
        return sim_cli_bad_usage(v, "scsi: CDB-HEX '%s': bad CDB: %s", a, why);
    }
  }
  if (image == NULL)
    return sim_cli_bad_usage(v, "scsi: missing IMAGE");
  if (cdb_len == 0) /* (sim_scsi_cdb_parse refuses a CDB of no bytes) */
    return sim_cli_bad_usage(v, "scsi: missing CDB-HEX (e.g. 12 00 00 00 24 00 for INQUIRY)");

  uint8_t *out = NULL;
  long out_len = 0;
  if (data_out != NULL && (out_len = read_file(data_out, &out)) < 0) {
    fprintf(stderr, "dmsim: --data-out: cannot read '%s'\n", data_out);
    return 2;
  }
  char err[512];
  /* Writes are asked for by giving data to write; --read-only refuses them. */
  unsigned flags = data_out != NULL && !read_only ? SIM_DISK_WRITABLE : 0;
  sim_disk *disk = sim_disk_open(image, flags, err, sizeof err);
  if (disk == NULL) {
    fprintf(stderr, "dmsim: %s\n", err);
    free(out);
    return 2;
  }
  int status = 2;
  sim_scsi_bus *bus = sim_scsi_bus_new(NULL, NULL);
  sim_scsi_unit_config cfg;
  sim_scsi_unit_config_default(&cfg);
  cfg.block_size = (uint32_t)bs;
  cfg.read_only = (uint8_t)read_only;
  cfg.write_cache = 0; /* one command, then exit: write through */
  if (ident[0])
    strcpy(cfg.vendor, ident[0]);
  if (ident[1])
    strcpy(cfg.product, ident[1]);
  if (ident[2])
    strcpy(cfg.revision, ident[2]);
  uint8_t *in = NULL;
  int rc = bus ? sim_scsi_attach(bus, 0, 0, disk, &cfg, NULL) : SIM_SCSI_ENOMEM;
  if (rc != SIM_SCSI_OK) {
    fprintf(stderr, "dmsim: %s: cannot be a disk with %llu-byte blocks (%llu bytes)\n", image,
            (unsigned long long)bs, (unsigned long long)sim_disk_size(disk));
    goto done;
  }
  sim_scsi_cmd cmd;
  memset(&cmd, 0, sizeof cmd);
  memcpy(cmd.cdb, cdb, cdb_len);
  cmd.cdb_len = (uint8_t)cdb_len;
  cmd.lun = (uint16_t)lun;
  uint64_t want = sim_scsi_cdb_bytes(cdb, cdb_len, (uint32_t)bs);
  if (want > (1u << 30)) {
    fprintf(stderr, "dmsim: scsi: the command would move %llu bytes; at most 1 GiB\n",
            (unsigned long long)want);
    goto done;
  }
  if (out != NULL) {
    cmd.dir = SIM_SCSI_DIR_OUT;
    cmd.data = out;
    cmd.data_len = (uint32_t)out_len;
  } else if (want > 0) {
    in = calloc(1, (size_t)want);
    if (in == NULL) {
      fprintf(stderr, "dmsim: out of memory\n");
      goto done;
    }
    cmd.dir = (uint8_t)sim_scsi_cdb_dir(cdb, cdb_len);
    if (cmd.dir == SIM_SCSI_DIR_IN) {
      cmd.data = in;
      cmd.data_len = (uint32_t)want;
    }
  }
  sim_scsi_execute(bus, &cmd);
  const char *cn = sim_scsi_cdb_name(cdb, cdb_len);
  printf("# command: %s, LUN %llu\n", cn ? cn : "(unknown opcode)", (unsigned long long)lun);
  if (cmd.xport != SIM_SCSI_XPORT_OK) {
    printf("# transport: %s\n", sim_scsi_xport_name(cmd.xport));
    /* The one transport failure a command line makes: too few data-out bytes. */
    if (out != NULL && want > (uint64_t)out_len)
      printf("# the command moves %llu bytes out; --data-out %s holds %ld\n",
             (unsigned long long)want, data_out, out_len);
    status = 1;
    goto done;
  }
  const char *sn = sim_scsi_status_name(cmd.status);
  printf("# status: %s (0x%02x)\n", sn ? sn : "?", cmd.status);
  uint32_t moved = cmd.data_len - cmd.resid;
  if (cmd.dir == SIM_SCSI_DIR_IN) {
    printf("# data-in: %u bytes\n", moved);
    hex_lines(in, moved);
  } else if (cmd.dir == SIM_SCSI_DIR_OUT)
    printf("# data-out: %u bytes\n", moved);
  if (cmd.sense_len)
    print_sense(&cmd);
  /* Without --data-out the image is opened read-only: say why a WRITE got
   * DATA PROTECT when the user never asked for a write-protected disk. */
  if (out == NULL && !read_only && want > 0 && cmd.status != SIM_SCSI_GOOD &&
      sim_scsi_cdb_dir(cdb, cdb_len) == SIM_SCSI_DIR_OUT)
    printf("# no --data-out: the image was opened read-only, so writes are refused\n");
  status = cmd.status == SIM_SCSI_GOOD ? 0 : 1;
done:
  sim_scsi_bus_free(bus);
  status = sim_cli_final_sync(sim_disk_close(disk), image, status);
  free(in);
  free(out);
  return status;
}

const sim_cli_verb sim_cli_verb_scsi = {
  "scsi",
  "IMAGE CDB-HEX [--data-out FILE] [--lun N] [--block-size N] [--read-only]\n"
  "[--vendor TEXT] [--product TEXT] [--revision TEXT]",
  "send one SCSI command to a simulated disk backed by an image",
  "Attaches IMAGE as the disk at target 0, LUN 0 of a simulated SCSI bus (an\n"
  "image recognised as a bare HFS volume or a Disk Copy 4.2 image gets a\n"
  "partition map in front, made up in memory), sends the CDB (1 to 16 bytes of\n"
  "two hex digits each, separated by spaces or written together, in one argument\n"
  "or several: 12 00 00 00 24 00 or 120000002400, as a scenario's scsi command\n"
  "takes it) and prints the\n"
  "command's name, its status, the data-in bytes in hex and the sense bytes in\n"
  "hex with their decoding. Every line but the hex bytes starts with '#', so\n"
  "the output can be given to `sg_inq --inhex=FILE` (INQUIRY data) or\n"
  "`sg_decode_sense --file=FILE` (sense data).\n"
  "\n"
  "options:\n"
  "  --data-out FILE   the data-out bytes (WRITE, MODE SELECT, VERIFY with\n"
  "                    BYTCHK). The image is opened for writing only with this\n"
  "                    option, and locked against a second writer.\n"
  "  --lun N           send the command to LUN N (only LUN 0 exists: others\n"
  "                    answer as SPC says for a missing LUN)\n"
  "  --block-size N    logical block size: 512 (default), 1024, 2048 or 4096\n"
  "  --read-only       the disk is write-protected (WRITEs get DATA PROTECT)\n"
  "  --vendor TEXT     INQUIRY vendor (at most 8 characters; default DMSIM)\n"
  "  --product TEXT    INQUIRY product (at most 16; default SIM DISK)\n"
  "  --revision TEXT   INQUIRY revision (at most 4; default 0001)\n"
  "  -h, --help        print this help.\n"
  "\n"
  "The disk's write cache is off: a WRITE that returns GOOD is in the file and\n"
  "synced. A command that fails leaves the file unchanged.\n"
  "\n"
  "exit status: 0 GOOD, 1 any other status, a transport failure or an I/O error\n"
  "(the image's final sync failed), 2 bad usage or an image that cannot be\n"
  "opened.\n",
  scsi_main,
};
