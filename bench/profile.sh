#!/usr/bin/env bash
# Where `caf aggregate`'s time goes on real-shaped files: a perf profile of a release build with
# line tables, summed by component (the reader's fast path, toml_parser's lexer and events, toml's
# document tree and serde, which now see only the files the fast path leaves to them, caf_core,
# the allocator, the kernel), so a change to the reader can be aimed and checked.
#
# Usage: bench/profile.sh [ASSESSMENTS=2000]
# Needs: perf (Debian package linux-perf), python3. Writes into target/bench-profile.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
WORK=${BENCH_DIR:-target/bench-profile}
CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release --no-default-features --quiet
caf=${CARGO_TARGET_DIR:-target}/release/caf
mkdir -p "$WORK"
POP="$WORK/real-$N"
[ -d "$POP" ] || "$caf" synth --orgs "$N" --periods 1 --seed 1 -o "$POP" >/dev/null
command -v perf >/dev/null || { echo "install perf (apt-get install linux-perf)" >&2; exit 3; }
perf record -q -F 2000 -g -o "$WORK/perf.data" "$caf" aggregate "$POP" --format json >/dev/null 2>&1
perf report -i "$WORK/perf.data" --no-children --stdio --sort sym 2>/dev/null | python3 -c '
import collections, re, sys
# First match wins: the crate a symbol belongs to, by its path.
parts = [("read::scan", "caf_core reader fast path (scan)"),
         ("toml_parser", "toml_parser (lexer, events, string decoding)"),
         ("toml::", "toml (document tree, serde)"), ("serde", "toml (document tree, serde)"),
         ("caf_core", "caf_core (validation, scoring, fold)"), ("mi_", "mimalloc"),
         ("btree", "std collections"), ("hashbrown", "std collections"),
         ("mem", "libc mem*")]
share = collections.Counter()
top = []
for line in sys.stdin:
    m = re.match(r"\s+([\d.]+)%\s+\[(.)\]\s+(.*)", line)
    if not m:
        continue
    percent, kind, symbol = float(m[1]), m[2], m[3].strip()
    part = "kernel" if kind == "k" else next((p for key, p in parts if key in symbol), "other")
    share[part] += percent
    top.append((percent, symbol))
print("| component | share of samples |")
print("| --- | --- |")
for part, percent in share.most_common():
    print(f"| {part} | {percent:.1f} % |")
print()
for percent, symbol in top[:15]:
    print(f"{percent:5.1f} %  {symbol[:110]}")
'
