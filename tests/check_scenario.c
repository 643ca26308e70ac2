/*
 * check_scenario.c - the scenario language: a full file parsed into the
 * expected resolved tree, exact literal conversion, one precise message per
 * malformed input (file:line:col and the words that explain it), file
 * loading, and a no-crash loop over random mutations of a valid file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lang/scenario.h"
#include "tests.h"

/* ---- helpers ----------------------------------------------------------- */

static sim_scenario *parse_ok(const char *text)
{
  char err[512];
  sim_scenario *sc = NULL;
  int r = sim_scenario_parse("test.dms", text, strlen(text), &sc, err, sizeof err);
  ck_assert_msg(r == 0, "parse failed: %s", err);
  ck_assert_ptr_nonnull(sc);
  return sc;
}

/* Parse text that must fail; returns the message (static buffer). */
static const char *parse_bad_len(const char *text, size_t len)
{
  static char err[1024];
  sim_scenario *sc = (sim_scenario *)&err; /* must be reset to NULL */
  int r = sim_scenario_parse("test.dms", text, len, &sc, err, sizeof err);
  ck_assert_msg(r == -1, "parse unexpectedly succeeded:\n%s", text);
  ck_assert_ptr_null(sc);
  ck_assert_msg(strchr(err, '\n') == NULL, "message is not one line: %s", err);
  return err;
}

static const char *parse_bad(const char *text)
{
  return parse_bad_len(text, strlen(text));
}

static void assert_msg(const char *msg, const char *prefix, const char *w1, const char *w2)
{
  ck_assert_msg(strncmp(msg, prefix, strlen(prefix)) == 0, "expected prefix '%s', got: %s",
                prefix, msg);
  ck_assert_msg(!w1 || strstr(msg, w1), "expected '%s' in: %s", w1, msg);
  ck_assert_msg(!w2 || strstr(msg, w2), "expected '%s' in: %s", w2, msg);
}

/* ---- a full scenario --------------------------------------------------- */

static const char full_text[] =
    "# a scenario using every statement\n"
    "seed 0x2A\n"
    "\n"
    "machine alpha\n"
    "  hardware disk uniform 1.5ms 2ms channels 2\n"
    "  hardware net exponential 250us   # mean\n"
    "  hardware slow fixed 1s\n"
    "  driver d1 builtin ramdisk unit 50 hardware disk runtime concurrent,queues-iopb\n"
    "  driver d2 so \"drivers/x\\\"y.so\" runtime none at 10ms\n"
    "\tdriver d3 builtin null\n"
    "  at 20ms replace d3 with builtin null2\n"
    "  at 30ms remove d2 immediate\n"
    "  client c1 at 1ms\n"
    "    open d1\n"
    "    write d1 4k at 1m pattern byte 0xA5 async as w1 pb shared\n"
    "    read d1 4k at 1m async as r1\n"
    "    wait w1\n"
    "    wait r1\n"
    "    control d1 -3 immediate as k1\n"
    "    status d1 0x10\n"
    "    repeat 3\n"
    "      read d1 512 pb shared\n"
    "      repeat 2\n"
    "        write d1 1k pattern text \"ab\\tc\\n\"\n"
    "        sleep 1.5ms\n"
    "      end\n"
    "    end\n"
    "    wait all\n"
    "    at 2s\n"
    "    killio d1 as kill\n"
    "    close d1 async\n"
    "  end\n"
    "  client c2\n"
    "    write d3 100 pattern random 7 as w2\n"
    "  end\n"
    "  expect r1 result noErr\n"
    "  expect k1 result -27\n"
    "  expect order w1 r1 kill\n"
    "  expect count complete on d1 5\n"
    "  expect count violation 0\n"
    "  expect violation pb-in-flight-reused\n"
    "  expect no violation\n"
    "  expect no violation complete-twice\n"
    "  expect data r1 equals w1\n"
    "  expect time r1 <= 1.5ms\n"
    "  expect time w2 >= 0ns\n"
    "  expect w2 result abortErr\n"
    "end\n"
    "\n"
    "machine beta\n"
    "  client c1\n"
    "    open d1 sync\n"
    "  end\n"
    "  driver d1 builtin null   # declared after its use\n"
    "end\n";

