#!/usr/bin/env bash
# Re-lock the Python dependencies after changing pyproject.toml: every direct and indirect package pinned with
# its hashes, for the tests (test + bench extras) and for the container image (runtime only).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/uv pip compile pyproject.toml --extra test --extra bench --python-version 3.11 --generate-hashes -q \
  -o requirements/test.lock
.venv/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q -o requirements/runtime.lock
