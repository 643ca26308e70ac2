/*
 * sim/view/view_draw.c - the viewer's picture of a model (view.h), the same
 * for the window and for PNG files.
 *
 * From top to bottom: a header (file, machine, simulated time, execution
 * level, position, playing state); one row per unit of the unit table (the
 * driver's name and refNum, lamps for dOpened, drvrActive, concurrent and
 * queues-IOPB, dCtlQHdr as a row of parameter blocks, the requests inside
 * the driver, the completion routine while it runs, violations framed in
 * red with their rule id); the last violation; the last records as text;
 * a timeline with the current time and every violation. The help overlay
 * lists the keys.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "view/view_int.h"

#define RGB_PANEL  0xFF1C222Bu
#define RGB_TEXT   0xFFE6E9EDu
#define RGB_DIM    0xFF8A93A0u
#define RGB_HEAD   0xFF232A35u
#define RGB_WHITE  0xFFFFFFFFu

enum {
  TABLE_Y = 52,
  ROW_H = 76,
  ROW_GAP = 4,
  ROWS_MAX = 5,
  BOX_X = 420,
  BOX_W = 52,
  BOX_H = 18,
  BOX_STRIDE = 56,
  BOXES_MAX = 10,
  SLOT_W = 24,
  SLOT_STRIDE = 28,
  SLOTS_PER_LINE = 20,
  LOG_Y = SIM_VIEW_HEIGHT - 164,
  VIOL_Y = SIM_VIEW_HEIGHT - 188,
  TIMELINE_Y = SIM_VIEW_HEIGHT - 34,
};

static const char *const lamp_names[SIM_VIEW_NLAMPS] = { "dOpened", "drvrActive", "concurrent",
                                                         "queues-IOPB" };
static const int lamp_x[SIM_VIEW_NLAMPS] = { 16, 96, 186, 276 };

/* Row i of the table: units first, then SCSI controllers. */
static int row_rect(uint32_t i, SDL_Rect *r)
{
  if (i >= ROWS_MAX)
    return 0;
  *r = (SDL_Rect){ 8, TABLE_Y + (int)i * (ROW_H + ROW_GAP), SIM_VIEW_WIDTH - 16, ROW_H };
  return 1;
}

int sim_view_rect_unit(const sim_view_model *m, uint32_t unit, SDL_Rect *r)
{
  return unit < m->nunits && row_rect(unit, r);
}

int sim_view_rect_slot(const sim_view_model *m, uint32_t hba, uint32_t slot, SDL_Rect *r)
{
  SDL_Rect row;
  if (hba >= m->nhbas || slot >= m->hbas[hba].nslots || slot >= 2 * SLOTS_PER_LINE ||
      !row_rect(m->nunits + hba, &row))
    return 0;
  *r = (SDL_Rect){ BOX_X + (int)(slot % SLOTS_PER_LINE) * SLOT_STRIDE,
                   row.y + 6 + (int)(slot / SLOTS_PER_LINE) * 24, SLOT_W, BOX_H };
  return 1;
}

int sim_view_rect_lamp(const sim_view_model *m, uint32_t unit, int lamp, SDL_Rect *r)
{
  SDL_Rect u;
  if (lamp < 0 || lamp >= SIM_VIEW_NLAMPS || !sim_view_rect_unit(m, unit, &u))
    return 0;
  *r = (SDL_Rect){ lamp_x[lamp], u.y + 52, 10, 10 };
  return 1;
}

static int box(const sim_view_model *m, uint32_t unit, uint32_t pos, int dy, SDL_Rect *r)
{
  SDL_Rect u;
  if (pos >= BOXES_MAX || !sim_view_rect_unit(m, unit, &u))
    return 0;
  *r = (SDL_Rect){ BOX_X + (int)pos * BOX_STRIDE, u.y + dy, BOX_W, BOX_H };
  return 1;
}

int sim_view_rect_queue(const sim_view_model *m, uint32_t unit, uint32_t pos, SDL_Rect *r)
{
  return pos < (unit < m->nunits ? m->units[unit].nqueue : 0) && box(m, unit, pos, 6, r);
}

int sim_view_rect_inside(const sim_view_model *m, uint32_t unit, uint32_t pos, SDL_Rect *r)
{
  return pos < (unit < m->nunits ? m->units[unit].ninside : 0) && box(m, unit, pos, 30, r);
}

static void time_text(uint64_t t, char *buf, size_t len)
{
  snprintf(buf, len, "%" PRIu64 ".%06" PRIu64 " ms", t / 1000000u, t % 1000000u);
}

