"""Evaluation results decide money, through Kafka (dazhou:第五十二条): catalog's failed evaluation reaches budget,
which caps the next year's O&M money of the system at the year before's, citing the article."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from shared import clock
from shared.contracts.acceptance import AcceptanceItem, ProjectAccepted
from shared.contracts.catalog import EvaluationCompleted
from shared.contracts.intake import ProjectSummary
from shared.contracts.review import ProjectApproved
from tests.integration.test_acceptance_kafka import publish
from tests.support.api import Api, ok
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

WAN = 1_000_000  # fen in 1万元
UNIT = "达州市教育局"


async def running_system(bootstrap: str) -> tuple[str, str]:
    """A dazhou project approved (review) and accepted (acceptance), as their events on Kafka tell it."""
    project = f"P-IT-EVAL-{uuid.uuid4().hex[:10]}"
    today = clock.today()
    summary = ProjectSummary(
        unit=UNIT, jurisdiction="dazhou", title="教育评价平台", total_investment_fen=300 * WAN, plan_year=today.year
    )
    await publish(
        bootstrap,
        "review",
        ProjectApproved(
            project_id=project,
            project=summary,
            approval_letter_no=f"达数审〔{today.year}〕{project[-4:]}号",
            approved_on=today - timedelta(days=400),
            authority_steps=["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance", "mayor"],
            rule_id="approval.authority",
            citation="dazhou:第十条",
            pack_version="test",
        ),
    )
    await publish(
        bootstrap,
        "acceptance",
        ProjectAccepted(
            project_id=project,
            unit=UNIT,
            jurisdiction="dazhou",
            path="dazhou_acceptance",
            accepted_on=today - timedelta(days=30),
            documents=["pre_acceptance_approval_letter", "acceptance_report"],
            items=[AcceptanceItem(kind="mlps_test", passed=True), AcceptanceItem(kind="crypto_review", passed=True)],
            system_name="教育评价平台",
        ),
    )
    return project, f"S-{project}"


async def test_a_failed_evaluation_on_kafka_caps_next_years_om_money(api: Api, kafka_bootstrap: str):
    project, system = await running_system(kafka_bootstrap)
    year = clock.today().year + 1
    body = {"system_id": system, "funding_year": year, "om_type": "new", "amount_fen": 30 * WAN}

    async def catalogued():  # budget learns the system from catalog's registration; a refusal writes nothing
        response = await api.post("edu", "/api/budget/om-budgets", body, headers={"Idempotency-Key": str(uuid.uuid4())})
        return response.json() if response.status_code == 201 else None

    first = await wait_for(catalogued, timeout=60, message="budget knows the catalogued system")
    ok(await api.post("finance", f"/api/budget/om-budgets/{first['id']}/approval"))

    await publish(
        kafka_bootstrap,
        "catalog",
        EvaluationCompleted(
            project_id=project,
            system_id=system,
            unit=UNIT,
            kind="post_evaluation",
            passed=False,
            rule_id="catalog.post_evaluation",
            citation="dazhou:第五十二条",
            completed_on=clock.today(),
        ),
    )
    # probe with a request refused anyway (continued O&M not re-assessed, 第三十二条): nothing is written while
    # waiting, and the failed evaluation shows as one more violation once budget has consumed it
    probe = {**body, "funding_year": year + 1, "om_type": "continued", "reassessed": False, "amount_fen": 30 * WAN + 1}

    async def evaluation_counted():
        response = await api.post("edu", "/api/budget/om-budgets", probe)
        assert response.status_code == 422, response.text
        rules = {v["rule_id"]: v["citation"] for v in response.json()["violations"]}
        return rules if "budget.om_evaluation_result" in rules else None

    rules = await wait_for(evaluation_counted, timeout=60, message="budget counts the failed evaluation")
    assert rules["budget.om_evaluation_result"] == "dazhou:第五十二条"

    # the next year's money: one fen above the year before's is refused, the same amount is arranged
    continued = {**probe, "reassessed": True}
    over = await api.post("edu", "/api/budget/om-budgets", continued)
    assert over.status_code == 422 and [v["citation"] for v in over.json()["violations"]] == ["dazhou:第五十二条"]
    capped = ok(await api.post("edu", "/api/budget/om-budgets", {**continued, "amount_fen": 30 * WAN}), 201)
    assert ok(await api.post("finance", f"/api/budget/om-budgets/{capped['id']}/approval"))["status"] == "approved"
