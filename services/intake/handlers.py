"""Intake's commands and consumed events: one function each, inside one unit of work."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa

from services.intake import domain
from services.intake.metrics import ADMISSION_LEAD_TIME, APPLICATIONS, BARS, NEEDS, OUT_OF_SCOPE, REFUSALS
from services.intake.schemas import (
    ApplicationCreate,
    ApplicationUpdate,
    MaterialCreate,
    NeedCreate,
    NeedMerge,
    NeedReview,
)
from services.intake.tables import (
    Application,
    CatalogSystem,
    Material,
    Need,
    ProjectOutcome,
    SupervisionStanding,
    UnitBar,
)
from shared import clock, supervision
from shared.auth import Principal
from shared.bus import Subscriptions
from shared.contracts.acceptance import ProjectAccepted, ProjectFailed
from shared.contracts.catalog import (
    EvaluationCompleted,
    FindingEscalated,
    FindingResolved,
    SystemRegistered,
    SystemRetired,
    UnitCleared,
    UnitSanctioned,
)
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import (
    ApplicationAdmitted,
    ApplicationRejected,
    ApplicationSubmitted,
    ProjectSummary,
    ViolationRef,
)
from shared.errors import Problem, Violation, conflict, forbidden, not_found, rule_violations, wrong_stage
from shared.locking import locked
from shared.policy import Decision, packs
from shared.uow import UnitOfWork

subscriptions = Subscriptions()

NOT_MANAGED = "not-a-managed-project"


def new_project_id() -> str:
    return f"P{clock.now():%Y}-{uuid.uuid4().hex[:12]}"


def summary(application: Application) -> ProjectSummary:
    """What may leave intake; a secret project's content never does (dazhou:第六十五条)."""
    hide = application.secret
    return ProjectSummary(
        unit=application.unit,
        jurisdiction=application.jurisdiction,
        secret=application.secret,
        title=None if hide else application.title,
        category=None if hide else application.category,
        construction_type=None if hide else application.construction_type,
        total_investment_fen=application.total_investment_fen,
        plan_year=application.plan_year,
        off_plan=application.off_plan,
        approval_route=application.approval_route,
        priority_flags=[] if hide else list(application.priority_flags or []),
        unit_priority=application.unit_priority,
        implementation_mode=None if hide else application.implementation_mode,
        materials=list(application.materials or []),
    )


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> Application:
    if for_update:
        application = await locked(uow.session, Application, project_id)
    else:
        application = await uow.session.get(Application, project_id)
    if application is None:
        raise not_found("application", project_id)
    return application


# --- the unit's standing (eligibility view) ---------------------------------------------------------


async def unit_bars(uow: UnitOfWork, unit: str) -> list[UnitBar]:
    rows = await uow.session.scalars(sa.select(UnitBar).where(UnitBar.unit == unit).order_by(UnitBar.id))
    return list(rows.all())


def as_bar(row: UnitBar) -> domain.Bar:
    return domain.Bar(
        rule_id=row.rule_id,
        citation=row.citation,
        cause=row.cause,
        since=row.since,
        until=row.until,
        bars=tuple(row.bars or ()),
        subject=row.subject,
    )


async def standing_of(uow: UnitOfWork, application: Application) -> domain.Standing:
    bars = tuple(as_bar(row) for row in await unit_bars(uow, application.unit) if row.cleared_on is None)
    system = None
    system_row = (
        await uow.session.get(CatalogSystem, application.related_system_id) if application.related_system_id else None
    )
    if system_row is not None:
        system = domain.SystemStanding(
            registered=True,
            retired=system_row.retired_on is not None,
            evaluation_failed=system_row.evaluation_failed_on is not None,
        )
    accepted = False
    if application.original_project_id:
        outcome = await uow.session.get(ProjectOutcome, application.original_project_id)
        accepted = outcome is not None and outcome.accepted_on is not None
    elif system_row is not None:
        accepted = True  # the catalog registers a system only after its project was accepted
    return domain.Standing(bars=bars, original_project_accepted=accepted, related_system=system)


async def siblings_of(uow: UnitOfWork, application: Application) -> list[domain.Sibling]:
    # Only the columns the split detector reads: the unit's other applications can be many.
    rows = await uow.session.execute(
        sa.select(Application.id, Application.title, Application.plan_year, Application.total_investment_fen).where(
            Application.unit == application.unit,
            Application.plan_year == application.plan_year,
            Application.status.in_(domain.ACTIVE),
            Application.id != application.id,
        )
    )
    return [domain.Sibling(r.id, r.title, r.plan_year, r.total_investment_fen) for r in rows.all()]