/* A box with centred text. */
static void label_box(SDL_Renderer *r, const SDL_Rect *b, uint32_t fill, const char *text)
{
  sim_view__fill(r, b, fill);
  int w = sim_view__text_width(text, 1);
  sim_view__text(r, b->x + (b->w - w) / 2, b->y + (b->h - VIEW_GLYPH_H) / 2, 1, RGB_WHITE, text);
}

static void draw_unit(SDL_Renderer *r, const sim_view_model *m, uint32_t i)
{
  const sim_view_unit *u = &m->units[i];
  SDL_Rect row, b;
  char s[96];
  sim_view_rect_unit(m, i, &row);
  sim_view__fill(r, &row, RGB_PANEL);
  if (u->nviol > 0) {
    SDL_Rect f = row;
    for (int k = 0; k < 2; k++, f.x++, f.y++, f.w -= 2, f.h -= 2)
      sim_view__frame(r, &f, SIM_VIEW_RGB_VIOLATION);
    snprintf(s, sizeof s, "%s x%u", u->rule, (unsigned)u->nviol);
    sim_view__text(r, row.x + row.w - 8 - sim_view__text_width(s, 1), row.y + 66, 1,
                   SIM_VIEW_RGB_VIOLATION, s);
  }
  sim_view__text(r, 16, row.y + 8, 2, u->removed ? RGB_DIM : RGB_TEXT, u->name);
  snprintf(s, sizeof s, "refNum %d%s", u->ref, u->removed ? "  (removed)" : "");
  sim_view__text(r, 16, row.y + 30, 1, RGB_DIM, s);
  int on[SIM_VIEW_NLAMPS] = { (u->flags & 0x0020) != 0, (u->flags & 0x0080) != 0,
                              (u->runtime & 0x8) != 0, (u->runtime & 0x10) != 0 };
  for (int k = 0; k < SIM_VIEW_NLAMPS; k++) {
    sim_view_rect_lamp(m, i, k, &b);
    sim_view__fill(r, &b, on[k] ? SIM_VIEW_RGB_LAMP_ON : SIM_VIEW_RGB_LAMP_OFF);
    sim_view__text(r, b.x + 14, b.y + 2, 1, on[k] ? RGB_TEXT : RGB_DIM, lamp_names[k]);
  }
  sim_view__text(r, 350, row.y + 11, 1, RGB_DIM, "dCtlQHdr");
  sim_view__text(r, 350, row.y + 35, 1, RGB_DIM, "in driver");
  for (uint32_t k = 0; k < u->nqueue && box(m, i, k, 6, &b); k++) {
    snprintf(s, sizeof s, "PB %" PRIu64, u->queue[k].pb);
    label_box(r, &b, SIM_VIEW_RGB_PB, s);
    if (u->queue[k].id != 0) /* the head a serialized driver serves */
      sim_view__frame(r, &b, SIM_VIEW_RGB_LAMP_ON);
  }
  if (u->nqueue > BOXES_MAX) {
    snprintf(s, sizeof s, "+%u", (unsigned)(u->nqueue - BOXES_MAX));
    sim_view__text(r, BOX_X + BOXES_MAX * BOX_STRIDE, row.y + 11, 1, RGB_TEXT, s);
  }
  for (uint32_t k = 0; k < u->ninside && box(m, i, k, 30, &b); k++) {
    if (u->inside[k].pb)
      snprintf(s, sizeof s, "%" PRIu64 ":%s", u->inside[k].pb, dm_code_name(u->inside[k].code));
    else
      snprintf(s, sizeof s, "%s", dm_code_name(u->inside[k].code));
    s[(BOX_W - 2) / VIEW_CELL_W] = '\0'; /* what fits in the box */
    label_box(r, &b, SIM_VIEW_RGB_INSIDE, s);
  }
  if (u->ninside > BOXES_MAX) {
    snprintf(s, sizeof s, "+%u", (unsigned)(u->ninside - BOXES_MAX));
    sim_view__text(r, BOX_X + BOXES_MAX * BOX_STRIDE, row.y + 35, 1, RGB_TEXT, s);
  }
  if (m->callback && m->cur_unit == (int)i) {
    b = (SDL_Rect){ BOX_X, row.y + 54, 220, BOX_H };
    snprintf(s, sizeof s, "completion routine: PB %" PRIu64, m->cur_pb);
    label_box(r, &b, SIM_VIEW_RGB_CALLBACK, s);
  }
  snprintf(s, sizeof s, "completed %" PRIu64, u->completed);
  sim_view__text(r, row.x + row.w - 8 - sim_view__text_width(s, 1), row.y + 8, 1, RGB_DIM, s);
}

