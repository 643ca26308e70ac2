/*
 * sim/trace/trace_chrome.h - what the chrome writer's two files share
 * (private to trace_chrome.c, the records and their slices, and
 * trace_chrome_event.c, how an event is written).
 */
#ifndef SIM_TRACE_CHROME_H
#define SIM_TRACE_CHROME_H

#include "trace/trace_impl.h"

typedef struct chrome_slice {
  uint64_t serial;  /* the "0x..." id */
  uint64_t pb;      /* pb number, 0 for none */
  uint64_t key;     /* key in chrome_state.open */
  uint32_t label;   /* the driver's label when it opened (index in
                       chrome_state.labels): the outer slice's name, which
                       an install renaming the driver does not change */
  uint32_t tid;
  int      pid;
  uint8_t  code;    /* command code, for the name */
  uint8_t  waiting; /* the nested "queued" slice is open */
  uint64_t id;      /* IOCommandID once dispatched */
  uint32_t next_free;
} chrome_slice;

/* What a driver's counter showed last, so unchanged values are not repeated. */
typedef struct chrome_ctr {
  uint32_t queued, inflight;
  uint8_t  active, valid;
} chrome_ctr;

/* The most bytes of a driver's label that name a request's outer slice
 * (once a copy in 48 bytes, its terminator included). */
#define CHROME_LABEL_CUT 47

/* A driver's label as JSON strings, quotes included: whole (its track's
 * counter) and cut before escaping to at most its first CHROME_LABEL_CUT
 * bytes, on a character boundary (sim_trace__utf8_cut: no half of a UTF-8
 * character), for the name of a request's outer slice. */
typedef struct chrome_label {
  char  *q, *gq; /* gq == q when the label is not longer */
  size_t n, gn;
} chrome_label;

/* The longest head of a counter event the writer keeps. */
#define CHROME_CTR_HEAD 128

/* What the writer keeps per driver (by driver index). */
typedef struct chrome_drv {
  chrome_ctr ctr;   /* what its counter showed last */
  uint32_t   label; /* index + 1 in chrome_state.labels; 0 before its first use */
  uint8_t    named; /* its track is named (the one record of it) */
  /* Its counter event from the separator before it to "ts": (the same for
   * every one until an install renames the driver); n == 0: none kept. */
  uint8_t    ctr_n;
  char       ctr_head[CHROME_CTR_HEAD];
} chrome_drv;

typedef struct chrome_state {
  int           first;  /* no event written yet: no comma before the next */
  uint64_t      serial; /* slices opened so far */
  sim_map open;   /* pb number or id key -> slice index + 1 */
  sim_map named;  /* processes already named (key: machine + 1) */
  chrome_slice *slices;
  uint32_t      nslices;
  size_t        capslices;
  uint32_t      free_head; /* index + 1 of a free slice, 0 for none */
  chrome_drv   *drv;       /* by driver index */
  size_t        capdrv;
  chrome_label *labels;    /* every label made, until the writer closes */
  uint32_t      nlabels;
  size_t        caplabels;
  sim_trace_memo id2;      /* the last "id2" written, of its serial */
  sim_trace_memo where;    /* the last "pid" and "tid", of pid << 32 | tid */
  sim_trace_memo us;       /* the last time stamp's whole microseconds */
} chrome_state;

/* An event's category and phase: the text between its name and its id,
 * ,"cat":CAT,"ph":PH, and for an instant "s":"t", too. */
typedef enum chrome_kind {
  K_IO_B, K_IO_E, K_QUEUE, K_SCSI_B, K_SCSI_E, I_LIFECYCLE, I_KILLIO, I_IO, I_CALLBACK,
  I_VIOLATION, I_WARNING, I_SCSI, I_OTHER, K_COUNT_
} chrome_kind;

/* A driver's process and track ids. */
static inline int pid_of(const sim_trace_drv *d)
{
  return d->machine + 1;
}

static inline uint32_t tid_of(const sim_trace_drv *d)
{
  return d->index + 1;
}

/* d's label entry, made at its first use; NULL when out of memory. */
const chrome_label *sim_chrome__label_of(sim_trace *t, const sim_trace_drv *d);
/* The newline, and the comma before it but for the first event. */
static inline void sim_chrome__sep(sim_trace *t)
{
  chrome_state *s = t->fmt_state;
  if (s->first)
    sim_trace__put(t, "\n", 1);
  else
    sim_trace__put(t, ",\n", 2);
  s->first = 0;
}
/* {"name": (the caller writes the name, then sim_chrome__head_end). */
static inline void sim_chrome__head_start(sim_trace *t)
{
  sim_chrome__sep(t);
  sim_trace__put(t, "{\"name\":", 8);
}
/* The rest of an event's head after its name, up to its time stamp (the
 * caller adds optional fields and the closing brace). */
void sim_chrome__head_end(sim_trace *t, chrome_kind k, uint64_t serial, int pid, uint32_t tid,
                          uint64_t ns);
/* An event's head with name as a JSON string. */
void sim_chrome__head(sim_trace *t, const char *name, chrome_kind k, uint64_t serial, int pid,
                      uint32_t tid, uint64_t ns);
/* An event's head with a name made already (a chrome_label's). */
void sim_chrome__head_q(sim_trace *t, const char *q, size_t n, chrome_kind k, uint64_t serial,
                        int pid, uint32_t tid, uint64_t ns);
/* Name the current machine's process and d's track the first time they are
 * used (or again when an install renames the track, whose label entry is
 * then made again). */
void sim_chrome__name_tracks(sim_trace *t, const sim_trace_drv *d, int force);
/* Write d's counter if it differs from what the trace showed last. */
void sim_chrome__counter(sim_trace *t, const sim_trace_drv *d, uint64_t ns);
/* ,"args":{"result":-27,"err":"abortErr"}} (err only when the code has a
 * name: an identifier, which needs no escaping) */
void sim_chrome__result_args(sim_trace *t, int result);

#endif /* SIM_TRACE_CHROME_H */
