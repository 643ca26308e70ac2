#!/bin/sh
# tests/guard.sh DMSIM - how a run ends when it cannot end well, beyond the
# rows of docs/bad-inputs.md:
#   - a driver fault leaves a whole trace in every format (the chrome JSON
#     closed, the vcd written), holding the records up to the fault;
#   - SIGINT and SIGTERM during a hang end the run with 128 + N, a report,
#     and the trace;
#   - --seed is read as the file's seed is: --seed 010 is ten, as `seed 010`;
#   - a trace written to a full disk names the errno once;
#   - a run stopped by --trace-limit keeps its trace up to there;
#   - the limit of 100,000 requests in flight counts blocks in flight: a
#     flat file of more sync calls than that runs, 100,001 async reads kept
#     in flight are refused at the one over;
#   - a driver that recurses through sync calls to itself is stopped by the
#     nesting limit (nesting-too-deep), not by the host's stack: the same
#     trace byte for byte on every run, with a smaller stack, and in every
#     build (tests/bad/fault-stack.jsonl is that trace: `make ASAN=1 test`
#     compares the sanitizer build's with it); a scenario's completion
#     routines nested 100 deep stop at the same limit.
. tests/lib.sh
for fmt in text jsonl chrome vcd; do
  "$DMSIM" run tests/bad/fault-segv.dms --quiet --trace "$tmp/t.$fmt" --trace-format $fmt \
    >/dev/null 2>"$tmp/e"
  st=$?
  [ "$st" -eq 3 ] && ok || bad "fault with a $fmt trace: exit status $st, expected 3"
  [ -s "$tmp/t.$fmt" ] && ok || bad "fault: the $fmt trace is empty or missing"
  grep -q "trace: $tmp/t.$fmt holds every record up to here" "$tmp/e" && ok ||
    bad "fault: the report does not name the $fmt trace"
done
# The last record before the fault is the dispatch of the control.
grep -q '"ev":"dispatch".*"code":"control"' "$tmp/t.jsonl" && ok || bad "fault: jsonl trace lacks the control's dispatch"
tail -c 40 "$tmp/t.chrome" | grep -q '"displayTimeUnit":"ns"}' && ok || bad "fault: chrome trace is not closed"
grep -q '^\$enddefinitions' "$tmp/t.vcd" && ok || bad "fault: vcd trace has no definitions"

