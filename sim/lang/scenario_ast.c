/*
 * sim/lang/scenario_ast.c - the scenario tree's ownership and printable names.
 *
 * Contracts: sim_scenario_free releases a tree in any state the parser may
 * leave it in (a half-filled entry included, since the parser appends an
 * entry before filling it); the name functions return the words the
 * language and the trace use, never NULL.
 */
#include "lang/scenario_int.h"

#include <stdlib.h>

void sc_machine_free(sim_sc_machine *m)
{
  for (size_t i = 0; i < m->ndrivers; i++)
    free(m->drivers[i].src.name);
  free(m->drivers);
  for (size_t i = 0; i < m->nevents; i++)
    free(m->events[i].with.name);
  free(m->events);
  free(m->hardware);
  for (size_t i = 0; i < m->ncontrollers; i++)
    free(m->controllers[i].src.name);
  free(m->controllers);
  for (size_t i = 0; i < m->ndisks; i++)
    free(m->disks[i].image);
  free(m->disks);
  for (size_t i = 0; i < m->nclients; i++)
    free(m->clients[i].body);
  free(m->clients);
  free(m->calls);
  free(m->call_names);
  for (size_t i = 0; i < m->nshapes; i++) {
    free(m->shapes[i].pattern.text);
    free(m->shapes[i].open_name);
    free(m->shapes[i].then);
  }
  free(m->shapes);
  free(m->pbs);
  free(m->times);
  for (size_t i = 0; i < m->nrepeats; i++)
    free(m->repeats[i].body);
  free(m->repeats);
  for (size_t i = 0; i < m->nexpects; i++) {
    free(m->expects[i].order);
    free(m->expects[i].sent);
  }
  free(m->expects);
  sc_scsibus_free(m->scsi);
}

void sim_scenario_free(sim_scenario *sc)
{
  if (!sc)
    return;
  for (size_t i = 0; i < sc->nmachines; i++)
    sc_machine_free(&sc->machines[i]);
  free(sc->machines);
  free(sc->path);
  free(sc);
}

const char *sim_sc_op_name(sim_sc_op op)
{
  static const char *const names[] = {"open",    "close",  "read",  "write",
                                      "control", "status", "killio"};
  return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

const char *sim_sc_mode_name(sim_sc_mode mode)
{
  static const char *const names[] = {"sync", "async", "immediate"};
  return (unsigned)mode < sizeof names / sizeof names[0] ? names[mode] : "?";
}

const char *sim_sc_evkind_name(sim_sc_evkind ev)
{
  static const char *const names[] = {"call",     "reject",   "enqueue",   "dispatch", "complete",
                                      "callback", "done",     "violation", "warning"};
  return (unsigned)ev < sizeof names / sizeof names[0] ? names[ev] : "?";
}
