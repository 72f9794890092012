#!/usr/bin/env bash
# A firmware campaign of `drover server` over loopback, to 203 `drover client` devices: 100 that
# take only pushes (--fw-delivery push: Write of /5/0/0 with Block1), 100 that only pull (the
# server's coap://.../fw/<sha256> with Block2), two whose first download loses its link half-way
# (--fw-fail download: Connection lost, then silent for a moment) and one that expects other bytes
# (--fw-sha256: Integrity check failure). The image is uploaded with POST /api/firmware and rolled
# out with POST /api/campaigns (method auto, one retry): every device but the last ends on the
# image's version (/3/0/3 read through the API), the dropped ones (one pulling, one pushed to) on
# their second attempt, and the campaign's record shows the integrity failure with its meaning.
source "$(dirname "$0")/interop_lib.sh"
command -v curl >/dev/null || fail "curl not found"

IMAGE=$WORK/image.bin
{
  printf 'DROVER-FW 2.0.0\n'
  head -c 6000 /dev/urandom  # a few blocks: the dropped device loses its link after 2 KiB
} >"$IMAGE"
SHA=$(sha256sum "$IMAGE" | cut -d' ' -f1)
OTHER=$(printf 'other bytes' | sha256sum | cut -d' ' -f1)

# --firmware-poll: the dropped device's Update Result, notified while its link was down, is read
# within a second rather than 30.
start_server --firmware-poll 1
N=100
common=(--server "coap://127.0.0.1:$PORT" --sample-interval 60)
start pushed "$DROVER" client --endpoint push --count $N "${common[@]}" --fw-sha256 "$SHA" --fw-delivery push
start pulled "$DROVER" client --endpoint pull --count $N "${common[@]}" --fw-sha256 "$SHA" --fw-delivery pull
start drop "$DROVER" client --endpoint drop "${common[@]}" --fw-sha256 "$SHA" --fw-fail download --fw-silence 1
start droppush "$DROVER" client --endpoint droppush "${common[@]}" --fw-sha256 "$SHA" --fw-delivery push \
  --fw-fail download --fw-silence 1
start bad "$DROVER" client --endpoint bad "${common[@]}" --fw-sha256 "$OTHER"
TOTAL=$((2 * N + 3))

api() { timeout 20 curl -sS "$@"; }
# json EXPRESSION: evaluates EXPRESSION on the JSON document read from stdin (as `d`).
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }

for i in $(seq 1 300); do
  [[ $(api "$HTTP/api/clients?limit=1" | json 'd["total"]') == "$TOTAL" ]] && break
  sleep 0.1
done
[[ $(api "$HTTP/api/clients?limit=1" | json 'd["total"]') == "$TOTAL" ]] || fail "not all $TOTAL devices registered"
pass "$TOTAL devices registered"

code=$(api -o "$WORK/upload.json" -w '%{http_code}' -X POST -H 'Content-Type: application/octet-stream' \
  --data-binary "@$IMAGE" "$HTTP/api/firmware?name=sensor&version=2.0.0")
[[ $code == 201 ]] || fail "POST /api/firmware answered $code: $(cat "$WORK/upload.json")"
[[ $(json 'd["sha256"]' <"$WORK/upload.json") == "$SHA" ]] || fail "the image is not stored under its SHA-256"
pass "POST /api/firmware stores the image"

