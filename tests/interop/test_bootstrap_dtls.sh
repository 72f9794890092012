#!/usr/bin/env bash
# `drover server --coaps --bootstrap-port`: a bootstrap configuration whose Security instance is
# this server's coaps URI in PSK mode binds its identity and key to the endpoint being
# bootstrapped (GET /api/security shows it, "source": "bootstrap", kept across a restart); the
# device registers over DTLS with them at once, while a NoSec Register of the endpoint gets 4.03.
# A configuration naming another server binds nothing.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"

hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
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

# The bootstrapping client cannot use coaps itself yet: it is bootstrapped, then the same
# credentials are given to a client of the coaps URI.
timeout 30 "$DROVER" client --endpoint dev --bootstrap "coap://127.0.0.1:$BS_PORT" --duration 2 \
  >"$WORK/bootstrap-client.log" 2>&1 || true
wait_log 'bootstrap dev: started' || fail "dev was not bootstrapped: $(cat "$WORK/bootstrap-client.log")"
wait_log 'bootstrap dev: psk:dev-id bound for coaps' || fail "the PSK of dev was not bound"
got=$(api "$HTTP/api/security/dev")
grep -qF '"identity":"dev-id","key_set":true' <<<"$got" || fail "GET /api/security/dev: $got"
grep -qF '"source":"bootstrap"' <<<"$got" || fail "the entry of dev is not marked as from bootstrap: $got"
grep -q "$KEY" <<<"$got" && fail "the key was answered: $got"
pass "bootstrapping dev binds its PSK for this server's coaps, marked as from bootstrap"

out=$(timeout 20 "$DROVER" client --endpoint other --bootstrap "coap://127.0.0.1:$BS_PORT" --duration 2 2>&1 || true)
wait_log 'bootstrap other: started' || fail "other was not bootstrapped: $out"
[[ $(api -o /dev/null -w '%{http_code}' "$HTTP/api/security/other") == 404 ]] ||
  fail "a configuration naming another server bound credentials"
pass "a configuration naming another coaps port binds nothing"

start client "$DROVER" client --endpoint dev --server "coaps://127.0.0.1:$COAPS" \
  --psk-identity dev-id --psk-key "$KEY" --lifetime 60 --duration 60
CLIENT_PID=$LAST_PID
for i in $(seq 1 100); do
  grep -qF '"identity":"psk:dev-id"' <<<"$(api "$HTTP/api/clients/dev")" && break
  sleep 0.1
done
grep -qF '"identity":"psk:dev-id"' <<<"$(api "$HTTP/api/clients/dev")" ||
  fail "dev did not register over coaps with the bootstrap's PSK: $(cat "$WORK/client.log")"
out=$(timeout 20 "$DROVER" client --endpoint dev --server "coap://127.0.0.1:$PORT" --duration 2 2>&1 || true)
grep -q '4\.03' <<<"$out" || fail "a NoSec Register of dev was not refused: $out"
pass "dev registers over DTLS with the PSK at once; NoSec is refused for it"

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
