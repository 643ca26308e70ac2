/*
 * check_view.c - the viewer (sim/view): records, model, player, drawing,
 * PNG, keys.
 *
 * Rendering is checked headless (a software renderer on a memory surface)
 * by the colour of pixels at known places: a parameter block on dCtlQHdr,
 * the drvrActive lamp on and the concurrent lamp off, a request inside the
 * driver, a completion routine running, a violation's frame and bar, the
 * help overlay. A scenario and its recorded jsonl trace give the same
 * records and the same pixels. Step back gives exactly the picture of one
 * step earlier. Keys are synthetic SDL events through the event queue.
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lang/scenario.h"
#include "run/run.h"
#include "tests.h"
#include "view/view.h"

typedef struct canvas {
  SDL_Surface  *s;
  SDL_Renderer *r;
} canvas;

static void canvas_open(canvas *c)
{
  c->s = SDL_CreateRGBSurfaceWithFormat(0, SIM_VIEW_WIDTH, SIM_VIEW_HEIGHT, 32,
                                        SDL_PIXELFORMAT_ARGB8888);
  ck_assert_ptr_nonnull(c->s);
  c->r = SDL_CreateSoftwareRenderer(c->s);
  ck_assert_ptr_nonnull(c->r);
}

static void canvas_close(canvas *c)
{
  SDL_DestroyRenderer(c->r);
  SDL_FreeSurface(c->s);
}

static uint32_t pixel(canvas *c, int x, int y)
{
  SDL_RenderPresent(c->r);
  ck_assert(x >= 0 && y >= 0 && x < c->s->w && y < c->s->h);
  return ((const uint32_t *)((const uint8_t *)c->s->pixels + (size_t)y * (size_t)c->s->pitch))[x];
}

/* A hash of every pixel drawn for v's current state. */
static uint64_t picture(canvas *c, const sim_view *v)
{
  sim_view_draw(v, c->r);
  SDL_RenderPresent(c->r);
  uint64_t h = 1469598103934665603ull;
  for (int y = 0; y < c->s->h; y++) {
    const uint8_t *row = (const uint8_t *)c->s->pixels + (size_t)y * (size_t)c->s->pitch;
    for (int x = 0; x < c->s->w * 4; x++)
      h = (h ^ row[x]) * 1099511628211ull;
  }
  return h;
}

static void load(sim_view_recs *rs, const char *path)
{
  FILE *devnull = fopen("/dev/null", "w");
  int st = sim_view_load_scenario(path, rs, devnull);
  fclose(devnull);
  ck_assert_int_lt(st, 2);
  ck_assert_uint_gt(rs->n, 10);
}

/* KillIO at 0.4 ms: three reads on .Fixed's dCtlQHdr, the first inside the
 * driver, drvrActive set; .Fixed is not concurrent. */