code=$(api -o "$WORK/campaign.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  -d "{\"image\":\"$SHA\",\"method\":\"auto\",\"prefix\":\"\",\"concurrency\":50,\"retries\":1}" \
  "$HTTP/api/campaigns")
[[ $code == 201 ]] || fail "POST /api/campaigns answered $code: $(cat "$WORK/campaign.json")"
ID=$(json 'd["id"]' <"$WORK/campaign.json")
[[ $(json 'd["devices_total"]' <"$WORK/campaign.json") == "$TOTAL" ]] || fail "the campaign does not name every device"

# Bounded wait for the campaign's end (it finishes in a few seconds on an idle machine).
state=running
for i in $(seq 1 450); do
  api "$HTTP/api/campaigns/$ID" >"$WORK/progress.json"
  state=$(json 'd["state"]' <"$WORK/progress.json")
  [[ $state == running ]] || break
  sleep 0.2
done
[[ $state == finished ]] || fail "campaign $ID is $state: $(json 'd["totals"]' <"$WORK/progress.json")"
totals=$(json 'd["totals"]' <"$WORK/progress.json")
[[ $(json 'd["totals"]["succeeded"]' <"$WORK/progress.json") == $((TOTAL - 1)) ]] || fail "totals: $totals"
[[ $(json 'd["totals"]["failed"]' <"$WORK/progress.json") == 1 ]] || fail "totals: $totals"
pass "campaign $ID finished: $totals"

device() { json "next(e for e in d[\"devices\"] if e[\"endpoint\"] == \"$1\")$2" <"$WORK/progress.json"; }
[[ $(device bad '["state"]') == failed ]] || fail "bad: $(device bad '')"
[[ $(device bad '["message"]') == "Update Result 5: integrity check failure for the new package" ]] ||
  fail "bad: $(device bad '')"
[[ $(device bad '["attempts"]') == 1 ]] || fail "bad was tried again: $(device bad '')"
update=$(api "$HTTP/api/clients/bad/firmware")
[[ $(json 'd["result"]' <<<"$update") == 5 &&
  $(json 'd["result_meaning"]' <<<"$update") == 'integrity check failure for the new package' ]] ||
  fail "bad's update: $update"
pass "the device that expects other bytes failed with Update Result 5 (integrity check failure), not retried"

for ep in drop droppush; do
  [[ $(device $ep '["state"]') == succeeded ]] || fail "$ep: $(device $ep '')"
  [[ $(device $ep '["attempts"]') == 2 ]] || fail "$ep: $(device $ep '')"
  log_has "firmware $ep: failed: Update Result 4: connection lost" "$LOG" || fail "$ep's first attempt is not logged"
done
pass "the devices that lost their link mid-transfer (Update Result 4), pulling and pushed to, were retried and updated"

# Every device's Firmware Version and the way its image came, through the API.
python3 - "$HTTP" "$N" >"$WORK/check.txt" 2>&1 <<'PY' || fail "$(tail -5 "$WORK/check.txt")"
import json, sys, urllib.request
http, n = sys.argv[1], int(sys.argv[2])
def get(path):
    with urllib.request.urlopen(http + path, timeout=20) as r:
        return json.load(r)
for prefix, method in (("push", "push"), ("pull", "pull")):
    for i in range(n):
        ep = f"{prefix}-{i}"
        version = get(f"/api/clients/{ep}/3/0/3")["values"][0]["value"]
        assert version == "2.0.0", f"{ep}: Firmware Version {version}"
        update = get(f"/api/clients/{ep}/firmware")
        assert update["method"] == method and update["outcome"] == "succeeded", f"{ep}: {update}"
        assert update["version_after"] == "2.0.0", f"{ep}: {update}"
for ep in ("drop", "droppush"):
    assert get(f"/api/clients/{ep}/3/0/3")["values"][0]["value"] == "2.0.0", ep
assert get("/api/clients/bad/3/0/3")["values"][0]["value"] != "2.0.0"
PY
pass "every pushed and pulled device runs 2.0.0 (/3/0/3), the ones that take only pushes were pushed to"

metrics=$(api "$HTTP/metrics")
grep -qE "^drover_firmware_pushes_total $((N + 2))$" <<<"$metrics" || fail "pushes: $(grep pushes_total <<<"$metrics")"
grep -qE '^drover_firmware_updates_succeeded_total '$((TOTAL - 1))'$' <<<"$metrics" ||
  fail "$(grep updates_ <<<"$metrics")"
pass "/metrics counts $((N + 2)) pushes and $((TOTAL - 1)) updates succeeded"

finish
