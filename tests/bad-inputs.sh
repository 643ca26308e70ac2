#!/bin/sh
# tests/bad-inputs.sh DMSIM - every row of docs/bad-inputs.md is a test: its
# command (with "dmsim" standing for DMSIM and $TMP for a fresh temporary
# directory) must exit with the row's status and print the row's text on
# stderr exactly once ("(nothing)": stderr empty). The files in tests/bad
# must be unchanged afterwards: no row may destroy its input.
. tests/lib.sh
before=$(cat tests/bad/* | cksum)
rows=0
grep '^| [0-9][0-9]* | [a-z]* | ' docs/bad-inputs.md > "$tmp/rows"
while IFS= read -r row; do
  rows=$((rows + 1))
  n=$(printf '%s\n' "$row" | cut -d'|' -f2 | tr -d ' ')
  cmd=$(printf '%s\n' "$row" | sed 's/^[^`]*`\([^`]*\)`.*/\1/')
  want=$(printf '%s\n' "$row" | awk -F' [|] ' '{print $(NF-1)}')
  text=$(printf '%s\n' "$row" | awk -F' [|] ' '{print $NF}' | sed 's/ |$//')
  case "$text" in
    '(nothing)') text="" ;;
    *) text=$(printf '%s\n' "$text" | sed 's/^`//; s/`$//') ;;
  esac
  rm -rf "$tmp/T"; mkdir -p "$tmp/T"
  args=$(printf '%s\n' "$cmd" | sed "s|^dmsim||; s|\\\$TMP|$tmp/T|g")
  eval "set -- $args"
  "$DMSIM" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  st=$?
  text=$(printf '%s\n' "$text" | sed "s|\\\$TMP|$tmp/T|g")
  if [ "$st" -ne "$want" ]; then
    bad "row $n ($cmd): exit status $st, expected $want"; sed 's/^/  /' "$tmp/err" | head -5
  elif [ -z "$text" ]; then
    if [ -s "$tmp/err" ]; then bad "row $n ($cmd): stderr not empty"; sed 's/^/  /' "$tmp/err" | head -5; else ok; fi
  else
    count=$(grep -cF -- "$text" "$tmp/err")
    if [ "$count" -ne 1 ]; then
      bad "row $n ($cmd): '$text' printed $count time(s), expected once"; sed 's/^/  /' "$tmp/err" | head -5
    else ok; fi
  fi
done < "$tmp/rows"
[ "$rows" -ge 60 ] && ok || bad "docs/bad-inputs.md has $rows rows, fewer than 60"
after=$(cat tests/bad/* | cksum)
[ "$before" = "$after" ] && ok || bad "a row changed a file in tests/bad"
finish bad-inputs
