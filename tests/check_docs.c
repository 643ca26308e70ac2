/*
 * check_docs.c - every scenario the documentation shows is real: each
 * ```dms block of the docs/ pages and README.md parses; one whose drivers
 * are all built in names drivers that exist, runs, and meets its
 * expectations (exit status 0). Runs from the repository root, as `make
 * test` does.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests.h"
#include "builtins.h"
#include "lang/scenario.h"
#include "run/run.h"

/* Parse, and run when it can, the block text shown at where. */
static void check_block(const char *where, const char *text, size_t len)
{
  char msg[600];
  sim_scenario *sc = NULL;
  ck_assert_msg(sim_scenario_parse(where, text, len, &sc, msg, sizeof msg) == 0, "%s", msg);
  int runnable = 1;
  for (size_t mi = 0; mi < sc->nmachines; mi++) {
    const sim_sc_machine *m = &sc->machines[mi];
    for (size_t d = 0; d < m->ndrivers; d++) {
      const sim_sc_source *src = &m->drivers[d].src;
      if (src->kind != SIM_SC_SRC_BUILTIN)
        runnable = 0;
      else
        ck_assert_msg(dm_builtin_find(src->name) != NULL, "%s: no built-in driver '%s'",
                      where, src->name);
    }
  }
  if (runnable) {
    char *out = NULL, *err = NULL;
    size_t olen, elen;
    sim_run_opts o = { 0 };
    o.quiet = 1;
    o.out = open_memstream(&out, &olen);
    o.err = open_memstream(&err, &elen);
    int status = sim_run(sc, &o);
    fclose(o.out);
    fclose(o.err);
    ck_assert_msg(status == 0, "%s: dmsim run exits %d:\n%s", where, status, err);
    free(out);
    free(err);
  }
  sim_scenario_free(sc);
}

/* Every ```dms block of path; returns how many. */
static int check_file(const char *path)
{
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "cannot read %s", path);
  char line[1024], where[512];
  char *block = NULL;
  size_t len = 0;
  FILE *b = NULL;
  int lineno = 0, start = 0, n = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    lineno++;
    if (b == NULL && strcmp(line, "```dms\n") == 0) {
      b = open_memstream(&block, &len);
      start = lineno + 1;
    } else if (b != NULL && strncmp(line, "```", 3) == 0) {
      fclose(b);
      b = NULL;
      snprintf(where, sizeof where, "%s (block at line %d)", path, start);
      check_block(where, block, len);
      free(block);
      block = NULL;
      n++;
    } else if (b != NULL) {
      fputs(line, b);
    }
  }
  fclose(f);
  ck_assert_msg(b == NULL, "%s: a ```dms block is not closed", path);
  return n;
}

START_TEST(test_doc_scenarios_parse_and_run)
{
  glob_t g;
  ck_assert_int_eq(glob("docs/*.md", 0, NULL, &g), 0);
  int n = check_file("README.md");
  for (size_t i = 0; i < g.gl_pathc; i++)
    n += check_file(g.gl_pathv[i]);
  globfree(&g);
  ck_assert_int_ge(n, 3);
}
END_TEST

/* docs/rules.md names, for every rule, the scenarios that exercise it: each
 * numbered step of the path of a request and each section has a
 * *Scenarios:* line, every file it names exists, and each row of the
 * violation catalogue names a scenario that expects its rule (or says that
 * only Check tests provoke it). */
START_TEST(test_rules_name_their_scenarios)
{
  FILE *f = fopen("docs/rules.md", "r");
  ck_assert_ptr_nonnull(f);
  char line[2048], section[128] = "";
  int item = 0, item_has = 1, section_has = 1, files = 0, rows = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    int numbered = line[0] >= '1' && line[0] <= '9' && strstr(line, ". ") == line + 1;
    if (strncmp(line, "## ", 3) == 0 || numbered) {
      ck_assert_msg(item_has, "docs/rules.md: step %d of '%s' names no scenario", item, section);
      item_has = 0;
      item = numbered ? line[0] - '0' : 0;
    }
    if (strncmp(line, "## ", 3) == 0) {
      ck_assert_msg(section_has, "docs/rules.md: section '%s' names no scenario", section);
      snprintf(section, sizeof section, "%.*s", (int)strcspn(line + 3, "\n"), line + 3);
      section_has = strcmp(section, "The violation catalogue") == 0;
      item_has = 1;
    }
    if (strstr(line, "*Scenarios:*") != NULL)
      item_has = section_has = 1;
    /* Every `....dms` named exists. */
    for (const char *p = strchr(line, '`'); p != NULL; p = strchr(p + 1, '`')) {
      const char *q = strchr(p + 1, '`');
      if (q == NULL)
        break;
      if (q - p > 5 && strncmp(q - 4, ".dms", 4) == 0) {
        char path[256];
        snprintf(path, sizeof path, "%.*s", (int)(q - p - 1), p + 1);
        ck_assert_msg(access(path, R_OK) == 0, "docs/rules.md names %s, which does not exist",
                      path);
        files++;
      }
      p = q;
    }
    /* A catalogue row: | `id` | ... | scenario | */
    if (strcmp(section, "The violation catalogue") == 0 && strncmp(line, "| `", 3) == 0) {
      char id[64], path[256];
      snprintf(id, sizeof id, "%.*s", (int)strcspn(line + 3, "`"), line + 3);
      const char *last = strrchr(line, '|');
      const char *cell = last;
      while (cell > line && cell[-1] != '|')
        cell--;
      ck_assert_msg(last > cell, "docs/rules.md: the row of %s has no scenario column", id);
      const char *tick = memchr(cell, '`', (size_t)(last - cell));
      if (tick == NULL) {
        ck_assert_msg(strstr(cell, "Check tests only") != NULL,
                      "docs/rules.md: %s names no scenario", id);
      } else {
        snprintf(path, sizeof path, "%.*s", (int)strcspn(tick + 1, "`"), tick + 1);
        FILE *sf = fopen(path, "r");
        ck_assert_msg(sf != NULL, "docs/rules.md: %s names %s, which does not exist", id, path);
        char want[96], sl[1024];
        int found = 0;
        snprintf(want, sizeof want, "expect violation %s", id);
        while (!found && fgets(sl, sizeof sl, sf) != NULL)
          found = strstr(sl, want) != NULL && sl[strspn(sl, " ")] == 'e';
        fclose(sf);
        ck_assert_msg(found, "docs/rules.md: %s names %s, which does not say '%s'", id, path,
                      want);
      }
      rows++;
    }
  }
  fclose(f);
  ck_assert_msg(item_has && section_has, "docs/rules.md: the last section names no scenario");
  ck_assert_int_ge(rows, 13);
  ck_assert_int_ge(files, 20);
}
END_TEST

Suite *docs_suite(void)
{
  Suite *s = suite_create("docs");
  TCase *tc = tcase_create("docs");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_doc_scenarios_parse_and_run);
  tcase_add_test(tc, test_rules_name_their_scenarios);
  suite_add_tcase(s, tc);
  return s;
}
