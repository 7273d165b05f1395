#!/usr/bin/env bash
# One command: install what is needed (venv, Kafka jars, PostgreSQL, Chromium), then run every
# test layer: unit and contract tests, then integration tests against a real Kafka broker and a
# throwaway PostgreSQL (both started by the tests), then the browser tests in headless Chromium; the
# workbench's Vitest tests run before pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
.venv/bin/ruff check .
# Type check the paths [tool.mypy] names (shared/ strict-ish, see pyproject.toml).
.venv/bin/mypy
# The workbench's pure logic (money, problems, the action registry) in Vitest; bootstrap installed it.
(cd services/gateway/webapp && npx vitest run --reporter=dot)
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
