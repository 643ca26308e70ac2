/*
 * sim/view/view_recs.c - the viewer's records: captured from a run of a
 * scenario through the executor's record hook, or read back from a jsonl
 * trace (the schema of sim/trace/trace_jsonl.c).
 *
 * Both sources store a block's pb as its trace number (1, 2, 3... in order
 * of first appearance over the whole run, as the trace writers number
 * them), cast to a pointer: so a scenario and its jsonl trace give the
 * viewer the same records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/vec.h"
#include "lang/scenario.h"
#include "run/run.h"
#include "view/view.h"

/* A jsonl line longer than this is refused as malformed. */
#define RECS_MAX_LINE 65536

static char *intern(sim_view_recs *rs, const char *s)
{
  if (s == NULL)
    return NULL;
  /* Records repeat a few strings (driver and client names, rule ids);
   * comparing with the last ones keeps the arena small. */
  for (size_t i = rs->narena, k = 0; i > 0 && k < 8; i--, k++)
    if (strcmp(rs->arena[i - 1], s) == 0)
      return rs->arena[i - 1];
  if (SIM_VEC_RESERVE(rs->arena, rs->caparena, rs->narena + 1, 64) != 0)
    return NULL;
  size_t len = strlen(s) + 1;
  char *c = malloc(len);
  if (c == NULL)
    return NULL;
  memcpy(c, s, len);
  rs->arena[rs->narena++] = c;
  return c;
}

int sim_view_recs_add(sim_view_recs *rs, const dm_trace_rec *r, uint32_t machine)
{
  /* Two arrays of one capacity: each grows from the same cap to the same
   * size, and cap moves only when both did. */
  size_t capv = rs->cap, capm = rs->cap;
  if (SIM_VEC_RESERVE(rs->v, capv, rs->n + 1, 1024) != 0 ||
      SIM_VEC_RESERVE(rs->machine, capm, rs->n + 1, 1024) != 0)
    return -1;
  rs->cap = capm;
  dm_trace_rec c = *r;
  c.name = intern(rs, r->name);
  c.rule = intern(rs, r->rule);
  c.msg = intern(rs, r->msg);
  if ((r->name && !c.name) || (r->rule && !c.rule) || (r->msg && !c.msg))
    return -1;
  rs->v[rs->n] = c;
  rs->machine[rs->n++] = machine;
  return 0;
}

void sim_view_recs_free(sim_view_recs *rs)
{
  for (size_t i = 0; i < rs->narena; i++)
    free(rs->arena[i]);
  for (size_t i = 0; i < rs->nmachines; i++)
    free(rs->mnames[i]);
  free(rs->arena);
  free(rs->mnames);
  free(rs->v);
  free(rs->machine);
  sim_map_free(&rs->pbs);
  memset(rs, 0, sizeof *rs);
}

/* The first record of a trace that names machines renames the "main"
 * machine every trace starts with; true when it did. */
static int rename_first_machine(sim_view_recs *rs, const char *name)
{
  if (rs->nmachines != 1 || rs->n != 0 || strcmp(rs->mnames[0], "main") != 0)
    return 0;
  size_t len = strlen(name) + 1;
  char *m = malloc(len);
  if (m == NULL)
    return 0;
  memcpy(m, name, len);
  free(rs->mnames[0]);
  rs->mnames[0] = m;
  return 1;
}

static int add_machine(sim_view_recs *rs, const char *name)
{
  if (SIM_VEC_RESERVE(rs->mnames, rs->capmnames, rs->nmachines + 1, 4) != 0)
    return -1;
  char **m = rs->mnames;
  size_t len = strlen(name) + 1;
  if ((m[rs->nmachines] = malloc(len)) == NULL)
    return -1;
  memcpy(m[rs->nmachines++], name, len);
  return 0;
}

/* --- from a scenario ------------------------------------------------------- */

static void on_machine(void *ctx, const char *name, int index)
{
  sim_view_recs *rs = ctx;
  (void)index;
  if (add_machine(rs, name) != 0)
    rs->oom = 1;
}

