#!/bin/sh
# tests/cli.sh DMSIM - the command line's conventions:
#   - `dmsim --version` prints "dmsim VERSION";
#   - every verb `dmsim help` lists answers `--help` (and `dmsim help VERB`)
#     with its usage on stdout and status 0, also when `--help` or `-h` comes
#     after a sub-verb, arguments or an option wanting a value (not after
#     "--"); `dmsim help` lists run, bench, drivers and help at least;
#   - unknown verbs and options exit 2 with a message naming them;
#   - `--trace -` writes the same bytes to stdout as `--trace FILE` writes to
#     FILE, and the summary goes to stderr;
#   - a run refused with status 2 leaves no trace file behind (none created,
#     an existing one untouched, no temporary file left), while a run that
#     fails with status 1 still writes its trace.
. tests/lib.sh
# expect STATUS CMD...: run CMD, stdout to $tmp/o, stderr to $tmp/e.
expect() {
  want=$1; shift
  "$@" >"$tmp/o" 2>"$tmp/e"
  st=$?
  if [ "$st" -eq "$want" ]; then ok; else bad "'$*' exited $st, expected $want"; sed 's/^/  /' "$tmp/e" | head -5; fi
}
has() { # has FILE TEXT WHAT
  if grep -qF -- "$2" "$1"; then ok; else bad "$3 lacks '$2'"; sed 's/^/  /' "$1" | head -5; fi
}
empty() { # empty FILE WHAT
  if [ -s "$1" ]; then bad "$2 is not empty"; sed 's/^/  /' "$1" | head -5; else ok; fi
}

expect 0 "$DMSIM" --version
if grep -qE '^dmsim [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/o"; then ok; else bad "--version printed '$(cat "$tmp/o")'"; fi

expect 0 "$DMSIM" help
cp "$tmp/o" "$tmp/help"
verbs=$(sed -n '/^verbs:/,/^$/s/^  \([a-z][a-z0-9_]*\) .*/\1/p' "$tmp/help")
for v in run bench drivers help; do
  case " $(echo $verbs) " in *" $v "*) ok;; *) bad "dmsim help does not list '$v'";; esac
done
expect 0 "$DMSIM" --help
cmp -s "$tmp/o" "$tmp/help" && ok || bad "dmsim --help differs from dmsim help"
for v in $verbs; do
  expect 0 "$DMSIM" "$v" --help
  has "$tmp/o" "usage: dmsim $v" "dmsim $v --help"
  has "$tmp/o" "exit status" "dmsim $v --help"
  empty "$tmp/e" "stderr of dmsim $v --help"
  cp "$tmp/o" "$tmp/vhelp"
  cp "$tmp/o" "$tmp/help_$v"
  expect 0 "$DMSIM" help "$v"
  cmp -s "$tmp/o" "$tmp/vhelp" && ok || bad "dmsim help $v differs from dmsim $v --help"
  expect 0 "$DMSIM" "$v" -h
  cmp -s "$tmp/o" "$tmp/vhelp" && ok || bad "dmsim $v -h differs from dmsim $v --help"
done

# --help (or -h) anywhere before "--" prints the verb's help: after a
# sub-verb, after arguments, in the place of an option's value; after "--"
# it is an argument like any other.
helps_as() { # helps_as VERB ARGS...: the line prints VERB's help, status 0
  hv=$1; shift
  expect 0 "$DMSIM" "$hv" "$@"
  cmp -s "$tmp/o" "$tmp/help_$hv" && ok || bad "dmsim $hv $* is not dmsim $hv --help"
  empty "$tmp/e" "stderr of dmsim $hv $*"
}
helps_as disk info --help
helps_as disk read -h
helps_as disk write "$tmp/none.img" --offset 1 --help
helps_as scsi "$tmp/none.img" 00 --help
helps_as run docs/examples/killio.dms --trace-format --help
helps_as run docs/examples/killio.dms --seed 3 -h
helps_as bench --json -h
expect 2 "$DMSIM" run -- --help
has "$tmp/e" "--help" "dmsim run -- --help"

expect 2 "$DMSIM"
has "$tmp/e" "missing verb" "dmsim with no verb"
expect 2 "$DMSIM" frobnicate
has "$tmp/e" "unknown verb 'frobnicate'" "dmsim frobnicate"
expect 2 "$DMSIM" --frob
has "$tmp/e" "unknown option '--frob'" "dmsim --frob"
expect 2 "$DMSIM" run docs/examples/killio.dms --frob
has "$tmp/e" "unknown option '--frob'" "dmsim run --frob"
has "$tmp/e" "usage: dmsim run" "dmsim run --frob"
expect 2 "$DMSIM" run
has "$tmp/e" "missing SCENARIO" "dmsim run"
expect 2 "$DMSIM" run docs/examples/killio.dms --seed -3
has "$tmp/e" "--seed" "dmsim run --seed -3"
expect 2 "$DMSIM" run docs/examples/killio.dms --trace-format pdf
has "$tmp/e" "unknown format 'pdf'" "dmsim run --trace-format pdf"
expect 2 "$DMSIM" bench --frob
has "$tmp/e" "unknown argument '--frob'" "dmsim bench --frob"
expect 2 "$DMSIM" drivers extra
expect 2 "$DMSIM" help frobnicate
has "$tmp/e" "unknown verb 'frobnicate'" "dmsim help frobnicate"

