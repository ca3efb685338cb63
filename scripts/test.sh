#!/usr/bin/env bash
# Run the whole test suite (first run: creates .venv, installs the test tools and, when missing
# and allowed, Debian's chromium for the real-browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
.venv/bin/python -m pip install --quiet -e ".[test]"
# Bytecode for oms_dash, as pip writes it for every other package (see scripts/dashboard.sh).
.venv/bin/python -m compileall -q oms_dash >/dev/null
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core) >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "Note: chromium is not installed; the browser tests will be skipped (they fail in CI)." >&2
  fi
fi
.venv/bin/ruff check .
# The whole suite (no arguments) runs on every core (pytest-xdist); an idle process takes tests
# queued for a busy one, so one long file (the browser flows) does not hold up the end.
[ "$#" -gt 0 ] || set -- -n auto --dist worksteal
exec .venv/bin/python -m pytest "$@"
