/*
 * outfile.c - output files that appear only on success (see outfile.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/outfile.h"

static void reset(sim_outfile *o)
{
  free(o->target);
  free(o->tmp);
  o->f = NULL;
  o->target = NULL;
  o->tmp = NULL;
}

int sim_outfile_open(sim_outfile *o, const char *path)
{
  memset(o, 0, sizeof *o);
  if (strcmp(path, "-") == 0) {
    o->f = stdout;
    return 0;
  }
  /* Only a plain file is replaced by renaming: anything else (a device, a
   * pipe, a symbolic link such as /dev/stdout) is written where it is. */
  struct stat st;
  if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    o->f = fopen(path, "w");
    return o->f != NULL ? 0 : -1;
  }
  o->target = strdup(path);
  size_t n = strlen(o->target) + sizeof ".tmp-XXXXXX";
  o->tmp = malloc(n);
  if (o->target == NULL || o->tmp == NULL) {
    reset(o);
    errno = ENOMEM;
    return -1;
  }
  snprintf(o->tmp, n, "%s.tmp-XXXXXX", o->target);
  int fd = mkstemp(o->tmp);
  if (fd < 0) {
    int e = errno;
    reset(o);
    errno = e;
    return -1;
  }
  /* mkstemp creates the file readable by its owner only; give it the mode
   * a plain fopen would have. */
  mode_t mask = umask(0);
  umask(mask);
  if (fchmod(fd, 0666 & ~mask) != 0 || (o->f = fdopen(fd, "w")) == NULL) {
    int e = errno;
    close(fd);
    unlink(o->tmp);
    reset(o);
    errno = e;
    return -1;
  }
  return 0;
}

int sim_outfile_commit(sim_outfile *o)
{
  int bad = o->f == NULL || ferror(o->f);
  if (o->f == stdout)
    bad |= fflush(stdout) != 0;
  else if (o->f != NULL)
    bad |= fclose(o->f) != 0;
  if (o->tmp != NULL) {
    if (!bad && rename(o->tmp, o->target) != 0)
      bad = 1;
    if (bad)
      unlink(o->tmp);
  }
  reset(o);
  return bad ? -1 : 0;
}

void sim_outfile_abort(sim_outfile *o)
{
  if (o->f != NULL && o->f != stdout)
    fclose(o->f);
  if (o->tmp != NULL)
    unlink(o->tmp);
  reset(o);
}