static void draw_hba(SDL_Renderer *r, const sim_view_model *m, uint32_t h)
{
  const sim_view_hba *a = &m->hbas[h];
  SDL_Rect row, b;
  char s[96];
  if (!row_rect(m->nunits + h, &row))
    return;
  sim_view__fill(r, &row, RGB_PANEL);
  sim_view__text(r, 16, row.y + 8, 2, RGB_TEXT, a->name);
  sim_view__text(r, 16, row.y + 30, 1, RGB_DIM, "SCSI controller: task slots");
  SDL_Rect key = { 16, row.y + 52, 10, 10 };
  sim_view__fill(r, &key, SIM_VIEW_RGB_SLOT_FAMILY);
  sim_view__text(r, 30, row.y + 54, 1, RGB_DIM, "family");
  key.x = 96;
  sim_view__fill(r, &key, SIM_VIEW_RGB_SLOT_CTRL);
  sim_view__text(r, 110, row.y + 54, 1, RGB_DIM, "controller");
  key.x = 186;
  sim_view__fill(r, &key, SIM_VIEW_RGB_LAMP_OFF);
  sim_view__text(r, 200, row.y + 54, 1, RGB_DIM, "free");
  for (uint32_t k = 0; sim_view_rect_slot(m, h, k, &b); k++) {
    const sim_view_slot *sl = &a->slots[k];
    uint32_t c = sl->owner == SIM_VIEW_SLOT_FAMILY       ? SIM_VIEW_RGB_SLOT_FAMILY
                 : sl->owner == SIM_VIEW_SLOT_CONTROLLER ? SIM_VIEW_RGB_SLOT_CTRL
                                                         : SIM_VIEW_RGB_LAMP_OFF;
    snprintf(s, sizeof s, "%u", (unsigned)(sl->tag % 1000));
    label_box(r, &b, c, sl->owner == SIM_VIEW_SLOT_FREE ? "" : s);
  }
  if (a->nslots > 2 * SLOTS_PER_LINE) {
    snprintf(s, sizeof s, "+%u", (unsigned)(a->nslots - 2 * SLOTS_PER_LINE));
    sim_view__text(r, BOX_X + SLOTS_PER_LINE * SLOT_STRIDE, row.y + 35, 1, RGB_TEXT, s);
  }
  snprintf(s, sizeof s, "tasks %" PRIu64 " done %" PRIu64, a->submitted, a->done);
  sim_view__text(r, row.x + row.w - 8 - sim_view__text_width(s, 1), row.y + 66, 1, RGB_DIM, s);
}

static void draw_header(SDL_Renderer *r, const sim_view *v)
{
  const sim_view_model *m = &v->model;
  char s[200], t[40];
  SDL_Rect head = { 0, 0, SIM_VIEW_WIDTH, 44 };
  sim_view__fill(r, &head, RGB_HEAD);
  snprintf(s, sizeof s, "dmsim view  %s", v->title ? v->title : "");
  sim_view__text(r, 12, 6, 2, RGB_TEXT, s);
  time_text(m->t, t, sizeof t);
  snprintf(s, sizeof s, "machine %s   t = %s   event %zu / %zu   %s  speed %.3g   h: help",
           m->machine, t, v->pos, v->recs->n, v->playing ? "playing" : "paused", v->speed);
  sim_view__text(r, 12, 28, 1, RGB_DIM, s);
  static const char *const lv[3] = { "task", "SIH", "HWI" };
  sim_view__text(r, 760, 10, 1, RGB_DIM, "level");
  for (int k = 0; k < 3; k++) {
    SDL_Rect b = { 800 + k * 70, 6, 64, 16 };
    int cur = v->pos > 0 && m->lvl == k;
    sim_view__fill(r, &b, cur ? SIM_VIEW_RGB_LAMP_ON : SIM_VIEW_RGB_LAMP_OFF);
    sim_view__text(r, b.x + (b.w - sim_view__text_width(lv[k], 1)) / 2, b.y + 4, 1,
                   cur ? 0xFF101418u : RGB_DIM, lv[k]);
  }
}

