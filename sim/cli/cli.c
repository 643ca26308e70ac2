/*
 * cli.c - the dmsim command line's dispatcher: the verb table (generated
 * from the sim/cli/cmd_*.c files), --help and --version, usage messages,
 * and the parsing and exit-status helpers the verbs share.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "lang/scenario.h"
#include "version.h"

#define DM_VERB(n) extern const sim_cli_verb sim_cli_verb_##n;
#include "verbs.h"
#undef DM_VERB

static const sim_cli_verb *const verbs[] = {
#define DM_VERB(n) &sim_cli_verb_##n,
#include "verbs.h"
#undef DM_VERB
};
#define NVERBS ((int)(sizeof verbs / sizeof verbs[0]))

const sim_cli_verb *const *sim_cli_verbs(int *count)
{
  *count = NVERBS;
  return verbs;
}

const sim_cli_verb *sim_cli_find(const char *name)
{
  for (int i = 0; i < NVERBS; i++)
    if (strcmp(verbs[i]->name, name) == 0)
      return verbs[i];
  return NULL;
}

/* Print "PREFIX NAME FORM" for the first line of v's synopsis; its other
 * lines continue the same form, indented under its arguments. */
static void synopsis(const sim_cli_verb *v, const char *prefix, FILE *f)
{
  int indent = (int)(strlen(prefix) + strlen(v->name) + 1);
  const char *s = v->synopsis;
  for (int first = 1; s != NULL && (first || *s != '\0'); first = 0) {
    const char *nl = strchr(s, '\n');
    int len = nl ? (int)(nl - s) : (int)strlen(s);
    while (!first && len > 0 && *s == ' ')
      s++, len--;
    if (first)
      fprintf(f, "%s%s%s%.*s\n", prefix, v->name, len ? " " : "", len, s);
    else
      fprintf(f, "%*s%.*s\n", indent, "", len, s);
    s = nl ? nl + 1 : NULL;
  }
}

void sim_cli_usage(FILE *f)
{
  fprintf(f, "usage: dmsim VERB [OPTIONS] [ARGUMENTS]\n"
             "       dmsim VERB --help\n"
             "       dmsim --version\n\n"
             "dmsim simulates the classic Mac OS Device Manager (Mac OS 7.5.2 to 9) and its\n"
             "native drivers in a deterministic world.\n\nverbs:\n");
  for (int i = 0; i < NVERBS; i++)
    fprintf(f, "  %-9s %s\n", verbs[i]->name, verbs[i]->summary);
  fprintf(f, "\nexit status: 0 success, 1 a failure the verb reports, 2 bad usage or bad input\n");
}

void sim_cli_help(const sim_cli_verb *v, FILE *f)
{
  synopsis(v, "usage: dmsim ", f);
  fprintf(f, "\n%s\n\n%s", v->summary, v->help);
}

int sim_cli_bad_usage(const sim_cli_verb *v, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "dmsim: ");
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (v != NULL) {
    synopsis(v, "usage: dmsim ", stderr);
    fprintf(stderr, "Try 'dmsim %s --help'.\n", v->name);
  } else {
    fprintf(stderr, "Try 'dmsim help'.\n");
  }
  return 2;
}

/* Names an output file must never take: it would replace the user's data. */
static const char *const precious_ext[] = { ".dms", ".so", ".c", ".h", ".img", ".dsk", ".iso",
                                            ".dmg", ".hfv", ".image", ".toast", ".cdr", ".hda" };

const char *sim_cli_output_refused(const char *path, const char *input, const char *input_noun,
                                   const char *output_noun)
{
  static char why[160];
  if (strcmp(path, "-") == 0)
    return NULL;
  struct stat ps, is;
  int exists = stat(path, &ps) == 0;
  if (exists && S_ISDIR(ps.st_mode))
    return "is a directory";
  if (exists && stat(input, &is) == 0 && ps.st_dev == is.st_dev && ps.st_ino == is.st_ino) {
    snprintf(why, sizeof why, "is %s itself", input_noun);
    return why;
  }
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (dot != NULL && (slash == NULL || dot > slash))
    for (size_t i = 0; i < sizeof precious_ext / sizeof precious_ext[0]; i++)
      if (strcasecmp(dot, precious_ext[i]) == 0) {
        snprintf(why, sizeof why,
                 "names a scenario, source, driver or disk image (%s would replace it)",
                 output_noun);
        return why;
      }
  return NULL;
}

int sim_cli_final_sync(int close_rc, const char *image, int status)
{
  if (close_rc == 0)
    return status;
  fprintf(stderr, "dmsim: %s: the final sync failed\n", image);
  return status == 0 ? 1 : status;
}

int sim_cli_parse_u64(const char *s, uint64_t *out)
{
  return s != NULL && sim_scenario_parse_uint(s, UINT64_MAX, out) == 0 ? 0 : -1;
}

int sim_cli_parse_number(const char *s, double lo, double hi, double *out)
{
  if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
    return -1;
  for (const char *p = s; *p; p++) /* no "inf", "nan", hex floats */
    if (!isdigit((unsigned char)*p) && *p != '.' && *p != 'e' && *p != 'E' && *p != '-' &&
        *p != '+')
      return -1;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (*end != '\0' || errno == ERANGE || !(v >= lo && v <= hi))
    return -1;
  *out = v;
  return 0;
}

static int is_help(const char *a)
{
  return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0;
}

int sim_cli_main(int argc, char **argv)
{
  if (argc < 2)
    return sim_cli_bad_usage(NULL, "missing verb");
  const char *name = argv[1];
  if (is_help(name)) {
    sim_cli_usage(stdout);
    return 0;
  }
  if (strcmp(name, "--version") == 0) {
    printf("dmsim %s\n", DMSIM_VERSION);
    return 0;
  }
  const sim_cli_verb *v = sim_cli_find(name);
  if (v == NULL)
    return sim_cli_bad_usage(NULL, name[0] == '-' ? "unknown option '%s'" : "unknown verb '%s'",
                             name);
  /* --help anywhere before a "--" asks for the verb's help, whatever else
   * the line holds. */
  for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
    if (is_help(argv[i])) {
      sim_cli_help(v, stdout);
      return 0;
    }
  return v->main(v, argc - 2, argv + 2);
}
