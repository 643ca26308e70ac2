/*
 * sim/view/view_png.c - pictures without a display: the model drawn by
 * SDL's software renderer on a memory surface (no video subsystem, no
 * window), read back and written as a PNG with libpng.
 */
#include <png.h>
#include <stdlib.h>

#include "view/view.h"

int sim_view_png_write(const char *path, const uint32_t *argb, int w, int h, int pitch)
{
  FILE *f = fopen(path, "wb");
  if (f == NULL)
    return -1;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png != NULL ? png_create_info_struct(png) : NULL;
  uint8_t *row = malloc((size_t)w * 3);
  if (png == NULL || info == NULL || row == NULL) {
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
    return -1;
  }
  /* libpng reports errors by longjmp; nothing below changes a local that
   * is read after it. */
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
    return -1;
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < h; y++) {
    const uint32_t *src = (const uint32_t *)((const uint8_t *)argb + (size_t)y * (size_t)pitch);
    for (int x = 0; x < w; x++) {
      row[3 * x] = (uint8_t)(src[x] >> 16);
      row[3 * x + 1] = (uint8_t)(src[x] >> 8);
      row[3 * x + 2] = (uint8_t)src[x];
    }
    png_write_row(png, row);
  }
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  free(row);
  return fclose(f) == 0 ? 0 : -1;
}

int sim_view_screenshot(const sim_view *v, const char *png_path, FILE *err)
{
  SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, SIM_VIEW_WIDTH, SIM_VIEW_HEIGHT, 32,
                                                  SDL_PIXELFORMAT_ARGB8888);
  SDL_Renderer *r = s != NULL ? SDL_CreateSoftwareRenderer(s) : NULL;
  if (r == NULL) {
    fprintf(err, "dmsim: view: cannot make a software renderer: %s\n", SDL_GetError());
    SDL_FreeSurface(s);
    return -1;
  }
  sim_view_draw(v, r);
  SDL_RenderPresent(r);
  int rc = 0;
  if (SDL_LockSurface(s) != 0 ||
      sim_view_png_write(png_path, s->pixels, s->w, s->h, s->pitch) != 0) {
    fprintf(err, "dmsim: view: --screenshot %s: cannot write the PNG\n", png_path);
    rc = -1;
  }
  SDL_UnlockSurface(s);
  SDL_DestroyRenderer(r);
  SDL_FreeSurface(s);
  return rc;
}
