#!/usr/bin/env bash
# `drover bootstrap-server` over loopback: libcoap's coap-client-notls sends Bootstrap-Requests
# (answered 2.04, 4.00 for an unknown endpoint, 4.15 for an unsupported pct); a minimal device in
# Python, answering every request, is bootstrapped to the end (Delete, Writes, Finish); the HTTP
# API of configurations refuses an unusable config with the reason and never shows a secret.
# `drover server --bootstrap-port` runs both roles, and keeps the configurations across a restart;
# `drover client --bootstrap` starts from its URI alone and ends registered with that server;
# `drover client --lwm2m 1.2 --bootstrap-pack` does so with one Bootstrap-Pack-Request. Both
# programs count in their Prometheus /metrics.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"

cat >"$WORK/configs.json" <<'JSON'
{"libcoap-dev": {"servers": [{"security": {"uri": "coap://127.0.0.1:5683", "ssid": 1},
                              "server": {"lifetime": 60}}]},
 "py-dev": {"servers": [{"security": {"uri": "coaps://127.0.0.1:5684", "mode": "psk",
                                      "identity_text": "py-dev", "secret_key": "a1b2c3d4", "ssid": 2},
                         "server": {"lifetime": 120}}]}}
JSON
start bootstrap "$DROVER" bootstrap-server --address 127.0.0.1 --port 0 --http-port 0 \
  --store memory --config "$WORK/configs.json"
BS_PID=$LAST_PID
LOG=$WORK/bootstrap.log
for i in $(seq 1 100); do
  HTTP=$(sed -nE 's/.*HTTP API on (http:\/\/127\.0\.0\.1:[0-9]+)\/api\/.*/\1/p' "$LOG")
  [[ -n $HTTP ]] && break
  kill -0 "$BS_PID" 2>/dev/null || fail "drover bootstrap-server exited"
  sleep 0.1
done
[[ -n $HTTP ]] || fail "no HTTP API line in the bootstrap server's log"
PORT=$(sed -nE 's/.*LwM2M bootstrap server listening on coap:\/\/127\.0\.0\.1:([0-9]+).*/\1/p' "$LOG")
[[ -n $PORT ]] || fail "no CoAP port in the bootstrap server's log"
URI=coap://127.0.0.1:$PORT

wait_log() {
  local i
  for i in $(seq 1 50); do
    grep -qE "$1" "$LOG" && return 0
    sleep 0.1
  done
  return 1
}

out=$(timeout 20 coap-client-notls -B 3 -v 6 -m post "$URI/bs?ep=libcoap-dev" 2>&1)
grep -q 'c:2.04' <<<"$out" || fail "Bootstrap-Request not answered 2.04: $out"
wait_log 'bootstrap libcoap-dev: started \(Bootstrap-Request from 127\.0\.0\.1:[0-9]+, application/vnd\.oma\.lwm2m\+tlv\)' ||
  fail "the session of libcoap-dev was not started"
pass "coap-client's Bootstrap-Request: 2.04, a session started"

out=$(timeout 20 coap-client-notls -B 3 -v 6 -m post "$URI/bs?ep=stranger" 2>&1)
grep -q 'c:4.00' <<<"$out" || fail "an unknown endpoint was not answered 4.00: $out"
out=$(timeout 20 coap-client-notls -B 3 -v 6 -m post "$URI/bs?ep=libcoap-dev&pct=40" 2>&1)
grep -q 'c:4.15' <<<"$out" || fail "pct=40 was not answered 4.15: $out"
pass "unknown endpoint: 4.00; unsupported pct: 4.15"

# A device that answers every request piggybacked, until Bootstrap-Finish.
timeout 30 python3 - "$PORT" >"$WORK/device.log" 2>&1 <<'PY' || fail "the Python device failed: $(cat "$WORK/device.log")"
import socket, struct, sys
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.bind(("127.0.0.1", 0))

