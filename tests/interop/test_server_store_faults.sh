#!/usr/bin/env bash
# The store's faults, each with its outcome: a data folder in use by another server, a damaged
# database, one from a newer version (refused at start, naming the file, the file left as it was),
# and a full disk while running (the server keeps serving and reports the failed writes).
source "$(dirname "$0")/interop_lib.sh"

# expect_refused NAME PATTERN ARGS...: `drover server ARGS` exits 1 at start with PATTERN logged.
expect_refused() {
  local name=$1 pattern=$2 status=0
  shift 2
  timeout 20 "$DROVER" server --address 127.0.0.1 --coap-port 0 --http-port 0 "$@" \
    >"$WORK/$name.log" 2>&1 || status=$?
  [[ $status -eq 1 ]] || fail "$name: exit status $status, not 1"
  log_has -E "$pattern" "$WORK/$name.log" || fail "$name: no \"$pattern\" in: $(cat "$WORK/$name.log")"
}

start_server
expect_refused locked "data folder .*/data is in use by another process \(pid [0-9]+\)" \
  --data-dir "$WORK/data"
pass "a second server on the same data folder is refused, naming the first"
kill "$SERVER_PID"
timeout 10 tail --pid="$SERVER_PID" -f /dev/null

mkdir -p "$WORK/damaged"
head -c 16384 /dev/urandom >"$WORK/damaged/server-0.db"
sum=$(sha256sum <"$WORK/damaged/server-0.db")
expect_refused damaged "damaged/server-0.db.*damaged" --data-dir "$WORK/damaged"
[[ $(sha256sum <"$WORK/damaged/server-0.db") == "$sum" ]] || fail "the damaged file was changed"
pass "a damaged database is refused and left as it was"

python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("PRAGMA user_version=99"); c.commit()' \
  "$WORK/data/server-0.db"
expect_refused newer "server-0.db: schema version 99 is newer" --data-dir "$WORK/data"
pass "a database of a newer version is refused"

# A full disk: a 256 KiB tmpfs in a mount namespace of our own (unprivileged where user namespaces
# are allowed).
if ! unshare -rm true 2>/dev/null; then
  echo "skip: no mount namespace here (unshare -rm), the full-disk case is not run"
  finish
  exit 0
fi
cat >"$WORK/full.sh" <<EOF
set -eu
mkdir -p "$WORK/small"
mount -t tmpfs -o size=256k tmpfs "$WORK/small"
timeout 60 "$DROVER" server --address 127.0.0.1 --coap-port 0 --http-port 0 \
  --data-dir "$WORK/small" --duration 40 >"$WORK/full-server.log" 2>&1 &
for i in \$(seq 1 100); do
  port=\$(sed -nE 's/.*LwM2M server listening on coap:\/\/127\.0\.0\.1:([0-9]+) .*/\1/p' "$WORK/full-server.log")
  [ -n "\$port" ] && break
  sleep 0.1
done
timeout 60 "$DROVER" fleet --server "coap://127.0.0.1:\$port" --clients 20000 --deregister \
  >"$WORK/full-fleet.log" 2>&1 || true
kill -INT %1
wait
EOF
unshare -rm bash "$WORK/full.sh" || fail "the full-disk run failed: $(cat "$WORK/full-server.log")"
log_has "^update: 20000 of 20000 answered 2.xx" "$WORK/full-fleet.log" ||
  fail "the server stopped serving on a full disk: $(cat "$WORK/full-fleet.log")"
log_has "^deregister: 20000 of 20000 answered 2.xx" "$WORK/full-fleet.log" ||
  fail "de-registrations on a full disk: $(cat "$WORK/full-fleet.log")"
log_has "the disk is full" "$WORK/full-server.log" ||
  fail "the failed writes were not reported: $(tail -5 "$WORK/full-server.log")"
grep -qE "store: .*server-0.db: [0-9]+ changes written in [0-9]+ transactions, [0-9]+ failed" \
  "$WORK/full-server.log" || fail "no count of failed writes: $(tail -3 "$WORK/full-server.log")"
pass "on a full disk the server keeps serving and reports the failed writes"
finish
