#!/usr/bin/env bash
# `drover server --shards 2`: two event loops on one UDP port. Twenty simulated devices (each with
# a socket of its own, so the kernel spreads them over both shards) register; the HTTP API lists
# them all, reads from every one (routed to the shard holding it), streams their Sends and the CoAP
# message log of one device per shard, sums the shards' metrics; firmware updates are off (a warning, no
# /api/firmware); on SIGINT the devices de-register and the server stops.
source "$(dirname "$0")/interop_lib.sh"

start_server --shards 2
log_has "listening on coap://127.0.0.1:$PORT with 2 shards" "$LOG" || fail "not started with 2 shards"
# Firmware updates run on one event loop: refused with a warning, their routes absent.
log_has 'firmware updates run on one event loop: not with --shards (/api/firmware is absent)' "$LOG" ||
  fail "no warning that firmware updates are off with --shards"
for route in /api/firmware /api/campaigns; do
  code=$(timeout 10 curl -sS -o /dev/null -w '%{http_code}' "$HTTP$route")
  [[ $code == 404 ]] || fail "GET $route with --shards answered $code"
done
pass "--shards: firmware updates are off, said in the log; /api/firmware and /api/campaigns answer 404"

N=20
start client "$DROVER" client --endpoint shard --server "coap://127.0.0.1:$PORT" --count $N \
  --lifetime 60 --sample-interval 0.5 --send-interval 0.5
CLIENT_PID=$LAST_PID

for i in $(seq 1 150); do
  (($(grep -c "registered shard-" "$LOG" || true) >= N)) && break
  sleep 0.1
done
(($(grep -c "registered shard-" "$LOG" || true) >= N)) || fail "not all $N devices registered"
log_has "at /rd/A" "$LOG" || fail "no registration on shard A"
log_has "at /rd/B" "$LOG" || fail "no registration on shard B"
pass "$N devices registered, on both shards (locations /rd/A... and /rd/B...)"

listing=$(timeout 10 curl -sS "$HTTP/api/clients?limit=1000")
grep -q "\"total\":$N," <<<"$listing" || fail "GET /api/clients total is not $N: $listing"
for n in $(seq 0 $((N - 1))); do
  grep -q "\"shard-$n\"" <<<"$listing" || fail "GET /api/clients does not list shard-$n"
done
# Sorted across shards, and paged: shard-10 and shard-11 follow shard-1.
page=$(timeout 10 curl -sS "$HTTP/api/clients?offset=1&limit=2")
[[ $(grep -oE '"endpoint":"[^"]+"' <<<"$page" | tr '\n' ' ') == '"endpoint":"shard-1" "endpoint":"shard-10" ' ]] ||
  fail "page offset=1 limit=2 across the shards: $page"
pass "GET /api/clients merges both shards, sorted and paged"

for n in $(seq 0 $((N - 1))); do
  one=$(timeout 10 curl -sS "$HTTP/api/clients/shard-$n")
  grep -q "\"endpoint\":\"shard-$n\"" <<<"$one" || fail "GET /api/clients/shard-$n: $one"
  read=$(timeout 15 curl -sS "$HTTP/api/clients/shard-$n/3/0/0")
  grep -q '"path":"/3/0/0"' <<<"$read" || fail "Read /3/0/0 of shard-$n: $read"
done
missing=$(timeout 10 curl -sS -o /dev/null -w '%{http_code}' "$HTTP/api/clients/nobody/3/0/0")
[[ $missing == 404 ]] || fail "a Read of an unknown client got $missing"
pass "a Read of /3/0/0 reaches every device through the shard that holds it; unknown: 404"

timeout 5 curl -sS -N "$HTTP/api/events" >"$WORK/events.txt" 2>/dev/null || true
grep -q '^event: send' "$WORK/events.txt" || fail "no Send on the event stream: $(head -c 300 "$WORK/events.txt")"
senders=$(grep -oE '"endpoint":"shard-[0-9]+"' "$WORK/events.txt" | sort -u | wc -l)
((senders >= 10)) || fail "the event stream shows Sends of only $senders devices"
pass "the event stream carries both shards' Sends ($senders devices in 5 s)"

# The CoAP message log of one device on each shard: its Sends in, their answers out.
for shard in A B; do
  ep=$(grep -oE "registered shard-[0-9]+ at /rd/$shard" "$LOG" | head -1 | awk '{print $2}')
  [[ -n $ep ]] || fail "no device on shard $shard"
  timeout 3 curl -sS -N "$HTTP/api/events?endpoint=$ep&coap=1" >"$WORK/coap-$shard.txt" 2>/dev/null || true
  grep -q "\"endpoint\":\"$ep\",\"direction\":\"in\".*\"code_name\":\"POST\".*\"value\":\"dp\"" "$WORK/coap-$shard.txt" ||
    fail "no Send of $ep in its message log: $(head -c 400 "$WORK/coap-$shard.txt")"
  grep -q "\"endpoint\":\"$ep\",\"direction\":\"out\".*\"code\":\"2.04\"" "$WORK/coap-$shard.txt" ||
    fail "no answer to $ep in its message log"
  if grep -qE '"endpoint":"shard-[0-9]+"' <(grep -v "\"endpoint\":\"$ep\"" "$WORK/coap-$shard.txt"); then
    fail "the message log of $ep shows other devices"
  fi
done
pass "the CoAP message log (coap=1) shows a device's datagrams on either shard"

metrics=$(timeout 10 curl -sS "$HTTP/metrics")
grep -qx "drover_registrations $N" <<<"$metrics" || fail "metrics: $(grep drover_registrations <<<"$metrics")"
(($(grep -c '^# TYPE drover_registrations ' <<<"$metrics") == 1)) || fail "metric headers repeated"
reads=$(sed -nE 's/^drover_api_operations_total\{operation="read",result="success"\} ([0-9]+)$/\1/p' <<<"$metrics")
[[ $reads == "$N" ]] || fail "metrics count $reads successful reads, not $N"
pass "/metrics sums the shards ($N registrations, $N reads)"

kill -INT "$CLIENT_PID"
for i in $(seq 1 150); do
  (($(grep -c "deregistered shard-" "$LOG" || true) >= N)) && break
  sleep 0.1
done
(($(grep -c "deregistered shard-" "$LOG" || true) >= N)) || fail "not every device de-registered"
timeout 15 tail --pid="$CLIENT_PID" -f /dev/null || fail "drover client did not exit after SIGINT"

kill -INT "$SERVER_PID"
for i in $(seq 1 100); do
  grep -q 'stopped: 0 registrations' "$LOG" && break
  sleep 0.1
done
log_has 'stopped: 0 registrations' "$LOG" || fail "drover server did not stop cleanly"
timeout 15 tail --pid="$SERVER_PID" -f /dev/null || fail "drover server did not exit"
pass "the devices de-registered and the server stopped"

finish
