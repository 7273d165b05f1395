#!/usr/bin/env bash
# One command: install what is needed, start the Kafka broker, the six services (SQLite under var/)
# and the gateway; prints the gateway URL. `--demo` also loads a year of sample projects.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m deploy.local.run "$@"