# CON POST, Uri-Path "bs" (option 11), Uri-Query "ep=py-dev" (option 15).
request = struct.pack("!BBH", 0x40, 0x02, 1) + bytes([0xB2]) + b"bs" + bytes([0x49]) + b"ep=py-dev"
s.sendto(request, ("127.0.0.1", port))
while True:
    data, peer = s.recvfrom(2048)
    first, code, mid = struct.unpack("!BBH", data[:4])
    kind, tkl = (first >> 4) & 3, first & 15
    token = data[4:4 + tkl]
    if kind == 2:  # the ACK of the Bootstrap-Request
        print("answer", code >> 5, code & 31)
        continue
    # Uri-Path of the request
    i, number, path = 4 + tkl, 0, []
    while i < len(data) and data[i] != 0xFF:
        delta, length = data[i] >> 4, data[i] & 15
        i += 1
        if delta == 13: delta = 13 + data[i]; i += 1
        if length == 13: length = 13 + data[i]; i += 1
        number += delta
        if number == 11: path.append(data[i:i + length].decode())
        i += length
    method = {1: "GET", 2: "POST", 3: "PUT", 4: "DELETE"}[code]
    answer = {"DELETE": (2 << 5) | 2, "PUT": (2 << 5) | 4, "POST": (2 << 5) | 4, "GET": (2 << 5) | 5}[method]
    print(method, "/" + "/".join(path))
    s.sendto(struct.pack("!BBH", 0x60 | tkl, answer, mid) + token, peer)
    if method == "POST" and path == ["bs"]:
        break
PY
log_has 'answer 2 4' "$WORK/device.log" || fail "the device's Bootstrap-Request was not answered 2.04: $(cat "$WORK/device.log")"
[[ $(grep -vE '^answer' "$WORK/device.log" | tr '\n' ' ') == 'DELETE / PUT /0/0 PUT /1/0 POST /bs ' ]] ||
  fail "the device got other requests: $(cat "$WORK/device.log")"
wait_log 'bootstrap py-dev: finished' || fail "the session of py-dev did not finish"
for step in 'delete / -> 2.02' 'write /0/0 -> 2.04' 'write /1/0 -> 2.04' 'finish /bs -> 2.04'; do
  grep -qF "bootstrap py-dev: $step" "$LOG" || fail "no log line for $step"
done
pass "a device bootstrapped: Delete /, Write /0/0 and /1/0, Finish, each step logged"

api() {
  timeout 10 curl -sS -w ' %{http_code}' -X "$1" ${3:+--data "$3"} "$HTTP$2" | sed -E 's/^(.*) ([0-9]{3})$/\2 \1/'
}
out=$(api PUT /api/bootstrap/configs/x '{"servers": [{"security": {"uri": "coap://h", "ssid": 1}, "server": {"ssid": 2}}]}')
[[ $out == 400\ * ]] || fail "an inconsistent config was not refused: $out"
grep -qF "differs from the Security instance's 1" <<<"$out" || fail "the refusal lacks the reason: $out"
out=$(api GET /api/bootstrap/configs/py-dev)
[[ $out == 200\ * ]] || fail "GET py-dev: $out"
grep -qF '"secret_key":"********"' <<<"$out" || fail "the secret is not masked: $out"
grep -q 'a1b2c3d4' <<<"$out" && fail "the secret was shown: $out"
out=$(api GET /api/bootstrap/metrics)
grep -qF '"finished":1' <<<"$out" || fail "metrics do not count the finished session: $out"
out=$(timeout 10 curl -sS "$HTTP/metrics")
grep -qx 'drover_bootstrap_finished_total 1' <<<"$out" || fail "/metrics lacks the finished session: $out"
grep -qx 'drover_bootstrap_refused_total{reason="unknown"} 1' <<<"$out" || fail "/metrics lacks the refusal: $out"
grep -qx 'drover_bootstrap_refused_total{reason="format"} 1' <<<"$out" || fail "/metrics lacks the pct refusal: $out"
pass "HTTP API: an unusable config refused with the reason, secrets masked, counters (JSON and Prometheus)"

# Both roles in one process; a configuration put through the API survives a restart.
kill "$BS_PID"
BS_PORT=$(free_udp_port)
start_server --bootstrap-port "$BS_PORT"
grep -qF "LwM2M bootstrap server listening on coap://127.0.0.1:$BS_PORT" "$LOG" || fail "no bootstrap server in drover server"
out=$(api PUT /api/bootstrap/configs/%2A '{"servers": [{"security": {"uri": "coap://127.0.0.1:5683", "ssid": 1}, "server": {}}]}')
[[ $out == 201\ * ]] || fail "PUT of the default config on drover server: $out"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
start_server --bootstrap-port "$BS_PORT"
grep -qF "bootstrap configurations: 1 from the store" "$LOG" || fail "the configuration was not read back"
out=$(timeout 20 coap-client-notls -B 3 -v 6 -m post "coap://127.0.0.1:$BS_PORT/bs?ep=anyone" 2>&1)
grep -q 'c:2.04' <<<"$out" || fail "drover server's bootstrap server did not answer 2.04: $out"
wait_log 'bootstrap anyone: started' || fail "no session for anyone"
pass "drover server --bootstrap-port: both roles, the configurations kept across a restart"

