#!/usr/bin/env bash
# Load benchmark of incident data calls on the collection service (SQLite, WAL):
#
#   bench/calls.sh [REQUESTS] [RATE] [ORGANISATIONS]   (defaults 10000, 1000, 20000)
#
# 1. Responses per second and p50/p99 at 50 concurrent clients: a closed loop (the most the
#    server sustains) and a fixed schedule of RATE responses per second (latency counted from
#    when each was due). Each client is an organisation answering one call again and again with
#    changing answers, so every request is checked against the call, stored as a new version
#    with its audit entry, in one transaction (bench/serve_load.rs --call).
# 2. `caf call status ID --format json --identify` over ORGANISATIONS responses, one per
#    organisation (each registered with its own token): the median and spread of 7 runs of the
#    whole command (process start, HTTP, the server's read, check and count, rendering).
#
# The per-token rate limit is off (the load would trip it by design); everything else is at
# its default. Builds the release binaries first.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-10000}
rate=${2:-1000}
organisations=${3:-20000}
cargo build --release --quiet --bin caf --example serve-load
target=${CARGO_TARGET_DIR:-target}
caf=$target/release/caf
load=$target/release/examples/serve-load
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

call_file() { # $1 = call id: the example call under that id
  sed "0,/^id = .*/s//id = \"$1\"/" tests/fixtures/calls/file-transfer-appliance.toml > "$work/$1.toml"
  echo "$work/$1.toml"
}

db="sqlite://$work/bench.db"
"$caf" serve --database "$db" --listen 127.0.0.1:0 --rate-limit 0 2>"$work/serve.log" &
server_pid=$!
url=""
for _ in $(seq 100); do
  url=$(grep -o 'http://[0-9.:]*' "$work/serve.log" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/serve.log" >&2; exit 3; }

echo "== responses, 50 clients, SQLite =="
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$load" --database "$db" --server "$url" --clients 50 --requests "$requests" --call "$(call_file bench-closed)"
"$load" --database "$db" --server "$url" --clients 50 --requests "$requests" --rate "$rate" --call "$(call_file bench-fixed)"

echo "== caf call status over $organisations responses =="
"$load" --database "$db" --server "$url" --clients 50 --requests "$organisations" --distinct --call "$(call_file bench-status)"
token=$("$caf" admin token create --role analyst --database "$db" 2>/dev/null)
python3 - "$caf" "$url" "$token" <<'PY'
import json, os, statistics, subprocess, sys, time
caf, url, token = sys.argv[1:]
env = dict(os.environ, CAF_TOKEN=token, CAF_CONFIG="/dev/null")
runs = []
for _ in range(7):
    start = time.perf_counter()
    out = subprocess.run([caf, "call", "status", "bench-status", "--format", "json", "--identify", "--server", url],
                         env=env, capture_output=True, check=True)
    runs.append((time.perf_counter() - start) * 1000)
status = json.loads(out.stdout)
print(f"caf call status: {status['responded']} responses of {status['audience']} addressed; "
      f"median {statistics.median(runs):.1f} ms, min {min(runs):.1f} ms, max {max(runs):.1f} ms over {len(runs)} runs")
PY
