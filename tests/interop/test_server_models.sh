#!/usr/bin/env bash
# `drover server --models DIR`: the DDF files of a folder join the server's object models and the
# HTTP API serves them at /api/models; a file that is not a DDF is reported and skipped.
source "$(dirname "$0")/interop_lib.sh"

MODELS=$WORK/models
mkdir -p "$MODELS"
cat >"$MODELS/40100.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<LWM2M xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="http://www.openmobilealliance.org/tech/profiles/LWM2M-v1_1.xsd">
  <Object ObjectType="MODefinition">
    <Name>Water Meter Test</Name>
    <Description1>A custom object of this test.</Description1>
    <ObjectID>40100</ObjectID>
    <ObjectURN>urn:oma:lwm2m:x:40100:1.1</ObjectURN>
    <LWM2MVersion>1.1</LWM2MVersion>
    <ObjectVersion>1.1</ObjectVersion>
    <MultipleInstances>Multiple</MultipleInstances>
    <Mandatory>Optional</Mandatory>
    <Resources>
      <Item ID="0">
        <Name>Volume</Name><Operations>R</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Mandatory</Mandatory><Type>Float</Type><RangeEnumeration>0..1e9</RangeEnumeration>
        <Units>m3</Units><Description>Water through the meter.</Description>
      </Item>
      <Item ID="1">
        <Name>Reset</Name><Operations>E</Operations><MultipleInstances>Single</MultipleInstances>
        <Mandatory>Optional</Mandatory><Type></Type><RangeEnumeration></RangeEnumeration><Units></Units>
        <Description>Sets the volume to 0.</Description>
      </Item>
    </Resources>
    <Description2></Description2>
  </Object>
</LWM2M>
EOF
echo '<LWM2M><Object>not finished' >"$MODELS/broken.xml"

start_server --models "$MODELS"
log_has "models from $MODELS: 1 added, 1 rejected" "$LOG" || fail "the load is not reported"
log_has "rejected $MODELS/broken.xml: " "$LOG" || fail "the broken file is not named"
pass "drover server --models loads the folder and says what it rejected"

model=$(timeout 10 curl -sS -w '\n%{http_code}' "$HTTP/api/models/40100")
[[ $(tail -n1 <<<"$model") == 200 ]] || fail "GET /api/models/40100: $model"
python3 - "$(head -n -1 <<<"$model")" <<'EOF' || fail "GET /api/models/40100: $model"
import json, sys
m = json.loads(sys.argv[1])
assert m["id"] == 40100 and m["version"] == "1.1" and m["name"] == "Water Meter Test", m
assert m["urn"] == "urn:oma:lwm2m:x:40100:1.1" and m["multiple"] is True, m
volume, reset = m["resources"]
assert (volume["id"], volume["name"], volume["type"], volume["units"], volume["operations"]) == \
    (0, "Volume", "Float", "m3", "R"), volume
assert (reset["id"], reset["operations"], reset["type"]) == (1, "E", ""), reset
EOF
listed=$(timeout 10 curl -sS "$HTTP/api/models")
grep -q '{"id":40100,"version":"1.1","name":"Water Meter Test"' <<<"$listed" ||
  fail "GET /api/models does not list it: $listed"
versioned=$(timeout 10 curl -sS "$HTTP/api/models/40100?version=1.1")
grep -q '"name":"Water Meter Test"' <<<"$versioned" || fail "GET ?version=1.1: $versioned"
missing=$(timeout 10 curl -sS -w ' %{http_code}' "$HTTP/api/models/40101")
[[ $missing == *'"unknown_object"'*' 404' ]] || fail "an object not loaded: $missing"
pass "the HTTP API serves the custom object definition at /api/models/40100"

kill -INT "$SERVER_PID"
timeout 15 tail --pid="$SERVER_PID" -f /dev/null || fail "drover server did not exit after SIGINT"
finish
