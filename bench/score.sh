#!/usr/bin/env bash
# Whole-process time of `caf score` on the v4.0 example, against a bare process start
# (`caf --version`). Prints the median of many runs, each command's CPU time and page faults
# (perf stat, when perf is installed: CPU time is steadier than wall time on a busy machine)
# and peak resident memory. Needs hyperfine (Debian package) and GNU time (/usr/bin/time).
#
#   bench/score.sh            (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 3; }
cargo build --release --quiet
caf=${CARGO_TARGET_DIR:-target}/release/caf
example=examples/county-council-caf-4.0-partial.toml
out=$(mktemp)
hyperfine -N --warmup 10 --runs 200 --export-json "$out" \
  "$caf --version" \
  "$caf score --format json $example" \
  "$caf score $example" \
  -i "$caf check $example" >/dev/null 2>&1
python3 - "$out" <<'PY'
import json, statistics, sys
for r in json.load(open(sys.argv[1]))["results"]:
    t = sorted(r["times"])
    print(f"{r['command']:<70} median {statistics.median(t)*1000:6.2f} ms   p10 {t[len(t)//10]*1000:6.2f} ms")
PY
rm -f "$out"
if command -v perf >/dev/null; then
  for args in "--version" "score $example"; do
    # shellcheck disable=SC2086
    perf stat -x, -r 100 -e task-clock,page-faults "$caf" $args 2>&1 >/dev/null |
      awk -F, -v a="caf $args" '$3=="task-clock"{c=$1} $3=="page-faults"{p=$1} END{printf "%-70s cpu %6.2f ms   page faults %d\n", a, c, p}'
  done
fi
for args in "--version" "score $example"; do
  # shellcheck disable=SC2086
  /usr/bin/time -f "caf $args: peak resident %M KiB" "$caf" $args >/dev/null
done
