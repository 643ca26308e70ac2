/*
 * check_scsi_group.c - the simulated SCSI bus's shared completion events
 * (sim/scsi/bus.c): commands submitted back to back, due at the same
 * instant, with nothing else armed in the world between them, complete
 * from one world event, in submission order, exactly where an event each
 * would have run them: before anything armed after them, after anything
 * armed before; abort, reset, a done routine that aborts or resubmits,
 * and the bus running out of group records.
 */
#include <string.h>

#include "tests.h"
#include "disk/disk.h"
#include "scsi/scsi.h"
#include "world/world.h"

enum { NT = 10, MAXLOG = 64 };

static sim_world     w;
static sim_scsi_bus *bus;
static sim_disk     *disk[NT];

/* What ran, in order: a command, or the marker event (NULL). */
static const void *ran[MAXLOG];
static uint8_t     ran_xport[MAXLOG];
static uint64_t    ran_at[MAXLOG];
static int         nran;

static void log_run(const void *what, uint8_t xport)
{
  ck_assert_int_lt(nran, MAXLOG);
  ran[nran] = what;
  ran_xport[nran] = xport;
  ran_at[nran++] = sim_world_now(&w);
}

static void on_done(sim_scsi_cmd *c)
{
  log_run(c, c->xport);
}

static void marker_fire(dm_event *ev)
{
  (void)ev;
  log_run(NULL, 0);
}

/* Unit k (0..NT-2) is at target k, or k + 1 from 7 on (7 is the
 * initiator), and answers after k ms (unit 0 at once). */
static uint8_t tid(int k)
{
  return (uint8_t)(k < 7 ? k : k + 1);
}

static void setup(void)
{
  memset(&w, 0, sizeof w);
  nran = 0;
  ck_assert_int_eq(sim_world_init(&w), 0);
  bus = sim_scsi_bus_new(&w, NULL);
  ck_assert_ptr_nonnull(bus);
  for (int k = 0; k < NT - 1; k++) {
    sim_scsi_unit_config cfg;
    sim_scsi_unit_config_default(&cfg);
    for (int c = 0; c < SIM_SCSI_CLASS_COUNT; c++)
      cfg.latency.lat[c] = (sim_scsi_lat){SIM_SCSI_LAT_FIXED, (uint64_t)k * MS, 0};
    disk[k] = sim_disk_new_memory(1u << 16);
    ck_assert_ptr_nonnull(disk[k]);
    ck_assert_int_eq(sim_scsi_attach(bus, tid(k), 0, disk[k], &cfg, NULL), SIM_SCSI_OK);
  }
}

static void teardown(void)
{
  sim_scsi_bus_free(bus);
  for (int k = 0; k < NT - 1; k++)
    sim_disk_close(disk[k]);
  sim_world_free(&w);
}

/* TEST UNIT READY to unit k. */
static void submit(sim_scsi_cmd *c, int k)
{
  memset(c, 0, sizeof *c);
  c->cdb_len = 6;
  c->target = tid(k);
  c->done = on_done;
  ck_assert_int_eq(sim_scsi_submit(bus, c), SIM_SCSI_OK);
}

static void arm_marker(dm_event *ev, uint64_t t)
{
  dm_event_init(ev, marker_fire, NULL, DM_LVL_HWI);
  ev->t = t;
  ck_assert_int_eq(sim_world_arm(&w, ev), 0);
}

START_TEST(test_one_event_in_order)
{
  sim_scsi_cmd c[4];
  for (int i = 0; i < 4; i++)
    submit(&c[i], 0);
  ck_assert_uint_eq(sim_world_pending(&w), 1);
  ck_assert_int_eq(nran, 0); /* never inside submit */
  ck_assert_int_eq(sim_world_step(&w), 1); /* one step runs all four */
  ck_assert_int_eq(nran, 4);
  for (int i = 0; i < 4; i++) {
    ck_assert_ptr_eq(ran[i], &c[i]);
    ck_assert_int_eq(c[i].xport, SIM_SCSI_XPORT_OK);
    ck_assert_int_eq(c[i].status, SIM_SCSI_GOOD);
    ck_assert_uint_eq(c[i].tag, (uint64_t)i + 1);
  }
  ck_assert_uint_eq(sim_world_pending(&w), 0);
  ck_assert_uint_eq(sim_scsi_inflight(bus, NULL), 0);
}
END_TEST

START_TEST(test_order_against_other_events)
{
  /* Armed between two submits: the second gets its own event, after it. */
  sim_scsi_cmd a, b, c, d;
  dm_event x, y;
  submit(&a, 0);
  arm_marker(&x, 0);
  submit(&b, 0);
  submit(&c, 0); /* joins b */
  arm_marker(&y, 0); /* after b and c, as it would be after their events */
  submit(&d, 1);     /* due later: its own event */
  ck_assert_uint_eq(sim_world_pending(&w), 5);
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(nran, 6);
  const void *want[] = { &a, NULL, &b, &c, NULL, &d };
  for (int i = 0; i < 6; i++)
    ck_assert_ptr_eq(ran[i], want[i]);
  ck_assert_uint_eq(ran_at[4], 0);
  ck_assert_uint_eq(ran_at[5], 1 * MS);
  /* An event armed earlier at the same instant still runs first. */
  nran = 0;
  arm_marker(&x, 3 * MS);
  submit(&a, 2); /* due at 1 + 2 ms = 3 ms */
  submit(&b, 2);
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(nran, 3);
  ck_assert(ran[0] == NULL && ran[1] == &a && ran[2] == &b);
}
END_TEST

