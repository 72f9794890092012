#!/usr/bin/env bash
# `drover server` killed with SIGKILL and started again on the same data folder loses nothing:
# 100,000 clients of `drover fleet` registered before the kill are listed after it, and each one's
# next Update is answered 2.04 (not 4.04); a notification of an observation made before the kill
# reaches the event stream after it.
source "$(dirname "$0")/interop_lib.sh"

CLIENTS=${DROVER_RESTART_CLIENTS:-100000}
PORT=$(free_udp_port)
HTTP_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HTTP=http://127.0.0.1:$HTTP_PORT

run_server() {  # run_server NAME: the server on the fixed ports and data folder
  start "$1" "$DROVER" server --address 127.0.0.1 --coap-port "$PORT" --http-port "$HTTP_PORT" \
    --data-dir "$WORK/data"
  SERVER_PID=$LAST_PID
  wait_http_api "$WORK/$1.log" "$SERVER_PID"
}

run_server server
start device "$DROVER" client --endpoint watched --server "coap://127.0.0.1:$PORT" \
  --sample-interval 0.2 --lifetime 300
for i in $(seq 1 100); do
  curl -sf "$HTTP/api/clients/watched" >/dev/null && break
  sleep 0.1
done
observe=$(timeout 10 curl -sS -X POST "$HTTP/api/clients/watched/3303/0/5700/observe")
grep -q '"observing":true' <<<"$observe" || fail "the observation was not accepted: $observe"
pass "the device is observed"

start fleet "$DROVER" fleet --server "coap://127.0.0.1:$PORT" --clients "$CLIENTS" \
  --hold-file "$WORK/go" --limit 90
FLEET_PID=$LAST_PID
for i in $(seq 1 900); do
  grep -q '^register: ' "$WORK/fleet.log" && break
  kill -0 "$FLEET_PID" 2>/dev/null || break
  sleep 0.1
done
log_has "^register: $CLIENTS of $CLIENTS answered 2.xx" "$WORK/fleet.log" ||
  fail "not every client registered: $(cat "$WORK/fleet.log")"
pass "$CLIENTS clients registered"

# The kill comes once the store has committed them (it writes behind, read here as another
# process would): what was committed is what survives.
committed=0
for i in $(seq 1 300); do
  committed=$(python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM registrations").fetchone()[0])' \
    "$WORK/data/server-0.db" 2>/dev/null || echo 0)
  [[ $committed -eq $((CLIENTS + 1)) ]] && break
  sleep 0.1
done
[[ $committed -eq $((CLIENTS + 1)) ]] || fail "the store committed $committed registrations in 30 s"
pkill -9 -P "$SERVER_PID"  # the server itself, not the `timeout` in front of it
timeout 10 tail --pid="$SERVER_PID" -f /dev/null || fail "the server did not die"
run_server server2
log_has "restored: $((CLIENTS + 1)) registrations" "$WORK/server2.log" ||
  fail "not everything was restored: $(grep -E 'store|restored' "$WORK/server2.log")"
total=$(timeout 10 curl -sS "$HTTP/api/clients?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[[ $total -eq $((CLIENTS + 1)) ]] || fail "$total clients listed after the restart"
pass "after SIGKILL and a restart all $total registrations are listed"

timeout 10 curl -sSN "$HTTP/api/events?endpoint=watched" >"$WORK/events.txt" &
touch "$WORK/go"
timeout 120 tail --pid="$FLEET_PID" -f /dev/null || fail "the fleet did not finish"
log_has "^update: $CLIENTS of $CLIENTS answered 2.xx, 0 with an error code" "$WORK/fleet.log" ||
  fail "Updates after the restart: $(grep '^update' "$WORK/fleet.log")"
pass "every client's next Update was answered 2.04"

for i in $(seq 1 100); do
  grep -q '^event: notification' "$WORK/events.txt" && break
  sleep 0.1
done
grep -q '^event: notification' "$WORK/events.txt" ||
  fail "no notification of the observation made before the kill"
pass "a notification of the observation made before the kill reached the event stream"
finish
