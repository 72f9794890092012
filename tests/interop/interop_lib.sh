# Shared helpers of the CoAP interop scripts (sourced by tests/interop/test_*.sh, not a test itself).
# Every script gets the drover binary as $1, talks only to 127.0.0.1 / ::1, bounds each command with
# `timeout`, and kills what it started on exit.
set -euo pipefail

DROVER=${1:?usage: $0 path/to/drover}
[[ -x $DROVER ]] || { echo "FAIL: $DROVER is not executable" >&2; exit 1; }
for tool in coap-client-notls coap-server-notls python3; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found (package libcoap3-bin / python3)" >&2; exit 1; }
done

WORK=$(mktemp -d)
# A server started without --data-dir keeps its store under here, not in the user's own folder
# (where another run's store, of another shard count, would refuse it).
export XDG_STATE_HOME="$WORK/state"
PIDS=()
PASSED=0

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
# Any unchecked command that fails ends the script with a message saying which.
set -E
trap 'fail "line $LINENO: \"$BASH_COMMAND\" exited with status $?"' ERR

# Prints the logs of the servers started so far, then fails the script.
fail() {
  echo "FAIL: $*" >&2
  local log
  for log in "$WORK"/*.log; do
    [[ -e $log ]] || continue
    echo "---- $(basename "$log")" >&2
    tail -n 40 "$log" >&2
  done
  exit 1
}

pass() {
  echo "ok: $*"
  PASSED=$((PASSED + 1))
}

# wait_log FILE PATTERN: FILE gets a line matching PATTERN within ~10 s (false otherwise).
wait_log() {
  local i
  for i in $(seq 1 100); do
    grep -qE "$2" "$1" && return 0
    sleep 0.1
  done
  return 1
}

# A UDP port that is free on 127.0.0.1 right now (the OS picks it).
free_udp_port() {
  python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

has_ipv6_loopback() {
  grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null
}

# start_drover_server NAME BIND: `drover coap-server` on BIND with a port the OS chooses; sets PORT and
# LOG from its "listening on" line.
start_drover_server() {
  local name=$1 bind=$2 i line
  start "$name" "$DROVER" coap-server --bind "$bind" --port 0
  LOG=$WORK/$name.log
  for i in $(seq 1 100); do
    line=$(grep -m1 'listening on' "$LOG" || true)
    if [[ -n $line ]]; then
      PORT=$(sed -E 's/.*listening on .*:([0-9]+) .*/\1/' <<<"$line")
      return 0
    fi
    kill -0 "$LAST_PID" 2>/dev/null || fail "drover coap-server --bind $bind exited"
    sleep 0.1
  done
  fail "drover coap-server --bind $bind did not start"
}

# wait_for_coap URI [PID]: true once a GET on URI is answered (at most ~20 s); false at once when the
# process PID has exited (e.g. it could not bind its port).
wait_for_coap() {
  local i
  for i in $(seq 1 20); do
    if [[ -n ${2:-} ]] && ! kill -0 "$2" 2>/dev/null; then return 1; fi
    if [[ -n $(timeout 5 coap-client-notls -m get -B 1 "$1" 2>/dev/null) ]]; then return 0; fi
  done
  return 1
}

# start_libcoap NAME PROGRAM ARGS...: a libcoap server PROGRAM on 127.0.0.1 with a port the OS
# had free (CoAP on PORT, DTLS on PORT+1), checked by a GET of /.well-known/core.
start_libcoap() {
  local name=$1 program=$2 attempt candidate
  shift 2
  PORT=
  for attempt in 1 2 3; do
    candidate=$(free_udp_port)
    start "$name-$attempt" "$program" -A 127.0.0.1 -p "$candidate" -v 7 "$@"
    disown "$LAST_PID"
    if wait_for_coap "coap://127.0.0.1:$candidate/.well-known/core" "$LAST_PID"; then
      PORT=$candidate
      return 0
    fi
  done
  fail "$program did not start"
}

