#!/bin/sh
# tests/view.sh DMSIM - `dmsim view` from the outside, headless.
#
#   - --screenshot writes a PNG for every example, from the scenario and
#     from its recorded jsonl trace, with no display;
#   - bad usage and a malformed trace exit 2 with a message naming the
#     option, or the file, line and column.
# What the pictures show is checked pixel by pixel in tests/check_view.c.
. tests/lib.sh
is_png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }

unset DISPLAY WAYLAND_DISPLAY
for f in docs/examples/*.dms; do
  n=$(basename "$f" .dms)
  if "$DMSIM" view "$f" --screenshot "$tmp/$n.png" --at 1ms 2>"$tmp/err" && is_png "$tmp/$n.png"
  then ok; else bad "$f: no PNG"; cat "$tmp/err"; fi
  if "$DMSIM" view "tests/golden/$n.jsonl" --screenshot "$tmp/$n.t.png" --at 1ms 2>"$tmp/err" &&
     cmp -s "$tmp/$n.png" "$tmp/$n.t.png"; then ok
  else bad "tests/golden/$n.jsonl: its picture differs from the scenario's"; cat "$tmp/err"; fi
done

expect2() {
  what=$1; needle=$2; shift 2
  "$DMSIM" "$@" >"$tmp/out" 2>"$tmp/err"
  st=$?
  if [ "$st" -eq 2 ] && grep -qF -- "$needle" "$tmp/err"; then ok
  else bad "$what: status $st, stderr: $(head -2 "$tmp/err")"; fi
}
expect2 "no input" "missing SCENARIO" view
expect2 "bad --at" "--at needs a simulated time" view docs/examples/killio.dms --screenshot "$tmp/x.png" --at soon
expect2 "bad --speed" "--speed" view docs/examples/killio.dms --speed -1
expect2 "hex --speed" "'0x2' is not a number in (0, 1000]" view docs/examples/killio.dms --speed 0x2
expect2 "unknown option" "unknown option '--colour'" view docs/examples/killio.dms --colour
expect2 "overwrite" "would overwrite the input" view "$tmp/x.png" --screenshot "$tmp/x.png"
printf '{"t":0,"ev":"call","lvl":"task"}\n{"t":1,"ev":"call" "lvl":"task"}\n' > "$tmp/bad.jsonl"
expect2 "malformed trace" "$tmp/bad.jsonl:2:20: error: expected ',' or '}'" view "$tmp/bad.jsonl" --screenshot "$tmp/x.png"
expect2 "missing scenario" "nonexistent.dms" view "$tmp/nonexistent.dms" --screenshot "$tmp/x.png"

# With no display SDL offers only a driver that draws nowhere: the window
# would never be seen nor closed, so view must refuse it (status 1) at once.
timeout -k 2 20 env -u SDL_VIDEODRIVER "$DMSIM" view docs/examples/killio.dms 2>"$tmp/nodisp.err"
st=$?
if [ "$st" -eq 1 ] && grep -q "cannot open a window: no display" "$tmp/nodisp.err"; then ok
else bad "view with no display: status $st (want 1 and 'no display')"; sed 's/^/  /' "$tmp/nodisp.err" | head -3; fi

finish view
