/*
 * check_trace_scsi.c - SCSI bus records in the four trace formats
 * (sim_trace_scsi): the jsonl keys and values in their documented order,
 * text rows with names decoded, chrome async slices per command with a
 * counter of commands in flight, and a vcd scope per unit whose inflight
 * signal follows the commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"
#include "scsi/scsi.h"
#include "trace/trace.h"

/* A READ(10) that ends with MEDIUM ERROR, then a LUN reset. */
static char *run_format(sim_trace_format fmt)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  sim_trace *t = sim_trace_open(f, fmt);
  ck_assert_ptr_nonnull(t);
  static const uint8_t cdb[10] = {0x28, 0, 0, 0, 0, 0x60, 0, 0, 8, 0};
  uint8_t sense[18] = {0xF0, 0, 3, 0, 0, 0, 100, 10, 0, 0, 0, 0, 0x11, 0, 0, 0, 0, 0};
  sim_scsi_trace_rec r;
  memset(&r, 0, sizeof r);
  r.t = 1000;
  r.ev = SIM_SCSI_EV_COMMAND;
  r.target = 2;
  r.lun = 1;
  r.tag = 7;
  r.cdb = cdb;
  r.cdb_len = 10;
  r.lvl = 0;
  sim_trace_scsi(t, &r);
  r.t = 3000;
  r.ev = SIM_SCSI_EV_STATUS;
  r.lvl = 2;
  r.status = SIM_SCSI_CHECK_CONDITION;
  r.sense = sense;
  r.sense_len = 18;
  r.resid = 4096;
  sim_trace_scsi(t, &r);
  memset(&r, 0, sizeof r);
  r.t = 5000;
  r.ev = SIM_SCSI_EV_RESET;
  r.target = 2;
  r.lun = 1;
  sim_trace_scsi(t, &r);
  ck_assert_int_eq(sim_trace_close(t), 0);
  fclose(f);
  return buf;
}

START_TEST(test_jsonl)
{
  char *s = run_format(SIM_TRACE_JSONL);
  ck_assert_str_eq(
    s,
    "{\"t\":1000,\"ev\":\"scsi-command\",\"lvl\":\"task\",\"bus\":0,\"target\":2,\"lun\":1,\"tag\":7,"
    "\"op\":\"READ(10)\",\"cdb\":\"28 00 00 00 00 60 00 00 08 00\"}\n"
    "{\"t\":3000,\"ev\":\"scsi-status\",\"lvl\":\"hwi\",\"bus\":0,\"target\":2,\"lun\":1,\"tag\":7,"
    "\"transport\":\"ok\",\"scsi_status\":\"CHECK CONDITION\",\"status_byte\":2,"
    "\"sense\":\"f0 00 03 00 00 00 64 0a 00 00 00 00 11 00 00 00 00 00\",\"key\":3,\"asc\":17,"
    "\"ascq\":0,\"resid\":4096}\n"
    "{\"t\":5000,\"ev\":\"scsi-reset\",\"lvl\":\"task\",\"bus\":0,\"target\":2,\"lun\":1}\n");
  free(s);
}
END_TEST

START_TEST(test_text)
{
  char *s = run_format(SIM_TRACE_TEXT);
  ck_assert_ptr_nonnull(strstr(s, "scsi-command     2:1       -      t7  READ(10)  cdb=28 00"));
  ck_assert_ptr_nonnull(
    strstr(s, "CHECK CONDITION  MEDIUM ERROR 11/00 Unrecovered read error  info=100  resid=4096"));
  ck_assert_ptr_nonnull(strstr(s, "LUN reset"));
  free(s);
}
END_TEST

START_TEST(test_chrome)
{
  char *s = run_format(SIM_TRACE_CHROME);
  ck_assert_ptr_nonnull(strstr(s, "\"name\":\"READ(10)\",\"cat\":\"scsi\",\"ph\":\"b\""));
  ck_assert_ptr_nonnull(strstr(s, "\"cat\":\"scsi\",\"ph\":\"e\""));
  ck_assert_ptr_nonnull(strstr(s, "\"sense\":\"MEDIUM ERROR 11/00\""));
  ck_assert_ptr_nonnull(strstr(s, "\"inflight\":1"));
  ck_assert_ptr_nonnull(strstr(s, "\"inflight\":0"));
  ck_assert_ptr_nonnull(strstr(s, "SCSI 2:1"));
  free(s);
}
END_TEST

START_TEST(test_vcd)
{
  char *s = run_format(SIM_TRACE_VCD);
  const char *scope = strstr(s, "$scope module SCSI_2_1 $end");
  ck_assert_ptr_nonnull(scope);
  /* Its inflight signal (the only one that changes): 1 at 1000 ns, 0 at
   * 3000 ns. */
  ck_assert_ptr_nonnull(strstr(scope, " inflight $end"));
  const char *at1 = strstr(s, "#1000\n");
  const char *at3 = strstr(s, "#3000\n");
  ck_assert_ptr_nonnull(at1);
  ck_assert_ptr_nonnull(at3);
  ck_assert(strncmp(at1 + 6, "b1 ", 3) == 0);
  ck_assert(strncmp(at3 + 6, "b0 ", 3) == 0);
  free(s);
}
END_TEST

Suite *trace_scsi_suite(void)
{
  Suite *s = suite_create("trace_scsi");
  TCase *tc = tcase_create("formats");
  tcase_add_test(tc, test_jsonl);
  tcase_add_test(tc, test_text);
  tcase_add_test(tc, test_chrome);
  tcase_add_test(tc, test_vcd);
  suite_add_tcase(s, tc);
  return s;
}
