"""Acceptance's commands and consumed events, each inside one unit of work.

Every step goes the same way: is it the path's next step → which rules does it meet (dates, items,
panel, documents) → refuse with every violated rule, or record the decisions, the step and its
events in the one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa

from services.acceptance import domain
from services.acceptance.domain import ACCEPTED, FAILED, RECTIFYING, STEPS, TRIAL_RUN, TRIAL_RUN_ENDED
from services.acceptance.experts import Draw, DrawRequest, ExpertPool, expert_member
from services.acceptance.metrics import (
    ACCEPTANCES,
    APPLICATION_TO_ACCEPTANCE_SECONDS,
    ASSETS_REGISTERED,
    DAY,
    DEADLINE_CHECKS,
    FAILED_ITEMS,
    TRIAL_RUN_SECONDS,
)
from services.acceptance.schemas import (
    AcceptanceApplication,
    AcceptanceItemIn,
    AcceptanceResult,
    AssetRegistrationIn,
    HigherLevelFiling,
    OrganiseAcceptance,
    PreliminaryAcceptance,
    SecrecyApproval,
)
from services.acceptance.tables import AcceptanceProject, AssetRegistration, ProjectSecrecy, StepRecord
from shared import clock
from shared.auth import Principal
from shared.bus import Subscriptions
from shared.contracts.acceptance import (
    AcceptanceItem,
    AssetRegistered,
    ProjectAccepted,
    ProjectFailed,
    StepCompleted,
    TrialStarted,
)
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import ApplicationAdmitted
from shared.contracts.procurement import ContractSigned
from shared.errors import Problem, Violation, conflict, not_found, rule_violations, wrong_stage
from shared.locking import locked
from shared.policy import Decision, Pack, packs
from shared.uow import UnitOfWork, actor_of

subscriptions = Subscriptions()

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


# --- consumed events ----------------------------------------------------------------------------------


@subscriptions.on(ApplicationAdmitted)
async def on_application_admitted(uow: UnitOfWork, event: CloudEvent, payload: ApplicationAdmitted) -> None:
    """Remember whether the project is secret (涉密): its path and events depend on it."""
    row = await uow.session.get(ProjectSecrecy, payload.project_id)
    if row is None:
        uow.session.add(ProjectSecrecy(project_id=payload.project_id, secret=payload.project.secret))
    else:
        row.secret = payload.project.secret
    project = await locked(uow.session, AcceptanceProject, payload.project_id)
    if project is not None and project.secret != payload.project.secret and not project.done_steps:
        project.secret = payload.project.secret
        await _choose_path(uow, project)


@subscriptions.on(ContractSigned)
async def on_contract_signed(uow: UnitOfWork, event: CloudEvent, payload: ContractSigned) -> None:
    if await uow.session.get(AcceptanceProject, payload.project_id) is not None:
        return
    secrecy = await uow.session.get(ProjectSecrecy, payload.project_id)
    now = clock.now()
    project = AcceptanceProject(
        project_id=payload.project_id,
        unit=payload.unit,
        jurisdiction=payload.jurisdiction,
        contract_signed_on=payload.signed_on,
        supplier=payload.supplier,
        secret=bool(secrecy and secrecy.secret),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(project)
    await _choose_path(uow, project)


async def _choose_path(uow: UnitOfWork, project: AcceptanceProject) -> None:
    """The pack's path for this project, decided once and kept with the pack version."""
    path, decision = domain.choose_path(packs.get(project.jurisdiction), secret=project.secret)
    project.path = path.name
    project.steps = list(path.steps)
    project.done_steps = []
    project.path_citation = decision.citation
    project.pack_version = decision.pack_version
    await uow.record_decision(decision, subject=project.project_id, action="acceptance.path", actor="system")


# --- reading ------------------------------------------------------------------------------------------


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> AcceptanceProject:
    if for_update:
        project = await locked(uow.session, AcceptanceProject, project_id)
    else:
        project = await uow.session.get(AcceptanceProject, project_id)
    if project is None:
        raise not_found("acceptance project (project with a signed contract)", project_id)
    return project


async def deadlines_of(uow: UnitOfWork, project_id: str) -> list[dict[str, Any]]:
    table = uow.schema.deadlines
    rows = await uow.session.execute(
        sa.select(table.c.rule_id, table.c.citation, table.c.due_on, table.c.status, table.c.description)
        .where(table.c.subject == project_id)
        .order_by(table.c.id)
    )
    return [{**row._mapping, "due_on": row.due_on.isoformat()} for row in rows]


