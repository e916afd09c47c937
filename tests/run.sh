#!/usr/bin/env bash
# The whole test suite from a clean clone: provisions what the tests need, then lints and runs pytest.
# Usage: bash tests/run.sh [--latest] [pytest args]
#   default   installs the exact versions of requirements.lock (what CI tested; hashes checked)
#   --latest  installs the newest versions pyproject.toml / requirements*.txt allow, so drift in a
#             dependency shows up as a failing test here rather than on a newcomer's machine
set -euo pipefail
cd "$(dirname "$0")/.."

LATEST=0
if [ "${1:-}" = "--latest" ]; then
  LATEST=1
  shift
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
if [ "$LATEST" = 1 ]; then
  "${PIP[@]}" --upgrade --upgrade-strategy eager -r requirements-dev.txt
else
  "${PIP[@]}" --require-hashes -r requirements.lock
fi
"${PIP[@]}" --no-deps -e .

# Browser tests drive Debian's Chromium (Playwright's own browser download does not work here).
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests…"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi

.venv/bin/ruff check .
# The whole suite under UTC, then the raa_core tests again under a zone far from it (a date taken from a
# time-zone-aware timestamp, or "today", must not move with the server's zone; GUIDE: tests run under TZ=UTC
# and another zone). Europe/London equals UTC half the year, so the second zone is New Zealand's.
TZ=UTC .venv/bin/python -m pytest "$@"
if [ "$#" -eq 0 ]; then
  TZ=Pacific/Auckland .venv/bin/python -m pytest -q -m core -p no:cacheprovider
fi
