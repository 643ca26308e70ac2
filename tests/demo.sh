#!/bin/sh
# tests/demo.sh DMSIM - `make demo`: the same workload through a serialized
# driver and a concurrent one, shown as a readable trace and a summary.
DMSIM=${1:-build/dmsim}
ex=docs/examples/serialized-vs-concurrent.dms
echo "== dmsim run $ex --trace - (text) =="
echo
"$DMSIM" run "$ex" --trace - --trace-format text
