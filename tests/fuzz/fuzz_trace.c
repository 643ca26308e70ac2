/*
 * fuzz_trace.c - libFuzzer target: every trace writer (text, jsonl,
 * chrome, vcd) on one stream of records decoded from the input: any event
 * kind (known or not), level, code, mode, refNum, result, flags, ID, a
 * parameter block from a small set of addresses, names, rule ids and
 * messages with any bytes, times that never go back. The writers must not
 * crash, leak or read out of bounds, whatever the order of records.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct rd {
  const uint8_t *p;
  size_t         n;
} rd;

static uint64_t take(rd *r, unsigned bytes)
{
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; i++) {
    v = v << 8 | (r->n ? *r->p : 0);
    if (r->n) {
      r->p++;
      r->n--;
    }
  }
  return v;
}

/* A NUL-terminated string of up to 15 input bytes, in buf. */
static const char *str(rd *r, char *buf)
{
  unsigned len = (unsigned)take(r, 1) & 15u;
  for (unsigned i = 0; i < len; i++)
    buf[i] = (char)(take(r, 1) | 1); /* no NUL inside */
  buf[len] = '\0';
  return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static char pbs[8][64];
  for (int fmt = SIM_TRACE_TEXT; fmt <= SIM_TRACE_VCD; fmt++) {
    FILE *f = fopen("/dev/null", "w");
    if (f == NULL)
      return 0;
    sim_trace *t = sim_trace_open(f, (sim_trace_format)fmt);
    if (t == NULL) {
      fclose(f);
      return 0;
    }
    rd r = { data, size };
    uint64_t now = 0;
    while (r.n > 0) {
      char name[16], rule[16], msg[16];
      dm_trace_rec rec;
      memset(&rec, 0, sizeof rec);
      uint8_t what = (uint8_t)take(&r, 1);
      if (what == 0xFF) {
        sim_trace_set_machine(t, str(&r, name), (int)(take(&r, 1) & 3));
        continue;
      }
      now += take(&r, 2);
      rec.t = now;
      rec.ev = what;
      rec.lvl = (uint8_t)(take(&r, 1) % 4);
      rec.code = (uint8_t)take(&r, 1);
      rec.mode = (uint8_t)take(&r, 1);
      rec.ref = (int16_t)(-(int16_t)(take(&r, 1) & 7));
      rec.result = (int16_t)take(&r, 2);
      rec.flags = (uint16_t)take(&r, 2);
      rec.runtime = (uint32_t)take(&r, 1);
      rec.id = take(&r, 2);
      uint8_t pb = (uint8_t)take(&r, 1);
      rec.pb = pb & 8 ? pbs[pb & 7] : NULL;
      rec.name = what & 1 ? str(&r, name) : NULL;
      rec.rule = what & 2 ? str(&r, rule) : NULL;
      rec.msg = what & 4 ? str(&r, msg) : NULL;
      rec.opcode = (uint8_t)take(&r, 1);
      rec.tag = take(&r, 1);
      sim_trace_record(t, &rec);
    }
    sim_trace_close(t);
    fclose(f);
  }
  return 0;
}
