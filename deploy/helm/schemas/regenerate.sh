#!/usr/bin/env bash
# Regenerates the kept schemas from the upstream sources named in README.md (Go module proxy and Maven
# Central only). Run it by hand when moving a version; the test reads the committed files, so it stays offline.
set -euo pipefail
cd "$(dirname "$0")"
KUBERNETES_VERSION=v1.34.2
CNPG_VERSION=v1.28.0
PROMETHEUS_OPERATOR_VERSION=v0.85.0
STRIMZI_VERSION=1.2.0
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
PYTHON=${PYTHON:-../../../.venv/bin/python}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dir() { (cd "$work" && GOFLAGS=-buildvcs=false "$GO" mod download -json "$1@$2") | "$PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["Dir"])'; }
kubernetes=$(dir k8s.io/kubernetes "$KUBERNETES_VERSION")
cnpg=$(dir github.com/cloudnative-pg/cloudnative-pg "$CNPG_VERSION")
promop=$(dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION")

# Strimzi publishes no CRD yaml to a registry; its crd-generator (Maven Central) writes them from the api jar.
# It needs Java 21+.
java=${STRIMZI_JAVA:-$(ls -d /usr/lib/jvm/*/bin/java | while read -r j; do
  v=$("$j" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p'); [ "${v:-0}" -ge 21 ] && echo "$j"; done | head -1)}
cat > "$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>govproj</groupId><artifactId>strimzi-crds</artifactId><version>1</version><dependencies>
<dependency><groupId>io.strimzi</groupId><artifactId>crd-generator</artifactId><version>$STRIMZI_VERSION</version></dependency>
<dependency><groupId>io.strimzi</groupId><artifactId>api</artifactId><version>$STRIMZI_VERSION</version></dependency>
</dependencies></project>
POM
(cd "$work" && mvn -q dependency:build-classpath -Dmdep.outputFile=cp.txt)
"$java" -cp "$(cat "$work/cp.txt")" io.strimzi.crdgenerator.CrdGenerator --yaml \
  io.strimzi.api.kafka.model.kafka.Kafka="$work/strimzi-kafka.yaml" \
  io.strimzi.api.kafka.model.nodepool.KafkaNodePool="$work/strimzi-nodepool.yaml" \
  io.strimzi.api.kafka.model.topic.KafkaTopic="$work/strimzi-topic.yaml" \
  io.strimzi.api.kafka.model.user.KafkaUser="$work/strimzi-user.yaml"

find . -name '*.json' -delete
"$PYTHON" generate.py --out . --swagger "$kubernetes/api/openapi-spec/swagger.json" \
  --crd "$work/strimzi-kafka.yaml" --crd "$work/strimzi-nodepool.yaml" --crd "$work/strimzi-topic.yaml" --crd "$work/strimzi-user.yaml" \
  --crd "$cnpg/config/crd/bases/postgresql.cnpg.io_clusters.yaml" \
  --crd "$cnpg/config/crd/bases/postgresql.cnpg.io_databases.yaml" \
  --crd "$cnpg/config/crd/bases/postgresql.cnpg.io_scheduledbackups.yaml" \
  --crd "$promop/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" \
  --crd "$promop/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"
