/*
 * fuzz_parse.c - libFuzzer target: the scenario parser on any bytes. A tree
 * that comes back must be freed cleanly; an error must leave exactly one
 * message of the form "<fuzz>:LINE:COL: error: ..." or "<fuzz>: error: ...".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lang/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  sim_scenario *sc = NULL;
  char err[1024];
  err[0] = '\0';
  int r = sim_scenario_parse("<fuzz>", (const char *)data, size, &sc, err, sizeof err);
  if (r == 0) {
    if (sc == NULL)
      abort();
    sim_scenario_free(sc);
  } else if (sc != NULL || strncmp(err, "<fuzz>:", 7) != 0 || strchr(err, '\n') != NULL) {
    abort();
  }
  return 0;
}
