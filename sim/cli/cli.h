/*
 * sim/cli/cli.h - the dmsim command line: one verb per file.
 *
 * Each sim/cli/cmd_NAME.c defines one verb as
 *
 *   const sim_cli_verb sim_cli_verb_NAME = { ... };
 *
 * at the start of a line. The Makefile collects those definitions into
 * build/gen/verbs.h, so adding a verb is adding a file: no shared table to
 * edit. `dmsim VERB --help` and `dmsim help VERB` print the verb's help;
 * bad usage prints its synopsis and exits with status 2.
 */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include <stdint.h>
#include <stdio.h>

typedef struct sim_cli_verb {
  const char *name;     /* "run" */
  const char *synopsis; /* the arguments after the name, one line per form */
  const char *summary;  /* one line, for `dmsim help` */
  const char *help;     /* what the verb does, its options and exit statuses */
  /* The verb itself, given the arguments after its name (never --help, which
   * the dispatcher answers). Returns the process's exit status. */
  int (*main)(const struct sim_cli_verb *self, int argc, char **argv);
} sim_cli_verb;

/* The command line: dispatch argv to its verb. Returns the exit status:
 * 0 success, 1 a failure the verb reports (a broken rule, a missed budget),
 * 2 bad usage or bad input. */
int sim_cli_main(int argc, char **argv);

/* The verb called name, or NULL. */
const sim_cli_verb *sim_cli_find(const char *name);
/* All verbs, sorted by name; *count is set. */
const sim_cli_verb *const *sim_cli_verbs(int *count);

/* Print the overall usage (every verb's synopsis and summary) to f. */
void sim_cli_usage(FILE *f);
/* Print v's full help to f. */
void sim_cli_help(const sim_cli_verb *v, FILE *f);

/* Report bad usage of v (NULL: of dmsim itself) on stderr: "dmsim: MESSAGE"
 * and the synopsis. Returns 2, the exit status for bad usage. */
int sim_cli_bad_usage(const sim_cli_verb *v, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

/* Why writing an output file at path would destroy data, or NULL when it
 * may be written ("-", stdout, always may): path is a directory, is the
 * input file itself (by identity, so links count; named input_noun, "the
 * scenario file"), or ends as a scenario, source, driver or disk image does
 * (output_noun, "a trace", would replace it). The reason lives in a static
 * buffer until the next call. */
const char *sim_cli_output_refused(const char *path, const char *input, const char *input_noun,
                                   const char *output_noun);

/* The exit status of a verb that wrote an image, once the image is closed:
 * close_rc is what closing it returned (nonzero: the final sync failed).
 * A failed sync is an I/O error, reported on stderr naming image, and makes
 * a status of 0 into 1; a status already 1 or 2 is kept. Returns it. */
int sim_cli_final_sync(int close_rc, const char *image, int status);

/* Parse an unsigned 64-bit integer exactly as the scenario language does
 * (decimal or 0x hex; "010" is ten, not octal eight). Returns 0 and sets
 * *out, or -1 when s is not one (empty, signed, spaces, trailing text,
 * overflow). */
int sim_cli_parse_u64(const char *s, uint64_t *out);
/* Parse a decimal number (fraction and exponent allowed; no inf, nan or
 * spaces) between lo and hi inclusive. Returns 0 and sets *out, or -1. */
int sim_cli_parse_number(const char *s, double lo, double hi, double *out);

#endif /* SIM_CLI_H */