static void draw_bottom(SDL_Renderer *r, const sim_view *v)
{
  const sim_view_model *m = &v->model;
  char s[240], t[40];
  if (m->nviol > 0) {
    SDL_Rect bar = { 8, VIOL_Y, SIM_VIEW_WIDTH - 16, 18 };
    time_text(m->viol_t, t, sizeof t);
    snprintf(s, sizeof s, "violation %s at %s: %.120s", m->viol_rule, t, m->viol_msg);
    if (m->violation) {
      sim_view__fill(r, &bar, SIM_VIEW_RGB_VIOLATION);
      sim_view__text(r, 14, VIOL_Y + 6, 1, RGB_WHITE, s);
    } else {
      sim_view__fill(r, &bar, RGB_PANEL);
      sim_view__text(r, 14, VIOL_Y + 6, 1, SIM_VIEW_RGB_VIOLATION, s);
    }
  }
  for (uint32_t k = 0; k < m->nlog; k++) {
    int last = k + 1 == m->nlog;
    uint32_t c = last ? (m->violation ? SIM_VIEW_RGB_VIOLATION
                                      : m->callback ? SIM_VIEW_RGB_CALLBACK : RGB_WHITE)
                      : RGB_DIM;
    sim_view__text(r, 12, LOG_Y + (int)k * 10, 1, c, m->log[k]);
  }
  /* The timeline of the current machine: its span, violations, now. */
  SDL_Rect strip = { 8, TIMELINE_Y, SIM_VIEW_WIDTH - 16, 14 };
  sim_view__fill(r, &strip, RGB_PANEL);
  uint32_t mi = v->pos > 0 ? v->recs->machine[v->pos - 1] : 0;
  uint64_t end = mi < v->nmend ? v->mend[mi] : 0;
  for (uint32_t k = 0; k < v->nvt && end > 0; k++) {
    if (v->vm[k] != mi)
      continue;
    SDL_Rect tick = { strip.x + (int)((double)v->vt[k] / (double)end * (strip.w - 2)), strip.y, 2,
                      strip.h };
    sim_view__fill(r, &tick, SIM_VIEW_RGB_VIOLATION);
  }
  int x = end > 0 ? strip.x + (int)((double)m->t / (double)end * (strip.w - 2)) : strip.x;
  SDL_Rect now = { x, strip.y - 3, 2, strip.h + 6 };
  sim_view__fill(r, &now, RGB_WHITE);
  time_text(end, t, sizeof t);
  sim_view__text(r, strip.x, TIMELINE_Y + 17, 1, RGB_DIM, "0");
  sim_view__text(r, strip.x + strip.w - sim_view__text_width(t, 1), TIMELINE_Y + 17, 1, RGB_DIM,
                 t);
}

static void draw_help(SDL_Renderer *r)
{
  static const char *const lines[] = {
    "keys",
    "",
    "space        pause / resume",
    "right  n .   step one event",
    "left   b ,   step back (re-run to the previous event)",
    "+  =         faster",
    "-            slower",
    "r            restart",
    "v            jump to the next violation",
    "h  ?  F1     this help",
    "q            quit  (Escape closes the help first)",
  };
  SDL_Rect b = { 232, 150, 560, 200 };
  sim_view__fill(r, &b, 0xFF283040u);
  sim_view__frame(r, &b, RGB_TEXT);
  for (size_t k = 0; k < sizeof lines / sizeof lines[0]; k++)
    sim_view__text(r, b.x + 20, b.y + 16 + (int)k * 15, k == 0 ? 2 : 1, RGB_TEXT, lines[k]);
}

void sim_view_draw(const sim_view *v, SDL_Renderer *r)
{
  const sim_view_model *m = &v->model;
  SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
  SDL_Rect all = { 0, 0, SIM_VIEW_WIDTH, SIM_VIEW_HEIGHT };
  sim_view__fill(r, &all, SIM_VIEW_RGB_BG);
  draw_header(r, v);
  for (uint32_t i = 0; i < m->nunits && i < ROWS_MAX; i++)
    draw_unit(r, m, i);
  for (uint32_t i = 0; i < m->nhbas; i++)
    draw_hba(r, m, i);
  if (m->nunits + m->nhbas > ROWS_MAX) {
    char s[40];
    snprintf(s, sizeof s, "+%u more rows", (unsigned)(m->nunits + m->nhbas - ROWS_MAX));
    sim_view__text(r, 12, TABLE_Y + ROWS_MAX * (ROW_H + ROW_GAP), 1, RGB_DIM, s);
  }
  if (m->nunits == 0)
    sim_view__text(r, 12, TABLE_Y + 8, 1, RGB_DIM,
                   "no driver installed yet: press space to play, right to step");
  draw_bottom(r, v);
  if (v->help)
    draw_help(r);
}