START_TEST(pixels_queue_and_lamps)
{
  sim_view_recs rs;
  sim_view v;
  canvas c;
  SDL_Rect b;
  load(&rs, "docs/examples/killio.dms");
  sim_view_init(&v, &rs, "killio", 0);
  sim_view_seek(&v, 0, 400000);
  ck_assert_uint_eq(v.model.t, 400000); /* the header shows the time asked */
  ck_assert_uint_eq(v.model.nunits, 1);
  ck_assert_uint_eq(v.model.units[0].nqueue, 3);
  ck_assert_uint_eq(v.model.units[0].ninside, 1);
  canvas_open(&c);
  sim_view_draw(&v, c.r);
  for (uint32_t k = 0; k < 3; k++) {
    ck_assert(sim_view_rect_queue(&v.model, 0, k, &b));
    ck_assert_uint_eq(pixel(&c, b.x + 3, b.y + 3), SIM_VIEW_RGB_PB);
  }
  ck_assert(!sim_view_rect_queue(&v.model, 0, 3, &b));
  ck_assert(sim_view_rect_queue(&v.model, 0, 2, &b));
  ck_assert_uint_eq(pixel(&c, b.x + 56 + 3, b.y + 3), 0xFF1C222Bu); /* no fourth box */
  ck_assert(sim_view_rect_inside(&v.model, 0, 0, &b));
  ck_assert_uint_eq(pixel(&c, b.x + 3, b.y + 3), SIM_VIEW_RGB_INSIDE);
  ck_assert(sim_view_rect_lamp(&v.model, 0, SIM_VIEW_LAMP_ACTIVE, &b));
  ck_assert_uint_eq(pixel(&c, b.x + b.w / 2, b.y + b.h / 2), SIM_VIEW_RGB_LAMP_ON);
  ck_assert(sim_view_rect_lamp(&v.model, 0, SIM_VIEW_LAMP_OPENED, &b));
  ck_assert_uint_eq(pixel(&c, b.x + b.w / 2, b.y + b.h / 2), SIM_VIEW_RGB_LAMP_ON);
  ck_assert(sim_view_rect_lamp(&v.model, 0, SIM_VIEW_LAMP_CONCURRENT, &b));
  ck_assert_uint_eq(pixel(&c, b.x + b.w / 2, b.y + b.h / 2), SIM_VIEW_RGB_LAMP_OFF);
  /* After the KillIO and the read that follows, the queue is empty and
   * drvrActive is clear. */
  sim_view_seek(&v, 0, 2000000);
  ck_assert_uint_eq(v.model.units[0].nqueue, 0);
  sim_view_draw(&v, c.r);
  ck_assert(sim_view_rect_lamp(&v.model, 0, SIM_VIEW_LAMP_ACTIVE, &b));
  ck_assert_uint_eq(pixel(&c, b.x + b.w / 2, b.y + b.h / 2), SIM_VIEW_RGB_LAMP_OFF);
  canvas_close(&c);
  sim_view_free(&v);
  sim_view_recs_free(&rs);
}
END_TEST

/* The concurrent driver holds four reads inside at once. */
START_TEST(pixels_concurrent_inside)
{
  sim_view_recs rs;
  sim_view v;
  canvas c;
  SDL_Rect b;
  load(&rs, "docs/examples/serialized-vs-concurrent.dms");
  sim_view_init(&v, &rs, "svc", 0);
  sim_view_seek(&v, 0, 1000000);
  ck_assert_uint_eq(v.model.nunits, 2);
  ck_assert_str_eq(v.model.units[1].name, ".Concurrent");
  ck_assert_uint_eq(v.model.units[1].ninside, 4);
  ck_assert_uint_eq(v.model.units[0].ninside, 1);
  canvas_open(&c);
  sim_view_draw(&v, c.r);
  for (uint32_t k = 0; k < 4; k++) {
    ck_assert(sim_view_rect_inside(&v.model, 1, k, &b));
    ck_assert_uint_eq(pixel(&c, b.x + 2, b.y + 2), SIM_VIEW_RGB_INSIDE);
  }
  ck_assert(sim_view_rect_lamp(&v.model, 1, SIM_VIEW_LAMP_CONCURRENT, &b));
  ck_assert_uint_eq(pixel(&c, b.x + 5, b.y + 5), SIM_VIEW_RGB_LAMP_ON);
  ck_assert(sim_view_rect_lamp(&v.model, 1, SIM_VIEW_LAMP_ACTIVE, &b));
  ck_assert_uint_eq(pixel(&c, b.x + 5, b.y + 5), SIM_VIEW_RGB_LAMP_OFF);
  canvas_close(&c);
  sim_view_free(&v);
  sim_view_recs_free(&rs);
}
END_TEST

/* A violation frames its unit in red and fills the violation bar; a
 * completion routine running shows in its colour. */
