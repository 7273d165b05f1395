"""The Grafana dashboards follow the habits operators expect (issue 20 §5): rates over `$__rate_interval` so a
panel stays right at any scrape interval and zoom, a legend on every multi-series query, and the catalog's
panels filtered by a jurisdiction variable wherever the metric carries that label."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

DASHBOARDS = sorted((Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "dashboards").glob("*.json"))
# deliberate calendar windows ("sanctions per day", "import rows per hour"), not rates
FIXED_WINDOWS = {"1d", "1h"}
JURISDICTION_LABELLED = (
    "govproj_catalog_systems",
    "govproj_catalog_zombie_systems",
    "govproj_catalog_abnormal_systems",
    "govproj_catalog_monitoring_coverage_ratio",
    "govproj_catalog_sanctions_total",
)


def targets(path: Path) -> list[dict]:
    return [t for panel in json.loads(path.read_text())["panels"] for t in panel.get("targets", []) if t.get("expr")]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_rates_use_the_rate_interval_and_series_have_legends(path: Path) -> None:
    for target in targets(path):
        expr = target["expr"]
        windows = set(re.findall(r"\[([^\]]+)\]", expr))
        assert windows <= {"$__rate_interval"} | FIXED_WINDOWS, expr
        if "rate(" in expr:
            assert "$__rate_interval" in expr, expr
        if re.search(r"\b(sum|max|min|avg|count) by \(", expr):
            assert target.get("legendFormat"), f"a series per label value needs a legend: {expr}"


def test_catalog_panels_follow_the_jurisdiction_variable() -> None:
    path = next(p for p in DASHBOARDS if p.name == "catalog.json")
    variables = {v["name"]: v for v in json.loads(path.read_text())["templating"]["list"]}
    jurisdiction = variables["jurisdiction"]
    assert jurisdiction["includeAll"] and jurisdiction["multi"] and jurisdiction["allValue"] == ".*"
    filtered = 0
    for target in targets(path):
        for metric in JURISDICTION_LABELLED:
            for selector in re.findall(rf"{metric}(\{{[^}}]*\}})?(?![_a-z])", target["expr"]):
                assert 'jurisdiction=~"$jurisdiction"' in selector, target["expr"]
                filtered += 1
    assert filtered >= 6
