#!/usr/bin/env bash
# A fleet's PSKs from one master key: `drover server --psk-master` and `drover client --count 3
# --psk-master` compute the same key for each endpoint, so all three register over coaps with
# their endpoint name as identity; an endpoint of the fleet's prefix gets 4.03 over NoSec (no
# downgrade); one outside it registers in clear.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
command -v coap-client-notls >/dev/null || fail "coap-client-notls not found (package libcoap3-bin)"

MASTER=000102030405060708090a0b0c0d0e0f1011121314151617
start_server --coaps-port 0 --psk-master "$MASTER" --psk-master-prefix fleet-
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"
pass "drover server listens on coaps://127.0.0.1:$COAPS with derived PSKs"

api() { timeout 10 curl -sS "$HTTP$1"; }

start client "$DROVER" client --endpoint fleet --count 3 --server "coaps://127.0.0.1:$COAPS" \
  --psk-master "$MASTER" --lifetime 60 --duration 60
for i in $(seq 1 150); do
  [[ $(api /api/clients | grep -o '"identity":"psk:fleet-[0-9]"' | sort -u | wc -l) -eq 3 ]] && break
  sleep 0.1
done
for n in 0 1 2; do
  grep -q "\"identity\":\"psk:fleet-$n\"" <<<"$(api /api/clients/fleet-$n)" ||
    fail "fleet-$n did not register over coaps with its derived key: $(api /api/clients)"
done
pass "three devices register over DTLS with keys derived from the master key"

out=$(timeout 20 coap-client-notls -B 5 -v 6 -m post -t 40 -e '</3/0>' \
  "coap://127.0.0.1:$PORT/rd?ep=fleet-9&lt=60" 2>&1 || true)
grep -q '4.03' <<<"$out" || fail "a NoSec Register of fleet-9 was not refused 4.03: $out"
out=$(timeout 20 coap-client-notls -B 5 -v 6 -m post -t 40 -e '</3/0>' \
  "coap://127.0.0.1:$PORT/rd?ep=other-1&lt=60" 2>&1 || true)
grep -q '"endpoint":"other-1"' <<<"$(api /api/clients/other-1)" ||
  fail "a NoSec Register outside the fleet's prefix was not accepted: $out"
pass "NoSec is refused for the fleet's endpoints (4.03), accepted for others"

finish