START_TEST(pixels_violation_and_callback)
{
  sim_view_recs rs;
  sim_view v;
  canvas c;
  SDL_Rect b;
  load(&rs, "docs/examples/complete-twice.dms");
  sim_view_init(&v, &rs, "twice", 0);
  canvas_open(&c);
  ck_assert(sim_view_next_violation(&v));
  ck_assert_str_eq(v.model.viol_rule, "complete-twice");
  ck_assert(v.model.cur_unit >= 0);
  ck_assert(sim_view_rect_unit(&v.model, (uint32_t)v.model.cur_unit, &b));
  sim_view_draw(&v, c.r);
  ck_assert_uint_eq(pixel(&c, b.x, b.y + b.h / 2), SIM_VIEW_RGB_VIOLATION);
  ck_assert_uint_eq(pixel(&c, b.x + 1, b.y + b.h / 2), SIM_VIEW_RGB_VIOLATION);
  ck_assert_uint_eq(pixel(&c, 10, SIM_VIEW_HEIGHT - 186), SIM_VIEW_RGB_VIOLATION);
  sim_view_free(&v);
  sim_view_recs_free(&rs);

  load(&rs, "docs/examples/killio.dms");
  sim_view_init(&v, &rs, "killio", 0);
  while (sim_view_step(&v) && !v.model.callback)
    ;
  ck_assert(v.model.callback);
  ck_assert(sim_view_rect_unit(&v.model, (uint32_t)v.model.cur_unit, &b));
  sim_view_draw(&v, c.r);
  ck_assert_uint_eq(pixel(&c, 420 + 3, b.y + 54 + 3), SIM_VIEW_RGB_CALLBACK);
  sim_view_step(&v); /* the next record is not a callback: the box goes */
  if (!v.model.callback) {
    sim_view_draw(&v, c.r);
    ck_assert_uint_ne(pixel(&c, 420 + 3, b.y + 54 + 3), SIM_VIEW_RGB_CALLBACK);
  }
  canvas_close(&c);
  sim_view_free(&v);
  sim_view_recs_free(&rs);
}
END_TEST

/* Step back is the picture of one step earlier, at every position. */
START_TEST(step_back_is_a_rerun)
{
  sim_view_recs rs;
  sim_view v;
  canvas c;
  load(&rs, "docs/examples/killio.dms");
  sim_view_init(&v, &rs, "killio", 0);
  canvas_open(&c);
  uint64_t *h = calloc(rs.n + 1, sizeof *h);
  h[0] = picture(&c, &v);
  for (size_t i = 1; i <= rs.n; i++) {
    ck_assert(sim_view_step(&v));
    h[i] = picture(&c, &v);
  }
  ck_assert(!sim_view_step(&v));
  for (size_t i = rs.n; i > 0; i--) {
    ck_assert(sim_view_back(&v));
    ck_assert_uint_eq(v.pos, i - 1);
    ck_assert_msg(picture(&c, &v) == h[i - 1], "back to %zu differs", i - 1);
  }
  ck_assert(!sim_view_back(&v));
  free(h);
  canvas_close(&c);
  sim_view_free(&v);
  sim_view_recs_free(&rs);
}
END_TEST

/* Every field of two records is the same (strings by value). */
static void same_rec(const dm_trace_rec *x, const dm_trace_rec *y)
{
  ck_assert_uint_eq(x->t, y->t);
  ck_assert_uint_eq(x->ev, y->ev);
  ck_assert_uint_eq(x->lvl, y->lvl);
  ck_assert_uint_eq(x->code, y->code);
  ck_assert_uint_eq(x->mode, y->mode);
  ck_assert_int_eq(x->ref, y->ref);
  ck_assert_int_eq(x->result, y->result);
  ck_assert_uint_eq(x->flags, y->flags);
  ck_assert_uint_eq(x->runtime, y->runtime);
  ck_assert_uint_eq(x->id, y->id);
  ck_assert_ptr_eq(x->pb, y->pb);
  ck_assert_str_eq(x->name ? x->name : "-", y->name ? y->name : "-");
  ck_assert_str_eq(x->rule ? x->rule : "-", y->rule ? y->rule : "-");
  ck_assert_str_eq(x->msg ? x->msg : "-", y->msg ? y->msg : "-");
  ck_assert_uint_eq(x->tag, y->tag);
  ck_assert_uint_eq(x->slot, y->slot);
  ck_assert_uint_eq(x->count, y->count);
  ck_assert_uint_eq(x->opcode, y->opcode);
  ck_assert_uint_eq(x->status, y->status);
  ck_assert_uint_eq(x->service, y->service);
  ck_assert_uint_eq(x->sense, y->sense);
  ck_assert_uint_eq(x->target, y->target);
  ck_assert_uint_eq(x->lun, y->lun);
}