# start NAME COMMAND...: runs COMMAND in the background (bounded to 100 s), logging to $WORK/NAME.log;
# its pid is in LAST_PID.
start() {
  local name=$1
  shift
  timeout 100 "$@" >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

# wait_http_api LOG PID: waits (~10 s) for the "HTTP API on URL/api/clients" line of a drover server
# or demo on 127.0.0.1 and sets HTTP to its base URL; fails when PID exits first.
wait_http_api() {
  local i
  HTTP=
  for i in $(seq 1 100); do
    # The log may not exist yet: the background process opens it.
    HTTP=$(sed -nE 's/.*HTTP API on (https?:\/\/127\.0\.0\.1:[0-9]+)\/api\/clients.*/\1/p' "$1" 2>/dev/null || true)
    [[ -n $HTTP ]] && return 0
    kill -0 "$2" 2>/dev/null || fail "the server exited before its HTTP API was up"
    sleep 0.1
  done
  fail "no HTTP API after 10 s"
}

# start_server [ARGS...]: starts `drover server` on 127.0.0.1 with ports picked by the OS, its
# store in $WORK/data (and ARGS), waits for it to listen, and sets SERVER_PID, LOG (its log), PORT (CoAP) and HTTP (the API's
# base URL).
start_server() {
  start server "$DROVER" server --address 127.0.0.1 --coap-port 0 --http-port 0 \
    --data-dir "$WORK/data" "$@"
  SERVER_PID=$LAST_PID
  LOG=$WORK/server.log
  wait_http_api "$LOG" "$SERVER_PID"  # logged after the CoAP port
  PORT=$(sed -nE 's/.*LwM2M server listening on coap:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
  [[ -n $PORT ]] || fail "no CoAP port in the server's log"
}

# Test PKI with openssl, in the current folder. new_key NAME: an ECDSA P-256 key in NAME.key
# (PKCS#8 PEM); new_ca NAME: a self-signed CA (NAME.crt, NAME.key); new_cert NAME CA SAN: a
# certificate of CN=NAME and subjectAltName SAN signed by CA (NAME.crt, NAME.key).
new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }
new_ca() {
  new_key "$1"
  openssl req -x509 -new -key "$1.key" -subj "/CN=$1" -days 2 -out "$1.crt" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign 2>/dev/null
}
new_cert() {
  new_key "$1"
  openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 2 \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
}

# libcoap_pki CLIENT: in $WORK, a CA (test-ca), a libcoap server's certificate for localhost and
# 127.0.0.1 with its key in one file (localhost.pem), and CLIENT's certificate of that CA.
libcoap_pki() {
  (
    cd "$WORK"
    new_ca test-ca
    new_cert localhost test-ca "DNS:localhost,IP:127.0.0.1"
    new_cert "$1" test-ca "DNS:$1"
    cat localhost.crt localhost.key >localhost.pem
  )
}

# log_has [-E] PATTERN FILE: true once FILE has a line matching PATTERN. Programs write their log
# on a thread of their own, so a line may come a moment after what it tells of: ~5 s at most.
log_has() {
  local flags=-q i
  if [[ $1 == -E ]]; then
    flags=-qE
    shift
  fi
  for i in $(seq 1 50); do
    grep $flags -- "$1" "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# http_has PATH TEXT: true once GET $HTTP/PATH answers something holding TEXT (~10 s at most).
http_has() {
  local i
  for i in $(seq 1 100); do
    grep -qF -- "$2" <<<"$(timeout 10 curl -sS "$HTTP/$1" 2>/dev/null)" && return 0
    sleep 0.1
  done
  return 1
}

# hex TEXT: TEXT's bytes in hexadecimal (a PSK given as text to libcoap, as hex to drover).
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

# A coap-client-notls call: bounded by -B (libcoap's own wait) and by timeout.
coap_client() {
  timeout 20 coap-client-notls -B 10 "$@"
}

# A drover coap call.
drover_coap() {
  timeout 30 "$DROVER" coap "$@"
}

finish() {
  echo "$PASSED passed, 0 failed"
}
