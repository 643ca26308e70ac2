/*
 * view_main.c - the viewer module's entry (sim_view_main): load the records
 * of a scenario or a jsonl trace, then open a window or write a PNG.
 */
#include <stdio.h>
#include <string.h>

#include "view/view.h"
#include "view/view_main.h"

static int ends_with(const char *s, const char *tail)
{
  size_t n = strlen(s), k = strlen(tail);
  return n >= k && strcmp(s + n - k, tail) == 0;
}

int sim_view_main(const sim_view_args *a)
{
  sim_view_recs recs;
  int status = ends_with(a->input, ".jsonl") ? sim_view_load_jsonl(a->input, &recs, stderr)
                                             : sim_view_load_scenario(a->input, &recs, stderr);
  if (status == 2) {
    sim_view_recs_free(&recs);
    return 2;
  }
  /* The title is the file's name without directory and extension, so that
   * a scenario and its recorded trace give the same picture. */
  char title[128];
  const char *base = strrchr(a->input, '/') ? strrchr(a->input, '/') + 1 : a->input;
  snprintf(title, sizeof title, "%s", base);
  char *dot = strrchr(title, '.');
  if (dot != NULL && dot != title)
    *dot = '\0';
  sim_view player;
  sim_view_init(&player, &recs, title, a->speed);
  if (a->have_at)
    sim_view_seek(&player, 0, a->at);
  else if (a->shot != NULL)
    while (sim_view_step(&player))
      ;
  int rc = 0;
  if (a->shot != NULL) {
    rc = sim_view_screenshot(&player, a->shot, stderr) == 0 ? 0 : 1;
  } else {
    if (SDL_Init(SDL_INIT_EVENTS) != 0 || sim_view_window(&player, stderr) != 0)
      rc = 1;
    SDL_Quit();
  }
  sim_view_free(&player);
  sim_view_recs_free(&recs);
  return rc;
}