/* The recorded jsonl trace of a scenario gives the records of running it,
 * and the same pictures. */
START_TEST(jsonl_equals_scenario)
{
  static const char *const names[] = { "killio", "complete-twice", "serialized-vs-concurrent",
                                        "own-queue" };
  canvas c;
  canvas_open(&c);
  for (size_t n = 0; n < sizeof names / sizeof names[0]; n++) {
    char dms[128], jl[128];
    snprintf(dms, sizeof dms, "docs/examples/%s.dms", names[n]);
    snprintf(jl, sizeof jl, "tests/golden/%s.jsonl", names[n]);
    sim_view_recs a, b;
    load(&a, dms);
    ck_assert_int_eq(sim_view_load_jsonl(jl, &b, stderr), 0);
    ck_assert_uint_eq(a.n, b.n);
    for (size_t i = 0; i < a.n; i++)
      same_rec(&a.v[i], &b.v[i]);
    sim_view va, vb;
    sim_view_init(&va, &a, "x", 0);
    sim_view_init(&vb, &b, "x", 0);
    while (sim_view_step(&va)) {
      ck_assert(sim_view_step(&vb));
      ck_assert_uint_eq(picture(&c, &va), picture(&c, &vb));
    }
    sim_view_free(&va);
    sim_view_free(&vb);
    sim_view_recs_free(&a);
    sim_view_recs_free(&b);
  }
  canvas_close(&c);
}
END_TEST

/* The executor sends plain calls' blocks again once they completed (after a
 * quarantine of 16); the viewer numbers blocks as the trace does, one per
 * call statement, never one again. */
START_TEST(pool_blocks_numbered_per_statement)
{
  char path[] = "/tmp/dmsim-view-pool-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  ck_assert_ptr_nonnull(f);
  fputs("driver d builtin fixed\nclient c\n  open d\n", f);
  for (int i = 0; i < 40; i++)
    fputs("  read d 16 at 0\n", f);
  fputs("end\n", f);
  ck_assert_int_eq(fclose(f), 0);
  sim_view_recs rs;
  load(&rs, path);
  unlink(path);
  uintptr_t calls = 0;
  for (size_t i = 0; i < rs.n; i++)
    if (rs.v[i].ev == DM_EV_CALL && rs.v[i].pb != NULL)
      ck_assert_uint_eq((uintptr_t)rs.v[i].pb, ++calls);
  ck_assert_uint_eq(calls, 41);
  sim_view_recs_free(&rs);
}
END_TEST

static int bad_jsonl(const char *text, char *msg, size_t len)
{
  char path[] = "/tmp/dmsim-view-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
  FILE *err = tmpfile();
  sim_view_recs rs;
  int st = sim_view_load_jsonl(path, &rs, err);
  rewind(err);
  size_t n = fread(msg, 1, len - 1, err);
  msg[n] = '\0';
  fclose(err);
  sim_view_recs_free(&rs);
  /* The message names the file: check, then drop the random part. */
  ck_assert_ptr_nonnull(strstr(msg, path));
  unlink(path);
  return st;
}

START_TEST(jsonl_errors_name_line_and_column)
{
  char msg[512];
  ck_assert_int_eq(bad_jsonl("{\"t\":0,\"ev\":\"call\",\"lvl\":\"task\"}\n{\"t\":5,\"ev\":\"x\"\n",
                             msg, sizeof msg), 2);
  ck_assert_ptr_nonnull(strstr(msg, ":2:16: error: expected ',' or '}'"));
  ck_assert_int_eq(bad_jsonl("{\"t\":0,\"ev\":\"call\",\"lvl\":\"kernel\"}\n", msg, sizeof msg), 2);
  ck_assert_ptr_nonnull(strstr(msg, ":1:26: error: unknown level"));
  ck_assert_int_eq(bad_jsonl("{\"ev\":\"call\",\"lvl\":\"task\"}\n", msg, sizeof msg), 2);
  ck_assert_ptr_nonnull(strstr(msg, ":1:1: error: record without \"t\""));
  ck_assert_int_eq(bad_jsonl("{\"t\":\"soon\",\"ev\":\"call\",\"lvl\":\"task\"}\n", msg,
                             sizeof msg), 2);
  ck_assert_ptr_nonnull(strstr(msg, ":1:6: error: expected a number"));
}
END_TEST

