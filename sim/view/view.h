/*
 * sim/view/view.h - `dmsim view`: watch requests move through the Device
 * Manager, in an SDL2 window or as a PNG picture.
 *
 * One picture for two sources. The viewer is fed the trace records the
 * trace writers get (dm_trace_rec): from a scenario it runs itself (the
 * run's record hook) or from a recorded jsonl trace. Records are kept in a
 * sim_view_recs; a sim_view_model is the machine's state as the records up
 * to some point describe it (the unit table, each DCE's flags, dCtlQHdr,
 * the requests inside each driver, the completion routine that runs, the
 * execution level, violations); the renderer draws a model. Playing,
 * stepping and seeking move a position in the records; stepping back
 * rebuilds the model from the first record to the previous one, a
 * deterministic re-run of the same records.
 *
 * A record's pb is an identity only (a live run gives block addresses, a
 * jsonl trace gives the writer's numbers): the model numbers blocks 1, 2,
 * 3... in order of first appearance, as the trace writers do, so a live
 * scenario and its jsonl trace show the same numbers.
 */
#ifndef SIM_VIEW_H
#define SIM_VIEW_H

#include <SDL.h>
#include <stdint.h>
#include <stdio.h>

#include "base/map.h"
#include "devmgr/trace.h"

/* --- records ----------------------------------------------------------------- */

typedef struct sim_view_recs {
  dm_trace_rec *v;        /* strings point into the arena */
  uint32_t     *machine;  /* machine index of each record */
  size_t        n, cap;
  char        **mnames;   /* machine names by index */
  size_t        nmachines, capmnames;
  char        **arena;    /* every string the records point to */
  size_t        narena, caparena;
  sim_map       pbs;      /* live pb address -> number (loading only) */
  uint64_t      npb;
  int           oom;
} sim_view_recs;

/* Records of running the scenario at path (as `dmsim run` does; messages go
 * to err). Returns the run's exit status (0, 1: the records are there; 2: it
 * could not be read or run, the message names file, line and column). */
int sim_view_load_scenario(const char *path, sim_view_recs *out, FILE *err);
/* Records of the jsonl trace at path. Returns 0, or 2 after a message on err
 * naming the file, line and column of what is malformed. */
int sim_view_load_jsonl(const char *path, sim_view_recs *out, FILE *err);
/* Parse one jsonl trace line into *r (strings interned in recs). Returns 0,
 * or -1 and sets *col (1-based) and msg. */
int sim_view_parse_line(sim_view_recs *recs, const char *line, dm_trace_rec *r, int *col,
                        const char **msg);
/* Append a copy of r (strings copied) to recs under machine index. Returns
 * 0, or -1 when out of memory. */
int sim_view_recs_add(sim_view_recs *recs, const dm_trace_rec *r, uint32_t machine);
void sim_view_recs_free(sim_view_recs *recs);

/* --- the model ------------------------------------------------------------------ */

typedef struct sim_view_req {
  uint64_t id;   /* IOCommandID, 0 for a block on the queue */
  uint64_t pb;   /* block number, 0 if none */
  uint8_t  code; /* IOCommandCode */
} sim_view_req;

typedef struct sim_view_unit {
  int16_t       ref;
  char          name[32];
  uint32_t      runtime;  /* driverRuntime */
  uint16_t      flags;    /* dCtlFlags */
  int           removed;
  sim_view_req *queue;    /* dCtlQHdr, head first */
  uint32_t      nqueue;
  size_t        capqueue;
  sim_view_req *inside;   /* dispatched, not yet complete, oldest first */
  uint32_t      ninside;
  size_t        capinside;
  uint32_t      nviol;
  char          rule[32]; /* last rule broken here */
  uint64_t      completed;
} sim_view_unit;

/* A SCSI controller's task slots (scsi_* records): who owns each. */
enum { SIM_VIEW_SLOT_FREE, SIM_VIEW_SLOT_FAMILY, SIM_VIEW_SLOT_CONTROLLER };

typedef struct sim_view_slot {
  uint64_t tag;    /* the task in it (fTaskTagIdentifier), 0 when free */
  uint8_t  owner;  /* SIM_VIEW_SLOT_* */
  uint8_t  opcode; /* CDB byte 0 of its task */
} sim_view_slot;

typedef struct sim_view_hba {
  char           name[32]; /* the controller's name */
  sim_view_slot *slots;    /* by slot index, up to the highest seen */
  uint32_t       nslots;
  size_t         capslots;
  uint64_t       submitted, done;
} sim_view_hba;

enum { SIM_VIEW_LOG = 12, SIM_VIEW_LINE = 120 };

typedef struct sim_view_model {
  sim_view_unit *units;
  uint32_t       nunits;
  size_t         capunits;
  sim_view_hba  *hbas;     /* SCSI controllers, drawn after the units */
  uint32_t       nhbas;
  size_t         caphbas;
  const char    *machine;
  uint64_t       t;        /* time of the last record applied, or the time seeked to */
  uint8_t        lvl;      /* its execution level */
  size_t         applied;  /* records applied */
  /* What the last record was, for highlighting. */
  int            cur_unit;     /* unit it concerns, -1 none */
  uint64_t       cur_pb;
  uint8_t        cur_ev;
  int            callback;     /* the last record is a completion routine running */
  int            violation;    /* the last record is a violation */
  uint32_t       nviol;
  char           viol_rule[32];
  char           viol_msg[160];
  uint64_t       viol_t;
  char           log[SIM_VIEW_LOG][SIM_VIEW_LINE]; /* last records as text, newest last */
  uint32_t       nlog;
  sim_map        pbnum;    /* pb identity -> number | unit index + 1 << 32 */
  uint64_t       npb;
  int            oom;
} sim_view_model;