START_TEST(test_full_scenario)
{
  sim_scenario *sc = parse_ok(full_text);
  ck_assert_str_eq(sc->path, "test.dms");
  ck_assert_int_eq(sc->has_seed, 1);
  ck_assert_uint_eq(sc->seed, 42);
  ck_assert_int_eq(sc->seed_line, 2);
  ck_assert_uint_eq(sc->nmachines, 2);

  const sim_sc_machine *m = &sc->machines[0];
  ck_assert_str_eq(m->name, "alpha");
  ck_assert_int_eq(m->implicit, 0);
  ck_assert_int_eq(m->line, 4);
  ck_assert_uint_eq(m->nhardware, 3);
  ck_assert_uint_eq(m->ndrivers, 3);
  ck_assert_uint_eq(m->nevents, 2);
  ck_assert_uint_eq(m->nclients, 2);
  ck_assert_uint_eq(m->ncalls, 10);
  ck_assert_uint_eq(m->npbs, 2); /* `pb shared`, and the write's in the inner repeat */
  ck_assert_uint_eq(m->nexpects, 12);

  /* hardware: exact ns */
  ck_assert_str_eq(m->hardware[0].name, "disk");
  ck_assert_int_eq(m->hardware[0].dist, SIM_SC_UNIFORM);
  ck_assert_uint_eq(m->hardware[0].lo, 1500000);
  ck_assert_uint_eq(m->hardware[0].hi, 2000000);
  ck_assert_uint_eq(m->hardware[0].channels, 2);
  ck_assert_int_eq(m->hardware[1].dist, SIM_SC_EXPONENTIAL);
  ck_assert_uint_eq(m->hardware[1].lo, 250000);
  ck_assert_uint_eq(m->hardware[1].hi, 250000);
  ck_assert_uint_eq(m->hardware[1].channels, 1);
  ck_assert_int_eq(m->hardware[2].dist, SIM_SC_FIXED);
  ck_assert_uint_eq(m->hardware[2].lo, 1000000000u);
  ck_assert_int_eq(m->hardware[2].line, 7);
  ck_assert_int_eq(m->hardware[2].col, 3);

  /* drivers */
  const sim_sc_driver *d = m->drivers;
  ck_assert_str_eq(d[0].alias, "d1");
  ck_assert_int_eq(d[0].src.kind, SIM_SC_SRC_BUILTIN);
  ck_assert_str_eq(d[0].src.name, "ramdisk");
  ck_assert_int_eq(d[0].src.line, 8);
  ck_assert_int_eq(d[0].src.col, 21);
  ck_assert_int_eq(d[0].unit, 50);
  ck_assert_uint_eq(d[0].hardware, 0);
  ck_assert_int_eq(d[0].has_runtime, 1);
  ck_assert_uint_eq(d[0].runtime, SIM_SC_RUNTIME_CONCURRENT | SIM_SC_RUNTIME_QUEUES_IOPB);
  ck_assert_uint_eq(d[0].at, 0);
  ck_assert_int_eq(d[1].src.kind, SIM_SC_SRC_SO);
  ck_assert_str_eq(d[1].src.name, "drivers/x\"y.so");
  ck_assert_int_eq(d[1].unit, -1);
  ck_assert_uint_eq(d[1].hardware, SIM_SC_NONE);
  ck_assert_int_eq(d[1].has_runtime, 1);
  ck_assert_uint_eq(d[1].runtime, 0);
  ck_assert_uint_eq(d[1].at, 10000000);
  ck_assert_int_eq(d[2].has_runtime, 0);
  ck_assert_int_eq(d[2].line, 10);
  ck_assert_int_eq(d[2].col, 2); /* after a tab: a tab is one column */

  /* driver events */
  ck_assert_int_eq(m->events[0].kind, SIM_SC_REPLACE);
  ck_assert_uint_eq(m->events[0].at, 20000000);
  ck_assert_uint_eq(m->events[0].driver, 2);
  ck_assert_int_eq(m->events[0].with.kind, SIM_SC_SRC_BUILTIN);
  ck_assert_str_eq(m->events[0].with.name, "null2");
  ck_assert_int_eq(m->events[1].kind, SIM_SC_REMOVE);
  ck_assert_uint_eq(m->events[1].driver, 1);
  ck_assert_int_eq(m->events[1].immediate, 1);
  ck_assert_ptr_null(m->events[1].with.name);

  /* calls, in file order, with resolved client, driver and pb */
  const sim_sc_call *c = m->calls;
  ck_assert_int_eq(sim_sc_call_shape(m, 0)->op, SIM_SC_OP_OPEN);
  ck_assert_int_eq(sim_sc_call_shape(m, 0)->mode, SIM_SC_SYNC);
  ck_assert_str_eq(sim_sc_call_name(m, 0), "");
  ck_assert_int_eq(sim_sc_call_shape(m, 1)->op, SIM_SC_OP_WRITE);
  ck_assert_int_eq(sim_sc_call_shape(m, 1)->mode, SIM_SC_ASYNC);
  ck_assert_str_eq(sim_sc_call_name(m, 1), "w1");
  ck_assert_uint_eq(sim_sc_call_shape(m, 1)->size, 4096);
  ck_assert_int_eq(sim_sc_call_shape(m, 1)->has_pos, 1);
  ck_assert_uint_eq(sim_sc_call_shape(m, 1)->pos, 1048576);
  ck_assert_int_eq(sim_sc_call_shape(m, 1)->pattern.kind, SIM_SC_PAT_BYTE);
  ck_assert_uint_eq(sim_sc_call_shape(m, 1)->pattern.byte, 0xA5);
  ck_assert_uint_eq(sim_sc_call_shape(m, 1)->driver, 0);
  ck_assert_uint_eq(sim_sc_call_shape(m, 1)->client, 0);
  ck_assert_int_eq(c[1].line, 15);
  ck_assert_int_eq(c[1].col, 5);
  ck_assert_int_eq(sim_sc_call_shape(m, 2)->op, SIM_SC_OP_READ);
  ck_assert_int_eq(sim_sc_call_shape(m, 2)->pattern.kind, SIM_SC_PAT_COUNTER);
  ck_assert_int_eq(sim_sc_call_shape(m, 3)->op, SIM_SC_OP_CONTROL);
  ck_assert_int_eq(sim_sc_call_shape(m, 3)->mode, SIM_SC_IMMEDIATE);
  ck_assert_int_eq(sim_sc_call_shape(m, 3)->code, -3);
  ck_assert_int_eq(sim_sc_call_shape(m, 4)->op, SIM_SC_OP_STATUS);
  ck_assert_int_eq(sim_sc_call_shape(m, 4)->code, 16);
  ck_assert_int_eq(sim_sc_call_shape(m, 4)->has_pos, 0);
  ck_assert_int_eq(sim_sc_call_shape(m, 5)->in_repeat, 1);
  ck_assert_uint_eq(sim_sc_call_shape(m, 5)->size, 512);
  ck_assert_int_eq(sim_sc_call_shape(m, 6)->pattern.kind, SIM_SC_PAT_TEXT);
  ck_assert_uint_eq(sim_sc_call_shape(m, 6)->pattern.text_len, 5);
  ck_assert_mem_eq(sim_sc_call_shape(m, 6)->pattern.text, "ab\tc\n", 6);
  ck_assert_uint_eq(sim_sc_call_shape(m, 6)->size, 1024);
  ck_assert_int_eq(sim_sc_call_shape(m, 7)->op, SIM_SC_OP_KILLIO);
  ck_assert_int_eq(sim_sc_call_shape(m, 7)->mode, SIM_SC_IMMEDIATE);
  ck_assert_int_eq(sim_sc_call_shape(m, 8)->op, SIM_SC_OP_CLOSE);
  ck_assert_int_eq(sim_sc_call_shape(m, 8)->mode, SIM_SC_ASYNC);
  ck_assert_uint_eq(sim_sc_call_shape(m, 9)->client, 1);
  ck_assert_uint_eq(sim_sc_call_shape(m, 9)->driver, 2);
  ck_assert_int_eq(sim_sc_call_shape(m, 9)->pattern.kind, SIM_SC_PAT_RANDOM);
  ck_assert_uint_eq(sim_sc_call_shape(m, 9)->pattern.seed, 7);

  /* parameter blocks: `pb shared` is one block for calls 1 and 5 */
  ck_assert_uint_eq(sim_sc_call_shape(m, 1)->pb, sim_sc_call_shape(m, 5)->pb);
  const sim_sc_pb *shared = &m->pbs[sim_sc_call_shape(m, 1)->pb];
  ck_assert_str_eq(shared->name, "shared");
  ck_assert_uint_eq(shared->ncalls, 2);
  ck_assert_uint_eq(shared->first_call, 1);
  ck_assert_int_eq(shared->per_iteration, 0);
  ck_assert_int_eq(m->pbs[sim_sc_call_shape(m, 6)->pb].per_iteration, 1);
  ck_assert_uint_ne(sim_sc_call_shape(m, 6)->pb, sim_sc_call_shape(m, 1)->pb);
  /* the others are plain: a block of the executor's pool per statement */
  for (size_t i = 0; i < m->ncalls; i++)
    if (i != 1 && i != 5 && i != 6)
      ck_assert_uint_eq(sim_sc_call_shape(m, i)->pb, SIM_SC_NONE);
  /* `expect data r1 equals w1` reads both blocks after the run */
  for (size_t i = 0; i < m->ncalls; i++)
    ck_assert_int_eq(sim_sc_call_shape(m, i)->keeps_pb, i == 1 || i == 2);

  /* client statements */
  const sim_sc_client *c1 = &m->clients[0];
  ck_assert_str_eq(c1->name, "c1");
  ck_assert_uint_eq(c1->at, 1000000);
  ck_assert_uint_eq(c1->nbody, 12);
  const sim_sc_stmt *s = c1->body;
  ck_assert_int_eq(s[0].kind, SIM_SC_ST_CALL);
  ck_assert_uint_eq(s[0].call, 0);
  ck_assert_int_eq(s[3].kind, SIM_SC_ST_WAIT);
  ck_assert_uint_eq(s[3].call, 1);
  ck_assert_int_eq(s[4].kind, SIM_SC_ST_WAIT);
  ck_assert_uint_eq(s[4].call, 2);
  ck_assert_int_eq(s[7].kind, SIM_SC_ST_REPEAT);
  ck_assert_uint_eq(m->nrepeats, 2);
  const sim_sc_repeat *outer = &m->repeats[s[7].repeat];
  ck_assert_uint_eq(outer->count, 3);
  ck_assert_int_eq(s[7].line, 21);
  ck_assert_uint_eq(outer->nbody, 2);
  ck_assert_uint_eq(outer->body[0].call, 5);
  ck_assert_int_eq(outer->body[1].kind, SIM_SC_ST_REPEAT);
  const sim_sc_repeat *inner = &m->repeats[outer->body[1].repeat];
  ck_assert_uint_eq(inner->count, 2);
  ck_assert_uint_eq(inner->nbody, 2);
  ck_assert_int_eq(inner->body[1].kind, SIM_SC_ST_SLEEP);
  ck_assert_uint_eq(m->times[inner->body[1].time], 1500000);
  ck_assert_int_eq(s[8].kind, SIM_SC_ST_WAIT_ALL);
  ck_assert_int_eq(s[9].kind, SIM_SC_ST_AT);
  ck_assert_uint_eq(m->times[s[9].time], 2000000000u);
  ck_assert_uint_eq(m->ntimes, 2);
  ck_assert_uint_eq(s[10].call, 7);
  ck_assert_uint_eq(m->clients[1].at, 0);

  /* expectations, resolved */
  const sim_sc_expect *x = m->expects;
  ck_assert_int_eq(x[0].kind, SIM_SC_EX_RESULT);
  ck_assert_uint_eq(x[0].call, 2);
  ck_assert_int_eq(x[0].result, 0);
  ck_assert_int_eq(x[0].line, 36);
  ck_assert_int_eq(x[0].col, 3);
  ck_assert_int_eq(x[1].result, -27);
  ck_assert_int_eq(x[2].kind, SIM_SC_EX_ORDER);
  ck_assert_uint_eq(x[2].norder, 3);
  ck_assert_uint_eq(x[2].order[0], 1);
  ck_assert_uint_eq(x[2].order[1], 2);
  ck_assert_uint_eq(x[2].order[2], 7);
  ck_assert_int_eq(x[3].kind, SIM_SC_EX_COUNT);
  ck_assert_int_eq(x[3].ev, SIM_SC_EV_COMPLETE);
  ck_assert_uint_eq(x[3].driver, 0);
  ck_assert_uint_eq(x[3].count, 5);
  ck_assert_int_eq(x[4].ev, SIM_SC_EV_VIOLATION);
  ck_assert_uint_eq(x[4].driver, SIM_SC_NONE);
  ck_assert_uint_eq(x[4].count, 0);
  ck_assert_int_eq(x[5].kind, SIM_SC_EX_VIOLATION);
  ck_assert_int_eq(x[5].rule, DM_RULE_PB_IN_FLIGHT_REUSED);
  ck_assert_int_eq(x[6].kind, SIM_SC_EX_NO_VIOLATION);
  ck_assert_int_eq(x[6].rule, DM_RULE_COUNT);
  ck_assert_int_eq(x[7].rule, DM_RULE_COMPLETE_TWICE);
  ck_assert_int_eq(x[8].kind, SIM_SC_EX_DATA);
  ck_assert_uint_eq(x[8].call, 2);
  ck_assert_uint_eq(x[8].call2, 1);
  ck_assert_int_eq(x[9].kind, SIM_SC_EX_TIME);
  ck_assert_int_eq(x[9].cmp, SIM_SC_LE);
  ck_assert_uint_eq(x[9].ns, 1500000);
  ck_assert_int_eq(x[10].cmp, SIM_SC_GE);
  ck_assert_uint_eq(x[10].call, 9);
  ck_assert_int_eq(x[11].result, -27);

  /* the second machine: its own tables; a use before the declaration */
  const sim_sc_machine *b = &sc->machines[1];
  ck_assert_str_eq(b->name, "beta");
  ck_assert_uint_eq(b->ndrivers, 1);
  ck_assert_uint_eq(b->ncalls, 1);
  ck_assert_uint_eq(sim_sc_call_shape(b, 0)->driver, 0);
  ck_assert_uint_eq(b->nexpects, 0);
  sim_scenario_free(sc);
}
END_TEST

