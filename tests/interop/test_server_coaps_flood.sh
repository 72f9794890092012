#!/usr/bin/env bash
# A DTLS handshake flood against `drover server` from 2,000 loopback addresses (127.1.x.y), each a
# libcoap coap-client-gnutls that goes through the cookie exchange and offers a PSK identity the
# server does not know. A device registered over DTLS beforehand keeps being served throughout;
# afterwards no handshake or session of the flood is left, and the server's memory grew by little.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
command -v coap-client-gnutls >/dev/null || fail "coap-client-gnutls not found (package libcoap3-bin)"

cat >"$WORK/psk.txt" <<PSK
dev dev-id 00112233445566778899aabbccddeeff
PSK
# Under AddressSanitizer freed memory waits in a quarantine (256 MiB by default) before reuse,
# which would read as growth; a small one keeps the bound meaningful in the sanitizer build.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
start_server --coaps-port 0 --psk-file "$WORK/psk.txt"
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"

api() { timeout 10 curl -sS "$HTTP$1"; }
metric() { api /metrics | awk -v name="$1" '$1 == name { print $2 }'; }
SERVER=$(pgrep -P "$SERVER_PID" -n)  # drover itself, under `timeout`
[[ -n $SERVER ]] || fail "no server process"
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER/status"; }
read_ok() { grep -q '"path":"/3/0/0"' <<<"$(timeout 15 curl -sS "$HTTP/api/clients/dev/3/0/0")"; }

start client "$DROVER" client --endpoint dev --server "coaps://127.0.0.1:$COAPS" \
  --psk-identity dev-id --psk-key 00112233445566778899aabbccddeeff --lifetime 60 --duration 100
for i in $(seq 1 100); do
  grep -q '"identity":"psk:dev-id"' <<<"$(api /api/clients/dev)" && break
  sleep 0.1
done
read_ok || fail "the device did not register over coaps"
before=$(rss_kib)
pass "a device registered over DTLS-PSK; server RSS $before KiB"

# The flood, 32 handshakes at a time; each client gives up after 2 s.
FLOOD=2000
export COAPS
seq 0 $((FLOOD - 1)) | xargs -P 32 -I{} sh -c \
  'i={}; timeout 5 coap-client-gnutls -a 127.1.$((i / 250)).$((i % 250 + 1)) -B 2 \
     -u "flood-$i" -k wrong -m get "coaps://127.0.0.1:$COAPS/rd" >/dev/null 2>&1 || true' &
flood=$!
reads=0
while kill -0 "$flood" 2>/dev/null; do
  read_ok || fail "a Read of the registered device failed during the flood"
  reads=$((reads + 1))
  sleep 0.5
done
wait "$flood" || true
((reads >= 1)) || fail "the flood ended before a Read could be made during it"
pass "the registered device answered all $reads Reads made during the flood"

failures=$(api /metrics | awk '/^drover_dtls_handshake_failures_total/ { sum += $2 } END { print sum + 0 }')
cookies=$(metric drover_dtls_cookies_sent_total)
((failures >= FLOOD * 9 / 10)) || fail "only $failures failed handshakes counted for $FLOOD flooders"
((cookies >= FLOOD)) || fail "only $cookies cookies sent for $FLOOD flooders"
sessions=$(metric drover_dtls_sessions)
[[ $sessions == 1 ]] || fail "sessions after the flood: $sessions (expected the device's only)"
# Half-open handshakes of flooders that gave up end with the handshake timeout.
for i in $(seq 1 40); do
  [[ $(metric drover_dtls_handshakes_in_progress) == 0 ]] && break
  sleep 1
done
[[ $(metric drover_dtls_handshakes_in_progress) == 0 ]] || fail "half-open handshakes left"
after=$(rss_kib)
growth=$(((after - before) / 1024))
((growth < 32)) || fail "server RSS grew by $growth MiB during the flood ($before -> $after KiB)"
pass "$failures handshakes refused, $cookies cookies; 1 session left, none half-open; RSS +$growth MiB"

read_ok || fail "a Read after the flood failed"
grep -q '"identity":"psk:dev-id"' <<<"$(api /api/clients/dev)" || fail "the device lost its registration"
pass "the device is still registered and served after the flood"

finish
