#!/usr/bin/env bash
# A device bootstrapped with three secured LwM2M servers, one per credential type, registers with
# every one over DTLS: `drover server --bootstrap-port` is the bootstrap server and, with its raw
# public key, the first DM server (the configuration's RPK account binds the device's public key
# there); a second `drover server` knows the device's PSK (--psk-file), a third trusts the CA of
# the device's X.509 certificate (whose CN is the endpoint). Each server shows the identity the
# device proved. The device saves its accounts (--state) and, started again, registers with the
# three over DTLS from the file alone. Bootstrapped again without the PSK server and with another
# Certificate Usage for the X.509 one, it secures the two that are left and registers anew.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
command -v openssl >/dev/null || fail "openssl not found"

api() { timeout 10 curl -sS "$@"; }
der_hex() { od -An -tx1 | tr -d ' \n'; }

# start_dm NAME ARGS...: a `drover server` on 127.0.0.1 with coaps, its log in $WORK/NAME.log;
# sets DM_HTTP (its API) and DM_COAPS (its coaps port).
start_dm() {
  local name=$1
  shift
  start "$name" "$DROVER" server --address 127.0.0.1 --coap-port 0 --http-port 0 --coaps-port 0 \
    --data-dir "$WORK/$name-data" "$@"
  wait_http_api "$WORK/$name.log" "$LAST_PID"
  DM_HTTP=$HTTP
  DM_COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$WORK/$name.log")
  [[ -n $DM_COAPS ]] || fail "no coaps port in $name's log"
}

cd "$WORK"
new_ca test-ca
new_cert dm-x509 test-ca "IP:127.0.0.1"
new_cert dev test-ca "DNS:dev"
new_key dev-rpk
new_key dm-rpk
RPK_NAME=sha256:$(openssl pkey -in dev-rpk.key -pubout -outform DER | sha256sum | cut -d' ' -f1)
echo "dev dev-psk $(hex psk-secret)" >psk.txt

BS_PORT=$(free_udp_port)
start_server --rpk-key dm-rpk.key --coaps-port 0 --bootstrap-port "$BS_PORT"
RPK_HTTP=$HTTP
RPK_COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $RPK_COAPS ]] || fail "no coaps port in the server's log"
start_dm dm-psk --psk-file psk.txt
PSK_HTTP=$DM_HTTP
PSK_COAPS=$DM_COAPS
start_dm dm-x509 --cert dm-x509.crt --key dm-x509.key --ca test-ca.crt
X509_HTTP=$DM_HTTP
X509_COAPS=$DM_COAPS

# dev_config first|again: dev's configuration (Discover first, so that the device keeps its
# bootstrap account), the Security object's keys and certificates in DER as hex. First: the RPK,
# PSK and X.509 servers, the last one's certificate checked against the CA as the only trust
# anchor (Certificate Usage 2). Again: no PSK server, the X.509 server's certificate pinned
# (Certificate Usage absent: 3).
dev_config() {
  local psk= x509
  if [[ $1 == first ]]; then
    psk=$(printf '
  {"security": {"uri": "coaps://127.0.0.1:%s", "mode": "psk", "identity_text": "dev-psk", "secret_key": "%s", "ssid": 2}, "server": {"lifetime": 60}},' \
      "$PSK_COAPS" "$(hex psk-secret)")
    x509='"certificate_usage": 2, "server_public_key": "'$(openssl x509 -in test-ca.crt -outform DER | der_hex)'"'
  else
    x509='"server_public_key": "'$(openssl x509 -in dm-x509.crt -outform DER | der_hex)'"'
  fi
  printf '{"discover": true, "servers": [
  {"security": {"uri": "coaps://127.0.0.1:%s", "mode": "rpk", "identity": "%s", "secret_key": "%s", "server_public_key": "%s", "ssid": 1}, "server": {"lifetime": 60}},%s
  {"security": {"uri": "coaps://127.0.0.1:%s", "mode": "x509", "identity": "%s", "secret_key": "%s", %s, "ssid": 3}, "server": {"lifetime": 60}}]}' \
    "$RPK_COAPS" "$(openssl pkey -in dev-rpk.key -pubout -outform DER | der_hex)" \
    "$(openssl pkey -in dev-rpk.key -outform DER | der_hex)" \
    "$(openssl pkey -in dm-rpk.key -pubout -outform DER | der_hex)" "$psk" \
    "$X509_COAPS" "$(openssl x509 -in dev.crt -outform DER | der_hex)" \
    "$(openssl pkey -in dev.key -outform DER | der_hex)" "$x509"
}
put=$(api -X PUT -w ' %{http_code}' "$RPK_HTTP/api/bootstrap/configs/dev" -d "$(dev_config first)")
[[ $put == *' 201' ]] || fail "PUT /api/bootstrap/configs/dev: $put"

