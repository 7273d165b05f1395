#!/usr/bin/env bash
# Builds the chart's offline validators once into deploy/helm/bin (git-ignored) from the Go module proxy:
#   helm (helm.sh/helm/v3) and kubeconform (github.com/yannh/kubeconform). The JSON schemas they validate
#   against are kept in schemas/ (README there says where they come from).
# Idempotent: a tool already at the pinned version is not rebuilt. The build is CPU-heavy, so it runs
# nice'd with one package at a time (the test machine is shared).
set -euo pipefail
cd "$(dirname "$0")"
HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=${KUBECONFORM_VERSION:-v0.8.0}
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
export GOBIN="$PWD/bin" GOFLAGS="${GOFLAGS:-} -p=1"
mkdir -p bin

# `go install` builds carry no version stamp (helm says v3.22, kubeconform "development"): a file records it.
if ! { [ -x bin/helm ] && [ "$(cat bin/.helm-version 2>/dev/null)" = "$HELM_VERSION" ]; }; then
  nice -n 19 "$GO" install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  echo "$HELM_VERSION" > bin/.helm-version
fi
if ! { [ -x bin/kubeconform ] && [ "$(cat bin/.kubeconform-version 2>/dev/null)" = "$KUBECONFORM_VERSION" ]; }; then
  nice -n 19 "$GO" install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  echo "$KUBECONFORM_VERSION" > bin/.kubeconform-version
fi
