#!/usr/bin/env bash
# CoAP over DTLS with pre-shared keys against `drover server`: libcoap's coap-client-gnutls and
# coap-client-openssl register through coaps:// and are listed by the HTTP API with their DTLS
# identity; a wrong key gets no registration, an endpoint the key is not bound to gets 4.03; and
# `drover client` registers over coaps and answers a Read made through the HTTP API.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
for tool in coap-client-gnutls coap-client-openssl; do
  command -v "$tool" >/dev/null || fail "$tool not found (package libcoap3-bin)"
done

# libcoap takes the key as text: "gnutls-secret" and "openssl-secret" in hexadecimal below.
cat >"$WORK/psk.txt" <<PSK
# endpoint identity key
libcoap-gnutls gnutls-id $(hex gnutls-secret)
libcoap-openssl openssl-id $(hex openssl-secret)
drover-dev drover-id 00112233445566778899aabbccddeeff
PSK

start_server --log-level server=debug --coaps-port 0 --psk-file "$WORK/psk.txt"
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"
log_has "DTLS 1.2: 3 credentials" "$LOG" || fail "the server did not log its 3 credentials"
pass "drover server listens on coaps://127.0.0.1:$COAPS with 3 PSK credentials"

api() { timeout 10 curl -sS "$HTTP$1"; }

# dtls_register TOOL IDENTITY KEY ENDPOINT: a Register through coaps with libcoap's trace (-v 6).
dtls_register() {
  timeout 30 "$1" -B 10 -v 6 -u "$2" -k "$3" -m post -t 40 -e '</1/0>,</3/0>' \
    "coaps://127.0.0.1:$COAPS/rd?ep=$4&lt=60&lwm2m=1.1" 2>&1 || true
}

for variant in gnutls openssl; do
  out=$(dtls_register "coap-client-$variant" "$variant-id" "$variant-secret" "libcoap-$variant")
  grep -q 'c:2.01' <<<"$out" || fail "coap-client-$variant: Register over coaps not answered 2.01: $out"
  client=$(api "/api/clients/libcoap-$variant")
  grep -q "\"identity\":\"psk:$variant-id\"" <<<"$client" ||
    fail "the HTTP API does not show libcoap-$variant with identity psk:$variant-id: $client"
  pass "coap-client-$variant registers over DTLS-PSK; listed with identity psk:$variant-id"
done

# A wrong key: the handshake never completes, nothing is registered.
out=$(timeout 30 coap-client-gnutls -B 3 -u gnutls-id -k wrong-secret -m post -t 40 -e '</3/0>' \
  "coaps://127.0.0.1:$COAPS/rd?ep=libcoap-wrong&lt=60" 2>&1 || true)
if grep -q 'c:2.01' <<<"$out"; then fail "a wrong key registered: $out"; fi
grep -q '"total":2' <<<"$(api /api/clients)" || fail "a registration came from the wrong key"
pass "a wrong PSK gets no registration"

# The right key for another endpoint name: 4.03.
out=$(dtls_register coap-client-openssl openssl-id openssl-secret someone-else)
grep -q 'c:4.03' <<<"$out" || fail "Register as an endpoint the key is not bound to not answered 4.03: $out"
grep -q '"total":2' <<<"$(api /api/clients)" || fail "the forbidden Register was listed"
pass "an endpoint the PSK is not bound to gets 4.03 Forbidden"

# drover client over coaps, then a Read through the HTTP API.
start client "$DROVER" client --endpoint drover-dev --server "coaps://127.0.0.1:$COAPS" \
  --psk-identity drover-id --psk-key 00112233445566778899aabbccddeeff --lifetime 60 --duration 60
for i in $(seq 1 100); do
  grep -q '"identity":"psk:drover-id"' <<<"$(api /api/clients/drover-dev)" && break
  sleep 0.1
done
grep -q '"identity":"psk:drover-id"' <<<"$(api /api/clients/drover-dev)" ||
  fail "drover client did not register over coaps"
log_has "DTLS session up" "$WORK/client.log" || fail "drover client did not log its DTLS session"
manufacturer=$(timeout 15 curl -sS "$HTTP/api/clients/drover-dev/3/0/0")
grep -q '"path":"/3/0/0"' <<<"$manufacturer" || fail "Read of /3/0/0 over coaps: $manufacturer"
pass "drover client registers over DTLS-PSK and answers a Read from the HTTP API"

finish
