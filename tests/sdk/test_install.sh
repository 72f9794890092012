#!/usr/bin/env bash
# The SDK as its users get it: `cmake --install` of this build into a temporary prefix, examples/
# configured and built against that prefix alone in a clean build folder, then the sensor device
# registered with `drover server` (it answers a Read and a Write of its own object through the
# server's HTTP API) and its DDF-loading form with the embedded-server example (which prints the
# registration and the temperature it observes). Usage: test_install.sh DROVER BUILD_DIR
source "$(dirname "$0")/../interop/interop_lib.sh"
BUILD=${2:?usage: $0 path/to/drover build-dir}
SOURCE=$(cd "$(dirname "$0")/../.." && pwd)
PREFIX=$WORK/prefix

timeout 60 cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.out" ||
  fail "cmake --install: $(tail -5 "$WORK/install.out")"
for f in include/drover/client/client.hpp include/drover/server/server.hpp \
  include/drover/util/result.hpp lib/cmake/Drover/DroverConfig.cmake; do
  [[ -e $PREFIX/$f ]] || fail "$f not installed"
done
ls "$PREFIX"/lib/libdrover_client.a "$PREFIX"/lib/libdrover_server.a >/dev/null ||
  fail "libraries not installed"
pass "cmake --install puts headers, libraries and the package configuration under the prefix"

# Only the prefix: no path into this source tree or build (the examples' sources aside).
# ccache with paths relative to $WORK: a later run's temporary prefix hits the same entries.
launcher=()
command -v ccache >/dev/null &&
  launcher=("-DCMAKE_CXX_COMPILER_LAUNCHER=cmake;-E;env;CCACHE_BASEDIR=$WORK;CCACHE_NOHASHDIR=1;ccache")
timeout 60 cmake -S "$SOURCE/examples" -B "$WORK/examples" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER=g++-12 -DCMAKE_PREFIX_PATH="$PREFIX" "${launcher[@]}" \
  >"$WORK/configure.out" 2>&1 || fail "configuring examples/: $(tail -20 "$WORK/configure.out")"
timeout 170 nice -n 10 cmake --build "$WORK/examples" >"$WORK/build.out" 2>&1 ||
  fail "building examples/: $(tail -30 "$WORK/build.out")"
SENSOR=$WORK/examples/sensor-device/sensor-device
SENSOR_DDF=$WORK/examples/sensor-device/sensor-device-ddf
EMBEDDED=$WORK/examples/embedded-server/embedded-server
[[ -x $SENSOR && -x $SENSOR_DDF && -x $EMBEDDED ]] || fail "the examples were not built"
pass "examples/ builds against the installed package (find_package(Drover))"

# The sensor device with `drover server`, which knows object 32769 from the example's DDF file.
start_server --store memory --models "$SOURCE/examples/sensor-device"
start sensor "$SENSOR" "coap://127.0.0.1:$PORT" --endpoint sdk-sensor --send-interval 1 --duration 60
SENSOR_LOG=$WORK/sensor.log
wait_log "$SENSOR_LOG" '^registered at /rd/' || fail "the sensor device did not register"
client=$(timeout 10 curl -sS "$HTTP/api/clients/sdk-sensor")
grep -q '"endpoint":"sdk-sensor"' <<<"$client" || fail "GET /api/clients/sdk-sensor: $client"
temperature=$(timeout 15 curl -sS "$HTTP/api/clients/sdk-sensor/3303/0/5700")
grep -qE '"path":"/3303/0/5700","type":"float","value":[0-9.eE+-]+' <<<"$temperature" ||
  fail "Read of /3303/0/5700: $temperature"
period=$(timeout 15 curl -sS "$HTTP/api/clients/sdk-sensor/32769/0/0")
grep -q '"path":"/32769/0/0","type":"integer","value":5}' <<<"$period" ||
  fail "Read of /32769/0/0: $period"
pass "the sensor device registers with drover server and answers Reads of 3303 and its own object"

written=$(timeout 15 curl -sS -X PUT -d '{"values":[{"path":"/32769/0/0","value":1}]}' \
  "$HTTP/api/clients/sdk-sensor/32769/0/0")
grep -q '"code":"2.04"' <<<"$written" || fail "Write of /32769/0/0: $written"
wait_log "$SENSOR_LOG" '^written: /32769/0/0' || fail "the device did not report the Write"
period=$(timeout 15 curl -sS "$HTTP/api/clients/sdk-sensor/32769/0/0")
grep -q '"path":"/32769/0/0","type":"integer","value":1}' <<<"$period" ||
  fail "Read after the Write: $period"
range=$(timeout 15 curl -sS -X PUT -d '{"values":[{"path":"/32769/0/0","value":0}]}' \
  "$HTTP/api/clients/sdk-sensor/32769/0/0")
grep -q 'bad request (4.00)' <<<"$range" || fail "a period outside 1..3600: $range"
pass "a Write of the device's own resource reaches the application; one outside its range is 4.00"

kill -INT "$LAST_PID"
wait_log "$SENSOR_LOG" '^deregistered' || fail "the sensor device did not de-register on SIGINT"
pass "SIGINT de-registers the sensor device"

# The embedded server example, with the sensor device that loads its object from the DDF file.
start embedded "$EMBEDDED" --port 0 --duration 60
EMBEDDED_LOG=$WORK/embedded.log
wait_log "$EMBEDDED_LOG" '^LwM2M server on coap://' || fail "embedded-server did not start"
eport=$(sed -nE 's/^LwM2M server on coap:\/\/[0-9.]+:([0-9]+)$/\1/p' "$EMBEDDED_LOG")
start sensor2 "$SENSOR_DDF" "coap://127.0.0.1:$eport" --endpoint embedded-sensor --send-interval 1 \
  --duration 60
wait_log "$EMBEDDED_LOG" '^registered: embedded-sensor' || fail "no registration in embedded-server"
wait_log "$EMBEDDED_LOG" '^observing embedded-sensor /3303/0/5700' || fail "no observation"
wait_log "$EMBEDDED_LOG" '^send from embedded-sensor: /3303/0/5700 = ' || fail "no Send"
pass "embedded-server prints the registration of the DDF-loading device, observes it and gets its Sends"

finish
