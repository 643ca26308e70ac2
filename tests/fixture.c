/*
 * fixture.c - see fixture.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "fixture.h"
#include "builtins.h"

static void append(tfix *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(tfix *f, const char *fmt, ...)
{
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n >= sizeof buf)
    n = sizeof buf - 1;
  size_t need = f->len + (size_t)n + 2;
  if (need > f->cap) {
    f->cap = need * 2;
    f->log = realloc(f->log, f->cap);
    ck_assert_ptr_nonnull(f->log);
  }
  if (f->len > 0)
    f->log[f->len++] = ' ';
  memcpy(f->log + f->len, buf, (size_t)n + 1);
  f->len += (size_t)n;
}

int tf_pbnum(tfix *f, const void *pb)
{
  if (pb == NULL)
    return 0;
  for (int i = 0; i < f->npbs; i++)
    if (f->pbs[i] == pb)
      return i + 1;
  ck_assert_int_lt(f->npbs, TF_MAX_PBS);
  f->pbs[f->npbs++] = pb;
  return f->npbs;
}

static void on_trace(void *ctx, const dm_trace_rec *r)
{
  tfix *f = ctx;
  int p = tf_pbnum(f, r->pb);
  switch (r->ev) {
  case DM_EV_CALL:
    append(f, "call#%d:%s/%s", p, dm_code_name(r->code), dm_mode_name(r->mode));
    break;
  case DM_EV_ENQUEUE: append(f, "enq#%d", p); break;
  case DM_EV_DISPATCH:
    append(f, "disp#%d:%s/%s", p, dm_code_name(r->code), dm_mode_name(r->mode));
    break;
  case DM_EV_RETURN: append(f, "ret:%d", r->result); break;
  case DM_EV_COMPLETE: append(f, "cpl#%d:%d", p, r->result); break;
  case DM_EV_CALLBACK: append(f, "cb#%d:%d", p, r->result); break;
  case DM_EV_DONE: append(f, "sync#%d:%d", p, r->result); break;
  case DM_EV_REJECT: append(f, "rej#%d:%d", p, r->result); break;
  case DM_EV_VIOLATION: append(f, "viol:%s", r->rule); break;
  case DM_EV_INSTALL: append(f, "install:%s", r->name); break;
  case DM_EV_REMOVE: append(f, "remove:%s", r->name); break;
  case DM_EV_FLAGS:
    if (f->log_flags)
      append(f, "flags:0x%04x", r->flags);
    break;
  case DM_EV_SCSI_SUBMIT: append(f, "sub:%u", r->slot); break;
  case DM_EV_SCSI_HANDOFF: append(f, "give:%u/%u", r->slot, r->count); break;
  case DM_EV_SCSI_RETURN: append(f, "back:%u/%u", r->slot, r->count); break;
  case DM_EV_SCSI_DONE:
    if (f->log_sense)
      append(f, "sdone:%u:%u:%u", r->slot, r->status, r->sense);
    else
      append(f, "sdone:%u:%u", r->slot, r->status);
    break;
  default: break;
  }
}

static void on_violation(void *ctx, const dm_violation *v)
{
  tfix *f = ctx;
  f->violations++;
  snprintf(f->last_rule, sizeof f->last_rule, "%s", v->id);
  snprintf(f->last_detail, sizeof f->last_detail, "%s", v->detail);
}

void tf_setup(tfix *f, dm_check_mode mode)
{
  memset(f, 0, sizeof *f);
  memset(tf_cbs, 0, sizeof tf_cbs);
  tf_ncb = 0;
  tf_cb_watch = 0;
  ck_assert_int_eq(sim_world_init(&f->w), 0);
  dm_machine_config cfg = { 0 };
  cfg.platform = sim_world_platform(&f->w);
  cfg.platform.hw_start = sim_hw_platform_start;
  cfg.platform.hw_prefetch = sim_hw_platform_prefetch;
  cfg.check = mode;
  cfg.trace = on_trace;
  cfg.trace_ctx = f;
  cfg.violation = on_violation;
  cfg.violation_ctx = f;
  cfg.slots = 4; /* small, so that tests exercise growth */
  f->m = dm_machine_new(&cfg);
  ck_assert_ptr_nonnull(f->m);
  f->prev = dm_machine_enter(f->m);
}

void tf_teardown(tfix *f)
{
  dm_machine_leave(f->prev);
  dm_machine_free(f->m);
  sim_world_free(&f->w);
  free(f->log);
}

int16_t tf_install_hw(tfix *f, const char *name, int unit, sim_hw *hw)
{
  const dm_builtin *b = dm_builtin_find(name);
  ck_assert_msg(b != NULL, "no built-in driver %s", name);
  dm_driver_spec spec = { .desc = b->desc, .entry = b->entry, .unit = unit };
  if (hw != NULL)
    memcpy(&spec.device, &hw, sizeof hw);
  int16_t ref = 0;
  OSErr err = dm_driver_install(f->m, &spec, &ref);
  ck_assert_int_eq(err, noErr);
  return ref;
}

