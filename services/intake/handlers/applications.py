"""Applications (申报): drafts, materials, the unit's ranking, submission and the bureau's decision.

Each command loads the application under its lock, checks the caller's unit there (every caller of a
handler passes the check), moves the stage only through `domain.LIFECYCLE`, then records and emits."""

from __future__ import annotations

from typing import Any

from services.intake import domain, queries
from services.intake.domain import Action
from services.intake.handlers.common import new_project_id, observe_lead_time, refusal, summary
from services.intake.handlers.needs import link_needs
from services.intake.metrics import APPLICATIONS, OUT_OF_SCOPE, REFUSALS
from services.intake.schemas import ApplicationCreate, ApplicationUpdate, MaterialCreate
from services.intake.standing import Standing
from services.intake.tables import Application, Material
from shared import clock
from shared.auth import Principal, ensure_unit_access
from shared.contracts.intake import ApplicationAdmitted, ApplicationRejected, ApplicationSubmitted, ViolationRef
from shared.errors import Violation, conflict, forbidden, rule_violations
from shared.ids import new_id
from shared.policy import Decision, Pack, packs
from shared.uow import UnitOfWork


async def _open(uow: UnitOfWork, project_id: str, principal: Principal, action: Action) -> Application:
    """The application, locked and read fresh, after the unit check and the stage check for `action`."""
    application = await queries.load(uow, project_id, for_update=True)
    ensure_unit_access(principal, application.unit)
    domain.transition(application.status, action, subject=project_id)
    return application


async def create_application(uow: UnitOfWork, command: ApplicationCreate, principal: Principal) -> Application:
    ensure_unit_access(principal, command.unit)
    packs.get(command.jurisdiction)  # an unknown jurisdiction is a 404 problem, before anything is written
    now = clock.now()
    fields = command.model_dump(mode="json")
    application = Application(
        id=new_project_id(), created_by=principal.subject, created_at=now, updated_at=now, **fields
    )
    await link_needs(uow, application, command.need_ids, principal)
    uow.session.add(application)
    await uow.audit(subject=application.id, action="application.created", actor=principal)
    APPLICATIONS.labels(application.jurisdiction, domain.LIFECYCLE.initial).inc()
    return application


async def update_application(
    uow: UnitOfWork, project_id: str, command: ApplicationUpdate, principal: Principal
) -> Application:
    application = await _open(uow, project_id, principal, Action.EDIT)
    changes: dict[str, Any] = command.model_dump(mode="json", exclude_unset=True)
    for name, value in changes.items():
        setattr(application, name, value)
    application.updated_at = clock.now()
    application.lock_version += 1
    await uow.audit(subject=project_id, action="application.updated", actor=principal, detail={"fields": list(changes)})
    return application


