#!/usr/bin/env bash
# Benchmarks `caf aggregate` on a synthetic population against what an analyst would use
# instead (DuckDB over the same population's statuses, precomputed as JSON lines) and against
# `cat` of the same bytes (the I/O floor), then measures peak memory on a larger population.
#
# Usage: bench/aggregate.sh [ASSESSMENTS=20000] [BIG=100000]
#   SHAPE=real (default: `caf synth`'s real-shaped files, the population the targets are
#   about) or SHAPE=plain (the bare shape, `caf synth --plain`); RUNS=7 timed runs per route;
#   BENCH_DIR to keep populations elsewhere (they are reused between runs);
#   BUILD_ARGS=--no-default-features to build only what `caf aggregate` needs (no server,
#   PDF or spreadsheet crates: the same aggregation code, a much shorter release build).
# Needs: python3 (duckdb is pip-installed if missing); hyperfine if installed (else a loop
# with the median of several runs); /usr/bin/time for peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-20000}
BIG=${2:-100000}
RUNS=${RUNS:-7}
SHAPE=${SHAPE:-real}
TARGET=${CARGO_TARGET_DIR:-target}
WORK=${BENCH_DIR:-$TARGET/bench-aggregate}
CAF=$TARGET/release/caf
case $SHAPE in
  real) SHAPE_ARGS=() ;;
  plain) SHAPE_ARGS=(--plain) ;;
  *) echo "SHAPE is real or plain" >&2; exit 2 ;;
esac

# shellcheck disable=SC2086 # BUILD_ARGS is a list of words
cargo build --release --quiet --bin caf ${BUILD_ARGS:-}
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb

mkdir -p "$WORK"
# N assessments: N/2 organisations over two periods (2025/26 in v3.2; 2026/27 mixing v3.2 and v4.0).
POP="$WORK/$SHAPE-$N"
if [ ! -f "$POP.jsonl" ]; then
  rm -rf "$POP"
  "$CAF" synth --orgs $((N / 2)) --periods 2 --seed 1 "${SHAPE_ARGS[@]}" -o "$POP" --jsonl "$POP.jsonl"
fi
echo "Population ($SHAPE shape): $(find "$POP" -name '*.toml' | wc -l) files, $(du -sh "$POP" | cut -f1) on disk; $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

cat > "$WORK/duckdb_group.py" <<'PY'
# The analyst's route: load the scored population (JSON lines) into DuckDB and count statuses
# per sector and outcome for the latest period, plus the share meeting target.
import sys, duckdb
con = duckdb.connect()
con.execute(f"CREATE TABLE a AS SELECT * FROM read_json('{sys.argv[1]}', format='newline_delimited')")
rows = con.execute("""
  SELECT sector, o.id,
         count(*) FILTER (WHERE o.status = 'achieved')           AS achieved,
         count(*) FILTER (WHERE o.status = 'partially-achieved') AS partially_achieved,
         count(*) FILTER (WHERE o.status = 'not-achieved')       AS not_achieved,
         count(*) FILTER (WHERE o.status = 'not-assessed')       AS not_assessed,
         count(*) FILTER (WHERE o.met)                           AS met
  FROM (SELECT sector, unnest(outcomes) AS o FROM a WHERE period = '2026/27')
  GROUP BY ALL ORDER BY ALL
""").fetchall()
print(len(rows), "rows", file=sys.stderr)
PY

CAF_CMD="$CAF aggregate $POP --format json > /dev/null 2>&1"
DUCK_CMD="python3 $WORK/duckdb_group.py $POP.jsonl 2>/dev/null"
CAT_CMD="find $POP -name '*.toml' -print0 | xargs -0 cat > /dev/null"

if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 2 --runs "$RUNS" --export-json "$WORK/results-$SHAPE-$N.json" \
    -n "caf aggregate ($N)" "$CAF_CMD" \
    -n "duckdb (JSON lines)" "$DUCK_CMD" \
    -n "cat (I/O floor)" "$CAT_CMD"
  # Median wall time per route, and mean CPU time (hyperfine records CPU per run only as a mean).
  python3 - "$WORK/results-$SHAPE-$N.json" <<'PY'
import json, sys
print("| route | median wall | mean CPU (user + system) |")
print("| --- | --- | --- |")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"| {r['command']} | {r['median']:.3f} s | {r['user'] + r['system']:.3f} s |")
PY
else
  median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
  for name in caf duckdb cat; do
    case $name in caf) cmd=$CAF_CMD;; duckdb) cmd=$DUCK_CMD;; cat) cmd=$CAT_CMD;; esac
    bash -c "$cmd"
    for _ in $(seq "$RUNS"); do
      s=$(date +%s.%N); bash -c "$cmd"; e=$(date +%s.%N)
      echo "$e - $s" | bc
    done | median | xargs printf "%-8s median %.3f s\n" "$name"
  done
fi

# Peak memory at BIG assessments: the median of three runs. With mimalloc's transparent huge
# pages the figure moves by about 10 MB from run to run for the same binary (whole 2 MiB pages
# are counted); MIMALLOC_ALLOW_THP=0 in the environment gives a steadier, lower figure.
BIG_POP="$WORK/$SHAPE-$BIG"
if [ ! -d "$BIG_POP" ]; then
  "$CAF" synth --orgs $((BIG / 2)) --periods 2 --seed 1 "${SHAPE_ARGS[@]}" -o "$BIG_POP"
fi
echo "caf aggregate over $BIG assessments ($(du -sh "$BIG_POP" | cut -f1) on disk; load average $(cut -d' ' -f1-3 /proc/loadavg)):"
for run in 1 2 3; do
  /usr/bin/time -v "$CAF" aggregate "$BIG_POP" --format json > /dev/null 2> "$WORK/time-$SHAPE-$BIG-$run.txt" || true
  grep -E "Maximum resident set size" "$WORK/time-$SHAPE-$BIG-$run.txt" | awk '{print $NF}'
done | sort -n | sed -n 2p | awk '{printf "  peak RSS, median of 3: %.0f MB\n", $1 / 1024}'
grep -E "Elapsed \(wall clock\)" "$WORK/time-$SHAPE-$BIG-3.txt" | sed 's/^\s*/  last run: /'
