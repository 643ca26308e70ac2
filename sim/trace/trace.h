/*
 * sim/trace/trace.h - the trace writer: turns the Device Manager's dm_trace_rec
 * records into a file a person or a tool reads.
 *
 * The run command opens one writer on a FILE*, installs sim_trace_record as
 * the machine's dm_trace_fn hook (ctx = the writer), and closes the writer
 * when the run ends. Four formats (docs/trace.md):
 *
 *   text    a fixed-width table, one row per record, names decoded
 *   jsonl   one JSON object per line; the schema is a contract
 *   chrome  Chrome trace JSON for ui.perfetto.dev: a process per machine,
 *           a track group per driver holding its requests' async slices,
 *           counters for queue depth
 *   vcd     a VCD file for GTKWave: per-driver queue depth, drvrActive,
 *           in-flight count and violations. VCD declares every signal
 *           before the first value, so this format streams the changes to
 *           a temporary file and writes the whole file at sim_trace_close
 *           (memory stays bounded however long the run).
 *
 * Parameter blocks are numbered 1, 2, 3... in the order each distinct pointer
 * first appears in the record stream; that number is the `pb` of every
 * format. Output depends only on the sequence of records (never on pointer
 * values or the host clock), so a deterministic run gives a byte-identical
 * trace. The writer only reads records: it never changes simulated time.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "devmgr/trace.h"
#include "scsi/scsi.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sim_trace_format {
  SIM_TRACE_TEXT,
  SIM_TRACE_JSONL,
  SIM_TRACE_CHROME,
  SIM_TRACE_VCD
} sim_trace_format;

typedef struct sim_trace sim_trace;

/* Map a --trace-format word ("text", "jsonl", "chrome", "vcd") to a format.
 * Returns 0 and sets *out, or -1 for anything else (*out untouched). */
int sim_trace_format_parse(const char *s, sim_trace_format *out);

/* The --trace-format word of fmt; "?" when out of range. */
const char *sim_trace_format_name(sim_trace_format fmt);

/* Start a writer of format fmt on f. The writer does not own f (close does
 * not fclose it). Returns NULL when out of memory or fmt is unknown. */
sim_trace *sim_trace_open(FILE *f, sim_trace_format fmt);

/* Name the machine whose records follow (default "main", index 0). The
 * chrome format uses pid = index + 1 and names the process after the
 * machine. May be called again between records to interleave machines in
 * one trace; name is copied. */
void sim_trace_set_machine(sim_trace *t, const char *machine_name, int machine_index);

/* Name the machine of every record (jsonl: a `machine` key after `lvl`), as
 * a trace of several machines needs; call before the first record. */
void sim_trace_name_machines(sim_trace *t);

/* The dm_trace_fn hook: ctx is the sim_trace*. Formats rec and writes it
 * (or, for vcd, buffers its effect). Never calls back into the Device
 * Manager. A failed write is remembered and reported by sim_trace_close. */
void sim_trace_record(void *ctx, const dm_trace_rec *rec);
/* Forget block pb's number: its next record gets a new one (the executor
 * sends the block again for another statement). */
void sim_trace_forget_pb(sim_trace *t, const void *pb);

/* A record of a simulated SCSI bus of the current machine (the
 * sim_scsi_trace_fn of sim/scsi/scsi.h, with t as ctx). Each logical unit
 * is a track of its own ("SCSI 0:0" for target 0, LUN 0 of bus 0, "SCSI
 * 1/0:0" on bus 1) with the commands in flight on it; bus resets go to a
 * "SCSI bus N" track. t may be NULL (a
 * no-op). docs/trace.md lists the fields of each format. */
void sim_trace_scsi(sim_trace *t, const sim_scsi_trace_rec *rec);

/* Write the footer (closes the chrome JSON document, the vcd file) and
 * flush f, leaving the writer allocated: what a run that ends abruptly
 * (a driver fault, a watchdog) does so that the file is whole up to that
 * point. Later records are ignored. Returns 0, or -1 with errno set to the
 * first failure's when any write failed. */
int sim_trace_finish(sim_trace *t);

/* Finish the trace: write any footer (closes the chrome JSON document,
 * writes the whole vcd file), flush f and free the writer. Returns 0, or -1
 * if any write or allocation failed along the way, with errno set to the
 * first failure's (ENOSPC for a full disk, ENOMEM). t may be NULL (returns 0). */
int sim_trace_close(sim_trace *t);

#ifdef __cplusplus
}
#endif
#endif /* SIM_TRACE_H */
