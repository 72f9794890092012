#!/usr/bin/env bash
# `drover server --log-format json`: every line of its log is a JSON object with the timestamp,
# level, component, endpoint, event and message; a registration names its endpoint and event.
# --log-file writes the log to a file instead of stderr.
source "$(dirname "$0")/interop_lib.sh"

start_server --log-format json --log-level info,coap=trace
start client "$DROVER" client --endpoint json-dev --server "coap://127.0.0.1:$PORT" --duration 2
CLIENT_PID=$LAST_PID
timeout 15 tail --pid="$CLIENT_PID" -f /dev/null || fail "drover client did not stop"
for i in $(seq 1 50); do
  grep -q '"event":"deregistered"' "$LOG" && break
  sleep 0.1
done
python3 - "$LOG" <<'PY' || fail "the JSON log does not hold what it should"
import json, sys
fields = {"timestamp", "level", "component", "endpoint", "event", "message"}
events = set()
for n, line in enumerate(open(sys.argv[1]), 1):
    entry = json.loads(line)
    assert set(entry) == fields, f"line {n}: {sorted(entry)}"
    assert all(isinstance(v, str) for v in entry.values()), f"line {n}: {entry}"
    events.add((entry["component"], entry["event"], entry["endpoint"]))
for wanted in [("server", "registered", "json-dev"), ("server", "deregistered", "json-dev"),
               ("server", "listening", ""), ("coap", "received", ""), ("coap", "sent", "")]:
    assert wanted in events, f"no {wanted} in {sorted(events)}"
PY
pass "every line is a JSON object with all six fields; registrations and CoAP messages are there"

kill -INT "$SERVER_PID"
timeout 15 tail --pid="$SERVER_PID" -f /dev/null || fail "drover server did not stop"

timeout 30 "$DROVER" server --address 127.0.0.1 --coap-port 0 --http-port 0 --store memory \
  --duration 0.5 --log-file "$WORK/file/server.log" >"$WORK/stdio.log" 2>&1 ||
  fail "drover server --log-file: $(cat "$WORK/stdio.log")"
[[ ! -s $WORK/stdio.log ]] || fail "--log-file still wrote to stdio: $(cat "$WORK/stdio.log")"
log_has 'info  server    stopped: 0 registrations' "$WORK/file/server.log" ||
  fail "no closing line in the log file: $(cat "$WORK/file/server.log")"
pass "--log-file writes the log to the file, nothing to stderr"
finish
