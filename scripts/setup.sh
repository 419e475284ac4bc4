#!/usr/bin/env bash
# Installs the Debian packages the tests use (PostgreSQL's server programs, openssl,
# poppler-utils' pdftotext, pdftoppm and pdfinfo (which reads a tagged PDF's structure), and
# chromium, which loads the HTML reports headless, runs axe-core on them (vendored in
# tests/fixtures/axe/, so nothing is fetched from npm) and prints them to PDF)
# when a command they provide is missing. Does nothing
# when everything is there. Run on its own, or through scripts/test.sh.
set -euo pipefail

# Debian packages the tests use: command → package.
declare -A NEEDS=(
  [initdb]=postgresql
  [openssl]=openssl
  [pdftotext]=poppler-utils
  [pdftoppm]=poppler-utils
  [pdfinfo]=poppler-utils
  [chromium]=chromium
)
# Debian keeps PostgreSQL's server programs off PATH, in /usr/lib/postgresql/VERSION/bin.
for dir in /usr/lib/postgresql/*/bin; do [ -d "$dir" ] && PATH="$PATH:$dir"; done
missing=()
for cmd in "${!NEEDS[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${NEEDS[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  # One name per package, however many of its commands are missing.
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  echo "Installing test dependencies: ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
