"""Writes services/gateway/webapp/src/actions/stages.json: for each project action the workbench offers, the
stages of its service from which the service lets it through (each service's `domain.TRANSITIONS`, the one
table its handlers check). The project page offers an action only there and says why otherwise; the table is
read from the services, not copied by hand (tests/contract/test_ui_stage_table.py fails when it is stale)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "services" / "gateway" / "webapp" / "src" / "actions" / "stages.json"

_ACCEPTANCE = "acceptance POST /api/acceptance/projects/{project_id}"

#: workbench operation → (service, the `Action` its handler checks the project's stage with)
OPERATION_ACTIONS: dict[str, tuple[str, str]] = {
    "intake PATCH /api/intake/applications/{project_id}": ("intake", "EDIT"),
    "intake POST /api/intake/applications/{project_id}/materials": ("intake", "ATTACH_MATERIAL"),
    "intake POST /api/intake/applications/{project_id}/submit": ("intake", "SUBMIT"),
    "intake POST /api/intake/applications/{project_id}/admit": ("intake", "ADMIT"),
    "intake POST /api/intake/applications/{project_id}/refuse": ("intake", "REFUSE"),
    "review POST /api/review/projects/{project_id}/prescreen": ("review", "PRESCREEN"),
    "review POST /api/review/projects/{project_id}/scheme-review": ("review", "SCHEME_REVIEW"),
    "review POST /api/review/projects/{project_id}/scores": ("review", "SCORE"),
    "review POST /api/review/projects/{project_id}/joint-review/opinions": ("review", "JOINT_OPINION"),
    "review POST /api/review/projects/{project_id}/joint-review": ("review", "CONCLUDE_JOINT_REVIEW"),
    "review POST /api/review/projects/{project_id}/steps/{step}": ("review", "PATH_STEP"),
    "review POST /api/review/projects/{project_id}/approval": ("review", "DECIDE_APPROVAL"),
    "budget POST /api/budget/projects/{project_id}/consultation": ("budget", "PUBLISH_CONSULTATION"),
    "budget POST /api/budget/projects/{project_id}/technical-plan": ("budget", "SUBMIT_PLAN"),
    # a failed review returns the plan, a passed one approves the estimate: both from the submitted plan
    "budget POST /api/budget/projects/{project_id}/technical-review": ("budget", "RETURN_PLAN"),
    "budget POST /api/budget/projects/{project_id}/estimate": ("budget", "APPROVE_ESTIMATE"),
    "budget POST /api/budget/projects/{project_id}/control-price": ("budget", "SUBMIT_CONTROL_PRICE"),
    "budget POST /api/budget/projects/{project_id}/control-price/approval": ("budget", "APPROVE_CONTROL_PRICE"),
    "budget POST /api/budget/projects/{project_id}/releases": ("budget", "RELEASE_FUNDS"),
    "budget POST /api/budget/projects/{project_id}/adjustments": ("budget", "ADJUST"),
    "budget POST /api/budget/projects/{project_id}/surplus-return": ("budget", "RETURN_SURPLUS"),
    "procurement POST /api/procurement/projects/{project_id}/plan": ("procurement", "FILE_PLAN"),
    "procurement POST /api/procurement/projects/{project_id}/plan/review": ("procurement", "RETURN_PLAN"),
    "procurement POST /api/procurement/projects/{project_id}/tenders": ("procurement", "PUBLISH_TENDER"),
    "procurement POST /api/procurement/tenders/{tender_id}/award": ("procurement", "AWARD"),
    "procurement POST /api/procurement/projects/{project_id}/contracts": ("procurement", "REGISTER_CONTRACT"),
    "procurement POST /api/procurement/projects/{project_id}/incidents": ("procurement", "REPORT_INCIDENT"),
    "procurement POST /api/procurement/projects/{project_id}/suspension": ("procurement", "SUSPEND"),
    "procurement POST /api/procurement/projects/{project_id}/termination": ("procurement", "TERMINATE"),
    f"{_ACCEPTANCE}/trial-run": ("acceptance", "START_TRIAL_RUN"),
    f"{_ACCEPTANCE}/pre-acceptance": ("acceptance", "APPROVE_PRE_ACCEPTANCE"),
    f"{_ACCEPTANCE}/acceptance": ("acceptance", "ACCEPT_PERFORMANCE"),
    f"{_ACCEPTANCE}/preliminary-acceptance": ("acceptance", "ACCEPT_PRELIMINARY"),
    f"{_ACCEPTANCE}/final-acceptance/application": ("acceptance", "APPLY_FOR_FINAL"),
    f"{_ACCEPTANCE}/final-acceptance": ("acceptance", "ACCEPT_FINAL"),
    f"{_ACCEPTANCE}/final-acceptance/filing": ("acceptance", "FILE_HIGHER_LEVEL"),
    f"{_ACCEPTANCE}/application": ("acceptance", "APPLY"),
    f"{_ACCEPTANCE}/organise": ("acceptance", "ORGANISE"),
    f"{_ACCEPTANCE}/completion-acceptance": ("acceptance", "ACCEPT_COMPLETION"),
    f"{_ACCEPTANCE}/secrecy-approval": ("acceptance", "APPROVE_SECRECY"),
    f"{_ACCEPTANCE}/asset-registration": ("acceptance", "REGISTER_ASSETS"),
    f"{_ACCEPTANCE}/document-filing": ("acceptance", "FILE_DOCUMENTS"),
}


def table() -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for key, (service, action) in sorted(OPERATION_ACTIONS.items()):
        domain = importlib.import_module(f"services.{service}.domain")
        transition = domain.TRANSITIONS[domain.Action[action]]
        operations[key] = {
            "service": service,
            "action": action,
            "stages": [str(stage) for stage in transition.sources],
            "rule": transition.rule,
        }
    return {
        "$comment": "Written by scripts/dump_stage_table.py from each service's domain.TRANSITIONS: the stages "
        "from which the service lets each project action through. Do not edit by hand.",
        "operations": operations,
    }


def render() -> str:
    return json.dumps(table(), ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