/* Raw refNums, parameter-block fields, completion routines and the
 * expectations on what a driver saw, parsed into the tree. */
START_TEST(test_pb_fields_routines_and_driver_expectations)
{
  sim_scenario *sc = parse_ok(
      "driver d builtin fixed disable write,status\n"
      "client c\n"
      "  open d perm fsRdWrPerm as o\n"
      "  read -60 512 as bad\n"
      "  read d 4 posmode fsFromMark offset -2 async no-completion as pm\n"
      "  control d 7 param 1 2 0x33 async as ct then\n"
      "    read d 8 async as inner then\n"
      "      killio d\n"
      "    end\n"
      "    status d 43\n"
      "  end\n"
      "end\n"
      "expect sent d initialize.immediate open read.async\n"
      "expect flags d at 1.5ms has dOpened lacks drvrActive,dWritEnable\n"
      "expect ct level sih\n"
      "expect ct param 1 2 0x33\n");
  const sim_sc_machine *m = &sc->machines[0];
  ck_assert_uint_eq(m->drivers[0].disable, 0x0200 | 0x0800);
  ck_assert_uint_eq(m->ncalls, 7);
  ck_assert(sim_sc_call_shape(m, 0)->has_perm && sim_sc_call_shape(m, 0)->perm == 3);
  ck_assert(sim_sc_call_shape(m, 1)->has_refnum && sim_sc_call_shape(m, 1)->refnum == -60 && sim_sc_call_shape(m, 1)->driver == SIM_SC_NONE);
  ck_assert_int_eq(sim_sc_call_shape(m, 2)->posmode, 3);
  ck_assert_int_eq(sim_sc_call_shape(m, 2)->offset, -2);
  ck_assert(sim_sc_call_shape(m, 2)->no_completion && sim_sc_call_shape(m, 2)->mode == SIM_SC_ASYNC);
  ck_assert_uint_eq(sim_sc_call_shape(m, 3)->ncsparam, 3);
  ck_assert_uint_eq(sim_sc_call_shape(m, 3)->csparam[2], 0x33);
  /* ct's routine holds inner and the status; inner's holds the killio. */
  ck_assert_uint_eq(sim_sc_call_shape(m, 3)->nthen, 2);
  ck_assert_uint_eq(sim_sc_call_shape(m, 3)->then[0].call, 4);
  ck_assert_uint_eq(sim_sc_call_shape(m, 3)->then[1].call, 6);
  ck_assert_uint_eq(sim_sc_call_shape(m, 4)->nthen, 1);
  ck_assert_uint_eq(sim_sc_call_shape(m, 4)->then[0].call, 5);
  ck_assert_int_eq(sim_sc_call_shape(m, 5)->op, SIM_SC_OP_KILLIO);
  ck_assert_uint_eq(m->clients[0].nbody, 4); /* the routines' calls are not the client's */
  const sim_sc_expect *x = m->expects;
  ck_assert_int_eq(x[0].kind, SIM_SC_EX_SENT);
  ck_assert_uint_eq(x[0].nsent, 3);
  ck_assert(x[0].sent[0].code == 7 && x[0].sent[0].kind == 4);
  ck_assert(x[0].sent[1].code == 0 && x[0].sent[1].kind == 0);
  ck_assert(x[0].sent[2].code == 2 && x[0].sent[2].kind == 2);
  ck_assert_int_eq(x[1].kind, SIM_SC_EX_FLAGS);
  ck_assert_uint_eq(x[1].ns, 1500000);
  ck_assert_uint_eq(x[1].has, 0x0020);
  ck_assert_uint_eq(x[1].lacks, 0x0080 | 0x0200);
  ck_assert(x[2].kind == SIM_SC_EX_LEVEL && x[2].level == 1 && x[2].call == 3);
  ck_assert(x[3].kind == SIM_SC_EX_PARAM && x[3].ncsparam == 3);
  sim_scenario_free(sc);
}
END_TEST

/* Unnamed plain calls that are the same share one entry of machine.calls;
 * each statement keeps its own position. Anything that tells two calls
 * apart (client, driver, size, mode, pattern, a name, a routine, a pb, a
 * repeat) keeps them apart; a name keeps the instance apart, not the
 * shape. */
