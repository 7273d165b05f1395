"""dazhou:第十条 "立项批复作为项目技术方案审查和资金安排的依据": budget approves no estimate and releases no money
for a project without its approval letter number, and records the rule with its citation when it has one."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from services.budget import domain
from services.budget.tables import schema
from shared import clock
from shared.auth import Role
from shared.contracts.intake import ProjectSummary
from shared.contracts.review import ProjectApproved
from shared.policy import packs

from .conftest import UNIT, WAN

RULE = "budget.approval_letter_required"


async def _approved(budget, letter: str, jurisdiction: str = "dazhou") -> str:
    project = f"P-{uuid.uuid4().hex[:10]}"
    await budget.deliver(
        ProjectApproved(
            project_id=project,
            project=ProjectSummary(
                unit=UNIT,
                jurisdiction=jurisdiction,
                total_investment_fen=500 * WAN,
                plan_year=2027,
                materials=["information_resource_catalog"],
            ),
            approval_letter_no=letter,
            approved_on=clock.today(),
            authority_steps=["mayor"],
            rule_id="approval.authority",
            citation="dazhou:第十条",
            pack_version="x",
        )
    )
    return project


@pytest.mark.parametrize("letter", ["", "   "])
async def test_an_estimate_without_the_approval_letter_number_is_refused_naming_the_rule(budget, letter):
    project = await _approved(budget, letter)
    refused = await budget.post(f"/projects/{project}/estimate", {"estimate_fen": 500 * WAN}, Role.DATA_BUREAU)
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"].endswith("rule-violation")
    [violation] = problem["violations"]
    assert (violation["rule_id"], violation["citation"]) == (RULE, "dazhou:第十条")
    assert "立项批复" in violation["message_zh"]
    assert (await budget.events("budget.estimate.approved.v1")) == []


async def test_an_estimate_with_its_letter_records_the_rule_as_its_basis(budget):
    project = await _approved(budget, "达市数字立项〔2027〕8号")
    approved = await budget.post(f"/projects/{project}/estimate", {"estimate_fen": 500 * WAN}, Role.DATA_BUREAU)
    assert approved.status_code == 200, approved.text
    async with budget.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(schema.decisions).where(schema.decisions.c.subject == project))).all()
    assert (RULE, "dazhou:第十条", "pass") in {(r.rule_id, r.citation, r.outcome) for r in rows}


def _release(letter: str | None) -> list:
    facts = domain.ReleaseFacts(
        amount_fen=100 * WAN,
        released_fen=0,
        estimate_fen=1000 * WAN,
        accepted=True,
        acceptance_documents=("pre_acceptance_approval_letter", "acceptance_report"),
        approval_letter_no=letter,
    )
    return domain.release_decisions(packs.default, facts)


@pytest.mark.parametrize(("letter", "refused"), [(None, True), ("", True), ("达市数字立项〔2027〕8号", False)])
def test_funds_are_arranged_only_on_the_approval_letter(letter, refused):
    packs.load_all()
    failed = domain.failed(_release(letter))
    assert ([d.rule_id for d in failed] == [RULE]) is refused
    assert (failed == []) is not refused
    letter_decision = next(d for d in _release(letter) if d.rule_id == RULE)
    assert letter_decision.citation == "dazhou:第十条" and letter_decision.quote.startswith("立项批复")


def test_quzhou_inherits_the_rule_as_a_local_setting_not_under_dazhous_article():
    packs.load_all()
    decision = domain.approval_letter_decision(packs.get("quzhou"), "")
    assert decision is not None and decision.outcome == "fail"
    assert decision.basis == "local_setting" and not decision.citation.startswith("dazhou:")
