#!/usr/bin/env bash
# Bootstrap over DTLS: `drover server --bootstrap-port --bootstrap-coaps-port` accepts the PSK a
# configuration's bootstrap account gives. A device given nothing but `--bootstrap coaps://` and
# that PSK is bootstrapped over DTLS and registers over DTLS with the PSK of its DM account; a
# wrong key gets no session, another endpoint's name over that identity gets 4.03, as does NoSec
# for the secured endpoint; libcoap's coap-client-gnutls gets 2.04 for a raw Bootstrap-Request,
# from it and from `drover bootstrap-server --coaps-port` (with --psk-file too).
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
command -v coap-client-gnutls >/dev/null || fail "coap-client-gnutls not found (package libcoap3-bin)"

api() { timeout 10 curl -sS "$@"; }

BS_PORT=$(free_udp_port)
start_server --coaps --coaps-port 0 --bootstrap-port "$BS_PORT" --bootstrap-coaps-port 0
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
BS_COAPS=$(sed -nE 's/.*LwM2M bootstrap server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS && -n $BS_COAPS ]] || fail "no coaps ports in the server's log"

# dev: its DM account is this server's coaps with PSK dm-id, its bootstrap account PSK dev-bs.
put=$(api -X PUT -w ' %{http_code}' "$HTTP/api/bootstrap/configs/dev" -d "$(printf '{"servers": [
  {"security": {"uri": "coaps://127.0.0.1:%s", "mode": "psk", "identity_text": "dm-id", "secret_key": "%s", "ssid": 1}, "server": {"lifetime": 60}},
  {"security": {"uri": "coaps://127.0.0.1:%s", "bootstrap": true, "mode": "psk", "identity_text": "dev-bs", "secret_key": "%s"}}]}' \
  "$COAPS" "$(hex dm-secret)" "$BS_COAPS" "$(hex bs-secret)")")
[[ $put == *' 201' ]] || fail "PUT /api/bootstrap/configs/dev: $put"
put=$(api -X PUT -w ' %{http_code}' "$HTTP/api/bootstrap/configs/plain" -d "$(printf '{"servers": [
  {"security": {"uri": "coap://127.0.0.1:%s", "ssid": 1}, "server": {"lifetime": 60}}]}' "$PORT")")
[[ $put == *' 201' ]] || fail "PUT /api/bootstrap/configs/plain: $put"

start client "$DROVER" client --endpoint dev --bootstrap "coaps://127.0.0.1:$BS_COAPS" \
  --psk-identity dev-bs --psk-key "$(hex bs-secret)" --duration 60
CLIENT_PID=$LAST_PID
log_has -E 'bootstrap dev: finished' "$LOG" || fail "dev was not bootstrapped"
log_has "dev: DTLS session up to the bootstrap server" "$WORK/client.log" ||
  fail "dev did not say it bootstrapped over DTLS"
http_has api/clients/dev '"identity":"psk:dm-id"' ||
  fail "dev did not register over coaps with the PSK it was given"
pass "a device given only --bootstrap coaps:// and a PSK bootstraps over DTLS and registers over DTLS"

out=$(timeout 20 "$DROVER" client --endpoint dev --bootstrap "coaps://127.0.0.1:$BS_COAPS" \
  --psk-identity dev-bs --psk-key "$(hex wrong-secret)" --duration 3 2>&1 || true)
# DTLS drops the records it cannot decrypt (RFC 6347 §4.1.2.7): no session, and no bootstrap.
grep -q 'bootstrapping from coaps://' <<<"$out" || fail "the device did not start: $out"
if grep -qE 'DTLS session up|bootstrapped' <<<"$out"; then fail "a wrong key got through: $out"; fi
[[ $(grep -c 'bootstrap dev: started' "$LOG") == 1 ]] || fail "a wrong key started a session"
pass "a wrong PSK gets no DTLS session and no bootstrap"

