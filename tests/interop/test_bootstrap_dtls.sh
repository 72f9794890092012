#!/usr/bin/env bash
# `drover server --coaps --bootstrap-port`: a bootstrap configuration whose Security instance is
# this server's coaps URI in PSK mode binds its identity and key to the endpoint being
# bootstrapped (GET /api/security shows it, "source": "bootstrap", kept across a restart); the
# device, given nothing but the bootstrap server's URI, registers over DTLS with them at once,
# while a NoSec Register of the endpoint gets 4.03.
# A configuration naming another server binds nothing.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"

KEY=$(hex boot-secret)
api() { timeout 10 curl -sS "$@"; }
wait_log() {
  local i
  for i in $(seq 1 100); do
    grep -qE "$1" "$LOG" && return 0
    sleep 0.1
  done
  return 1
}

BS_PORT=$(free_udp_port)
start_server --coaps --coaps-port 0 --bootstrap-port "$BS_PORT"
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"

config() {  # config URI IDENTITY: a PSK account of ssid 1
  printf '{"servers": [{"security": {"uri": "%s", "mode": "psk", "identity_text": "%s", "secret_key": "%s", "ssid": 1}, "server": {"lifetime": 60}}]}' \
    "$1" "$2" "$KEY"
}
put=$(api -X PUT -w ' %{http_code}' "$HTTP/api/bootstrap/configs/dev" -d "$(config "coaps://127.0.0.1:$COAPS" dev-id)")
[[ $put == *' 201' ]] || fail "PUT /api/bootstrap/configs/dev: $put"
put=$(api -X PUT -w ' %{http_code}' "$HTTP/api/bootstrap/configs/other" -d "$(config "coaps://127.0.0.1:$((COAPS == 65535 ? COAPS - 1 : COAPS + 1))" other-id)")
[[ $put == *' 201' ]] || fail "PUT /api/bootstrap/configs/other: $put"

# dev starts from nothing but the bootstrap server's URI (NoSec) and registers over coaps with
# the PSK its configuration gives.
start client "$DROVER" client --endpoint dev --bootstrap "coap://127.0.0.1:$BS_PORT" --duration 60
CLIENT_PID=$LAST_PID
wait_log 'bootstrap dev: started' || fail "dev was not bootstrapped: $(cat "$WORK/client.log")"
wait_log 'bootstrap dev: psk:dev-id bound for coaps' || fail "the PSK of dev was not bound"
got=$(api "$HTTP/api/security/dev")
grep -qF '"identity":"dev-id","key_set":true' <<<"$got" || fail "GET /api/security/dev: $got"
grep -qF '"source":"bootstrap"' <<<"$got" || fail "the entry of dev is not marked as from bootstrap: $got"
grep -q "$KEY" <<<"$got" && fail "the key was answered: $got"
pass "bootstrapping dev binds its PSK for this server's coaps, marked as from bootstrap"

http_has api/clients/dev '"identity":"psk:dev-id"' ||
  fail "dev did not register over coaps with the bootstrap's PSK: $(cat "$WORK/client.log")"
log_has "DTLS to coaps://127.0.0.1:$COAPS with PSK identity dev-id" "$WORK/client.log" ||
  fail "the client did not say it secured the account: $(cat "$WORK/client.log")"
out=$(timeout 20 "$DROVER" client --endpoint dev --server "coap://127.0.0.1:$PORT" --duration 2 2>&1 || true)
grep -q '4\.03' <<<"$out" || fail "a NoSec Register of dev was not refused: $out"
pass "dev, from nothing but the bootstrap URI, registers over DTLS with the PSK it was given; NoSec is refused for it"

out=$(timeout 20 "$DROVER" client --endpoint other --bootstrap "coap://127.0.0.1:$BS_PORT" --duration 2 2>&1 || true)
wait_log 'bootstrap other: started' || fail "other was not bootstrapped: $out"
[[ $(api -o /dev/null -w '%{http_code}' "$HTTP/api/security/other") == 404 ]] ||
  fail "a configuration naming another server bound credentials"
pass "a configuration naming another coaps port binds nothing"

kill -INT "$CLIENT_PID"
timeout 20 tail --pid="$CLIENT_PID" -f /dev/null || fail "drover client did not stop"
kill -TERM "$SERVER_PID"
timeout 20 tail --pid="$SERVER_PID" -f /dev/null || fail "the server did not stop"
mv "$WORK/server.log" "$WORK/server1.log"
start_server --coaps-port 0 --bootstrap-port "$BS_PORT"
got=$(api "$HTTP/api/security/dev")
grep -qF '"identity":"dev-id","key_set":true' <<<"$got" && grep -qF '"source":"bootstrap"' <<<"$got" ||
  fail "the bootstrap's credential did not survive the restart: $got"
pass "the bootstrap's credential is kept in the data folder across a restart"

finish