def refusal(violations: list[Violation], *, out_of_scope: bool = False, bars: list[domain.Bar] = ()) -> Problem:
    if out_of_scope:
        problem = Problem(
            422,
            NOT_MANAGED,
            "不属于本办法管理的项目 / Not a managed project",
            "; ".join(f"{v.citation}: {v.message_zh}" for v in violations),
            violations=violations,
        )
    else:
        problem = rule_violations(violations)
    if bars:
        problem.extensions["bars"] = [bar.public() for bar in bars]
    return problem


# --- applications ---------------------------------------------------------------------------------


async def create_application(uow: UnitOfWork, command: ApplicationCreate, principal: Principal) -> Application:
    packs.get(command.jurisdiction)  # an unknown jurisdiction is a 404 problem, before anything is written
    now = clock.now()
    fields = command.model_dump(mode="json")
    application = Application(
        id=new_project_id(), created_by=principal.subject, created_at=now, updated_at=now, **fields
    )
    await _link_needs(uow, application, command.need_ids, principal)
    uow.session.add(application)
    await uow.audit(subject=application.id, action="application.created", actor=principal)
    APPLICATIONS.labels(application.jurisdiction, "draft").inc()
    return application


async def _link_needs(uow: UnitOfWork, application: Application, need_ids: list[str], principal: Principal) -> None:
    """A need becomes an application only once the bureau approved it (quzhou:三(一)3)."""
    pack = packs.get(application.jurisdiction)
    violations = []
    for need_id in need_ids:
        need = await locked(uow.session, Need, need_id)
        if need is None:
            raise not_found("need", need_id)
        if need.unit != application.unit and need.unit not in {p.get("unit") for p in application.parts or []}:
            raise forbidden(f"need {need_id} belongs to {need.unit}, which has no part in this application")
        decision = domain.need_review(pack, need.status in ("approved", "planned"))
        if decision is not None and decision.outcome == "fail":
            violations.append(Violation.from_decision(decision).model_copy(update={"field": f"need_ids[{need_id}]"}))
        elif need.status not in ("approved", "planned"):
            raise wrong_stage(need_id, need.status, ["approved", "planned"], "plan")
    if violations:
        raise rule_violations(violations)
    for need_id in need_ids:
        need = await uow.session.get(Need, need_id)
        need.status = "planned"
        need.application_ids = [*need.application_ids, application.id]
        await uow.audit(subject=need_id, action="need.planned", actor=principal, detail={"application": application.id})


async def update_application(
    uow: UnitOfWork, project_id: str, command: ApplicationUpdate, principal: Principal
) -> Application:
    application = await load(uow, project_id, for_update=True)
    if application.status not in domain.EDITABLE:
        raise wrong_stage(project_id, application.status, list(domain.EDITABLE), "edit")
    changes: dict[str, Any] = command.model_dump(mode="json", exclude_unset=True)
    for name, value in changes.items():
        setattr(application, name, value)
    application.updated_at = clock.now()
    application.lock_version += 1
    await uow.audit(subject=project_id, action="application.updated", actor=principal, detail={"fields": list(changes)})
    return application


async def attach_material(uow: UnitOfWork, project_id: str, command: MaterialCreate, principal: Principal) -> Material:
    application = await load(uow, project_id, for_update=True)
    if application.status not in domain.EDITABLE:
        raise wrong_stage(project_id, application.status, list(domain.EDITABLE), "attach material")
    material = Material(
        id=f"M-{uuid.uuid4().hex[:12]}",
        project_id=project_id,
        kind=command.kind,
        name=command.name,
        uri=command.uri,
        attached_by=principal.subject,
        attached_at=clock.now(),
    )
    uow.session.add(material)
    if command.kind not in application.materials:
        application.materials = [*application.materials, command.kind]
    application.updated_at = clock.now()
    await uow.audit(subject=project_id, action="material.attached", actor=principal, detail={"kind": command.kind})
    return material


async def rank_applications(uow: UnitOfWork, unit: str, order: list[str], principal: Principal) -> list[Application]:
    """The unit ranks its own open applications, most urgent first (fengxian:第十条)."""
    if len(set(order)) != len(order):
        raise conflict("a project appears twice in the order")
    ranked = []
    for rank, project_id in enumerate(order, start=1):
        application = await load(uow, project_id, for_update=True)
        if application.unit != unit:
            raise forbidden(f"{project_id} is not an application of {unit}")
        if application.status not in ("draft", "submitted"):
            raise wrong_stage(project_id, application.status, ["draft", "submitted"], "rank")
        application.unit_priority = rank
        application.updated_at = clock.now()
        ranked.append(application)
    await uow.audit(subject=unit, action="applications.ranked", actor=principal, detail={"order": order})
    return ranked


