#!/bin/sh
# tests/realtime.sh DMSIM - `dmsim run --realtime` from the outside.
#
#   - every docs/examples/*.dms run with --realtime exits with its golden
#     status and writes the same jsonl trace as the default run;
#   - docs/examples/realtime-disk.dms (one simulated second) takes between
#     0.8 and 1.5 s of wall time at speed 1, start-up included;
#   - SIGINT and SIGTERM stop a real-time run with status 130 and 143, and
#     the trace written so far is a prefix of the full trace, ending on a
#     whole line.
. tests/lib.sh
now() { date +%s.%N; }

for f in docs/examples/*.dms; do
  n=$(basename "$f" .dms)
  want=0
  [ -f "tests/golden/$n.status" ] && want=$(cat "tests/golden/$n.status")
  "$DMSIM" run "$f" --quiet --realtime --trace "$tmp/$n.jsonl" >/dev/null 2>&1
  st=$?
  if [ "$st" -ne "$want" ]; then bad "$f --realtime: exit status $st, expected $want"
  elif ! cmp -s "$tmp/$n.jsonl" "tests/golden/$n.jsonl"; then
    bad "$f --realtime: trace differs from tests/golden/$n.jsonl"
  else ok; fi
done

ex=docs/examples/realtime-disk.dms
t0=$(now)
"$DMSIM" run "$ex" --quiet --realtime=1 >/dev/null 2>&1
st=$?
t1=$(now)
if [ "$st" -eq 0 ] && awk -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; exit !(d >= 0.8 && d <= 1.5) }'; then ok
else bad "$ex --realtime=1: status $st, took $(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }') s (want 0.8 to 1.5)"; fi

for sig in INT TERM; do
  want=130
  [ $sig = TERM ] && want=143
  "$DMSIM" run "$ex" --realtime --trace "$tmp/sig.jsonl" >/dev/null 2>"$tmp/sig.err" &
  pid=$!
  sleep 0.3
  kill -$sig $pid
  wait $pid
  st=$?
  lines=$(wc -l < "$tmp/sig.jsonl")
  if [ "$st" -ne "$want" ]; then bad "SIG$sig: exit status $st, expected $want"; cat "$tmp/sig.err"
  elif ! grep -q "stopped by SIG$sig" "$tmp/sig.err"; then bad "SIG$sig: no message"; cat "$tmp/sig.err"
  elif [ "$lines" -lt 10 ] || [ "$lines" -ge "$(wc -l < tests/golden/realtime-disk.jsonl)" ]; then
    bad "SIG$sig: $lines trace lines"
  elif ! head -n "$lines" tests/golden/realtime-disk.jsonl | cmp -s - "$tmp/sig.jsonl"; then
    bad "SIG$sig: the trace is not a prefix of the full trace"
  else ok; fi
done

finish realtime
