#!/usr/bin/env bash
# `drover coap` over coaps:// against libcoap's coap-server-gnutls, with the credential options of
# `drover client`: a GET with a pre-shared key (and a wrong key refused), with X.509 certificates
# (the server's name checked: --server-name it carries passes, another is refused) and with a raw
# public key (RFC 7250). libcoap's servers listen for DTLS on the port after their CoAP one.
source "$(dirname "$0")/interop_lib.sh"
for tool in coap-server-gnutls openssl; do
  command -v "$tool" >/dev/null || fail "$tool not found (package libcoap3-bin / openssl)"
done
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# get NAME URI ARGS...: `drover coap get`, its stdout in $WORK/NAME.out, its log in $WORK/NAME.log;
# sets RC.
get() {
  local name=$1 uri=$2
  shift 2
  RC=0
  timeout 30 "$DROVER" coap get "$uri" --timeout 5 "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" ||
    RC=$?
}

# PSK: libcoap takes the key as text and any identity.
start_libcoap server-psk coap-server-gnutls -k coap-secret
DTLS=coaps://127.0.0.1:$((PORT + 1))
get psk "$DTLS/.well-known/core" --psk-identity drover --psk-key "$(hex coap-secret)"
[[ $RC == 0 ]] || fail "GET over DTLS-PSK failed ($RC): $(cat "$WORK/psk.log")"
grep -q '</time>' "$WORK/psk.out" || fail "no link-format body over DTLS-PSK: $(cat "$WORK/psk.out")"
grep -q '2.05' "$WORK/psk.log" || fail "the GET was not answered 2.05: $(cat "$WORK/psk.log")"
pass "drover coap GETs /.well-known/core from coap-server-gnutls over DTLS-PSK"

get psk-wrong "$DTLS/.well-known/core" --psk-identity drover --psk-key "$(hex other-secret)"
[[ $RC != 0 ]] || fail "a wrong PSK got an answer: $(cat "$WORK/psk-wrong.out")"
[[ ! -s $WORK/psk-wrong.out ]] || fail "a wrong PSK printed a body"
pass "a wrong PSK gets no answer (exit $RC)"

# X.509: the server's certificate names localhost; the URI's host is an IP, so --server-name says
# which name the certificate must carry.
libcoap_pki drover-coap
start_libcoap server-x509 coap-server-gnutls -c "$WORK/localhost.pem" -C "$WORK/test-ca.crt"
DTLS=coaps://127.0.0.1:$((PORT + 1))
x509=(--cert "$WORK/drover-coap.crt" --key "$WORK/drover-coap.key" --ca "$WORK/test-ca.crt")
get x509 "$DTLS/.well-known/core" "${x509[@]}" --server-name localhost
[[ $RC == 0 ]] || fail "GET over DTLS with X.509 failed ($RC): $(cat "$WORK/x509.log")"
grep -q '</time>' "$WORK/x509.out" || fail "no body over X.509: $(cat "$WORK/x509.out")"
pass "drover coap GETs over DTLS with X.509 certificates, the server named localhost"

get x509-name "$DTLS/.well-known/core" "${x509[@]}" --server-name other.example
[[ $RC != 0 ]] || fail "a certificate without the name other.example was taken"
grep -qi 'certificate' "$WORK/x509-name.log" || fail "no certificate error: $(cat "$WORK/x509-name.log")"
pass "a server whose certificate does not carry --server-name is refused"

# Certificate Usage of the server's certificate as the Security object would give it.
own=(--cert "$WORK/drover-coap.crt" --key "$WORK/drover-coap.key")
get usage3 "$DTLS/.well-known/core" "${own[@]}" --server-cert "$WORK/localhost.crt"
[[ $RC == 0 ]] || fail "--server-cert with usage 3 (the default) failed: $(cat "$WORK/usage3.log")"
get usage3-other "$DTLS/.well-known/core" "${own[@]}" --server-cert "$WORK/drover-coap.crt" \
  --cert-usage 3
[[ $RC != 0 ]] || fail "usage 3 took a server certificate other than --server-cert"
get usage2 "$DTLS/.well-known/core" "${own[@]}" --server-cert "$WORK/test-ca.crt" --cert-usage 2 \
  --server-name localhost
[[ $RC == 0 ]] || fail "usage 2 with the CA as trust anchor failed: $(cat "$WORK/usage2.log")"
get usage1 "$DTLS/.well-known/core" "${x509[@]}" --server-cert "$WORK/localhost.crt" --cert-usage 1
[[ $RC == 0 ]] || fail "usage 1 with the server's certificate failed: $(cat "$WORK/usage1.log")"
get usage0-other "$DTLS/.well-known/core" "${x509[@]}" --server-cert "$WORK/drover-coap.crt" \
  --cert-usage 0
[[ $RC != 0 ]] || fail "usage 0 took a chain without the given CA"
pass "--cert-usage 3 pins --server-cert, 2 takes it as trust anchor, 1 and 0 with --ca; others refused"

# Raw public keys: coap-server-gnutls -M takes an EC private key (SEC 1 PEM).
cd "$WORK"
new_key rpk-server
new_key rpk-client
new_key rpk-other
openssl ec -in rpk-server.key -out rpk-server.ec 2>/dev/null
openssl pkey -in rpk-server.key -pubout -out rpk-server.pub
openssl pkey -in rpk-other.key -pubout -out rpk-other.pub
cd - >/dev/null
start_libcoap server-rpk coap-server-gnutls -M "$WORK/rpk-server.ec"
DTLS=coaps://127.0.0.1:$((PORT + 1))
get rpk "$DTLS/.well-known/core" --rpk-key "$WORK/rpk-client.key" \
  --server-public-key "$WORK/rpk-server.pub"
[[ $RC == 0 ]] || fail "GET over DTLS with a raw public key failed ($RC): $(cat "$WORK/rpk.log")"
get rpk-other "$DTLS/.well-known/core" --rpk-key "$WORK/rpk-client.key" \
  --server-public-key "$WORK/rpk-other.pub"
[[ $RC != 0 ]] || fail "a server with another raw public key was taken"
pass "drover coap GETs over DTLS with raw public keys, and refuses another server key"

get nosec-credentials "coap://127.0.0.1:$PORT/" --psk-identity x --psk-key 00
[[ $RC == 2 ]] || fail "credentials with a coap:// URI were not refused as bad arguments ($RC)"
pass "credentials with a coap:// URI are bad arguments"

finish
