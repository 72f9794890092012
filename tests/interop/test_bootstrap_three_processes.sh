#!/usr/bin/env bash
# Three processes: `drover client --bootstrap coap://` → `drover bootstrap-server --dm-api` →
# `drover server`. The bootstrap server puts the PSK the device's configuration gives for the
# separate server in that server's credentials through its HTTPS API (its certificate checked,
# with its token), so the device, given nothing but the bootstrap URI, registers over DTLS with it
# at once. A device whose configuration names another server pushes nothing, and a push the API
# refuses is logged.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"

TOKEN=$(printf 'drover-test-token-%s' "$$")
printf '%s\n' "$TOKEN" >"$WORK/token"
(cd "$WORK" && new_ca api-ca && new_cert api api-ca "IP:127.0.0.1")
api() { timeout 10 curl -sS --cacert "$WORK/api-ca.crt" -H "Authorization: Bearer $TOKEN" "$@"; }
http_has() {  # as interop_lib's, with the token
  local i
  for i in $(seq 1 100); do
    grep -qF -- "$2" <<<"$(api "$HTTP/$1" 2>/dev/null)" && return 0
    sleep 0.1
  done
  return 1
}

start_server --coaps --coaps-port 0 --api-token-file "$WORK/token" \
  --https-cert "$WORK/api.crt" --https-key "$WORK/api.key"
[[ $HTTP == https://* ]] || fail "the server's API is not on HTTPS: $HTTP"
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"

# dev: its DM account is the server's coaps with PSK dm-id; other's is another server's.
printf '{"dev": {"servers": [
  {"security": {"uri": "coaps://127.0.0.1:%s", "mode": "psk", "identity_text": "dm-id", "secret_key": "%s", "ssid": 1}, "server": {"lifetime": 60}}]},
 "other": {"servers": [
  {"security": {"uri": "coaps://127.0.0.1:%s", "mode": "psk", "identity_text": "other-id", "secret_key": "%s", "ssid": 1}, "server": {"lifetime": 60}}]},
 "taken": {"servers": [
  {"security": {"uri": "coaps://127.0.0.1:%s", "mode": "psk", "identity_text": "dm-id", "secret_key": "%s", "ssid": 1}, "server": {"lifetime": 60}}]}}' \
  "$COAPS" "$(hex dm-secret)" "$((COAPS == 65535 ? COAPS - 1 : COAPS + 1))" "$(hex other-secret)" \
  "$COAPS" "$(hex taken-secret)" >"$WORK/bs.json"
start bs "$DROVER" bootstrap-server --address 127.0.0.1 --port 0 --store memory --no-http \
  --config "$WORK/bs.json" --dm-api "$HTTP" --dm-uri "coaps://127.0.0.1:$COAPS" \
  --dm-api-token-file "$WORK/token" --dm-api-ca "$WORK/api-ca.crt"
BS_LOG=$WORK/bs.log
log_has -E 'bootstrap server listening on coap://127\.0\.0\.1:[0-9]+' "$BS_LOG" ||
  fail "drover bootstrap-server did not start"
BS_PORT=$(sed -nE 's/.*bootstrap server listening on coap:\/\/127\.0\.0\.1:([0-9]+).*/\1/p' "$BS_LOG")

start client "$DROVER" client --endpoint dev --bootstrap "coap://127.0.0.1:$BS_PORT" --duration 60
CLIENT_PID=$LAST_PID
log_has "bootstrap dev: psk:dm-id put in $HTTP" "$BS_LOG" || fail "dev's PSK was not pushed"
got=$(api "$HTTP/api/security/dev")
grep -qF '"identity":"dm-id","key_set":true' <<<"$got" || fail "GET /api/security/dev: $got"
grep -qF '"source":"bootstrap"' <<<"$got" || fail "the entry is not marked as from bootstrap: $got"
pass "the bootstrap server puts dev's PSK for the separate server through its API, marked as from bootstrap"

http_has api/clients/dev '"identity":"psk:dm-id"' ||
  fail "dev did not register over coaps with the PSK pushed: $(cat "$WORK/client.log")"
log_has "DTLS to coaps://127.0.0.1:$COAPS with PSK identity dm-id" "$WORK/client.log" ||
  fail "the client did not say it secured the account"
pass "dev, from nothing but the bootstrap URI, registers with the separate server over DTLS-PSK"

timeout 20 "$DROVER" client --endpoint other --bootstrap "coap://127.0.0.1:$BS_PORT" --duration 2 \
  >"$WORK/other.out" 2>&1 || true
log_has 'bootstrap other: finished' "$BS_LOG" || fail "other was not bootstrapped"
[[ $(api -o /dev/null -w '%{http_code}' "$HTTP/api/security/other") == 404 ]] ||
  fail "a configuration naming another server pushed credentials"
grep -q 'bootstrap other: .* put in' "$BS_LOG" && fail "other's credentials were pushed"
pass "a configuration naming another server pushes nothing"

# taken gives dev's identity: the server refuses it (409), the bootstrap server logs it.
timeout 20 "$DROVER" client --endpoint taken --bootstrap "coap://127.0.0.1:$BS_PORT" --duration 2 \
  >"$WORK/taken.out" 2>&1 || true
log_has -E "bootstrap taken: its credentials were not put in .*HTTP 409" "$BS_LOG" ||
  fail "a refused push was not logged"
pass "a push the server refuses is logged with its status"

kill -INT "$CLIENT_PID"
timeout 20 tail --pid="$CLIENT_PID" -f /dev/null || fail "drover client did not stop"
finish
