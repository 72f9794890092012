#!/usr/bin/env bash
# CoAP over DTLS with raw public keys (RFC 7250) against `drover server`: libcoap's
# coap-client-gnutls registers with its own key pair as the endpoint its public key is bound to
# (--rpk-client) and is listed with that key's name; the same key registering as another endpoint
# gets 4.03, and a key the server does not know gets no registration.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
command -v openssl >/dev/null || fail "openssl not found"
command -v coap-client-gnutls >/dev/null || fail "coap-client-gnutls not found (package libcoap3-bin)"

cd "$WORK"
new_key server
for name in device stranger; do
  new_key "$name"
  # libcoap reads a raw public key from an "EC PRIVATE KEY" PEM (the public key is derived).
  openssl ec -in "$name.key" -out "$name.ec.key" 2>/dev/null
  openssl pkey -in "$name.key" -pubout -out "$name.pub" 2>/dev/null
done
cd - >/dev/null
# The key's name as the API shows it: sha256 of the SubjectPublicKeyInfo (DER).
KEY_NAME=sha256:$(openssl pkey -pubin -in "$WORK/device.pub" -outform DER | sha256sum | cut -d' ' -f1)

start_server --coaps-port 0 --rpk-key "$WORK/server.key" --rpk-client "libcoap-rpk=$WORK/device.pub"
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"
pass "drover server listens on coaps://127.0.0.1:$COAPS with a raw public key"

api() { timeout 10 curl -sS "$HTTP$1"; }
# register ENDPOINT KEY-FILE: a Register through coaps with libcoap's trace.
register() {
  timeout 30 coap-client-gnutls -B 5 -v 6 -M "$2" -m post -t 40 -e '</1/0>,</3/0>' \
    "coaps://127.0.0.1:$COAPS/rd?ep=$1&lt=60&lwm2m=1.1" 2>&1 || true
}

out=$(register libcoap-rpk "$WORK/device.ec.key")
grep -q 'c:2.01' <<<"$out" || fail "RPK Register not answered 2.01: $out"
grep -q "\"identity\":\"rpk:$KEY_NAME\"" <<<"$(api /api/clients/libcoap-rpk)" ||
  fail "the HTTP API does not show libcoap-rpk with its key's name ($KEY_NAME): $(api /api/clients/libcoap-rpk)"
pass "coap-client-gnutls registers with a raw public key, listed as rpk:$KEY_NAME"

out=$(register libcoap-rpk-2 "$WORK/device.ec.key")
grep -q 'c:4.03' <<<"$out" || fail "a key registering as another endpoint not answered 4.03: $out"
out=$(register libcoap-rpk "$WORK/stranger.ec.key")
if grep -q 'c:2.01' <<<"$out"; then fail "an unknown raw public key registered: $out"; fi
[[ $(api /metrics | awk '$1 ~ /^drover_dtls_handshake_failures_total/ { s += $2 } END { print s + 0 }') -ge 1 ]] ||
  fail "the unknown key's handshake was not counted as failed"
pass "another endpoint than the key's gets 4.03; an unknown key gets no registration"

finish
