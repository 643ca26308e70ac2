/*
 * disk_rw.c - `dmsim disk read` and `dmsim disk write`: bytes of an image
 * moved through the whole SCSI stack (Device Manager, .SCSIDisk, the
 * controller family, DMSimHBA, the simulated bus and unit), as a client
 * above a Mac disk driver moves them.
 *
 * The driver takes whole 512-byte blocks only, so like the File Manager
 * the command reads the blocks that enclose the range asked for, and for a
 * write that does not start or end on a block boundary reads those
 * boundary blocks first, patches them and writes every enclosing block.
 * Everything is checked before the image is opened for writing: a refused
 * command never touches the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/vec.h"
#include "cli/cli.h"
#include "stack/stack.h"

#define BLOCK 512u

typedef struct rw_opts {
  const char *image;
  uint64_t    offset, length;
  int         has_offset, has_length;
  int         bundled;
  uint32_t    depth;
} rw_opts;

/* The last task that did not end well, for the error message. */
typedef struct rw_seen {
  int     failed;
  uint8_t opcode, status, service, sense;
} rw_seen;

static void on_trace(void *ctx, const dm_trace_rec *r)
{
  rw_seen *s = ctx;
  if (r->ev == DM_EV_SCSI_DONE &&
      (r->service != kSCSIServiceResponse_TASK_COMPLETE || r->status != 0)) {
    s->failed = 1;
    s->opcode = r->opcode;
    s->status = r->status;
    s->service = r->service;
    s->sense = r->sense;
  }
}

static int parse(const sim_cli_verb *v, int argc, char **argv, rw_opts *o, int want_length)
{
  memset(o, 0, sizeof *o);
  o->depth = 1;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--offset") == 0 || strcmp(a, "--length") == 0 ||
        strcmp(a, "--path") == 0 || strcmp(a, "--depth") == 0) {
      if (val == NULL)
        return sim_cli_bad_usage(v, "%s: %s needs a value", v->name, a);
      i++;
      uint64_t n = 0;
      if (strcmp(a, "--path") == 0) {
        if (strcmp(val, "task") != 0 && strcmp(val, "bundled") != 0)
          return sim_cli_bad_usage(v, "%s: --path: expected task or bundled, got '%s'", v->name,
                                   val);
        o->bundled = strcmp(val, "bundled") == 0;
      } else if (sim_cli_parse_u64(val, &n) != 0) {
        return sim_cli_bad_usage(v, "%s: %s: expected a non-negative integer, got '%s'", v->name,
                                 a, val);
      } else if (strcmp(a, "--offset") == 0) {
        o->offset = n;
        o->has_offset = 1;
      } else if (strcmp(a, "--length") == 0) {
        if (!want_length)
          return sim_cli_bad_usage(v, "%s: --length: the data's length is what stdin holds",
                                   v->name);
        o->length = n;
        o->has_length = 1;
      } else {
        if (n == 0 || n > 1024)
          return sim_cli_bad_usage(v, "%s: --depth: expected 1 to 1024, got '%s'", v->name, val);
        o->depth = (uint32_t)n;
      }
    } else if (a[0] == '-' && a[1] != '\0') {
      return sim_cli_bad_usage(v, "%s: unknown option '%s'", v->name, a);
    } else if (o->image == NULL) {
      o->image = a;
    } else {
      return sim_cli_bad_usage(v, "%s: one IMAGE only ('%s' is extra)", v->name, a);
    }
  }
  if (o->image == NULL)
    return sim_cli_bad_usage(v, "%s: missing IMAGE", v->name);
  if (!o->has_offset)
    return sim_cli_bad_usage(v, "%s: --offset is required", v->name);
  if (want_length && !o->has_length)
    return sim_cli_bad_usage(v, "%s: --length is required", v->name);
  return 0;
}

/* The image's size in whole blocks, checked against the range; 0, or the
 * exit status. */
static int check_range(const sim_cli_verb *v, const rw_opts *o, uint64_t length)
{
  struct stat st;
  if (stat(o->image, &st) != 0) {
    fprintf(stderr, "dmsim: %s: %s\n", o->image, strerror(errno));
    return 2;
  }
  uint64_t usable = (uint64_t)st.st_size / BLOCK * BLOCK;
  if (usable == 0) {
    fprintf(stderr, "dmsim: %s: the image holds no whole 512-byte block\n", o->image);
    return 2;
  }
  if (o->offset > usable || length > usable - o->offset)
    return sim_cli_bad_usage(v, "%s: --offset %llu with %llu bytes goes beyond the %llu bytes "
                             "of whole blocks in %s", v->name,
                             (unsigned long long)o->offset, (unsigned long long)length,
                             (unsigned long long)usable, o->image);
  return 0;
}

static int io_failed(const char *what, uint64_t at, OSErr err, const rw_seen *seen)
{
  const char *name = dm_err_name(err);
  fprintf(stderr, "dmsim: disk %s failed at byte %llu: %s (%d, %s)", what,
          (unsigned long long)at, name ? name : "?", err, dm_strerror(err));
  if (seen->failed) {
    const char *op = dm_scsi_op_name(seen->opcode);
    if (seen->service != kSCSIServiceResponse_TASK_COMPLETE)
      fprintf(stderr, "; SCSI: %s not delivered (status 0x%02x)", op ? op : "command",
              seen->status);
    else if (seen->sense != 0)
      fprintf(stderr, "; SCSI: %s ended with %s, sense key %s", op ? op : "command",
              dm_scsi_status_name(seen->status), dm_scsi_sense_key_name(seen->sense));
    else
      fprintf(stderr, "; SCSI: %s ended with %s", op ? op : "command",
              dm_scsi_status_name(seen->status));
  }
  fputc('\n', stderr);
  return 1;
}