START_TEST(test_plain_calls_shared)
{
  sim_scenario *sc = parse_ok("driver d builtin fixed\n"
                              "driver e builtin fixed\n"
                              "client c\n"
                              "  read d 512 at 0\n"
                              "  read d 512 at 0\n"
                              "    read  d 512 at 0 sync\n"  /* sync is the default */
                              "  read d 512 at 0 async\n"
                              "  read e 512 at 0\n"
                              "  read d 1k at 0\n"
                              "  read d 512 at 0 as named\n"
                              "  write d 512 at 0 pattern byte 1\n"
                              "  write d 512 at 0 pattern byte 2\n"
                              "  write d 512 at 0 pattern byte 1\n"
                              "  write d 512 at 0 pattern text \"ab\"\n"
                              "  write d 512 at 0 pattern text \"ab\"\n"
                              "  control d 5 param 1 2\n"
                              "  control d 5 param 1 3\n"
                              "  control d 5 param 1 2\n"
                              "  repeat 2\n"
                              "    read d 512 at 0\n"
                              "  end\n"
                              "  read d 512 at 0 pb p\n"
                              "  wait all\n"
                              "end\n"
                              "client k\n"
                              "  read d 512 at 0\n"
                              "end\n"
                              "expect named result noErr\n");
  const sim_sc_machine *m = &sc->machines[0];
  const sim_sc_stmt *s = m->clients[0].body;
  ck_assert_uint_eq(m->clients[0].nbody, 18);
  /* the first three statements are one call, at three positions */
  ck_assert_uint_eq(s[0].call, 0);
  ck_assert_uint_eq(s[1].call, 0);
  ck_assert_uint_eq(s[2].call, 0);
  ck_assert(s[1].line == 5 && s[1].col == 3 && s[2].line == 6 && s[2].col == 5);
  ck_assert_int_eq(m->calls[0].line, 4);
  ck_assert_uint_eq(sim_sc_call_shape(m, 0)->pb, SIM_SC_NONE);
  /* async, another driver, another size, a name: calls of their own */
  ck_assert_uint_eq(s[3].call, 1);
  ck_assert_uint_eq(s[4].call, 2);
  ck_assert_uint_eq(s[5].call, 3);
  ck_assert_uint_eq(s[6].call, 4);
  ck_assert_str_eq(sim_sc_call_name(m, 4), "named");
  ck_assert_uint_eq(sim_sc_call_shape(m, 4)->pb, SIM_SC_NONE);
  ck_assert_uint_eq(m->calls[4].shape, m->calls[0].shape);
  ck_assert_int_eq(m->calls[4].line, 10);
  /* patterns: byte 1 twice is one call; texts are never shared */
  ck_assert_uint_eq(s[7].call, 5);
  ck_assert_uint_eq(s[8].call, 6);
  ck_assert_uint_eq(s[9].call, 5);
  ck_assert_uint_eq(s[10].call, 7);
  ck_assert_uint_eq(s[11].call, 8);
  /* csParam bytes */
  ck_assert_uint_eq(s[12].call, 9);
  ck_assert_uint_eq(s[13].call, 10);
  ck_assert_uint_eq(s[14].call, 9);
  /* in a repeat, or with a pb: not plain, not shared */
  const sim_sc_repeat *r = &m->repeats[s[15].repeat];
  ck_assert_uint_eq(r->body[0].call, 11);
  ck_assert_uint_ne(sim_sc_call_shape(m, 11)->pb, SIM_SC_NONE);
  ck_assert_uint_eq(s[16].call, 12);
  ck_assert_uint_ne(sim_sc_call_shape(m, 12)->pb, SIM_SC_NONE);
  /* another client's same call is another call */
  ck_assert_uint_eq(m->clients[1].body[0].call, 13);
  ck_assert_uint_eq(sim_sc_call_shape(m, 13)->client, 1);
  ck_assert_uint_eq(m->ncalls, 14);
  ck_assert_uint_eq(m->nshapes, 13); /* `named` has the shape of the first read */
  sim_scenario_free(sc);
}
END_TEST

/* Named plain calls that send the same share a shape, each with its own
 * instance (name, position). A call whose block an expectation reads after
 * the run gets a copy of its shape that keeps the block, shared by the
 * calls of that shape that keep theirs; the others still give theirs back. */
START_TEST(test_named_calls_share_shapes)
{
  sim_scenario *sc = parse_ok("driver d builtin fixed\n"
                              "client c\n"
                              "  read d 512 at 0 as r1\n"
                              "  read d 512 at 0 as r2\n"
                              "  write d 512 at 0 as w1\n"
                              "  read d 512 at 0\n"
                              "  read d 512 at 0 as r3\n"
                              "  read d 512 at 0 async as r4 then\n"
                              "    read d 512 at 0\n"
                              "  end\n"
                              "  wait all\n"
                              "end\n"
                              "expect data r1 equals w1\n"
                              "expect data r3 equals w1\n"
                              "expect r2 result noErr\n");
  const sim_sc_machine *m = &sc->machines[0];
  const sim_sc_call *c = m->calls;
  ck_assert_uint_eq(m->ncalls, 7);
  ck_assert_str_eq(sim_sc_call_name(m, 0), "r1");
  ck_assert_str_eq(sim_sc_call_name(m, 1), "r2");
  ck_assert_str_eq(sim_sc_call_name(m, 4), "r3");
  ck_assert_str_eq(sim_sc_call_name(m, 5), "r4");
  ck_assert_str_eq(sim_sc_call_name(m, 3), "");
  ck_assert(c[0].line == 3 && c[1].line == 4 && c[4].line == 7 && c[4].col == 3);
  /* r2 and the unnamed read send the same: one shape, given back */
  ck_assert_uint_eq(c[3].shape, c[1].shape);
  ck_assert_int_eq(sim_sc_call_shape(m, 1)->keeps_pb, 0);
  /* r1 and r3 keep their blocks: one copy of that shape */
  ck_assert_uint_ne(c[0].shape, c[1].shape);
  ck_assert_uint_eq(c[4].shape, c[0].shape);
  ck_assert_int_eq(sim_sc_call_shape(m, 0)->keeps_pb, 1);
  ck_assert_int_eq(sim_sc_call_shape(m, 0)->op, SIM_SC_OP_READ);
  ck_assert_uint_eq(sim_sc_call_shape(m, 0)->size, 512);
  ck_assert_int_eq(sim_sc_call_shape(m, 2)->keeps_pb, 1);
  /* a call with a routine has a shape of its own; its routine's call too */
  ck_assert_uint_eq(sim_sc_call_shape(m, 5)->nthen, 1);
  ck_assert_uint_eq(sim_sc_call_shape(m, 5)->then[0].call, 6);
  ck_assert_uint_ne(sim_sc_call_shape(m, 6)->pb, SIM_SC_NONE);
  /* the read of r1 and r2 and its copy, the write and its copy (the
   * write's first shape might have been shared: it is left unused), r4's,
   * the routine's read */
  ck_assert_uint_eq(m->nshapes, 6);
  sim_scenario_free(sc);
}
END_TEST

START_TEST(test_implicit_machine)
{
  sim_scenario *sc = parse_ok("driver d builtin null\n"
                              "client c\n"
                              "  open d\n"
                              "end\n"
                              "expect no violation\n");
  ck_assert_uint_eq(sc->nmachines, 1);
  ck_assert_str_eq(sc->machines[0].name, "main");
  ck_assert_int_eq(sc->machines[0].implicit, 1);
  ck_assert_int_eq(sc->has_seed, 0);
  ck_assert_uint_eq(sc->machines[0].ncalls, 1);
  sim_scenario_free(sc);

  /* An empty file (or only comments) is one empty machine. */
  sc = parse_ok("# nothing\n\n   \t\n");
  ck_assert_uint_eq(sc->nmachines, 1);
  ck_assert_int_eq(sc->machines[0].implicit, 1);
  ck_assert_uint_eq(sc->machines[0].ndrivers, 0);
  sim_scenario_free(sc);

  sim_sc_machine *m;
  sc = parse_ok("");
  m = &sc->machines[0];
  ck_assert_uint_eq(m->nclients, 0);
  sim_scenario_free(sc);

  /* No newline at end of file; CRLF line ends. */
  sc = parse_ok("driver d builtin null\r\nclient c\r\n  open d\r\nend");
  ck_assert_uint_eq(sc->machines[0].ncalls, 1);
  sim_scenario_free(sc);
}
END_TEST

START_TEST(test_names_helpers)
{
  ck_assert_str_eq(sim_sc_op_name(SIM_SC_OP_KILLIO), "killio");
  ck_assert_str_eq(sim_sc_mode_name(SIM_SC_ASYNC), "async");
  ck_assert_str_eq(sim_sc_evkind_name(SIM_SC_EV_DISPATCH), "dispatch");
  ck_assert_str_eq(sim_sc_op_name((sim_sc_op)99), "?");
}
END_TEST

/* ---- literals ---------------------------------------------------------- */

