#!/usr/bin/env bash
# Render time per report format for the CAF v4.0 example (41 outcomes): the median of RUNS
# runs of the release binary, process start to file written; and the size of the PDF.
# Usage: bench/report.sh [RUNS]   (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
example=examples/county-council-caf-4.0-partial.toml

cargo build --release --quiet
caf=${CARGO_TARGET_DIR:-target}/release/caf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '%-6s %12s %12s\n' format median_ms bytes
# Baseline: start, load and score the same file, with no report.
times=$(for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  "$caf" score "$example" --format json >/dev/null
  end=$(date +%s%N)
  echo $(( (end - start) / 1000 ))
done)
printf '%-6s %12s %12s\n' "(score)" "$(echo "$times" | median | awk '{printf "%.1f", $1 / 1000}')" "-"
for format in pdf html md csv xlsx json; do
  times=$(for _ in $(seq "$runs"); do
    start=$(date +%s%N)
    "$caf" report "$example" --format "$format" -o "$tmp/report.$format"
    end=$(date +%s%N)
    echo $(( (end - start) / 1000 ))
  done)
  ms=$(echo "$times" | median | awk '{printf "%.1f", $1 / 1000}')
  printf '%-6s %12s %12d\n' "$format" "$ms" "$(stat -c %s "$tmp/report.$format")"
done
