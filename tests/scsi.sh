#!/bin/sh
# tests/scsi.sh DMSIM - the simulated SCSI disk and image tools from the
# outside, against the tools users check them with:
#
#   - an image made by hfsutils inside an Apple Partition Map: `dmsim disk
#     info` names its partitions (Apple_HFS among them) and the volume name;
#     a bare volume made by hformat is recognised as such (text and --json);
#   - `dmsim scsi` INQUIRY data decoded by sg_inq --inhex (vendor, product,
#     revision as configured); the sense of an unknown opcode and of an
#     invalid CDB field decoded by sg_decode_sense; READ CAPACITY(10) and
#     (16) give the image's last LBA and block size;
#   - WRITE(10) with --data-out is in the file afterwards; one refused (LBA
#     out of range, --read-only, no data) leaves the file byte for byte
#     unchanged; a second writer is refused with a clear error;
#   - a bare HFS volume is attached through the presented partition map
#     (block 0 'ER', Apple_HFS at block 64) and the file is not rewritten.
# A missing tool (sg3-utils, hfsutils) is reported and its tests skipped.
. "$(dirname "$0")/lib.sh"
skipped=0
have() { command -v "$1" >/dev/null 2>&1; }
skip() { skipped=$((skipped + 1)); echo "SKIP: $*"; }

# putb FILE OFFSET OCTAL-BYTES: write bytes (printf octal escapes) at OFFSET.
putb() { printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# A 4 MiB device: DDM, the map's own entry and one Apple_HFS partition
# from block 64 to the end, as hformat needs it (it does not make maps).
img="$tmp/disk.img"
dd if=/dev/zero of="$img" bs=512 count=8192 status=none
putb "$img" 0 '\105\122\002\000\000\000\040\000'
putb "$img" 512 '\120\115\000\000\000\000\000\002\000\000\000\001\000\000\000\077'
putb "$img" 528 'Apple'
putb "$img" 560 'Apple_partition_map'
putb "$img" 600 '\000\000\000\003'
putb "$img" 1024 '\120\115\000\000\000\000\000\002\000\000\000\100\000\000\037\300'
putb "$img" 1040 'MacOS'
putb "$img" 1072 'Apple_HFS'
putb "$img" 1108 '\000\000\037\300\100\000\003\177'

D="$DMSIM"
if have hformat; then
  if hformat -l SimVol "$img" 1 >/dev/null 2>&1; then ok; else bad "hformat inside the map failed"; fi
  out=$("$D" disk info "$img")
  case "$out" in *"Apple Partition Map"*Apple_partition_map*Apple_HFS*'HFS volume "SimVol"'*) ok ;;
    *) bad "disk info on the hfsutils image: $out" ;; esac
  json=$("$D" disk info "$img" --json)
  case "$json" in *'"format":"apm"'*'"type":"Apple_HFS"'*'"name":"SimVol"'*) ok ;;
    *) bad "disk info --json: $json" ;; esac
  dd if=/dev/zero of="$tmp/bare.hfs" bs=1024 count=1440 status=none
  hformat -l Bare "$tmp/bare.hfs" >/dev/null 2>&1 || bad "hformat on a bare file failed"
  out=$("$D" disk info "$tmp/bare.hfs")
  case "$out" in *"bare HFS volume"*'"Bare"'*) ok ;; *) bad "bare volume: $out" ;; esac
  "$D" disk info "$tmp/bare.hfs" --json | grep -q '"format":"hfs".*"name":"Bare"' && ok \
    || bad "bare volume --json"
  # Attached, it gets a partition map in front; the file stays as it was.
  before=$(cksum < "$tmp/bare.hfs")
  "$D" scsi "$tmp/bare.hfs" 28 00 00 00 00 00 00 00 03 00 > "$tmp/b.out"
  sed -n 4p "$tmp/b.out" | grep -q '^45 52 02 00' && ok || bad "presented block 0: $(sed -n 4p "$tmp/b.out")"
  grep -q '^41 70 70 6c 65 5f 48 46 53' "$tmp/b.out" && ok || bad "presented Apple_HFS entry missing"
  [ "$(cksum < "$tmp/bare.hfs")" = "$before" ] && ok || bad "the bare volume was rewritten"
  # hfsutils still reads the volume after dmsim wrote through the map.
  hmount "$img" >/dev/null 2>&1 && hls >/dev/null 2>&1 && humount >/dev/null 2>&1 && ok \
    || bad "hmount of the image failed"