async def submit_application(uow: UnitOfWork, project_id: str, principal: Principal) -> Application:
    application = await load(uow, project_id, for_update=True)
    if application.status not in domain.EDITABLE:
        raise wrong_stage(project_id, application.status, list(domain.EDITABLE), "submit")
    pack = packs.get(application.jurisdiction)
    today = clock.today()
    standing = await standing_of(uow, application)
    assessment = domain.assess_submission(pack, application, standing, today, await siblings_of(uow, application))
    if assessment.out_of_scope:
        for decision in assessment.out_of_scope:
            OUT_OF_SCOPE.labels(decision.rule_id).inc()
        raise refusal([Violation.from_decision(d) for d in assessment.out_of_scope], out_of_scope=True)
    if assessment.refused:
        for violation in assessment.violations:
            REFUSALS.labels(violation.rule_id).inc()
        # Nothing is written on a refusal: the 422 lists every violated rule and every bar.
        problem = refusal(assessment.violations, bars=assessment.bars)
        if assessment.split_siblings:
            problem.extensions["likely_split_of"] = assessment.split_siblings
        raise problem
    for decision in assessment.decisions:
        await uow.record_decision(decision, subject=project_id, action="submit", actor=principal)
    application.status = "submitted"
    application.off_plan = assessment.off_plan
    application.approval_route = assessment.approval_route
    application.priority_flags = assessment.priority_flags
    application.review_flags = {"likely_split_of": assessment.split_siblings} if assessment.split_siblings else {}
    application.submitted_at = application.updated_at = clock.now()
    await uow.audit(
        subject=project_id, action="application.submitted", actor=principal, detail={"off_plan": assessment.off_plan}
    )
    await uow.emit(ApplicationSubmitted(project_id=project_id, project=summary(application)))
    APPLICATIONS.labels(application.jurisdiction, "submitted").inc()
    return application


async def admit_application(
    uow: UnitOfWork, project_id: str, principal: Principal, findings: list[str] | None = None
) -> Application:
    application = await load(uow, project_id, for_update=True)
    if application.status not in domain.DECIDABLE:
        raise wrong_stage(project_id, application.status, list(domain.DECIDABLE), "admit")
    pack = packs.get(application.jurisdiction)
    decisions, bars = domain.assess_admission(
        pack, application, await standing_of(uow, application), clock.today(), findings or []
    )
    failed = domain.failures(decisions)
    if failed or bars:
        violations = [Violation.from_decision(d) for d in failed] + [bar.violation() for bar in bars]
        for violation in violations:
            REFUSALS.labels(violation.rule_id).inc()
        raise refusal(violations, bars=bars)
    for decision in decisions:
        await uow.record_decision(decision, subject=project_id, action="admit", actor=principal)
    application.status = "admitted"
    application.decided_at = application.updated_at = clock.now()
    await uow.audit(subject=project_id, action="application.admitted", actor=principal)
    await uow.emit(
        ApplicationAdmitted(project_id=project_id, project=summary(application), admitted_by=principal.subject)
    )
    APPLICATIONS.labels(application.jurisdiction, "admitted").inc()
    _observe_lead_time(application)
    return application


def _observe_lead_time(application: Application) -> None:
    if application.submitted_at is not None and application.decided_at is not None:
        # SQLite hands back naive datetimes; both are UTC
        submitted = application.submitted_at.replace(tzinfo=None)
        seconds = (application.decided_at.replace(tzinfo=None) - submitted).total_seconds()
        ADMISSION_LEAD_TIME.labels(application.jurisdiction).observe(max(seconds, 0.0))


async def refuse_application(
    uow: UnitOfWork, project_id: str, reason: str, principal: Principal, findings: list[str] | None = None
) -> Application:
    """不予入库: the bureau's reason, and its findings decided against dazhou:第九条 when given."""
    application = await load(uow, project_id, for_update=True)
    if application.status not in domain.DECIDABLE:
        raise wrong_stage(project_id, application.status, list(domain.DECIDABLE), "refuse")
    pack = packs.get(application.jurisdiction)
    decisions: list[Decision] = []
    if findings:
        decisions, _ = domain.assess_admission(pack, application, domain.Standing(), clock.today(), findings)
        for decision in decisions:
            await uow.record_decision(decision, subject=project_id, action="refuse", actor=principal)
    application.status = "refused"
    application.refusal_reason = reason
    application.decided_at = application.updated_at = clock.now()
    await uow.audit(subject=project_id, action="application.refused", actor=principal, detail={"reason": reason})
    await uow.emit(
        ApplicationRejected(
            project_id=project_id,
            unit=application.unit,
            jurisdiction=application.jurisdiction,
            violations=[
                ViolationRef(
                    rule_id=d.rule_id,
                    citation=d.citation,
                    message_zh="" if application.secret else d.message_zh,
                    message_en="" if application.secret else d.message_en,
                    field=d.field,
                )
                for d in domain.failures(decisions)
            ],
            reason="" if application.secret else reason,
        )
    )
    APPLICATIONS.labels(application.jurisdiction, "refused").inc()
    _observe_lead_time(application)
    return application