out=$(timeout 20 "$DROVER" client --endpoint plain --bootstrap "coaps://127.0.0.1:$BS_COAPS" \
  --psk-identity dev-bs --psk-key "$(hex bs-secret)" --duration 3 2>&1 || true)
log_has -E 'bootstrap plain: failed at request / \(4\.03\): psk:dev-bs is bound to endpoint dev, not plain' "$LOG" ||
  fail "another endpoint over dev's identity was not refused"
grep -q 'plain: bootstrap failed' <<<"$out" || fail "the device did not see the refusal: $out"
out=$(timeout 20 coap-client-notls -B 3 -v 6 -m post "coap://127.0.0.1:$BS_PORT/bs?ep=dev" 2>&1)
grep -q 'c:4.03' <<<"$out" || fail "NoSec for dev was not answered 4.03: $out"
log_has -E 'bootstrap dev: failed at request / \(4\.03\): endpoint dev has a secured bootstrap account' "$LOG" ||
  fail "no failed event for the NoSec request"
grep -q 'drover_bootstrap_refused_total{reason="identity"} 2' <<<"$(api "$HTTP/metrics")" ||
  fail "the refusals are not counted: $(api "$HTTP/metrics" | grep bootstrap_refused)"
pass "an endpoint/identity mismatch and NoSec for a secured endpoint: 4.03, failed events, counted"

out=$(timeout 20 coap-client-gnutls -B 3 -v 6 -k bs-secret -u dev-bs -m post \
  "coaps://127.0.0.1:$BS_COAPS/bs?ep=dev" 2>&1)
grep -q 'c:2.04' <<<"$out" || fail "libcoap's Bootstrap-Request over PSK was not answered 2.04: $out"
pass "coap-client-gnutls's Bootstrap-Request over PSK: 2.04"

# `drover bootstrap-server` alone: a configuration's bootstrap PSK, and one of --psk-file for an
# endpoint the default configuration serves.
printf '{"cfg-dev": {"servers": [
  {"security": {"uri": "coap://127.0.0.1:%s", "ssid": 1}, "server": {"lifetime": 60}},
  {"security": {"uri": "coaps://127.0.0.1:5694", "bootstrap": true, "mode": "psk", "identity_text": "cfg-id", "secret_key": "%s"}}]},
 "*": {"servers": [{"security": {"uri": "coap://127.0.0.1:%s", "ssid": 1}, "server": {"lifetime": 60}}]}}' \
  "$PORT" "$(hex cfg-secret)" "$PORT" >"$WORK/bs.json"
echo "cli-dev cli-id $(hex cli-secret)" >"$WORK/psk.txt"
start bs "$DROVER" bootstrap-server --address 127.0.0.1 --port 0 --coaps-port 0 --store memory \
  --no-http --config "$WORK/bs.json" --psk-file "$WORK/psk.txt"
log_has -E 'bootstrap server listening on coaps://127\.0\.0\.1:[0-9]+ ' "$WORK/bs.log" ||
  fail "drover bootstrap-server did not listen on coaps"
ALONE=$(sed -nE 's/.*bootstrap server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$WORK/bs.log")
out=$(timeout 20 coap-client-gnutls -B 3 -v 6 -k cfg-secret -u cfg-id -m post \
  "coaps://127.0.0.1:$ALONE/bs?ep=cfg-dev" 2>&1)
grep -q 'c:2.04' <<<"$out" || fail "the configuration's PSK was not accepted: $out"
out=$(timeout 20 coap-client-gnutls -B 3 -v 6 -k cli-secret -u cli-id -m post \
  "coaps://127.0.0.1:$ALONE/bs?ep=cli-dev" 2>&1)
grep -q 'c:2.04' <<<"$out" || fail "the --psk-file PSK was not accepted: $out"
pass "drover bootstrap-server --coaps-port: the configurations' and --psk-file's PSKs, 2.04"

kill -INT "$CLIENT_PID"
timeout 20 tail --pid="$CLIENT_PID" -f /dev/null || fail "drover client did not stop"
finish