async def attach_material(uow: UnitOfWork, project_id: str, command: MaterialCreate, principal: Principal) -> Material:
    application = await _open(uow, project_id, principal, Action.ATTACH_MATERIAL)
    material = Material(
        id=new_id("M", length=12),
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
    ensure_unit_access(principal, unit)
    if len(set(order)) != len(order):
        raise conflict("a project appears twice in the order")
    ranked = []
    for rank, project_id in enumerate(order, start=1):
        application = await queries.load(uow, project_id, for_update=True)
        if application.unit != unit:
            raise forbidden(f"{project_id} is not an application of {unit}")
        domain.transition(application.status, Action.RANK, subject=project_id)
        application.unit_priority = rank
        application.updated_at = clock.now()
        ranked.append(application)
    await uow.audit(subject=unit, action="applications.ranked", actor=principal, detail={"order": order})
    return ranked


async def submit_application(uow: UnitOfWork, project_id: str, principal: Principal) -> Application:
    application = await _open(uow, project_id, principal, Action.SUBMIT)
    pack = packs.get(application.jurisdiction)
    today = clock.today()
    standing = await queries.standing_of(uow, application)
    siblings = await queries.siblings_of(uow, application)
    assessment = domain.assess_submission(pack, application, standing, today, siblings)
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
    application.status = domain.transition(application.status, Action.SUBMIT, subject=project_id)
    application.off_plan = assessment.off_plan
    application.approval_route = assessment.approval_route
    application.priority_flags = assessment.priority_flags
    flags: dict[str, Any] = {"likely_split_of": assessment.split_siblings} if assessment.split_siblings else {}
    for decision in assessment.decisions:
        if decision.rule_id == domain.ONLINE_CODE and decision.outcome == "fail":
            flags["project_code_missing"] = decision.citation  # the bureau sees it; approval needs it
    application.review_flags = flags
    application.submitted_at = application.updated_at = clock.now()
    await uow.audit(
        subject=project_id, action="application.submitted", actor=principal, detail={"off_plan": assessment.off_plan}
    )
    await uow.emit(ApplicationSubmitted(project_id=project_id, project=summary(application)))
    APPLICATIONS.labels(application.jurisdiction, application.status).inc()
    return application


def _check_findings(pack: Pack, findings: list[str]) -> None:
    """A finding must be an item of one of the lists the bureau applies (422 naming it, with the lists)."""
    _, unknown = domain.admission_findings(pack, findings)
    if not unknown:
        return
    rule_ids = [rule_id for rule_id in domain.ADMISSION_LISTS if pack.has(rule_id)]
    citation = "、".join(pack.rule(rule_id).citation for rule_id in rule_ids)
    raise rule_violations(
        [
            Violation(
                rule_id=rule_ids[0] if rule_ids else domain.NOT_ADMITTED,
                citation=pack.rule(rule_ids[0]).citation if rule_ids else pack.id,
                message_zh=f"“{findings[index]}”不是{citation}所列的情形",
                message_en=f"'{findings[index]}' is not an item of {citation}",
                field=f"findings[{index}]",
                pack=pack.id,
                pack_version=pack.version,
            )
            for index in unknown
        ]
    )


async def admit_application(
    uow: UnitOfWork,
    project_id: str,
    principal: Principal,
    findings: list[str] | None = None,
    *,
    non_sharing_approval: str | None = None,
) -> Application:
    application = await queries.load(uow, project_id, for_update=True)
    pack = packs.get(application.jurisdiction)
    next_stage = domain.transition(application.status, Action.ADMIT, subject=project_id, pack=pack)
    _check_findings(pack, findings or [])
    standing = await queries.standing_of(uow, application)
    decisions, bars = domain.assess_admission(pack, application, standing, clock.today(), findings or [])
    sharing = domain.non_shareable_decision(pack, application.project_tags or [], non_sharing_approval)
    if sharing is not None:
        decisions.append(sharing)
    failed = domain.failures(decisions)
    if failed or bars:
        violations = [Violation.from_decision(d) for d in failed] + [bar.violation() for bar in bars]
        for violation in violations:
            REFUSALS.labels(violation.rule_id).inc()
        raise refusal(violations, bars=bars)
    for decision in decisions:
        await uow.record_decision(decision, subject=project_id, action="admit", actor=principal)
    application.status = next_stage
    application.decided_at = application.updated_at = clock.now()
    detail = {"non_sharing_approval": non_sharing_approval} if non_sharing_approval else None
    await uow.audit(subject=project_id, action="application.admitted", actor=principal, detail=detail)
    await uow.emit(
        ApplicationAdmitted(project_id=project_id, project=summary(application), admitted_by=principal.subject)
    )
    APPLICATIONS.labels(application.jurisdiction, application.status).inc()
    observe_lead_time(application)
    return application


async def refuse_application(
    uow: UnitOfWork, project_id: str, reason: str, principal: Principal, findings: list[str] | None = None
) -> Application:
    """不予入库: the bureau's reason, and its findings decided against dazhou:第九条 when given."""
    application = await queries.load(uow, project_id, for_update=True)
    pack = packs.get(application.jurisdiction)
    next_stage = domain.transition(application.status, Action.REFUSE, subject=project_id, pack=pack)
    decisions: list[Decision] = []
    _check_findings(pack, findings or [])
    if findings:
        decisions, _ = domain.assess_admission(pack, application, Standing(), clock.today(), findings)
        for decision in decisions:
            await uow.record_decision(decision, subject=project_id, action="refuse", actor=principal)
    application.status = next_stage
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
    APPLICATIONS.labels(application.jurisdiction, application.status).inc()
    observe_lead_time(application)
    return application