int16_t tf_install(tfix *f, const char *name, int unit)
{
  return tf_install_hw(f, name, unit, NULL);
}

OSErr tf_open(tfix *f, int16_t ref)
{
  unsigned char pname[33];
  const char *name = dm_driver_name(f->m, ref);
  ck_assert_ptr_nonnull(name);
  pname[0] = (unsigned char)strlen(name);
  memcpy(pname + 1, name, pname[0]);
  ParamBlockRec pb;
  memset(&pb, 0, sizeof pb);
  pb.ioParam.ioNamePtr = pname;
  return PBOpenSync(&pb);
}

void tf_io(ParamBlockRec *pb, int16_t ref, void *buf, long count, long pos)
{
  memset(pb, 0, sizeof *pb);
  pb->ioParam.ioRefNum = ref;
  pb->ioParam.ioBuffer = buf;
  pb->ioParam.ioReqCount = count;
  pb->ioParam.ioPosMode = fsFromStart;
  pb->ioParam.ioPosOffset = pos;
}

void tf_run(tfix *f)
{
  sim_world_run(&f->w, UINT64_MAX, 10000000);
}

const char *tf_log(tfix *f)
{
  static char empty[] = "";
  if (f->log == NULL || f->len == 0)
    return empty;
  f->len = 0;
  return f->log;
}

void tf_reset_log(tfix *f)
{
  (void)tf_log(f);
  f->npbs = 0;
}

void tf_teardown_all(tfix *f)
{
  for (int unit = 0; unit < 1024; unit++)
    if (dm_driver_name(f->m, (int16_t)~unit) != NULL)
      dm_driver_remove(f->m, (int16_t)~unit, 1);
  tf_teardown(f);
}

tf_cb_rec tf_cbs[TF_MAX_CB];
int       tf_ncb;
short     tf_cb_watch;

uint64_t tf_abs_ns(AbsoluteTime a)
{
  return ((uint64_t)a.hi << 32) | a.lo;
}

int tf_queue_len(QHdrPtr q)
{
  int n = 0;
  for (QElemPtr e = q->qHead; e != NULL; e = e->qLink)
    n++;
  return n;
}

int tf_on_queue(QHdrPtr q, const void *pb)
{
  for (QElemPtr e = q->qHead; e != NULL; e = e->qLink)
    if ((const void *)e == pb)
      return 1;
  return 0;
}

void tf_record_cb(ParmBlkPtr pb)
{
  ck_assert_int_lt(tf_ncb, TF_MAX_CB);
  tf_cb_rec *r = &tf_cbs[tf_ncb++];
  r->pb = pb;
  r->result = pb->ioParam.ioResult;
  r->t = tf_abs_ns(UpTime());
  r->lvl = CurrentExecutionLevel();
  DCtlHandle h = tf_cb_watch != 0 ? GetDCtlEntry(tf_cb_watch) : NULL;
  if (h != NULL) {
    r->flags = (*h)->dCtlFlags;
    r->qlen = tf_queue_len(&(*h)->dCtlQHdr);
    r->on_queue = tf_on_queue(&(*h)->dCtlQHdr, pb);
  }
}

/* Opens ref, makes it tf_cb_watch and clears the log. */
static int16_t open_watched(tfix *f, int16_t ref)
{
  ck_assert_int_eq(tf_open(f, ref), noErr);
  tf_cb_watch = ref;
  tf_reset_log(f);
  return ref;
}

int16_t tf_install_open(tfix *f, const char *name, sim_hw *hw)
{
  return open_watched(f, tf_install_hw(f, name, -1, hw));
}

int16_t tf_install_open_native(tfix *f, const DriverDescription *desc, DriverEntryPointPtr entry)
{
  dm_driver_spec spec = { .desc = desc, .entry = entry, .unit = -1 };
  int16_t ref = 0;
  ck_assert_int_eq(dm_driver_install(f->m, &spec, &ref), noErr);
  return open_watched(f, ref);
}

DCtlPtr tf_dce(int16_t ref)
{
  DCtlHandle h = GetDCtlEntry(ref);
  ck_assert_ptr_nonnull(h);
  return *h;
}

void tf_async_read(ParamBlockRec *pb, int16_t ref, void *buf, long n, long pos)
{
  tf_io(pb, ref, buf, n, pos);
  pb->ioParam.ioCompletion = tf_record_cb;
  ck_assert_int_eq(PBReadAsync(pb), noErr);
}

void tf_pstr(unsigned char *p, const char *s)
{
  p[0] = (unsigned char)strlen(s);
  memcpy(p + 1, s, p[0]);
}

sim_hw *tf_uniform_hw(tfix *f, uint64_t lo, uint64_t hi, uint64_t seed)
{
  sim_hw_model model = { SIM_HW_UNIFORM, lo, hi };
  sim_hw *hw = sim_hw_new(&f->w, f->m, "disk", &model, 64, seed);
  ck_assert_ptr_nonnull(hw);
  return hw;
}
