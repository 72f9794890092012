#!/usr/bin/env bash
# The real `drover server` and `drover client` programs over loopback: three simulated devices
# register, send readings, and de-register when the client program gets SIGINT.
source "$(dirname "$0")/interop_lib.sh"

start_server --log-level server=debug

# wait_log PATTERN [COUNT]: true once the server log has COUNT (default 1) lines matching PATTERN
# (at most ~10 s).
wait_log() {
  local i
  for i in $(seq 1 100); do
    (($(grep -cE "$1" "$LOG" || true) >= ${2:-1})) && return 0
    sleep 0.1
  done
  return 1
}

start client "$DROVER" client --endpoint proc --server "coap://127.0.0.1:$PORT" --count 3 \
  --lifetime 60 --sample-interval 0.2 --send-interval 0.5
CLIENT_PID=$LAST_PID

for n in 0 1 2; do
  wait_log "registered proc-$n at /rd/[a-z0-9]+ from 127\.1\.0\.$n:[0-9]+, lwm2m 1\.1" ||
    fail "proc-$n did not register"
done
pass "three simulated devices registered with drover server, each from its own address"

for n in 0 1 2; do
  wait_log "send from proc-$n .*3303/0/5700" || fail "no Send from proc-$n"
done
pass "each device sent its temperature (POST /dp)"

clients=$(timeout 10 curl -sS "$HTTP/api/clients")
for n in 0 1 2; do
  grep -q "\"proc-$n\"" <<<"$clients" || fail "GET /api/clients does not list proc-$n: $clients"
done
temperature=$(timeout 15 curl -sS "$HTTP/api/clients/proc-1/3303/0/5700")
grep -qE '"path":"/3303/0/5700"' <<<"$temperature" || fail "Read through the HTTP API failed: $temperature"
pass "the HTTP API lists the devices and reads /3303/0/5700 from one"

kill -INT "$CLIENT_PID"
for n in 0 1 2; do
  wait_log "deregistered proc-$n \(/rd/" || fail "proc-$n did not de-register on SIGINT"
done
timeout 15 tail --pid="$CLIENT_PID" -f /dev/null || fail "drover client did not exit after SIGINT"
pass "SIGINT on the client de-registers every device and exits"

kill -INT "$SERVER_PID"
wait_log 'stopped: 0 registrations' || fail "drover server did not stop cleanly"
pass "server stopped with no registration left"

finish
