#!/usr/bin/env bash
# CoAP over DTLS with X.509 certificates and raw public keys (RFC 7250) against `drover server`
# holding both: libcoap's coap-client-gnutls and coap-client-openssl register with a certificate of
# the server's CA (as its common name), coap-client-gnutls with a raw public key the server knows
# (which needs the server to present its own raw public key, though libcoap lists X.509 first); a
# certificate of another CA and an unknown key get nothing, another endpoint than the common name
# 4.03. (A server with a raw public key only: test_server_coaps_rpk.sh.)
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
command -v openssl >/dev/null || fail "openssl not found"
for variant in gnutls openssl; do
  command -v coap-client-$variant >/dev/null || fail "coap-client-$variant not found (package libcoap3-bin)"
done

cd "$WORK"
new_ca test-ca
new_ca other-ca
new_cert localhost test-ca "DNS:localhost,IP:127.0.0.1"
new_cert libcoap-gnutls test-ca "DNS:libcoap-gnutls"
new_cert libcoap-openssl test-ca "DNS:libcoap-openssl"
new_cert libcoap-stranger other-ca "DNS:libcoap-stranger"
new_key server-rpk
new_key libcoap-rpk
openssl pkey -in libcoap-rpk.key -pubout -out libcoap-rpk.pub 2>/dev/null
new_key unknown-rpk
# libcoap reads a raw public key as an "EC PRIVATE KEY" (SEC 1), not PKCS#8.
for k in libcoap-rpk unknown-rpk; do openssl ec -in "$k.key" -out "$k.ec" 2>/dev/null; done
cd - >/dev/null

start_server --log-level server=debug --coaps-port 0 --cert "$WORK/localhost.crt" --key "$WORK/localhost.key" \
  --ca "$WORK/test-ca.crt" --rpk-key "$WORK/server-rpk.key" --rpk-client "libcoap-rpk=$WORK/libcoap-rpk.pub"
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"
log_has "X.509, raw public key" "$LOG" || fail "the server did not log X.509 and raw public key"
pass "drover server listens on coaps://127.0.0.1:$COAPS with X.509 and a raw public key"

api() { timeout 10 curl -sS "$HTTP$1"; }
# register VARIANT ENDPOINT CREDENTIAL-ARGS...: a Register through coaps with libcoap's trace.
register() {
  local variant=$1 ep=$2
  shift 2
  timeout 30 coap-client-$variant -B 5 -v 6 "$@" -m post -t 40 -e '</1/0>,</3/0>' \
    "coaps://127.0.0.1:$COAPS/rd?ep=$ep&lt=60&lwm2m=1.1" 2>&1 || true
}

for variant in gnutls openssl; do
  ep=libcoap-$variant
  out=$(register $variant $ep -c "$WORK/$ep.crt" -j "$WORK/$ep.key" -R "$WORK/test-ca.crt")
  grep -q 'c:2.01' <<<"$out" || fail "X.509 Register of coap-client-$variant not answered 2.01: $out"
  grep -q "\"identity\":\"x509:CN=$ep\"" <<<"$(api /api/clients/$ep)" ||
    fail "the HTTP API does not show $ep with its certificate's subject"
  pass "coap-client-$variant registers with an X.509 certificate of the server's CA, as its common name"

  out=$(register $variant $ep -c "$WORK/libcoap-stranger.crt" -j "$WORK/libcoap-stranger.key" -R "$WORK/test-ca.crt")
  if grep -q 'c:2.01' <<<"$out"; then fail "a certificate of another CA registered: $out"; fi
  out=$(register $variant $ep-2 -c "$WORK/$ep.crt" -j "$WORK/$ep.key" -R "$WORK/test-ca.crt")
  grep -q 'c:4.03' <<<"$out" || fail "a certificate registering as another endpoint not answered 4.03: $out"
  pass "coap-client-$variant: a certificate of another CA gets no registration; another endpoint than the common name gets 4.03"
done

out=$(register gnutls libcoap-rpk -M "$WORK/libcoap-rpk.ec")
grep -q 'c:2.01' <<<"$out" || fail "raw public key Register not answered 2.01: $out"
grep -q '"identity":"rpk:sha256:' <<<"$(api /api/clients/libcoap-rpk)" ||
  fail "the HTTP API does not show libcoap-rpk with its key's hash"
out=$(register gnutls libcoap-rpk-2 -M "$WORK/unknown-rpk.ec")
if grep -q 'c:2.01' <<<"$out"; then fail "an unknown raw public key registered: $out"; fi
pass "coap-client-gnutls registers with a known raw public key (the server shows it its own); an unknown one gets nothing"

finish
