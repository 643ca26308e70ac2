/*
 * sim/lang/scenario_int.h - what the scenario parser's files share: the error
 * sink, the line lexer, its literal converters and sc_push (scenario_lex.c),
 * the name tables (scenario_check.c), and the per-machine parser state that
 * scenario_parse.c, scenario_stmt.c and scenario_check.c work on.
 * Not a public header: only sim/lang/scenario_*.c include it.
 */
#ifndef SIM_SCENARIO_INT_H
#define SIM_SCENARIO_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "base/map.h"
#include "lang/scenario.h"

#if defined(__GNUC__)
#define SC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SC_PRINTF(f, a)
#endif

/* ---- errors (scenario_lex.c) -------------------------------------------- */

/* Where the one message goes. The first error reported wins, except through
 * sc_error_min, which keeps whichever error is earliest in the file: the
 * checks run at the end of a machine use it so that the message a user sees
 * does not depend on the order the checks happen to run in. */
typedef struct sc_err {
  const char *path;
  char       *buf;     /* caller's buffer, may be NULL */
  size_t      buflen;
  int         set;     /* an error was reported */
  int         line, col;
} sc_err;

void sc_error(sc_err *e, int line, int col, const char *fmt, ...) SC_PRINTF(4, 5);
void sc_error_min(sc_err *e, int line, int col, const char *fmt, ...) SC_PRINTF(4, 5);
/* A message without a position ("PATH: error: ..."), for I/O failures. */
void sc_error_file(sc_err *e, const char *fmt, ...) SC_PRINTF(2, 3);

/* ---- tokens (scenario_lex.c) ------------------------------------------- */

typedef enum sc_tok_kind {
  SC_TOK_WORD,   /* a run of [A-Za-z0-9_.-]: keyword, name, number, duration */
  SC_TOK_STRING, /* "...", decoded into str */
  SC_TOK_OP,     /* a run of < > = ! */
  SC_TOK_COMMA,
  SC_TOK_EOL     /* end of the line (always the last token of a line) */
} sc_tok_kind;

typedef struct sc_tok {
  sc_tok_kind kind;
  const char *p;     /* the token's text in the input (strings: quotes included) */
  size_t      len;
  char       *str;   /* SC_TOK_STRING: decoded, NUL-terminated, owned by the line */
  size_t      slen;
  int         line, col;
} sc_tok;

/* The tokens of one line; reused from line to line. */
typedef struct sc_line {
  sc_tok *tok;
  size_t  n, cap;
} sc_line;

typedef struct sc_lexer {
  const char *text;
  size_t      len, pos;
  int         line;  /* line number of the next line to lex */
  sc_err     *err;
} sc_lexer;

void sc_lex_init(sc_lexer *lx, const char *text, size_t len, sc_err *err);
/* Lex the next line into out (previous contents released). Returns 1 when a
 * line was read (its last token is SC_TOK_EOL), 0 at end of input, -1 on a
 * lexical error (reported to lx->err). */
int sc_lex_line(sc_lexer *lx, sc_line *out);
void sc_line_free(sc_line *l);

/* Is tok a word equal to kw? */
int sc_tok_is(const sc_tok *t, const char *kw);
/* Describe t for "found ..." in messages: 'word', string "...", end of line.
 * Long texts are shortened with "..." (display only). */
const char *sc_tok_describe(const sc_tok *t, char *buf, size_t len);

/* ---- literals (scenario_lex.c) ----------------------------------------- */

/* Results of the converters: the text is not of that type at all, or it is
 * but the value is out of range, or (durations) it has no unit or is finer
 * than 1 ns. */
enum { SC_NUM_OK = 0, SC_NUM_BAD, SC_NUM_RANGE, SC_NUM_NOUNIT, SC_NUM_FINE };

/* Is p[0..len) a name: [A-Za-z_][A-Za-z0-9_.-]* (of any length)? */
int sc_is_name(const char *p, size_t len);
/* Unsigned integer, decimal or 0x hex, at most max. */
int sc_parse_uint(const char *p, size_t len, uint64_t max, uint64_t *out);
/* Signed integer (optional leading '-'), decimal or 0x hex, in [min, max]. */
int sc_parse_int(const char *p, size_t len, int64_t min, int64_t max, int64_t *out);
/* Byte count: an unsigned integer with optional suffix k or m, at most max. */
int sc_parse_size(const char *p, size_t len, uint64_t max, uint64_t *out);
/* Duration: digits [. digits] unit (ns us ms s), exact in ns. */
int sc_parse_duration(const char *p, size_t len, uint64_t *out);
/* Write ns as the largest unit that shows it exactly: "1500us", "2s". */
const char *sc_fmt_duration(uint64_t ns, char *buf, size_t len);

/* ---- memory (scenario_lex.c) ------------------------------------------ */

/* Make room for element n of an array of n elements of elsize bytes whose
 * storage comes only from sc_push. The capacity is implied by n (4, then
 * powers of two; an array whose n went down still has at least that much),
 * so the tree needs no capacity fields. Returns the array (maybe moved), or
 * NULL when out of memory, with ptr untouched. */