else
  skip "hfsutils (hformat) is not installed: the hfsutils image tests cannot run"
  # Without hformat, the map alone is still a partition map.
  "$D" disk info "$img" | grep -q Apple_HFS && ok || bad "disk info on the plain map"
fi

# INQUIRY with the identity given on the command line.
"$D" scsi "$img" 12 00 00 00 24 00 --vendor ACME --product "Big Disk" --revision 1.0 \
  > "$tmp/inq.hex"
st=$?
[ $st -eq 0 ] && ok || bad "INQUIRY exit status $st"
if have sg_inq; then
  out=$(sg_inq --inhex="$tmp/inq.hex" 2>&1)
  case "$out" in
    *"Peripheral device type: disk"*"Vendor identification: ACME"*"Product identification: Big Disk"*"Product revision level: 1.0"*) ok ;;
    *) bad "sg_inq --inhex: $out" ;; esac
else
  skip "sg3-utils (sg_inq) is not installed: INQUIRY is not checked by sg_inq"
fi

# An unknown opcode: CHECK CONDITION, ILLEGAL REQUEST 20/00.
"$D" scsi "$img" ff 00 00 00 00 00 > "$tmp/s.hex"
[ $? -eq 1 ] && ok || bad "unknown opcode: exit status should be 1"
grep -q '^# status: CHECK CONDITION' "$tmp/s.hex" && ok || bad "unknown opcode: no CHECK CONDITION"
# INQUIRY of VPD page 0xB0 (not supported): 24/00 pointing at byte 2.
"$D" scsi "$img" 12 01 b0 00 24 00 > "$tmp/f.hex"
if have sg_decode_sense; then
  out=$(sg_decode_sense --file="$tmp/s.hex" 2>&1)
  case "$out" in *"Illegal Request"*"Invalid command operation code"*) ok ;;
    *) bad "sg_decode_sense (unknown opcode): $out" ;; esac
  out=$(sg_decode_sense --file="$tmp/f.hex" 2>&1)
  case "$out" in *"Invalid field in cdb"*"byte 2"*) ok ;; *) bad "sg_decode_sense (field): $out" ;; esac
else
  skip "sg3-utils (sg_decode_sense) is not installed: sense is not checked by sg_decode_sense"
fi

# READ CAPACITY(10) and (16): last LBA 8191 (0x1fff), 512-byte blocks.
"$D" scsi "$img" 25 00 00 00 00 00 00 00 00 00 | grep -q '^00 00 1f ff 00 00 02 00$' && ok \
  || bad "READ CAPACITY(10)"
"$D" scsi "$img" 9e 10 00 00 00 00 00 00 00 00 00 00 00 20 00 00 \
  | grep -q '^00 00 00 00 00 00 1f ff 00 00 02 00 00 00 00 00$' && ok || bad "READ CAPACITY(16)"
"$D" scsi "$img" 25 00 00 00 00 00 00 00 00 00 --block-size 2048 \
  | grep -q '^00 00 07 ff 00 00 08 00$' && ok || bad "READ CAPACITY(10) with 2048-byte blocks"

# WRITE(10) of one block at LBA 100 from a file: in the file afterwards.
i=0; : > "$tmp/blk"
while [ $i -lt 32 ]; do printf 'dmsim-write-test' >> "$tmp/blk"; i=$((i + 1)); done
"$D" scsi "$img" 2a 00 00 00 00 64 00 00 01 00 --data-out "$tmp/blk" > "$tmp/w.out"
[ $? -eq 0 ] && ok || bad "WRITE(10): $(cat "$tmp/w.out")"
dd if="$img" bs=512 skip=100 count=1 status=none | cmp -s - "$tmp/blk" && ok \
  || bad "WRITE(10) data is not in the file"
