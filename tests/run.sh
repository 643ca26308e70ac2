#!/bin/sh
# tests/run.sh - everything `make test` runs: the Check suites (fork mode),
# the scenario regression tests (golden traces, determinism, expected
# failures), the command line's conventions (tests/cli.sh), real-time runs
# (tests/realtime.sh), drivers written as Mac OS 9 authors wrote theirs
# (tests/drivers.sh), disk read and write through the SCSI stack
# (tests/disk.sh), make install/uninstall (tests/install.sh), the SCSI
# disk (tests/scsi.sh), the viewer headless (tests/view.sh), the table of
# bad inputs (tests/bad-inputs.sh, from docs/bad-inputs.md) and the ends of
# runs that go wrong (tests/guard.sh) and random scenarios made by
# tests/gen_scenarios.py, each run twice (tests/gen.sh). Each prints a closing "N passed,
# N failed" line; exits non-zero on any failure.
set -u
DMSIM=${DMSIM:-build/dmsim}
BUILD=${BUILD:-build}
CK_FORK=yes "$BUILD/check_dmsim"
checks=$?
./tests/scenarios.sh "$DMSIM"
scen=$?
./tests/cli.sh "$DMSIM"
cli=$?
./tests/realtime.sh "$DMSIM"
rt=$?
./tests/drivers.sh "$DMSIM" "$BUILD"
drv=$?
./tests/disk.sh "$DMSIM"
dsk=$?
./tests/install.sh "$DMSIM" "$BUILD"
inst=$?
./tests/scsi.sh "$DMSIM"
scsi=$?
./tests/view.sh "$DMSIM"
view=$?
./tests/bad-inputs.sh "$DMSIM"
badin=$?
./tests/guard.sh "$DMSIM"
guard=$?
./tests/gen.sh "$DMSIM"
gen=$?
[ $checks -eq 0 ] && [ $scen -eq 0 ] && [ $cli -eq 0 ] && [ $rt -eq 0 ] && [ $drv -eq 0 ] && [ $dsk -eq 0 ] &&
  [ $inst -eq 0 ] && [ $scsi -eq 0 ] && [ $view -eq 0 ] && [ $badin -eq 0 ] && [ $guard -eq 0 ] && [ $gen -eq 0 ]