void *sc_push(void *ptr, size_t n, size_t elsize);

/* ---- name tables (scenario_check.c) ------------------------------------ */

/* An open-addressing map from a name to an index, so that duplicates and
 * references cost O(1) however many calls a generated scenario holds. A
 * slot is 16 bytes; the names are copied into chunks the table owns (a
 * generated file may name half a million calls). */
typedef struct sc_names {
  struct sc_name_slot {
    const char *name; /* NULL for an empty slot */
    size_t      idx;
  } *slot;
  size_t cap, n;
  char  *chunk;       /* the chunk names are copied into now; each chunk
                         begins with a pointer to the previous one */
  size_t used, room;  /* bytes of it used, and its size */
} sc_names;

/* Index of name, or SIM_SC_NONE. */
size_t sc_names_find(const sc_names *t, const char *name);
/* Add name -> idx (name: 1..SIM_SC_NAME_MAX characters). Returns 0, or -1
 * when out of memory. The caller checks duplicates with find first. */
int sc_names_add(sc_names *t, const char *name, size_t idx);
void sc_names_free(sc_names *t);

/* The names of a machine's calls: an open-addressing map from a name to
 * the call instance that has it, whose slots hold only the instance's
 * index (4 bytes): the names themselves are in machine.call_names, which
 * the instances point into. A million named calls cost 8 MB of slots
 * while the machine is parsed. */
typedef struct sc_call_names {
  uint32_t *slot; /* call index + 1, or 0 for an empty slot */
  size_t    cap, n;
} sc_call_names;

/* The named call of m called name, or SIM_SC_NONE. */
size_t sc_call_names_find(const sc_call_names *t, const sim_sc_machine *m, const char *name);
/* Add call instance `call` of m (named, its name not yet in t). Returns 0,
 * or -1 when out of memory. */
int sc_call_names_add(sc_call_names *t, const sim_sc_machine *m, size_t call);
void sc_call_names_free(sc_call_names *t);

/* Can shape c be shared by several calls? Only a plain call's without a
 * routine (scenario.h), and only when it owns no memory (an open's name, a
 * pattern's text), so that the same field is never freed twice. */
static inline int sc_shape_shareable(const sim_sc_shape *c)
{
  return c->pb == SIM_SC_NONE && c->then == NULL && c->open_name == NULL &&
         c->pattern.kind != SIM_SC_PAT_TEXT;
}

/* ---- per-machine parser state (shared with scenario_check.c) ----------- */

typedef enum sc_ref_kind { SC_REF_DRIVER, SC_REF_HARDWARE, SC_REF_CALL } sc_ref_kind;

/* A name used before it can be resolved: while a machine is being parsed,
 * every index field that refers to a driver, hardware or call holds the
 * number of its sc_ref; sc_check_machine replaces it with the real index.
 * The name is the token's text in the input, which outlives the parse.
 * Drivers and hardware have one ref per name (its first use), so that the
 * same driver named by a million calls is one ref and those calls can be
 * told identical; each use of a call name has its own (a wait's checks
 * are reported where that wait names the call). */
typedef struct sc_ref {
  const char *name;  /* not NUL-terminated */
  uint8_t     len;   /* 1..SIM_SC_NAME_MAX */
  uint8_t     kind;  /* sc_ref_kind */
  int         line, col;
} sc_ref;

typedef struct sc_mstate {
  sc_names hardware, drivers, clients, pbs, controllers, disks;
  sc_call_names calls;
  sc_ref  *refs;
  size_t   nrefs;
  sc_names driver_refs, hardware_refs; /* name -> its ref number */
  sim_map  plain;   /* hash of a plain call's shape -> its index in shapes + 1 */
  sim_map  unnamed; /* shape index + 1 -> the unnamed instance with that shape + 1 */
  size_t   names_cap; /* bytes allocated for machine.call_names */
  size_t   names_len; /* bytes of it in use */
  /* the driver that claimed each explicit unit, SIM_SC_NONE when free */
  size_t   unit_owner[SIM_SC_UNIT_MAX + 1];
} sc_mstate;

/* Resolve every reference of m, then run the checks that need the whole
 * machine (wait targets, data pairs, driver events). Returns 0, or -1 with
 * the earliest offending error reported to e. (scenario_check.c) */
int sc_check_machine(sim_sc_machine *m, sc_mstate *ms, sc_err *e);

/* ---- the parser (scenario_parse.c, scenario_stmt.c) -------------------- */

typedef enum sc_blk_kind {
  SC_BLK_MACHINE, SC_BLK_CLIENT, SC_BLK_REPEAT,
  SC_BLK_ROUTINE /* `then`: the completion routine of an async call */
} sc_blk_kind;

/* An open block. Client and repeat blocks collect their statements here;
 * `end` moves them into the client, or into a new repeat statement of the
 * enclosing block. */
