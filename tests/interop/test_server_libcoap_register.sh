#!/usr/bin/env bash
# libcoap's coap-client-notls as an LwM2M device against `drover server`: Register, Update,
# De-register, and the errors for a bad Register and an unknown location; the server's log and its
# HTTP API listing (/api/clients) show each step.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"

start_server --log-level server=debug
URI=coap://127.0.0.1:$PORT

# api GET-PATH: the HTTP status and body of a GET on the server's HTTP API, as "STATUS BODY".
api() {
  timeout 10 curl -sS -w ' %{http_code}' "$HTTP$1" | sed -E 's/^(.*) ([0-9]{3})$/\2 \1/'
}

# A libcoap request with its message trace (-v 6), which shows the response header and options.
lwm2m_request() {
  timeout 20 coap-client-notls -B 10 -v 6 "$@" 2>&1
}

# wait_log PATTERN: true once the server has logged a line matching PATTERN (at most ~5 s).
wait_log() {
  local i
  for i in $(seq 1 50); do
    grep -qE "$1" "$LOG" && return 0
    sleep 0.1
  done
  return 1
}

# Register
out=$(lwm2m_request -m post -t 40 -e '</1/0>,</3/0>' "$URI/rd?ep=libcoap-dev&lt=60&lwm2m=1.1")
grep -q 'c:2.01' <<<"$out" || fail "Register not answered 2.01: $out"
location=$(sed -nE 's/.*Location-Path:rd, Location-Path:([a-z0-9]+).*/\1/p' <<<"$out" | head -1)
[[ -n $location ]] || fail "no Location-Path rd/{id} in the answer: $out"
wait_log "registered libcoap-dev at /rd/$location from 127.0.0.1:[0-9]+, lwm2m 1.1, lifetime 60 s.*objects: 1\(1\) 3\(1\)" ||
  fail "registration of libcoap-dev not logged"
pass "Register: 2.01, location rd/$location, logged"

listing=$(api /api/clients)
grep -q '"endpoint":"libcoap-dev"' <<<"$listing" || fail "GET /api/clients does not list libcoap-dev: $listing"
client=$(api /api/clients/libcoap-dev)
[[ $client == 200\ * ]] || fail "GET /api/clients/libcoap-dev: $client"
for field in "\"location\":\"/rd/$location\"" '"lifetime":60' '"lwm2m_version":"1.1"' \
  '"objects":\[\{"id":1,"instances":\[0\]\},\{"id":3,"instances":\[0\]\}\]'; do
  grep -qE "$field" <<<"$client" || fail "the HTTP API's registration lacks $field: $client"
done
pass "the HTTP API lists libcoap-dev with its location, lifetime, version and objects"

# Update with a new lifetime
out=$(lwm2m_request -m post "$URI/rd/$location?lt=120")
grep -q 'c:2.04' <<<"$out" || fail "Update not answered 2.04: $out"
wait_log "updated libcoap-dev .*lifetime 120 s" || fail "update not logged"
grep -q '"lifetime":120' <<<"$(api /api/clients/libcoap-dev)" || fail "the HTTP API does not show lifetime 120"
pass "Update: 2.04, logged, the new lifetime listed"

# De-register, then the location is gone
out=$(lwm2m_request -m delete "$URI/rd/$location")
grep -q 'c:2.02' <<<"$out" || fail "De-register not answered 2.02: $out"
wait_log "deregistered libcoap-dev \(/rd/$location\)" || fail "de-registration not logged"
out=$(lwm2m_request -m post "$URI/rd/$location")
grep -q 'c:4.04' <<<"$out" || fail "Update after De-register not answered 4.04: $out"
gone=$(api /api/clients/libcoap-dev)
[[ $gone == 404\ * ]] && grep -q unknown_client <<<"$gone" || fail "libcoap-dev still known to the HTTP API: $gone"
grep -q '"total":0' <<<"$(api /api/clients)" || fail "the HTTP API still lists registrations"
pass "De-register: 2.02, logged, gone from the HTTP API; the location answers 4.04 afterwards"

# Bad Registers: no endpoint name (4.00), unsupported LwM2M version (4.12)
out=$(lwm2m_request -m post -t 40 -e '</3/0>' "$URI/rd?lt=60")
grep -q 'c:4.00' <<<"$out" || fail "Register without ep not answered 4.00: $out"
out=$(lwm2m_request -m post -t 40 -e '</3/0>' "$URI/rd?ep=x&lwm2m=9.9")
grep -q 'c:4.12' <<<"$out" || fail "Register with lwm2m=9.9 not answered 4.12: $out"
pass "bad Registers: 4.00 without ep, 4.12 for lwm2m=9.9"

kill -INT "$SERVER_PID"
wait_log 'stopped: 0 registrations' || fail "drover server did not stop on SIGINT"
pass "SIGINT stops the server"

finish
