#!/bin/sh
# tests/realtime.sh DMSIM - `dmsim run --realtime` from the outside.
#
#   - every docs/examples/*.dms run with --realtime exits with its golden
#     status and writes the same jsonl trace as the default run;
#   - docs/examples/realtime-disk.dms (one simulated second) takes between
#     0.8 and 1.5 s of wall time at speed 1, start-up included;
#   - SIGINT and SIGTERM stop a real-time run with status 130 and 143, and
#     the trace written so far is a prefix of the full trace, ending on a
#     whole line;
#   - SCSI disks on an image: the same bytes and trace in real time, and
#     after SIGINT every completed write in the image, no unsent one;
#   - --max-steps, and a limit such as the data buffers' bound, stop a
#     real-time run where they stop the default run,
#     with the same report.
. tests/lib.sh
now() { date +%s.%N; }

# A paced run waits on the wall clock, where a bug means a hang rather than a
# wrong answer: a foreground run that outlives two minutes is killed (status
# 124 or 137, reported as a failure) so that the suite always ends.
guard() { timeout -k 5 120 "$@"; }

for f in docs/examples/*.dms; do
  n=$(basename "$f" .dms)
  want=0
  [ -f "tests/golden/$n.status" ] && want=$(cat "tests/golden/$n.status")
  guard "$DMSIM" run "$f" --quiet --realtime --trace "$tmp/$n.jsonl" >/dev/null 2>&1
  st=$?
  if [ "$st" -ne "$want" ]; then bad "$f --realtime: exit status $st, expected $want"
  elif ! cmp -s "$tmp/$n.jsonl" "tests/golden/$n.jsonl"; then
    bad "$f --realtime: trace differs from tests/golden/$n.jsonl"
  else ok; fi
done

ex=docs/examples/realtime-disk.dms
t0=$(now)
guard "$DMSIM" run "$ex" --quiet --realtime=1 >/dev/null 2>&1
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

# SCSI disks backed by an image: a real-time run writes the same bytes and
# the same trace as a default run; stopped by SIGINT while writes are
# pending, the image holds every write the trace completed, and none of
# the writes not yet sent (a command moves its data when it completes; the
# one write in flight, its data moved before the driver completed it, may
# be there or not).
dd if=/dev/zero of="$tmp/img" bs=1k count=256 2>/dev/null
{
  echo 'controller hba0 builtin hba'
  echo 'disk d0 controller hba0 target 0 lun 0 image "img" latency 20ms'
  echo 'driver sd builtin scsidisk disk d0'
  echo 'client A'
  echo '  open sd'
  i=1
  while [ $i -le 20 ]; do
    printf '  write sd 4k at %dk pattern byte %d\n' $((4 * i)) $i
    i=$((i + 1))
  done
  echo 'end'
  echo 'expect no violation'
} > "$tmp/w.dms"
"$DMSIM" run "$tmp/w.dms" --quiet --trace "$tmp/w1.jsonl" >/dev/null 2>&1
cp "$tmp/img" "$tmp/img.default"
dd if=/dev/zero of="$tmp/img" bs=1k count=256 2>/dev/null
guard "$DMSIM" run "$tmp/w.dms" --quiet --realtime=4 --trace "$tmp/w2.jsonl" >/dev/null 2>&1
st=$?
if [ "$st" -eq 0 ] && cmp -s "$tmp/w1.jsonl" "$tmp/w2.jsonl" && cmp -s "$tmp/img" "$tmp/img.default"
then ok; else bad "SCSI image: the real-time run differs from the default run (status $st)"; fi
dd if=/dev/zero of="$tmp/img" bs=1k count=256 2>/dev/null
"$DMSIM" run "$tmp/w.dms" --realtime --trace "$tmp/w3.jsonl" >/dev/null 2>&1 &
pid=$!
sleep 0.25
kill -INT $pid
wait $pid
st=$?
# Writes the trace completed with noErr: complete records of write dispatches.
done_ids=$(grep '"code":"write"' "$tmp/w3.jsonl" | sed 's/.*"id":\([0-9]*\).*/\1/')
n=0
for id in $done_ids; do
  grep -q "\"ev\":\"complete\",\"lvl\":\"[a-z]*\",\"id\":$id,.*\"result\":0" "$tmp/w3.jsonl" && n=$((n + 1))
