"""Regenerates the kept JSON schemas (kubeconform's strict, standalone layout) from upstream sources.

Kubernetes: the OpenAPI document of the k8s.io/kubernetes Go module (api/openapi-spec/swagger.json).
CRDs: each CustomResourceDefinition's openAPIV3Schema (CloudNativePG and prometheus-operator Go modules,
Strimzi CRDs written by Strimzi's own crd-generator from its Maven Central api jar; see regenerate.sh).
Only the kinds the chart renders are kept, so a kind the chart starts using without a schema fails the test.

    python generate.py --swagger swagger.json --crd a.yaml --crd b.yaml --out .
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

import yaml

#: (group, version, kind) of the built-in objects the chart renders.
KUBERNETES_KINDS = [
    ("", "v1", "ConfigMap"),
    ("", "v1", "Secret"),
    ("", "v1", "Service"),
    ("apps", "v1", "Deployment"),
    ("autoscaling", "v2", "HorizontalPodAutoscaler"),
    ("policy", "v1", "PodDisruptionBudget"),
    ("networking.k8s.io", "v1", "NetworkPolicy"),
    ("networking.k8s.io", "v1", "Ingress"),
]
#: (group, version, kind) of the custom resources the chart renders.
CUSTOM_KINDS = [
    ("kafka.strimzi.io", "v1", "Kafka"),
    ("kafka.strimzi.io", "v1", "KafkaNodePool"),
    ("kafka.strimzi.io", "v1", "KafkaTopic"),
    ("kafka.strimzi.io", "v1", "KafkaUser"),
    ("postgresql.cnpg.io", "v1", "Cluster"),
    ("postgresql.cnpg.io", "v1", "Database"),
    ("postgresql.cnpg.io", "v1", "ScheduledBackup"),
    ("monitoring.coreos.com", "v1", "ServiceMonitor"),
    ("monitoring.coreos.com", "v1", "PrometheusRule"),
]

# Kubernetes accepts a number where these string-typed fields take a quantity or a port name.
_INT_OR_STRING = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
_QUANTITY = {"oneOf": [{"type": "string"}, {"type": "number"}]}


def _strict(schema: object) -> object:
    """Closes every object that lists its properties, as the API server's strict field validation does."""
    if isinstance(schema, list):
        return [_strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    # Descriptions are dropped (a string under "description"; a property so named holds a dict).
    out = {
        key: _strict(value) for key, value in schema.items() if not (key == "description" and isinstance(value, str))
    }
    if out.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"] if isinstance(out["type"], str) else [*out["type"], "null"]
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def kubernetes_schema(definitions: dict, name: str, seen: tuple[str, ...] = ()) -> dict:
    """One definition with every $ref inlined (kubeconform reads one file per kind)."""

    def inline(node: object, trail: tuple[str, ...]) -> object:
        if isinstance(node, list):
            return [inline(item, trail) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target = node["$ref"].rsplit("/", 1)[-1]
            if target == "io.k8s.apimachinery.pkg.util.intstr.IntOrString":
                return dict(_INT_OR_STRING)
            if target == "io.k8s.apimachinery.pkg.api.resource.Quantity":
                return dict(_QUANTITY)
            if target in trail:  # recursive types (JSONSchemaProps) are not rendered by the chart
                return {}
            return inline(copy.deepcopy(definitions[target]), (*trail, target))
        return {key: inline(value, trail) for key, value in node.items()}

    return inline(copy.deepcopy(definitions[name]), (*seen, name))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--swagger", required=True, type=Path)
    parser.add_argument("--crd", action="append", default=[], type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()

    definitions = json.loads(args.swagger.read_text())["definitions"]
    by_gvk = {}
    for name, definition in definitions.items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            by_gvk[(gvk["group"], gvk["version"], gvk["kind"])] = name
    for group, version, kind in KUBERNETES_KINDS:
        schema = _strict(kubernetes_schema(definitions, by_gvk[(group, version, kind)]))
        api_version = f"{group}/{version}" if group else version
        schema["properties"]["apiVersion"] = {"type": "string", "enum": [api_version]}
        schema["properties"]["kind"] = {"type": "string", "enum": [kind]}
        suffix = f"-{group.split('.')[0]}-{version}" if group else f"-{version}"
        _write(args.out / f"{kind.lower()}{suffix}.json", schema)

    wanted = set(CUSTOM_KINDS)
    for path in args.crd:
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if (group, version["name"], kind) not in wanted:
                    continue
                schema = _strict(version["schema"]["openAPIV3Schema"])
                schema.setdefault("properties", {})
                schema["properties"]["apiVersion"] = {"type": "string", "enum": [f"{group}/{version['name']}"]}
                schema["properties"]["kind"] = {"type": "string", "enum": [kind]}
                schema["properties"]["metadata"] = {"type": "object"}  # checked by the API server, not the CRD
                schema["additionalProperties"] = False
                _write(args.out / group / f"{kind.lower()}_{version['name']}.json", schema)
                wanted.discard((group, version["name"], kind))
    if wanted:
        raise SystemExit(f"no CRD given for {sorted(wanted)}")


def _write(path: Path, schema: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
