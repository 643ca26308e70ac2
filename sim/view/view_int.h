/*
 * sim/view/view_int.h - what the viewer's files share (private to sim/view).
 */
#ifndef SIM_VIEW_INT_H
#define SIM_VIEW_INT_H

#include "view/view.h"

/* The built-in font: 5x7 glyphs in 6x9 cells at scale 1. */
enum { VIEW_GLYPH_W = 5, VIEW_GLYPH_H = 7, VIEW_CELL_W = 6, VIEW_CELL_H = 9 };

/* Draw s at (x, y), each font pixel a scale x scale square of colour argb.
 * Characters outside printable ASCII are drawn as '?'. Returns the x after
 * the text. */
int sim_view__text(SDL_Renderer *r, int x, int y, int scale, uint32_t argb, const char *s);
/* The width s takes at scale. */
int sim_view__text_width(const char *s, int scale);
/* The 7 rows of character c's glyph (bit 4 is the leftmost column). */
const uint8_t *sim_view__glyph(char c);

/* Fill / outline a rectangle in colour argb. */
void sim_view__fill(SDL_Renderer *r, const SDL_Rect *rect, uint32_t argb);
void sim_view__frame(SDL_Renderer *r, const SDL_Rect *rect, uint32_t argb);

#endif /* SIM_VIEW_INT_H */
