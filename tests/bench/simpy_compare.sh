#!/bin/sh
# tests/bench/simpy_compare.sh [DMSIM] - the serialized workload (16 clients
# x 10,000 sync reads to one non-concurrent driver whose device serves one
# request at a time with an exponential 1 ms service) in `dmsim run --quiet`
# and in SimPy 2 (tests/bench/simpy_serial.py, Debian's python3-simpy),
# measured side by side: ROUNDS (5) interleaved rounds, the best of each;
# dmsim runs DM_RUNS (5) times in each round, since one of its runs takes
# about 20 ms and the host we measure on has slow spells of a second or
# more (both sides then read up to twice their quiet figure): SimPy's run,
# 30 times longer, spans them anyway, and dmsim's 25 short ones give it
# the same chance of a quiet moment.
#
# What is compared is CPU time (user + system), so that other processes on
# a busy host do not count against either side: dmsim's is its whole
# process (start-up and parsing included), SimPy's only its simulate() call
# (interpreter start-up, imports and model build excluded), so the ratio is
# if anything unfair to dmsim. Wall times are printed too. Exits 1 when
# dmsim is not at least MIN_RATIO (30) times faster. `make bench-simpy`
# runs it; it is not part of `make test` (it measures time).
set -eu
DMSIM=${1:-build/dmsim}
ROUNDS=${ROUNDS:-5}
DM_RUNS=${DM_RUNS:-5}
MIN_RATIO=${MIN_RATIO:-30}
PY=/usr/bin/python3
here=$(dirname "$0")
exec "$PY" - "$DMSIM" "$here/simpy_serial.py" "$ROUNDS" "$MIN_RATIO" "$DM_RUNS" <<'PYEOF'
import os, resource, subprocess, sys, tempfile, time

dmsim, model, rounds, min_ratio = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
dm_runs = int(sys.argv[5])
CLIENTS, CALLS = 16, 10000
N = CLIENTS * CALLS
lines = ["# 16 clients x 10,000 sync reads to one non-concurrent driver,",
         "# exponential 1 ms service (tests/bench/simpy_compare.sh)",
         "seed 1", "hardware disk exponential 1ms", "driver d builtin fixed hardware disk", ""]
for i in range(CLIENTS):
    lines += ["client c%d" % i, "  open d", "  repeat %d" % CALLS, "    read d 512 at 0",
              "  end", "end", ""]
lines += ["expect count dispatch on d %d" % (N + CLIENTS + 1), "expect no violation"]
fd, path = tempfile.mkstemp(suffix=".dms")
os.write(fd, ("\n".join(lines) + "\n").encode())
os.close(fd)

def child_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

best = {"dm_cpu": None, "dm_wall": None, "py_cpu": None, "py_wall": None}
def keep(k, v):
    if best[k] is None or v < best[k]:
        best[k] = v
try:
    for _ in range(rounds):
        for _ in range(dm_runs):
            c0, t0 = child_cpu(), time.perf_counter()
            subprocess.run([dmsim, "run", "--quiet", path], check=True)
            keep("dm_wall", time.perf_counter() - t0)
            keep("dm_cpu", child_cpu() - c0)
        out = subprocess.run([sys.executable, model, str(CLIENTS), str(CALLS), "1"], check=True,
                             capture_output=True, text=True).stdout.split()
        keep("py_cpu", float(out[0]))
        keep("py_wall", float(out[1]))
finally:
    os.unlink(path)
ratio = best["py_cpu"] / best["dm_cpu"]
print("serialized workload, %d requests, best of %d interleaved rounds (%d dmsim runs and"
      " one SimPy run in each):" % (N, rounds, dm_runs))
print("  dmsim run --quiet   CPU %7.1f ms (%5.0f ns/request)   wall %7.1f ms   (whole process)"
      % (best["dm_cpu"] * 1e3, best["dm_cpu"] * 1e9 / N, best["dm_wall"] * 1e3))
print("  SimPy 2 simulate()  CPU %7.1f ms (%5.0f ns/request)   wall %7.1f ms"
      % (best["py_cpu"] * 1e3, best["py_cpu"] * 1e9 / N, best["py_wall"] * 1e3))
print("  dmsim is %.1f times faster in CPU time (at least %g required), %.1f times in wall time"
      % (ratio, min_ratio, best["py_wall"] / best["dm_wall"]))
sys.exit(0 if ratio >= min_ratio else 1)
PYEOF
