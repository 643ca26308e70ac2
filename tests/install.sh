#!/bin/sh
# tests/install.sh DMSIM BUILD - `make install` and `make uninstall` into a
# DESTDIR under a temporary directory:
#   - install puts dmsim, the Apple-named headers, dmsim.1 and dmsim.pc where
#     the Makefile says; the installed dmsim reports the pkg-config version;
#   - a driver (tests/drivers/ramdisk9.c) builds with nothing but
#     `cc $(pkg-config --cflags dmsim) -shared -fPIC` against the installed
#     headers and runs under the installed dmsim;
#   - the manual page names every verb `dmsim help` lists and every option
#     each verb's --help lists (and is clean for groff, when groff exists);
#   - uninstall leaves no file behind.
# Uses the make, CC and BUILD of the calling `make test`.
. tests/lib.sh
BUILD=${2:-build}
MAKE=${MAKE:-make}
root="$tmp/root"
prefix=/usr/local
# A sub-make of `make test` inherits its command-line variables (CC, BUILD,
# OPT) through MAKEFLAGS; -s keeps it quiet.
if $MAKE -s install DESTDIR="$root" PREFIX=$prefix BUILD="$BUILD" >"$tmp/inst" 2>&1; then ok
else bad "make install failed"; sed 's/^/  /' "$tmp/inst" | tail -10; finish install; exit; fi

for f in bin/dmsim share/man/man1/dmsim.1 share/pkgconfig/dmsim.pc \
         include/dmsim/mac/Devices.h include/dmsim/mac/DriverServices.h include/dmsim/mac/MacTypes.h; do
  [ -f "$root$prefix/$f" ] && ok || bad "make install did not install $prefix/$f"
done
for h in devmgr/include/mac/*.h; do
  cmp -s "$h" "$root$prefix/include/dmsim/mac/$(basename "$h")" && ok || bad "installed $(basename "$h") differs"
done

pc() { PKG_CONFIG_PATH="$root$prefix/share/pkgconfig" PKG_CONFIG_LIBDIR="$root$prefix/share/pkgconfig" \
       PKG_CONFIG_SYSROOT_DIR="$root" pkg-config "$@"; }
cflags=$(pc --cflags dmsim | sed "s/ *$//")
[ "$cflags" = "-I$root$prefix/include/dmsim/mac" ] && ok || bad "pkg-config --cflags dmsim gave '$cflags'"
ver=$(pc --modversion dmsim)
[ "$("$root$prefix/bin/dmsim" --version)" = "dmsim $ver" ] && ok \
  || bad "installed dmsim --version is not 'dmsim $ver'"

# A driver built against the installed headers only, run by the installed dmsim.
mkdir "$tmp/drv"
cp tests/drivers/ramdisk9.c tests/drivers/ramdisk9.dms "$tmp/drv/"
if ${CC:-cc} $cflags -std=c11 -shared -fPIC "$tmp/drv/ramdisk9.c" -o "$tmp/drv/ramdisk9.so" 2>"$tmp/cc"; then ok
else bad "cc \$(pkg-config --cflags dmsim) -shared -fPIC ramdisk9.c failed"; sed 's/^/  /' "$tmp/cc" | head; fi
if "$root$prefix/bin/dmsim" run "$tmp/drv/ramdisk9.dms" --quiet 2>"$tmp/err"; then ok
else bad "the installed dmsim did not run ramdisk9.dms"; sed 's/^/  /' "$tmp/err" | head; fi

# The installed dmsim finds its viewer module (PREFIX/lib/dmsim), and links
# no SDL2 itself: only `dmsim view` loads the viewer's libraries.
if (unset DISPLAY WAYLAND_DISPLAY; "$root$prefix/bin/dmsim" view docs/examples/killio.dms \
      --screenshot "$tmp/inst.png" --at 1ms) 2>"$tmp/err" && [ -s "$tmp/inst.png" ]; then ok
else bad "the installed dmsim view wrote no PNG"; sed 's/^/  /' "$tmp/err" | head -3; fi
if command -v ldd >/dev/null 2>&1; then
  ldd "$root$prefix/bin/dmsim" | grep -q 'libSDL2' && bad "dmsim links SDL2 (the viewer's module should)" || ok
fi

# The manual page describes every verb and option the program knows.
man="$root$prefix/share/man/man1/dmsim.1"
grep -q "dmsim $ver" "$man" && ok || bad "dmsim.1 does not carry version $ver"
# An option is described where it opens an entry (a .B, .BI or .BR line, not
# the synopsis's .RB); in roff source its hyphens are written \-.
mentions() { grep '^\.B[IR]\{0,1\} ' "$man" | grep -qF -- "$(printf '%s' "$1" | sed 's/-/\\-/g')"; }
verbs=$("$DMSIM" help | sed -n '/^verbs:/,/^$/s/^  \([a-z][a-z0-9_]*\) .*/\1/p')
for v in $verbs; do
  grep -q "^\.B[RI]* \"*$v\b" "$man" && ok || bad "dmsim.1 has no entry for the verb '$v'"
  # The options a verb's help lists: those that open a line of it.
  for o in $("$DMSIM" "$v" --help | grep -oE -- '^ +(-[a-z], )?--[a-z][a-z-]*' \
             | grep -o -- '--[a-z-]*' | sort -u); do
    mentions "$o" && ok || bad "dmsim.1 does not describe '$v $o'"
  done
done
mentions --version && ok || bad "dmsim.1 does not describe --version"
grep -q '^\.SH EXIT STATUS' "$man" && ok || bad "dmsim.1 has no EXIT STATUS section"
if command -v groff >/dev/null 2>&1; then
  groff -man -ww -z "$man" 2>"$tmp/groff" && [ ! -s "$tmp/groff" ] && ok \
    || { bad "groff warns about dmsim.1"; sed 's/^/  /' "$tmp/groff" | head; }
fi

if $MAKE -s uninstall DESTDIR="$root" PREFIX=$prefix BUILD="$BUILD" >"$tmp/uninst" 2>&1; then ok
else bad "make uninstall failed"; sed 's/^/  /' "$tmp/uninst" | tail -5; fi
left=$(find "$root" -type f)
[ -z "$left" ] && ok || bad "make uninstall left: $left"
[ ! -d "$root$prefix/include/dmsim" ] && ok || bad "make uninstall left $prefix/include/dmsim"
finish install
