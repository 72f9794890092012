#!/usr/bin/env bash
# `drover demo`: the server, its HTTP API and the simulated devices in one process.
#  1. The README's run command, taken from README.md and run as written (the drover under test in
#     place of the path it names, the install and build steps before it left out: the test runs
#     after the build); only the ports are moved, through the environment the demo documents. It
#     starts, its devices register (demo-bs after the bootstrap server gave it its account), the
#     API lists them, and SIGINT stops it cleanly.
#  2. With faster devices: a Read through the API, /metrics, and the devices' Sends on
#     /api/events with its endpoint filter.
source "$(dirname "$0")/interop_lib.sh"

# wait_log LOG PID PATTERN [COUNT]: true once LOG has COUNT (default 1) lines matching PATTERN
# (~10 s); false at once when PID has exited.
wait_log() {
  local i
  for i in $(seq 1 100); do
    (($(grep -cE "$3" "$1" || true) >= ${4:-1})) && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# started LOG PID: waits for the demo's startup lines and sets HTTP to its API's base URL.
started() {
  wait_http_api "$1" "$2"
  log_has -E 'LwM2M server listening on coap://127\.0\.0\.1:[0-9]+ ' "$1" || fail "no CoAP address"
  log_has "curl $HTTP/api/clients" "$1" || fail "the demo does not print the API's URL"
}

# stops LOG PID: SIGINT de-registers every device and ends the demo with status 0.
stops() {
  local status=0 n
  kill -INT "$2"
  timeout 15 tail --pid="$2" -f /dev/null || fail "drover demo did not exit after SIGINT"
  wait "$2" || status=$?
  ((status == 0)) || fail "drover demo exited with status $status after SIGINT"
  for n in 0 1 2 bs; do
    grep -qE "deregistered demo-$n \(/rd/" "$1" || fail "demo-$n did not de-register"
  done
  grep -q 'stopped: 0 registrations' "$1" || fail "registrations left at exit"
}

# ---- 1. The README's command.
README=${DROVER_SOURCE_DIR:?the source tree, to read README.md}/README.md
[[ -f $README ]] || fail "no README.md in $DROVER_SOURCE_DIR"
# The run command is the line of a sh block that ends with the drover demo invocation.
mapfile -t commands < <(awk '/^```/ { block = !block && /^```sh/; next } block && /drover demo/' "$README")
((${#commands[@]} == 1)) ||
  fail "README.md should have one run command with 'drover demo' in a sh block, found ${#commands[@]}: ${commands[*]}"
run=${commands[0]##*&& }  # after the install and build steps
read -ra words <<<"$run"
[[ ${words[0]:-} =~ (^|/)drover$ && ${words[1]:-} == demo ]] ||
  fail "the README's run command does not end with drover demo: ${commands[0]}"
echo "README run command: $run"
# The OS picks free ports; the line stays as written.
export DROVER_COAP_PORT=0 DROVER_HTTP_PORT=0 DROVER_BOOTSTRAP_PORT=0
start readme "$DROVER" "${words[@]:1}"
README_PID=$LAST_PID
unset DROVER_COAP_PORT DROVER_HTTP_PORT DROVER_BOOTSTRAP_PORT
LOG=$WORK/readme.log
started "$LOG" "$README_PID"
for n in 0 1 2; do
  wait_log "$LOG" "$README_PID" "registered demo-$n at /rd/[a-z0-9]+ from 127\.1\.0\.$n:[0-9]+" ||
    fail "demo-$n did not register"
done
wait_log "$LOG" "$README_PID" "bootstrap demo-bs: finished" || fail "demo-bs was not bootstrapped"
wait_log "$LOG" "$README_PID" "registered demo-bs at /rd/" ||
  fail "demo-bs did not register after its bootstrap"
clients=$(timeout 10 curl -sS "$HTTP/api/clients")
grep -q '"total":4' <<<"$clients" || fail "GET /api/clients: $clients"
for n in 0 1 2 bs; do
  grep -q "\"endpoint\":\"demo-$n\"" <<<"$clients" || fail "GET /api/clients misses demo-$n"
done
stops "$LOG" "$README_PID"
pass "the README's run command starts the demo, its devices register (one bootstrapped first), the API lists them, SIGINT stops it"

# ---- 2. Faster devices: a Read, /metrics, Sends on the event stream.
start demo "$DROVER" demo --coap-port 0 --http-port 0 --bootstrap-port 0 --devices 3 --sample-interval 0.2 --send-interval 0.5
DEMO_PID=$LAST_PID
LOG=$WORK/demo.log
started "$LOG" "$DEMO_PID"
for n in 0 1 2; do
  wait_log "$LOG" "$DEMO_PID" "registered demo-$n at /rd/" || fail "demo-$n did not register"
done
manufacturer=$(timeout 15 curl -sS "$HTTP/api/clients/demo-1/3/0/0")
grep -q '"path":"/3/0/0","type":"string"' <<<"$manufacturer" ||
  fail "Read through the HTTP API failed: $manufacturer"
wait_log "$LOG" "$DEMO_PID" "registered demo-bs at /rd/" || fail "demo-bs did not register"
metrics=$(timeout 10 curl -sS "$HTTP/metrics")
grep -qx 'drover_registrations 4' <<<"$metrics" || fail "GET /metrics: $metrics"
events=$(timeout 3 curl -sSN "$HTTP/api/events?endpoint=demo-2" || true)
grep -q '^event: send$' <<<"$events" || fail "no Send event on /api/events: $events"
grep -q '"endpoint":"demo-2"' <<<"$events" || fail "event of the wrong device: $events"
if grep -qE '"endpoint":"demo-[01]"' <<<"$events"; then fail "the endpoint filter leaks"; fi
stops "$LOG" "$DEMO_PID"
pass "the demo's devices answer Reads, /metrics counts them, /api/events streams their Sends"

finish