START_TEST(test_abort_in_group)
{
  sim_scsi_cmd c[3];
  /* The first: the others still complete, at their time, in order. */
  for (int i = 0; i < 3; i++)
    submit(&c[i], 1);
  ck_assert_int_eq(sim_scsi_abort(bus, &c[0]), SIM_SCSI_OK);
  ck_assert_int_eq(nran, 1);
  ck_assert_int_eq(ran_xport[0], SIM_SCSI_XPORT_ABORTED);
  ck_assert_int_eq(sim_scsi_abort(bus, &c[0]), SIM_SCSI_ENOENT);
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(nran, 3);
  ck_assert(ran[1] == &c[1] && ran[2] == &c[2]);
  ck_assert(ran_at[1] == 1 * MS && ran_at[2] == 1 * MS);
  ck_assert(c[1].status == SIM_SCSI_GOOD && c[2].status == SIM_SCSI_GOOD);
  /* The middle one. */
  nran = 0;
  for (int i = 0; i < 3; i++)
    submit(&c[i], 1);
  ck_assert_int_eq(sim_scsi_abort(bus, &c[1]), SIM_SCSI_OK);
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(nran, 3);
  ck_assert(ran[0] == &c[1] && ran[1] == &c[0] && ran[2] == &c[2]);
  /* All of them: nothing is left armed. */
  nran = 0;
  for (int i = 0; i < 3; i++)
    submit(&c[i], 1);
  for (int i = 2; i >= 0; i--)
    ck_assert_int_eq(sim_scsi_abort(bus, &c[i]), SIM_SCSI_OK);
  ck_assert_uint_eq(sim_world_pending(&w), 0);
  ck_assert_uint_eq(sim_scsi_inflight(bus, NULL), 0);
  /* A reset ends them oldest first. */
  nran = 0;
  for (int i = 0; i < 3; i++)
    submit(&c[i], 1);
  ck_assert_int_eq(sim_scsi_target_reset(bus, tid(1)), 3);
  ck_assert(ran[0] == &c[0] && ran[1] == &c[1] && ran[2] == &c[2]);
  ck_assert_int_eq(ran_xport[2], SIM_SCSI_XPORT_RESET);
  ck_assert_uint_eq(sim_world_pending(&w), 0);
}
END_TEST

/* Done routines that act on the rest of the group while it completes. */
static sim_scsi_cmd g[3];
static int resubmitted;

static void abort_next(sim_scsi_cmd *c)
{
  on_done(c);
  if (c == &g[0])
    ck_assert_int_eq(sim_scsi_abort(bus, &g[1]), SIM_SCSI_OK);
}

static void resubmit_first(sim_scsi_cmd *c)
{
  on_done(c);
  if (c == &g[0] && !resubmitted) {
    resubmitted = 1;
    ck_assert_int_eq(sim_scsi_submit(bus, c), SIM_SCSI_OK);
  }
}

START_TEST(test_done_routines)
{
  for (int i = 0; i < 3; i++) {
    submit(&g[i], 0);
    g[i].done = abort_next; /* read at completion */
  }
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(nran, 3);
  ck_assert(ran[0] == &g[0] && ran[1] == &g[1] && ran[2] == &g[2]);
  ck_assert_int_eq(ran_xport[1], SIM_SCSI_XPORT_ABORTED);
  ck_assert_int_eq(ran_xport[2], SIM_SCSI_XPORT_OK);
  /* A command resubmitted from its done routine at the same instant is
   * newer than the rest of its group: it completes after them. */
  nran = 0;
  resubmitted = 0;
  for (int i = 0; i < 3; i++) {
    submit(&g[i], 0);
    g[i].done = resubmit_first;
  }
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(nran, 4);
  ck_assert(ran[0] == &g[0] && ran[1] == &g[1] && ran[2] == &g[2] && ran[3] == &g[0]);
  ck_assert_uint_eq(g[0].tag, 7); /* tags 4, 5, 6, then the resubmit */
}
END_TEST

START_TEST(test_out_of_groups)
{
  /* Nine pairs due at nine instants: the bus has eight group records, so
   * the last pair takes an event each; every command still completes at
   * its time, pairs in order. */
  sim_scsi_cmd c[NT - 1][2];
  for (int k = NT - 2; k >= 0; k--)
    for (int j = 0; j < 2; j++)
      submit(&c[k][j], k);
  ck_assert_uint_eq(sim_world_pending(&w), 8 + 2);
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(nran, 2 * (NT - 1));
  for (int k = 0; k < NT - 1; k++)
    for (int j = 0; j < 2; j++) {
      ck_assert_ptr_eq(ran[2 * k + j], &c[k][j]);
      ck_assert_uint_eq(ran_at[2 * k + j], (uint64_t)k * MS);
    }
  /* The records are free again. */
  nran = 0;
  submit(&c[0][0], 3);
  submit(&c[0][1], 3);
  ck_assert_uint_eq(sim_world_pending(&w), 1);
  sim_world_run(&w, UINT64_MAX, 0);
  ck_assert_int_eq(nran, 2);
}
END_TEST

Suite *scsi_group_suite(void)
{
  Suite *s = suite_create("scsi_group");
  TCase *tc = tcase_create("group");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_one_event_in_order);
  tcase_add_test(tc, test_order_against_other_events);
  tcase_add_test(tc, test_abort_in_group);
  tcase_add_test(tc, test_done_routines);
  tcase_add_test(tc, test_out_of_groups);
  suite_add_tcase(s, tc);
  return s;
}
