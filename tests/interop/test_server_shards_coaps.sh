#!/usr/bin/env bash
# `drover server --shards 2` with coaps: a DTLS server per shard on one port. Twenty devices with
# keys derived from a master key (each at its own loopback address, so the kernel spreads them)
# register over DTLS on both shards; the HTTP API lists them with their identities and reads
# through each one's session; libcoap's coap-client-gnutls registers with its derived key; NoSec
# is refused for the fleet's endpoints; /api/security is not served with shards.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"
command -v openssl >/dev/null || fail "openssl not found"
for tool in coap-client-gnutls coap-client-notls; do
  command -v "$tool" >/dev/null || fail "$tool not found (package libcoap3-bin)"
done

MASTER=000102030405060708090a0b0c0d0e0f1011121314151617
start_server --shards 2 --coaps-port 0 --psk-master "$MASTER" --psk-master-prefix fleet-
COAPS=$(sed -nE 's/.*LwM2M server listening on coaps:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$LOG")
[[ -n $COAPS ]] || fail "no coaps port in the server's log"
log_has "a session per shard" "$LOG" || fail "the coaps line does not say sessions are per shard"
pass "drover server --shards 2 listens on coaps://127.0.0.1:$COAPS"

api() { timeout 10 curl -sS "$HTTP$1"; }

N=20
start client "$DROVER" client --endpoint fleet --count $N --server "coaps://127.0.0.1:$COAPS" \
  --psk-master "$MASTER" --lifetime 60 --duration 90
for i in $(seq 1 200); do
  (($(grep -c "registered fleet-" "$LOG" || true) >= N)) && break
  sleep 0.1
done
(($(grep -c "registered fleet-" "$LOG" || true) >= N)) || fail "not all $N devices registered"
log_has "at /rd/A" "$LOG" || fail "no registration on shard A"
log_has "at /rd/B" "$LOG" || fail "no registration on shard B"
for n in $(seq 0 $((N - 1))); do
  grep -q "\"identity\":\"psk:fleet-$n\"" <<<"$(api /api/clients/fleet-$n)" ||
    fail "fleet-$n is not listed with its DTLS identity: $(api /api/clients/fleet-$n)"
done
pass "$N devices registered over DTLS on both shards, listed with their identities"

for n in 0 7 13 19; do
  value=$(timeout 15 curl -sS "$HTTP/api/clients/fleet-$n/3/0/0")
  grep -q '"path":"/3/0/0"' <<<"$value" || fail "Read of fleet-$n's /3/0/0: $value"
done
pass "Reads through the HTTP API reach devices on either shard through their sessions"

# libcoap with the key derived as the server documents it: HMAC-SHA256(master, endpoint), 16 bytes.
key=$(printf %s fleet-libcoap | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$MASTER" |
  awk '{ print substr($NF, 1, 32) }')
keytext=$(printf %s "$key" | sed 's/../\\x&/g')
printf "$keytext" >"$WORK/libcoap.key"
out=$(timeout 30 coap-client-gnutls -B 10 -v 6 -u fleet-libcoap -k "$(cat "$WORK/libcoap.key")" \
  -m post -t 40 -e '</3/0>' "coaps://127.0.0.1:$COAPS/rd?ep=fleet-libcoap&lt=60" 2>&1 || true)
grep -q 'c:2.01' <<<"$out" || fail "coap-client-gnutls did not register with its derived key: $out"
grep -q '"identity":"psk:fleet-libcoap"' <<<"$(api /api/clients/fleet-libcoap)" ||
  fail "coap-client-gnutls registered but is not listed with its identity"
pass "coap-client-gnutls registers over DTLS-PSK with the derived key"

out=$(timeout 20 coap-client-notls -B 5 -v 6 -m post -t 40 -e '</3/0>' \
  "coap://127.0.0.1:$PORT/rd?ep=fleet-99&lt=60" 2>&1 || true)
grep -q '4.03' <<<"$out" || fail "a NoSec Register of fleet-99 was not refused 4.03: $out"
code=$(timeout 10 curl -s -o /dev/null -w '%{http_code}' "$HTTP/api/security")
[[ $code == 404 ]] || fail "GET /api/security with --shards answered $code"
pass "NoSec refused for the fleet (4.03); /api/security is not served with shards (404)"

finish
