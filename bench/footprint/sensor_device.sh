#!/usr/bin/env bash
# The sensor device example's footprint. Builds the `device` and `device-static` presets (unless
# --no-build), starts `drover server` on loopback (memory store), runs each program until it is
# registered, observed on /3303/0/5700 with pmax=1 and has sent three notifications, then prints
# its `size`, its VmRSS and VmHWM, its smaps_rollup and its resident kilobytes per mapped file.
# Everything is stopped at the end, and each step is bounded.
#
#   bench/footprint/sensor_device.sh [--no-build] build/release/apps/drover [PROGRAM...]
#
# PROGRAM defaults to sensor-device and sensor-device-ddf of both builds.
set -euo pipefail
build=1
if [[ ${1:-} == --no-build ]]; then
  build=0
  shift
fi
DROVER=${1:?usage: $0 [--no-build] path/to/drover [program...]}
shift
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROGRAMS=("$@")
PRESETS=(device device-static)
if [[ ${#PROGRAMS[@]} -eq 0 ]]; then
  for preset in "${PRESETS[@]}"; do
    PROGRAMS+=("$ROOT/build/$preset/examples/sensor-device/sensor-device"
      "$ROOT/build/$preset/examples/sensor-device/sensor-device-ddf")
  done
fi
if ((build)); then
  for preset in "${PRESETS[@]}"; do
    (cd "$ROOT" && cmake --preset "$preset" >/dev/null &&
      nice -n 10 cmake --build --preset "$preset" -j2 --target sensor-device sensor-device-ddf >/dev/null)
  done
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

timeout 300 "$DROVER" server --address 127.0.0.1 --coap-port 0 --http-port 0 --store memory \
  --models "$ROOT/examples/sensor-device" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
http=
for _ in $(seq 1 100); do
  http=$(sed -nE 's/.*HTTP API on (http:\/\/127\.0\.0\.1:[0-9]+)\/api\/clients.*/\1/p' "$WORK/server.log")
  [[ -n $http ]] && break
  sleep 0.1
done
port=$(sed -nE 's/.*LwM2M server listening on coap:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$WORK/server.log")
[[ -n $http && -n $port ]] || { echo "the server did not start" >&2; exit 1; }

notifications() {
  curl -sS --max-time 10 "$http/metrics" | awk '$1 == "drover_notifications_total" {print $2}'
}

n=0
for program in "${PROGRAMS[@]}"; do
  n=$((n + 1))
  endpoint=footprint-$n
  log=$WORK/device-$n.log
  "$program" "coap://127.0.0.1:$port" --endpoint "$endpoint" --send-interval 1 --duration 60 \
    >"$log" 2>&1 &
  device=$!
  PIDS+=("$device")
  for _ in $(seq 1 100); do
    grep -q '^registered' "$log" && break
    sleep 0.1
  done
  grep -q '^registered' "$log" || { echo "$program did not register" >&2; cat "$log" >&2; exit 1; }
  before=$(notifications)
  curl -sS --max-time 10 -X POST "$http/api/clients/$endpoint/3303/0/5700/observe" >/dev/null
  curl -sS --max-time 10 -X PUT "$http/api/clients/$endpoint/3303/0/5700/attributes?pmax=1" \
    >/dev/null
  for _ in $(seq 1 100); do
    (($(notifications) - before >= 3)) && break
    sleep 0.1
  done
  (($(notifications) - before >= 3)) || { echo "$program sent no notifications" >&2; exit 1; }

  echo "== ${program#"$ROOT"/}: registered, observed, $(($(notifications) - before)) notifications," \
    "$(grep -c '^send answered 2.04' "$log" || true) Sends answered"
  size "$program" | tail -1
  grep -E '^Vm(RSS|HWM)' "/proc/$device/status" | tr -s ' \t' ' '
  grep -E '^(Rss|Pss|Shared_Clean|Private_Clean|Private_Dirty|Anonymous):' \
    "/proc/$device/smaps_rollup" | tr -s ' ' | paste -sd ' '
  # Resident kB per mapping (files, heap, stack, anonymous), largest first.
  awk '/^[0-9a-f]+-[0-9a-f]+ /{name = ($6 == "") ? "[anonymous]" : $6}
       /^Rss:/{rss[name] += $2}
       END {for (m in rss) if (rss[m] > 0) printf "  %6d kB %s\n", rss[m], m}' \
    "/proc/$device/smaps" | sort -rn
  kill "$device"
done
