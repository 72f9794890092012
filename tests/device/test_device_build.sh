#!/usr/bin/env bash
# The `device` preset's programs, and as a server sees them. That build has no exceptions and only TLV
# and SenML CBOR of the optional formats (DROVER_FORMATS), so the release build's tests do not
# cover it: this script runs its sensor device against `drover server` and checks that it
# registers announcing only what it has, answers Reads and Writes in its formats, refuses the
# formats it left out (4.06 for an Accept, 4.15 for a payload), loads its object from the DDF file
# and de-registers on SIGINT. Run by .ci/run after the device build.
# Usage: test_device_build.sh DROVER DEVICE_BUILD_DIR
source "$(dirname "$0")/../interop/interop_lib.sh"
BUILD=${2:?usage: $0 path/to/drover device-build-dir}
SOURCE=$(cd "$(dirname "$0")/../.." && pwd)
SENSOR=$BUILD/examples/sensor-device/sensor-device
SENSOR_DDF=$BUILD/examples/sensor-device/sensor-device-ddf
[[ -x $SENSOR && -x $SENSOR_DDF ]] || fail "no sensor-device programs in $BUILD"

# What the device build leaves out must stay out: Boost.Asio (the example runs on PollLoop) and
# libstdc++'s floating-point charconv (Ryu's tables; the number text prints with printf).
symbols=$(nm -C "$SENSOR")
grep -q 'asio' <<<"$symbols" && fail "the device's sensor-device links Boost.Asio"
grep -qiE 'ryu|fast_float|__floating_to_chars|from_chars\(char const\*, char const\*, double' \
  <<<"$symbols" && fail "the device's sensor-device links libstdc++'s floating-point charconv"
pass "the device program links neither Boost.Asio nor floating-point charconv"

api() { timeout 15 curl -sS "$@"; }

start_server --store memory --models "$SOURCE/examples/sensor-device"
start sensor "$SENSOR" "coap://127.0.0.1:$PORT" --endpoint device-sensor --send-interval 1 \
  --duration 60
wait_log "$WORK/sensor.log" '^registered at /rd/' || fail "the sensor device did not register"
client=$(api "$HTTP/api/clients/device-sensor")
grep -q '"content_formats":\[112\]' <<<"$client" ||
  fail "the registration should announce SenML CBOR alone: $client"
pass "the device build registers, announcing SenML CBOR (ct=112)"

value=$(api "$HTTP/api/clients/device-sensor/3303/0/5700")
grep -qE '"path":"/3303/0/5700","type":"float","value":[0-9.eE+-]+' <<<"$value" ||
  fail "Read of /3303/0/5700: $value"
for format in senml-cbor tlv; do
  instance=$(api "$HTTP/api/clients/device-sensor/3303/0?format=$format")
  grep -q '"code":"2.05"' <<<"$instance" && grep -q '"path":"/3303/0/5700"' <<<"$instance" ||
    fail "Read of /3303/0 in $format: $instance"
done
pass "Reads are answered in text/plain, SenML CBOR and TLV (floats printed without std::to_chars)"

for format in senml-json lwm2m-cbor; do
  refused=$(api "$HTTP/api/clients/device-sensor/3303/0?format=$format")
  grep -q '4.06' <<<"$refused" || fail "Read of /3303/0 asking $format: $refused"
done
refused=$(api -X PUT -d '{"values":[{"path":"/32769/0/0","value":7}]}' \
  "$HTTP/api/clients/device-sensor/32769/0?format=senml-json")
grep -q '4.15' <<<"$refused" || fail "a Write in SenML JSON: $refused"
written=$(api -X PUT -d '{"values":[{"path":"/32769/0/0","value":7}]}' \
  "$HTTP/api/clients/device-sensor/32769/0?format=senml-cbor")
grep -q '"code":"2.04"' <<<"$written" || fail "a Write in SenML CBOR: $written"
period=$(api "$HTTP/api/clients/device-sensor/32769/0/0")
grep -q '"value":7}' <<<"$period" || fail "Read after the Write: $period"
pass "formats left out of the build are refused (4.06 to an Accept, 4.15 to a payload)"

kill -INT "$LAST_PID"
wait_log "$WORK/sensor.log" '^deregistered' || fail "the sensor device did not de-register on SIGINT"
pass "SIGINT de-registers the sensor device"

start sensor-ddf "$SENSOR_DDF" "coap://127.0.0.1:$PORT" --endpoint device-sensor-ddf \
  --send-interval 1 --duration 60
wait_log "$WORK/sensor-ddf.log" '^registered at /rd/' || fail "the DDF-loading device did not register"
period=$(api "$HTTP/api/clients/device-sensor-ddf/32769/0/0")
grep -q '"path":"/32769/0/0","type":"integer","value":5}' <<<"$period" ||
  fail "Read of the DDF-defined /32769/0/0: $period"
pass "the DDF loader works without exceptions: the device serves the object of its DDF file"

finish
