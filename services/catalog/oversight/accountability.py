"""Accountability (追责): a case against a unit under the pack's accountability rules, recorded by a supervisor
or detected (a contract signed before the project's approval, 未批先建), each in the caller's unit of work
(dazhou:第五十四条; quzhou:五(三))."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.handlers.common import get_or_pending
from services.catalog.oversight import domain
from services.catalog.oversight.handlers import pack_of, supervisor
from services.catalog.oversight.tables import AccountabilityCase
from services.catalog.reports.tables import ProjectRecord
from shared import clock
from shared.auth import Principal
from shared.contracts.catalog import AccountabilityRecorded
from shared.errors import Problem, bad_request, not_found
from shared.ids import new_id
from shared.uow import UnitOfWork, actor_of


async def record_accountability(
    uow: UnitOfWork,
    actor: Principal | str,
    *,
    project_id: str | None,
    unit: str | None,
    jurisdiction: str | None,
    kind: str,
    description: str = "",
    detected: bool = False,
) -> AccountabilityCase:
    """Record a case against the unit under the pack's accountability rules, with their citations
    (dazhou:第五十四条; quzhou:五(三)). A jurisdiction whose text has no such rule gets a 422 naming that."""
    secret = False
    if project_id is not None:
        project = await uow.session.get(ProjectRecord, project_id)
        if project is None:
            raise not_found("project", project_id)
        unit, jurisdiction, secret = project.unit, project.jurisdiction, project.secret
    if not unit or not jurisdiction:
        raise bad_request("a case against a unit names the unit and its jurisdiction", field="unit")
    pack = pack_of(jurisdiction)
    if isinstance(actor, Principal):
        supervisor(pack, actor)
    decisions = domain.accountability_decisions(pack, kind)
    triggered = [d for d in decisions if d.outcome == "fail"]
    if not triggered:
        raise Problem(
            422,
            "not-applicable",
            "本辖区条文对此无追责规定 / No accountability rule for this in the jurisdiction's text",
            f"pack {pack.id} has no rule that {kind} triggers (rules: {[d.rule_id for d in decisions]})",
            field="kind",
        )
    case_id = new_id("AC", length=12)
    today = clock.today()
    consequences = list(dict.fromkeys(bar for d in triggered for bar in d.value.get("bars", [])))
    case = AccountabilityCase(
        id=case_id,
        project_id=project_id,
        subject=project_id or case_id,
        unit=unit,
        jurisdiction=jurisdiction,
        secret=secret,
        kind=kind,
        detected=detected,
        description=description,
        consequences=consequences,
        rule_ids=[d.rule_id for d in triggered],
        citations=[d.citation for d in triggered],
        recorded_by=actor_of(actor),
        recorded_on=today,
        created_at=clock.now(),
    )
    uow.session.add(case)
    for decision in decisions:
        await uow.record_decision(decision, subject=case.subject, action="accountability.recorded", actor=actor)
    await uow.audit(
        subject=case.subject,
        action="accountability.recorded",
        actor=actor,
        detail={"case_id": case_id, "kind": kind, "detected": detected, "consequences": consequences},
    )
    await uow.emit(
        AccountabilityRecorded(
            project_id=case.subject,
            case_id=case_id,
            unit=unit,
            jurisdiction=jurisdiction,
            kind=kind,
            detected=detected,
            consequences=consequences,
            recorded_on=today,
            rule_id=triggered[0].rule_id,
            citation=triggered[0].citation,
        )
    )
    await uow.session.flush()
    return case


async def detect_built_before_approval(
    uow: UnitOfWork, *, project_id: str, jurisdiction: str, signed_on: date
) -> AccountabilityCase | None:
    """A contract signed for a project catalog heard of but saw approved only later, or not at all, is building
    before approval (未批先建, quzhou:五(三); dazhou:第五十四条 未履行立项): recorded once per project where the
    jurisdiction's text has the rule."""
    project = await get_or_pending(uow, ProjectRecord, project_id)
    if project is None or not domain.built_before_approval(project.approved_on, signed_on):
        return None  # never heard of (no history to judge by), or approved in time
    pack = pack_of(project.jurisdiction or jurisdiction)  # the project as catalog knows it decides
    if not any(d.outcome == "fail" for d in domain.accountability_decisions(pack, "built_before_approval")):
        return None
    already = await uow.session.scalar(
        sa.select(col(AccountabilityCase.id)).where(
            col(AccountabilityCase.project_id) == project_id, col(AccountabilityCase.kind) == "built_before_approval"
        )
    )
    if already is not None:
        return None  # a supplementary contract of the same project
    return await record_accountability(
        uow,
        "system",
        project_id=project_id,
        unit=None,
        jurisdiction=None,
        kind="built_before_approval",
        description=f"contract signed {signed_on.isoformat()}, approval "
        f"{project.approved_on.isoformat() if project.approved_on else 'not recorded'}",
        detected=True,
    )
