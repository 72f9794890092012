#!/usr/bin/env bash
# Firmware images of `drover server`: uploaded through the HTTP API, fetched block-wise by libcoap
# from the server's own CoAP endpoint (coap://SERVER/fw/<sha256>) and over HTTP with a Range, the
# bytes the same; the image is still there after a restart on the same data folder.
source "$(dirname "$0")/interop_lib.sh"

IMAGE=$WORK/image.bin
head -c 70000 /dev/urandom >"$IMAGE"
SHA=$(sha256sum "$IMAGE" | cut -d' ' -f1)

start_server
up=$(timeout 10 curl -sS -w ' %{http_code}' --data-binary "@$IMAGE" \
  -H 'Content-Type: application/octet-stream' "$HTTP/api/firmware?name=sensor&version=2.0")
[[ $up == *"\"sha256\":\"$SHA\""*' 201' ]] || fail "upload: $up"
pass "POST /api/firmware stores the image under its SHA-256"

timeout 30 coap-client-notls -B 20 -b 1024 -m get -o "$WORK/fetched.bin" \
  "coap://127.0.0.1:$PORT/fw/$SHA" || fail "coap-client-notls could not fetch the image"
cmp -s "$IMAGE" "$WORK/fetched.bin" || fail "the bytes fetched over CoAP differ"
pass "coap-client-notls -b 1024 fetches the image block-wise, the same bytes"

timeout 10 curl -sS -r 1000-1999 -o "$WORK/range.bin" -w '%{http_code}' "$HTTP/fw/$SHA" \
  >"$WORK/range.code" || fail "GET /fw with a Range failed"
[[ $(cat "$WORK/range.code") == 206 ]] || fail "GET /fw with a Range: $(cat "$WORK/range.code")"
cmp -s <(tail -c +1001 "$IMAGE" | head -c 1000) "$WORK/range.bin" || fail "the range differs"
pass "GET /fw/<sha256> with Range: 206 and the range's bytes"

kill -INT "$SERVER_PID"
timeout 15 tail --pid="$SERVER_PID" -f /dev/null || fail "drover server did not exit after SIGINT"
start_server
listed=$(timeout 10 curl -sS "$HTTP/api/firmware/$SHA")
[[ $listed == *'"version":"2.0"'* ]] || fail "after a restart: $listed"
pass "the image is read back from the data folder after a restart"

kill -INT "$SERVER_PID"
timeout 15 tail --pid="$SERVER_PID" -f /dev/null || fail "drover server did not exit after SIGINT"
finish