def steps_of(project: AcceptanceProject) -> list[str]:
    return list(project.steps or [])


def next_step_of(project: AcceptanceProject) -> str | None:
    if project.stage in (ACCEPTED, FAILED):
        return None
    return domain.next_step(steps_of(project), project.done_steps or [])


def _dates(project: AcceptanceProject) -> dict[str, date]:
    return {name: date.fromisoformat(value) for name, value in (project.dates or {}).items()}


# --- the common path of a step --------------------------------------------------------------------------


def _not_on_path(project: AcceptanceProject, action: str) -> Problem:
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


async def _upgrade_legacy(uow: UnitOfWork, project: AcceptanceProject) -> None:
    """A project opened before paths existed (the dazhou thin path): give it its path and progress."""
    if project.steps is not None:
        return
    await _choose_path(uow, project)
    reached = {"trial_run": 1, "pre_accepted": 2}.get(project.stage, 0)
    project.done_steps = steps_of(project)[:reached]
    if project.trial_started_on is not None:
        project.dates = {domain.TRIAL_RUN_STARTED: project.trial_started_on.isoformat()}


async def _begin(uow: UnitOfWork, project_id: str, step: str, action: str) -> tuple[AcceptanceProject, Pack]:
    """The project, locked, if `step` is its path's next step (409 otherwise)."""
    project = await load(uow, project_id, for_update=True)
    await _upgrade_legacy(uow, project)
    steps = steps_of(project)
    if step not in steps:
        raise _not_on_path(project, action)
    if next_step_of(project) != step:
        raise wrong_stage(project_id, project.stage, domain.stage_before(steps, step), action)
    return project, packs.get(project.jurisdiction)


def _dates_fixed(project: AcceptanceProject, step: str, on: date) -> dict[str, date]:
    """The dates this step fixes; the step right after the trial run also ends it."""
    fixed = {STEPS[step].date_fact: on}
    if TRIAL_RUN in (project.done_steps or []) and TRIAL_RUN_ENDED not in (project.dates or {}):
        fixed[TRIAL_RUN_ENDED] = on
    return fixed


def _refuse_if(decisions: Iterable[Decision]) -> None:
    refused = domain.refusals(decisions)
    if refused:
        raise rule_violations([Violation.from_decision(d) for d in refused])


async def _record(uow: UnitOfWork, decisions: Iterable[Decision], project_id: str, action: str, actor) -> None:
    for decision in decisions:
        await uow.record_decision(decision, subject=project_id, action=action, actor=actor)