# Refused writes leave the file unchanged.
sum=$(cksum < "$img")
"$D" scsi "$img" 2a 00 00 00 20 00 00 00 01 00 --data-out "$tmp/blk" > "$tmp/r.hex"
grep -q '^# additional sense: 0x21/0x00' "$tmp/r.hex" && ok || bad "out-of-range WRITE: $(cat "$tmp/r.hex")"
"$D" scsi "$img" 2a 00 00 00 00 10 00 00 01 00 --data-out "$tmp/blk" --read-only > "$tmp/p.hex"
grep -q '^# sense key: DATA PROTECT' "$tmp/p.hex" && ok || bad "read-only WRITE: $(cat "$tmp/p.hex")"
if have sg_decode_sense; then
  sg_decode_sense --file="$tmp/p.hex" | grep -q "Data Protect" && ok || bad "sg_decode_sense (DATA PROTECT)"
fi
"$D" scsi "$img" 2a 00 00 00 00 10 00 00 02 00 --data-out "$tmp/blk" > "$tmp/short.out"
grep -q "^# the command moves 1024 bytes out; --data-out $tmp/blk holds 512\$" "$tmp/short.out" && ok \
  || bad "a short --data-out is not named: $(cat "$tmp/short.out")"
[ "$(cksum < "$img")" = "$sum" ] && ok || bad "a refused WRITE changed the file"
# A WRITE without --data-out: the image is opened read-only, and the output says so.
"$D" scsi "$img" 2a 00 00 00 00 10 00 00 01 00 > "$tmp/nodata.out"
grep -q '^# sense key: DATA PROTECT' "$tmp/nodata.out" \
  && grep -q '^# no --data-out: the image was opened read-only' "$tmp/nodata.out" && ok \
  || bad "WRITE without --data-out: $(cat "$tmp/nodata.out")"
[ "$(cksum < "$img")" = "$sum" ] && ok || bad "a WRITE without --data-out changed the file"
# A missing LUN: INQUIRY with peripheral qualifier 3, TUR 25/00.
"$D" scsi "$img" 12 00 00 00 24 00 --lun 3 | grep -q '^7f ' && ok || bad "missing LUN INQUIRY"
"$D" scsi "$img" 00 00 00 00 00 00 --lun 3 | grep -q '0x25/0x00' && ok || bad "missing LUN TUR"
# A second writer is refused, with a message, and nothing is written.
if have flock; then
  flock -x "$img" sleep 3 &
  holder=$!
  sleep 0.3
  "$D" scsi "$img" 2a 00 00 00 00 11 00 00 01 00 --data-out "$tmp/blk" > /dev/null 2> "$tmp/lock.err"
  st=$?
  kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
  [ $st -eq 2 ] && grep -q locked "$tmp/lock.err" && ok || bad "second writer: status $st, $(cat "$tmp/lock.err")"
  [ "$(cksum < "$img")" = "$sum" ] && ok || bad "the refused second writer changed the file"
else
  skip "flock(1) is not installed: the lock test cannot run"
