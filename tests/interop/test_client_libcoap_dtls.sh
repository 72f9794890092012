#!/usr/bin/env bash
# `drover client` against libcoap's programs over DTLS: it registers with the resource directories
# coap-rd-gnutls and coap-rd-openssl through coaps:// with a pre-shared key and with an X.509
# certificate (the registration shows in the RD's /.well-known/core), and opens a session with a
# raw public key (RFC 7250) to coap-server-gnutls -M, checking the server's key.
#
# libcoap's servers listen for DTLS on the port after their CoAP one. coap-rd-gnutls 4.3.1 has no
# raw public key option, hence coap-server-gnutls for it, which has no /rd: there the session is
# what is checked (the Register through it is answered 4.04), and the Register's exchange itself
# by the RD runs. The RD aborts on a DELETE (test_client_libcoap_rd.sh): the clients stop with a
# short --stop-timeout.
source "$(dirname "$0")/interop_lib.sh"
for tool in coap-rd-gnutls coap-rd-openssl coap-server-gnutls openssl; do
  command -v "$tool" >/dev/null || fail "$tool not found (package libcoap3-bin / openssl)"
done

# client_session NAME ENDPOINT CREDENTIAL-ARGS...: drover client to coaps://PORT+1; waits for its
# DTLS session and sets CLIENT_LOG.
client_session() {
  local name=$1 ep=$2 i
  shift 2
  start "$name" "$DROVER" client --endpoint "$ep" --server "coaps://127.0.0.1:$((PORT + 1))" \
    --lifetime 300 --stop-timeout 1 --duration 60 "$@"
  CLIENT_LOG=$WORK/$name.log
  log_has "DTLS session up" "$CLIENT_LOG" || fail "$name: no DTLS session: $(cat "$CLIENT_LOG")"
}

# registered_at_rd NAME: the client of NAME registered, and the RD lists its location.
registered_at_rd() {
  local i location core
  for i in $(seq 1 100); do
    grep -q 'registered at /rd/' "$CLIENT_LOG" && break
    sleep 0.1
  done
  location=$(sed -nE 's/.*registered at (\/rd\/[^ ]+).*/\1/p' "$CLIENT_LOG" | head -n 1)
  [[ -n $location ]] || fail "$1: no registration at the RD: $(cat "$CLIENT_LOG")"
  core=$(coap_client -m get "coap://127.0.0.1:$PORT/.well-known/core")
  [[ $core == *"<$location>"* ]] || fail "$location is not in the RD's /.well-known/core: $core"
  REGISTERED=$location
}

# PSK and X.509 against the RD of each TLS library; the RD's certificate and the client's are of
# one CA and each checks the other's chain. libcoap takes the PSK as text.
libcoap_pki drover-x509
for variant in gnutls openssl; do
  start_libcoap rd-psk-$variant coap-rd-$variant -k rd-secret
  client_session psk-client-$variant drover-psk-$variant --psk-identity drover-psk \
    --psk-key "$(hex rd-secret)"
  registered_at_rd psk-client-$variant
  pass "drover client registers with coap-rd-$variant over DTLS-PSK (at $REGISTERED)"

  start_libcoap rd-x509-$variant coap-rd-$variant -c "$WORK/localhost.pem" -C "$WORK/test-ca.crt"
  client_session x509-client-$variant drover-x509-$variant --cert "$WORK/drover-x509.crt" \
    --key "$WORK/drover-x509.key" --ca "$WORK/test-ca.crt"
  log_has "DTLS session up (x509:CN=localhost)" "$CLIENT_LOG" || fail "the RD's subject is not logged"
  registered_at_rd x509-client-$variant
  pass "drover client registers with coap-rd-$variant over DTLS with X.509 certificates (at $REGISTERED)"
done

# Raw public keys: coap-server-gnutls -M takes an EC private key (SEC 1 PEM).
cd "$WORK"
new_key rpk-server
new_key rpk-client
openssl ec -in rpk-server.key -out rpk-server.ec 2>/dev/null
openssl pkey -in rpk-server.key -pubout -out rpk-server.pub
server_key_name=sha256:$(openssl pkey -pubin -in rpk-server.pub -outform DER | sha256sum | cut -d' ' -f1)
new_key rpk-other
openssl pkey -in rpk-other.key -pubout -out rpk-other.pub
cd - >/dev/null
start_libcoap server-rpk coap-server-gnutls -M "$WORK/rpk-server.ec"
client_session rpk-client drover-rpk --rpk-key "$WORK/rpk-client.key" \
  --server-public-key "$WORK/rpk-server.pub"
log_has "DTLS session up (rpk:$server_key_name)" "$CLIENT_LOG" ||
  fail "the session does not show the server's key $server_key_name: $(cat "$CLIENT_LOG")"
log_has "Register answered 4.04" "$CLIENT_LOG" || fail "the Register through the RPK session was not answered"
pass "drover client opens a DTLS session with coap-server-gnutls's raw public key"

# The client refuses a server whose raw public key is not the one it was given.
start client-wrong-rpk "$DROVER" client --endpoint drover-rpk2 \
  --server "coaps://127.0.0.1:$((PORT + 1))" --lifetime 300 --stop-timeout 1 --duration 60 \
  --rpk-key "$WORK/rpk-client.key" --server-public-key "$WORK/rpk-other.pub"
log_has "DTLS failed: .*certificate" "$WORK/client-wrong-rpk.log" ||
  fail "a server with another raw public key was not refused: $(cat "$WORK/client-wrong-rpk.log")"
if grep -q "DTLS session up" "$WORK/client-wrong-rpk.log"; then
  fail "a session came up with the wrong server key"
fi
pass "drover client refuses coap-server-gnutls when its raw public key is not the expected one"

finish
