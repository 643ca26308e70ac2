#!/bin/sh
# tests/fuzz.sh DIR short|long - run every libFuzzer target in DIR.
#
# short (make fuzz-short, .ci/run): each target from its corpus
#   tests/fuzz/corpus/NAME (and, for the scenario targets, every example and
#   bad input of the project) with a fixed seed for FUZZ_RUNS inputs (default
#   3000): seconds in all, the same inputs every time.
# long (make fuzz): each target FUZZ_TIME seconds (default 60); new inputs
#   that reach new code are added to tests/fuzz/corpus/NAME, and a crash or
#   hang leaves its input in tests/fuzz/crashes/ to become a regression test
#   (a file in tests/fuzz/corpus/NAME, replayed by every short run).
# Exits non-zero when a target crashed, leaked, hung or tripped a sanitizer.
set -u
dir=$1
mode=${2:-short}
runs=${FUZZ_RUNS:-3000}
time=${FUZZ_TIME:-60}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
[ "$mode" = short ] || mkdir -p tests/fuzz/crashes
# A request for more memory than the host has returns NULL, as it does
# without ASan, so that dmsim's own out-of-memory path runs (a scenario may
# ask for a 1 TiB memory disk) rather than ASan stopping the process.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
for bin in "$dir"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin" | sed 's/^fuzz_//')
  corpus=tests/fuzz/corpus/$name
  mkdir -p "$corpus"
  extra=""
  case $name in parse|run) extra="docs/examples tests/bad tests/scenarios";; esac
  # Every target looks for leaks: a machine freed without its drivers'
  # Finalize (every run's end) releases their pool memory with it.
  leaks=1
  asan=$ASAN_OPTIONS
  if [ "$mode" = short ]; then
    # The corpus stays as it is: new inputs go to a scratch directory.
    mkdir -p "$tmp/$name"
    ASAN_OPTIONS=$asan "$bin" -seed=1 -runs="$runs" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -detect_leaks=$leaks \
      -artifact_prefix="$tmp/$name-" "$tmp/$name" "$corpus" $extra >"$tmp/log" 2>&1
  else
    ASAN_OPTIONS=$asan "$bin" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -max_len=4096 -detect_leaks=$leaks \
      -artifact_prefix=tests/fuzz/crashes/"$name"- "$corpus" $extra >"$tmp/log" 2>&1
  fi
  st=$?
  if [ $st -eq 0 ]; then
    echo "fuzz $name: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' "$tmp/log" | tail -1)"
  else
    echo "FAIL: fuzz $name (exit $st)"; tail -30 "$tmp/log" | sed 's/^/  /'
    fail=1
  fi
done
[ $fail -eq 0 ]
