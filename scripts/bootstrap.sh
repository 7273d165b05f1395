#!/usr/bin/env bash
# Installs what govproj needs on a fresh Debian machine, and nothing twice:
#   the Python venv (.venv) with the pinned dependencies, a JDK and Maven for the Kafka broker,
#   the Kafka jars from Maven Central, the workbench front end (npm ci + vite build); with --test also
#   PostgreSQL, Chromium, Prometheus, Keycloak, helm, kubeconform and an OpenTelemetry Collector for the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_updated=0
apt_install() {
  if [ "$(id -u)" != "0" ]; then
    echo "bootstrap: missing system packages ($*); run as root or install them" >&2
    exit 1
  fi
  if [ $apt_updated = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Python 3.11 (Debian 12's python3) with venv support.
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys, venv; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  if command -v python3.11 >/dev/null; then PYTHON=python3.11; else apt_install python3 python3-venv; fi
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv || { apt_install python3-venv; "$PYTHON" -m venv .venv; }
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check "uv==0.13.8"
fi
# Install exactly the locked versions (every indirect dependency pinned, with hashes), then the project itself
# without resolving again. Re-run only when the lock changed. `requirements/*.lock` are made from
# pyproject.toml by `scripts/lock.sh`; tests/contract/test_lock.py fails when they drift apart.
stamp=.venv/.govproj-installed
if [ ! -f "$stamp" ] || [ requirements/test.lock -nt "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/uv pip sync -q --python .venv/bin/python --require-hashes requirements/test.lock
  .venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
  touch "$stamp"
fi

# Java and Maven for the Kafka broker (jars from Maven Central).
command -v java >/dev/null || apt_install openjdk-17-jre-headless
command -v mvn >/dev/null || apt_install maven
bash deploy/local/kafka/kafka.sh fetch

# The workbench front end (services/gateway/webapp, Vite + React): Node from Debian when missing; `npm ci`
# only when the lock file changed; a build only when a source is newer than dist/. Without a recent enough
# Node the gateway serves the classic UI at / (services/gateway/webapp_serving.py), so this never fails.
webapp=services/gateway/webapp
command -v npm >/dev/null || apt_install nodejs npm
if node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  if [ ! -f $webapp/node_modules/.package-lock.json ] || [ $webapp/package-lock.json -nt $webapp/node_modules/.package-lock.json ]; then
    (cd $webapp && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  if [ ! -f $webapp/dist/index.html ] \
    || [ -n "$(find $webapp/src $webapp/openapi $webapp/index.html $webapp/package-lock.json $webapp/vite.config.ts \
      -newer $webapp/dist/index.html -print -quit)" ]; then
    (cd $webapp && npm run build --silent >/dev/null)
  fi
else
  echo "bootstrap: Node.js $(node --version) is older than 20.19; the workbench is not built (classic UI at /)" >&2
fi

if [ $want_test = 1 ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || apt_install postgresql
  command -v chromium >/dev/null || apt_install chromium
  [ -d /usr/share/fonts/opentype/noto ] || apt_install fonts-noto-cjk  # Chinese glyphs in screenshots
  command -v prometheus >/dev/null || apt_install prometheus
  # The Redis several gateway replicas share their rate-limit windows in (tests/integration/test_rate_limit_shared.py);
  # the tests start their own server on a free port, so the package's system service is not needed.
  command -v redis-server >/dev/null || apt_install redis-server
  # Keycloak (the OIDC provider of tests/integration/test_oidc_keycloak.py) from Maven Central, pre-built
  # once into deploy/local/keycloak/dist; it needs a JDK 21+ (keycloak.sh finds one under /usr/lib/jvm).
  command -v unzip >/dev/null || apt_install unzip
  # A machine without a JDK 21+ still runs every other test: only the Keycloak module then fails, saying why.
  bash deploy/local/keycloak/keycloak.sh fetch \
    || echo "bootstrap: Keycloak could not be prepared (above); tests/integration/test_oidc_keycloak.py will fail" >&2
  # helm and kubeconform for tests/contract/test_helm.py, built once from the Go module proxy.
  bash deploy/helm/tools.sh
  # The OpenTelemetry Collector of tests/integration/test_tracing.py, built once the same way.
  bash deploy/otelcol/tools.sh
fi