out=$(api PUT /api/bootstrap/configs/boot-dev "{\"servers\": [{\"security\": {\"uri\": \"coap://127.0.0.1:$PORT\", \"ssid\": 5}, \"server\": {\"lifetime\": 90}}]}")
[[ $out == 201\ * ]] || fail "PUT boot-dev: $out"
timeout 20 curl -sN "$HTTP/api/events?types=bootstrap&endpoint=boot-dev" >"$WORK/events.txt" 2>/dev/null &
PIDS+=("$!")
sleep 0.5
timeout 30 "$DROVER" client --endpoint boot-dev --bootstrap "coap://127.0.0.1:$BS_PORT" --duration 3 \
  >"$WORK/client.log" 2>&1 || fail "drover client --bootstrap failed: $(cat "$WORK/client.log")"
wait_log 'bootstrap boot-dev: finished' || fail "boot-dev was not bootstrapped"
wait_log 'registered boot-dev at /rd/[^ ]+ from 127\.[0-9.]+:[0-9]+, lwm2m 1\.1, lifetime 90 s' ||
  fail "boot-dev did not register with the server its configuration names: $(cat "$WORK/client.log")"
log_has 'bootstrapped: registering with server 5' "$WORK/client.log" || fail "the client did not log its bootstrap"
for i in $(seq 1 50); do grep -qF '"event":"finished"' "$WORK/events.txt" && break; sleep 0.1; done
grep -qF 'event: bootstrap' "$WORK/events.txt" || fail "no bootstrap event on the event stream: $(cat "$WORK/events.txt")"
grep -qF '"endpoint":"boot-dev","session":' "$WORK/events.txt" || fail "the stream's bootstrap events lack the endpoint: $(cat "$WORK/events.txt")"
grep -qF '"event":"step","step":"write","path":"/1/0","code":"2.04"' "$WORK/events.txt" || fail "no write step on the event stream: $(cat "$WORK/events.txt")"
grep -qF '"event":"finished"' "$WORK/events.txt" || fail "no finished event on the event stream"
pass "drover client --bootstrap: bootstrapped, then registered with the configured server; the steps on the event stream"

out=$(api PUT /api/bootstrap/configs/pack-dev "{\"servers\": [{\"security\": {\"uri\": \"coap://127.0.0.1:$PORT\", \"ssid\": 6}, \"server\": {\"lifetime\": 95}}]}")
[[ $out == 201\ * ]] || fail "PUT pack-dev: $out"
timeout 30 "$DROVER" client --endpoint pack-dev --lwm2m 1.2 --bootstrap-pack \
  --bootstrap "coap://127.0.0.1:$BS_PORT" --duration 3 >"$WORK/pack-client.log" 2>&1 ||
  fail "drover client --bootstrap-pack failed: $(cat "$WORK/pack-client.log")"
wait_log 'bootstrap pack-dev: Bootstrap-Pack to 127\.[0-9.]+:[0-9]+ \(application/senml\+cbor\)' ||
  fail "pack-dev got no Bootstrap-Pack: $(cat "$WORK/pack-client.log")"
wait_log 'registered pack-dev at /rd/[^ ]+ from 127\.[0-9.]+:[0-9]+, lwm2m 1\.2, lifetime 95 s' ||
  fail "pack-dev did not register with the server its pack names: $(cat "$WORK/pack-client.log")"
log_has 'bootstrapped: registering with server 6' "$WORK/pack-client.log" || fail "the pack client did not log its bootstrap"
grep -q 'bootstrap pack-dev: started' "$LOG" && fail "a Bootstrap-Pack opened a session"
out=$(timeout 10 curl -sS "$HTTP/metrics")
grep -qx 'drover_bootstrap_packs_total 1' <<<"$out" || fail "/metrics does not count the pack: $out"
grep -q '^drover_registrations ' <<<"$out" || fail "/metrics lost the server's own metrics: $out"
out=$(timeout 10 "$DROVER" client --endpoint x --bootstrap-pack --bootstrap "coap://127.0.0.1:$BS_PORT" 2>&1) &&
  fail "--bootstrap-pack with LwM2M 1.1 was taken"
grep -qF -- '--bootstrap-pack: Bootstrap-Pack came with LwM2M 1.2' <<<"$out" || fail "no reason for refusing --bootstrap-pack: $out"
pass "drover client --lwm2m 1.2 --bootstrap-pack: one Bootstrap-Pack, then registered; counted in /metrics"

finish
