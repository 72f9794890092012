#!/usr/bin/env bash
# The sensor device example's footprint: `size` of the program, and its VmRSS once registered
# with a `drover server` on loopback (memory store), observed on /3303/0/5700 with pmax=1 and
# Sending every second, after a few notifications and Sends. Everything is stopped at the end.
#
#   bench/footprint/sensor_device.sh build/release/apps/drover build/device/examples/sensor-device/sensor-device
set -euo pipefail
DROVER=${1:?usage: $0 path/to/drover path/to/sensor-device}
DEVICE=${2:?usage: $0 path/to/drover path/to/sensor-device}
MODELS=$(cd "$(dirname "$0")/../../examples/sensor-device" && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

timeout 60 "$DROVER" server --address 127.0.0.1 --coap-port 0 --http-port 0 --store memory \
  --models "$MODELS" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
http=
for _ in $(seq 1 100); do
  http=$(sed -nE 's/.*HTTP API on (http:\/\/127\.0\.0\.1:[0-9]+)\/api\/clients.*/\1/p' "$WORK/server.log")
  [[ -n $http ]] && break
  sleep 0.1
done
port=$(sed -nE 's/.*LwM2M server listening on coap:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$WORK/server.log")
[[ -n $http && -n $port ]] || { echo "the server did not start" >&2; exit 1; }

"$DEVICE" "coap://127.0.0.1:$port" --endpoint footprint --send-interval 1 --duration 30 \
  >"$WORK/device.log" 2>&1 &
device=$!
PIDS+=("$device")
for _ in $(seq 1 100); do
  grep -q '^registered' "$WORK/device.log" && break
  sleep 0.1
done
curl -sS --max-time 10 -X POST "$http/api/clients/footprint/3303/0/5700/observe" >/dev/null
curl -sS --max-time 10 -X PUT "$http/api/clients/footprint/3303/0/5700/attributes?pmax=1" >/dev/null
sleep 5
sends=$(grep -c '^send answered 2.04' "$WORK/device.log" || true)
size "$DEVICE"
grep -E '^Vm(RSS|HWM)' "/proc/$device/status"
echo "Sends answered: $sends; notifications: $(curl -sS --max-time 10 "$http/metrics" |
  awk '$1 == "drover_notifications_total" {print $2}')"
