#!/usr/bin/env bash
# CoAP over DTLS with X.509 certificates against `drover server`: libcoap's coap-client-gnutls and
# coap-client-openssl register with a certificate of the server's CA (as its common name); a
# certificate of another CA gets nothing, another endpoint than the common name 4.03. (Raw public
# keys: test_server_coaps_rpk.sh.)
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
cd - >/dev/null

start_server --log-level server=debug --coaps-port 0 --cert "$WORK/localhost.crt" --key "$WORK/localhost.key" \
  --ca "$WORK/test-ca.crt"
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"
log_has "X.509" "$LOG" || fail "the server did not log X.509"
pass "drover server listens on coaps://127.0.0.1:$COAPS with X.509"

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

finish
