"""The alert rules are valid Prometheus rules, behave as their unit tests say, speak only of metrics the
services really export, and point at a runbook section that exists."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from services.gateway import admission
from shared import metrics

RULES_DIR = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "rules"
RULES = RULES_DIR / "govproj-alerts.yml"
RUNBOOK = Path(__file__).resolve().parents[2] / "docs" / "runbook.md"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def _alerts() -> list[dict]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_promtool_checks_the_rules() -> None:
    result = subprocess.run([PROMTOOL, "check", "rules", str(RULES)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_of_the_alerts_pass() -> None:
    result = subprocess.run(
        [PROMTOOL, "test", "rules", "govproj-alerts.test.yml"],
        cwd=RULES_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_uses_exported_metrics_and_has_a_runbook_section() -> None:
    exported = {
        name
        for collector in [*vars(metrics).values(), *vars(admission).values()]
        if hasattr(collector, "_name") and hasattr(collector, "_type")
        for name in (collector._name, f"{collector._name}_total")
    }
    anchors = set(re.findall(r"^## ([a-z0-9-]+)$", RUNBOOK.read_text(encoding="utf-8"), flags=re.M))
    alerts = _alerts()
    assert len(alerts) >= 8
    for alert in alerts:
        used = set(re.findall(r"\b(govproj_[a-z_]+)\b", alert["expr"]))
        assert used <= exported, f"{alert['alert']} uses metrics no service exports: {used - exported}"
        assert alert["labels"]["severity"] in {"page", "ticket"}
        anchor = re.search(r"runbook\.md#([a-z0-9-]+)", alert["annotations"]["runbook"])
        assert anchor and anchor.group(1) in anchors, f"{alert['alert']} points at a missing runbook section"