static int open_stack(sim_stack *s, const rw_opts *o, int writable, rw_seen *seen)
{
  sim_stack_config cfg = { 0 };
  char err[300];
  cfg.image = o->image;
  cfg.writable = writable;
  cfg.bundled = o->bundled;
  cfg.crossing_ns = DM_SCSI_CROSSING_NS_DEFAULT;
  cfg.check = DM_CHECK_STRICT;
  cfg.trace = on_trace;
  cfg.trace_ctx = seen;
  if (sim_stack_open(s, &cfg, err, sizeof err) != 0) {
    fprintf(stderr, "dmsim: %s\n", err);
    return 2;
  }
  return 0;
}

/* Requests of about an equal share of the range each, depth at a time,
 * none above 1 MiB. */
static uint32_t chunk_for(uint64_t bytes, uint32_t depth)
{
  uint64_t c = (bytes + depth - 1) / depth;
  c = (c + BLOCK - 1) / BLOCK * BLOCK;
  if (c > (1u << 20))
    c = 1u << 20;
  return c ? (uint32_t)c : BLOCK;
}

static int read_main(const sim_cli_verb *v, int argc, char **argv)
{
  rw_opts o;
  int st = parse(v, argc, argv, &o, 1);
  if (st == 0)
    st = check_range(v, &o, o.length);
  if (st != 0)
    return st;
  uint64_t a = o.offset / BLOCK * BLOCK;
  uint64_t e = (o.offset + o.length + BLOCK - 1) / BLOCK * BLOCK;
  if (o.length == 0)
    return 0;
  uint8_t *buf = malloc(e - a);
  if (buf == NULL) {
    fprintf(stderr, "dmsim: out of memory for %llu bytes\n", (unsigned long long)(e - a));
    return 2;
  }
  sim_stack s;
  rw_seen seen = { 0 };
  if ((st = open_stack(&s, &o, 0, &seen)) != 0) {
    free(buf);
    return st;
  }
  uint64_t moved = 0;
  OSErr err = sim_stack_transfer(&s, 0, a, buf, e - a, o.depth, chunk_for(e - a, o.depth), &moved);
  if (err != noErr)
    st = io_failed("read", a + moved, err, &seen);
  else if (fwrite(buf + (o.offset - a), 1, o.length, stdout) != o.length || fflush(stdout) != 0)
    st = 1;
  st = sim_cli_final_sync(sim_stack_close(&s), o.image, st);
  free(buf);
  return st;
}

/* All of stdin, or NULL (the message printed). */
static uint8_t *slurp(uint64_t *len)
{
  size_t cap = 65536, n = 0;
  uint8_t *p = malloc(cap);
  while (p != NULL) {
    size_t got = fread(p + n, 1, cap - n, stdin);
    n += got;
    if (got == 0)
      break;
    if (n == cap && SIM_VEC_RESERVE(p, cap, n + 1, 65536) != 0) {
      free(p);
      p = NULL;
    }
  }
  if (p == NULL || ferror(stdin)) {
    fprintf(stderr, "dmsim: cannot read the data from stdin\n");
    free(p);
    return NULL;
  }
  *len = n;
  return p;
}

static int write_main(const sim_cli_verb *v, int argc, char **argv)
{
  rw_opts o;
  int st = parse(v, argc, argv, &o, 0);
  if (st != 0)
    return st;
  uint64_t len = 0;
  uint8_t *data = slurp(&len);
  if (data == NULL)
    return 2;
  if ((st = check_range(v, &o, len)) != 0 || len == 0) {
    free(data);
    return st;
  }
  uint64_t a = o.offset / BLOCK * BLOCK;
  uint64_t e = (o.offset + len + BLOCK - 1) / BLOCK * BLOCK;
  uint8_t *buf = malloc(e - a);
  if (buf == NULL) {
    free(data);
    fprintf(stderr, "dmsim: out of memory for %llu bytes\n", (unsigned long long)(e - a));
    return 2;
  }
  sim_stack s;
  rw_seen seen = { 0 };
  if ((st = open_stack(&s, &o, 1, &seen)) != 0) {
    free(data);
    free(buf);
    return st;
  }
  OSErr err = noErr;
  uint64_t moved = 0;
  /* The boundary blocks first, when the range only covers part of them. */
  if (o.offset != a)
    err = sim_stack_transfer(&s, 0, a, buf, BLOCK, 1, BLOCK, NULL);
  if (err == noErr && (o.offset + len) % BLOCK != 0 && (e - BLOCK > a || o.offset == a))
    err = sim_stack_transfer(&s, 0, e - BLOCK, buf + (e - BLOCK - a), BLOCK, 1, BLOCK, NULL);
  if (err != noErr) {
    st = io_failed("write (reading the blocks around the range)", a, err, &seen);
  } else {
    memcpy(buf + (o.offset - a), data, len);
    err = sim_stack_transfer(&s, 1, a, buf, e - a, o.depth, chunk_for(e - a, o.depth), &moved);
    if (err != noErr)
      st = io_failed("write", a + moved, err, &seen);
  }
  st = sim_cli_final_sync(sim_stack_close(&s), o.image, st);
  free(data);
  free(buf);
  return st;
}

const sim_cli_verb sim_cli_disk_read = {
  "disk read",
  "IMAGE --offset BYTES --length BYTES [--path task|bundled] [--depth N]",
  "bytes of an image read through the whole SCSI stack, to stdout",
  "See `dmsim disk --help`.\n",
  read_main,
};

const sim_cli_verb sim_cli_disk_write = {
  "disk write",
  "IMAGE --offset BYTES [--path task|bundled] [--depth N]   (data on stdin)",
  "stdin written into an image through the whole SCSI stack",
  "See `dmsim disk --help`.\n",
  write_main,
};
