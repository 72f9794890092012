#!/usr/bin/env bash
# `drover bench dtls`, tiny: 200 clients handshake over DTLS-PSK (cookie exchange, derived keys)
# with the server in its child process, register, send Updates for 0.5 s beside the ideal
# responder's NoSec ones, then drop their sessions and resume them with the server's tickets, and
# last register anew over X.509 (a certificate each, of a CA the bench makes). It checks that
# every full PSK handshake completed, that every row has operations and no failures, that the
# resumed handshakes were all abbreviated ones and that the server's RSS was read with every
# session; it asserts nothing about rates (figures are for docs/benchmarks.md, taken on a quiet
# machine).
source "$(dirname "$0")/interop_lib.sh"

OUT=$WORK/bench-dtls.log
timeout 110 "$DROVER" bench dtls --clients 200 --duration 0.5 --window 32 --rate 20000 \
  --server-cpus -1 --load-cpu -1 >"$OUT" 2>&1 || fail "drover bench dtls exited with status $?"
cat "$OUT"

for name in ideal psk-handshake psk-update psk-resumed x509-handshake; do
  read -r ops failed timeouts <<<"$(awk -v name="$name" '$1 == name { print $2, $(NF-2), $(NF-1) }' "$OUT")"
  [[ -n ${ops:-} ]] || fail "no row for $name"
  ((ops > 0)) || fail "$name: no successful operation"
  ((failed == 0 && timeouts == 0)) || fail "$name: $failed failed, $timeouts timed out"
  pass "$name: $ops operations"
done
read -r handshakes <<<"$(awk '$1 == "psk-handshake" { print $2 }' "$OUT")"
((handshakes == 200)) || fail "psk-handshake: $handshakes of 200 handshakes"
grep -q "^note: psk-resumed: .* full ones" "$OUT" && fail "psk-resumed: some handshakes were not resumed"
grep -q "^dtls memory: 200 sessions; server RSS" "$OUT" || fail "no reading of the server's RSS with 200 sessions"
pass "dtls: 200 handshakes, Updates over the sessions, resumed and X.509 handshakes, the server's RSS per session"
finish