/* Keep what the jsonl trace keeps of r, nothing more: a scenario and its
 * recorded trace then give the viewer the same records. */
static dm_trace_rec as_in_jsonl(const dm_trace_rec *r)
{
  dm_trace_rec c = { 0 };
  c.t = r->t;
  c.ev = r->ev;
  c.lvl = r->lvl;
  switch (r->ev) {
  case DM_EV_INSTALL: c.runtime = r->runtime; /* fall through */
  case DM_EV_REMOVE: c.ref = r->ref, c.name = r->name; break;
  case DM_EV_CALL:
    c.pb = r->pb, c.name = r->name, c.code = r->code, c.mode = r->mode, c.ref = r->ref;
    break;
  case DM_EV_REJECT: c.pb = r->pb, c.ref = r->ref, c.result = r->result; break;
  case DM_EV_ENQUEUE: c.pb = r->pb, c.ref = r->ref; break;
  case DM_EV_DISPATCH:
    c.pb = r->pb, c.ref = r->ref, c.id = r->id, c.code = r->code, c.mode = r->mode;
    break;
  case DM_EV_RETURN: c.id = r->id, c.ref = r->ref, c.result = r->result; break;
  case DM_EV_COMPLETE: c.id = r->id, c.pb = r->pb, c.ref = r->ref, c.result = r->result; break;
  case DM_EV_CALLBACK:
  case DM_EV_DONE: c.pb = r->pb, c.result = r->result; break;
  case DM_EV_FLAGS: c.ref = r->ref, c.flags = r->flags; break;
  case DM_EV_VIOLATION: c.rule = r->rule, c.msg = r->msg, c.ref = r->ref, c.pb = r->pb, c.id = r->id;
    break;
  case DM_EV_WARNING: c.msg = r->msg, c.ref = r->ref; break;
  case DM_EV_SCSI_SUBMIT:
  case DM_EV_SCSI_HANDOFF:
  case DM_EV_SCSI_RETURN:
  case DM_EV_SCSI_DONE:
    c.ref = r->ref, c.id = r->id, c.name = r->name, c.tag = r->tag, c.slot = r->slot;
    if (r->ev == DM_EV_SCSI_SUBMIT)
      c.opcode = r->opcode, c.target = r->target, c.lun = r->lun;
    else if (r->ev == DM_EV_SCSI_DONE)
      c.service = r->service, c.status = r->status, c.sense = r->sense;
    else
      c.count = r->count;
    break;
  default:
    c.ref = r->ref, c.pb = r->pb, c.id = r->id, c.result = r->result, c.name = r->name;
    c.msg = r->msg;
    break;
  }
  return c;
}

static void on_record(void *ctx, const dm_trace_rec *r)
{
  sim_view_recs *rs = ctx;
  dm_trace_rec c = as_in_jsonl(r);
  if (r->pb != NULL) {
    uint64_t n;
    if (!sim_map_get(&rs->pbs, (uint64_t)(uintptr_t)r->pb, &n)) {
      n = ++rs->npb;
      if (sim_map_put(&rs->pbs, (uint64_t)(uintptr_t)r->pb, n) != 0)
        rs->oom = 1;
    }
    c.pb = (const void *)(uintptr_t)n;
  }
  uint32_t mi = rs->nmachines ? (uint32_t)rs->nmachines - 1 : 0;
  if (sim_view_recs_add(rs, &c, mi) != 0)
    rs->oom = 1;
}

/* The executor sends pb for another statement: it gets a new number. */
static void on_pb_retired(void *ctx, const void *pb)
{
  sim_view_recs *rs = ctx;
  sim_map_del(&rs->pbs, (uint64_t)(uintptr_t)pb, NULL);
}

