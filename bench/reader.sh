#!/usr/bin/env bash
# `caf aggregate` on real-shaped assessment files (bench/realshape.py: escapes, multi-line
# strings, evidence and overrides as inline tables, suppliers, shuffled statements, CRLF in one
# file in ten) against `cat` of the same files (the I/O floor). Medians of several runs.
#
# Usage: bench/reader.sh [ASSESSMENTS=20000] [CAF binaries to compare, default the release build]
# Needs: python3, hyperfine (Debian package).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20000}
shift || true
RUNS=${RUNS:-7}
WORK=${BENCH_DIR:-target/bench-reader}
if [ $# -eq 0 ]; then
  cargo build --release --quiet
  set -- target/release/caf
fi
command -v hyperfine >/dev/null || { echo "install hyperfine (apt-get install hyperfine)" >&2; exit 3; }
POP="$WORK/real-$N"
[ -d "$POP" ] || python3 bench/realshape.py "$POP" "$N" 1
echo "Population: $(find "$POP" -name '*.toml' | wc -l) files, $(du -sh --apparent-size "$POP" | cut -f1); $(nproc) cores"
args=()
for caf in "$@"; do
  args+=(-n "$caf aggregate" "$caf aggregate $POP --format json > /dev/null 2>&1")
done
out=$(mktemp)
hyperfine --warmup 1 --runs "$RUNS" --export-json "$out" "${args[@]}" \
  -n "cat (I/O floor)" "find $POP -name '*.toml' -print0 | xargs -0 cat > /dev/null" >/dev/null
python3 - "$out" <<'PY'
import json, sys
print("| route | median wall | mean CPU (user + system) |")
print("| --- | --- | --- |")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f"| {r['command']} | {r['median']:.3f} s | {r['user'] + r['system']:.3f} s |")
PY
rm -f "$out"
