#!/usr/bin/env bash
# The cost of published figures (docs/disclosure.md): `caf aggregate` exact against
# `caf aggregate --publish` (consistent suppression across every view and grouping, then the
# cell-key perturbation of every count) on one synthetic period, for two groupings.
#
# Usage: bench/publish.sh [ORGS=10000]
# CAF=path/to/caf uses that binary instead of building the release one (figures from a debug
# binary are only good for the ratio). Needs hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-10000}
RUNS=${RUNS:-7}
WORK=${BENCH_DIR:-target/bench-publish}
if [ -z "${CAF:-}" ]; then
  cargo build --release --quiet
  CAF=target/release/caf
fi

mkdir -p "$WORK"
if [ ! -d "$WORK/pop-$N" ]; then
  "$CAF" synth --orgs "$N" --periods 1 --seed 1 -o "$WORK/pop-$N" >/dev/null
fi
head -c 32 /dev/urandom | base64 > "$WORK/key"
echo "Population: $N organisations, one period; $(nproc) cores; $CAF"

for by in sector region; do
  hyperfine --style basic --warmup 1 --runs "$RUNS" \
    -n "exact, by $by" "$CAF aggregate $WORK/pop-$N --group-by $by --format json -o $WORK/exact.json 2>/dev/null" \
    -n "published, by $by" "$CAF aggregate $WORK/pop-$N --group-by $by --format json --publish $WORK/key -o $WORK/published.json 2>/dev/null" \
    --export-json "$WORK/$by.json" | grep -E "Time|±|faster|Benchmark"
done
python3 - "$WORK" <<'PY'
import json, sys, statistics
for by in ("sector", "region"):
    r = json.load(open(f"{sys.argv[1]}/{by}.json"))["results"]
    m = {x["command"]: statistics.median(x["times"]) for x in r}
    e, p = m[f"exact, by {by}"], m[f"published, by {by}"]
    print(f"by {by}: exact median {e:.2f} s, published {p:.2f} s (+{(p / e - 1) * 100:.0f} %)")
PY