int sim_view_load_scenario(const char *path, sim_view_recs *out, FILE *err)
{
  memset(out, 0, sizeof *out);
  sim_scenario *sc;
  char msg[1024];
  if (sim_scenario_load(path, &sc, msg, sizeof msg) != 0) {
    fprintf(err, "%s\n", msg);
    return 2;
  }
  FILE *null = fopen("/dev/null", "w");
  sim_run_opts o = { 0 };
  o.quiet = 1;
  o.out = null != NULL ? null : stdout;
  o.err = err;
  o.record = on_record;
  o.record_ctx = out;
  o.pb_retired = on_pb_retired;
  o.machine_start = on_machine;
  int status = sim_run(sc, &o);
  sim_scenario_free(sc);
  if (null != NULL)
    fclose(null);
  if (out->oom) {
    fprintf(err, "dmsim: view %s: out of memory keeping the run's records\n", path);
    return 2;
  }
  return status;
}

/* --- from a jsonl trace ---------------------------------------------------- */

typedef struct jp {
  const char *s, *p;
  const char *err;
} jp;

static void ws(jp *j)
{
  while (*j->p == ' ' || *j->p == '\t' || *j->p == '\r')
    j->p++;
}

/* A JSON string into buf (\uXXXX above 0xFF becomes '?'). */
static int jstr(jp *j, char *buf, size_t len)
{
  size_t n = 0;
  if (*j->p != '"')
    return j->err = "expected a string", -1;
  j->p++;
  while (*j->p != '"') {
    char c = *j->p++;
    if (c == '\0' || c == '\n')
      return j->err = "unterminated string", -1;
    if (c == '\\') {
      char e = *j->p++;
      switch (e) {
      case '"': case '\\': case '/': c = e; break;
      case 'b': c = '\b'; break;
      case 'f': c = '\f'; break;
      case 'n': c = '\n'; break;
      case 'r': c = '\r'; break;
      case 't': c = '\t'; break;
      case 'u': {
        unsigned v = 0;
        for (int k = 0; k < 4; k++) {
          char h = *j->p++;
          v <<= 4;
          if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
          else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
          else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
          else return j->p--, j->err = "bad \\u escape", -1;
        }
        c = v <= 0xFF ? (char)v : '?';
        break;
      }
      default:
        j->p--;
        return j->err = "bad escape in a string", -1;
      }
    }
    if (n + 1 < len)
      buf[n++] = c;
  }
  j->p++;
  buf[n] = '\0';
  return 0;
}

/* Index of name in the names of f(0..count-1), or -1. */
static int lookup(const char *name, const char *(*f)(unsigned), unsigned count)
{
  for (unsigned i = 0; i < count; i++)
    if (strcmp(f(i), name) == 0)
      return (int)i;
  return -1;
}

/* The byte field of a SCSI task record that jsonl key names, or NULL. */
static uint8_t *scsi_byte(dm_trace_rec *r, const char *key)
{
  if (strcmp(key, "opcode") == 0)
    return &r->opcode;
  if (strcmp(key, "target") == 0)
    return &r->target;
  if (strcmp(key, "lun") == 0)
    return &r->lun;
  if (strcmp(key, "service") == 0)
    return &r->service;
  if (strcmp(key, "status") == 0)
    return &r->status;
  if (strcmp(key, "sense") == 0)
    return &r->sense;
  return NULL;
}