fi
# Writes are never lost: a real-time run writing one block every 5 ms is
# stopped by SIGTERM mid-run; every WRITE whose GOOD status reached the
# trace is in the image file. Another is killed by SIGKILL (no trace then):
# the blocks written are a prefix of the sequence, each one whole.
durable() { # SIGNAL
  dimg="$tmp/durable-$1.img"
  dd if=/dev/zero of="$dimg" bs=512 count=256 status=none
  sc="$tmp/durable-$1.dms"
  { echo "scsi bus b"
    echo "scsi disk d bus b target 0 image \"durable-$1.img\" writable write-cache on"
    echo "scsi latency d write fixed 2ms"
    i=0
    while [ $i -lt 200 ]; do
      printf 'scsi command w%d d "2a 00 00 00 00 %02x 00 00 01 00" out 512 pattern byte %d at %dms\n' \
        $i $i $((i + 1)) $((i * 5))
      i=$((i + 1))
    done; } > "$sc"
  "$D" run "$sc" --quiet --realtime --trace "$tmp/durable-$1.jsonl" > /dev/null 2>&1 &
  pid=$!
  # Stop it once its first write is in the file (however slow the start
  # is on a loaded machine), 0.3 s into its one second of writes.
  n=0
  while [ $n -lt 100 ] && [ "$(od -An -tu1 -N1 "$dimg" | tr -d ' ')" != 1 ]; do
    sleep 0.05; n=$((n + 1))
  done
  sleep 0.3
  kill -"$1" "$pid"
  wait "$pid" 2>/dev/null
  st=$?
  if [ "$1" = KILL ]; then
    state=whole; n=0; i=0
    while [ $i -lt 200 ]; do
      v=$(dd if="$dimg" bs=512 skip=$i count=1 status=none | od -An -tu1 -v \
          | tr -s ' ' '\n' | grep -v '^$' | sort -u | tr '\n' ' ')
      case "$v" in
        "$((i + 1)) ") [ $state = whole ] && n=$((n + 1)) || state=gap-then-data ;;
        "0 ") [ $state = whole ] && state=zeros ;;
        *) state=torn ;;
      esac
      i=$((i + 1))
    done
    if [ $n -gt 0 ] && [ $n -lt 200 ] && [ $state = zeros ]; then ok
    else bad "durability (KILL): $n blocks written, state $state (status $st)"; fi
    return
  fi
  good=$(grep '"ev":"scsi-status"' "$tmp/durable-$1.jsonl" | grep -c '"scsi_status":"GOOD"')
  if [ "$good" -gt 0 ] && [ "$good" -lt 200 ]; then ok
  else bad "durability ($1): $good writes completed, expected a run stopped mid-way (status $st)"; fi
  lost=0
  for k in $(grep '"ev":"scsi-status"' "$tmp/durable-$1.jsonl" | grep '"scsi_status":"GOOD"' \
             | sed 's/.*"tag":\([0-9]*\).*/\1/'); do
    v=$(dd if="$dimg" bs=512 skip=$((k - 1)) count=1 status=none | od -An -tu1 -v \
        | tr -s ' ' '\n' | grep -v '^$' | sort -u)
    [ "$v" = "$k" ] || lost=$((lost + 1))
  done
  [ $lost -eq 0 ] && ok || bad "durability ($1): of $good completed writes, $lost write(s) missing from the file"
}
durable TERM
durable KILL

# Two .SCSIDisk drivers side by side, on two targets of one controller and
# on a second controller: each `open ALIAS` opens its own driver (by
# refNum, as OpenInstalledDriver does; Open by name finds only the first),
# each reads its own image's bytes (image N holds byte N; the reads are
# compared with a write of that byte elsewhere) and writes its own image.
two_disks() {
  for n in 1 2 3; do
    dd if=/dev/zero bs=1k count=64 status=none | tr '\000' "\\00$n" > "$tmp/two$n.img"
  done
  cat > "$tmp/two.dms" <<'DMS'
controller h0 builtin hba
controller h1 builtin hba path bundled
disk d1 controller h0 target 0 image "two1.img"
disk d2 controller h0 target 1 image "two2.img"
disk d3 controller h1 target 0 image "two3.img"
driver s1 builtin scsidisk disk d1
driver s2 builtin scsidisk disk d2
driver s3 builtin scsidisk disk d3
client c
  open s1 as o1
  open s2 as o2
  open s3 as o3
  read s1 512 at 0 as r1
  read s2 512 at 0 as r2
  read s3 512 at 0 as r3
  write s1 512 at 8k pattern byte 1 as w1
  write s2 512 at 8k pattern byte 2 as w2
  write s3 512 at 8k pattern byte 3 as w3
  write s1 512 at 16k pattern byte 0x71 as x1
  write s2 512 at 16k pattern byte 0x72 as x2
  write s3 512 at 16k pattern byte 0x73 as x3
end
expect o1 result noErr
expect o2 result noErr
expect o3 result noErr
expect data r1 equals w1
expect data r2 equals w2
expect data r3 equals w3
DMS
  "$D" run "$tmp/two.dms" > "$tmp/two.out" 2>&1; st=$?
  [ $st -eq 0 ] && ok || { bad "two .SCSIDisk drivers: run exited $st"; sed 's/^/  /' "$tmp/two.out" | head -5; }
  # The run ends with its last completion: the controllers' timeout watch
  # (armed while commands are on the bus) leaves no timer behind.
  grep -q "ran to 0.210000 ms" "$tmp/two.out" && ok \
    || bad "two .SCSIDisk drivers: $(head -1 "$tmp/two.out"), expected to end at 0.21 ms"
  for n in 1 2 3; do
    got=$(dd if="$tmp/two$n.img" bs=1 skip=16384 count=512 status=none | od -An -tx1 -v \
          | tr -s ' ' '\n' | grep -v '^$' | sort -u)
    [ "$got" = "7$n" ] && ok || bad "two .SCSIDisk drivers: image $n holds '$got' at 16k, expected 7$n"
  done
}
two_disks

