/*
 * sim/trace/trace_jsonl.c - the jsonl trace format: one JSON object per record,
 * one record per line.
 *
 * The schema is a contract (docs/trace.md): keys come in a fixed order, t,
 * ev, lvl, then (in a trace of several machines) machine, then the fields of
 * the event in the order the table lists them:
 *   install   ref, name, runtime
 *   remove    ref, name
 *   call      pb, client, op, mode, ref
 *   reject    pb, ref, result
 *   enqueue   pb, ref
 *   dispatch  pb, ref, id, code, kind
 *   return    id, ref, status
 *   complete  id, pb, ref, result
 *   callback  pb, result
 *   done      pb, result
 *   flags     ref, dCtlFlags
 *   violation rule, msg, then ref, pb, id when they are set
 *   warning   msg, ref
 *   scsi_submit   ref, id, ctrl, task, slot, op, opcode, target, lun
 *   scsi_handoff  ref, id, ctrl, task, slot, count
 *   scsi_return   ref, id, ctrl, task, slot, count
 *   scsi_done     ref, id, ctrl, task, slot, service, status, sense
 * `pb` is the writer's pb number (null when the record has none); strings
 * that may be missing (client, name, rule, msg) print null. Records of kinds
 * this file does not know (added later, e.g. SCSI) print t, ev, lvl and
 * whichever of ref, pb, id, result, name, msg they carry, so nothing is lost.
 * The output has no header and no footer.
 */
#include "trace/trace_impl.h"
#include "devmgr/scsi.h"

static int jsonl_init(sim_trace *t)
{
  (void)t;
  return 0;
}

static void jsonl_nop(sim_trace *t)
{
  (void)t;
}

#define kv_pb(t, pb) (sim_trace__key(t, "pb"), sim_trace__json_num_or_null((t), (pb)))

static void jsonl_record(sim_trace *t, const sim_trace_ev *e)
{
  const dm_trace_rec *r = e->rec;
  const sim_trace_names *nm = &t->names;
  sim_trace__put(t, "{\"t\":", 5);
  sim_trace__u64(t, r->t);
  sim_trace__kv_name(t, "ev", nm->ev, r->ev);
  sim_trace__kv_name(t, "lvl", nm->lvl, r->lvl);
  if (t->name_machines)
    sim_trace__kv_str(t, "machine", t->machine);
  switch (r->ev) {
  case DM_EV_INSTALL:
    sim_trace__kv_int(t, "ref", r->ref);
    sim_trace__kv_str(t, "name", r->name);
    sim_trace__kv_u64(t, "runtime", r->runtime);
    break;
  case DM_EV_REMOVE:
    sim_trace__kv_int(t, "ref", r->ref);
    sim_trace__kv_str(t, "name", r->name);
    break;
  case DM_EV_CALL:
    kv_pb(t, e->pb);
    sim_trace__kv_str(t, "client", r->name);
    sim_trace__kv_name(t, "op", nm->code, r->code);
    sim_trace__kv_name(t, "mode", nm->mode, r->mode);
    sim_trace__kv_int(t, "ref", r->ref);
    break;
  case DM_EV_REJECT:
    kv_pb(t, e->pb);
    sim_trace__kv_int(t, "ref", r->ref);
    sim_trace__kv_int(t, "result", r->result);
    break;
  case DM_EV_ENQUEUE:
    kv_pb(t, e->pb);
    sim_trace__kv_int(t, "ref", r->ref);
    break;
  case DM_EV_DISPATCH:
    kv_pb(t, e->pb);
    sim_trace__kv_int(t, "ref", r->ref);
    sim_trace__kv_u64(t, "id", r->id);
    sim_trace__kv_name(t, "code", nm->code, r->code);
    sim_trace__kv_name(t, "kind", nm->mode, r->mode);
    break;
  case DM_EV_RETURN:
    sim_trace__kv_u64(t, "id", r->id);
    sim_trace__kv_int(t, "ref", r->ref);
    sim_trace__kv_int(t, "status", r->result);
    break;
  case DM_EV_COMPLETE:
    sim_trace__kv_u64(t, "id", r->id);
    kv_pb(t, e->pb);
    sim_trace__kv_int(t, "ref", r->ref);
    sim_trace__kv_int(t, "result", r->result);
    break;
  case DM_EV_CALLBACK:
  case DM_EV_DONE:
    kv_pb(t, e->pb);
    sim_trace__kv_int(t, "result", r->result);
    break;
  case DM_EV_FLAGS:
    sim_trace__kv_int(t, "ref", r->ref);
    sim_trace__kv_u64(t, "dCtlFlags", r->flags);
    break;
  case DM_EV_VIOLATION:
    sim_trace__kv_str(t, "rule", r->rule);
    sim_trace__kv_str(t, "msg", r->msg);
    if (r->ref != 0)
      sim_trace__kv_int(t, "ref", r->ref);
    if (e->pb)
      kv_pb(t, e->pb);
    if (r->id)
      sim_trace__kv_u64(t, "id", r->id);
    break;
  case DM_EV_WARNING:
    sim_trace__kv_str(t, "msg", r->msg);
    sim_trace__kv_int(t, "ref", r->ref);
    break;
  case DM_EV_SCSI_SUBMIT:
  case DM_EV_SCSI_HANDOFF:
  case DM_EV_SCSI_RETURN:
  case DM_EV_SCSI_DONE:
    sim_trace__kv_int(t, "ref", r->ref);
    sim_trace__key(t, "id");
    sim_trace__json_num_or_null(t, r->id);
    sim_trace__kv_str(t, "ctrl", r->name);
    sim_trace__kv_u64(t, "task", r->tag);
    sim_trace__kv_u64(t, "slot", r->slot);
    if (r->ev == DM_EV_SCSI_SUBMIT) {
      sim_trace__kv_str(t, "op", dm_scsi_op_name(r->opcode));
      sim_trace__kv_u64(t, "opcode", r->opcode);
      sim_trace__kv_u64(t, "target", r->target);
      sim_trace__kv_u64(t, "lun", r->lun);
    } else if (r->ev == DM_EV_SCSI_DONE) {
      sim_trace__kv_u64(t, "service", r->service);
      sim_trace__kv_u64(t, "status", r->status);
      sim_trace__kv_u64(t, "sense", r->sense);
    } else {
      sim_trace__kv_u64(t, "count", r->count);
    }
    break;
  default:
    if (r->ref != 0)
      sim_trace__kv_int(t, "ref", r->ref);
    if (e->pb)
      kv_pb(t, e->pb);
    if (r->id)
      sim_trace__kv_u64(t, "id", r->id);
    if (r->result != 0)
      sim_trace__kv_int(t, "result", r->result);
    if (r->name)
      sim_trace__kv_str(t, "name", r->name);
    if (r->msg)
      sim_trace__kv_str(t, "msg", r->msg);
    break;
  }
  sim_trace__put(t, "}\n", 2);
}