int sim_view_parse_line(sim_view_recs *rs, const char *line, dm_trace_rec *r, int *col,
                        const char **msg)
{
  jp j = { line, line, NULL };
  char key[32], sval[512];
  int have_t = 0, have_ev = 0, have_lvl = 0;
  memset(r, 0, sizeof *r);
  ws(&j);
  if (*j.p != '{') {
    j.err = "expected '{'";
    goto bad;
  }
  j.p++;
  ws(&j);
  while (*j.p != '}') {
    if (jstr(&j, key, sizeof key) != 0)
      goto bad;
    ws(&j);
    if (*j.p != ':') {
      j.err = "expected ':'";
      goto bad;
    }
    j.p++;
    ws(&j);
    const char *vstart = j.p;
    int is_str = 0, is_null = 0;
    long long num = 0;
    if (*j.p == '"') {
      if (jstr(&j, sval, sizeof sval) != 0)
        goto bad;
      is_str = 1;
    } else if (strncmp(j.p, "null", 4) == 0) {
      j.p += 4;
      is_null = 1;
    } else if (strncmp(j.p, "true", 4) == 0 || strncmp(j.p, "false", 5) == 0) {
      j.p += *j.p == 't' ? 4 : 5;
    } else {
      char *end;
      errno = 0;
      num = strtoll(j.p, &end, 10);
      if (end == j.p || errno != 0) {
        j.err = "expected a value";
        goto bad;
      }
      j.p = end;
    }
    const char *want_num = NULL;
    int scsi = have_ev && r->ev >= DM_EV_SCSI_SUBMIT && r->ev <= DM_EV_SCSI_DONE;
    if (strcmp(key, "t") == 0) {
      r->t = (uint64_t)num, have_t = 1, want_num = "t";
    } else if (strcmp(key, "ev") == 0 && is_str) {
      int e = lookup(sval, dm_ev_name, DM_EV_COUNT);
      r->ev = e < 0 ? DM_EV_COUNT : (uint8_t)e;
      if (e < 0 && (r->msg = intern(rs, sval)) == NULL)
        goto oom;
      have_ev = 1;
    } else if (strcmp(key, "lvl") == 0 && is_str) {
      int l = lookup(sval, dm_level_name, 3);
      if (l < 0) {
        j.p = vstart;
        j.err = "unknown level (expected task, sih or hwi)";
        goto bad;
      }
      r->lvl = (uint8_t)l;
      have_lvl = 1;
    } else if (strcmp(key, "pb") == 0) {
      r->pb = is_null ? NULL : (const void *)(uintptr_t)num;
      want_num = is_null ? NULL : "pb";
    } else if (!scsi && (strcmp(key, "op") == 0 || strcmp(key, "code") == 0) && is_str) {
      int c = lookup(sval, dm_code_name, 16);
      r->code = c < 0 ? 0xFF : (uint8_t)c;
    } else if ((strcmp(key, "mode") == 0 || strcmp(key, "kind") == 0) && is_str) {
      r->mode = strcmp(sval, "sync") == 0    ? DM_MODE_SYNC
              : strcmp(sval, "async") == 0   ? DM_MODE_ASYNC
              : strcmp(sval, "immediate") == 0 ? DM_MODE_IMMEDIATE : 0;
    } else if (strcmp(key, "ref") == 0) {
      r->ref = (int16_t)num, want_num = "ref";
    } else if (strcmp(key, "result") == 0 || (!scsi && strcmp(key, "status") == 0)) {
      r->result = (int16_t)num, want_num = "result";
    } else if (strcmp(key, "dCtlFlags") == 0) {
      r->flags = (uint16_t)num, want_num = "dCtlFlags";
    } else if (strcmp(key, "runtime") == 0) {
      r->runtime = (uint32_t)num, want_num = "runtime";
    } else if (scsi && scsi_byte(r, key) != NULL) {
      /* The SCSI task records' own keys (sim/trace/trace_jsonl.c). */
      *scsi_byte(r, key) = (uint8_t)num, want_num = key;
    } else if (scsi && strcmp(key, "count") == 0) {
      r->count = (uint16_t)num, want_num = "count";
    } else if (scsi && strcmp(key, "task") == 0) {
      r->tag = (uint64_t)num, want_num = "task";
    } else if (scsi && strcmp(key, "slot") == 0) {
      r->slot = (uint32_t)num, want_num = "slot";
    } else if (scsi && strcmp(key, "ctrl") == 0 && is_str) {
      if ((r->name = intern(rs, sval)) == NULL)
        goto oom;
    } else if (scsi && strcmp(key, "op") == 0) {
      /* the opcode's name: the number follows as "opcode" */
    } else if (strcmp(key, "id") == 0) {
      r->id = (uint64_t)num, want_num = is_null ? NULL : "id";
    } else if ((strcmp(key, "name") == 0 || strcmp(key, "client") == 0) && is_str) {
      if ((r->name = intern(rs, sval)) == NULL)
        goto oom;
    } else if (strcmp(key, "rule") == 0 && is_str) {
      if ((r->rule = intern(rs, sval)) == NULL)
        goto oom;
    } else if (strcmp(key, "msg") == 0 && is_str) {
      if ((r->msg = intern(rs, sval)) == NULL)
        goto oom;
    }
    if (want_num != NULL && (is_str || is_null)) {
      j.p = vstart;
      j.err = "expected a number";
      goto bad;
    }
    ws(&j);
    if (*j.p == ',') {
      j.p++;
      ws(&j);
    } else if (*j.p != '}') {
      j.err = "expected ',' or '}'";
      goto bad;
    }
  }
  j.p++;
  ws(&j);
  if (*j.p != '\0' && *j.p != '\n') {
    j.err = "text after the record";
    goto bad;
  }
  if (!have_t || !have_ev || !have_lvl) {
    j.p = line;
    j.err = !have_t ? "record without \"t\"" : !have_ev ? "record without \"ev\""
                                                       : "record without \"lvl\"";
    goto bad;
  }
  return 0;
oom:
  j.err = "out of memory";
bad:
  *col = (int)(j.p - line) + 1;
  *msg = j.err;
  return -1;
}

