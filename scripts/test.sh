#!/usr/bin/env bash
# One command: install what is needed (venv, Kafka jars, PostgreSQL, Chromium), then run every
# test layer: unit and contract tests, integration tests against a real Kafka broker and a throwaway
# PostgreSQL (both started by the tests), and the browser tests in headless Chromium; the workbench's
# Vitest tests run before pytest.
#
#   bash scripts/test.sh                      every layer (what .ci/run calls)
#   bash scripts/test.sh unit                 one layer: unit, contract, integration or e2e (set-up included)
#   bash scripts/test.sh tests/unit/intake -x anything else is handed to pytest as it is
#
# With no arguments the two halves run side by side: the unit and contract tests need nothing but
# Python and keep one core busy, while the integration and browser tests spend most of their time
# waiting on the broker, PostgreSQL and the seven services they start. On the 2-core build machine this
# takes the suite from one half after the other to about the longer half (docs/CONTRIBUTING-services.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
.venv/bin/ruff check .
# Type check the paths [tool.mypy] names (shared/ strict-ish, see pyproject.toml).
.venv/bin/mypy
# The workbench's pure logic (money, problems, the action registry) in Vitest; bootstrap installed it.
(cd services/gateway/webapp && npx vitest run --reporter=dot)

PYTEST=(.venv/bin/python -m pytest -q -p no:cacheprovider)

case "${1:-}" in
  unit | contract | integration | e2e)
    layer="$1"
    shift
    exec "${PYTEST[@]}" "tests/$layer" "$@"
    ;;
  "") ;;
  *) exec "${PYTEST[@]}" "$@" ;;
esac

# Every layer: the Python-only half in the background, its output kept until the other half is done so
# the two reports do not interleave.
mkdir -p var/test-logs
quick_log=var/test-logs/unit-and-contract.log
"${PYTEST[@]}" tests/unit tests/contract >"$quick_log" 2>&1 &
quick=$!
# Stop the background half too if this script is interrupted.
trap 'kill "$quick" 2>/dev/null || true' INT TERM
set +e
"${PYTEST[@]}" tests/integration tests/e2e
services_rc=$?
wait "$quick"
quick_rc=$?
set -e
echo
echo "── unit and contract tests (run beside the integration and browser tests; $quick_log) ──"
cat "$quick_log"
echo
echo "unit + contract: exit $quick_rc · integration + e2e: exit $services_rc"
if [ "$quick_rc" -ne 0 ] || [ "$services_rc" -ne 0 ]; then
  exit 1
fi
