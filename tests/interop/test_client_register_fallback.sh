#!/usr/bin/env bash
# `drover client` against a server as strict as Wakaama's about the Register: it reads the payload
# first and answers 4.00 to a root link whose ct holds more than one format, then 4.12 to an LwM2M
# version past 1.1. A 1.1 client registers at the first try (ct=112); a 1.2 client falls back,
# logging each step, to a Register without ct, then to LwM2M 1.1 with ct=112, and registers.
source "$(dirname "$0")/interop_lib.sh"

# The fake server: plain CoAP over UDP on 127.0.0.1, piggybacked answers, one log line per request;
# it stops by itself after 30 s without a request.
cat >"$WORK/strict_server.py" <<'EOF'
import re
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
print("listening on port", sock.getsockname()[1], flush=True)
sock.settimeout(30)


def read_options(data, i):
    number, options = 0, []
    while i < len(data) and data[i] != 0xFF:
        delta, length = data[i] >> 4, data[i] & 15
        i += 1
        values = []
        for v in (delta, length):
            if v == 13:
                v, i = data[i] + 13, i + 1
            elif v == 14:
                v, i = (data[i] << 8 | data[i + 1]) + 269, i + 2
            values.append(v)
        number += values[0]
        options.append((number, data[i:i + values[1]]))
        i += values[1]
    return options, data[i + 1:]


while True:
    try:
        data, peer = sock.recvfrom(4096)
    except socket.timeout:
        break
    if len(data) < 4 or data[0] >> 6 != 1 or (data[0] >> 4) & 3 != 0:
        continue  # not a CON request
    tkl, method = data[0] & 15, data[1]
    options, payload = read_options(data, 4 + tkl)
    path = [v.decode() for n, v in options if n == 11]
    query = [v.decode() for n, v in options if n == 15]
    text = payload.decode(errors="replace")
    version = next((q[6:] for q in query if q.startswith("lwm2m=")), "")
    location = []
    if method == 2 and path == ["rd"]:
        if re.search(r';ct="[^"]* ', text):
            code = (4, 0)
        elif version not in ("1.0", "1.1"):
            code = (4, 12)
        else:
            code, location = (2, 1), ["rd", "5"]
    elif method == 2 and path == ["rd", "5"]:
        code = (2, 4)
    elif method == 4 and path == ["rd", "5"]:
        code = (2, 2)
    else:
        code = (4, 4)
    print(f"{method} /{'/'.join(path)}?{'&'.join(query)} {text} -> {code[0]}.{code[1]:02}", flush=True)
    out = bytes([0x60 | tkl, code[0] << 5 | code[1]]) + data[2:4 + tkl]
    delta = 8  # Location-Path
    for segment in location:
        out += bytes([delta << 4 | len(segment)]) + segment.encode()
        delta = 0
    sock.sendto(out, peer)
EOF

# run_client NAME VERSION: starts the fake server and `drover client --lwm2m VERSION` against it,
# waits for the registration, then stops the client with SIGINT; SERVER_LOG and CLIENT_LOG are set.
run_client() {
  local name=$1 version=$2 i port=
  start "server-$name" python3 "$WORK/strict_server.py"
  local server_pid=$LAST_PID
  SERVER_LOG=$WORK/server-$name.log
  for i in $(seq 1 100); do
    port=$(sed -nE 's/^listening on port ([0-9]+)$/\1/p' "$SERVER_LOG")
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || fail "the fake server exited"
    sleep 0.1
  done
  [[ -n $port ]] || fail "the fake server did not start"
  start "client-$name" "$DROVER" client --endpoint "$name" --server "coap://127.0.0.1:$port" \
    --lwm2m "$version" --lifetime 300 --sample-interval 1 --stop-timeout 2
  local client_pid=$LAST_PID
  CLIENT_LOG=$WORK/client-$name.log
  for i in $(seq 1 100); do
    grep -q 'registered at /rd/5' "$CLIENT_LOG" && break
    kill -0 "$client_pid" 2>/dev/null || fail "drover client exited"
    sleep 0.1
  done
  grep -q 'registered at /rd/5' "$CLIENT_LOG" || fail "the $version client did not register"
  kill -INT "$client_pid"
  timeout 15 tail --pid="$client_pid" -f /dev/null || fail "drover client did not exit after SIGINT"
  grep -q '^4 /rd/5?' "$SERVER_LOG" || fail "no De-register reached the server"
  kill "$server_pid" 2>/dev/null || true
}

run_client single 1.1
registers=$(grep -c "^2 /rd?" "$SERVER_LOG" || true)
((registers == 1)) || fail "the 1.1 client sent $registers Registers, not one"
grep -q '^2 /rd?ep=single&lwm2m=1.1&lt=300&b=U </>;rt="oma.lwm2m";ct=112,</1>;ver=1.1,</1/0>,</3>;ver=1.2,</3/0>,.* -> 2.01$' "$SERVER_LOG" ||
  fail "the 1.1 Register does not announce ct=112 alone"
grep -q 'Register answered' "$CLIENT_LOG" && fail "the 1.1 client logged a fallback"
pass "a 1.1 client registers at the first try with ct=112"

run_client fallback 1.2
mapfile -t REGISTERS < <(grep '^2 /rd?' "$SERVER_LOG")
((${#REGISTERS[@]} == 3)) || fail "the 1.2 client sent ${#REGISTERS[@]} Registers, not three"
[[ ${REGISTERS[0]} == '2 /rd?ep=fallback&lwm2m=1.2&lt=300&b=U </>;rt="oma.lwm2m";ct="60 110 112 11544",</1>'*' -> 4.00' ]] ||
  fail "first Register: ${REGISTERS[0]}"
[[ ${REGISTERS[1]} == '2 /rd?ep=fallback&lwm2m=1.2&lt=300&b=U </1>'*' -> 4.12' ]] ||
  fail "second Register: ${REGISTERS[1]}"
[[ ${REGISTERS[2]} == '2 /rd?ep=fallback&lwm2m=1.1&lt=300&b=U </>;rt="oma.lwm2m";ct=112,</1>'*' -> 2.01' ]] ||
  fail "third Register: ${REGISTERS[2]}"
pass "a 1.2 client drops the ct list on 4.00, then falls back to LwM2M 1.1 on 4.12"

grep -q 'Register answered 4.00 Bad Request, registering again at once with no ct in the root link' "$CLIENT_LOG" ||
  fail "the client did not log the 4.00 fallback"
grep -q 'Register answered 4.12 Precondition Failed, registering again at once with LwM2M 1.1' "$CLIENT_LOG" ||
  fail "the client did not log the 4.12 fallback"
grep -q 'registration failed' "$CLIENT_LOG" && fail "a fallback was logged as a failed registration"
pass "the client logs each fallback"

finish
