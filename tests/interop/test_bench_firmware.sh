#!/usr/bin/env bash
# `drover bench firmware`, tiny: 20 devices pull a 16 KiB image over CoAP Block2 from the server
# (in a child process) and from the ideal responder. It checks that both answered blocks without
# failures and that devices reassembled the whole image with its checksum, never another; it
# asserts nothing about rates (figures are for docs/benchmarks.md, taken on a quiet machine).
source "$(dirname "$0")/interop_lib.sh"

OUT=$WORK/bench-firmware.log
# 20 devices × 16 blocks: every device has the image whole within a fraction of the 1.5 s.
timeout 60 "$DROVER" bench firmware --clients 20 --image-size 16384 --duration 1.5 --window 8 \
  --server-cpus -1 --load-cpu -1 >"$OUT" 2>&1 || fail "drover bench firmware exited with status $?"
cat "$OUT"

for name in ideal/fw firmware; do
  read -r ops failed timeouts <<<"$(awk -v name="$name" '$1 == name { print $2, $(NF-2), $(NF-1) }' "$OUT")"
  [[ -n ${ops:-} ]] || fail "no row for $name"
  ((ops > 0)) || fail "$name: no block received"
  ((failed == 0 && timeouts == 0)) || fail "$name: $failed failed, $timeouts timed out"
  # note: NAME: N images pulled whole with the image's checksum, M corrupt
  read -r whole corrupt <<<"$(sed -n "s|^note: $name: \([0-9]*\) images pulled whole with the image's checksum, \([0-9]*\) corrupt$|\1 \2|p" "$OUT")"
  [[ -n ${whole:-} ]] || fail "$name: no note of the images pulled"
  ((whole >= 20)) || fail "$name: only $whole images pulled whole"
  ((corrupt == 0)) || fail "$name: $corrupt images reassembled with another checksum"
  pass "$name: $ops blocks, $whole images whole and checked"
done
grep -q '^note: server RSS: idle .* MiB, 20 devices registered .* MiB' "$OUT" ||
  fail "no reading of the server's RSS with the 20 devices registered"
pass "the server's RSS read idle, registered and pulling"
finish
