#!/usr/bin/env bash
# Firmware Update (object 5) of `drover client` devices, driven through `drover server`'s HTTP API
# over loopback: a pull from libcoap's coap-server-notls (the image PUT there as a dynamic
# resource, fetched back with Block2), a push (Write of /5/0/0 with Block1), pulls over HTTP
# and HTTPS (python3's http.server), each checked against the image's SHA-256, then Update: the
# device runs the package's version (/3/0/3) and its result is 1. A device told to fail the check ends with
# Update Result 5, one that does not trust the HTTPS server's certificate with 4.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"

IMAGE=$WORK/image.bin
{
  printf 'DROVER-FW 3.1.4\n'
  head -c 150000 /dev/urandom  # more blocks than a device's default dedup share
} >"$IMAGE"
SHA=$(sha256sum "$IMAGE" | cut -d' ' -f1)

FILES_PORT=$(free_udp_port)
start files coap-server-notls -A 127.0.0.1 -p "$FILES_PORT" -d 4
wait_for_coap "coap://127.0.0.1:$FILES_PORT/.well-known/core" "$LAST_PID" ||
  fail "coap-server-notls did not start"
coap_client -m put -b 1024 -f "$IMAGE" "coap://127.0.0.1:$FILES_PORT/fw" >/dev/null
coap_client -m get -b 1024 -o "$WORK/back.bin" "coap://127.0.0.1:$FILES_PORT/fw" >/dev/null
cmp -s "$IMAGE" "$WORK/back.bin" || fail "coap-server-notls does not give the image back"

HTTP_FILES_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start http-files python3 -m http.server "$HTTP_FILES_PORT" --bind 127.0.0.1 --directory "$WORK"

# HTTPS: a certificate for 127.0.0.1 that the devices trust through --fw-ca.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
HTTPS_FILES_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start https-files python3 -c '
import functools, http.server, ssl, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[2])
server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[3], sys.argv[4])
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()' "$HTTPS_FILES_PORT" "$WORK" "$WORK/cert.pem" "$WORK/key.pem"

start_server
start client "$DROVER" client --log-level client=debug --endpoint fw --count 4 --server "coap://127.0.0.1:$PORT" \
  --sample-interval 60 --fw-sha256 "$SHA" --fw-dir "$WORK/packages" --fw-ca "$WORK/cert.pem"
start bad "$DROVER" client --endpoint bad --server "coap://127.0.0.1:$PORT" \
  --sample-interval 60 --fw-fail integrity
start drop "$DROVER" client --endpoint drop --server "coap://127.0.0.1:$PORT" \
  --sample-interval 60 --fw-fail download --fw-silence 2
start small "$DROVER" client --endpoint small --server "coap://127.0.0.1:$PORT" \
  --sample-interval 60 --fw-fail storage
start stuck "$DROVER" client --endpoint stuck --server "coap://127.0.0.1:$PORT" \
  --sample-interval 60 --fw-fail update

api() { timeout 20 curl -sS "$@"; }
# value EP PATH: the value of one resource, read through the API.
value() {
  api "$HTTP/api/clients/$1$2" | python3 -c 'import json, sys; print(json.load(sys.stdin)["values"][0]["value"])'
}
# wait_value EP PATH VALUE: true once the resource has VALUE (at most ~20 s).
wait_value() {
  local i
  for i in $(seq 1 100); do
    [[ $(value "$1" "$2" 2>/dev/null) == "$3" ]] && return 0
    sleep 0.2
  done
  return 1
}
for ep in fw-0 fw-1 fw-2 fw-3 bad drop small stuck; do
  for i in $(seq 1 100); do
    api "$HTTP/api/clients/$ep" 2>/dev/null | grep -q '"endpoint"' && break
    sleep 0.1
  done
done

write_uri() {
  api -X PUT "$HTTP/api/clients/$1/5/0/1" \
    -d "{\"values\":[{\"path\":\"/5/0/1\",\"type\":\"string\",\"value\":\"$2\"}]}" >/dev/null
}
push() {
  python3 - "$IMAGE" "$WORK/push.json" <<'PY'
import base64, json, sys
data = open(sys.argv[1], "rb").read()
json.dump({"values": [{"path": "/5/0/0", "type": "opaque", "value": base64.b64encode(data).decode()}]},
          open(sys.argv[2], "w"))
PY
  api -X PUT "$HTTP/api/clients/$1/5/0/0?format=opaque" --data-binary "@$WORK/push.json"
}

