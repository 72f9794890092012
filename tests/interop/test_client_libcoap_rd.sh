#!/usr/bin/env bash
# `drover client` against libcoap's resource directory (coap-rd-notls): two simulated devices
# register (POST /rd with ep, lt, lwm2m, b and the object list), the registrations show up in the
# RD's /.well-known/core, and SIGINT makes the client de-register (DELETE of each location) and exit.
#
# coap-rd-notls 4.3.1 (Debian 12) aborts with a double free on the first DELETE of a registration
# (also one sent by coap-client-notls), so the de-registration is checked in the RD's own log (-v 7
# prints every message it receives), where only the first DELETE can appear, and the client is given
# a short --stop-timeout for the answers that never come.
source "$(dirname "$0")/interop_lib.sh"
command -v coap-rd-notls >/dev/null || fail "coap-rd-notls not found (package libcoap3-bin)"

# coap-rd-notls does not fail on a taken port: take one from the OS and check the RD answers there.
PORT=
for attempt in 1 2 3; do
  candidate=$(free_udp_port)
  start "rd-$attempt" coap-rd-notls -A 127.0.0.1 -p "$candidate" -v 7
  disown "$LAST_PID"  # its abort (see above) is expected: no job report from bash
  if wait_for_coap "coap://127.0.0.1:$candidate/.well-known/core" "$LAST_PID" &&
    [[ $(coap_client -m get "coap://127.0.0.1:$candidate/.well-known/core") == *'rt="core.rd"'* ]]; then
    PORT=$candidate
    RD_LOG=$WORK/rd-$attempt.log
    break
  fi
done
[[ -n $PORT ]] || fail "coap-rd-notls did not start"

start client "$DROVER" client --endpoint interop --count 2 --server "coap://127.0.0.1:$PORT" \
  --lifetime 300 --sample-interval 0.2 --stop-timeout 2
CLIENT_PID=$LAST_PID
CLIENT_LOG=$WORK/client.log

# Both devices register; their locations come from the client's log.
for i in $(seq 1 100); do
  (($(grep -c 'registered at /rd/' "$CLIENT_LOG" || true) == 2)) && break
  kill -0 "$CLIENT_PID" 2>/dev/null || fail "drover client exited"
  sleep 0.1
done
(($(grep -c 'registered at /rd/' "$CLIENT_LOG" || true) == 2)) || fail "the devices did not register"
mapfile -t LOCATIONS < <(sed -nE 's/.*registered at (\/rd\/[^ ]+).*/\1/p' "$CLIENT_LOG")
pass "two devices registered at ${LOCATIONS[*]}"

for ep in interop-0 interop-1; do
  grep -q "c:POST .*Uri-Path:rd, Content-Format:application/link-format, Uri-Query:ep=$ep, Uri-Query:lwm2m=1.1, Uri-Query:lt=300, Uri-Query:b=U" "$RD_LOG" ||
    fail "no Register of $ep in the RD's log"
done
grep -q "</3/0>,</4>;ver=1.3,</4/0>,</5>;ver=1.2,</5/0>,</6/0>,</7/0>,</3303>;ver=1.1,</3303/0>,</3311/0>" "$RD_LOG" ||
  fail "the Register payload lacks the object list"
pass "Register queries and object list as sent to the RD"

core=$(coap_client -m get "coap://127.0.0.1:$PORT/.well-known/core")
for location in "${LOCATIONS[@]}"; do
  [[ $core == *"<$location>"* ]] || fail "$location is not in the RD's /.well-known/core: $core"
done
pass "the RD lists both registrations"

kill -INT "$CLIENT_PID"
for i in $(seq 1 100); do
  kill -0 "$CLIENT_PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$CLIENT_PID" 2>/dev/null && fail "drover client still runs 10 s after SIGINT"
status=0
wait "$CLIENT_PID" || status=$?
((status == 0)) || fail "drover client exited with status $status after SIGINT"
grep -q 'caught SIGINT, de-registering' "$CLIENT_LOG" || fail "the client did not report SIGINT"
deleted=0
for location in "${LOCATIONS[@]}"; do
  grep -q "c:DELETE .*Uri-Path:rd, Uri-Path:${location#/rd/} \]" "$RD_LOG" && deleted=$((deleted + 1))
done
((deleted >= 1)) || fail "no De-register (DELETE of ${LOCATIONS[*]}) in the RD's log"
pass "SIGINT: De-register reached the RD and the client exited"

finish
