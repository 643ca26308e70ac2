#!/bin/sh
# tests/drivers.sh DMSIM BUILD - drivers written the way Mac OS 9 authors
# wrote theirs (tests/drivers/*.c, built by the Makefile into BUILD/tdrivers)
# load and behave: each tests/drivers/NAME.dms is copied next to the shared
# objects and run; it must exit 0 (its expectations check the driver's
# results, data and order). A driver the Makefile could not build (Pascal
# strings without clang) is reported as skipped.
. tests/lib.sh
BUILD=${2:-build}
for f in tests/drivers/*.dms; do
  [ -e "$f" ] || continue
  n=$(basename "$f" .dms)
  if [ ! -f "$BUILD/tdrivers/$n.so" ]; then
    if grep -q '"\\p' "tests/drivers/$n.c" 2>/dev/null && ! command -v clang >/dev/null 2>&1; then
      echo "SKIP: $f: $n.c uses Pascal string literals and there is no clang"
      continue
    fi
    bad "$f: $BUILD/tdrivers/$n.so was not built"
    continue
  fi
  cp "$f" "$BUILD/tdrivers/$n.dms"
  if "$DMSIM" run "$BUILD/tdrivers/$n.dms" --quiet >"$tmp/out" 2>"$tmp/err"; then ok
  else bad "$f: exit status $?"; sed 's/^/  /' "$tmp/err" | head -10; fi
done
finish drivers
