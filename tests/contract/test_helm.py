"""The Helm chart: `helm lint`, `helm template` with the pilot and the province values, every rendered object
validated by kubeconform against the schemas the project keeps (deploy/helm/schemas), and the facts the
operators rely on (replication, min ISR, one NetworkPolicy and PDB per Deployment, probes, resources)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from shared.settings import STAGE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
HELM_DIR = ROOT / "deploy" / "helm"
CHART = HELM_DIR / "govproj"
SCHEMAS = HELM_DIR / "schemas"
HELM = HELM_DIR / "bin" / "helm"
KUBECONFORM = HELM_DIR / "bin" / "kubeconform"
# The version of the kept Kubernetes schemas; a helm built by `go install` would otherwise assume v1.20.
KUBE_VERSION = "--kube-version=1.34.2"
VALUES = {"pilot": [], "province": [str(CHART / "values-province.yaml")]}
# Renders the secrets too, so their objects are validated as well; production references existing ones.
TEST_SECRETS = [
    "--set=secrets.create=true",
    "--set=secrets.jwt.value=test-jwt-secret-of-at-least-32-bytes",
    "--set=secrets.oidcClient.clientId=govproj-services",
    "--set=secrets.oidcClient.clientSecret=test-client-secret",
    *[f"--set=secrets.database.passwords.{service}=pw{service}" for service in STAGE_SERVICES],
]


def _tool(path: Path) -> str:
    # Built by deploy/helm/tools.sh (scripts/bootstrap.sh --test); missing means the bootstrap did not run.
    assert path.is_file(), f"{path} missing: run `bash deploy/helm/tools.sh`"
    return str(path)


def _run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, input=stdin, capture_output=True, text=True, check=False, timeout=300)


def _template(values: str, *extra: str) -> str:
    files = [f"--values={f}" for f in VALUES[values]]
    result = _run([_tool(HELM), "template", "govproj", str(CHART), "--namespace=govproj", KUBE_VERSION, *files, *extra])
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module", params=sorted(VALUES))
def rendered(request) -> tuple[str, str, list[dict]]:
    text = _template(request.param, *TEST_SECRETS)
    return request.param, text, [doc for doc in yaml.safe_load_all(text) if doc]


def _kubeconform(text: str) -> tuple[int, dict]:
    result = _run(
        [
            _tool(KUBECONFORM),
            "-strict",
            "-summary",
            "-output=json",
            # Only the kept schemas: a kind without one is an error, never skipped.
            f"-schema-location={SCHEMAS}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json",
            f"-schema-location={SCHEMAS}/{{{{ .Group }}}}/{{{{ .ResourceKind }}}}_{{{{ .ResourceAPIVersion }}}}.json",
            "-",
        ],
        stdin=text,
    )
    return result.returncode, json.loads(result.stdout or "{}")


def _of(docs: list[dict], kind: str) -> list[dict]:
    return [doc for doc in docs if doc["kind"] == kind]


def _deployments(docs: list[dict]) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in _of(docs, "Deployment")}


@pytest.mark.parametrize("values", sorted(VALUES))
def test_helm_lint_passes(values: str) -> None:
    files = [f"--values={f}" for f in VALUES[values]]
    result = _run([_tool(HELM), "lint", "--strict", KUBE_VERSION, str(CHART), *files, *TEST_SECRETS])
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_rendered_object_validates_against_its_schema(rendered) -> None:
    _, text, docs = rendered
    code, report = _kubeconform(text)
    summary = report.get("summary", {})
    assert code == 0, json.dumps(report.get("resources", report), ensure_ascii=False)[:4000]
    assert summary["valid"] == len(docs) and summary["invalid"] == summary["errors"] == summary["skipped"] == 0
    kinds = {doc["kind"] for doc in docs}
    assert kinds >= {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy",
                     "Ingress", "ConfigMap", "Secret", "Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "Database",
                     "ScheduledBackup", "ServiceMonitor", "PrometheusRule"}  # fmt: skip


@pytest.mark.parametrize(
    ("mangle", "expected"),
    [
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(livenesProbe={}), "livenesProbe"),
        (lambda d: d["spec"].update(replicas="two"), "replicas"),
        (lambda d: d.update(kind="Deploymnt"), "Deploymnt"),
    ],
    ids=["unknown-field", "wrong-type", "unknown-kind"],
)
def test_the_validator_refuses_what_the_cluster_would(mangle, expected) -> None:
    docs = [doc for doc in yaml.safe_load_all(_template("pilot")) if doc]
    deployment = _of(docs, "Deployment")[0]
    mangle(deployment)
    code, report = _kubeconform(yaml.safe_dump(deployment))
    assert code != 0 and expected in json.dumps(report)


def test_a_custom_resource_is_checked_against_its_crd_schema() -> None:
    docs = [doc for doc in yaml.safe_load_all(_template("pilot")) if doc]
    kafka = _of(docs, "Kafka")[0]
    kafka["spec"]["kafka"]["listeners"][0]["type"] = "public"
    code, report = _kubeconform(yaml.safe_dump(kafka))
    assert code != 0 and "listeners" in json.dumps(report)


def test_kafka_replicates_three_times_and_requires_two_in_sync(rendered) -> None:
    _, _, docs = rendered
    (kafka,) = _of(docs, "Kafka")
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == 3 and config["min.insync.replicas"] == 2
    assert config["offsets.topic.replication.factor"] == 3 and config["transaction.state.log.min.isr"] == 2
    assert all(listener["tls"] for listener in kafka["spec"]["kafka"]["listeners"])
    pools = {pool["metadata"]["name"]: pool["spec"] for pool in _of(docs, "KafkaNodePool")}
    assert pools["controllers"]["roles"] == ["controller"] and pools["brokers"]["roles"] == ["broker"]
    assert pools["controllers"]["replicas"] >= 3 and pools["brokers"]["replicas"] >= 3
    topics = {topic["spec"]["topicName"]: topic["spec"] for topic in _of(docs, "KafkaTopic")}
    assert set(topics) == {f"govproj.{s}{dlq}" for s in STAGE_SERVICES for dlq in ("", ".dlq")}
    assert all(t["replicas"] == 3 and t["config"]["min.insync.replicas"] == 2 for t in topics.values())
    config_map = _of(docs, "ConfigMap")[0]["data"]
    assert (
        config_map["GOVPROJ_TOPIC_REPLICATION_FACTOR"] == "3" and config_map["GOVPROJ_TOPIC_MIN_INSYNC_REPLICAS"] == "2"
    )
    assert config_map["GOVPROJ_TOPIC_PARTITIONS"] == str(topics["govproj.intake"]["partitions"])
    assert config_map["GOVPROJ_KAFKA_SECURITY_PROTOCOL"] == "SSL"


def test_each_stage_service_runs_an_api_and_a_worker_and_the_gateway_one(rendered) -> None:
    _, _, docs = rendered
    deployments = _deployments(docs)
    expected = {"govproj-gateway"} | {f"govproj-{s}{w}" for s in STAGE_SERVICES for w in ("", "-worker")}
    assert set(deployments) == expected | {"govproj-ratelimit"}  # the gateway replicas' shared rate limits
    for name, deployment in deployments.items():
        if name == "govproj-ratelimit":
            continue
        env = {e["name"]: e.get("value") for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
        service = deployment["metadata"]["labels"]["app.kubernetes.io/name"]
        assert env["GOVPROJ_SERVICE"] == service
        if service != "gateway":
            assert env["GOVPROJ_PROCESS_ROLE"] == ("worker" if name.endswith("-worker") else "api")
            assert env[f"GOVPROJ_{service.upper()}_DATABASE_URL"].endswith(f":5432/{service}")


def test_every_container_has_probes_resources_and_a_grace_period_longer_than_the_server(rendered) -> None:
    _, _, docs = rendered
    for deployment in _of(docs, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        if deployment["metadata"]["name"] != "govproj-ratelimit":  # Redis, not uvicorn
            assert pod["terminationGracePeriodSeconds"] > 40  # uvicorn's --timeout-graceful-shutdown
        for container in pod["containers"]:
            if container["name"] == "redis":  # the gateway's rate-limit store answers PING, not HTTP
                assert container["readinessProbe"]["exec"]["command"] == ["redis-cli", "ping"]
                assert container["livenessProbe"]["tcpSocket"]["port"] == "redis"
            else:
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"]
            assert container["resources"]["limits"]["memory"]


def test_one_pdb_and_one_network_policy_per_deployment_and_an_hpa_per_api(rendered) -> None:
    _, _, docs = rendered
    selectors = {name: d["spec"]["selector"]["matchLabels"] for name, d in _deployments(docs).items()}
    pdbs = [p["spec"]["selector"]["matchLabels"] for p in _of(docs, "PodDisruptionBudget")]
    policies = [p["spec"]["podSelector"]["matchLabels"] for p in _of(docs, "NetworkPolicy")]
    assert sorted(map(str, pdbs)) == sorted(map(str, selectors.values()))
    assert sorted(map(str, policies)) == sorted(map(str, selectors.values()))
    hpas = {h["spec"]["scaleTargetRef"]["name"] for h in _of(docs, "HorizontalPodAutoscaler")}
    assert hpas == {name for name in selectors if not name.endswith(("-worker", "-ratelimit"))}


def test_only_the_gateway_is_reachable_from_the_ingress_and_services_reach_only_what_they_need(rendered) -> None:
    _, _, docs = rendered
    (ingress,) = _of(docs, "Ingress")
    backends = {p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]}
    assert backends == {"govproj-gateway"}
    policies = {p["metadata"]["name"]: p["spec"] for p in _of(docs, "NetworkPolicy")}
    from_namespaces = {
        name: {peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
               for rule in spec["ingress"] for peer in rule["from"] if "namespaceSelector" in peer}
        for name, spec in policies.items()
    }  # fmt: skip
    assert [name for name, ns in from_namespaces.items() if "ingress-nginx" in ns] == ["govproj-gateway"]

    def peers(spec: dict, direction: str, key: str) -> set[str]:
        return {
            peer["podSelector"]["matchLabels"].get(key, "")
            for rule in spec[direction]
            for peer in rule["to" if direction == "egress" else "from"]
            if "podSelector" in peer and "namespaceSelector" not in peer
        }

    # catalog's API calls budget, acceptance's calls review; nobody else calls a stage service but the gateway.
    assert peers(policies["govproj-budget"], "ingress", "app.kubernetes.io/name") == {"gateway", "catalog"}
    assert peers(policies["govproj-intake"], "ingress", "app.kubernetes.io/name") == {"gateway"}
    assert peers(policies["govproj-catalog"], "egress", "app.kubernetes.io/name") == {"budget", ""}
    for service in STAGE_SERVICES:
        for name in (f"govproj-{service}", f"govproj-{service}-worker"):
            egress = policies[name]["egress"]
            targets = [peer.get("podSelector", {}).get("matchLabels", {}) for rule in egress for peer in rule["to"]]
            assert {"cnpg.io/cluster": "govproj-pg"} in targets
            assert {"strimzi.io/cluster": "govproj-kafka", "strimzi.io/kind": "Kafka"} in targets
        assert peers(policies[f"govproj-{service}-worker"], "ingress", "app.kubernetes.io/name") == set()
    assert peers(policies["govproj-gateway"], "egress", "app.kubernetes.io/name") == {*STAGE_SERVICES, "ratelimit"}
    # The rate-limit store is reached by the gateway alone and reaches nobody.
    assert peers(policies["govproj-ratelimit"], "ingress", "app.kubernetes.io/name") == {"gateway"}
    assert policies["govproj-ratelimit"]["egress"] == []


def test_one_database_per_service_on_three_instances_with_backups(rendered) -> None:
    _, _, docs = rendered
    (cluster,) = _of(docs, "Cluster")
    spec = cluster["spec"]
    assert spec["instances"] == 3
    databases = [spec["bootstrap"]["initdb"]["database"]] + [d["spec"]["name"] for d in _of(docs, "Database")]
    assert sorted(databases) == sorted(STAGE_SERVICES)
    assert {r["name"] for r in spec["managed"]["roles"]} == set(STAGE_SERVICES)
    assert spec["backup"]["barmanObjectStore"]["destinationPath"].startswith("s3://")
    (backup,) = _of(docs, "ScheduledBackup")
    assert backup["spec"]["cluster"]["name"] == cluster["metadata"]["name"]


def test_alert_rules_and_dashboards_come_from_their_one_source(rendered) -> None:
    _, _, docs = rendered
    (rule,) = _of(docs, "PrometheusRule")
    source = yaml.safe_load((ROOT / "deploy" / "prometheus" / "rules" / "govproj-alerts.yml").read_text())
    assert rule["spec"]["groups"] == source["groups"]
    dashboards = {
        key: value for cm in _of(docs, "ConfigMap") if cm["metadata"]["labels"].get("grafana_dashboard") == "1"
        for key, value in cm["data"].items()
    }  # fmt: skip
    files = sorted((ROOT / "deploy" / "grafana" / "dashboards").glob("*.json"))
    assert dashboards == {f.name: f.read_text() for f in files}
    (monitor,) = _of(docs, "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


def test_production_references_existing_secrets_and_renders_none() -> None:
    docs = [doc for doc in yaml.safe_load_all(_template("province")) if doc]
    assert _of(docs, "Secret") == []
    deployment = _deployments(docs)["govproj-intake"]
    env = {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["GOVPROJ_JWT_SECRET"]["valueFrom"]["secretKeyRef"]["name"] == "govproj-jwt"
    assert env["DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "govproj-db-intake"


def test_the_province_is_sized_above_the_pilot() -> None:
    pilot, province = ([d for d in yaml.safe_load_all(_template(v)) if d] for v in ("pilot", "province"))

    def partitions(docs):
        return max(t["spec"]["partitions"] for t in _of(docs, "KafkaTopic"))

    def workers(docs):
        return sum(d["spec"]["replicas"] for d in _of(docs, "Deployment") if d["metadata"]["name"].endswith("-worker"))

    assert partitions(province) > partitions(pilot)
    assert workers(province) > workers(pilot)
    # Workers of one consumer group beyond the partitions would sit idle.
    for deployment in _of(province, "Deployment"):
        if deployment["metadata"]["name"].endswith("-worker"):
            assert deployment["spec"]["replicas"] <= partitions(province)


def test_kafka_and_postgres_run_elsewhere_when_not_created() -> None:
    text = _template(
        "pilot",
        "--set=kafka.create=false,kafka.bootstrap=kafka.example.gov.cn:9093,kafka.egressCIDR=10.20.0.0/16",
        "--set=kafka.caSecret=province-kafka-ca",
        "--set=postgres.create=false,postgres.host=pg.example.gov.cn,postgres.egressCIDR=10.30.0.0/16",
    )
    docs = [doc for doc in yaml.safe_load_all(text) if doc]
    code, report = _kubeconform(text)
    assert code == 0 and report["summary"]["valid"] == len(docs)
    kinds = {doc["kind"] for doc in docs}
    assert not kinds & {"Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "Database", "ScheduledBackup"}
    assert _of(docs, "ConfigMap")[0]["data"]["GOVPROJ_KAFKA_BOOTSTRAP"] == "kafka.example.gov.cn:9093"
    intake = _deployments(docs)["govproj-intake"]["spec"]["template"]["spec"]
    env = {e["name"]: e.get("value") for e in intake["containers"][0]["env"]}
    assert "@pg.example.gov.cn:5432/intake" in env["GOVPROJ_INTAKE_DATABASE_URL"]
    assert {
        "name": "kafka-ca",
        "secret": {"secretName": "province-kafka-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]},
    } in intake["volumes"]
    policy = next(p for p in _of(docs, "NetworkPolicy") if p["metadata"]["name"] == "govproj-intake")
    blocks = {peer["ipBlock"]["cidr"] for rule in policy["spec"]["egress"] for peer in rule["to"] if "ipBlock" in peer}
    assert {"10.20.0.0/16", "10.30.0.0/16"} <= blocks


def test_scram_on_the_tls_listener_gives_the_services_a_kafka_user_with_acls() -> None:
    text = _template("province", "--set=kafka.sasl.enabled=true")
    docs = [doc for doc in yaml.safe_load_all(text) if doc]
    code, report = _kubeconform(text)
    assert code == 0 and report["summary"]["valid"] == len(docs)
    (kafka,) = _of(docs, "Kafka")
    assert kafka["spec"]["kafka"]["listeners"][0]["authentication"] == {"type": "scram-sha-512"}
    assert kafka["spec"]["kafka"]["authorization"] == {"type": "simple"}
    (user,) = _of(docs, "KafkaUser")
    assert user["metadata"]["name"] == "govproj-services"
    acls = {
        (acl["resource"]["type"], acl["resource"].get("name")): acl["operations"]
        for acl in user["spec"]["authorization"]["acls"]
    }
    assert "Write" in acls[("topic", "govproj.")] and "Read" in acls[("group", "govproj.")]
    assert _of(docs, "ConfigMap")[0]["data"]["GOVPROJ_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    env = {
        e["name"]: e
        for e in _deployments(docs)["govproj-review-worker"]["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert env["GOVPROJ_KAFKA_SASL_USERNAME"]["value"] == "govproj-services"
    assert env["GOVPROJ_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
        "name": "govproj-services",
        "key": "password",
    }


def test_tracing_is_off_by_default_and_an_otlp_endpoint_turns_it_on_with_a_way_out() -> None:
    """No endpoint: no OTEL_ setting and no egress to a collector. With one: every pod gets the endpoint and
    sampler through the ConfigMap, and its NetworkPolicy lets it reach the collector's OTLP/HTTP port."""
    off = [doc for doc in yaml.safe_load_all(_template("pilot", *TEST_SECRETS)) if doc]
    (config,) = [c for c in _of(off, "ConfigMap") if c["metadata"]["name"] == "govproj-config"]
    assert not [key for key in config["data"] if key.startswith("OTEL_")]
    on_text = _template(
        "province",
        *TEST_SECRETS,
        "--set=tracing.otlpEndpoint=http://otel-collector.observability:4318",
        "--set=logLevel=INFO",
    )
    on = [doc for doc in yaml.safe_load_all(on_text) if doc]
    (config,) = [c for c in _of(on, "ConfigMap") if c["metadata"]["name"] == "govproj-config"]
    assert config["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.observability:4318"
    assert config["data"]["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert config["data"]["GOVPROJ_LOG_LEVEL"] == "INFO"
    for policy in _of(on, "NetworkPolicy"):
        if policy["metadata"]["name"] == "govproj-ratelimit":
            assert policy["spec"]["egress"] == [], "the rate-limit store sends no traces, nor anything else"
            continue
        collector = [
            rule
            for rule in policy["spec"]["egress"]
            for peer in rule["to"]
            if peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
            == "observability"
        ]
        assert [rule["ports"] for rule in collector] == [[{"port": 4318, "protocol": "TCP"}]], policy["metadata"]
    code, summary = _kubeconform(on_text)
    assert code == 0, summary


def _gateway_env(docs: list[dict]) -> dict[str, str | None]:
    container = _deployments(docs)["govproj-gateway"]["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e.get("value") for e in container["env"]}


def test_gateway_replicas_share_their_rate_limits_in_one_redis_and_a_single_gateway_needs_none(rendered) -> None:
    _, _, docs = rendered
    assert _gateway_env(docs)["GOVPROJ_RATE_LIMIT_STORAGE"] == "redis://govproj-ratelimit:6379/0"
    (service,) = [s for s in _of(docs, "Service") if s["metadata"]["name"] == "govproj-ratelimit"]
    assert service["spec"]["ports"][0]["port"] == 6379
    redis = _deployments(docs)["govproj-ratelimit"]["spec"]["template"]["spec"]["containers"][0]
    assert redis["args"][:4] == ["--save", "", "--appendonly", "no"], "windows of a minute need no persistence"

    single = [
        doc
        for doc in yaml.safe_load_all(
            _template("pilot", *TEST_SECRETS, "--set=gateway.replicas=1", "--set=gateway.autoscaling=null")
        )
        if doc
    ]
    assert "govproj-ratelimit" not in _deployments(single)
    assert "GOVPROJ_RATE_LIMIT_STORAGE" not in _gateway_env(single), "one gateway counts in its own memory"

    own = [
        doc
        for doc in yaml.safe_load_all(
            _template(
                "province",
                *TEST_SECRETS,
                "--set=gateway.rateLimit.storage=rediss://redis.corp.example:6380/2",
                "--set=gateway.rateLimit.egress.cidr=10.20.0.0/16",
                "--set=gateway.rateLimit.egress.port=6380",
            )
        )
        if doc
    ]
    assert "govproj-ratelimit" not in _deployments(own), "the operator's Redis, not the chart's"
    assert _gateway_env(own)["GOVPROJ_RATE_LIMIT_STORAGE"] == "rediss://redis.corp.example:6380/2"
    (policy,) = [p for p in _of(own, "NetworkPolicy") if p["metadata"]["name"] == "govproj-gateway"]
    assert {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"port": 6380, "protocol": "TCP"}]} in policy[
        "spec"
    ]["egress"]