done
good=1
i=1
while [ $i -le 20 ]; do
  byte=$(od -An -tu1 -j $((4096 * i)) -N 1 "$tmp/img" | tr -d ' ')
  if [ $i -le $n ]; then [ "$byte" = "$i" ] || good=0
  elif [ $i -gt $((n + 1)) ]; then [ "$byte" = 0 ] || good=0
  fi
  i=$((i + 1))
done
if [ "$st" -eq 130 ] && [ "$n" -ge 1 ] && [ "$n" -lt 20 ] && [ $good -eq 1 ]; then ok
else bad "SCSI image after SIGINT: status $st, $n writes completed, image matches: $good"; fi

# same_steps FILE N WANT [TEXT]: FILE run with --max-steps N ends with
# status WANT, paced (--realtime=1000) and not, with the same report on
# stderr, which holds TEXT when given.
same_steps() {
  "$DMSIM" run "$1" --quiet --max-steps "$2" >/dev/null 2>"$tmp/steps.e1"
  local st1=$?
  guard "$DMSIM" run "$1" --quiet --realtime=1000 --max-steps "$2" >/dev/null 2>"$tmp/steps.e2"
  local st2=$?
  if [ $st1 -eq "$3" ] && [ $st2 -eq "$3" ] && cmp -s "$tmp/steps.e1" "$tmp/steps.e2" &&
     { [ -z "${4:-}" ] || grep -qF "$4" "$tmp/steps.e1"; }; then ok
  else bad "$(basename "$1") --max-steps $2: status $st1, with --realtime $st2 (want $3, the same report${4:+ with '${4:-}'}): $(head -c 200 "$tmp/steps.e1")"; fi
}

# --max-steps counts the same steps in real time as without: 40 reads in
# flight on one device make 45 events at 0 ms and more than 50 interrupt
# handlers at 1 ms. --realtime counted no event before: its runs ended 0.
cat >"$tmp/steps.dms" <<'EOF_DMS'
hardware h fixed 1ms channels 64
driver d builtin conc hardware h
client c
  open d
  repeat 40
    read d 512 async
  end
  wait all
end
EOF_DMS
same_steps "$tmp/steps.dms" 45 4
same_steps "$tmp/steps.dms" 60 4
same_steps "$tmp/steps.dms" 100 0

# The last instant's steps too: at 1 ms a client's wake and its 9
# statements make 10 steps, so --max-steps 9 stops both runs at the last
# statement and 10 lets both end. (The default run counted a step more for
# the look that found no event left, and blamed '9 events'; the paced run
# ended 0.)
cat >"$tmp/last.dms" <<'EOF_DMS'
driver d builtin null
client c
  sleep 1ms
  open d
  status d 5
  status d 5
  status d 5
  status d 5
  status d 5
  status d 5
  status d 5
  status d 5
end
EOF_DMS
same_steps "$tmp/last.dms" 9 4 "client c makes no progress: 9 statements at 1.000000 ms"
same_steps "$tmp/last.dms" 10 0


# A limit hit during the run (run_limit: here the data buffers' bound, at
# 0 ms) stops a real-time run where it stops the default run: status 2,
# the same message and the same trace. (The paced loop ran on to the
# completion due 1 ms later, two more records.)
"$DMSIM" run tests/bad/buffer-limit.dms --quiet --trace "$tmp/lim1.jsonl" >/dev/null 2>"$tmp/lim1.err"
st1=$?
guard "$DMSIM" run tests/bad/buffer-limit.dms --quiet --realtime=1000 --trace "$tmp/lim2.jsonl" \
  >/dev/null 2>"$tmp/lim2.err"
st2=$?
if [ $st1 -eq 2 ] && [ $st2 -eq 2 ] && cmp -s "$tmp/lim1.err" "$tmp/lim2.err" &&
   cmp -s "$tmp/lim1.jsonl" "$tmp/lim2.jsonl"; then ok
else bad "buffer-limit.dms: status $st1, with --realtime $st2 (want 2 and the same report and trace)"; fi

finish realtime