static void key(SDL_Keycode k)
{
  SDL_Event e;
  memset(&e, 0, sizeof e);
  e.type = SDL_KEYDOWN;
  e.key.keysym.sym = k;
  ck_assert_int_eq(SDL_PushEvent(&e), 1);
}

/* The keys, as synthetic events through SDL's queue. */
START_TEST(keys_drive_the_player)
{
  sim_view_recs rs;
  sim_view v;
  canvas c;
  ck_assert_int_eq(SDL_Init(SDL_INIT_EVENTS), 0);
  load(&rs, "docs/examples/complete-twice.dms");
  sim_view_init(&v, &rs, "twice", 0.5);
  canvas_open(&c);
  key(SDLK_RIGHT);
  key(SDLK_RIGHT);
  key(SDLK_n);
  sim_view_pump(&v);
  ck_assert_uint_eq(v.pos, 3);
  uint64_t at2;
  {
    sim_view w;
    sim_view_init(&w, &rs, "twice", 0.5);
    sim_view_step(&w);
    sim_view_step(&w);
    at2 = picture(&c, &w);
    sim_view_free(&w);
  }
  key(SDLK_LEFT);
  sim_view_pump(&v);
  ck_assert_uint_eq(v.pos, 2);
  v.speed = 0.5; /* the header prints it: both pictures at one speed */
  ck_assert_uint_eq(picture(&c, &v), at2);
  key(SDLK_v);
  sim_view_pump(&v);
  ck_assert(v.model.violation);
  size_t first = 0;
  while (rs.v[first].ev != DM_EV_VIOLATION)
    first++;
  ck_assert_uint_eq(v.pos, first + 1); /* just past the first violation */
  key(SDLK_PLUS);
  sim_view_pump(&v);
  ck_assert(v.speed == 1.0);
  key(SDLK_MINUS);
  key(SDLK_MINUS);
  sim_view_pump(&v);
  ck_assert(v.speed == 0.25);
  key(SDLK_r);
  sim_view_pump(&v);
  ck_assert_uint_eq(v.pos, 0);
  key(SDLK_SPACE);
  sim_view_pump(&v);
  ck_assert(v.playing);
  sim_view_tick(&v, 1.0); /* 0.25 s of simulated time: past the end (0 s) */
  ck_assert_uint_eq(v.pos, rs.n);
  ck_assert(!v.playing);
  key(SDLK_h);
  sim_view_pump(&v);
  ck_assert(v.help);
  sim_view_draw(&v, c.r);
  ck_assert_uint_eq(pixel(&c, 240, 300), 0xFF283040u); /* the overlay's fill */
  key(SDLK_ESCAPE);
  sim_view_pump(&v);
  ck_assert(!v.help);
  ck_assert(!v.quit);
  key(SDLK_q);
  sim_view_pump(&v);
  ck_assert(v.quit);
  canvas_close(&c);
  sim_view_free(&v);
  sim_view_recs_free(&rs);
  SDL_Quit();
}
END_TEST

/* Playing moves through the records at the speed: 0.5 ms of simulated time
 * per wall second reaches KillIO (at 0.5 ms) after one second, not before. */
START_TEST(playing_follows_speed)
{
  sim_view_recs rs;
  sim_view v;
  load(&rs, "docs/examples/killio.dms");
  sim_view_init(&v, &rs, "killio", 0.0005);
  sim_view_key(&v, SDLK_SPACE);
  sim_view_tick(&v, 0.5);
  ck_assert_uint_eq(v.model.t, 0);
  size_t before = v.pos;
  ck_assert_uint_gt(before, 0);
  sim_view_tick(&v, 0.5);
  ck_assert_uint_eq(v.model.t, 500000);
  ck_assert_uint_gt(v.pos, before);
  sim_view_free(&v);
  sim_view_recs_free(&rs);
}
END_TEST