async def _complete_step(
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
    await _record(uow, decisions, project.project_id, decision_action, principal)
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
    project.stage = domain.stage_after(steps_of(project), step)
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
    if project.stage == ACCEPTED:
        await _finish(uow, project, pack, principal)
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


async def _finish(uow: UnitOfWork, project: AcceptanceProject, pack: Pack, principal: Principal | str) -> None:
    """Every step of the path done: accepted, in use, payable (dazhou:第四十九条; jiyuan:项目验收)."""
    today = clock.today()
    project.accepted_on = today
    items = [] if project.secret else _items_out(project)
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
    dates = _dates(project)
    applied = next(
        (dates[name] for name in ("application_received_on", "final_application_on", TRIAL_RUN_ENDED) if name in dates),
        None,
    )
    if applied is not None:
        APPLICATION_TO_ACCEPTANCE_SECONDS.labels(project.path).observe(domain.days_between(applied, today) * DAY)


def _items_out(project: AcceptanceProject) -> list[AcceptanceItem]:
    return [
        AcceptanceItem(kind=kind, passed=value["passed"], note=value.get("note", ""))
        for kind, value in (project.items or {}).items()
    ]


def _merge_items(project: AcceptanceProject, items: list[AcceptanceItemIn], step: str) -> dict[str, Any]:
    merged = dict(project.items or {})
    for item in items:
        merged[item.kind] = {"passed": item.passed, "note": item.note, "step": step}
    return merged


def _count_failed_items(pack: Pack, kinds: Iterable[str]) -> None:
    known = domain.known_item_kinds(pack)
    for kind in kinds:
        FAILED_ITEMS.labels(kind if kind in known else "other").inc()


# --- steps --------------------------------------------------------------------------------------------


async def start_trial_run(
    uow: UnitOfWork, project_id: str, started_on: date, principal: Principal
) -> AcceptanceProject:
    project, pack = await _begin(uow, project_id, TRIAL_RUN, "start trial run")
    if started_on < project.contract_signed_on or started_on > clock.today():
        raise Problem(
            422,
            "validation",
            "试运行开始日期无效 / Invalid trial-run start date",
            f"started_on must be between the contract date {project.contract_signed_on} and today",
            field="started_on",
        )
    project.trial_started_on = started_on
    await _complete_step(uow, project, pack, TRIAL_RUN, principal, {domain.TRIAL_RUN_STARTED: started_on}, [])
    await uow.emit(TrialStarted(project_id=project_id, started_on=started_on))
    return project


async def approve_pre_acceptance(uow: UnitOfWork, project_id: str, principal: Principal) -> AcceptanceProject:
    """The bureau's pre-acceptance approval (验收前置核准), only after the trial run (dazhou:第四十七条)."""
    step = "pre_acceptance_approval"
    project, pack = await _begin(uow, project_id, step, "pre-acceptance approval")
    today = clock.today()
    fixed = _dates_fixed(project, step, today)
    decisions = domain.timing_decisions(pack, _dates(project), fixed)
    _refuse_if(decisions)
    project.pre_accepted_on = today
    await _complete_step(uow, project, pack, step, principal, fixed, decisions)
    return project


async def record_preliminary(
    uow: UnitOfWork, project_id: str, command: PreliminaryAcceptance, principal: Principal
) -> AcceptanceProject:
    """初验 of one module (or the whole); the step is done when every module has passed (quzhou:三(三)5)."""
    step = "preliminary_acceptance"
    project, pack = await _begin(uow, project_id, step, "preliminary acceptance")
    modules = list(project.modules or command.modules or [command.module])
    if project.modules and command.modules and list(command.modules) != list(project.modules):
        raise conflict(f"the modules were fixed at the first 初验: {project.modules}", field="modules")
    if command.module not in modules:
        raise Problem(
            422, "validation", "模块不在初验范围内 / Unknown module", f"module must be one of {modules}", field="module"
        )
    today = clock.today()
    results = dict(project.module_results or {})
    results[command.module] = {"passed": command.passed, "on": today.isoformat(), "note": command.note}
    project.modules = modules
    project.module_results = results
    project.items = _merge_items(project, command.items, step)
    _count_failed_items(pack, [i.kind for i in command.items if not i.passed])
    detail = {"module": command.module, "passed": command.passed}
    if not all(results.get(module, {}).get("passed") for module in modules):
        project.updated_at = clock.now()
        uow.session.add(
            StepRecord(
                project_id=project_id,
                step=step,
                module=command.module,
                outcome="passed" if command.passed else "failed",
                actor=actor_of(principal),
                taken_on=today,
                detail=detail,
                created_at=clock.now(),
            )
        )
        await uow.audit(subject=project_id, action=f"{step}.module", actor=principal, detail=detail)
        return project
    fixed = _dates_fixed(project, step, today)
    decisions = domain.timing_decisions(pack, _dates(project), fixed)
    _refuse_if(decisions)
    await _complete_step(uow, project, pack, step, principal, fixed, decisions, detail=detail)
    return project


async def apply_for_final(uow: UnitOfWork, project_id: str, principal: Principal) -> AcceptanceProject:
    """终验 application, no earlier than 3 months after every module passed 初验 (quzhou:三(三)5)."""
    step = "final_acceptance_application"
    project, pack = await _begin(uow, project_id, step, "final acceptance application")
    fixed = _dates_fixed(project, step, clock.today())
    decisions = domain.timing_decisions(pack, _dates(project), fixed)
    _refuse_if(decisions)
    await _complete_step(uow, project, pack, step, principal, fixed, decisions)
    return project


async def apply_for_acceptance(
    uow: UnitOfWork, project_id: str, command: AcceptanceApplication, principal: Principal
) -> AcceptanceProject:
    """The unit's application with the form after the trial run; the bureau's 30 days start (fengxian:第二十四条)."""
    step = "acceptance_application"
    project, pack = await _begin(uow, project_id, step, "acceptance application")
    fixed = _dates_fixed(project, step, clock.today())
    decisions = domain.timing_decisions(pack, _dates(project), fixed) + domain.decide_reading(
        pack, domain.APPLICATION_DOCUMENTS_FACT, {domain.APPLICATION_DOCUMENTS_FACT: list(command.documents)}
    )
    _refuse_if(decisions)
    project.attempts = (project.attempts or 0) + 1
    await _complete_step(
        uow,
        project,
        pack,
        step,
        principal,
        fixed,
        decisions,
        detail={"documents": command.documents, "attempt": project.attempts},
    )
    return project


async def check_organisation(uow: UnitOfWork, project_id: str, command: OrganiseAcceptance) -> AcceptanceProject:
    """Before drawing experts: the step is next and the panel would meet the pack (nothing written)."""
    step = "acceptance_organised"
    project, pack = await _begin(uow, project_id, step, "organise acceptance")
    roles = [member.role for member in command.panel] + (["expert"] if command.experts else [])
    _refuse_if(domain.panel_decisions(pack, roles))
    return project


def draw_request(project: AcceptanceProject, command: OrganiseAcceptance, key: str) -> DrawRequest | None:
    if command.experts is None:
        return None
    return DrawRequest(
        project_id=project.project_id,
        unit=project.unit,
        vendors=[project.supplier] if project.supplier else [],
        fields=list(command.experts.fields),
        count=command.experts.count,
        idempotency_key=key,
    )


async def draw_experts(pool: ExpertPool, request: DrawRequest | None) -> Draw | None:
    return None if request is None else await pool.draw(request)


async def organise_acceptance(
    uow: UnitOfWork, project_id: str, command: OrganiseAcceptance, draw: Draw | None, principal: Principal
) -> AcceptanceProject:
    """The bureau confirms and organises acceptance with its panel (fengxian:第二十四条,第二十五条)."""
    step = "acceptance_organised"
    project, pack = await _begin(uow, project_id, step, "organise acceptance")
    panel = [member.model_dump() for member in command.panel]
    if draw is not None:
        panel += [expert_member(expert) for expert in draw.experts]
    fixed = _dates_fixed(project, step, clock.today())
    decisions = domain.timing_decisions(pack, _dates(project), fixed) + domain.panel_decisions(
        pack, [member["role"] for member in panel]
    )
    _refuse_if(decisions)
    project.panel = panel
    project.expert_draw_id = draw.draw_id if draw else None
    detail = {
        "panel_roles": sorted({m["role"] for m in panel}),
        "draw_id": draw.draw_id if draw else None,
        "seed": draw.seed if draw else None,
        "scheduled_on": command.scheduled_on.isoformat() if command.scheduled_on else None,
    }
    await _complete_step(uow, project, pack, step, principal, fixed, decisions, detail=detail)
    return project


async def record_result(
    uow: UnitOfWork, project_id: str, step: str, command: AcceptanceResult, principal: Principal, action: str
) -> AcceptanceProject:
    """An accepting step (履约验收, 终验, 竣工验收): failed items fail it; a pass needs every required item."""
    project, pack = await _begin(uow, project_id, step, action)
    return await _decide_result(uow, project, pack, step, [step], command, principal)


async def file_higher_level(
    uow: UnitOfWork, project_id: str, command: HigherLevelFiling, principal: Principal
) -> AcceptanceProject:
    """A national or provincial organiser's final acceptance counts once filed (quzhou:三(三)5)."""
    project = await load(uow, project_id, for_update=True)
    pack = packs.get(project.jurisdiction)
    replaced = domain.filing_replaces(pack)
    if replaced is None:
        raise _not_on_path(project, "higher-level final acceptance filing")
    steps, decision = replaced
    upcoming = next_step_of(project)
    if upcoming not in steps:
        expected = [domain.stage_before(steps_of(project), s) for s in steps if s in steps_of(project)]
        raise wrong_stage(project_id, project.stage, expected, "higher-level final acceptance filing")
    await uow.record_decision(decision, subject=project_id, action="higher_level_filing", actor=principal)
    covered = [s for s in steps_of(project) if s in steps and s not in (project.done_steps or [])]
    return await _decide_result(uow, project, pack, covered[-1], covered, command, principal, filing=command)


async def _decide_result(
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
    fixed = _dates_fixed(project, step, today)
    # A filed higher-level acceptance follows the organiser's own rules: no local timing applies.
    timing = [] if filing else domain.timing_decisions(pack, _dates(project), fixed)
    items = _merge_items(project, command.items, step)
    failed_kinds = [item.kind for item in command.items if not item.passed]
    if not command.passed:
        _refuse_if(timing)
        _count_failed_items(pack, failed_kinds)
        return await _fail(uow, project, pack, step, items, command, principal, timing)
    item_checks = domain.item_decisions(
        pack,
        {kind: value["passed"] for kind, value in items.items()},
        new_data_center=command.new_data_center,
        includes_hardware=command.includes_hardware,
    )
    refused = domain.refusals(timing + item_checks)
    if refused:
        _count_failed_items(
            pack, [kind for d in refused if d.kind == "requirement" for kind in d.value.get("missing", [])]
        )
        raise rule_violations([Violation.from_decision(d) for d in refused])
    _count_failed_items(pack, failed_kinds)  # items no rule requires may fail on a passed acceptance
    project.items = items
    project.system_name = command.system_name
    detail: dict[str, Any] = {"passed": True, "report_no": getattr(command, "report_no", None)}
    if filing is not None:
        detail |= {"organiser": filing.organiser, "level": filing.level}
        if HIGHER_LEVEL_FILING not in project.documents:
            project.documents = [*project.documents, HIGHER_LEVEL_FILING]
    for earlier in covers[:-1]:
        project.done_steps = [*(project.done_steps or []), earlier]
    await _complete_step(
        uow, project, pack, step, principal, fixed, timing + item_checks, outcome="passed", detail=detail
    )
    return project


async def _fail(
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
    await _record(uow, decisions, project_id, step, principal)
    back_to, reapply = domain.reapply_step(pack)
    if reapply is not None:
        await uow.record_decision(reapply, subject=project_id, action=f"{step}.failed", actor=principal)
    steps = steps_of(project)
    may_reapply = back_to in steps
    project.items = items
    project.failed_on = today
    project.updated_at = clock.now()
    if may_reapply:
        project.done_steps = steps[: steps.index(back_to)]
        project.stage = RECTIFYING
    else:
        project.stage = FAILED
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
            items=[] if project.secret else _items_out(project),
            reason="" if project.secret else command.note,
            secret=project.secret,
            may_reapply=may_reapply,
            next_step=back_to if may_reapply else None,
            citation=reapply.citation if reapply is not None else project.path_citation,
        )
    )
    ACCEPTANCES.labels(project.path, "failed").inc()
    return project


async def approve_secrecy(
    uow: UnitOfWork, project_id: str, command: SecrecyApproval, principal: Principal
) -> AcceptanceProject:
    """The confidentiality office approves use of a secret system (fengxian:第二十三条)."""
    step = "secrecy_approval"
    project, pack = await _begin(uow, project_id, step, "secrecy approval")
    fixed = _dates_fixed(project, step, clock.today())
    decisions = domain.timing_decisions(pack, _dates(project), fixed)
    _refuse_if(decisions)
    await _complete_step(
        uow, project, pack, step, principal, fixed, decisions, detail={"approval_no": command.approval_no}
    )
    return project


async def register_assets(
    uow: UnitOfWork, project_id: str, command: AssetRegistrationIn, principal: Principal
) -> AssetRegistration:
    """国有资产登记 after acceptance with the 《国有资产登记汇总表》 (fengxian:第二十七条; suqian:(七))."""
    project = await load(uow, project_id, for_update=True)
    pack = packs.get(project.jurisdiction)
    if not pack.has(domain.ASSET_RULE):
        raise Problem(
            409,
            "not-on-path",
            "本地区规定未要求验收后国有资产登记 / The jurisdiction's rules have no asset registration step",
            f"pack {pack.id} has no rule {domain.ASSET_RULE}",
            stage=project.stage,
        )
    if project.stage != ACCEPTED:
        raise wrong_stage(project_id, project.stage, ACCEPTED, "state asset registration")
    if await uow.session.get(AssetRegistration, project_id) is not None:
        raise conflict(f"the assets of {project_id} are already registered")
    decision = pack.decide(domain.ASSET_RULE, {domain.ASSET_DOCUMENTS_FACT: list(command.documents)})
    _refuse_if([decision])
    await uow.record_decision(decision, subject=project_id, action="asset_registration", actor=principal)
    today = clock.today()
    assets = [line.model_dump() for line in command.assets]
    total = sum(line.value_fen for line in command.assets)
    registration = AssetRegistration(
        project_id=project_id,
        registered_on=today,
        documents=list(command.documents),
        assets=assets,
        total_value_fen=total,
        actor=actor_of(principal),
        created_at=clock.now(),
    )
    uow.session.add(registration)
    await uow.audit(
        subject=project_id,
        action="assets.registered",
        actor=principal,
        detail={"assets": len(assets), "total_value_fen": total},
    )
    await uow.emit(
        AssetRegistered(
            project_id=project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            registered_on=today,
            asset_count=len(assets),
            total_value_fen=total,
            documents=list(command.documents),
            rule_id=decision.rule_id,
            citation=decision.citation,
            secret=project.secret,
        )
    )
    ASSETS_REGISTERED.labels(project.jurisdiction).inc()
    return registration
