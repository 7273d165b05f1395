"""The needs pool (需求库): departments file needs, the bureau reviews them, needs become applications."""

from __future__ import annotations

from services.intake import domain, queries
from services.intake.domain import NEED_LIFECYCLE, NeedAction
from services.intake.handlers.common import new_project_id, refusal
from services.intake.metrics import APPLICATIONS, NEEDS
from services.intake.schemas import NeedCreate, NeedMerge, NeedReview
from services.intake.tables import Application, Need
from shared import clock
from shared.auth import Principal, ensure_unit_access
from shared.errors import Violation, conflict, forbidden, rule_violations
from shared.ids import new_id
from shared.policy import packs
from shared.uow import UnitOfWork


async def file_need(uow: UnitOfWork, command: NeedCreate, principal: Principal) -> Need:
    """Departments file needs at any time (quzhou:三(一)1); a barred unit may not (quzhou:二(二)不予受理.9)."""
    ensure_unit_access(principal, command.unit)
    packs.get(command.jurisdiction)
    today = clock.today()
    bars = [
        queries.as_bar(row)
        for row in await queries.unit_bars(uow, command.unit)
        if row.cleared_on is None and not row.bars and queries.as_bar(row).active_on(today)
    ]
    if bars:
        raise refusal([bar.violation() for bar in bars], bars=bars)
    need = Need(
        id=new_id(f"N{clock.now():%Y}", length=12),
        filed_by=principal.subject,
        filed_at=clock.now(),
        **command.model_dump(mode="json"),
    )
    uow.session.add(need)
    await uow.audit(subject=need.id, action="need.filed", actor=principal)
    NEEDS.labels(need.jurisdiction, "filed").inc()
    return need


async def review_need(uow: UnitOfWork, need_id: str, command: NeedReview, principal: Principal) -> Need:
    """The data bureau reviews each need before it goes on (quzhou:三(一)3)."""
    need = await queries.load_need(uow, need_id, for_update=True)
    action = NeedAction.APPROVE if command.approve else NeedAction.REJECT
    pack = packs.get(need.jurisdiction)
    link = domain.top_level_design(pack, bool(need.top_level_design)) if command.approve else None
    if link is not None and link.outcome == "fail":
        raise rule_violations([Violation.from_decision(link.model_copy(update={"field": "top_level_design"}))])
    need.status = NEED_LIFECYCLE.transition(need.status, action, subject=need_id)
    if link is not None:
        await uow.record_decision(link, subject=need_id, action="need.review", actor=principal)
    need.reviewed_by = principal.subject
    need.reviewed_at = clock.now()
    need.review_note = command.note
    decision = domain.need_review(pack, command.approve)
    if decision is not None:
        await uow.record_decision(decision, subject=need_id, action="need.review", actor=principal)
    await uow.audit(subject=need_id, action=f"need.{need.status}", actor=principal, detail={"note": command.note})
    NEEDS.labels(need.jurisdiction, need.status).inc()
    return need


async def merge_needs(uow: UnitOfWork, command: NeedMerge, principal: Principal) -> Application:
    """Several departments' needs become one cross-department project whose technical plan lists each
    department's part, data flows and interfaces (dazhou:第十六条,第十七条)."""
    pack = packs.get(command.jurisdiction)
    parts = [part.model_dump(mode="json") for part in command.parts]
    failed = domain.failures(domain.plan_parts(pack, parts))
    if failed:
        raise rule_violations([Violation.from_decision(d) for d in failed])
    need_ids = [part["need_id"] for part in parts if part.get("need_id")]
    for part in parts:
        if part.get("need_id"):
            need = await queries.load_need(uow, part["need_id"])
            if need.unit != part["unit"]:
                raise conflict(f"need {need.id} belongs to {need.unit}, not {part['unit']}", field="parts")
    now = clock.now()
    application = Application(
        id=new_project_id(),
        unit=command.lead_unit,
        jurisdiction=command.jurisdiction,
        title=command.title,
        category=command.category,
        construction_type=command.construction_type,
        implementation_mode=command.implementation_mode,
        total_investment_fen=command.total_investment_fen,
        plan_year=command.plan_year,
        parts=parts,
        details={"cross_department": True},
        created_by=principal.subject,
        created_at=now,
        updated_at=now,
    )
    await link_needs(uow, application, need_ids, principal)
    application.need_ids = need_ids
    uow.session.add(application)
    for decision in domain.plan_parts(pack, parts):
        await uow.record_decision(decision, subject=application.id, action="needs.merge", actor=principal)
    await uow.audit(
        subject=application.id,
        action="application.created_from_needs",
        actor=principal,
        detail={"needs": need_ids, "units": sorted({p["unit"] for p in parts})},
    )
    APPLICATIONS.labels(application.jurisdiction, "draft").inc()
    return application


async def link_needs(uow: UnitOfWork, application: Application, need_ids: list[str], principal: Principal) -> None:
    """A need becomes an application only once the bureau approved it (quzhou:三(一)3)."""
    pack = packs.get(application.jurisdiction)
    violations = []
    needs = []
    for need_id in need_ids:
        need = await queries.load_need(uow, need_id, for_update=True)
        if need.unit != application.unit and need.unit not in {p.get("unit") for p in application.parts or []}:
            raise forbidden(f"need {need_id} belongs to {need.unit}, which has no part in this application")
        approved = NEED_LIFECYCLE.allows(need.status, NeedAction.PLAN)
        decision = domain.need_review(pack, approved)
        if decision is not None and decision.outcome == "fail":
            violations.append(Violation.from_decision(decision).model_copy(update={"field": f"need_ids[{need_id}]"}))
        elif not approved:
            raise NEED_LIFECYCLE.refusal(need_id, need.status, NeedAction.PLAN)
        needs.append(need)
    if violations:
        raise rule_violations(violations)
    for need in needs:
        need.status = NEED_LIFECYCLE.transition(need.status, NeedAction.PLAN, subject=need.id)
        need.application_ids = [*need.application_ids, application.id]
        await uow.audit(subject=need.id, action="need.planned", actor=principal, detail={"application": application.id})