write_uri fw-0 "coap://127.0.0.1:$FILES_PORT/fw"
wait_value fw-0 /5/0/3 2 || fail "fw-0: no Downloaded after the pull from coap-server-notls"
pass "pull over CoAP Block2 from coap-server-notls, SHA-256 checked"

answer=$(push fw-1)
[[ $answer == *'"2.04"'* ]] || fail "push to fw-1 answered $answer"
wait_value fw-1 /5/0/3 2 || fail "fw-1: no Downloaded after the push"
pass "push with Block1, SHA-256 checked"

write_uri fw-2 "http://127.0.0.1:$HTTP_FILES_PORT/image.bin"
wait_value fw-2 /5/0/3 2 || fail "fw-2: no Downloaded after the pull over HTTP"
pass "pull over HTTP, SHA-256 checked"

write_uri fw-3 "https://127.0.0.1:$HTTPS_FILES_PORT/image.bin"
wait_value fw-3 /5/0/3 2 || fail "fw-3: no Downloaded after the pull over HTTPS"
pass "pull over HTTPS (certificate and name checked), SHA-256 checked"

for ep in fw-0 fw-1 fw-2 fw-3; do
  api -X POST "$HTTP/api/clients/$ep/5/0/2/execute" >/dev/null
  wait_value "$ep" /5/0/5 1 || fail "$ep: Update Result is not 1 after Update"
  [[ $(value "$ep" /3/0/3) == 3.1.4 ]] || fail "$ep: Firmware Version is not the package's"
  [[ $(value "$ep" /5/0/3) == 0 ]] || fail "$ep: not Idle after the update"
done
log_has 'fw-1: registration updated' "$WORK/client.log" || fail "no registration Update after the update"
pass "Update: each device runs 3.1.4 (/3/0/3), Idle with result 1, and updated its registration"

push bad >/dev/null
wait_value bad /5/0/5 5 || fail "bad: Update Result is not 5 (integrity check failure)"
[[ $(value bad /5/0/3) == 0 ]] || fail "bad: not Idle after the failed check"
pass "--fw-fail integrity: Update Result 5, Idle"

write_uri bad "https://127.0.0.1:$HTTPS_FILES_PORT/image.bin"  # its CAs are the system's
wait_value bad /5/0/5 4 || fail "bad: a server certificate it does not trust did not end the pull"
pass "HTTPS with a certificate not trusted: Update Result 4"

answer=$(push drop)
[[ $answer != *'"2.04"'* ]] || fail "drop: the push went through"
wait_value drop /5/0/5 4 || fail "drop: Update Result is not 4 (connection lost)"
sleep 2.5  # --fw-silence
wait_value drop /5/0/3 0 || fail "drop: not back after its silence"
answer=$(push drop)
[[ $answer == *'"2.04"'* ]] || fail "drop: the second push answered $answer"
[[ $(value drop /5/0/3) == 2 ]] || fail "drop: no Downloaded after the second push"
pass "--fw-fail download: the first push ends with Update Result 4, the next one succeeds"

answer=$(push small)
[[ $answer == *'4.13'* ]] || fail "small: the push answered $answer"
wait_value small /5/0/5 2 || fail "small: Update Result is not 2 (not enough storage)"
pass "--fw-fail storage: 4.13 to the push, Update Result 2"

push stuck >/dev/null
api -X POST "$HTTP/api/clients/stuck/5/0/2/execute" >/dev/null
wait_value stuck /5/0/5 8 || fail "stuck: Update Result is not 8 (update failed)"
[[ $(value stuck /5/0/3) == 2 ]] || fail "stuck: the package is not kept (Downloaded) after the failed update"
[[ $(value stuck /3/0/3) == 0.1.0 ]] || fail "stuck: its Firmware Version changed"
pass "--fw-fail update: Update Result 8, the package kept"

finish
