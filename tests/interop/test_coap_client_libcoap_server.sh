#!/usr/bin/env bash
# `drover coap` against libcoap's coap-server-notls: GET, observe, NON, block-wise PUT and GET both ways
# (on /example_data), dynamic resources (PUT/POST/DELETE), a timeout, IPv6.
source "$(dirname "$0")/interop_lib.sh"

# coap-server-notls -d: PUT may create up to 5 resources. It does not fail on a taken UDP port, so the
# port is taken from the OS first and checked by a GET; retried if another server answers there.
PORT=
for attempt in 1 2 3; do
  candidate=$(free_udp_port)
  start "libcoap-$attempt" coap-server-notls -A 127.0.0.1 -p "$candidate" -d 5
  if wait_for_coap "coap://127.0.0.1:$candidate/" "$LAST_PID" &&
    [[ $(coap_client -m get "coap://127.0.0.1:$candidate/") == *libcoap* ]]; then
    PORT=$candidate
    break
  fi
done
[[ -n $PORT ]] || fail "coap-server-notls did not start"
URI=coap://127.0.0.1:$PORT

out=$(drover_coap get "$URI/") || fail "GET / failed"
[[ $out == *"test server made with libcoap"* ]] || fail "GET / returned '$out'"
pass "GET /"

out=$(drover_coap get "$URI/.well-known/core") || fail "GET /.well-known/core failed"
[[ $out == *"</time>"* && $out == *"</example_data>"* ]] || fail "discovery returned '$out'"
pass "GET /.well-known/core"

out=$(drover_coap get "$URI/time") || fail "GET /time failed"
[[ -n $out ]] || fail "GET /time returned nothing"
pass "GET /time ($out)"

out=$(drover_coap get --non "$URI/time") || fail "NON GET /time failed"
[[ -n $out ]] || fail "NON GET /time returned nothing"
pass "NON GET /time"

# Observe: the registration response plus 2 notifications (libcoap's /time changes every second), then
# drover deregisters.
drover_coap observe "$URI/time" --observe 2 >"$WORK/observe.out" 2>"$WORK/observe.err" ||
  fail "observe /time failed: $(cat "$WORK/observe.err")"
lines=$(wc -l <"$WORK/observe.out")
((lines == 3)) || fail "observe /time printed $lines lines, want 3: $(cat "$WORK/observe.out")"
grep -q 'notification 2/2: 2.05 Content, Observe' "$WORK/observe.err" || fail "no second notification"
pass "observe /time (2 notifications)"

# Block1 then Block2 in 64-byte blocks: 4000 bytes in, the same 4000 bytes back.
head -c 3000 /dev/urandom | base64 -w0 >"$WORK/body.txt"
drover_coap put "$URI/example_data" --payload-file "$WORK/body.txt" --content-format 0 --block-size 64 \
  2>"$WORK/put.err" || fail "Block1 PUT /example_data failed: $(cat "$WORK/put.err")"
drover_coap get "$URI/example_data" --block-size 64 -o "$WORK/body.got" 2>"$WORK/get.err" ||
  fail "Block2 GET /example_data failed: $(cat "$WORK/get.err")"
cmp -s "$WORK/body.txt" "$WORK/body.got" || fail "Block2 GET returned $(wc -c <"$WORK/body.got") bytes, not the 4000 PUT"
pass "Block1 PUT + Block2 GET /example_data, 64-byte blocks, 4000 bytes"

# Dynamic resources: PUT creates, GET reads, DELETE removes, then GET gives 4.04 (exit status 3).
drover_coap put "$URI/drover-dyn" --payload "made by drover" 2>"$WORK/dyn.err" || fail "PUT /drover-dyn failed"
grep -q '2.01 Created' "$WORK/dyn.err" || fail "PUT /drover-dyn was not 2.01 Created: $(cat "$WORK/dyn.err")"
[[ $(drover_coap get "$URI/drover-dyn") == "made by drover" ]] || fail "GET /drover-dyn"
drover_coap delete "$URI/drover-dyn" 2>/dev/null || fail "DELETE /drover-dyn failed"
status=0
drover_coap get "$URI/drover-dyn" >/dev/null 2>"$WORK/gone.err" || status=$?
((status == 3)) && grep -q '4.04 Not Found' "$WORK/gone.err" || fail "GET after DELETE: status $status"
pass "PUT/GET/DELETE of a dynamic resource"

# POST: libcoap's server (-d) creates a resource at an unknown path (2.01 Created, Location-Path),
# changes it on the next POST (2.04), and allows no POST on its own resources (4.05, exit status 3).
drover_coap post "$URI/drover-post" --payload "posted by drover" 2>"$WORK/post.err" ||
  fail "POST /drover-post failed: $(cat "$WORK/post.err")"
grep -q '2.01 Created, Location-Path drover-post' "$WORK/post.err" || fail "POST /drover-post: $(cat "$WORK/post.err")"
[[ $(drover_coap get "$URI/drover-post") == "posted by drover" ]] || fail "GET after POST"
drover_coap post "$URI/drover-post" --payload "posted again" 2>"$WORK/post2.err" || fail "second POST failed"
grep -q '2.04 Changed' "$WORK/post2.err" || fail "second POST was not 2.04 Changed: $(cat "$WORK/post2.err")"
[[ $(drover_coap get "$URI/drover-post") == "posted again" ]] || fail "GET after the second POST"
drover_coap delete "$URI/drover-post" 2>/dev/null || fail "DELETE /drover-post failed"
status=0
drover_coap post "$URI/time" --payload "x" >/dev/null 2>"$WORK/post405.err" || status=$?
((status == 3)) && grep -q '4.05 Method Not Allowed' "$WORK/post405.err" || fail "POST /time: status $status"
pass "POST creates and changes a resource, 4.05 where POST is not allowed"

# Nobody listening: a clear failure with exit status 1 once --timeout passes.
status=0
drover_coap get "coap://127.0.0.1:$(free_udp_port)/x" --timeout 1 >/dev/null 2>"$WORK/timeout.err" || status=$?
((status == 1)) && grep -q 'failed: timeout' "$WORK/timeout.err" || fail "no-server GET: status $status"
pass "timeout reported"

if has_ipv6_loopback; then
  start libcoap-v6 coap-server-notls -A ::1 -p "$PORT"
  wait_for_coap "coap://[::1]:$PORT/" "$LAST_PID" || fail "coap-server-notls on [::1] did not start"
  out=$(drover_coap get "coap://[::1]:$PORT/") || fail "GET over IPv6 failed"
  [[ $out == *libcoap* ]] || fail "GET over IPv6 returned '$out'"
  pass "GET / over IPv6 [::1]"
else
  echo "skip: no IPv6 loopback"
fi

finish