# A failed final sync is an I/O error, exit 1, for `dmsim scsi` as for
# `dmsim disk write` (docs/dmsim.1): fsync made to fail with EIO by a
# preloaded shim (ASan is told that it need not come first).
failing_sync() {
  cat > "$tmp/failsync.c" <<'C'
#include <errno.h>
int fsync(int fd);
int fsync(int fd) { (void)fd; errno = EIO; return -1; }
C
  if ! ${CC:-cc} -shared -fPIC -o "$tmp/failsync.so" "$tmp/failsync.c" 2>"$tmp/cc"; then
    skip "failing sync: cannot build the fsync shim ($(head -1 "$tmp/cc"))"; return
  fi
  fimg="$tmp/fsync.img"
  dd if=/dev/zero of="$fimg" bs=1k count=64 status=none
  head -c 512 /dev/zero | tr '\000' 'S' > "$tmp/fsync.blk"
  pre() { LD_PRELOAD="$tmp/failsync.so" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"; }
  # A command that succeeds and syncs nothing itself (TEST UNIT READY, the
  # image opened writable by --data-out): only the final sync can fail it.
  # (A WRITE would fail first, in its own fsync: the disk's cache is off.)
  pre "$D" scsi "$fimg" 00 00 00 00 00 00 --data-out "$tmp/fsync.blk" >/dev/null 2>"$tmp/e"; st=$?
  [ $st -eq 1 ] && grep -q "fsync.img: the final sync failed" "$tmp/e" && ok \
    || bad "dmsim scsi with a failed final sync: exit $st, expected 1 ($(cat "$tmp/e"))"
  pre "$D" disk write "$fimg" --offset 4096 < "$tmp/fsync.blk" >/dev/null 2>"$tmp/e"; st=$?
  [ $st -eq 1 ] && grep -q "fsync.img: the final sync failed" "$tmp/e" && ok \
    || bad "dmsim disk write with a failed final sync: exit $st, expected 1 ($(cat "$tmp/e"))"
  # Bad usage stays 2 whatever the sync does: a CDB refused after the image
  # was opened writable (a transfer larger than dmsim moves), so that the
  # final sync runs and fails too.
  pre "$D" scsi "$fimg" 8a 00 00 00 00 00 00 00 00 00 ff ff ff ff 00 00 --data-out "$tmp/fsync.blk" >/dev/null 2>"$tmp/e"; st=$?
  [ $st -eq 2 ] && grep -q "the final sync failed" "$tmp/e" && ok \
    || bad "dmsim scsi bad CDB with a failing sync: exit $st, expected 2 ($(cat "$tmp/e"))"
}
failing_sync

# Bad usage.
"$D" scsi "$img" 12 0g > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "bad CDB hex should exit 2"
"$D" scsi "$tmp/missing.img" 00 > /dev/null 2> "$tmp/e"; [ $? -eq 2 ] && grep -q missing.img "$tmp/e" \
  && ok || bad "missing image should exit 2 naming it"
"$D" disk info > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "disk info without IMAGE should exit 2"
"$D" disk frobnicate > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown disk subcommand should exit 2"

[ $skipped -eq 0 ] || echo "scsi: $skipped test group(s) skipped: a tool is missing (see above)"
finish scsi