/* A screenshot is a real PNG: libpng reads it back, pixel for pixel. */
START_TEST(screenshot_png)
{
  sim_view_recs rs;
  sim_view v;
  SDL_Rect b;
  char path[64];
  snprintf(path, sizeof path, "/tmp/dmsim-view-%d.png", (int)getpid());
  load(&rs, "docs/examples/killio.dms");
  sim_view_init(&v, &rs, "killio", 0);
  sim_view_seek(&v, 0, 400000);
  ck_assert_int_eq(sim_view_screenshot(&v, path, stderr), 0);
  png_image img;
  memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  ck_assert(png_image_begin_read_from_file(&img, path));
  ck_assert_uint_eq(img.width, SIM_VIEW_WIDTH);
  ck_assert_uint_eq(img.height, SIM_VIEW_HEIGHT);
  img.format = PNG_FORMAT_RGB;
  uint8_t *px = malloc(PNG_IMAGE_SIZE(img));
  ck_assert(png_image_finish_read(&img, NULL, px, 0, NULL));
  ck_assert(sim_view_rect_queue(&v.model, 0, 2, &b));
  const uint8_t *p = px + ((size_t)(b.y + 3) * SIM_VIEW_WIDTH + (size_t)b.x + 3) * 3;
  ck_assert_uint_eq((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2], SIM_VIEW_RGB_PB & 0xFFFFFF);
  free(px);
  unlink(path);
  ck_assert_int_eq(sim_view_screenshot(&v, "/nonexistent/dir/x.png", fopen("/dev/null", "w")),
                   -1);
  sim_view_free(&v);
  sim_view_recs_free(&rs);
}
END_TEST

/* SCSI task slots, from scsi_* records: submit gives a slot to the family,
 * handoff to the controller, return back to the family, done frees it. */
START_TEST(pixels_scsi_slots)
{
  sim_view_recs rs;
  memset(&rs, 0, sizeof rs);
  static const struct { uint8_t ev; uint32_t slot; } steps[] = {
    { DM_EV_SCSI_SUBMIT, 0 },  { DM_EV_SCSI_SUBMIT, 1 }, { DM_EV_SCSI_SUBMIT, 2 },
    { DM_EV_SCSI_HANDOFF, 0 }, { DM_EV_SCSI_HANDOFF, 1 }, { DM_EV_SCSI_RETURN, 1 },
    { DM_EV_SCSI_DONE, 1 },
  };
  dm_trace_rec in = { 0 };
  in.ev = DM_EV_INSTALL;
  in.ref = -60;
  in.name = ".SCSIDisk";
  in.runtime = 0x18;
  ck_assert_int_eq(sim_view_recs_add(&rs, &in, 0), 0);
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
    dm_trace_rec r = { 0 };
    r.t = 1000 * (i + 1);
    r.ev = steps[i].ev;
    r.lvl = DM_LVL_SIH;
    r.ref = -60;
    r.name = "HBA0";
    r.slot = steps[i].slot;
    r.tag = steps[i].slot + 1;
    r.opcode = 0x28;
    ck_assert_int_eq(sim_view_recs_add(&rs, &r, 0), 0);
  }
  sim_view v;
  canvas c;
  SDL_Rect b;
  sim_view_init(&v, &rs, "scsi", 0);
  sim_view_seek(&v, 0, 3000); /* three submitted */
  ck_assert_uint_eq(v.model.nhbas, 1);
  canvas_open(&c);
  sim_view_draw(&v, c.r);
  for (uint32_t k = 0; k < 3; k++) {
    ck_assert(sim_view_rect_slot(&v.model, 0, k, &b));
    ck_assert_uint_eq(pixel(&c, b.x + 1, b.y + 1), SIM_VIEW_RGB_SLOT_FAMILY);
  }
  ck_assert(!sim_view_rect_slot(&v.model, 0, 3, &b));
  while (sim_view_step(&v))
    ;
  sim_view_draw(&v, c.r);
  static const uint32_t want[3] = { SIM_VIEW_RGB_SLOT_CTRL, SIM_VIEW_RGB_LAMP_OFF,
                                    SIM_VIEW_RGB_SLOT_FAMILY };
  for (uint32_t k = 0; k < 3; k++) {
    ck_assert(sim_view_rect_slot(&v.model, 0, k, &b));
    ck_assert_uint_eq(pixel(&c, b.x + 1, b.y + 1), want[k]);
  }
  ck_assert_uint_eq(v.model.hbas[0].done, 1);
  ck_assert_uint_eq(v.model.hbas[0].slots[2].tag, 3);
  canvas_close(&c);
  sim_view_free(&v);
  sim_view_recs_free(&rs);
}
END_TEST

