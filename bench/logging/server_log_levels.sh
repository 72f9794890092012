#!/usr/bin/env bash
# What the log costs `drover server`: its Updates/s with the log at info and at debug, as ratios to
# the same server with the log off, in the same run. Each round starts one server per level (the
# order rotating from round to round), registers CLIENTS clients with `drover fleet` and loads
# the server with their Updates for SECONDS (--updates-for). The server runs on CPU 0 with its
# log in a file (--log-file, as for a journal or a log shipper); the fleet runs on CPU 1
# (PIN=0 in the environment: both on any CPU). Loopback only; every process is bounded by
# `timeout`.
# WINDOW requests are in flight at once: enough to keep the server busy, so that what the log
# costs shows as a lower rate, and not only as more CPU time per request (also printed).
# Usage: bench/logging/server_log_levels.sh path/to/drover [CLIENTS] [SECONDS] [ROUNDS] [WINDOW]
set -euo pipefail
DROVER=${1:?usage: $0 path/to/drover [clients] [seconds] [rounds] [window]}
CLIENTS=${2:-20000}
DURATION=${3:-5}
ROUNDS=${4:-3}
WINDOW=${5:-2048}
WORK=$(mktemp -d)
SERVER_CPUS=(taskset -c 0)
FLEET_CPUS=(taskset -c 1)
if [[ ${PIN:-1} == 0 ]]; then
  SERVER_CPUS=()
  FLEET_CPUS=()
fi
export XDG_STATE_HOME=$WORK/state
SERVER=
cleanup() {
  [[ -n $SERVER ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {  # $1: udp or tcp
  python3 -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_$([[ $1 == udp ]] && echo DGRAM || echo STREAM)); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"
}

# CPU time (clock ticks, user and system) of the drover process under timeout $1: "PROTOCOL LOG",
# its threads but the log's writer, and the writer (the thread named drover-log).
cpu_ticks() {
  local pid
  pid=$(pgrep -P "$1")
  cat /proc/"$pid"/task/*/stat | awk '{ ticks = $14 + $15 }  # no spaces in these thread names
    /\(drover-log\)/ { writer += ticks; next } { protocol += ticks }
    END { print protocol + 0, writer + 0 }'
}

# run LEVEL: prints "RATE DROPPED PROTOCOL_CPU LOG_CPU" (Updates/s, log lines the server
# dropped, CPU microseconds per request of the fleet's run: the server's threads but the log
# writer, and the log writer)
run() {
  local level=$1 coap http out rate dropped before after answered per
  coap=$(free_port udp)
  http=$(free_port tcp)
  "${SERVER_CPUS[@]}" timeout 600 "$DROVER" server --address 127.0.0.1 --coap-port "$coap" \
    --http-port "$http" --store memory --max-registrations $((CLIENTS + 10)) \
    --log-level "$level" --log-file "$WORK/server-$level.log" 2>"$WORK/server.err" &
  SERVER=$!
  for _ in $(seq 1 100); do
    curl -s --max-time 1 "http://127.0.0.1:$http/metrics" >/dev/null && break
    sleep 0.1
  done
  read -ra before < <(cpu_ticks "$SERVER")
  out=$("${FLEET_CPUS[@]}" timeout 600 "$DROVER" fleet --server "coap://127.0.0.1:$coap" \
    --clients "$CLIENTS" --window "$WINDOW" --updates-for "$DURATION") || { echo "fleet failed: $out" >&2; exit 1; }
  rate=$(sed -nE 's/^updates: .*\(([0-9]+)\/s\).*/\1/p' <<<"$out")
  # Every request of the run: the registrations, the timed Updates and the one Update each.
  answered=$(($(sed -nE 's/^updates: ([0-9]+) answered.*/\1/p' <<<"$out") + 2 * CLIENTS))
  read -ra after < <(cpu_ticks "$SERVER")
  per="1000000 / $(getconf CLK_TCK) / $answered"
  dropped=$(curl -s --max-time 5 "http://127.0.0.1:$http/metrics" |
    awk '$1 == "drover_log_dropped_lines_total" { print $2 }')
  kill "$SERVER"
  wait "$SERVER" 2>/dev/null || true
  SERVER=
  echo "$rate ${dropped:-0} $(echo "scale=2; (${after[0]} - ${before[0]}) * $per" | bc)" \
    "$(echo "scale=2; (${after[1]} - ${before[1]}) * $per" | bc)"
}

echo "drover server: $CLIENTS clients, $WINDOW in flight, Updates for $DURATION s per level, $ROUNDS rounds, pinned: ${PIN:-1}; $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| round | off (Updates/s) | info | debug | info/off | debug/off | protocol CPU µs/request: off, info, debug | log writer: info, debug | debug: lines dropped |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
levels=(off info debug)
sum_info=0
sum_debug=0
for round in $(seq 1 "$ROUNDS"); do
  declare -A rate=() dropped=() cpu=() writer=()
  for k in 0 1 2; do
    level=${levels[$(((k + round - 1) % 3))]}
    read -r rate[$level] dropped[$level] cpu[$level] writer[$level] < <(run "$level")
  done
  info=$(echo "scale=3; ${rate[info]} / ${rate[off]}" | bc)
  debug=$(echo "scale=3; ${rate[debug]} / ${rate[off]}" | bc)
  sum_info=$(echo "$sum_info + $info" | bc)
  sum_debug=$(echo "$sum_debug + $debug" | bc)
  printf '| %d | %s | %s | %s | %.2f | %.2f | %s, %s, %s | %s, %s | %s |\n' "$round" \
    "${rate[off]}" "${rate[info]}" "${rate[debug]}" "$info" "$debug" "${cpu[off]}" "${cpu[info]}" \
    "${cpu[debug]}" "${writer[info]}" "${writer[debug]}" "${dropped[debug]}"
done
printf 'mean ratios: info/off %.2f, debug/off %.2f; load average after: %s\n' \
  "$(echo "scale=3; $sum_info / $ROUNDS" | bc)" "$(echo "scale=3; $sum_debug / $ROUNDS" | bc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
