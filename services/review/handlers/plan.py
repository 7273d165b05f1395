"""The annual plan (年度计划, dazhou:第十三条): an approved project joins its year's plan; the July
mid-year adjustment adds an approved project to this year's plan or drops one."""

from __future__ import annotations

from services.review import domain
from services.review.domain import Action
from services.review.handlers.common import pack_of, refuse
from services.review.metrics import PLAN_CHANGES
from services.review.queries import load, plan_entry
from services.review.schemas import PlanAdjustment
from services.review.tables import PlanEntry, ReviewCase
from shared import clock
from shared.auth import Principal
from shared.contracts.review import PlanAdjusted
from shared.errors import bad_request, conflict
from shared.policy import Pack
from shared.uow import UnitOfWork


async def add_to_plan(uow: UnitOfWork, case: ReviewCase, pack: Pack, principal: Principal) -> PlanEntry:
    year = domain.plan_year(pack, case.plan_year, clock.today())
    entry = PlanEntry(
        year=year,
        jurisdiction=case.jurisdiction,
        project_id=case.project_id,
        unit=case.unit,
        title=case.title,
        total_investment_fen=case.total_investment_fen,
        status="deferred" if case.plan_deferred else "planned",
        source="approval",
        reason="立项批复 / approval letter" + ("; deferred by a supervision finding" if case.plan_deferred else ""),
        decided_by=principal.subject,
        rule_id=domain.APPROVAL_RULE,
        citation=pack.rule(domain.APPROVAL_RULE).citation,
        updated_at=clock.now(),
    )
    uow.session.add(entry)
    PLAN_CHANGES.labels("added").inc()
    await uow.emit(
        PlanAdjusted(
            project_id=case.project_id,
            year=year,
            jurisdiction=case.jurisdiction,
            unit=case.unit,
            action="added",
            reason=entry.reason,
            decided_by=principal.subject,
            rule_id=entry.rule_id,
            citation=entry.citation,
            decided_on=clock.today(),
        )
    )
    return entry


async def adjust_plan(uow: UnitOfWork, year: int, command: PlanAdjustment, principal: Principal) -> PlanEntry:
    """The July mid-year adjustment (dazhou:第十三条) adds an approved project to this year's plan or drops one."""
    pack = pack_of(command.jurisdiction)
    today = clock.today()
    window = domain.midyear_adjustment(pack, today)
    problems = [(window, "year")] if window.outcome == "fail" else []
    if year != today.year:
        problems.append(
            (
                window.model_copy(
                    update={
                        "outcome": "fail",
                        "message_zh": f"只能调整本年度({today.year})计划",
                        "message_en": f"only this year's ({today.year}) plan is adjusted",
                    }
                ),
                "year",
            )
        )
    if problems:
        raise refuse(problems)
    case = await load(uow, command.project_id, for_update=True)
    if case.jurisdiction != command.jurisdiction:
        raise bad_request(f"project {case.project_id} is in {case.jurisdiction}", field="jurisdiction")
    entry = await plan_entry(uow, year, command.project_id)
    if command.action == "add":
        domain.transition(case.stage, Action.ADD_TO_PLAN, subject=case.project_id, pack=pack)
        if entry is not None and entry.status == "planned":
            raise conflict(f"project {case.project_id} is already in the {year} plan")
        entry = entry or PlanEntry(
            year=year,
            jurisdiction=case.jurisdiction,
            project_id=case.project_id,
            unit=case.unit,
            title=case.title,
            total_investment_fen=case.total_investment_fen,
            source="midyear_adjustment",
            decided_by=principal.subject,
            updated_at=clock.now(),
        )
        entry.status = "planned"
        action = "added"
    else:
        if entry is None or entry.status != "planned":
            raise conflict(f"project {case.project_id} is not planned in {year}")
        entry.status = "dropped"
        action = "dropped"
    entry.source = "midyear_adjustment"
    entry.reason = command.reason
    entry.decided_by = principal.subject
    entry.rule_id = window.rule_id
    entry.citation = window.citation
    entry.updated_at = clock.now()
    uow.session.add(entry)
    await uow.record_decision(window, subject=case.project_id, action=f"plan.{action}", actor=principal)
    await uow.audit(
        subject=case.project_id,
        action=f"plan.{action}",
        actor=principal,
        detail={"year": year, "reason": command.reason},
    )
    PLAN_CHANGES.labels(action).inc()
    await uow.emit(
        PlanAdjusted(
            project_id=case.project_id,
            year=year,
            jurisdiction=case.jurisdiction,
            unit=case.unit,
            action=action,
            reason="" if case.secret else command.reason,
            decided_by=principal.subject,
            rule_id=window.rule_id,
            citation=window.citation,
            decided_on=today,
        )
    )
    return entry