static const struct {
  const char *text;
  uint64_t    ns; /* when ok */
  const char *err; /* NULL: must parse to ns */
} durations[] = {
    {"1.5ms", 1500000, NULL},
    {"1ns", 1, NULL},
    {"0ns", 0, NULL},
    {"2s", 2000000000u, NULL},
    {"007ms", 7000000, NULL},
    {"10.250us", 10250, NULL},
    {"0.000000001s", 1, NULL},
    {"1.0000000000000000000000ns", 1, NULL},
    {"18446744073709551615ns", UINT64_MAX, NULL},
    {"18446744073.709551615s", UINT64_MAX, NULL},
    {"18446744073.709551616s", 0, "too large"},
    {"18446744073709551616ns", 0, "too large"},
    {"18446744074s", 0, "too large"},
    {"0.5ns", 0, "finer than 1 ns"},
    {"1.0005us", 0, "finer than 1 ns"},
    {"0.0000000001s", 0, "finer than 1 ns"},
    {"10", 0, "missing time unit"},
    {"1.5", 0, "missing time unit"},
    {"1.ms", 0, "expected a latency"},
    {".5ms", 0, "expected a latency"},
    {"5 ms", 0, "missing time unit"},
    {"5mss", 0, "expected a latency"},
    {"5MS", 0, "expected a latency"},
    {"-1ms", 0, "expected a latency"},
    {"1e3ns", 0, "expected a latency"},
    {"0x10ms", 0, "expected a latency"},
};

START_TEST(test_durations)
{
  char text[128];
  snprintf(text, sizeof text, "hardware h fixed %s\n", durations[_i].text);
  if (!durations[_i].err) {
    sim_scenario *sc = parse_ok(text);
    ck_assert_uint_eq(sc->machines[0].hardware[0].lo, durations[_i].ns);
    sim_scenario_free(sc);
  } else {
    assert_msg(parse_bad(text), "test.dms:1:18: error:", durations[_i].err, NULL);
  }
}
END_TEST

START_TEST(test_sizes_and_integers)
{
  sim_scenario *sc = parse_ok("seed 18446744073709551615\n"
                              "driver d builtin null unit 0x3FF\n"
                              "client c\n"
                              "  read d 0x200 at 3m\n"
                              "  read d 2147483647\n"
                              "  write d 0 at 9223372036854775807\n"
                              "  control d -32768\n"
                              "  status d 32767\n"
                              "  control d 0x7FFF\n"
                              "  write d 1 pattern byte 255\n"
                              "end\n");
  const sim_sc_machine *m = &sc->machines[0];
  ck_assert_uint_eq(sc->seed, UINT64_MAX);
  ck_assert_int_eq(m->drivers[0].unit, 1023);
  ck_assert_uint_eq(sim_sc_call_shape(m, 0)->size, 512);
  ck_assert_uint_eq(sim_sc_call_shape(m, 0)->pos, 3 * 1048576);
  ck_assert_uint_eq(sim_sc_call_shape(m, 1)->size, 2147483647u);
  ck_assert_uint_eq(sim_sc_call_shape(m, 2)->size, 0);
  ck_assert_uint_eq(sim_sc_call_shape(m, 2)->pos, 9223372036854775807u);
  ck_assert_int_eq(sim_sc_call_shape(m, 3)->code, -32768);
  ck_assert_int_eq(sim_sc_call_shape(m, 4)->code, 32767);
  ck_assert_int_eq(sim_sc_call_shape(m, 5)->code, 32767);
  ck_assert_uint_eq(sim_sc_call_shape(m, 6)->pattern.byte, 255);
  sim_scenario_free(sc);
}
END_TEST

/* ---- malformed inputs: one precise message each ------------------------ */

