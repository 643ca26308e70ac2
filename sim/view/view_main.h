/*
 * sim/view/view_main.h - the one entry of the viewer module.
 *
 * The viewer (sim/view, SDL2 and libpng) is built as a module of its own,
 * dmsim-view.so, that `dmsim view` loads with dlopen: every other verb then
 * starts without loading SDL2's and libpng's libraries (several dozen of
 * them, some milliseconds of dynamic linking in each process). This header
 * includes no SDL header so that the command line can name the entry.
 * What the module calls in the simulator resolves against the program
 * itself (linked -rdynamic), so it must be code dmsim links for another
 * reason; when it is not, dlopen names the symbol and tests/view.sh fails.
 */
#ifndef SIM_VIEW_MAIN_H
#define SIM_VIEW_MAIN_H

#include <stdint.h>

/* What `dmsim view` was asked (options already checked by the command line). */
typedef struct sim_view_args {
  const char *input;   /* scenario, or a recorded TRACE.jsonl */
  const char *shot;    /* --screenshot FILE.png, or NULL for a window */
  double      speed;   /* --speed, 0 for the default */
  uint64_t    at;      /* --at, when have_at */
  int         have_at;
} sim_view_args;

/* The module's exported entry, found by this name with dlsym. */
#define SIM_VIEW_MAIN_SYMBOL "sim_view_main"

/* Shows a->input in a window or writes a->shot. Returns the exit status of
 * `dmsim view`: 0 done, 1 no window or the PNG could not be written, 2 the
 * input cannot be read or run (the message, on stderr, names file, line and
 * column). */
int sim_view_main(const sim_view_args *a);
typedef int sim_view_main_fn(const sim_view_args *a);

#endif
