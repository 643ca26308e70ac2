/*
 * main.c - the dmsim program: the command line of sim/cli/cli.h.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
  return sim_cli_main(argc, argv);
}