static const struct {
  const char *text;
  const char *prefix; /* exact start of the message */
  const char *w1, *w2; /* words it must contain (NULL: none) */
} bad[] = {
    /* raw refNums, PB fields, completion routines, driver expectations */
    {"driver d builtin null\nclient c\n  open -49\nend\n",
     "test.dms:3:8: error:", "open finds its driver by name, not by refNum; name a driver ", NULL},
    {"driver d builtin null\nclient c\n  read d 512 sync then\n  end\nend\n",
     "test.dms:3:19: error:", "'then' applies to async calls: only an async call runs a com", NULL},
    {"driver d builtin null\nclient c\n  read d 512 async then\n    wait all\n  end\nend\n",
     "test.dms:4:5: error:", "'wait' is not allowed in a completion routine (then, line 3)", NULL},
    {"driver d builtin null\nclient c\n  read d 512 at 0 posmode fsFromMark\nend\n",
     "test.dms:3:19: error:", "'posmode' cannot be combined with 'at' (column 14): 'at POS'", NULL},
    {"driver d builtin null\nclient c\n  read d 512 offset 8 posmode fsAtMark\nend\n",
     "test.dms:3:14: error:", "'offset' needs posmode fsFromStart or fsFromMark (the other ", NULL},
    {"driver d builtin null disable open\n",
     "test.dms:1:31: error:", "expected a call to disable (read, write, control or status),", NULL},
    {"driver d builtin null\nclient c\n  open d\n  read d 512 as r\nend\nexpect r param 1\n",
     "test.dms:6:8: error:", "expect param: 'r' is a read call; only control and status ca", NULL},
    {"driver d builtin null\nclient c\n  open d\n  read d 512 as r\nend\nexpect sent d reed\n",
     "test.dms:6:15: error:", "expected a command (open, close, read, write, control, statu", NULL},
    {"driver d builtin null\nclient c\n  open d\n  read d 512 as r\nend\nexpect flags d at 1ms has busy\n",
     "test.dms:6:27: error:", "expected a dCtlFlags bit (dOpened, drvrActive, dReadEnable, ", NULL},
    {"driver d builtin null\nclient c\n  control d 1 param 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\nend\n",
     "test.dms:3:78: error:", "too many csParam bytes (at most 22)", NULL},
    {"driver d builtin null\nclient c\n  read d 512 async no-completion then\n  end\nend\n",
     "test.dms:3:34: error:", "'then' gives the call a completion routine, and 'no-completi", NULL},
    {"driver d builtin null\nclient c\n  open d perm fsWhatever\nend\n",
     "test.dms:3:15: error:", "expected a permission (fsCurPerm, fsRdPerm, fsWrPerm, fsRdWr", NULL},
    {"driver d builtin null\nclient c\n  read d 512 as r\nend\nexpect r level kernel\n",
     "test.dms:5:16: error:", "expected an execution level (task, sih or hwi), found 'kerne", NULL},
    {"driver d builtin null\nclient c\n  read d 512 as r\nend\nexpect sent d read.later\n",
     "test.dms:5:20: error:", "unknown kind 'later'; expected sync, async or immediate", NULL},
    {"driver d builtin null\nclient c\n  read -40000 512\nend\n",
     "test.dms:3:8: error:", "refNum '-40000' out of range (-32768..32767)", NULL},
    /* statements and operands */
    {"frobnicate x\n", "test.dms:1:1: error:", "unknown statement 'frobnicate'", NULL},
    {"Driver d builtin null\n", "test.dms:1:1: error:", "unknown statement 'Driver'", NULL},
    {"driver d1 builtin\n", "test.dms:1:18: error:", "expected a builtin driver name",
     "found end of line"},
    {"driver d1 builtin null extra\n", "test.dms:1:24: error:",
     "expected an option (unit, hardware, disk, runtime, disable, at) or end of line", "found 'extra'"},
    {"driver d1 rom null\n", "test.dms:1:11: error:", "expected 'builtin' or 'so'",
     "found 'rom'"},
    {"driver d1 so null.so\n", "test.dms:1:14: error:", "path in double quotes",
     "found 'null.so'"},
    {"driver 9d builtin null\n", "test.dms:1:8: error:", "expected a driver alias", "'9d'"},
    {"hardware h fixed fast\n", "test.dms:1:18: error:", "expected a latency", "found 'fast'"},
    {"hardware h gaussian 1ms\n", "test.dms:1:12: error:", "expected a latency distribution",
     "'gaussian'"},
    {"hardware h uniform 2ms 1ms\n", "test.dms:1:24: error:", "high bound 1ms",
     "below low bound 2ms"},
    {"hardware h uniform 2ms\n", "test.dms:1:23: error:", "expected a high latency bound",
     "end of line"},
    {"hardware h fixed 1ms channels 0\n", "test.dms:1:31: error:", "channel count '0' out of range (1..65535)", NULL},
    {"hardware h fixed 1ms channels 2 channels 3\n", "test.dms:1:33: error:",
     "option 'channels' given twice", "column 22"},
    {"hardware h fixed 1ms chanels 2\n", "test.dms:1:22: error:", "'channels' or end of line",
     "'chanels'"},
    {"seed -1\n", "test.dms:1:6: error:", "expected a seed", "'-1'"},
    {"seed 18446744073709551616\n", "test.dms:1:6: error:",
     "seed '18446744073709551616' out of range (at most 18446744073709551615)", NULL},
    {"seed 1\nseed 2\n", "test.dms:2:1: error:", "duplicate seed", "line 1"},
    /* duplicate names */
    {"hardware h fixed 1ms\nhardware h fixed 2ms\n", "test.dms:2:10: error:",
     "duplicate hardware 'h'", "line 1"},
    {"driver d1 builtin a\n\ndriver d1 builtin b\n", "test.dms:3:8: error:",
     "duplicate driver alias 'd1'", "first declared at line 1"},
    {"client c\nend\nclient c\nend\n", "test.dms:3:8: error:", "duplicate client 'c'",
     "line 1"},
    {"driver d builtin x\nclient c\n open d as a1\nend\nclient e\n close d as a1\nend\n",
     "test.dms:6:13: error:", "duplicate call name 'a1'", "line 3"},
    {"machine m\nend\nmachine m\nend\n", "test.dms:3:9: error:", "duplicate machine 'm'",
     NULL},
    /* references */
    {"driver d1 builtin a\ndriver d2 builtin b\nclient c\n  read dsk 512\nend\n",
     "test.dms:4:8: error: unknown driver 'dsk'; declared drivers: d1, d2", NULL, NULL},
    {"client c\n  open x\nend\n", "test.dms:2:8: error:", "unknown driver 'x'",
     "no drivers are declared"},
    {"hardware h1 fixed 1ms\ndriver d builtin n hardware h2\n", "test.dms:2:29: error:",
     "unknown hardware 'h2'", "declared hardware: h1"},
    {"driver d builtin n\nexpect r9 result noErr\nclient c\n open d as r1\nend\n",
     "test.dms:2:8: error:", "unknown call 'r9'", "named calls: r1"},
    {"driver d builtin n\nclient c\n  wait zz\nend\n", "test.dms:3:8: error:",
     "unknown call 'zz'", "no call is named"},
    {"at 1ms remove ghost\n", "test.dms:1:15: error:", "unknown driver 'ghost'", NULL},
    {"expect count complete on nope 1\n", "test.dms:1:26: error:", "unknown driver 'nope'",
     NULL},
    /* wait targets */
    {"driver d builtin n\nclient c\n  read d 1 as r\n  wait r\nend\n", "test.dms:4:8: error:",
     "cannot wait for 'r'", "sync call"},
    {"driver d builtin n\nclient c\n  control d 1 immediate as r\n  wait r\nend\n",
     "test.dms:4:8: error:", "it is an immediate call", "only async calls"},
    {"driver d builtin n\nclient a\n  read d 1 async as r\nend\nclient b\n  wait r\nend\n",
     "test.dms:6:8: error:", "call of client 'a'", "not of 'b'"},
    {"driver d builtin n\nclient c\n  wait r\n  read d 1 async as r\nend\n",
     "test.dms:3:8: error:", "before it is issued", "line 4"},
    /* rules and errors */
    {"expect violation complete-thrice\n", "test.dms:1:18: error:",
     "unknown rule 'complete-thrice'", "complete-twice"},
    {"expect no violation nonsense\n", "test.dms:1:21: error:", "unknown rule 'nonsense'",
     NULL},
    {"driver d builtin n\nclient c\n open d as o\nend\nexpect o result fooErr\n",
     "test.dms:5:17: error:", "unknown error name 'fooErr'", NULL},
    {"driver d builtin n\nclient c\n open d as o\nend\nexpect o result 40000\n",
     "test.dms:5:17: error:", "out of range", NULL},
    {"driver d builtin n\nclient c\n open d as o\nend\nexpect o result \"noErr\"\n",
     "test.dms:5:17: error:", "expected an error code", NULL},
    /* blocks */
    {"end\n", "test.dms:1:1: error:", "'end' without an open block", NULL},
    {"machine m\nend\nend\n", "test.dms:3:1: error:", "'end' without an open block", NULL},
    {"end extra\n", "test.dms:1:5: error:", "expected end of line", "'extra'"},
    {"driver d builtin n\n\nclient c\n  open d\n", "test.dms:3:1: error:",
     "client 'c' is not closed", "expected 'end'"},
    {"driver d builtin n\nclient c\n  repeat 2\n    open d\n", "test.dms:3:3: error:",
     "repeat is not closed", NULL},
    {"driver d builtin n\nclient c\n  repeat 2\n    open d\nend\n", "test.dms:2:1: error:",
     "client 'c' is not closed", NULL},
    {"machine m\n  driver d builtin n\n", "test.dms:1:1: error:", "machine 'm' is not closed",
     NULL},
    {"machine a\nmachine b\n", "test.dms:2:1: error:", "cannot be nested", "machine 'a'"},
    {"machine a\n  seed 3\nend\n", "test.dms:2:3: error:", "'seed' is only allowed at top level",
     NULL},
    {"machine a\nend\ndriver d builtin n\n", "test.dms:3:1: error:",
     "'driver' outside a machine block", "first at line 1"},
    {"hardware h fixed 1ms\nmachine a\nend\n", "test.dms:1:1: error:",
     "'hardware' outside a machine block", "first at line 2"},
    {"client c\n  driver d builtin n\nend\n", "test.dms:2:3: error:",
     "'driver' is not allowed inside a client block", "client 'c' (line 1)"},
    {"read d 512\n", "test.dms:1:1: error:", "'read' is only allowed inside a client block",
     NULL},
    {"client c\n  jump\nend\n", "test.dms:2:3: error:", "unknown client statement 'jump'",
     NULL},
    /* units */
    {"driver d builtin n unit 1024\n", "test.dms:1:25: error:", "unit '1024' out of range (0..1023)", NULL},
    {"driver d builtin n unit -1\n", "test.dms:1:25: error:", "expected a unit number", NULL},
    {"driver a builtin n unit 50\ndriver b builtin n unit 50\n", "test.dms:2:25: error:",
     "unit 50 is already used by driver 'a'", "line 1"},
    {"driver a builtin n unit 5 unit 6\n", "test.dms:1:27: error:", "option 'unit' given twice",
     NULL},
    /* runtime flags */
    {"driver a builtin n runtime fast\n", "test.dms:1:28: error:", "expected a runtime flag",
     "'fast'"},
    {"driver a builtin n runtime none,concurrent\n", "test.dms:1:33: error:",
     "'none' cannot be combined", NULL},
    {"driver a builtin n runtime concurrent,concurrent\n", "test.dms:1:39: error:",
     "given twice", NULL},
    {"driver a builtin n runtime concurrent,\n", "test.dms:1:39: error:",
     "expected a runtime flag", "end of line"},
    /* calls */
    {"driver d builtin n\nclient c\n  read d\nend\n", "test.dms:3:9: error:",
     "expected a byte count", "found end of line"},
    {"driver d builtin n\nclient c\n  read d 2048m\nend\n", "test.dms:3:10: error:",
     "byte count '2048m' out of range", NULL},
    {"driver d builtin n\nclient c\n  read d 4K\nend\n", "test.dms:3:10: error:",
     "expected a byte count", "'4K'"},
    {"driver d builtin n\nclient c\n  control d 40000\nend\n", "test.dms:3:13: error:",
     "csCode '40000' out of range", NULL},
    {"driver d builtin n\nclient c\n  control d\nend\n", "test.dms:3:12: error:",
     "expected a csCode", NULL},
    {"driver d builtin n\nclient c\n  open d d2\nend\n", "test.dms:3:10: error:",
     "expected an option (sync, async, immediate, perm, no-completion, as, pb, then) or end of line", "'d2'"},
    {"driver d builtin n\nclient c\n  read d 1 async sync\nend\n", "test.dms:3:18: error:",
     "mode given twice", "column 12"},
    {"driver d builtin n\nclient c\n  read d 1 pattern counter\nend\n", "test.dms:3:12: error:",
     "expected an option (at, posmode, offset, sync", "'pattern'"},
    {"driver d builtin n\nclient c\n  write d 1 pattern byte 256\nend\n",
     "test.dms:3:26: error:", "byte value '256' out of range (0..255)", NULL},
    {"driver d builtin n\nclient c\n  write d 1 pattern stripes\nend\n",
     "test.dms:3:21: error:", "expected a pattern", "'stripes'"},
    {"driver d builtin n\nclient c\n  write d 1 pattern text \"\"\nend\n",
     "test.dms:3:26: error:", "must not be empty", NULL},
    {"driver d builtin n\nclient c\n  killio d async\nend\n", "test.dms:3:12: error:",
     "killio is always immediate", "'async'"},
    {"driver d builtin n\nclient c\n  repeat 2\n    read d 1 as r\n  end\nend\n",
     "test.dms:4:14: error:", "'as' is not allowed inside repeat", NULL},
    {"driver d builtin n\nclient c\n  open d as all\nend\n", "test.dms:3:13: error:",
     "'all' cannot name a call", "reserved"},
    {"driver d builtin n\nclient c\n  open d as x as y\nend\n", "test.dms:3:15: error:",
     "option 'as' given twice", NULL},
    {"driver d builtin n\nclient c\n  repeat 0\n  end\nend\n", "test.dms:3:10: error:",
     "repeat count '0' out of range (at least 1)", NULL},
    {"driver d builtin n\nclient c\n  sleep 10\nend\n", "test.dms:3:9: error:",
     "missing time unit in '10'", NULL},
    {"driver d builtin n\nclient c\n  wait\nend\n", "test.dms:3:7: error:",
     "expected a call name or 'all'", "end of line"},
    /* expectations */
    {"expect bogus thing\n", "test.dms:1:8: error:", "unknown expectation 'bogus thing'", NULL},
    {"expect r reslt noErr\n", "test.dms:1:8: error:", "unknown expectation 'r reslt'", NULL},
    {"expect bogus\n", "test.dms:1:8: error:", "unknown expectation 'bogus';", NULL},
    {"expect\n", "test.dms:1:7: error:", "expected an expectation", "end of line"},
    {"driver d builtin n\nclient c\n open d as o\nend\nexpect order o\n",
     "test.dms:5:15: error:", "order needs at least two", NULL},
    {"driver d builtin n\nclient c\n open d as o\n close d as p\nend\nexpect order o p o\n",
     "test.dms:6:18: error:", "call 'o' appears twice", NULL},
    {"driver d builtin n\nclient c\n  write d 1 as w\n  read d 1 as r\nend\n"
     "expect data w equals r\n",
     "test.dms:6:13: error:", "'w' is a write call", "first call must be a read"},
    {"driver d builtin n\nclient c\n  read d 1 as w\n  read d 1 as r\nend\n"
     "expect data r equals w\n",
     "test.dms:6:22: error:", "'w' is a read call", "second call must be a write"},
    {"driver d builtin n\nclient c\n open d as o\nend\nexpect time o < 1ms\n",
     "test.dms:5:15: error:", "expected '<=' or '>='", "'<'"},
    {"driver d builtin n\nclient c\n open d as o\nend\nexpect time o <= 1ms 2ms\n",
     "test.dms:5:22: error:", "expected end of line", "'2ms'"},
    {"expect count finish 1\n", "test.dms:1:14: error:", "expected an event kind", "'finish'"},
    {"expect count complete many\n", "test.dms:1:23: error:", "expected 'on' or a count",
     NULL},
    {"expect no violations\n", "test.dms:1:11: error:", "expected 'violation'", NULL},
    {"driver d builtin n\nexpect data\n", "test.dms:2:12: error:", "expected a call name",
     NULL},
    /* driver events */
    {"driver d builtin n at 10ms\nat 5ms remove d\n", "test.dms:2:1: error:",
     "removed at 5ms, before it is installed", "at 10ms"},
    {"driver d builtin n\nat 5ms remove d\nat 6ms remove d\n", "test.dms:3:1: error:",
     "already removed", "line 2"},
    {"driver d builtin n\nat 5ms remove d\nat 6ms replace d with builtin m\n",
     "test.dms:3:1: error:", "replaced at 6ms, after it is removed", "line 2"},
    {"driver d builtin n\nat 5ms replace d by builtin m\n", "test.dms:2:18: error:",
     "expected 'with'", "'by'"},
    {"driver d builtin n\nat 5ms delete d\n", "test.dms:2:8: error:",
     "expected 'remove' or 'replace'", NULL},
    {"driver d builtin n\nat 5ms remove d now\n", "test.dms:2:17: error:",
     "'immediate' or end of line", NULL},
    {"driver d so \"\"\n", "test.dms:1:13: error:", "empty shared object path", NULL},
    /* lexical */
    {"driver d builtin n @x\n", "test.dms:1:20: error:", "unexpected character '@'", NULL},
    {"driver d builtin \xC3\xA9\n", "test.dms:1:18: error:", "unexpected byte 0xC3", "only ASCII"},
    {"driver d so \"abc\n", "test.dms:1:13: error:", "unterminated string", NULL},
    {"driver d so \"abc", "test.dms:1:13: error:", "unterminated string", NULL},
    {"driver d so \"a\\qb\"\n", "test.dms:1:15: error:", "unknown escape '\\q'", NULL},
    {"driver d so \"a\001\"\n", "test.dms:1:15: error:", "unexpected byte 0x01", "in string"},
    {"driver d builtin "
     "a234567890123456789012345678901234567890123456789012345678901234\n",
     "test.dms:1:18: error:", "name too long", "64 characters (at most 63)"},
    {"\n\n   \t  driver d builtin n # fine\n\tclient\n", "test.dms:4:8: error:",
     "expected a client name", "end of line"},
};

