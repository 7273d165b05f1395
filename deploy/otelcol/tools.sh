#!/usr/bin/env bash
# Builds the test OpenTelemetry Collector once into deploy/otelcol/bin (git-ignored) from the Go module proxy:
# first the collector's builder (ocb), then a collector with the components builder-config.yaml names.
# Idempotent: a collector built from the current builder-config.yaml is not rebuilt. The build is CPU-heavy,
# so it runs nice'd (the test machine is shared).
set -euo pipefail
cd "$(dirname "$0")"
OCB_VERSION=v0.165.0
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
export GOBIN="$PWD/bin"
mkdir -p bin
stamp="$OCB_VERSION $(cat builder-config.yaml collector.go.mod | sha256sum | cut -d' ' -f1)"
if [ -x bin/otelcol-govproj ] && [ "$(cat bin/.otelcol-version 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi
if ! { [ -x bin/builder ] && [ "$(cat bin/.builder-version 2>/dev/null)" = "$OCB_VERSION" ]; }; then
  nice -n 19 "$GO" install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION"
  echo "$OCB_VERSION" > bin/.builder-version
fi
# ocb writes the generated sources to build/ (also git-ignored). Its own `go mod tidy` also resolves the
# components' *test* dependencies, some of which the module proxy does not serve (fileexporter's tests import
# otlpencodingextension, which it answers 403 for); `go build -mod=mod` resolves only what the binary links.
nice -n 19 bin/builder --config=builder-config.yaml --skip-get-modules --skip-compilation
# --skip-get-modules writes no go.mod: the module file of the last good build is kept beside this script
# (collector.go.mod/.sum, pinned and reviewed like any lock file) and copied in.
cp collector.go.mod build/go.mod
cp collector.go.sum build/go.sum
(cd build && nice -n 19 "$GO" build -mod=mod -trimpath -ldflags="-s -w" -o ../bin/otelcol-govproj .)
echo "$stamp" > bin/.otelcol-version