# --trace -: stdout is the trace, byte for byte; the summary is on stderr.
ex=docs/examples/killio.dms
for fmt in jsonl chrome text vcd; do
  expect 0 "$DMSIM" run "$ex" --trace "$tmp/t.$fmt" --trace-format $fmt
  expect 0 "$DMSIM" run "$ex" --trace - --trace-format $fmt
  cmp -s "$tmp/o" "$tmp/t.$fmt" && ok || bad "--trace - --trace-format $fmt: stdout is not the trace"
  has "$tmp/e" "machine main: ran to" "stderr of --trace - --trace-format $fmt"
done

# Refused runs leave no trace; failed runs keep theirs.
mkdir "$tmp/d"
for sc in tests/scenarios/bad-driver-name.dms tests/scenarios/second-machine-bad-driver.dms; do
  expect 2 "$DMSIM" run "$sc" --trace "$tmp/d/t.jsonl"
  [ -z "$(ls -A "$tmp/d")" ] && ok || bad "$sc left $(ls -A "$tmp/d") behind"
  echo keep > "$tmp/d/old.json"
  expect 2 "$DMSIM" run "$sc" --trace "$tmp/d/old.json"
  [ "$(cat "$tmp/d/old.json")" = keep ] && ok || bad "$sc overwrote an existing trace"
  [ "$(ls -A "$tmp/d")" = old.json ] && ok || bad "$sc left $(ls -A "$tmp/d") behind"
  rm -f "$tmp/d/old.json"
done
expect 2 "$DMSIM" run "$ex" --trace "$tmp/nodir/t.jsonl"
has "$tmp/e" "cannot open for writing" "--trace into a missing directory"
expect 1 "$DMSIM" run tests/scenarios/complete-twice-unexpected.dms --trace "$tmp/d/f.jsonl"
[ -s "$tmp/d/f.jsonl" ] && ok || bad "a run that failed (status 1) wrote no trace"
[ "$(ls -A "$tmp/d")" = f.jsonl ] && ok || bad "temporary files left: $(ls -A "$tmp/d")"
# A trace to a device is written in place, not renamed over it.
expect 0 "$DMSIM" run "$ex" --trace /dev/null --trace-format jsonl
[ -c /dev/null ] && ok || bad "/dev/null is no longer a device"

# --seed N replaces the file's seed: the same N gives the same trace, byte
# for byte; another N other random latencies; N as the file's own seed the
# trace without the option; 0x hex as the file writes it.
printf 'seed 42\nhardware h exponential 1ms\ndriver d builtin fixed hardware h\nclient c\n  open d\n  repeat 20\n    read d 8\n  end\nend\n' > "$tmp/seeded.dms"
expect 0 "$DMSIM" run "$tmp/seeded.dms" --quiet --seed 7 --trace "$tmp/s7a.jsonl"
expect 0 "$DMSIM" run "$tmp/seeded.dms" --quiet --seed 7 --trace "$tmp/s7b.jsonl"
expect 0 "$DMSIM" run "$tmp/seeded.dms" --quiet --seed 0x7 --trace "$tmp/s7x.jsonl"
expect 0 "$DMSIM" run "$tmp/seeded.dms" --quiet --seed 8 --trace "$tmp/s8.jsonl"
expect 0 "$DMSIM" run "$tmp/seeded.dms" --quiet --seed 42 --trace "$tmp/s42.jsonl"
expect 0 "$DMSIM" run "$tmp/seeded.dms" --quiet --trace "$tmp/sfile.jsonl"
cmp -s "$tmp/s7a.jsonl" "$tmp/s7b.jsonl" && ok || bad "--seed 7 twice: the traces differ"
cmp -s "$tmp/s7a.jsonl" "$tmp/s7x.jsonl" && ok || bad "--seed 7 and --seed 0x7: the traces differ"
cmp -s "$tmp/s7a.jsonl" "$tmp/s8.jsonl" && bad "--seed 7 and --seed 8: the same trace" || ok
cmp -s "$tmp/s42.jsonl" "$tmp/sfile.jsonl" && ok || bad "--seed 42 and the file's seed 42: the traces differ"
cmp -s "$tmp/s7a.jsonl" "$tmp/sfile.jsonl" && bad "--seed 7 did not replace the file's seed 42" || ok

# --trace FILE without --trace-format: the format follows the extension
# (.jsonl, .json for chrome, .vcd), text otherwise; --trace-format wins.
for pair in 'jsonl:{"t":0,' 'json:{"traceEvents":[' 'vcd:$version dmsim' 'txt:            time  lvl' 'log:            time  lvl'; do
  ext=${pair%%:*}; start=${pair#*:} # (expect sets want)
  expect 0 "$DMSIM" run "$tmp/seeded.dms" --quiet --trace "$tmp/fmt.$ext"
  case "$(head -c 40 "$tmp/fmt.$ext")" in "$start"*) ok ;; *) bad "--trace fmt.$ext did not start with '$start'" ;; esac
done
expect 0 "$DMSIM" run "$tmp/seeded.dms" --quiet --trace "$tmp/fmt2.vcd" --trace-format jsonl
case "$(head -c 10 "$tmp/fmt2.vcd")" in '{"t":0,'*) ok ;; *) bad "--trace-format jsonl did not win over .vcd" ;; esac

finish cli
