#!/usr/bin/env bash
# Access to `drover server`'s HTTP API and console: an address other than loopback is refused
# without a token; with --api-token-file the API needs the token (the console's files do not);
# with --https-cert/--https-key it speaks HTTPS only.
source "$(dirname "$0")/interop_lib.sh"

# Refused before anything listens on the address.
code=0
out=$(timeout 20 "$DROVER" server --address 127.0.0.1 --coap-port 0 --http-port 0 \
  --http-address 0.0.0.0 --duration 5 2>&1) || code=$?
[[ $code == 2 ]] || fail "0.0.0.0 without a token: exit $code, $out"
grep -q "is not loopback: the API and console there need a token (--api-token-file)" <<<"$out" ||
  fail "no reason given: $out"
pass "an address other than loopback needs a token"

echo short >"$WORK/short.token"
code=0
out=$(timeout 20 "$DROVER" server --address 127.0.0.1 --coap-port 0 --http-port 0 \
  --api-token-file "$WORK/short.token" --duration 5 2>&1) || code=$?
[[ $code == 2 ]] || fail "a short token: exit $code, $out"
grep -q "shorter than 16 characters" <<<"$out" || fail "no reason given: $out"
pass "a token shorter than 16 characters is refused"

TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
echo "$TOKEN" >"$WORK/api.token"
start_server --api-token-file "$WORK/api.token"
log_has "token required" "$LOG" || fail "the log does not say the token is required"
status() { timeout 10 curl -sS -o /dev/null -w '%{http_code}' "$@"; }
[[ $(status "$HTTP/api/clients") == 401 ]] || fail "the API answers without the token"
[[ $(status "$HTTP/metrics") == 401 ]] || fail "/metrics answers without the token"
[[ $(status -H "Authorization: Bearer wrong$TOKEN" "$HTTP/api/clients") == 401 ]] ||
  fail "the API answers a wrong token"
[[ $(status -H "Authorization: Bearer $TOKEN" "$HTTP/api/clients") == 200 ]] ||
  fail "the API refuses the token"
page=$(timeout 10 curl -sS -D "$WORK/headers" "$HTTP/")
grep -qi '^content-type: text/html' "$WORK/headers" || fail "/ is not the console: $(cat "$WORK/headers")"
grep -q '<title>' <<<"$page" || fail "/ has no page: $page"
pass "with a token the API needs it and the console's files do not"
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true

timeout 20 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj /CN=localhost -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
start_server --https-cert "$WORK/cert.pem" --https-key "$WORK/key.pem"
[[ $HTTP == https://* ]] || fail "the log does not give an https URL: $HTTP"
[[ $(status --cacert "$WORK/cert.pem" "https://localhost:${HTTP##*:}/api/clients") == 200 ]] ||
  fail "GET over HTTPS failed"
plain=$(timeout 10 curl -sS -o /dev/null -w '%{http_code}' \
  "http://127.0.0.1:${HTTP##*:}/api/clients" 2>/dev/null) || true
[[ $plain != 200 ]] || fail "plain HTTP is answered on the HTTPS port"
pass "with a certificate and key the server speaks HTTPS only"
finish
