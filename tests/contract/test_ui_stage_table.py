"""The project page offers an action only in the stages its service lets it through (issue 17): the table it
reads (services/gateway/webapp/src/actions/stages.json) is written from each service's `domain.TRANSITIONS`
by scripts/dump_stage_table.py, so a service changing its lifecycle changes what the page offers."""

from __future__ import annotations

import json

from scripts.dump_stage_table import OPERATION_ACTIONS, OUT, render, table
from tests.contract.test_ui_action_coverage import REGISTRY

REGENERATE = "run `PYTHONPATH=. .venv/bin/python scripts/dump_stage_table.py` and commit stages.json"


def test_the_committed_table_is_the_services_own() -> None:
    assert OUT.read_text(encoding="utf-8") == render(), REGENERATE


def test_every_mapped_action_is_offered_by_the_workbench() -> None:
    assert sorted(set(OPERATION_ACTIONS) - set(REGISTRY)) == []


def test_a_tender_is_not_offered_once_contracts_are_registered() -> None:
    operations = json.loads(render())["operations"]
    tender = operations["procurement POST /api/procurement/projects/{project_id}/tenders"]
    assert "contracted" not in tender["stages"] and "estimate_approved" in tender["stages"]
    assert table()["operations"]["intake POST /api/intake/applications/{project_id}/submit"]["stages"] == ["draft"]