for sig in 2:INT 15:TERM; do
  num=${sig%%:*}; sig=${sig#*:}
  "$DMSIM" run tests/bad/hang-driverio.dms --quiet --timeout 0 --trace "$tmp/h.jsonl" \
    >/dev/null 2>"$tmp/e" &
  pid=$!
  sleep 0.3
  kill -$sig $pid
  wait $pid
  st=$?
  want=$((128 + num))
  [ "$st" -eq "$want" ] && ok || bad "SIG$sig: exit status $st, expected $want"
  grep -q "dmsim: interrupted by SIG$sig" "$tmp/e" && ok || bad "SIG$sig: no report"
  grep -q 'driver: .Hostile (refNum -49), in DoDriverIO' "$tmp/e" && ok || bad "SIG$sig: report lacks the driver"
  [ -s "$tmp/h.jsonl" ] && ok || bad "SIG$sig: trace empty or missing"
done

"$DMSIM" run tests/bad/seed10.dms --quiet --trace "$tmp/a.jsonl" && ok || bad "seed10.dms failed"
"$DMSIM" run tests/bad/noseed.dms --quiet --seed 010 --trace "$tmp/b.jsonl" && ok || bad "--seed 010 failed"
"$DMSIM" run tests/bad/noseed.dms --quiet --seed 0xa --trace "$tmp/c.jsonl" && ok || bad "--seed 0xa failed"
"$DMSIM" run tests/bad/noseed.dms --quiet --seed 8 --trace "$tmp/d.jsonl" && ok || bad "--seed 8 failed"
cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl" && ok || bad "--seed 010 differs from the file's seed 10"
cmp -s "$tmp/a.jsonl" "$tmp/c.jsonl" && ok || bad "--seed 0xa differs from the file's seed 10"
cmp -s "$tmp/a.jsonl" "$tmp/d.jsonl" && bad "--seed 8 gives the trace of seed 10" || ok

"$DMSIM" run tests/bad/seed10.dms --quiet --trace /dev/full --trace-format vcd 2>"$tmp/e"
st=$?
[ "$st" -eq 1 ] && ok || bad "vcd trace on a full disk: exit status $st, expected 1"
[ "$(grep -c 'No space left on device' "$tmp/e")" -eq 1 ] && ok || bad "full disk: errno not named exactly once"
# A run stopped by a limit of its input keeps the trace written up to there.
"$DMSIM" run tests/bad/trace-big.dms --quiet --trace "$tmp/big.jsonl" --trace-limit 1 2>/dev/null
st=$?
[ "$st" -eq 2 ] && ok || bad "--trace-limit: exit status $st, expected 2"
size=$(wc -c < "$tmp/big.jsonl" 2>/dev/null || echo 0)
[ "$size" -gt 1048576 ] && ok || bad "--trace-limit: the trace ($size bytes) was not kept"
tail -c 1 "$tmp/big.jsonl" | od -c | grep -q '\\n' && ok || bad "--trace-limit: the trace ends mid-line"
printf 'driver d builtin null\nclient c\n  open d\n' > "$tmp/flat.dms"
i=0; while [ $i -lt 1001 ]; do echo "  read d 1"; i=$((i + 1)); done > "$tmp/hundred"
for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat "$tmp/hundred"; done > "$tmp/twenty"
for k in 1 2 3 4 5; do cat "$tmp/twenty"; done >> "$tmp/flat.dms"
echo end >> "$tmp/flat.dms"
"$DMSIM" run "$tmp/flat.dms" --quiet 2>"$tmp/e" && ok \
  || bad "100,100 sync calls, one in flight at a time: refused: $(head -1 "$tmp/e")"
printf 'hardware h fixed 1ms\ndriver d builtin fixed hardware h\nclient c\n  open d\n  repeat 100001\n    read d 1 async\n  end\nend\n' \
  > "$tmp/deep.dms"
"$DMSIM" run "$tmp/deep.dms" --quiet 2>"$tmp/e"
st=$?
[ "$st" -eq 2 ] && grep -qF "deep.dms:6:5: error: more than 100000 requests in flight" "$tmp/e" && ok \
  || bad "100,001 async reads in flight: status $st, $(head -1 "$tmp/e")"
# The limit counts blocks in flight, not a block parked with its client
# between its sync wait's end and the client's next step (client.c,
# done_lean: counted in nbusy until then, run_in_flight). c2 wakes at 2 ms
# just before c1, whose lean block has then completed and is parked, and
# sends its reads while c1's block waits: 100,000 may be in flight.
for n in 100000 100001; do
  printf 'hardware h1 fixed 1ms\nhardware h2 fixed 1s\nhardware h3 fixed 1ms\n%s\n%s\n%s\nclient c1\n  open d1\n  repeat 3\n    read d1 512 at 0\n  end\nend\nclient c2\n  open d2\n  open d3\n  sleep 1ms\n  read d3 512 at 0\n  repeat %s\n    read d2 1 async\n  end\nend\n' \
    'driver d1 builtin fixed hardware h1' 'driver d2 builtin fixed hardware h2' \
    'driver d3 builtin fixed hardware h3' "$n" > "$tmp/parked$n.dms"
done
"$DMSIM" run "$tmp/parked100000.dms" --quiet 2>"$tmp/e" && ok \
  || bad "100,000 async reads in flight beside a parked sync block: refused: $(head -1 "$tmp/e")"
"$DMSIM" run "$tmp/parked100001.dms" --quiet 2>"$tmp/e"
st=$?
[ "$st" -eq 2 ] && grep -qF "parked100001.dms:19:5: error: more than 100000 requests in flight" "$tmp/e" \
  && ok || bad "100,001 async reads beside a parked sync block: status $st, $(head -1 "$tmp/e")"

msg='dmsim: violation: nesting-too-deep at 0.000000 ms (task level, refNum -49): driver code nested calls into the Device Manager more than 64 deep; a real Mac would have overflowed its stack'
"$DMSIM" run tests/bad/fault-stack.dms --quiet --trace "$tmp/fs1.jsonl" 2>"$tmp/e"
st=$?
[ "$st" -eq 1 ] && ok || bad "fault-stack: exit status $st, expected 1"
[ "$(grep -cF "$msg" "$tmp/e")" -eq 1 ] && ok || bad "fault-stack: no nesting-too-deep report: $(head -1 "$tmp/e")"
grep -qF 'control sync called by .Hostile with 64 levels of driver code already nested' "$tmp/e" \
  && ok || bad "fault-stack: the report lacks the call and the depth"
"$DMSIM" run tests/bad/fault-stack.dms --quiet --trace "$tmp/fs2.jsonl" 2>/dev/null
(ulimit -s 2048 2>/dev/null; "$DMSIM" run tests/bad/fault-stack.dms --quiet --trace "$tmp/fs3.jsonl" 2>/dev/null)
cmp -s "$tmp/fs1.jsonl" "$tmp/fs2.jsonl" && ok || bad "fault-stack: two runs gave different traces"
cmp -s "$tmp/fs1.jsonl" "$tmp/fs3.jsonl" && ok || bad "fault-stack: a 2 MiB stack gave another trace"
cmp -s "$tmp/fs1.jsonl" tests/bad/fault-stack.jsonl && ok \
  || bad "fault-stack: the trace differs from tests/bad/fault-stack.jsonl"
[ "$(grep -c '"rule":"nesting-too-deep"' "$tmp/fs1.jsonl")" -eq 1 ] && ok \
  || bad "fault-stack: the trace has no single nesting-too-deep record"
{ echo 'driver d builtin null'; echo 'client c'; echo '  open d'
  i=0; ind='  '
  while [ $i -lt 100 ]; do echo "${ind}read d 512 async then"; ind="$ind  "; i=$((i + 1)); done
  echo "${ind}read d 512 async"
  while [ $i -gt 0 ]; do ind=${ind%  }; echo "${ind}end"; i=$((i - 1)); done
  echo end; } > "$tmp/chain.dms"
"$DMSIM" run "$tmp/chain.dms" --quiet --trace "$tmp/chain.jsonl" 2>"$tmp/e"
st=$?
[ "$st" -eq 1 ] && grep -qF 'read async called with 64 levels of driver code already nested' "$tmp/e" \
  && ok || bad "routines nested 100 deep: status $st, $(head -2 "$tmp/e")"
[ "$(grep -c '"ev":"callback"' "$tmp/chain.jsonl")" -eq 64 ] && ok \
  || bad "routines nested 100 deep: not exactly 64 routines ran"

finish guard