/* An empty model of machine "main" with no unit current; it owns nothing
 * until records are applied. */
void sim_view_model_init(sim_view_model *m);
/* Release what applying records allocated (units, the pb numbering); m is
 * then only fit for sim_view_model_init. */
void sim_view_model_free(sim_view_model *m);
/* Forget everything (a new machine, or a re-run from the start). */
void sim_view_model_reset(sim_view_model *m, const char *machine);
/* Apply one record. */
void sim_view_model_apply(sim_view_model *m, const dm_trace_rec *r);

/* --- the player ------------------------------------------------------------------ */

typedef struct sim_view {
  const sim_view_recs *recs;
  const char          *title;
  sim_view_model       model;
  size_t               pos;     /* records applied: the model shows [0, pos) */
  int                  playing;
  double               speed;   /* simulated seconds per wall second */
  double               play_t;  /* simulated ns the playing clock has reached */
  int                  help;    /* help overlay shown */
  int                  quit;
  uint64_t             t_end;   /* time of the last record */
  uint64_t            *mend;    /* per machine: time of its last record */
  uint32_t             nmend;
  uint64_t            *vt;      /* violations: time and machine, for the timeline */
  uint32_t            *vm;
  uint32_t             nvt;
} sim_view;

/* A player at the start of recs, paused. speed <= 0 picks one that plays
 * the whole recording in about ten seconds. */
void sim_view_init(sim_view *v, const sim_view_recs *recs, const char *title, double speed);
void sim_view_free(sim_view *v);
/* Apply the next record; returns 0 at the end. */
int sim_view_step(sim_view *v);
/* Go back one record: rebuild the model from the start up to pos - 1.
 * Returns 0 at the start. */
int sim_view_back(sim_view *v);
void sim_view_restart(sim_view *v);
/* Step until a violation record was applied; returns 0 if none is left
 * (then the position is the end). */
int sim_view_next_violation(sim_view *v);
/* Show the state at simulated time t of machine `machine`: every record of
 * earlier machines and every one of this machine at or before t; the
 * model's time is then t. */
void sim_view_seek(sim_view *v, uint32_t machine, uint64_t t);
/* Playing: advance by wall_s seconds of wall time at the current speed. */
void sim_view_tick(sim_view *v, double wall_s);
/* A key press; returns 1 when the key is bound. Keys: space pause/resume,
 * right or n step, left or b step back, + or = faster, - slower, r restart,
 * v next violation, h or ? help, q or Escape quit (Escape closes help
 * first). */
int sim_view_key(sim_view *v, SDL_Keycode key);
/* Handle every pending SDL event (keys, quit). */
void sim_view_pump(sim_view *v);

/* --- drawing --------------------------------------------------------------------- */

/* Colours (ARGB) at the places the tests look at. */
#define SIM_VIEW_RGB_BG        0xFF101418u
#define SIM_VIEW_RGB_PB        0xFF3A7BD5u /* a block on dCtlQHdr */
#define SIM_VIEW_RGB_INSIDE    0xFF2E9E5Bu /* a request inside the driver */
#define SIM_VIEW_RGB_LAMP_ON   0xFFF0A020u /* a flag that is set */
#define SIM_VIEW_RGB_LAMP_OFF  0xFF39404Au
#define SIM_VIEW_RGB_CALLBACK  0xFFC050E0u /* a completion routine running */
#define SIM_VIEW_RGB_VIOLATION 0xFFE03C3Cu
#define SIM_VIEW_RGB_SLOT_FAMILY 0xFF7F6CD9u /* a SCSI slot the family owns */
#define SIM_VIEW_RGB_SLOT_CTRL   0xFFC9832Bu /* a SCSI slot the controller owns */

enum { SIM_VIEW_WIDTH = 1024, SIM_VIEW_HEIGHT = 640 };
enum { SIM_VIEW_LAMP_OPENED, SIM_VIEW_LAMP_ACTIVE, SIM_VIEW_LAMP_CONCURRENT,
       SIM_VIEW_LAMP_QUEUES, SIM_VIEW_NLAMPS };

/* Where things are drawn (for the tests and the window): each returns 1 and
 * sets *r, or 0 when it is not on screen. */
int sim_view_rect_unit(const sim_view_model *m, uint32_t unit, SDL_Rect *r);
int sim_view_rect_lamp(const sim_view_model *m, uint32_t unit, int lamp, SDL_Rect *r);
int sim_view_rect_queue(const sim_view_model *m, uint32_t unit, uint32_t pos, SDL_Rect *r);
int sim_view_rect_inside(const sim_view_model *m, uint32_t unit, uint32_t pos, SDL_Rect *r);
/* Controller hba's slot `slot` (controllers are drawn in rows after the
 * units). */
int sim_view_rect_slot(const sim_view_model *m, uint32_t hba, uint32_t slot, SDL_Rect *r);

/* Draw the player's state on r, which is SIM_VIEW_WIDTH x SIM_VIEW_HEIGHT. */
void sim_view_draw(const sim_view *v, SDL_Renderer *r);
/* Draw with the software renderer on a surface and write it as a PNG
 * (libpng). Returns 0, or -1 after a message on err. */
int sim_view_screenshot(const sim_view *v, const char *png_path, FILE *err);
/* Write w x h ARGB8888 pixels as an RGB PNG. Returns 0, or -1. */
int sim_view_png_write(const char *path, const uint32_t *argb, int w, int h, int pitch);

/* Open a window and run the player until it is closed. Returns 0, or -1
 * after a message on err (no display, for instance). */
int sim_view_window(sim_view *v, FILE *err);

#endif /* SIM_VIEW_H */
