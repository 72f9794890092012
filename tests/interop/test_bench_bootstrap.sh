#!/usr/bin/env bash
# `drover bench bootstrap`, tiny: 50 devices bootstrap over and over for 1 s against the bootstrap
# server core (on its own thread) and against the ideal responder playing the same requests. It
# checks that both completed bootstraps without failures or timeouts and that the server finished
# every session it started bar those under way at the end; it asserts nothing about rates
# (figures are for docs/benchmarks.md, taken on a quiet machine).
source "$(dirname "$0")/interop_lib.sh"

OUT=$WORK/bench-bootstrap.log
timeout 60 "$DROVER" bench bootstrap --clients 50 --duration 1 --window 16 \
  --server-cpus -1 --load-cpu -1 >"$OUT" 2>&1 || fail "drover bench bootstrap exited with status $?"
cat "$OUT"

for name in ideal/bs bootstrap; do
  read -r ops failed timeouts <<<"$(awk -v name="$name" '$1 == name { print $2, $(NF-2), $(NF-1) }' "$OUT")"
  [[ -n ${ops:-} ]] || fail "no row for $name"
  ((ops >= 50)) || fail "$name: only $ops bootstraps completed"
  ((failed == 0 && timeouts == 0)) || fail "$name: $failed failed, $timeouts timed out"
  pass "$name: $ops complete bootstraps"
done
# note: bootstrap server: R Bootstrap-Requests accepted, F finished, X failed, Y refused
read -r requests finished failed refused <<<"$(sed -n 's|^note: bootstrap server: \([0-9]*\) Bootstrap-Requests accepted, \([0-9]*\) finished, \([0-9]*\) failed, \([0-9]*\) refused$|\1 \2 \3 \4|p' "$OUT")"
[[ -n ${requests:-} ]] || fail "no note of the bootstrap server's counters"
((failed == 0 && refused == 0)) || fail "the bootstrap server failed $failed sessions and refused $refused"
((finished > 0 && requests - finished <= 16)) ||
  fail "the bootstrap server finished $finished of $requests sessions"
pass "the bootstrap server finished $finished sessions of $requests, none failed"
finish
