"""The common path of every acceptance step: choose the project's path, begin a step (locked, the
caller's unit checked, the path's next step), write a step that met its rules, finish or fail.

Every step goes the same way: is it the path's next step → which rules does it meet (dates, items,
panel, documents) → refuse with every violated rule, or record the decisions, the step and its
events in the one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from services.acceptance import domain
from services.acceptance.domain import STEPS, TRIAL_RUN, TRIAL_RUN_ENDED, Stage
from services.acceptance.metrics import (
    ACCEPTANCES,
    APPLICATION_TO_ACCEPTANCE_SECONDS,
    DAY,
    DEADLINE_CHECKS,
    FAILED_ITEMS,
    TRIAL_RUN_SECONDS,
)
from services.acceptance.queries import load
from services.acceptance.schemas import AcceptanceItemIn
from services.acceptance.tables import AcceptanceProject, StepRecord
from shared import clock
from shared.auth import Principal, Role, ensure_unit_access
from shared.contracts.acceptance import AcceptanceItem, ProjectAccepted, StepCompleted
from shared.errors import Problem, Violation, rule_violations
from shared.policy import Decision, Pack, packs
from shared.uow import UnitOfWork, actor_of

PRE_ACCEPTANCE_APPROVAL = "pre_acceptance_approval_letter"  # 验收前置核准复函
ACCEPTANCE_REPORT = "acceptance_report"  # 验收报告
HIGHER_LEVEL_FILING = "higher_level_acceptance_filing"  # 国家、省级终验材料备案
#: (decision action, audit action) of the thin path's steps, which the timeline and front end already read.
ACTIONS = {
    TRIAL_RUN: ("trial_run", "trial.started"),
    "pre_acceptance_approval": ("pre_acceptance", "pre_acceptance.approved"),
}


def actions_of(step: str) -> tuple[str, str]:
    return ACTIONS.get(step, (step, f"{step}.done"))


def steps_of(project: AcceptanceProject) -> list[str]:
    return list(project.steps or [])


def next_step_of(project: AcceptanceProject) -> str | None:
    if project.stage in (Stage.ACCEPTED, Stage.FAILED):
        return None
    return domain.next_step(steps_of(project), project.done_steps or [])


def dates_of(project: AcceptanceProject) -> dict[str, date]:
    return {name: date.fromisoformat(value) for name, value in (project.dates or {}).items()}


async def choose_path(uow: UnitOfWork, project: AcceptanceProject) -> None:
    """The pack's path for this project, decided once and kept with the pack version."""
    path, decision = domain.choose_path(packs.get(project.jurisdiction), secret=project.secret)
    project.path = path.name
    project.steps = list(path.steps)
    project.done_steps = []
    project.path_citation = decision.citation
    project.pack_version = decision.pack_version
    await uow.record_decision(decision, subject=project.project_id, action="acceptance.path", actor="system")


def check_unit(principal: Principal, project: AcceptanceProject) -> None:
    """Unit staff act only on their own unit's projects (the bureau on every unit's)."""
    if principal.has(Role.UNIT) and not principal.has(Role.DATA_BUREAU):
        ensure_unit_access(principal, project.unit)


async def load_for(uow: UnitOfWork, project_id: str, principal: Principal) -> AcceptanceProject:
    """The project, locked, once the caller may act on it: every command comes through here."""
    project = await load(uow, project_id, for_update=True)
    check_unit(principal, project)
    return project


def not_on_path(project: AcceptanceProject, action: str) -> Problem:
    return Problem(
        409,
        "not-on-path",
        "该步骤不在本地区的验收路径上 / This step is not on the jurisdiction's acceptance path",
        f"{project.jurisdiction}'s path {project.path} is {' → '.join(steps_of(project))}; '{action}' is not on it",
        stage=project.stage,
        path=project.path,
        steps=steps_of(project),
        citation=project.path_citation,
    )


async def upgrade_legacy(uow: UnitOfWork, project: AcceptanceProject) -> None:
    """A project opened before paths existed (the dazhou thin path): give it its path and progress."""
    if project.steps is not None:
        return
    await choose_path(uow, project)
    reached = {Stage.TRIAL_RUN: 1, Stage.PRE_ACCEPTED: 2}.get(Stage(project.stage), 0)
    project.done_steps = steps_of(project)[:reached]
    if project.trial_started_on is not None:
        project.dates = {domain.TRIAL_RUN_STARTED: project.trial_started_on.isoformat()}


async def begin(
    uow: UnitOfWork, project_id: str, step: str, principal: Principal, action: str | None = None
) -> tuple[AcceptanceProject, Pack]:
    """The project, locked, if `step` is its path's next step (409 otherwise) and the caller may act on it."""
    project = await load_for(uow, project_id, principal)
    await upgrade_legacy(uow, project)
    steps = steps_of(project)
    phrase = action or STEPS[step].action.value
    if step not in steps:
        raise not_on_path(project, phrase)
    if next_step_of(project) != step:
        raise domain.out_of_order(
            project_id, project.stage, [domain.stage_before(steps, step)], phrase, project.path_citation
        )
    pack = packs.get(project.jurisdiction)
    domain.transition(project.stage, STEPS[step].action, subject=project_id, pack=pack)
    return project, pack