# --- needs pool (需求库) ----------------------------------------------------------------------------


async def file_need(uow: UnitOfWork, command: NeedCreate, principal: Principal) -> Need:
    """Departments file needs at any time (quzhou:三(一)1); a barred unit may not (quzhou:二(二)不予受理.9)."""
    packs.get(command.jurisdiction)
    today = clock.today()
    bars = [
        as_bar(row)
        for row in await unit_bars(uow, command.unit)
        if row.cleared_on is None and not row.bars and as_bar(row).active_on(today)
    ]
    if bars:
        raise refusal([bar.violation() for bar in bars], bars=bars)
    need = Need(
        id=f"N{clock.now():%Y}-{uuid.uuid4().hex[:12]}",
        filed_by=principal.subject,
        filed_at=clock.now(),
        **command.model_dump(mode="json"),
    )
    uow.session.add(need)
    await uow.audit(subject=need.id, action="need.filed", actor=principal)
    NEEDS.labels(need.jurisdiction, "filed").inc()
    return need


async def load_need(uow: UnitOfWork, need_id: str, *, for_update: bool = False) -> Need:
    if for_update:
        need = await locked(uow.session, Need, need_id)
    else:
        need = await uow.session.get(Need, need_id)
    if need is None:
        raise not_found("need", need_id)
    return need


async def review_need(uow: UnitOfWork, need_id: str, command: NeedReview, principal: Principal) -> Need:
    """The data bureau reviews each need before it goes on (quzhou:三(一)3)."""
    need = await load_need(uow, need_id, for_update=True)
    if need.status != "filed":
        raise wrong_stage(need_id, need.status, ["filed"], "review")
    need.status = "approved" if command.approve else "rejected"
    need.reviewed_by = principal.subject
    need.reviewed_at = clock.now()
    need.review_note = command.note
    decision = domain.need_review(packs.get(need.jurisdiction), command.approve)
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
            need = await load_need(uow, part["need_id"])
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
    await _link_needs(uow, application, need_ids, principal)
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


# --- consumed events: the unit eligibility view -----------------------------------------------------


@subscriptions.on(UnitSanctioned)
async def on_unit_sanctioned(uow: UnitOfWork, event: CloudEvent, payload: UnitSanctioned) -> None:
    """A catalog sanction bars the unit from every new application (and need) until cleared or `until`."""
    uow.session.add(
        UnitBar(
            unit=payload.unit,
            rule_id=payload.rule_id,
            citation=payload.citation,
            cause=payload.cause,
            since=payload.since,
            until=payload.until,
            bars=[],
            subject=payload.project_id,
            source_event=event.type,
            event_id=event.id,
        )
    )
    await uow.audit(subject=payload.unit, action="unit.barred", actor="catalog", detail=payload.model_dump(mode="json"))
    BARS.labels(payload.rule_id).inc()


@subscriptions.on(UnitCleared)
async def on_unit_cleared(uow: UnitOfWork, event: CloudEvent, payload: UnitCleared) -> None:
    await _clear(uow, payload.unit, payload.cleared_on, rule_id=payload.rule_id)


async def _clear(
    uow: UnitOfWork, unit: str, day: date, *, rule_id: str | None = None, subject: str | None = None
) -> None:
    query = sa.select(UnitBar).where(UnitBar.unit == unit, UnitBar.cleared_on.is_(None))
    if rule_id is not None:
        query = query.where(UnitBar.rule_id == rule_id)
    if subject is not None:
        query = query.where(UnitBar.subject == subject)
    for row in (await uow.session.scalars(query)).all():
        row.cleared_on = day
        await uow.audit(subject=unit, action="unit.cleared", actor="system", detail={"rule_id": row.rule_id})


