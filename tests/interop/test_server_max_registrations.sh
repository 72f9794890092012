#!/usr/bin/env bash
# `drover server --max-registrations N`: the (N+1)th device is refused (5.03) and not listed.
source "$(dirname "$0")/interop_lib.sh"

start_server --max-registrations 2

start client "$DROVER" client --endpoint full --server "coap://127.0.0.1:$PORT" --count 3 --lifetime 60
for i in $(seq 1 100); do
  grep -q "registration failed (Register answered 5.03)" "$WORK/client.log" && break
  sleep 0.1
done
log_has "registration failed (Register answered 5.03)" "$WORK/client.log" ||
  fail "no device was refused with 5.03"
clients=$(timeout 10 curl -sS "$HTTP/api/clients")
count=$(grep -o '"endpoint":"full-[0-9]"' <<<"$clients" | wc -l)
((count == 2)) || fail "expected 2 registrations, the API lists $count: $clients"
(($(grep -c "registered full-" "$LOG" || true) == 2)) || fail "more than 2 registrations logged"
pass "two devices registered, the third was refused"
finish
