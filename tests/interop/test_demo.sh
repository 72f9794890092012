#!/usr/bin/env bash
# `drover demo`: the server, its HTTP API and the simulated devices in one process. The devices
# register, the API lists them and reads from one, /metrics and /api/events answer, and SIGINT
# de-registers them and exits with 0.
source "$(dirname "$0")/interop_lib.sh"

start demo "$DROVER" demo --coap-port 0 --http-port 0 --devices 3 --sample-interval 0.2 --send-interval 0.5
DEMO_PID=$LAST_PID
LOG=$WORK/demo.log

# wait_log PATTERN [COUNT]: true once the log has COUNT (default 1) lines matching PATTERN (~10 s).
wait_log() {
  local i
  for i in $(seq 1 100); do
    (($(grep -cE "$1" "$LOG" || true) >= ${2:-1})) && return 0
    kill -0 "$DEMO_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

wait_log 'HTTP API on http://127\.0\.0\.1:[0-9]+/api/clients' || fail "drover demo did not start"
HTTP=$(sed -nE 's/.*HTTP API on (http:\/\/127\.0\.0\.1:[0-9]+)\/api\/clients.*/\1/p' "$LOG")
grep -qE 'LwM2M server listening on coap://127\.0\.0\.1:[0-9]+ ' "$LOG" || fail "no CoAP address"
grep -q "curl $HTTP/api/clients" "$LOG" || fail "the demo does not print the API's URL"
for n in 0 1 2; do
  wait_log "registered demo-$n at /rd/[a-z0-9]+ from 127\.0\.0\.1:[0-9]+" ||
    fail "demo-$n did not register"
done
pass "drover demo starts the server, its HTTP API and three registered devices"

clients=$(timeout 10 curl -sS "$HTTP/api/clients")
grep -q '"total":3' <<<"$clients" || fail "GET /api/clients: $clients"
for n in 0 1 2; do
  grep -q "\"endpoint\":\"demo-$n\"" <<<"$clients" || fail "GET /api/clients misses demo-$n"
done
manufacturer=$(timeout 15 curl -sS "$HTTP/api/clients/demo-1/3/0/0")
grep -q '"path":"/3/0/0","type":"string"' <<<"$manufacturer" ||
  fail "Read through the HTTP API failed: $manufacturer"
pass "the HTTP API lists the devices and reads /3/0/0 from one"

metrics=$(timeout 10 curl -sS "$HTTP/metrics")
grep -qx 'drover_registrations 3' <<<"$metrics" || fail "GET /metrics: $metrics"
events=$(timeout 3 curl -sSN "$HTTP/api/events?endpoint=demo-2" || true)
grep -q '^event: send$' <<<"$events" || fail "no Send event on /api/events: $events"
grep -q '"endpoint":"demo-2"' <<<"$events" || fail "event of the wrong device: $events"
if grep -qE '"endpoint":"demo-[01]"' <<<"$events"; then fail "the endpoint filter leaks"; fi
pass "/metrics counts the registrations, /api/events streams a device's Sends"

kill -INT "$DEMO_PID"
status=0
timeout 15 tail --pid="$DEMO_PID" -f /dev/null || fail "drover demo did not exit after SIGINT"
wait "$DEMO_PID" || status=$?
((status == 0)) || fail "drover demo exited with status $status after SIGINT"
for n in 0 1 2; do
  grep -qE "deregistered demo-$n \(/rd/" "$LOG" || fail "demo-$n did not de-register"
done
grep -q 'stopped: 0 registrations' "$LOG" || fail "registrations left at exit"
pass "SIGINT de-registers the devices and stops with status 0"

finish
