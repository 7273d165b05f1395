"""The decisive steps (履约验收, 终验, 竣工验收) and a filed higher-level final acceptance (quzhou:三(三)5):
failed items fail the acceptance, a pass needs every required item; a failure is final or goes back
to the step the pack names to rectify and re-apply (fengxian:第二十六条)."""

from __future__ import annotations

from typing import Any

from services.acceptance import domain
from services.acceptance.domain import Action
from services.acceptance.handlers.common import (
    HIGHER_LEVEL_FILING,
    begin,
    complete_step,
    count_failed_items,
    dates_fixed,
    dates_of,
    items_out,
    load_for,
    merge_items,
    next_step_of,
    not_on_path,
    record,
    refuse_if,
    steps_of,
)
from services.acceptance.metrics import ACCEPTANCES
from services.acceptance.schemas import AcceptanceResult, HigherLevelFiling
from services.acceptance.tables import AcceptanceProject, StepRecord
from shared import clock
from shared.auth import Principal
from shared.contracts.acceptance import ProjectFailed
from shared.errors import Violation, rule_violations
from shared.policy import Decision, Pack, packs
from shared.uow import UnitOfWork, actor_of


async def record_result(
    uow: UnitOfWork, project_id: str, step: str, command: AcceptanceResult, principal: Principal, action: str
) -> AcceptanceProject:
    """An accepting step (履约验收, 终验, 竣工验收): failed items fail it; a pass needs every required item."""
    project, pack = await begin(uow, project_id, step, principal, action)
    return await decide_result(uow, project, pack, step, [step], command, principal)


async def file_higher_level(
    uow: UnitOfWork, project_id: str, command: HigherLevelFiling, principal: Principal
) -> AcceptanceProject:
    """A national or provincial organiser's final acceptance counts once filed (quzhou:三(三)5)."""
    project = await load_for(uow, project_id, principal)
    pack = packs.get(project.jurisdiction)
    replaced = domain.filing_replaces(pack)
    if replaced is None:
        raise not_on_path(project, Action.FILE_HIGHER_LEVEL.value)
    steps, decision = replaced
    upcoming = next_step_of(project)
    if upcoming not in steps:
        expected = [domain.stage_before(steps_of(project), s) for s in steps if s in steps_of(project)]
        raise domain.out_of_order(
            project_id, project.stage, expected, Action.FILE_HIGHER_LEVEL.value, project.path_citation
        )
    domain.transition(project.stage, Action.FILE_HIGHER_LEVEL, subject=project_id, pack=pack)
    await uow.record_decision(decision, subject=project_id, action="higher_level_filing", actor=principal)
    covered = [s for s in steps_of(project) if s in steps and s not in (project.done_steps or [])]
    return await decide_result(uow, project, pack, covered[-1], covered, command, principal, filing=command)


async def decide_result(
    uow: UnitOfWork,
    project: AcceptanceProject,
    pack: Pack,
    step: str,
    covers: list[str],
    command: AcceptanceResult,
    principal: Principal,
    *,
    filing: HigherLevelFiling | None = None,
) -> AcceptanceProject:
    today = clock.today()
    fixed = dates_fixed(project, step, today)
    # A filed higher-level acceptance follows the organiser's own rules: no local timing applies.
    timing = [] if filing else domain.timing_decisions(pack, dates_of(project), fixed)
    items = merge_items(project, command.items, step)
    failed_kinds = [item.kind for item in command.items if not item.passed]
    if not command.passed:
        refuse_if(timing)
        count_failed_items(pack, failed_kinds)
        return await fail(uow, project, pack, step, items, command, principal, timing)
    item_checks = domain.item_decisions(
        pack,
        {kind: value["passed"] for kind, value in items.items()},
        new_data_center=command.new_data_center,
        includes_hardware=command.includes_hardware,
    )
    refused = domain.refusals(timing + item_checks)
    if refused:
        count_failed_items(
            pack, [kind for d in refused if d.kind == "requirement" for kind in d.value.get("missing", [])]
        )
        raise rule_violations([Violation.from_decision(d) for d in refused])
    count_failed_items(pack, failed_kinds)  # items no rule requires may fail on a passed acceptance
    project.items = items
    project.system_name = command.system_name
    detail: dict[str, Any] = {"passed": True, "report_no": getattr(command, "report_no", None)}
    if filing is not None:
        detail |= {"organiser": filing.organiser, "level": filing.level}
        if HIGHER_LEVEL_FILING not in project.documents:
            project.documents = [*project.documents, HIGHER_LEVEL_FILING]
    for earlier in covers[:-1]:
        project.done_steps = [*(project.done_steps or []), earlier]
    await complete_step(
        uow, project, pack, step, principal, fixed, timing + item_checks, outcome="passed", detail=detail
    )
    return project


async def fail(
    uow: UnitOfWork,
    project: AcceptanceProject,
    pack: Pack,
    step: str,
    items: dict[str, Any],
    command: AcceptanceResult,
    principal: Principal,
    decisions: list[Decision],
) -> AcceptanceProject:
    """A failed acceptance: final, or back to the step the pack names to rectify and re-apply (fengxian:第二十六条)."""
    today = clock.today()
    project_id = project.project_id
    await record(uow, decisions, project_id, step, principal)
    back_to, reapply = domain.reapply_step(pack)
    if reapply is not None:
        await uow.record_decision(reapply, subject=project_id, action=f"{step}.failed", actor=principal)
    steps = steps_of(project)
    may_reapply = back_to in steps
    project.items = items
    project.failed_on = today
    project.updated_at = clock.now()
    if may_reapply:
        assert back_to is not None  # it is one of the steps
        project.done_steps = steps[: steps.index(back_to)]
        project.stage = domain.transition(project.stage, Action.RECTIFY, subject=project_id, pack=pack)
    else:
        project.stage = domain.transition(project.stage, Action.FAIL, subject=project_id, pack=pack)
    uow.session.add(
        StepRecord(
            project_id=project_id,
            step=step,
            outcome="failed",
            actor=actor_of(principal),
            taken_on=today,
            detail={"note": command.note},
            created_at=clock.now(),
        )
    )
    await uow.audit(subject=project_id, action="acceptance.failed", actor=principal, detail={"step": step})
    await uow.emit(
        ProjectFailed(
            project_id=project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            path=project.path or "",
            failed_on=today,
            items=[] if project.secret else items_out(project),
            reason="" if project.secret else command.note,
            secret=project.secret,
            may_reapply=may_reapply,
            next_step=back_to if may_reapply else None,
            citation=reapply.citation if reapply is not None else project.path_citation,
        )
    )
    ACCEPTANCES.labels(project.path, "failed").inc()
    return project
