"""Intake's commands: one function per command, each in one unit of work."""

from __future__ import annotations

import uuid
from typing import Any

from services.intake import domain
from services.intake.metrics import APPLICATIONS, REFUSALS
from services.intake.schemas import ApplicationCreate, ApplicationUpdate
from services.intake.tables import Application
from shared import clock
from shared.auth import Principal
from shared.bus import Subscriptions
from shared.contracts.intake import ApplicationAdmitted, ApplicationRejected, ApplicationSubmitted, ProjectSummary
from shared.errors import Violation, not_found, rule_violations, wrong_stage
from shared.policy import packs
from shared.uow import UnitOfWork

subscriptions = Subscriptions()


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
    )


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> Application:
    application = await uow.session.get(Application, project_id, with_for_update=for_update)
    if application is None:
        raise not_found("application", project_id)
    return application


async def create_application(uow: UnitOfWork, command: ApplicationCreate, principal: Principal) -> Application:
    packs.get(command.jurisdiction)  # an unknown jurisdiction is a 404 problem, before anything is written
    now = clock.now()
    application = Application(
        id=new_project_id(),
        created_by=principal.subject,
        created_at=now,
        updated_at=now,
        **command.model_dump(mode="json"),
    )
    uow.session.add(application)
    await uow.audit(subject=application.id, action="application.created", actor=principal)
    APPLICATIONS.labels(application.jurisdiction, "draft").inc()
    return application


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


async def submit_application(uow: UnitOfWork, project_id: str, principal: Principal) -> Application:
    application = await load(uow, project_id, for_update=True)
    if application.status not in domain.EDITABLE:
        raise wrong_stage(project_id, application.status, list(domain.EDITABLE), "submit")
    pack = packs.get(application.jurisdiction)
    decisions = domain.submission_decisions(pack, application)
    failed = domain.failures(decisions)
    if failed:
        for decision in failed:
            REFUSALS.labels(decision.rule_id).inc()
        # Nothing is written on a refusal: the 422 lists every violated rule.
        raise rule_violations([Violation.from_decision(d) for d in failed])
    for decision in decisions:
        await uow.record_decision(decision, subject=project_id, action="submit", actor=principal)
    application.status = "submitted"
    application.submitted_at = application.updated_at = clock.now()
    await uow.audit(subject=project_id, action="application.submitted", actor=principal)
    await uow.emit(ApplicationSubmitted(project_id=project_id, project=summary(application)))
    APPLICATIONS.labels(application.jurisdiction, "submitted").inc()
    return application


async def admit_application(uow: UnitOfWork, project_id: str, principal: Principal) -> Application:
    application = await load(uow, project_id, for_update=True)
    if application.status not in domain.DECIDABLE:
        raise wrong_stage(project_id, application.status, list(domain.DECIDABLE), "admit")
    application.status = "admitted"
    application.decided_at = application.updated_at = clock.now()
    await uow.audit(subject=project_id, action="application.admitted", actor=principal)
    await uow.emit(
        ApplicationAdmitted(project_id=project_id, project=summary(application), admitted_by=principal.subject)
    )
    APPLICATIONS.labels(application.jurisdiction, "admitted").inc()
    return application


async def refuse_application(uow: UnitOfWork, project_id: str, reason: str, principal: Principal) -> Application:
    application = await load(uow, project_id, for_update=True)
    if application.status not in domain.DECIDABLE:
        raise wrong_stage(project_id, application.status, list(domain.DECIDABLE), "refuse")
    application.status = "refused"
    application.decided_at = application.updated_at = clock.now()
    await uow.audit(subject=project_id, action="application.refused", actor=principal, detail={"reason": reason})
    await uow.emit(
        ApplicationRejected(
            project_id=project_id,
            unit=application.unit,
            jurisdiction=application.jurisdiction,
            violations=[],
        )
    )
    APPLICATIONS.labels(application.jurisdiction, "refused").inc()
    return application
