#!/usr/bin/env bash
# `drover client --state FILE`: a device bootstrapped by `drover server --bootstrap-port` saves
# its accounts after Bootstrap-Finish and, started again, registers with them without asking the
# bootstrap server; with --count, each device of the fleet keeps a file of its own in a folder. `drover client --factory FILE`: a device whose accounts come from a file in
# the bootstrap server's configuration format registers with the servers it names.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"

BS_PORT=$(free_udp_port)
start_server --bootstrap-port "$BS_PORT"
out=$(timeout 10 curl -sS -w ' %{http_code}' -X PUT --data \
  "{\"servers\": [{\"security\": {\"uri\": \"coap://127.0.0.1:$PORT\", \"ssid\": 3}, \"server\": {\"lifetime\": 90}},
                  {\"security\": {\"uri\": \"coap://127.0.0.1:$BS_PORT\", \"bootstrap\": true}}]}" \
  "$HTTP/api/bootstrap/configs/%2A")
[[ $out == *' 201' ]] || fail "PUT of the default bootstrap config: $out"

STATE=$WORK/dev.state
timeout 30 "$DROVER" client --endpoint state-dev --bootstrap "coap://127.0.0.1:$BS_PORT" \
  --state "$STATE" --duration 3 >"$WORK/client1.log" 2>&1 || fail "the first start failed"
log_has 'bootstrapped: registering with server 3' "$WORK/client1.log" || fail "the device was not bootstrapped"
log_has "accounts saved to $STATE" "$WORK/client1.log" || fail "the accounts were not saved"
log_has -E 'registered state-dev at /rd/[^ ]+ .*lifetime 90 s' "$LOG" || fail "state-dev did not register"
[[ $(stat -c %a "$STATE") == 600 ]] || fail "the state file is readable by others: $(stat -c %a "$STATE")"
grep -qF "coap://127.0.0.1:$PORT" "$STATE" || fail "the state file lacks the server: $(cat "$STATE")"
[[ -e $STATE.tmp ]] && fail "the temporary file was left behind"
pass "bootstrapped once: the accounts saved (SenML JSON, owner-readable only), registered"

timeout 30 "$DROVER" client --endpoint state-dev --bootstrap "coap://127.0.0.1:$BS_PORT" \
  --state "$STATE" --duration 3 >"$WORK/client2.log" 2>&1 || fail "the second start failed"
log_has "accounts from $STATE" "$WORK/client2.log" || fail "the state was not read back"
[[ $(grep -c 'registered state-dev at' "$LOG") == 2 ]] || fail "state-dev did not register again"
[[ $(grep -c 'bootstrap state-dev: started' "$LOG") == 1 ]] || fail "the restarted device bootstrapped again"
grep -q 'bootstrapped' "$WORK/client2.log" && fail "the restarted device bootstrapped again"
pass "started again: registered with the saved accounts, no Bootstrap-Request"

FLEET=$WORK/fleet-state
timeout 30 "$DROVER" client --endpoint fleet --count 3 --bootstrap "coap://127.0.0.1:$BS_PORT" \
  --state "$FLEET" --duration 3 >"$WORK/fleet1.log" 2>&1 || fail "the fleet's first start failed"
for i in 0 1 2; do
  [[ $(stat -c %a "$FLEET/fleet-$i.state" 2>/dev/null) == 600 ]] ||
    fail "no private state file for fleet-$i: $(ls -l "$FLEET" 2>&1)"
done
pass "--count 3 --state DIR: one state file per device in the folder"

# A fourth device joins: the three register from their files, the new one bootstraps and saves.
timeout 30 "$DROVER" client --endpoint fleet --count 4 --bootstrap "coap://127.0.0.1:$BS_PORT" \
  --state "$FLEET" --duration 3 >"$WORK/fleet2.log" 2>&1 || fail "the fleet's second start failed"
for i in 0 1 2; do
  log_has "fleet-$i: accounts from $FLEET/fleet-$i.state" "$WORK/fleet2.log" ||
    fail "fleet-$i did not read its state back: $(cat "$WORK/fleet2.log")"
  [[ $(grep -c "bootstrap fleet-$i: started" "$LOG") == 1 ]] || fail "fleet-$i bootstrapped again"
  [[ $(grep -c "registered fleet-$i at" "$LOG") == 2 ]] || fail "fleet-$i did not register again"
done
[[ $(grep -c 'bootstrap fleet-3: started' "$LOG") == 1 ]] || fail "the new device was not bootstrapped"
[[ -e $FLEET/fleet-3.state ]] || fail "the new device's accounts were not saved"
pass "started again with one more device: the three from their files, the new one bootstrapped"

cat >"$WORK/factory.json" <<JSON
{"servers": [{"security": {"uri": "coap://127.0.0.1:$PORT", "ssid": 7}, "server": {"lifetime": 77}}]}
JSON
timeout 30 "$DROVER" client --endpoint factory-dev --factory "$WORK/factory.json" --duration 3 \
  >"$WORK/client3.log" 2>&1 || fail "the factory-configured device failed"
log_has -E 'registered factory-dev at /rd/[^ ]+ .*lifetime 77 s' "$LOG" ||
  fail "factory-dev did not register with the server of its file"
pass "--factory: registered with the server the file names"

echo '{"servers": []}' >"$WORK/empty.json"
status=0
timeout 30 "$DROVER" client --endpoint nobody --factory "$WORK/empty.json" >"$WORK/client4.log" 2>&1 || status=$?
[[ $status == 2 ]] || fail "an unusable factory file was not refused (exit $status)"
grep -q -- '--factory: ' "$WORK/client4.log" || fail "the refusal does not say why: $(cat "$WORK/client4.log")"
pass "an unusable factory file: refused with the reason"

finish
