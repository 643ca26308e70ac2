/*
 * bench_report.c - the figures of `dmsim bench` as a table or a JSON object,
 * and the exit status they make (bench_report.h).
 */
#include <string.h>

#include "bench/bench_report.h"

static int fig_failed(const sim_bench_fig *f)
{
  return f->value < 0;
}

/* Whether f was measured and, when it has a budget, is within it. */
static int fig_ok(const sim_bench_fig *f)
{
  return !fig_failed(f) && (f->budget == 0 || f->value <= f->budget);
}

/* Writes to `to` the keys of the figures that could not be measured, in
 * their order, each between two `quote`s, the first after `first` and the
 * others after `sep`; sets *any when there was one, else clears it and
 * writes nothing. */
static void put_failed(FILE *to, const sim_bench_fig *figs, int n, const char *first,
                       const char *sep, const char *quote, int *any)
{
  *any = 0;
  for (int i = 0; i < n; i++)
    if (fig_failed(&figs[i])) {
      fprintf(to, "%s%s%s%s", *any ? sep : first, quote, figs[i].key, quote);
      *any = 1;
    }
}

int sim_bench_report(const sim_bench_fig *figs, int n, int json, FILE *out, FILE *err)
{
  int ok = 1, failed;
  for (int i = 0; i < n; i++)
    ok &= fig_ok(&figs[i]);
  if (json) {
    fputc('{', out);
    for (int i = 0; i < n; i++) {
      if (fig_failed(&figs[i]))
        fprintf(out, "\"%s\":null,", figs[i].key);
      else
        fprintf(out, "\"%s\":%.2f,", figs[i].key, figs[i].value);
    }
    fputs("\"failed\":[", out);
    put_failed(out, figs, n, "", ",", "\"", &failed);
    fprintf(out, "],\"within_budget\":%s}\n", ok ? "true" : "false");
  } else {
    fprintf(out, "%-46s %10s  %s\n", "figure", "value", "budget");
    for (int i = 0; i < n; i++) {
      const sim_bench_fig *f = &figs[i];
      char budget[32] = "reference";
      if (f->budget > 0)
        snprintf(budget, sizeof budget, "<= %g%s %s", f->budget,
                 strcmp(f->unit, "x") == 0 ? "x" : "",
                 fig_failed(f) ? "FAILED" : fig_ok(f) ? "ok" : "MISSED");
      if (fig_failed(f))
        fprintf(out, "%-46s %10s  %s\n", f->label, "failed", budget);
      else
        fprintf(out, "%-46s %7.2f %-2s  %s\n", f->label, f->value, f->unit, budget);
    }
  }
  fflush(out);
  put_failed(err, figs, n, "dmsim: bench: could not measure ", ", ", "", &failed);
  if (failed)
    fputc('\n', err);
  return ok ? 0 : 1;
}
