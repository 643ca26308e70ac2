# tests/lib.sh - shared by the shell test scripts (sourced, not run): a
# temporary directory $tmp removed on exit, and the pass/fail counters that
# ok and bad MESSAGE keep; finish NAME prints them and sets the status;
# and what a scenario file says its run must end with.
set -u
DMSIM=${1:-build/dmsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
finish() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}

# A scenario file's expectations of how its run ends, in its comments (the
# files of tests/scenarios/ and of tests/gen_scenarios.py say it so):
# expect_exit FILE prints N of its first "# expect-exit: N" line, nothing
# when it has none; stderr_has FILE ERR [NAME] is whether ERR (the run's
# stderr) holds the text of each "# expect-stderr: TEXT" line of FILE, and
# reports (bad) each text it lacks, naming the file NAME (default FILE).
expect_exit() { sed -n 's/^# expect-exit: *\([0-9]*\).*/\1/p' "$1" | head -1; }
stderr_has() {
  sed -n 's/^# expect-stderr: *//p' "$1" >"$tmp/needles"
  _has=0
  while IFS= read -r _needle; do
    grep -qF -- "$_needle" "$2" || { bad "${3:-$1}: stderr lacks '$_needle'"; _has=1; }
  done <"$tmp/needles"
  return $_has
}
