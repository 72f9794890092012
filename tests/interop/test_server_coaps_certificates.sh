#!/usr/bin/env bash
# CoAP over DTLS with X.509 certificates against `drover server`: coap-client-gnutls registers
# with a certificate of the server's CA (as its common name); a certificate of another CA gets
# nothing, another endpoint than the common name 4.03. (Raw public keys: unit tests for now.)
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
command -v openssl >/dev/null || fail "openssl not found"
command -v coap-client-gnutls >/dev/null || fail "coap-client-gnutls not found (package libcoap3-bin)"

cd "$WORK"
new_ca test-ca
new_ca other-ca
new_cert localhost test-ca "DNS:localhost,IP:127.0.0.1"
new_cert libcoap-x509 test-ca "DNS:libcoap-x509"
new_cert libcoap-stranger other-ca "DNS:libcoap-stranger"
cd - >/dev/null

start_server --log-level server=debug --coaps-port 0 --cert "$WORK/localhost.crt" --key "$WORK/localhost.key" \
  --ca "$WORK/test-ca.crt"
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"
log_has "X.509" "$LOG" || fail "the server did not log X.509"
pass "drover server listens on coaps://127.0.0.1:$COAPS with X.509"

api() { timeout 10 curl -sS "$HTTP$1"; }
# register ENDPOINT CREDENTIAL-ARGS...: a Register through coaps with libcoap's trace.
register() {
  local ep=$1
  shift
  timeout 30 coap-client-gnutls -B 5 -v 6 "$@" -m post -t 40 -e '</1/0>,</3/0>' \
    "coaps://127.0.0.1:$COAPS/rd?ep=$ep&lt=60&lwm2m=1.1" 2>&1 || true
}

out=$(register libcoap-x509 -c "$WORK/libcoap-x509.crt" -j "$WORK/libcoap-x509.key" -R "$WORK/test-ca.crt")
grep -q 'c:2.01' <<<"$out" || fail "X.509 Register not answered 2.01: $out"
grep -q '"identity":"x509:CN=libcoap-x509"' <<<"$(api /api/clients/libcoap-x509)" ||
  fail "the HTTP API does not show libcoap-x509 with its certificate's subject"
pass "coap-client-gnutls registers with an X.509 certificate of the server's CA, as its common name"

out=$(register libcoap-x509 -c "$WORK/libcoap-stranger.crt" -j "$WORK/libcoap-stranger.key" -R "$WORK/test-ca.crt")
if grep -q 'c:2.01' <<<"$out"; then fail "a certificate of another CA registered: $out"; fi
out=$(register libcoap-x509-2 -c "$WORK/libcoap-x509.crt" -j "$WORK/libcoap-x509.key" -R "$WORK/test-ca.crt")
grep -q 'c:4.03' <<<"$out" || fail "a certificate registering as another endpoint not answered 4.03: $out"
pass "a certificate of another CA gets no registration; another endpoint than the common name gets 4.03"

finish
