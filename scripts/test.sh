#!/usr/bin/env bash
# Runs every test of the workspace. Installs what the tests need first (scripts/setup.sh), so it
# works on a fresh machine. Usage: scripts/test.sh [extra cargo test args]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace --all-targets "$@"
