#!/bin/sh
# tests/scenarios.sh DMSIM - scenario regression tests.
#
# For every docs/examples/*.dms:
#   - `dmsim run` exits with the status the golden directory records
#     (tests/golden/NAME.status, 0 when absent);
#   - its jsonl trace equals tests/golden/NAME.jsonl byte for byte;
#   - a second run gives the same trace (determinism);
#   - tests/check_trace_rules.py-free checks are in the Check suites.
# For every tests/scenarios/*.dms: the exit status equals the number in its
# "# expect-exit: N" comment (0 without one), and stderr contains every
# "# expect-stderr: TEXT" line (tests/lib.sh reads both).
# Set UPDATE_GOLDEN=1 to rewrite the goldens from the current build.
. tests/lib.sh

for f in docs/examples/*.dms; do
  [ -e "$f" ] || continue
  n=$(basename "$f" .dms)
  want=0
  [ -f "tests/golden/$n.status" ] && want=$(cat "tests/golden/$n.status")
  "$DMSIM" run "$f" --quiet --trace "$tmp/$n.1.jsonl" >"$tmp/$n.out" 2>"$tmp/$n.err"
  st=$?
  "$DMSIM" run "$f" --quiet --trace "$tmp/$n.2.jsonl" >/dev/null 2>&1
  if [ "$st" -ne "$want" ]; then
    bad "$f: exit status $st, expected $want"; sed 's/^/  /' "$tmp/$n.err" | head -20
  else ok; fi
  if cmp -s "$tmp/$n.1.jsonl" "$tmp/$n.2.jsonl"; then ok; else bad "$f: two runs gave different traces"; fi
  if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
    mkdir -p tests/golden
    cp "$tmp/$n.1.jsonl" "tests/golden/$n.jsonl"
    [ "$st" -ne 0 ] && echo "$st" > "tests/golden/$n.status"
  fi
  if [ -f "tests/golden/$n.jsonl" ] && cmp -s "$tmp/$n.1.jsonl" "tests/golden/$n.jsonl"; then ok
  else bad "$f: trace differs from tests/golden/$n.jsonl"
    diff "tests/golden/$n.jsonl" "$tmp/$n.1.jsonl" 2>/dev/null | head -10 | sed 's/^/  /'; fi
  for fmt in text chrome vcd; do
    if "$DMSIM" run "$f" --quiet --trace "$tmp/$n.$fmt" --trace-format $fmt >/dev/null 2>&1 || [ "$want" -ne 0 ]; then
      if [ -s "$tmp/$n.$fmt" ]; then ok; else bad "$f: empty $fmt trace"; fi
    else bad "$f: $fmt trace run failed"; fi
  done
  # The run's own figures come from the machine's counts, not from a trace
  # hook: the summary is the same with and without --trace, and each
  # driver's requests are the read/write/control/status dispatches traced.
  "$DMSIM" run "$f" >"$tmp/$n.plain" 2>&1
  "$DMSIM" run "$f" --trace "$tmp/$n.3.jsonl" >"$tmp/$n.traced" 2>&1
  if cmp -s "$tmp/$n.plain" "$tmp/$n.traced"; then ok; else bad "$f: the summary differs with --trace"; fi
  awk -F'"ref":' '/"ev":"dispatch"/ && /"code":"(read|write|control|status)"/ {
      split($2, a, ","); n[a[1]]++ } END { for (r in n) print r, n[r] }' \
    "$tmp/$n.3.jsonl" | sort >"$tmp/$n.want"
  awk '$3 ~ /^-[0-9]+$/ && $4 ~ /^[0-9]+$/ { n[$3] += $4 }
       END { for (r in n) if (n[r] > 0) print r, n[r] }' "$tmp/$n.plain" | sort >"$tmp/$n.got"
  if cmp -s "$tmp/$n.want" "$tmp/$n.got"; then ok
  else bad "$f: summary requests differ from the traced dispatches"
    diff "$tmp/$n.want" "$tmp/$n.got" | head -5 | sed 's/^/  /'; fi
done

for f in tests/scenarios/*.dms; do
  [ -e "$f" ] || continue
  want=$(expect_exit "$f")
  "$DMSIM" run "$f" --quiet >"$tmp/out" 2>"$tmp/err"
  st=$?
  if [ "$st" -ne "${want:-0}" ]; then
    bad "$f: exit status $st, expected ${want:-0}"; sed 's/^/  /' "$tmp/err" | head -10
    continue
  fi
  if stderr_has "$f" "$tmp/err"; then ok; else sed 's/^/  /' "$tmp/err" | head -10; fi
done

finish scenarios