def dates_fixed(project: AcceptanceProject, step: str, on: date) -> dict[str, date]:
    """The dates this step fixes; the step right after the trial run also ends it."""
    fixed = {STEPS[step].date_fact: on}
    if TRIAL_RUN in (project.done_steps or []) and TRIAL_RUN_ENDED not in (project.dates or {}):
        fixed[TRIAL_RUN_ENDED] = on
    return fixed


def refuse_if(decisions: Iterable[Decision]) -> None:
    refused = domain.refusals(decisions)
    if refused:
        raise rule_violations([Violation.from_decision(d) for d in refused])


async def record(uow: UnitOfWork, decisions: Iterable[Decision], project_id: str, action: str, actor: Any) -> None:
    for decision in decisions:
        await uow.record_decision(decision, subject=project_id, action=action, actor=actor)


async def complete_step(
    uow: UnitOfWork,
    project: AcceptanceProject,
    pack: Pack,
    step: str,
    principal: Principal | str,
    fixed: dict[str, date],
    decisions: list[Decision],
    *,
    outcome: str = "done",
    detail: dict | None = None,
) -> None:
    """Write a step that met its rules: decisions, dates, deadlines, document, stage, audit."""
    today = clock.today()
    decision_action, audit_action = actions_of(step)
    await record(uow, decisions, project.project_id, decision_action, principal)
    project.dates = {**(project.dates or {}), **{name: day.isoformat() for name, day in fixed.items()}}
    if TRIAL_RUN_ENDED in fixed and project.trial_started_on is not None:
        TRIAL_RUN_SECONDS.labels(project.path).observe(
            DAY * domain.days_between(project.trial_started_on, fixed[TRIAL_RUN_ENDED])
        )
    for decision in decisions:
        if decision.kind == "deadline" and pack.rule(decision.rule_id).params.within is not None:
            # a `within` deadline whose event this step is: met or missed, and closed either way
            missed = decision.outcome == "fail"
            DEADLINE_CHECKS.labels(project.path, decision.rule_id, "missed" if missed else "met").inc()
            await uow.close_deadline(
                subject=project.project_id, rule_id=decision.rule_id, status="late" if missed else "met"
            )
    for decision, due in domain.deadlines_opened(pack, fixed):
        await uow.record_decision(decision, subject=project.project_id, action=f"{step}.deadline", actor=principal)
        await uow.open_deadline(
            subject=project.project_id, decision=decision, due_on=due, description=pack.rule(decision.rule_id).title_zh
        )
    project.done_steps = [*(project.done_steps or []), step]
    document = STEPS[step].document
    if document and document not in project.documents:
        project.documents = [*project.documents, document]
    project.stage = domain.move_after(project.stage, steps_of(project), step, subject=project.project_id)
    project.updated_at = clock.now()
    uow.session.add(
        StepRecord(
            project_id=project.project_id,
            step=step,
            outcome=outcome,
            actor=actor_of(principal),
            taken_on=today,
            detail=detail or {},
            created_at=clock.now(),
        )
    )
    await uow.audit(subject=project.project_id, action=audit_action, actor=principal, detail=detail)
    if project.stage == Stage.ACCEPTED:
        await finish(uow, project, pack, principal)
        return
    # The next step's to-do (portfolio) comes from this event; the last step publishes the acceptance.
    await uow.emit(
        StepCompleted(
            project_id=project.project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            path=project.path or "",
            step=step,
            next_step=next_step_of(project),
            completed_on=today,
            secret=project.secret,
        )
    )


async def finish(uow: UnitOfWork, project: AcceptanceProject, pack: Pack, principal: Principal | str) -> None:
    """Every step of the path done: accepted, in use, payable (dazhou:第四十九条; jiyuan:项目验收)."""
    today = clock.today()
    project.accepted_on = today
    items = [] if project.secret else items_out(project)
    await uow.audit(subject=project.project_id, action="acceptance.passed", actor=principal)
    await uow.emit(
        ProjectAccepted(
            project_id=project.project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            path=project.path or "",
            accepted_on=today,
            documents=list(project.documents),
            items=items,
            system_name=None if project.secret else project.system_name,
            secret=project.secret,
            steps=steps_of(project),
            rule_id=domain.PATH_RULE,
            citation=project.path_citation,
            pack_version=project.pack_version,
        )
    )
    ACCEPTANCES.labels(project.path, "accepted").inc()
    dates = dates_of(project)
    applied = next(
        (dates[name] for name in ("application_received_on", "final_application_on", TRIAL_RUN_ENDED) if name in dates),
        None,
    )
    if applied is not None:
        APPLICATION_TO_ACCEPTANCE_SECONDS.labels(project.path).observe(domain.days_between(applied, today) * DAY)


def items_out(project: AcceptanceProject) -> list[AcceptanceItem]:
    return [
        AcceptanceItem(kind=kind, passed=value["passed"], note=value.get("note", ""))
        for kind, value in (project.items or {}).items()
    ]


def merge_items(project: AcceptanceProject, items: list[AcceptanceItemIn], step: str) -> dict[str, Any]:
    merged = dict(project.items or {})
    for item in items:
        merged[item.kind] = {"passed": item.passed, "note": item.note, "step": step}
    return merged


def count_failed_items(pack: Pack, kinds: Iterable[str]) -> None:
    known = domain.known_item_kinds(pack)
    for kind in kinds:
        FAILED_ITEMS.labels(kind if kind in known else "other").inc()
