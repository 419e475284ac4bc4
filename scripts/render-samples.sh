#!/usr/bin/env bash
# Regenerates the rendered samples in examples/reports/: every format for every example, and
# the v3.2 → v4.0 comparison for Northmoor County Council.
# Usage: scripts/render-samples.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
caf=target/release/caf
out=examples/reports
mkdir -p "$out"
rm -f "$out"/*.{pdf,html,md,csv,xlsx,json}

for example in examples/*.toml; do
  name=$(basename "$example" .toml)
  for format in pdf html md csv xlsx json; do
    "$caf" report "$example" --format "$format" -o "$out/$name.$format"
  done
done

previous=examples/previous/county-council-caf-3.2-2025-26.toml
for format in pdf html md; do
  "$caf" report examples/county-council-caf-4.0-partial.toml --compare "$previous" \
    --format "$format" -o "$out/county-council-compare-2025-26.$format"
done
echo "Samples written to $out/"