START_TEST(test_malformed)
{
  assert_msg(parse_bad(bad[_i].text), bad[_i].prefix, bad[_i].w1, bad[_i].w2);
}
END_TEST

START_TEST(test_nul_byte)
{
  static const char text[] = "driver d builtin n\nclient c\n  open d # x\0y\nend\n";
  assert_msg(parse_bad_len(text, sizeof text - 1), "test.dms:3:13: error:", "NUL byte", NULL);
  static const char text2[] = "driver d \0builtin n\n";
  assert_msg(parse_bad_len(text2, sizeof text2 - 1), "test.dms:1:10: error:", "NUL byte", NULL);
  static const char text3[] = "driver d so \"a\0b\"\n";
  assert_msg(parse_bad_len(text3, sizeof text3 - 1), "test.dms:1:15: error:", "NUL byte", NULL);
}
END_TEST

START_TEST(test_long_name_in_machine_is_not_truncated)
{
  /* 63 characters is fine, and kept whole. */
  static const char name63[] =
      "d23456789012345678901234567890123456789012345678901234567890123";
  char text[256];
  snprintf(text, sizeof text, "driver %s builtin n\n", name63);
  sim_scenario *sc = parse_ok(text);
  ck_assert_str_eq(sc->machines[0].drivers[0].alias, name63);
  sim_scenario_free(sc);
}
END_TEST

START_TEST(test_nesting_limit)
{
  /* Deep nesting is refused with a message, not a stack overflow. */
  size_t depth = SIM_SC_MAX_NESTING + 1;
  size_t cap = 64 + depth * 32;
  char *text = malloc(cap);
  ck_assert_ptr_nonnull(text);
  size_t n = (size_t)snprintf(text, cap, "driver d builtin n\nclient c\n");
  for (size_t i = 0; i < depth; i++)
    n += (size_t)snprintf(text + n, cap - n, "repeat 2\n");
  const char *msg = parse_bad(text);
  char prefix[64];
  snprintf(prefix, sizeof prefix, "test.dms:%zu:1: error:", depth + 2);
  assert_msg(msg, prefix, "nested too deeply", NULL);
  free(text);
}
END_TEST