# registered_everywhere CLIENT_LOG: dev is registered over DTLS with each server, as itself.
registered_everywhere() {
  HTTP=$RPK_HTTP
  http_has api/clients/dev "\"identity\":\"rpk:$RPK_NAME\"" ||
    fail "dev did not register over RPK: $(cat "$1")"
  HTTP=$PSK_HTTP
  http_has api/clients/dev '"identity":"psk:dev-psk"' || fail "dev did not register over PSK: $(cat "$1")"
  HTTP=$X509_HTTP
  http_has api/clients/dev '"identity":"x509:CN=dev"' ||
    fail "dev did not register over X.509: $(cat "$1")"
  local port
  for port in "$RPK_COAPS" "$PSK_COAPS" "$X509_COAPS"; do
    log_has "dev: DTLS session up to coaps://127.0.0.1:$port" "$1" ||
      fail "no DTLS session to $port in the device's log: $(cat "$1")"
  done
}

STATE=$WORK/dev.state
start client "$DROVER" client --endpoint dev --bootstrap "coap://127.0.0.1:$BS_PORT" \
  --state "$STATE" --duration 60
CLIENT_PID=$LAST_PID
log_has "bootstrap dev: rpk:$RPK_NAME bound for coaps" "$LOG" ||
  fail "the device's raw public key was not bound on the bootstrapping server"
log_has "DTLS to coaps://127.0.0.1:$RPK_COAPS with raw public key $RPK_NAME" "$WORK/client.log" ||
  fail "the device did not say how it secures the RPK account: $(cat "$WORK/client.log")"
log_has "DTLS to coaps://127.0.0.1:$PSK_COAPS with PSK identity dev-psk" "$WORK/client.log" ||
  fail "the device did not say how it secures the PSK account"
log_has "DTLS to coaps://127.0.0.1:$X509_COAPS with X.509 certificate (the server's checked with Certificate Usage 2)" \
  "$WORK/client.log" ||
  fail "the device did not say how it secures the X.509 account"
registered_everywhere "$WORK/client.log"
pass "a device bootstrapped with RPK, PSK and X.509 servers registers with all three over DTLS"

kill -INT "$CLIENT_PID"
timeout 20 tail --pid="$CLIENT_PID" -f /dev/null || fail "drover client did not stop"
for http in "$RPK_HTTP" "$PSK_HTTP" "$X509_HTTP"; do
  HTTP=$http
  for i in $(seq 1 100); do
    [[ $(api -o /dev/null -w '%{http_code}' "$HTTP/api/clients/dev") == 404 ]] && break
    sleep 0.1
  done
  [[ $(api -o /dev/null -w '%{http_code}' "$HTTP/api/clients/dev") == 404 ]] ||
    fail "dev did not de-register from $HTTP"
done

start client2 "$DROVER" client --endpoint dev --bootstrap "coap://127.0.0.1:$BS_PORT" \
  --state "$STATE" --duration 60
log_has "accounts from $STATE" "$WORK/client2.log" || fail "the state was not read back"
registered_everywhere "$WORK/client2.log"
[[ $(grep -c 'bootstrap dev: started' "$LOG") == 1 ]] || fail "the restarted device bootstrapped again"
pass "started again from its state file, the device registers with the three over DTLS"

# The configuration loses its PSK server and pins the X.509 server's certificate; the RPK server
# sends the device back to bootstrap (the Bootstrap-Request Trigger, /1/0/9).
put=$(api -X PUT -w ' %{http_code}' "$RPK_HTTP/api/bootstrap/configs/dev" -d "$(dev_config again)")
[[ $put == *' 200' ]] || fail "PUT of the configuration without PSK: $put"
got=$(api -X POST -w ' %{http_code}' "$RPK_HTTP/api/clients/dev/1/0/9/execute")
[[ $got == *' 200' ]] || fail "Execute of the Bootstrap-Request Trigger: $got"
log_has 'dev: bootstrapped: registering with server 1, 3' "$WORK/client2.log" ||
  fail "dev was not bootstrapped again: $(cat "$WORK/client2.log")"
for port in "$RPK_COAPS" "$X509_COAPS"; do
  log_has -E "DTLS to coaps://127\.0\.0\.1:$port .*" "$WORK/client2.log" || fail "no DTLS to $port"
  [[ $(grep -c "DTLS to coaps://127.0.0.1:$port " "$WORK/client2.log") == 2 ]] ||
    fail "the account of $port was not secured again: $(cat "$WORK/client2.log")"
done
[[ $(grep -c "DTLS to coaps://127.0.0.1:$PSK_COAPS " "$WORK/client2.log") == 1 ]] ||
  fail "the PSK account is still secured after it was removed"
for log in "$LOG" "$WORK/dm-x509.log"; do
  for i in $(seq 1 100); do
    [[ $(grep -c 'registered dev at' "$log") == 3 ]] && break
    sleep 0.1
  done
  [[ $(grep -c 'registered dev at' "$log") == 3 ]] ||
    fail "dev did not register anew with $(basename "$log" .log): $(cat "$WORK/client2.log")"
done
HTTP=$RPK_HTTP
http_has api/clients/dev "\"identity\":\"rpk:$RPK_NAME\"" || fail "dev is not registered over RPK"
HTTP=$X509_HTTP
http_has api/clients/dev '"identity":"x509:CN=dev"' || fail "dev is not registered over X.509"
pass "bootstrapped again without the PSK server: the two others secured anew, registered again"
finish
