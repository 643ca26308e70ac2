# tests/lib.sh - shared by the shell test scripts (sourced, not run): a
# temporary directory $tmp removed on exit, and the pass/fail counters that
# ok and bad MESSAGE keep; finish NAME prints them and sets the status.
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
