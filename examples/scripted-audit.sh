#!/usr/bin/env bash
# A scripted audit: check every assessment in a folder against its target profile and
# summarise the results, failing the pipeline if any organisation is below target.
#
#   examples/scripted-audit.sh [DIR]     (default: examples)
set -uo pipefail
dir="${1:-examples}"
caf="${CAF:-caf}"
command -v "$caf" >/dev/null 2>&1 || caf="cargo run --quiet --release --"

# Prints one line from the stable caf.score/1 JSON on stdin.
SUMMARISE='
import json, sys
d = json.load(sys.stdin)
s = d["summary"]
gaps = ", ".join(g["id"] for g in d["gaps"]) or "none"
print("%s: met %d/%d, %.1f%% assessed, gaps: %s" % (d["organisation"]["name"], s["met"], s["with_target"], s["completion"], gaps))
'

status=0
for file in "$dir"/*.toml; do
  json=$($caf score --format json "$file") || { echo "INVALID  $file"; status=2; continue; }
  $caf check "$file" >/dev/null
  case $? in
    0) verdict="PASS" ;;
    1) verdict="BELOW"; [ "$status" -eq 0 ] && status=1 ;;
    *) verdict="ERROR"; status=2 ;;
  esac
  # Pull a few figures out of the stable caf.score/1 JSON.
  summary=$(printf '%s' "$json" | python3 -c "$SUMMARISE")
  printf '%-6s %s\n' "$verdict" "$summary"
done
exit $status