/* A scenario with the SCSI stack: its jsonl trace gives the viewer the same
 * records, and the controller's slots show who owns them. */
START_TEST(scsi_scenario)
{
  const char *dms = "tests/scenarios/scsi-slots.dms";
  char jl[64];
  snprintf(jl, sizeof jl, "/tmp/dmsim-view-scsi-%d.jsonl", (int)getpid());
  sim_scenario *sc;
  char err[512];
  ck_assert_int_eq(sim_scenario_load(dms, &sc, err, sizeof err), 0);
  FILE *devnull = fopen("/dev/null", "w");
  sim_run_opts o = { 0 };
  o.trace_path = jl;
  o.trace_format = SIM_TRACE_JSONL;
  o.quiet = 1;
  o.out = devnull;
  o.err = devnull;
  ck_assert_int_eq(sim_run(sc, &o), 0);
  sim_scenario_free(sc);
  fclose(devnull);
  sim_view_recs a, b;
  load(&a, dms);
  ck_assert_int_eq(sim_view_load_jsonl(jl, &b, stderr), 0);
  unlink(jl);
  ck_assert_uint_eq(a.n, b.n);
  for (size_t i = 0; i < a.n; i++)
    same_rec(&a.v[i], &b.v[i]);
  sim_view v;
  canvas c;
  SDL_Rect r;
  sim_view_init(&v, &a, "scsi", 0);
  sim_view_seek(&v, 0, 4045000);
  ck_assert_uint_eq(v.model.nhbas, 1);
  ck_assert_uint_eq(v.model.units[0].ninside, 4);
  canvas_open(&c);
  sim_view_draw(&v, c.r);
  for (uint32_t k = 0; k < 8; k++) {
    ck_assert(sim_view_rect_slot(&v.model, 0, k, &r));
    ck_assert_uint_eq(pixel(&c, r.x + 1, r.y + 1),
                      k < 4 ? SIM_VIEW_RGB_LAMP_OFF : SIM_VIEW_RGB_SLOT_CTRL);
  }
  while (sim_view_step(&v))
    ;
  sim_view_draw(&v, c.r);
  for (uint32_t k = 0; k < 8; k++) {
    ck_assert(sim_view_rect_slot(&v.model, 0, k, &r));
    ck_assert_uint_eq(pixel(&c, r.x + 1, r.y + 1), SIM_VIEW_RGB_LAMP_OFF);
  }
  ck_assert_uint_eq(v.model.hbas[0].done, 8);
  canvas_close(&c);
  sim_view_free(&v);
  sim_view_recs_free(&a);
  sim_view_recs_free(&b);
}
END_TEST

Suite *view_suite(void)
{
  Suite *s = suite_create("view");
  TCase *tc = tcase_create("view");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, pixels_queue_and_lamps);
  tcase_add_test(tc, pixels_concurrent_inside);
  tcase_add_test(tc, pixels_violation_and_callback);
  tcase_add_test(tc, step_back_is_a_rerun);
  tcase_add_test(tc, jsonl_equals_scenario);
  tcase_add_test(tc, pool_blocks_numbered_per_statement);
  tcase_add_test(tc, jsonl_errors_name_line_and_column);
  tcase_add_test(tc, keys_drive_the_player);
  tcase_add_test(tc, playing_follows_speed);
  tcase_add_test(tc, screenshot_png);
  tcase_add_test(tc, pixels_scsi_slots);
  tcase_add_test(tc, scsi_scenario);
  suite_add_tcase(s, tc);
  return s;
}
