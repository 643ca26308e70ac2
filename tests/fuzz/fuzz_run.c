/*
 * fuzz_run.c - libFuzzer target: the whole run path. A scenario that parses
 * is run through the executor with every built-in driver available,
 * .Hostile included, checked mode, a trace in each format. Two kinds of
 * input are set aside because they end the process or never end by design:
 * .Hostile's csCodes that fault, exit or hang (100-103, 105-107, 113, 114:
 * the guard reports those, tests/bad-inputs.sh runs each; 104, a sync call
 * to itself, is stopped by the nesting limit and runs), and repeat counts whose
 * product exceeds 10,000 (the watchdog stops those by exiting).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/scenario.h"
#include "run/run.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t work(const sim_sc_machine *m, const sim_sc_stmt *st, size_t n, int depth)
{
  uint64_t total = 0;
  for (size_t i = 0; i < n && total <= 10000; i++) {
    uint64_t one = 1;
    if (st[i].kind == SIM_SC_ST_REPEAT) {
      const sim_sc_repeat *r = &m->repeats[st[i].repeat];
      uint64_t inner = work(m, r->body, r->nbody, depth + 1);
      one = r->count > 10000 ? 10001 : r->count * (inner ? inner : 1);
    }
    total += one;
  }
  return total;
}

static int runnable(const sim_scenario *sc)
{
  for (size_t mi = 0; mi < sc->nmachines; mi++) {
    const sim_sc_machine *m = &sc->machines[mi];
    for (size_t i = 0; i < m->nshapes; i++) {
      const sim_sc_shape *c = &m->shapes[i];
      /* A call to a raw refNum may reach .Hostile: counted as one. */
      int hostile = c->driver == SIM_SC_NONE ||
                    (m->drivers[c->driver].src.kind == SIM_SC_SRC_BUILTIN &&
                     strcmp(m->drivers[c->driver].src.name, "hostile") == 0);
      for (size_t e = 0; e < m->nevents && !hostile; e++)
        hostile = m->events[e].kind == SIM_SC_REPLACE && m->events[e].driver == c->driver;
      if ((c->op == SIM_SC_OP_CONTROL || c->op == SIM_SC_OP_STATUS) && hostile &&
          ((c->code >= 100 && c->code <= 107 && c->code != 104) || c->code == 113 ||
           c->code == 114))
        return 0;
    }
    for (size_t i = 0; i < m->ndrivers; i++)
      if (m->drivers[i].src.kind != SIM_SC_SRC_BUILTIN)
        return 0; /* no shared objects from fuzzed paths */
    for (size_t i = 0; i < m->nevents; i++)
      if (m->events[i].kind == SIM_SC_REPLACE && m->events[i].with.kind != SIM_SC_SRC_BUILTIN)
        return 0;
    for (size_t i = 0; i < m->nclients; i++)
      if (work(m, m->clients[i].body, m->clients[i].nbody, 0) > 10000)
        return 0;
    for (size_t i = 0; i < m->nshapes; i++)
      if (m->shapes[i].size > (1u << 20))
        return 0;
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  sim_scenario *sc = NULL;
  char err[1024];
  if (sim_scenario_parse("<fuzz>", (const char *)data, size, &sc, err, sizeof err) != 0)
    return 0;
  if (runnable(sc)) {
    static FILE *null;
    if (null == NULL)
      null = fopen("/dev/null", "w");
    sim_run_opts o = { 0 };
    o.out = null;
    o.err = null;
    o.max_steps = 0;
    int st = sim_run(sc, &o);
    if (st < 0 || st > 2)
      abort();
  }
  sim_scenario_free(sc);
  return 0;
}