START_TEST(test_error_buffer_edges)
{
  sim_scenario *sc = NULL;
  /* No buffer, a tiny buffer: still -1, no overflow. */
  ck_assert_int_eq(sim_scenario_parse("x", "bad\n", 4, &sc, NULL, 0), -1);
  char tiny[8];
  memset(tiny, 'Z', sizeof tiny);
  ck_assert_int_eq(sim_scenario_parse("x", "bad\n", 4, &sc, tiny, sizeof tiny), -1);
  ck_assert_str_eq(tiny, "x:1:1: ");
  /* NULL path reads as <input>. */
  char err[256];
  ck_assert_int_eq(sim_scenario_parse(NULL, "bad\n", 4, &sc, err, sizeof err), -1);
  assert_msg(err, "<input>:1:1: error:", NULL, NULL);
  /* A length shorter than the text: only that much is read. */
  sc = NULL;
  ck_assert_int_eq(sim_scenario_parse("x", "seed 1\nbad\n", 7, &sc, err, sizeof err), 0);
  ck_assert_uint_eq(sc->seed, 1);
  sim_scenario_free(sc);
  sim_scenario_free(NULL);
}
END_TEST

/* ---- loading ----------------------------------------------------------- */

START_TEST(test_load)
{
  char path[] = "/tmp/dmsim-scenario-XXXXXX";
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  ck_assert_ptr_nonnull(f);
  fputs(full_text, f);
  fclose(f);
  char err[512];
  sim_scenario *sc = NULL;
  ck_assert_msg(sim_scenario_load(path, &sc, err, sizeof err) == 0, "%s", err);
  ck_assert_str_eq(sc->path, path);
  ck_assert_uint_eq(sc->nmachines, 2);
  sim_scenario_free(sc);

  f = fopen(path, "w");
  fputs("seed 1\nmachine m\n", f);
  fclose(f);
  ck_assert_int_eq(sim_scenario_load(path, &sc, err, sizeof err), -1);
  char prefix[128];
  snprintf(prefix, sizeof prefix, "%s:2:1: error:", path);
  assert_msg(err, prefix, "not closed", NULL);
  unlink(path);

  ck_assert_int_eq(sim_scenario_load(path, &sc, err, sizeof err), -1);
  snprintf(prefix, sizeof prefix, "%s: error: cannot read: %s", path, strerror(ENOENT));
  ck_assert_str_eq(err, prefix);
  ck_assert_ptr_null(sc);

  ck_assert_int_eq(sim_scenario_load("/tmp", &sc, err, sizeof err), -1);
  assert_msg(err, "/tmp: error: cannot read:", NULL, NULL);

  /* A regular file one byte over SIM_SC_MAX_FILE is refused by its size,
   * unread (a sparse file: nothing is written). */
  char big[] = "/tmp/dmsim-scenario-big-XXXXXX";
  fd = mkstemp(big);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(ftruncate(fd, SIM_SC_MAX_FILE + 1), 0);
  ck_assert_int_eq(sim_scenario_load(big, &sc, err, sizeof err), -1);
  snprintf(prefix, sizeof prefix, "%s: error: file too large: a scenario is at most 256 MiB",
           big);
  ck_assert_str_eq(err, prefix);
  ck_assert_ptr_null(sc);
  close(fd);
  unlink(big);
}
END_TEST

/* ---- robustness: random mutations must never crash --------------------- */

static uint64_t mix(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15u); /* splitmix64 */
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

START_TEST(test_fuzz_mutations)
{
  static const char alphabet[] = " \t\n#\"\\,.-_<>=0123456789abcdefmsukx\0\xff";
  size_t base = sizeof full_text - 1;
  size_t cap = base * 2 + 64;
  char *buf = malloc(cap);
  ck_assert_ptr_nonnull(buf);
  uint64_t seed = 12345;
  int ok = 0, failed = 0;
  for (int iter = 0; iter < 20000; iter++) {
    memcpy(buf, full_text, base);
    size_t n = base;
    int edits = 1 + (int)(mix(&seed) % 4);
    for (int k = 0; k < edits; k++) {
      size_t at = n ? (size_t)(mix(&seed) % n) : 0;
      switch (mix(&seed) % 6) {
      case 0: /* overwrite with a random byte */
        if (n)
          buf[at] = (char)(mix(&seed) & 0xff);
        break;
      case 1: /* overwrite with a byte the lexer cares about */
        if (n)
          buf[at] = alphabet[mix(&seed) % (sizeof alphabet - 1)];
        break;
      case 2: /* delete a range */
        if (n) {
          size_t len = 1 + (size_t)(mix(&seed) % 40);
          if (len > n - at)
            len = n - at;
          memmove(buf + at, buf + at + len, n - at - len);
          n -= len;
        }
        break;
      case 3: /* duplicate a range */
        if (n) {
          size_t len = 1 + (size_t)(mix(&seed) % 60);
          if (len > n - at)
            len = n - at;
          if (n + len <= cap) {
            memmove(buf + at + len, buf + at, n - at);
            n += len;
          }
        }
        break;
      case 4: /* truncate */
        n = at;
        break;
      default: /* insert a byte */
        if (n < cap) {
          memmove(buf + at + 1, buf + at, n - at);
          buf[at] = alphabet[mix(&seed) % (sizeof alphabet - 1)];
          n++;
        }
        break;
      }
    }
    /* Parse an exact-size copy, so that a read past len would be caught
     * by AddressSanitizer builds. */
    char *copy = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(copy);
    memcpy(copy, buf, n);
    char err[512];
    sim_scenario *sc = NULL;
    int r = sim_scenario_parse("test.dms", copy, n, &sc, err, sizeof err);
    if (r == 0) {
      ck_assert_ptr_nonnull(sc);
      ck_assert_uint_ge(sc->nmachines, 1);
      sim_scenario_free(sc);
      ok++;
    } else {
      ck_assert_ptr_null(sc);
      ck_assert_msg(strncmp(err, "test.dms:", 9) == 0 && strstr(err, ": error: ") &&
                        !strchr(err, '\n'),
                    "bad message: %s", err);
      failed++;
    }
    free(copy);
  }
  free(buf);
  /* Both outcomes must have happened, or the mutations test nothing. */
  ck_assert_int_gt(ok, 0);
  ck_assert_int_gt(failed, 0);
}
END_TEST

Suite *scenario_suite(void)
{
  Suite *s = suite_create("scenario");
  TCase *tc = tcase_create("parse");
  tcase_set_timeout(tc, DM_TEST_TIMEOUT);
  tcase_add_test(tc, test_full_scenario);
  tcase_add_test(tc, test_implicit_machine);
  tcase_add_test(tc, test_plain_calls_shared);
  tcase_add_test(tc, test_named_calls_share_shapes);
  tcase_add_test(tc, test_pb_fields_routines_and_driver_expectations);
  tcase_add_test(tc, test_names_helpers);
  tcase_add_loop_test(tc, test_durations, 0, (int)(sizeof durations / sizeof durations[0]));
  tcase_add_test(tc, test_sizes_and_integers);
  tcase_add_test(tc, test_long_name_in_machine_is_not_truncated);
  suite_add_tcase(s, tc);

  TCase *tb = tcase_create("errors");
  tcase_set_timeout(tb, DM_TEST_TIMEOUT);
  tcase_add_loop_test(tb, test_malformed, 0, (int)(sizeof bad / sizeof bad[0]));
  tcase_add_test(tb, test_nul_byte);
  tcase_add_test(tb, test_nesting_limit);
  tcase_add_test(tb, test_error_buffer_edges);
  tcase_add_test(tb, test_load);
  suite_add_tcase(s, tb);

  TCase *tf = tcase_create("fuzz");
  tcase_set_timeout(tf, 60);
  tcase_add_test(tf, test_fuzz_mutations);
  suite_add_tcase(s, tf);
  return s;
}
