#!/usr/bin/env bash
# One command: install what is needed (venv, Kafka jars, PostgreSQL, Chromium), then run every
# test layer: unit and contract tests, then integration tests against a real Kafka broker and a
# throwaway PostgreSQL (both started by the tests), then the browser test in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
.venv/bin/ruff check .
# Type check the paths [tool.mypy] names (shared/ strict-ish, see pyproject.toml).
.venv/bin/mypy
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
