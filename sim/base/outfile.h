/*
 * sim/base/outfile.h - an output file that appears only when its writer says
 * the output is good: written to a temporary file in the same directory and
 * renamed over the target on commit, removed on abort. A target that exists
 * and is not a regular file (a device such as /dev/null, a pipe, a symbolic
 * link) is written in place; "-" is stdout.
 */
#ifndef SIM_OUTFILE_H
#define SIM_OUTFILE_H

#include <stdio.h>

typedef struct sim_outfile {
  FILE *f;         /* where to write, once open */
  char *target;    /* the name the output gets on commit; NULL: written in place */
  char *tmp;       /* the temporary file's name; NULL: written in place */
} sim_outfile;

/* Open path for writing. Returns 0, or -1 with errno set (nothing created). */
int sim_outfile_open(sim_outfile *o, const char *path);
/* Close the file and give it its name. Returns 0, or -1 when a write, the
 * close or the rename failed (the temporary file is then removed). */
int sim_outfile_commit(sim_outfile *o);
/* Close the file and remove what it created. */
void sim_outfile_abort(sim_outfile *o);

#endif /* SIM_OUTFILE_H */
