#!/usr/bin/env bash
# `drover server --no-coap`: coaps alone. The server opens no NoSec socket and says so; a NoSec
# Register sent to its coaps port gets no answer; libcoap's coap-client-gnutls still registers
# over DTLS-PSK. Without credentials, or with --shards, --no-coap is refused.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
command -v coap-client-gnutls >/dev/null || fail "coap-client-gnutls not found (package libcoap3-bin)"

# Refused at once, with the reason.
code=0
timeout 20 "$DROVER" server --no-coap --http-port 0 --data-dir "$WORK/refused" \
  >"$WORK/refused.log" 2>&1 || code=$?
[[ $code == 2 ]] || fail "--no-coap without credentials exited $code, not 2"
log_has "--no-coap leaves nothing to listen on" "$WORK/refused.log" ||
  fail "--no-coap without credentials did not say why it stopped"
code=0
timeout 20 "$DROVER" server --no-coap --coaps --shards 2 --http-port 0 \
  --data-dir "$WORK/refused-shards" >"$WORK/refused-shards.log" 2>&1 || code=$?
[[ $code == 2 ]] || fail "--no-coap with --shards exited $code, not 2"
log_has "not with --shards" "$WORK/refused-shards.log" || fail "--no-coap --shards: no reason given"
pass "--no-coap is refused without credentials and with --shards"

echo "libcoap-gnutls gnutls-id $(hex gnutls-secret)" >"$WORK/psk.txt"
start server "$DROVER" server --address 127.0.0.1 --no-coap --coaps-port 0 --http-port 0 \
  --psk-file "$WORK/psk.txt" --data-dir "$WORK/data" --log-level server=debug
SERVER_PID=$LAST_PID
LOG=$WORK/server.log
wait_http_api "$LOG" "$SERVER_PID"
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"
log_has "NoSec CoAP is off" "$LOG" || fail "the server did not say NoSec is off"
if grep -q 'listening on coap://' "$LOG"; then fail "the server listens on NoSec CoAP"; fi
# The process (the child of `timeout`) has one UDP socket: coaps.
DROVER_PID=$(pgrep -P "$SERVER_PID")
sockets=$(ss -Hulnp | grep -c "pid=$DROVER_PID," || true)
[[ $sockets == 1 ]] || fail "the server has $sockets UDP sockets, not 1: $(ss -Hulnp)"
pass "drover server --no-coap listens on coaps://127.0.0.1:$COAPS only"

out=$(timeout 20 coap-client-notls -B 3 -m post -t 40 -e '</3/0>' \
  "coap://127.0.0.1:$COAPS/rd?ep=nosec-dev&lt=60" 2>&1 || true)
if grep -q '2.01\|4.03' <<<"$out"; then fail "a NoSec Register was answered: $out"; fi
http_has "api/clients" '"total":0' || fail "a NoSec Register was listed"
pass "a NoSec Register to the coaps port gets no answer"

out=$(timeout 30 coap-client-gnutls -B 10 -v 6 -u gnutls-id -k gnutls-secret -m post -t 40 \
  -e '</1/0>,</3/0>' "coaps://127.0.0.1:$COAPS/rd?ep=libcoap-gnutls&lt=60&lwm2m=1.1" 2>&1 || true)
grep -q 'c:2.01' <<<"$out" || fail "coap-client-gnutls: Register over coaps not answered 2.01: $out"
http_has "api/clients/libcoap-gnutls" '"identity":"psk:gnutls-id"' ||
  fail "the HTTP API does not list libcoap-gnutls with its identity"
pass "coap-client-gnutls registers over DTLS-PSK with NoSec off"

finish