/* SCSI records: t, ev, lvl, (machine), bus, target, lun, then
 *   scsi-command  tag, op, cdb
 *   scsi-data     tag, dir, bytes
 *   scsi-status   tag, transport, scsi_status, status_byte, sense, key, asc,
 *                 ascq, resid
 *   scsi-abort    tag, transport
 *   scsi-reset    (nothing more)
 * bus is the bus's number (the scenario's order of `scsi bus` lines from
 * 0); target is null for a bus reset, lun null for a target or bus reset; op
 * null for an opcode without a name; sense, key, asc and ascq null without
 * sense data; cdb and sense are hex pairs separated by spaces. */
static void jsonl_scsi(sim_trace *t, const sim_trace_scsi_ev *e)
{
  const sim_scsi_trace_rec *r = e->rec;
  char hex[3 * SIM_SCSI_SENSE_MAX + 1];
  sim_trace__put(t, "{\"t\":", 5);
  sim_trace__u64(t, r->t);
  sim_trace__kv_str(t, "ev", sim_scsi_ev_name(r->ev));
  sim_trace__kv_str(t, "lvl", dm_level_name(r->lvl));
  if (t->name_machines)
    sim_trace__kv_str(t, "machine", t->machine);
  sim_trace__kv_u64(t, "bus", r->bus);
  sim_trace__key(t, "target");
  if (r->target == 0xFF)
    sim_trace__put(t, "null", 4);
  else
    sim_trace__u64(t, r->target);
  sim_trace__key(t, "lun");
  if (r->lun == 0xFFFF)
    sim_trace__put(t, "null", 4);
  else
    sim_trace__u64(t, r->lun);
  if (r->ev != SIM_SCSI_EV_RESET)
    sim_trace__kv_u64(t, "tag", r->tag);
  switch (r->ev) {
  case SIM_SCSI_EV_COMMAND:
    sim_trace__kv_str(t, "op", sim_scsi_cdb_name(r->cdb, r->cdb_len));
    sim_trace__hex(r->cdb, r->cdb_len, hex, sizeof hex);
    sim_trace__kv_str(t, "cdb", hex);
    break;
  case SIM_SCSI_EV_DATA:
    sim_trace__kv_str(t, "dir", r->dir == SIM_SCSI_DIR_OUT ? "out" : "in");
    sim_trace__kv_u64(t, "bytes", r->bytes);
    break;
  case SIM_SCSI_EV_STATUS: {
    const char *sn = sim_scsi_status_name(r->status);
    sim_trace__kv_str(t, "transport", sim_scsi_xport_name(r->xport));
    sim_trace__kv_str(t, "scsi_status", sn ? sn : "?");
    sim_trace__kv_u64(t, "status_byte", r->status);
    sim_scsi_sense_info si;
    if (r->sense_len && sim_scsi_sense_decode(r->sense, r->sense_len, &si) == 0) {
      sim_trace__hex(r->sense, r->sense_len, hex, sizeof hex);
      sim_trace__kv_str(t, "sense", hex);
      sim_trace__kv_u64(t, "key", si.key);
      sim_trace__kv_u64(t, "asc", si.asc);
      sim_trace__kv_u64(t, "ascq", si.ascq);
    } else {
      static const char nulls[] = ",\"sense\":null,\"key\":null,\"asc\":null,\"ascq\":null";
      sim_trace__put(t, nulls, sizeof nulls - 1);
    }
    sim_trace__kv_u64(t, "resid", r->resid);
    break;
  }
  case SIM_SCSI_EV_ABORT: sim_trace__kv_str(t, "transport", sim_scsi_xport_name(r->xport)); break;
  default: break;
  }
  sim_trace__put(t, "}\n", 2);
}

const sim_trace_ops sim_trace__jsonl_ops = {jsonl_init, jsonl_nop, jsonl_record, jsonl_nop,
  jsonl_nop, 1, jsonl_scsi};
