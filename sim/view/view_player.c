/*
 * sim/view/view_player.c - moving through the records (view.h): play at a
 * speed, step, step back, restart, jump to the next violation, seek to a
 * time, and the keys that do so.
 *
 * Step back is a re-run: the model is rebuilt from the first record up to
 * the one before the current position. The records are deterministic, so
 * the state reached is exactly the one shown one step earlier; nothing is
 * undone by hand.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "view/view.h"

/* Fastest and slowest playing speeds (simulated seconds per wall second). */
#define SPEED_MAX 1e3
#define SPEED_MIN 1e-9

static const char *machine_name(const sim_view *v, uint32_t mi)
{
  return mi < v->recs->nmachines ? v->recs->mnames[mi] : "main";
}

static void rewind_model(sim_view *v)
{
  sim_view_model_reset(&v->model, machine_name(v, 0));
  v->pos = 0;
  v->play_t = 0;
}

void sim_view_init(sim_view *v, const sim_view_recs *recs, const char *title, double speed)
{
  memset(v, 0, sizeof *v);
  v->recs = recs;
  v->title = title;
  sim_view_model_init(&v->model);
  v->t_end = recs->n ? recs->v[recs->n - 1].t : 0;
  if (speed <= 0) {
    /* The whole recording in about ten seconds, at most real time. */
    speed = (double)v->t_end / 1e9 / 10.0;
    if (speed > 1)
      speed = 1;
    if (speed < SPEED_MIN)
      speed = 1e-4;
  }
  v->speed = speed;
  /* What the timeline shows: each machine's span and every violation. */
  v->nmend = (uint32_t)recs->nmachines;
  v->mend = calloc(v->nmend + 1, sizeof *v->mend);
  size_t nviol = 0;
  for (size_t i = 0; i < recs->n; i++)
    nviol += recs->v[i].ev == DM_EV_VIOLATION;
  v->vt = calloc(nviol + 1, sizeof *v->vt);
  v->vm = calloc(nviol + 1, sizeof *v->vm);
  if (v->mend == NULL || v->vt == NULL || v->vm == NULL)
    v->nmend = 0; /* out of memory: no timeline marks, nothing else lost */
  for (size_t i = 0; v->nmend > 0 && i < recs->n; i++) {
    uint32_t mi = recs->machine[i];
    if (mi < v->nmend && recs->v[i].t > v->mend[mi])
      v->mend[mi] = recs->v[i].t;
    if (recs->v[i].ev == DM_EV_VIOLATION) {
      v->vt[v->nvt] = recs->v[i].t;
      v->vm[v->nvt++] = mi;
    }
  }
  rewind_model(v);
}

void sim_view_free(sim_view *v)
{
  sim_view_model_free(&v->model);
  free(v->mend);
  free(v->vt);
  free(v->vm);
}

int sim_view_step(sim_view *v)
{
  if (v->pos >= v->recs->n)
    return 0;
  uint32_t mi = v->recs->machine[v->pos];
  if (v->pos > 0 && mi != v->recs->machine[v->pos - 1])
    sim_view_model_reset(&v->model, machine_name(v, mi));
  sim_view_model_apply(&v->model, &v->recs->v[v->pos]);
  v->pos++;
  v->play_t = (double)v->model.t;
  return 1;
}

int sim_view_back(sim_view *v)
{
  if (v->pos == 0)
    return 0;
  size_t target = v->pos - 1;
  rewind_model(v);
  while (v->pos < target)
    sim_view_step(v);
  return 1;
}

void sim_view_restart(sim_view *v)
{
  rewind_model(v);
}

int sim_view_next_violation(sim_view *v)
{
  while (sim_view_step(v))
    if (v->model.violation)
      return 1;
  return 0;
}

void sim_view_seek(sim_view *v, uint32_t machine, uint64_t t)
{
  rewind_model(v);
  while (v->pos < v->recs->n) {
    uint32_t mi = v->recs->machine[v->pos];
    if (mi > machine || (mi == machine && v->recs->v[v->pos].t > t))
      break;
    sim_view_step(v);
  }
  /* The picture is the state at t, not at its last record before t: the
   * header and the timeline say t (play resumes from there too). */
  if (v->model.t < t) {
    v->model.t = t;
    v->play_t = (double)t;
  }
}

void sim_view_tick(sim_view *v, double wall_s)
{
  if (!v->playing)
    return;
  v->play_t += wall_s * v->speed * 1e9;
  /* Records of the playing time, and never more than a frame can show
   * without skipping: at most 10,000 per tick. */
  for (int k = 0; k < 10000 && v->pos < v->recs->n; k++) {
    const dm_trace_rec *r = &v->recs->v[v->pos];
    uint32_t mi = v->recs->machine[v->pos];
    int next_machine = v->pos > 0 && mi != v->recs->machine[v->pos - 1];
    if (!next_machine && (double)r->t > v->play_t)
      break;
    double keep = v->play_t;
    sim_view_step(v);
    if (!next_machine)
      v->play_t = keep;
  }
  if (v->pos >= v->recs->n)
    v->playing = 0;
}

int sim_view_key(sim_view *v, SDL_Keycode key)
{
  switch (key) {
  case SDLK_SPACE:
    v->playing = !v->playing && v->pos < v->recs->n;
    if (v->playing)
      v->play_t = (double)v->model.t;
    return 1;
  case SDLK_RIGHT:
  case SDLK_n:
  case SDLK_PERIOD:
    v->playing = 0;
    sim_view_step(v);
    return 1;
  case SDLK_LEFT:
  case SDLK_b:
  case SDLK_COMMA:
    v->playing = 0;
    sim_view_back(v);
    return 1;
  case SDLK_PLUS:
  case SDLK_EQUALS:
  case SDLK_KP_PLUS:
    v->speed = fmin(v->speed * 2, SPEED_MAX);
    return 1;
  case SDLK_MINUS:
  case SDLK_KP_MINUS:
    v->speed = fmax(v->speed / 2, SPEED_MIN);
    return 1;
  case SDLK_r:
    v->playing = 0;
    sim_view_restart(v);
    return 1;
  case SDLK_v:
    v->playing = 0;
    sim_view_next_violation(v);
    return 1;
  case SDLK_h:
  case SDLK_QUESTION:
  case SDLK_F1:
    v->help = !v->help;
    return 1;
  case SDLK_ESCAPE:
    if (v->help)
      v->help = 0;
    else
      v->quit = 1;
    return 1;
  case SDLK_q:
    v->quit = 1;
    return 1;
  default:
    return 0;
  }
}

void sim_view_pump(sim_view *v)
{
  SDL_Event e;
  while (SDL_PollEvent(&e)) {
    if (e.type == SDL_QUIT)
      v->quit = 1;
    else if (e.type == SDL_KEYDOWN)
      sim_view_key(v, e.key.keysym.sym);
    else if (e.type == SDL_TEXTINPUT && e.text.text[0] == '?' && e.text.text[1] == '\0')
      v->help = !v->help; /* '?' is shift-/ on most layouts: its keycode is '/' */
  }
}
