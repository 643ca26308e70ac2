#!/bin/sh
# tests/bench/simpy_compare.sh [DMSIM] - the serialized workload (16 clients
# x 10,000 sync reads to one non-concurrent driver whose device serves one
# request at a time with an exponential 1 ms service) in `dmsim run --quiet`
# and in SimPy 2 (tests/bench/simpy_serial.py, Debian's python3-simpy),
# measured side by side: ROUNDS interleaved rounds, the best of each kept.
# dmsim's time is the whole process (parse and start-up included); SimPy's
# is only its simulate() call (interpreter start-up and model build
# excluded), so the ratio is if anything unfair to dmsim. Exits 1 when
# dmsim is not at least MIN_RATIO (30) times faster. Not part of `make test`:
# it takes a few seconds and measures time.
set -eu
DMSIM=${1:-build/dmsim}
ROUNDS=${ROUNDS:-5}
MIN_RATIO=${MIN_RATIO:-30}
PY=/usr/bin/python3
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$PY" - "$tmp/serial.dms" <<'PYEOF'
import sys
out = ["# 16 clients x 10,000 sync reads to one non-concurrent driver,",
       "# exponential 1 ms service (tests/bench/simpy_compare.sh)",
       "seed 1", "hardware disk exponential 1ms", "driver d builtin fixed hardware disk", ""]
for i in range(16):
    out += ["client c%d" % i, "  open d", "  repeat 10000", "    read d 512 at 0", "  end", "end", ""]
out += ["expect count dispatch on d 160017", "expect no violation"]
open(sys.argv[1], "w").write("\n".join(out) + "\n")
PYEOF

now_ns() { date +%s%N; }
best_dm=""
best_py=""
r=0
while [ $r -lt "$ROUNDS" ]; do
  t0=$(now_ns)
  "$DMSIM" run --quiet "$tmp/serial.dms"
  t1=$(now_ns)
  dm=$((t1 - t0))
  py=$("$PY" "$here/simpy_serial.py" 16 10000 1 | awk '{ printf "%d", $1 * 1e9 }')
  [ -z "$best_dm" ] || [ "$dm" -lt "$best_dm" ] && best_dm=$dm
  [ -z "$best_py" ] || [ "$py" -lt "$best_py" ] && best_py=$py
  r=$((r + 1))
done
awk -v dm="$best_dm" -v py="$best_py" -v min="$MIN_RATIO" 'BEGIN {
  ratio = py / dm
  printf "serialized workload, 160,000 requests (best of rounds):\n"
  printf "  dmsim run --quiet   %8.1f ms  (%.0f ns/request, whole process)\n", dm / 1e6, dm / 160000
  printf "  SimPy 2 simulate()  %8.1f ms  (%.0f ns/request)\n", py / 1e6, py / 160000
  printf "  dmsim is %.1f times faster (at least %d required)\n", ratio, min
  exit ratio >= min ? 0 : 1
}'
