#!/usr/bin/env bash
# libcoap's coap-client-notls against `drover coap-server`: methods, observe, Block2, Block1, IPv6.
source "$(dirname "$0")/interop_lib.sh"

start_drover_server server-v4 127.0.0.1
URI=coap://127.0.0.1:$PORT

# GET
out=$(coap_client -m get "$URI/test")
[[ $out == "Hello from Drover" ]] || fail "GET /test returned '$out'"
pass "GET /test"

# PUT, then read back
coap_client -m put -e 'put by libcoap' "$URI/test" >/dev/null
log_has 'PUT /test, 14 bytes "put by libcoap" -> 2.04 Changed' "$LOG" || fail "PUT /test not answered 2.04"
out=$(coap_client -m get "$URI/test")
[[ $out == "put by libcoap" ]] || fail "GET after PUT returned '$out'"
pass "PUT /test"

# POST
coap_client -m post -e 'posted' "$URI/test" >/dev/null
log_has 'POST /test, 6 bytes "posted" -> 2.01 Created' "$LOG" || fail "POST /test not answered 2.01"
[[ $(coap_client -m get "$URI/test") == "posted" ]] || fail "GET after POST"
pass "POST /test"

# DELETE, then 4.04
coap_client -m delete "$URI/test" >/dev/null
log_has 'DELETE /test -> 2.02 Deleted' "$LOG" || fail "DELETE /test not answered 2.02"
coap_client -m get "$URI/test" >/dev/null 2>&1 || true
log_has 'GET /test -> 4.04 Not Found' "$LOG" || fail "GET after DELETE not answered 4.04"
pass "DELETE /test"

# Observe /counter for 3 seconds: the first response and notifications, then libcoap deregisters
# (GET with Observe=1 before it exits) and Drover's observer for it is gone.
coap_client -m get -s 3 -w -o "$WORK/observe.txt" "$URI/counter" >/dev/null
count=$(grep -c '^[0-9][0-9]*$' "$WORK/observe.txt" || true)
((count >= 3)) || fail "observe /counter: $count values (want >= 3): $(tr '\n' ' ' <"$WORK/observe.txt")"
log_has -E 'GET /counter, Observe 0 -> .*\(observing\)$' "$LOG" || fail "observation not accepted"
observer=$(sed -nE 's/.* ([0-9.]+:[0-9]+) GET \/counter, Observe 0 -> .*\(observing\)$/\1/p' "$LOG" | head -n 1)
[[ -n $observer ]] || fail "observation not accepted"
pass "observe /counter ($count values)"
for i in $(seq 1 50); do
  grep -qE "observer $observer removed: (deregistered|reset by observer)" "$LOG" && break
  ((i < 50)) || fail "the observer $observer was not removed after coap-client ended"
  sleep 0.1
done
pass "observer $observer removed when coap-client -s ended"

# Block2: GET /large in 64-byte blocks; the body is 100 lines "line NNNN " + 39 letters.
expected=$WORK/large.expected
letters=abcdefghijklmnopqrstuvwxyz
printf -v pad '%39s' ''
for ((i = 0; i < 100; i++)); do
  printf 'line %04d %s\n' "$i" "${pad// /${letters:i%26:1}}"
done >"$expected"
[[ $(wc -c <"$expected") -eq 5000 ]] || fail "test bug: expected body is not 5000 bytes"
coap_client -m get -b 64 -o "$WORK/large.got" "$URI/large" >/dev/null
cmp -s "$expected" "$WORK/large.got" || fail "Block2 GET /large: body differs ($(wc -c <"$WORK/large.got") bytes)"
pass "Block2 GET /large, 64-byte blocks, 5000 bytes"

# Block1: PUT 6000 bytes in 64-byte blocks; the server answers with the size it reassembled.
head -c 6000 /dev/urandom >"$WORK/upload.bin"
out=$(coap_client -m put -b 64 -f "$WORK/upload.bin" "$URI/upload")
[[ $out == "received 6000 bytes" ]] || fail "Block1 PUT /upload answered '$out'"
pass "Block1 PUT /upload, 64-byte blocks, 6000 bytes"

# IPv6: a second server on [::1].
if has_ipv6_loopback; then
  start_drover_server server-v6 ::1
  out=$(coap_client -m get "coap://[::1]:$PORT/test")
  [[ $out == "Hello from Drover" ]] || fail "GET over IPv6 returned '$out'"
  log_has '\[::1\]:[0-9]* GET /test -> 2.05' "$LOG" || fail "IPv6 GET not logged"
  pass "GET /test over IPv6 [::1]"
else
  echo "skip: no IPv6 loopback"
fi

finish
