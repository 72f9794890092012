#!/usr/bin/env bash
# RSS of `drover client --count N` with every device registered with a `drover server` on
# loopback (memory store), for each N given (default 1 10000 100000): the client process's VmRSS
# once the server counts N registrations, and the cost of a device over the first one's process.
# Everything runs on 127.0.0.1 and is stopped at the end; each step is bounded in time.
#
#   bench/footprint/client_devices.sh build/release/apps/drover [N ...]
set -euo pipefail
DROVER=${1:?usage: $0 path/to/drover [N ...]}
shift
COUNTS=("$@")
((${#COUNTS[@]})) || COUNTS=(1 10000 100000)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# The VmRSS of the program `timeout` PID runs.
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$(pgrep -P "$1")/status"; }

# registrations HTTP: the server's registration gauge.
registrations() {
  curl -sS --max-time 5 "$1/metrics" | awk '$1 == "drover_registrations" {print $2}'
}

echo "| devices | client RSS | per device (over 1 device) | registered in |"
echo "| ---: | ---: | ---: | ---: |"
base=
for n in "${COUNTS[@]}"; do
  timeout 600 "$DROVER" server --address 127.0.0.1 --coap-port 0 --http-port 0 --store memory \
    --max-registrations $((n + 10)) >"$WORK/server.log" 2>&1 &
  server=$!
  PIDS+=("$server")
  http=
  for _ in $(seq 1 100); do
    http=$(sed -nE 's/.*HTTP API on (http:\/\/127\.0\.0\.1:[0-9]+)\/api\/clients.*/\1/p' "$WORK/server.log")
    [[ -n $http ]] && break
    sleep 0.1
  done
  port=$(sed -nE 's/.*LwM2M server listening on coap:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$WORK/server.log")
  [[ -n $http && -n $port ]] || { echo "the server did not start" >&2; cat "$WORK/server.log" >&2; exit 1; }

  start=$(date +%s.%N)
  timeout 600 "$DROVER" client --endpoint fp --server "coap://127.0.0.1:$port" --count "$n" \
    --lifetime 3600 --sample-interval 3600 --stop-timeout 1 >/dev/null 2>&1 &
  client=$!
  PIDS+=("$client")
  for _ in $(seq 1 3000); do  # at most 300 s
    [[ $(registrations "$http") == "$n" ]] && break
    sleep 0.1
  done
  [[ $(registrations "$http") == "$n" ]] || { echo "only $(registrations "$http") of $n registered" >&2; exit 1; }
  took=$(echo "$(date +%s.%N) - $start" | bc)
  sleep 1  # the answers' last effects (events, logs) settle
  rss=$(rss_kib "$client")
  per=-
  if [[ -n $base && $n -gt 1 ]]; then per="$(((rss - base) * 1024 / (n - 1))) bytes"; fi
  [[ -z $base ]] && base=$rss
  printf '| %s | %.1f MiB | %s | %.1f s |\n' "$n" "$(echo "$rss / 1024" | bc -l)" "$per" "$took"
  kill "$client" "$server" 2>/dev/null || true
  wait "$client" "$server" 2>/dev/null || true
  PIDS=()
done
