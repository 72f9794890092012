#!/usr/bin/env bash
# `drover client --count N` as a fleet: 300 simulated devices register with a real `drover server`
# over loopback, all through one socket (device i at 127.1.0.0 + i), so they fit under an
# open-file limit of 128, and de-register on SIGINT. Towards a server elsewhere each device needs
# a socket: the client raises its soft open-file limit to the hard one, and refuses a count that
# cannot fit with a clear message.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"

COUNT=300

# A count that cannot fit under the limit is refused before any socket is opened (192.0.2.1, a
# documentation address, is never contacted).
out=$( (ulimit -n 100 && timeout 10 "$DROVER" client --endpoint x --server coap://192.0.2.1:9 --count 200) 2>&1) &&
  fail "--count 200 under a limit of 100 files was accepted: $out"
grep -q 'may open 100 files (RLIMIT_NOFILE, hard limit 100); 36 devices fit' <<<"$out" ||
  fail "no clear message for a count that does not fit: $out"
pass "--count 200 with 100 open files allowed: refused, saying how many fit"

start_server

# registered_count: the number of registrations the HTTP API lists.
registered_count() {
  timeout 10 curl -sS "$HTTP/api/clients?limit=1" | sed -nE 's/.*"total":([0-9]+).*/\1/p'
}
# wait_count N: true once the server lists N registrations (at most ~30 s).
wait_count() {
  local i n
  for i in $(seq 1 150); do
    n=$(registered_count)
    [[ $n == "$1" ]] && return 0
    sleep 0.2
  done
  echo "the server lists ${n:-?} registrations, not $1" >&2
  return 1
}

# An open-file limit far below the fleet's size: the devices share one socket.
(ulimit -n 128 && exec timeout 100 "$DROVER" client --endpoint fleet --server "coap://127.0.0.1:$PORT" \
  --count "$COUNT" --lifetime 120 --sample-interval 10) >"$WORK/client.log" 2>&1 &
CLIENT_PID=$!
PIDS+=("$CLIENT_PID")

wait_count "$COUNT" || fail "not all $COUNT devices registered"
for n in 0 $((COUNT / 2)) $((COUNT - 1)); do
  timeout 10 curl -sS "$HTTP/api/clients/fleet-$n" | grep -q "\"endpoint\":\"fleet-$n\"" ||
    fail "fleet-$n is not listed"
done
(($(grep -c 'registered fleet-[0-9]* at /rd/' "$LOG") == COUNT)) || fail "the server did not log $COUNT registrations"
port=$(sed -nE 's/.*fleet-0: LwM2M 1.1 client on 127\.1\.0\.0:([0-9]+),.*/\1/p' "$WORK/client.log")
[[ -n $port ]] || fail "fleet-0 is not at 127.1.0.0: $(grep -m1 'fleet-0:' "$WORK/client.log")"
log_has "fleet-299: LwM2M 1.1 client on 127.1.1.43:$port," "$WORK/client.log" ||
  fail "fleet-299 is not at 127.1.1.43:$port: $(grep -m1 'fleet-299:' "$WORK/client.log")"
(($(ls "/proc/$(pgrep -P "$CLIENT_PID")/fd" | wc -l) < 20)) || fail "the client holds a socket per device"
pass "$COUNT devices of one drover client process (128 files allowed) registered with drover server, each from its own address on one socket"

kill -INT "$CLIENT_PID"
wait_count 0 || fail "the devices did not all de-register on SIGINT: $(tail -5 "$WORK/client.log")"
timeout 30 tail --pid="$CLIENT_PID" -f /dev/null || fail "drover client did not exit after SIGINT"
log_has 'all devices de-registered' "$WORK/client.log" || fail "the client did not report the de-registrations"
pass "SIGINT de-registers all $COUNT devices and the client exits"

kill -INT "$SERVER_PID"
timeout 15 tail --pid="$SERVER_PID" -f /dev/null || fail "drover server did not stop on SIGINT"
pass "server stopped"

finish
