#!/bin/sh
# tests/disk.sh DMSIM - `dmsim disk read` and `dmsim disk write` through the
# whole SCSI stack: random offsets and lengths (seeded) on both paths and
# several depths give exactly the image's bytes; written bytes are in the
# file afterwards and nothing else changed; bad usage exits 2 and leaves
# the file alone.
. tests/lib.sh
img="$tmp/img"
head -c 1048576 /dev/urandom > "$img"

slice() { # FILE OFFSET LENGTH: those bytes of FILE
  tail -c +$(($2 + 1)) "$1" | head -c "$3"
}

seed=12345
rnd() { # a number in [0, $1) from a small LCG, in $r
  seed=$(( (seed * 1103515245 + 12345) % 2147483648 ))
  r=$(( seed % $1 ))
}

for path in task bundled; do
  for depth in 1 4 32; do
    for i in 1 2 3; do
      rnd 1000000; off=$r
      rnd 48000; len=$((r + 1))
      if "$DMSIM" disk read "$img" --offset $off --length $len --path $path --depth $depth \
           > "$tmp/out" 2> "$tmp/err" &&
         slice "$img" $off $len | cmp -s - "$tmp/out"; then ok
      else bad "read $path depth $depth offset $off length $len"; head -3 "$tmp/err"; fi
    done
  done
done

for path in task bundled; do
  for depth in 1 8; do
    cp "$img" "$tmp/before"
    rnd 1000000; off=$r
    rnd 20000; len=$((r + 1))
    head -c $len /dev/urandom > "$tmp/data"
    "$DMSIM" disk write "$img" --offset $off --path $path --depth $depth < "$tmp/data" \
      2> "$tmp/err" || bad "write $path depth $depth: status $?"
    head -c $off "$tmp/before" > "$tmp/h1"; head -c $off "$img" > "$tmp/h2"
    tail -c +$((off + len + 1)) "$tmp/before" > "$tmp/t1"; tail -c +$((off + len + 1)) "$img" > "$tmp/t2"
    if slice "$img" $off $len | cmp -s - "$tmp/data" && cmp -s "$tmp/h1" "$tmp/h2" &&
       cmp -s "$tmp/t1" "$tmp/t2"; then ok
    else bad "write $path depth $depth offset $off length $len"; head -3 "$tmp/err"; fi
  done
done

# Refused commands: exit 2, the file unchanged.
cp "$img" "$tmp/before"
for args in "--offset 1048572" "--offset x" "--offset 0 --path fast" "--depth 0 --offset 0" \
            "--offset 0 --length 5"; do
  echo hello | "$DMSIM" disk write "$img" $args > /dev/null 2>&1
  st=$?
  if [ $st -eq 2 ] && cmp -s "$img" "$tmp/before"; then ok; else bad "write $args: status $st"; fi
done
"$DMSIM" disk read "$img" --offset 1048000 --length 1000 > "$tmp/out" 2> "$tmp/err"
if [ $? -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q -- "--offset" "$tmp/err"; then ok
else bad "read beyond the end: not refused with status 2"; fi
finish disk
