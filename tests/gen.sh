#!/bin/sh
# tests/gen.sh DMSIM - random scenarios (tests/gen_scenarios.py, fixed seed)
# run twice each: the two traces are the same byte for byte, the run ends
# with exit status 0 or 1 (an expectation may fail, a rule may break: the
# choices are random), and stderr names no internal fault (a fault outside
# driver code, a sanitizer report). A file made to end otherwise says so as
# tests/scenarios/ files do ("# expect-exit: 3" and "# expect-stderr:
# dmsim: driver fault:", or 4 and "dmsim: watchdog:"; tests/lib.sh reads
# them): then exactly that status and report. A status 2 is a generator bug (every
# file it writes must parse and stay within dmsim's limits).
# GEN_SEED (default 2) and GEN_COUNT (default 200) choose the files; a
# failure names the file, which is kept in tests/gen-failed/ to reproduce.
# Seed 2's 200 files include one that faulted outside driver code before
# 511c171 (g0054: an immediate .Bugs Control 4, its PB left on a queue in
# the driver's stack frame), and writes of 0 bytes with a pattern, which
# UBSan stopped before caf6ee8.
. tests/lib.sh
seed=${GEN_SEED:-2}
count=${GEN_COUNT:-200}
if ! /usr/bin/python3 tests/gen_scenarios.py --seed "$seed" --count "$count" --out "$tmp/s"; then
  bad "tests/gen_scenarios.py failed"
  finish gen
  exit
fi
keep() {
  mkdir -p tests/gen-failed
  cp "$1" tests/gen-failed/
}
for f in "$tmp"/s/*.dms; do
  n=$(basename "$f")
  want=$(expect_exit "$f")
  # One trace path for both runs: a report names it. A run that writes no
  # trace fails the file (and keeps it), however the other checks go.
  fine=1
  for k in 1 2; do
    "$DMSIM" run --quiet "$f" --trace "$tmp/t.txt" >/dev/null 2>"$tmp/e$k"
    eval "st$k=\$?"
    mv "$tmp/t.txt" "$tmp/t$k.txt" 2>/dev/null ||
      { bad "$n: no trace written"; fine=0; : >"$tmp/t$k.txt"; }
  done
  case $want in
    "") [ $st1 -eq 0 ] || [ $st1 -eq 1 ] || { bad "$n: exit status $st1, expected 0 or 1"; fine=0; };;
    *) [ $st1 -eq "$want" ] || { bad "$n: exit status $st1, expected $want"; fine=0; };;
  esac
  stderr_has "$f" "$tmp/e1" "$n" || fine=0
  [ $st1 -eq $st2 ] || { bad "$n: exit status $st1, then $st2"; fine=0; }
  cmp -s "$tmp/t1.txt" "$tmp/t2.txt" || { bad "$n: two runs gave different traces"; fine=0; }
  cmp -s "$tmp/e1" "$tmp/e2" || { bad "$n: two runs printed different reports"; fine=0; }
  if grep -q -e 'outside driver code' -e 'Sanitizer' -e 'runtime error:' "$tmp/e1"; then
    bad "$n: internal fault: $(grep -m1 -e 'outside driver code' -e 'Sanitizer' -e 'runtime error:' "$tmp/e1")"
    fine=0
  fi
  if [ $fine -eq 1 ]; then ok; else keep "$f"; fi
done
[ $fail -eq 0 ] || echo "gen: failing files kept in tests/gen-failed/ (seed $seed, count $count)"
finish gen
