/*
 * sim/view/view_window.c - the viewer's window: an SDL2 window whose frames
 * are the picture of view_draw.c, driven by the player's keys and clock.
 *
 * The picture is drawn at its own size (SIM_VIEW_WIDTH x SIM_VIEW_HEIGHT) and scaled
 * to the window by SDL's logical size, so resizing keeps the layout.
 */
#include "view/view.h"

#include <string.h>

int sim_view_window(sim_view *v, FILE *err)
{
  if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
    fprintf(err, "dmsim: view: cannot open a window (%s); --screenshot FILE.png --at TIME "
                 "draws without a display\n", SDL_GetError());
    return -1;
  }
  /* With no display SDL falls back to a driver that draws nowhere
   * ("offscreen" or "dummy"): a window there can never be seen or closed,
   * so the loop below would run forever. Refuse it unless the user chose
   * that driver by name. */
  const char *drv = SDL_GetCurrentVideoDriver();
  const char *asked = SDL_getenv("SDL_VIDEODRIVER");
  if (drv != NULL && (strcmp(drv, "offscreen") == 0 || strcmp(drv, "dummy") == 0) &&
      (asked == NULL || strcmp(asked, drv) != 0)) {
    fprintf(err, "dmsim: view: cannot open a window: no display (SDL found only its '%s' "
                 "driver); set DISPLAY, or use --screenshot FILE.png --at TIME\n", drv);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    return -1;
  }
  char title[256];
  snprintf(title, sizeof title, "dmsim view %s", v->title ? v->title : "");
  SDL_Window *w = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
                                   SIM_VIEW_WIDTH, SIM_VIEW_HEIGHT, SDL_WINDOW_RESIZABLE);
  SDL_Renderer *r = w != NULL ? SDL_CreateRenderer(w, -1, SDL_RENDERER_PRESENTVSYNC) : NULL;
  if (w != NULL && r == NULL)
    r = SDL_CreateRenderer(w, -1, SDL_RENDERER_SOFTWARE);
  if (r == NULL) {
    fprintf(err, "dmsim: view: cannot open a window: %s\n", SDL_GetError());
    if (w != NULL)
      SDL_DestroyWindow(w);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
    return -1;
  }
  SDL_RenderSetLogicalSize(r, SIM_VIEW_WIDTH, SIM_VIEW_HEIGHT);
  Uint64 freq = SDL_GetPerformanceFrequency(), last = SDL_GetPerformanceCounter();
  while (!v->quit) {
    sim_view_pump(v);
    Uint64 now = SDL_GetPerformanceCounter();
    sim_view_tick(v, (double)(now - last) / (double)freq);
    last = now;
    sim_view_draw(v, r);
    SDL_RenderPresent(r);
    SDL_Delay(15); /* about 60 frames a second without vsync */
  }
  SDL_DestroyRenderer(r);
  SDL_DestroyWindow(w);
  SDL_QuitSubSystem(SDL_INIT_VIDEO);
  return 0;
}