int sim_view_load_jsonl(const char *path, sim_view_recs *out, FILE *err)
{
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fprintf(err, "dmsim: view %s: %s\n", path, strerror(errno));
    return 2;
  }
  char *line = malloc(RECS_MAX_LINE);
  int status = 0, lineno = 0;
  uint64_t last_t = 0;
  uint32_t machine = 0;
  if (line == NULL || add_machine(out, "main") != 0)
    goto oom;
  while (fgets(line, RECS_MAX_LINE, f) != NULL) {
    lineno++;
    size_t len = strlen(line);
    if (len == RECS_MAX_LINE - 1 && line[len - 1] != '\n') {
      fprintf(err, "%s:%d:1: error: line longer than %d bytes\n", path, lineno, RECS_MAX_LINE);
      status = 2;
      break;
    }
    if (line[0] == '\n' || line[0] == '\0')
      continue;
    dm_trace_rec r;
    int col;
    const char *msg;
    if (sim_view_parse_line(out, line, &r, &col, &msg) != 0) {
      fprintf(err, "%s:%d:%d: error: %s\n", path, lineno, col, msg);
      status = 2;
      break;
    }
    /* Records of simulated SCSI buses (scsi-command, ...) are not the
     * Device Manager's: a live run feeds the viewer only those, so the
     * picture of a trace leaves them out too. */
    if (r.ev == DM_EV_COUNT && r.msg != NULL && strncmp(r.msg, "scsi-", 5) == 0)
      continue;
    /* Machines follow one another, each from time 0. A trace of several
     * machines names each record's ("machine":"NAME", right after lvl);
     * otherwise time going back is the next machine. */
    const char *mk = strstr(line, "\"lvl\":");
    mk = mk != NULL ? strstr(mk, ",\"machine\":\"") : NULL;
    if (mk != NULL) {
      mk += strlen(",\"machine\":\"");
      size_t mlen = strcspn(mk, "\"");
      char name[64];
      snprintf(name, sizeof name, "%.*s", (int)(mlen < 63 ? mlen : 63), mk);
      if (rename_first_machine(out, name)) {
        /* the first record names the first machine */
      } else if (strcmp(out->mnames[out->nmachines - 1], name) != 0) {
        if (add_machine(out, name) != 0)
          goto oom;
        machine++;
      }
    } else if (r.t < last_t) {
      char name[32];
      snprintf(name, sizeof name, "machine %u", (unsigned)++machine + 1);
      if (add_machine(out, name) != 0)
        goto oom;
    }
    last_t = r.t;
    if (sim_view_recs_add(out, &r, machine) != 0)
      goto oom;
  }
  if (status == 0 && ferror(f)) {
    fprintf(err, "dmsim: view %s: read error\n", path);
    status = 2;
  }
  free(line);
  fclose(f);
  return status;
oom:
  fprintf(err, "dmsim: view %s: out of memory\n", path);
  free(line);
  fclose(f);
  return 2;
}
