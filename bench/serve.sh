#!/usr/bin/env bash
# Load benchmark of the collection service: submissions per second and p50/p99 latency at 50
# concurrent clients on loopback, on SQLite and on PostgreSQL (a throwaway local cluster).
#
#   bench/serve.sh [REQUESTS] [RATE]   (defaults 10000 and 1000; builds the release binaries first)
#
# Every protection of `caf serve` is on, at its default, except two the load would trip by
# design: the per-token rate limit (off) and the versions quota, raised just above what each
# client submits here (the check costs the same whatever the limit). CAF_SERVE_FLAGS adds
# flags (to measure a protection's cost, say); BENCH_DATABASES=sqlite skips PostgreSQL;
# BENCH_TIMELINE=DIR keeps each run's due times and latencies there (serve-load --timeline).
#
# Two runs per database: a closed loop (each client sends again as soon as it is answered),
# which gives the most submissions per second the server sustains, and a fixed schedule of
# RATE submissions per second across the same 50 clients, which gives the latency at that
# load (counted from when each request was due).
#
# Each client is an organisation with its own token submitting distinct assessments through
# the real client code; the server validates, re-scores, stores and audit-logs every one.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-10000}
rate=${2:-1000}
cargo build --release --quiet --bin caf --example serve-load
target=${CARGO_TARGET_DIR:-target}
caf=$target/release/caf
load=$target/release/examples/serve-load
per_client=$(( requests / 50 + 1 ))
work=$(mktemp -d)
chmod 0777 "$work"
server_pid=""
pg_ctl_cmd=()
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ ${#pg_ctl_cmd[@]} -gt 0 ] && "${pg_ctl_cmd[@]}" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# The server's own CPU time per submission: on a shared machine the throughput depends on what
# else runs, so this is printed too (with the load average before the run).
server_cpu() { # $1 = the server's CPU ticks before the run
  local ticks hz
  hz=$(getconf CLK_TCK)
  ticks=$(( $(awk '{print $14 + $15}' "/proc/$server_pid/stat") - $1 ))
  python3 -c "import sys; t=$ticks/$hz; n=$requests; print(f'server CPU {t:.1f} s = {1000*t/n:.2f} ms per submission; load average before the run: $load_before')"
}

start_server() { # $1 = database URL; sets $url
  # shellcheck disable=SC2086 # CAF_SERVE_FLAGS is a list of flags
  "$caf" serve --database "$1" --listen 127.0.0.1:0 --rate-limit 0 \
    --quota-versions "${BENCH_QUOTA_VERSIONS:-$per_client}" ${CAF_SERVE_FLAGS:-} 2>"$work/serve.log" &
  server_pid=$!
  for _ in $(seq 100); do
    url=$(grep -o 'http://[0-9.:]*' "$work/serve.log" || true)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  cat "$work/serve.log" >&2; exit 3
}

run_load() { # $1 = database URL, $2 = its name; the server is running at $url
  local start_ticks timeline=()
  for mode in closed fixed; do
    [ -n "${BENCH_TIMELINE:-}" ] && timeline=(--timeline "$BENCH_TIMELINE/$2-$mode.txt")
    load_before=$(cut -d' ' -f1-3 /proc/loadavg)
    start_ticks=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
    if [ $mode = closed ]; then
      "$load" --database "$1" --server "$url" --clients 50 --requests "$requests" "${timeline[@]}"
    else
      "$load" --database "$1" --server "$url" --clients 50 --requests "$requests" --rate "$rate" "${timeline[@]}"
    fi
    server_cpu "$start_ticks"
  done
}

echo "== SQLite (WAL) =="
start_server "sqlite://$work/bench.db"
run_load "sqlite://$work/bench.db" sqlite
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""

[ "${BENCH_DATABASES:-all}" = sqlite ] && exit 0

echo "== PostgreSQL =="
# shellcheck source=bench/pg.sh
source bench/pg.sh
start_postgres
db=$(pg_database caf)
start_server "$db"
run_load "$db" postgres