@subscriptions.on(ProjectAccepted)
async def on_project_accepted(uow: UnitOfWork, event: CloudEvent, payload: ProjectAccepted) -> None:
    outcome = await uow.session.get(ProjectOutcome, payload.project_id)
    if outcome is None:
        outcome = ProjectOutcome(project_id=payload.project_id, unit=payload.unit)
        uow.session.add(outcome)
    outcome.accepted_on = payload.accepted_on
    # Passing acceptance (security items included) lifts a security bar this project caused.
    await _clear(uow, payload.unit, payload.accepted_on, rule_id=domain.SECURITY_BAR, subject=payload.project_id)


@subscriptions.on(ProjectFailed)
async def on_project_failed(uow: UnitOfWork, event: CloudEvent, payload: ProjectFailed) -> None:
    """A failed acceptance; crypto/network-security failures bar the unit (dazhou:第五十七条)."""
    outcome = await uow.session.get(ProjectOutcome, payload.project_id)
    if outcome is None:
        outcome = ProjectOutcome(project_id=payload.project_id, unit=payload.unit)
        uow.session.add(outcome)
    outcome.failed_on = payload.failed_on
    try:
        pack = packs.get(payload.jurisdiction)
    except LookupError:
        pack = packs.default
    failed_items = [item.kind for item in payload.items if not item.passed]
    decision = domain.security_bar(pack, failed_items)
    if decision is None:
        return
    await uow.record_decision(decision, subject=payload.project_id, action="unit.bar", actor="acceptance")
    security_items = "、".join(kind for kind in failed_items if kind in domain.SECURITY_ITEMS)
    uow.session.add(
        UnitBar(
            unit=payload.unit,
            rule_id=decision.rule_id,
            citation=decision.citation,
            cause=f"项目{payload.project_id}验收未通过安全/密码检查：{security_items}",
            since=payload.failed_on,
            until=None,
            bars=list(domain.types_barred(decision.value.get("bars", []))),
            subject=payload.project_id,
            source_event=event.type,
            event_id=event.id,
        )
    )
    BARS.labels(decision.rule_id).inc()


@subscriptions.on(SystemRegistered)
async def on_system_registered(uow: UnitOfWork, event: CloudEvent, payload: SystemRegistered) -> None:
    system = await uow.session.get(CatalogSystem, payload.system_id)
    if system is None:
        uow.session.add(
            CatalogSystem(
                system_id=payload.system_id,
                project_id=payload.project_id,
                unit=payload.unit,
                registered_on=payload.registered_on,
            )
        )
    else:
        system.retired_on = None


@subscriptions.on(SystemRetired)
async def on_system_retired(uow: UnitOfWork, event: CloudEvent, payload: SystemRetired) -> None:
    system = await uow.session.get(CatalogSystem, payload.system_id)
    if system is not None:
        system.retired_on = payload.retired_on


@subscriptions.on(FindingEscalated)
async def on_finding_escalated(uow: UnitOfWork, event: CloudEvent, payload: FindingEscalated) -> None:
    """The unit's standing shows each open finding at its latest step (a stale escalation is ignored)."""
    await supervision.record_escalation(uow, SupervisionStanding, payload, subject=payload.project_id)
    await uow.audit(
        subject=payload.project_id,
        action="supervision.escalated",
        actor="system",
        detail={"finding_id": payload.finding_id, "step": payload.step, "event": event.id},
    )


@subscriptions.on(FindingResolved)
async def on_finding_resolved(uow: UnitOfWork, event: CloudEvent, payload: FindingResolved) -> None:
    await supervision.record_resolution(uow, SupervisionStanding, payload)


async def open_findings(uow: UnitOfWork, unit: str) -> list[SupervisionStanding]:
    rows = await uow.session.scalars(
        sa.select(SupervisionStanding)
        .where(SupervisionStanding.unit == unit, SupervisionStanding.resolved_on.is_(None))
        .order_by(SupervisionStanding.escalated_on)
    )
    return list(rows.all())


@subscriptions.on(EvaluationCompleted)
async def on_evaluation_completed(uow: UnitOfWork, event: CloudEvent, payload: EvaluationCompleted) -> None:
    """A failed evaluation blocks related upgrades until a later one passes (fengxian:第三十二条)."""
    if payload.system_id is None:
        return
    system = await uow.session.get(CatalogSystem, payload.system_id)
    if system is None:
        system = CatalogSystem(
            system_id=payload.system_id,
            project_id=payload.project_id,
            unit=payload.unit,
            registered_on=payload.completed_on,
        )
        uow.session.add(system)
    if payload.passed:
        system.evaluation_failed_on = None
    else:
        system.evaluation_failed_on = payload.completed_on
        system.evaluation_rule_id = payload.rule_id
        system.evaluation_citation = payload.citation
