#!/usr/bin/env bash
# `drover demo`: every scripted exchange succeeds, then the server it leaves running answers libcoap.
source "$(dirname "$0")/interop_lib.sh"

PORT=
for attempt in 1 2 3; do
  candidate=$(free_udp_port)
  start "demo-$attempt" "$DROVER" demo --port "$candidate" --duration 20
  LOG=$WORK/demo-$attempt.log
  for i in $(seq 1 150); do
    grep -q 'Press Ctrl-C to stop' "$LOG" && break
    kill -0 "$LAST_PID" 2>/dev/null || break
    sleep 0.1
  done
  if grep -q 'Press Ctrl-C to stop' "$LOG"; then
    PORT=$candidate
    break
  fi
  grep -q 'cannot listen' "$LOG" || fail "drover demo did not finish its exchanges"
done
[[ -n $PORT ]] || fail "drover demo could not get a port"

grep -q 'All demo exchanges succeeded.' "$LOG" || fail "a demo exchange failed"
grep -q 'reassembled 5000 bytes, identical' "$LOG" || fail "block-wise GET in the demo"
grep -q '"received 4096 bytes"' "$LOG" || fail "block-wise PUT in the demo"
pass "demo exchanges"

out=$(coap_client -m get "coap://127.0.0.1:$PORT/test")
[[ $out == "Hello from the Drover demo client" ]] || fail "GET /test after the demo returned '$out'"
pass "the demo server keeps serving"

finish