typedef struct sc_block {
  sc_blk_kind  kind;
  int          line, col; /* the opening keyword */
  sim_sc_stmt *body;
  size_t       nbody;
  uint64_t     count;     /* repeat */
  size_t       call;      /* routine: the call it belongs to */
} sc_block;

typedef struct sc_parser {
  sc_err         *e;
  sc_lexer        lx;
  sc_line         ln;          /* the current line */
  size_t          ti;          /* its next token; never past the EOL token */
  sim_scenario   *sc;
  sim_sc_machine *m;           /* the open machine, or NULL */
  sc_mstate      *ms;          /* its parser state */
  sc_block       *blk;         /* open blocks, innermost last */
  size_t          nblk;
  size_t          client;      /* index of the open client */
  int             repeat_depth;
  sc_names        machine_names;
  /* The file may have an implicit machine or machine blocks, not both:
   * where the first declaration outside a block was, and the first block. */
  int             top_line, top_col;
  char            top_kw[16];
  int             first_machine_line;
} sc_parser;

/* Token helpers (scenario_parse.c). Each failing helper reports an error
 * at the offending token and returns -1. */
sc_tok *sc_peek(sc_parser *p);
sc_tok *sc_next(sc_parser *p);
int sc_fail_expected(sc_parser *p, const sc_tok *t, const char *what);
int sc_want_eol(sc_parser *p);
int sc_want_name(sc_parser *p, const char *what, char out[SIM_SC_NAME_MAX + 1],
                 const sc_tok **where);
/* An unsigned integer in [min, max]; what is for "expected WHAT, found",
 * noun for "NOUN '1024' out of range (0..1023)". */
int sc_want_uint(sc_parser *p, const char *what, const char *noun, uint64_t min, uint64_t max,
                 uint64_t *out);
int sc_want_duration(sc_parser *p, const char *what, uint64_t *out, const sc_tok **where);
/* A word and the bits it stands for, for sc_want_bits. */
typedef struct sc_word_bits {
  const char *word;
  uint16_t    bits;
} sc_word_bits;
/* A comma-separated list of words of tab (n entries), ORed into *out;
 * taken holds bits given before (a word whose bits are taken is "given
 * twice"); what is for "expected WHAT, found". */
int sc_want_bits(sc_parser *p, const sc_word_bits *tab, size_t n, const char *what,
                 uint16_t taken, uint16_t *out);
/* A new reference (see sc_ref); returns its number, or SIM_SC_NONE when out
 * of memory (reported). */
size_t sc_add_ref(sc_parser *p, sc_ref_kind kind, const char *name, const sc_tok *where);
/* Report an option given twice (first: the column of the first) at t. */
int sc_dup_option(sc_parser *p, const sc_tok *t, int first);
/* `builtin NAME` or `so "PATH"` (scenario_parse.c). */
int sc_parse_source(sc_parser *p, sim_sc_source *src);
/* "duplicate KIND 'NAME' (first declared at line N)"; returns -1. */
int sc_dup_decl(sc_parser *p, const sc_tok *t, const char *kind, const char *name, int first_line);
/* scenario_scsi.c: `controller ...`, `disk ...`, and a driver's `disk NAME`. */
int sc_parse_controller(sc_parser *p, const sc_tok *kw);
int sc_parse_disk(sc_parser *p, const sc_tok *kw);
int sc_parse_driver_disk(sc_parser *p, sim_sc_driver *d);
void *sc_append(sc_parser *p, void *arr, size_t *n, size_t elsize, const sc_tok *t);
/* Report "out of memory" at t and return -1. */
int sc_oom(sc_parser *p, const sc_tok *t);

/* Statement parsers (scenario_stmt.c); kw is the statement's first token,
 * already consumed. Each returns 0 or -1 (error reported). */
int sc_parse_client_stmt(sc_parser *p, const sc_tok *kw);
int sc_parse_expect(sc_parser *p, const sc_tok *kw);
/* `pattern` operands (the word after `pattern`): fills pat. */
int sc_parse_pattern(sc_parser *p, sim_sc_pattern *pat);

/* SCSI bus declarations (scenario_scsibus.c): `scsi ...` lines, the SCSI
 * expectations (`expect CMD status|sense|info|transport|resid ...`, kw is
 * `expect`), the machine-end check that resolves their names, and freeing. */
int sc_parse_scsibus(sc_parser *p, const sc_tok *kw);
int sc_is_scsibus_expect(const sc_tok *word);
int sc_parse_scsibus_expect(sc_parser *p, const sc_tok *kw);
int sc_check_scsibus(sim_sc_machine *m, sc_err *e);
void sc_scsibus_free(sim_sc_scsi *s);

/* ---- the tree (scenario_ast.c) ----------------------------------------- */

/* Free the contents of a machine (not the struct itself). */
void sc_machine_free(sim_sc_machine *m);
/* The name of ref r, NUL-terminated, in buf. */
const char *sc_ref_name(const sc_ref *r, char buf[SIM_SC_NAME_MAX + 1]);

#endif /* SIM_SCENARIO_INT_H */
