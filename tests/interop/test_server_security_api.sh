#!/usr/bin/env bash
# DTLS credentials managed through the HTTP API of `drover server`: a PSK put with
# PUT /api/security/{endpoint} holds for the next handshake (libcoap's coap-client-gnutls registers
# with it, a NoSec Register of the endpoint gets 4.03), its key is never answered, the handshakes
# show in /metrics; after a restart on the same data folder the credential is still there (the
# server listens for coaps without --coaps for it) and `drover client` registers with it; after a
# DELETE the live session of drover client ends at once (close_notify, counted as revoked), the
# key no longer opens a session and the endpoint may register over NoSec.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
command -v coap-client-gnutls >/dev/null || fail "coap-client-gnutls not found (package libcoap3-bin)"

KEY=$(hex api-secret)

coaps_port() {
  sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG"
}
api() { timeout 10 curl -sS "$@"; }

start_server --coaps --coaps-port 0
COAPS=$(coaps_port)
[[ -n $COAPS ]] || fail "no coaps port in the server's log"
pass "drover server --coaps listens on coaps://127.0.0.1:$COAPS with no credentials given"

put=$(api -X PUT -w ' %{http_code}' "$HTTP/api/security/api-dev" \
  -d "{\"credentials\":[{\"type\":\"psk\",\"identity\":\"api-id\",\"key\":\"$KEY\"}]}")
[[ $put == *' 201' ]] || fail "PUT /api/security/api-dev: $put"
got=$(api "$HTTP/api/security/api-dev")
grep -q '"identity":"api-id","key_set":true' <<<"$got" || fail "GET /api/security/api-dev: $got"
if grep -q "$KEY" <<<"$got$put$(api "$HTTP/api/security")"; then fail "the key was answered"; fi
pass "a PSK is put through the API; its key is shown as set, never answered"

register() {  # register PORT-SCHEME ARGS...: a Register with libcoap's trace, its output
  local uri=$1
  shift
  timeout 30 "$@" -B 10 -v 6 -m post -t 40 -e '</1/0>,</3/0>' "$uri/rd?ep=api-dev&lt=60&lwm2m=1.1" \
    2>&1 || true
}
out=$(register "coaps://127.0.0.1:$COAPS" coap-client-gnutls -u api-id -k api-secret)
grep -q 'c:2.01' <<<"$out" || fail "Register over coaps with the API's PSK not answered 2.01: $out"
grep -q '"identity":"psk:api-id"' <<<"$(api "$HTTP/api/clients/api-dev")" ||
  fail "api-dev is not listed with identity psk:api-id"
out=$(register "coap://127.0.0.1:$PORT" coap-client-notls)
grep -q 'c:4.03' <<<"$out" || fail "a NoSec Register of api-dev not answered 4.03: $out"
pass "coap-client-gnutls registers with the PSK at once; NoSec of the endpoint gets 4.03"

metrics=$(api "$HTTP/metrics")
grep -q '^drover_dtls_handshakes_total{outcome="completed"} [1-9]' <<<"$metrics" ||
  fail "no completed handshake in /metrics: $(grep drover_dtls <<<"$metrics")"
grep -q '^drover_dtls_credentials 1$' <<<"$metrics" || fail "drover_dtls_credentials is not 1"
pass "/metrics counts the DTLS handshakes"

# A stop, then a start on the same data folder without --coaps: the kept credential opens coaps.
kill -TERM "$SERVER_PID"
timeout 20 tail --pid="$SERVER_PID" -f /dev/null || fail "the server did not stop"
mv "$WORK/server.log" "$WORK/server1.log"
start_server --coaps-port 0
COAPS=$(coaps_port)
[[ -n $COAPS ]] || fail "no coaps after the restart with a kept credential"
grep -q '"identity":"api-id","key_set":true' <<<"$(api "$HTTP/api/security/api-dev")" ||
  fail "the credential did not survive the restart"
start client "$DROVER" client --endpoint api-dev --server "coaps://127.0.0.1:$COAPS" \
  --psk-identity api-id --psk-key "$KEY" --lifetime 60 --duration 60
CLIENT_PID=$LAST_PID
# The registration the restart kept is listed already: wait for drover client's own.
for i in $(seq 1 100); do
  grep -q 'registered api-dev' "$LOG" && break
  sleep 0.1
done
grep -q 'registered api-dev' "$LOG" || fail "drover client did not register over coaps after the restart"
grep -q '"identity":"psk:api-id"' <<<"$(api "$HTTP/api/clients/api-dev")" ||
  fail "api-dev is not listed with identity psk:api-id after the restart"
pass "after a restart the credential is kept and drover client registers with it"

[[ $(api -o /dev/null -w '%{http_code}' -X DELETE "$HTTP/api/security/api-dev") == 200 ]] ||
  fail "DELETE /api/security/api-dev"
metrics=$(api "$HTTP/metrics")
grep -q '^drover_dtls_sessions_ended_total{why="revoked"} 1$' <<<"$metrics" ||
  fail "no session counted as revoked: $(grep sessions_ended <<<"$metrics")"
grep -q '^drover_dtls_sessions 0$' <<<"$metrics" || fail "a DTLS session is still up"
pass "DELETE ends the live session its PSK opened (close_notify, counted as revoked)"
# It cannot de-register any more (its key opens nothing): stopped for good.
kill -KILL "$CLIENT_PID"
out=$(timeout 30 coap-client-gnutls -B 3 -u api-id -k api-secret -m get \
  "coaps://127.0.0.1:$COAPS/.well-known/core" 2>&1 || true)
if grep -q 'c:2\.' <<<"$out"; then fail "a deleted PSK still opened a session: $out"; fi
grep -q '^drover_dtls_handshake_failures_total{reason="unknown_identity"} [1-9]' \
  <<<"$(api "$HTTP/metrics")" || fail "the refused handshake is not counted"
out=$(register "coap://127.0.0.1:$PORT" coap-client-notls)
grep -q 'c:2.01' <<<"$out" || fail "NoSec Register of api-dev after DELETE not answered 2.01: $out"
pass "after DELETE the PSK opens no session (counted as an unknown identity); NoSec may register"

finish
