#!/usr/bin/env bash
# `drover bench`: a short run of every scenario with a few hundred clients, so that the load
# generator cannot rot. It checks that each scenario produced answers without failures; it asserts
# nothing about rates (figures are for docs/benchmarks.md, taken on a quiet machine).
source "$(dirname "$0")/interop_lib.sh"

OUT=$WORK/bench.log
# A rate cap, so that NON notifications cannot outrun a server slowed by a busy machine.
timeout 90 "$DROVER" bench all --clients 300 --duration 0.5 --window 32 --rate 20000 \
  --server-cpus -1 --load-cpu -1 >"$OUT" 2>&1 || fail "drover bench all exited with status $?"
cat "$OUT"

# row NAME: the row of scenario NAME as "ops failed timeouts".
row() {
  awk -v name="$1" '$1 == name { print $2, $(NF-2), $(NF-1) }' "$OUT"
}
for name in ideal register update update@70% read notify send mixed/update mixed/send \
  mixed/notify mixed/read register+sqlite update+sqlite update@70%+sqlite startup; do
  read -r ops failed timeouts <<<"$(row "$name")"
  [[ -n ${ops:-} ]] || fail "no row for $name"
  ((ops > 0)) || fail "$name: no successful operation"
  ((failed == 0 && timeouts == 0)) || fail "$name: $failed failed, $timeouts timed out"
  pass "$name: $ops operations"
done
! grep -q 'dropped at a bound' "$OUT" || fail "the server dropped datagrams at a bound"

# Two server shards on one port: the same scenarios, the clients spread over both.
SHARDS=$WORK/shards.log
timeout 60 "$DROVER" bench register update read --clients 300 --duration 0.5 --window 32 \
  --rate 20000 --shards 2 --server-cpus -1 --load-cpu -1 >"$SHARDS" 2>&1 ||
  fail "drover bench --shards 2 exited with status $?"
cat "$SHARDS"
grep -q "2 server shard(s)" "$SHARDS" || fail "not run with two shards"
OUT=$SHARDS
for name in register update read; do
  read -r ops failed timeouts <<<"$(row "$name")"
  [[ -n ${ops:-} ]] || fail "two shards: no row for $name"
  ((ops > 0 && failed == 0 && timeouts == 0)) || fail "two shards: $name: $ops ops, $failed failed, $timeouts timed out"
done
pass "two shards: register, update and read"

MEM=$WORK/memory.log
timeout 60 "$DROVER" bench memory --memory-steps 200 500 --server-cpus -1 --load-cpu -1 >"$MEM" 2>&1 ||
  fail "drover bench memory exited with status $?"
cat "$MEM"
for n in 200 500; do
  awk -v n="$n" '$1 == n && $2 == n { found = 1 } END { exit !found }' "$MEM" ||
    fail "memory: $n clients not all registered"
done
pass "memory: the server process took 500 registrations and reported its RSS"
finish
