#!/usr/bin/env bash
# Installs everything the tests need on a fresh machine (Debian chromium for the browser tests,
# Virtuoso for the external-store tests, Node.js and npm for the JavaScript SPARQL client, the Python
# packages, the Oxigraph server among them), then runs the whole test suite.
# Usage: bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium chromium-driver)
command -v virtuoso-t >/dev/null 2>&1 || need+=(virtuoso-opensource)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)  # the JavaScript SPARQL client test
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "warning: missing ${need[*]} (run as root to install them); those tests will be skipped" >&2
  fi
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]'
# the JavaScript SPARQL client tests/test_protocol.py runs against kb serve (Node.js and npm)
if command -v npm >/dev/null 2>&1; then
  npm ci --prefix tests/js --no-audit --no-fund --silent
else
  echo "warning: npm is missing; the JavaScript client test will be skipped (and fail with CI=true)" >&2
fi
python3 -m ruff check kb scripts tests
python3 -m pytest "$@"
