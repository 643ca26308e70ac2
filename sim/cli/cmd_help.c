/*
 * cmd_help.c - `dmsim help [VERB]`: the overall usage, or one verb's help.
 */
#include <stdio.h>

#include "cli/cli.h"

static int help_main(const sim_cli_verb *v, int argc, char **argv)
{
  if (argc == 0) {
    sim_cli_usage(stdout);
    return 0;
  }
  if (argc > 1)
    return sim_cli_bad_usage(v, "help: one verb at a time ('%s' is extra)", argv[1]);
  const sim_cli_verb *w = sim_cli_find(argv[0]);
  if (w == NULL)
    return sim_cli_bad_usage(v, "help: unknown verb '%s'", argv[0]);
  sim_cli_help(w, stdout);
  return 0;
}

const sim_cli_verb sim_cli_verb_help = {
  "help",
  "[VERB]",
  "print the list of verbs, or one verb's help",
  "Without VERB, prints every verb with a one-line summary; with VERB, prints\n"
  "what `dmsim VERB --help` prints.\n"
  "\n"
  "exit status: 0, or 2 for an unknown verb.\n",
  help_main,
};
