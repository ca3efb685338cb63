#!/usr/bin/env bash
# Launch oms_dash on this computer (first run: creates .venv and installs what it needs).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/oms-dash ]; then
  echo "First run: installing oms_dash into .venv (a minute or two)…"
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
  # Compiled once now, as pip does for any other package: start-up (and `oms-dash check`) then
  # never compiles oms_dash again, even where PYTHONDONTWRITEBYTECODE is set.
  .venv/bin/python -m compileall -q oms_dash >/dev/null
fi
exec .venv/bin/oms-dash run "$@"
