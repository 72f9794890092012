#!/usr/bin/env bash
# `drover server` logs the registration lifecycle by default, while Sends still reach the server
# (counted in /metrics); --log-level server=debug is in test_server_client_processes.sh.
source "$(dirname "$0")/interop_lib.sh"

start_server

start client "$DROVER" client --endpoint quiet --server "coap://127.0.0.1:$PORT" --count 2 \
  --lifetime 60 --sample-interval 0.2 --send-interval 0.3
CLIENT_PID=$LAST_PID

sends=0
for i in $(seq 1 100); do
  sends=$(timeout 10 curl -sS "$HTTP/metrics" | awk '$1 == "drover_sends_total" { print $2 }')
  [[ ${sends:-0} -ge 4 ]] && break
  sleep 0.1
done
[[ ${sends:-0} -ge 4 ]] || fail "the server counted ${sends:-0} Sends"
log_has -E "registered quiet-0 at /rd/" "$LOG" || fail "the registration of quiet-0 is not logged"
log_has -E "registered quiet-1 at /rd/" "$LOG" || fail "the registration of quiet-1 is not logged"
! grep -qE "send from|notification from|updated " "$LOG" || fail "per-message events were logged"
pass "registrations are logged, $sends Sends are counted but not logged"

kill -INT "$CLIENT_PID"
timeout 15 tail --pid="$CLIENT_PID" -f /dev/null || fail "drover client did not exit after SIGINT"
for n in 0 1; do
  log_has "deregistered quiet-$n " "$LOG" || fail "the de-registration of quiet-$n is not logged"
done
pass "de-registrations are logged"
finish
