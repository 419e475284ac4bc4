#!/usr/bin/env bash
# The collection service's aggregate over many current submissions: GET /api/v1/aggregate
# latency (p50, p99 over REQUESTS sequential requests) on SQLite and on PostgreSQL, and the
# server's peak resident memory serving it with the real-shaped texts as they are and with
# every text grown by PAD bytes of comment (it must not grow with the texts: the aggregate
# reads the digests stored at ingest, not the texts).
#
#   bench/server_aggregate.sh [ORGS] [REQUESTS] [PAD]   (defaults 20000, 20, 32768)
#
# The population is `caf synth --orgs ORGS --periods 1` (real-shaped: comments, evidence,
# overrides, carried answers, suppliers, CRLF, caf-3.2 and caf-4.0), every valid file
# submitted through the HTTP API by its own organisation at 50 clients (bench/serve_load.rs
# --files; its throughput line is the ingest figure on these files). The server is restarted
# after ingest, so its peak memory is that of start-up and the aggregates alone.
#
# The server keeps its fold of the current submissions until one changes, so the requests are
# timed twice: REQUESTS in a row with nothing submitted between them (after the first, only
# the report is computed again), and REQUESTS each just after one organisation has submitted
# a new version (the fold is made again from the digests in memory every time).
# BENCH_DATABASES=sqlite skips PostgreSQL; BENCH_PAD_DATABASES lists where the padded run goes
# (default sqlite).
set -euo pipefail
cd "$(dirname "$0")/.."
orgs=${1:-20000}
requests=${2:-20}
pad=${3:-32768}
cargo build --release --quiet --bin caf --example serve-load
target=${CARGO_TARGET_DIR:-target}
caf=$target/release/caf
load=$target/release/examples/serve-load
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

start_server() { # $1 = database URL; sets $url and $server_pid
  : >"$work/serve.log"
  "$caf" serve --database "$1" --listen 127.0.0.1:0 --rate-limit 0 2>"$work/serve.log" &
  server_pid=$!
  for _ in $(seq 600); do
    url=$(grep -o 'http://[0-9.:]*' "$work/serve.log" || true)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  cat "$work/serve.log" >&2; exit 3
}

stop_server() {
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}

# $1 = database URL, $2 = bytes of padding per text, $3 = label
run() {
  echo "-- $3: ingest (50 clients, every file once)"
  start_server "$1"
  "$load" --database "$1" --server "$url" --clients 50 --files "$work/synth" --pad "$2"
  stop_server
  start_server "$1"
  local analyst
  analyst=$("$caf" admin token create --role analyst --database "$1" 2>/dev/null | tr -d '\n')
  : >"$work/times"
  local ticks
  ticks=$(awk '{print $14 + $15}' "/proc/$server_pid/stat")
  for _ in $(seq "$requests"); do
    curl -sf -o "$work/answer.json" -w '%{time_total}\n' \
      -H "Authorization: Bearer $analyst" "$url/api/v1/aggregate" >>"$work/times"
  done
  local hwm cpu anon
  cpu=$(( $(awk '{print $14 + $15}' "/proc/$server_pid/stat") - ticks ))
  # One organisation's file, submitted again (one comment line more each time) before each
  # aggregate of the second series.
  local file org submitter
  file=$(find "$work/synth" -name '*.toml' | sort | sed -n 1p)
  org=$(sed -n 's/^id = "\(.*\)"\r\?$/\1/p' "$file" | sed -n 1p)
  submitter=$("$caf" admin token create --role submitter --org "$org" --database "$1" 2>/dev/null | tr -d '\n')
  : >"$work/changed"
  for i in $(seq "$requests"); do
    { cat "$file"; printf '\n# resubmitted %s\n' "$i"; } |
      python3 -c 'import json, sys; print(json.dumps({"assessment": sys.stdin.read()}))' >"$work/body.json"
    curl -sf -o /dev/null -X POST -H "Authorization: Bearer $submitter" \
      -H 'content-type: application/json' --data-binary "@$work/body.json" "$url/api/v1/submissions"
    curl -sf -o /dev/null -w '%{time_total}\n' \
      -H "Authorization: Bearer $analyst" "$url/api/v1/aggregate" >>"$work/changed"
  done
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
  # Peak resident memory counts SQLite's mapped database pages too; RssAnon is the heap.
  anon=$(awk '/RssAnon/ {print $2}' "/proc/$server_pid/status")
  python3 - "$work/times" "$work/answer.json" "$hwm" "$3" "$cpu" "$(getconf CLK_TCK)" "$anon" "$work/changed" <<'EOF'
import json, math, statistics, sys
changed = sorted(float(t) * 1000 for t in open(sys.argv[8]))
times = sorted(float(t) * 1000 for t in open(sys.argv[1]))
answer = json.load(open(sys.argv[2]))
p99 = times[min(len(times), math.ceil(0.99 * len(times))) - 1]
cpu = 1000 * int(sys.argv[5]) / int(sys.argv[6]) / len(times)
print(f"{sys.argv[4]}: GET /aggregate over {answer['assessments']} current submissions "
      f"({answer['coverage']['organisations']} organisations): p50 {statistics.median(times):.1f} ms, "
      f"p99 {p99:.1f} ms, min {times[0]:.1f} ms over {len(times)} requests; "
      f"server CPU {cpu:.0f} ms per request; server peak RSS {int(sys.argv[3]) / 1024:.1f} MB, "
      f"heap (RssAnon) now {int(sys.argv[7]) / 1024:.1f} MB")
p99 = changed[min(len(changed), math.ceil(0.99 * len(changed))) - 1]
print(f"{sys.argv[4]}: GET /aggregate each just after a new submission: "
      f"p50 {statistics.median(changed):.1f} ms, p99 {p99:.1f} ms, min {changed[0]:.1f} ms "
      f"over {len(changed)} requests")
EOF
  stop_server
  echo "   ($(uptime | sed 's/.*load/load/'))"
}

echo "$(uptime)"
"$caf" synth --orgs "$orgs" --periods 1 --seed 1 -o "$work/synth" >/dev/null
echo "synth: $(find "$work/synth" -name '*.toml' | wc -l) files, $(du -sh "$work/synth" | cut -f1)"

echo "== SQLite (WAL) =="
run "sqlite://$work/small.db" 0 "SQLite, texts as written"
case " ${BENCH_PAD_DATABASES:-sqlite} " in *" sqlite "*)
  run "sqlite://$work/large.db" "$pad" "SQLite, each text +$pad bytes"
  rm -f "$work"/large.db*;;
esac

[ "${BENCH_DATABASES:-all}" = sqlite ] && exit 0

echo "== PostgreSQL =="
# shellcheck source=bench/pg.sh
source bench/pg.sh
start_postgres
run "$(pg_database small)" 0 "PostgreSQL, texts as written"
case " ${BENCH_PAD_DATABASES:-sqlite} " in *" postgres "*)
  run "$(pg_database large)" "$pad" "PostgreSQL, each text +$pad bytes";;
esac
