"""The steps before the decision: the trial run (dazhou:第四十七条), the bureau's pre-acceptance approval,
初验 by module and the 终验 application (quzhou:三(三)5), the unit's acceptance application and the
bureau organising the acceptance with its panel (fengxian:第二十四条,第二十五条), secrecy approval."""

from __future__ import annotations

from datetime import date

from services.acceptance import domain
from services.acceptance.domain import TRIAL_RUN
from services.acceptance.experts import Draw, DrawRequest, ExpertPool, expert_member
from services.acceptance.handlers.common import (
    begin,
    complete_step,
    count_failed_items,
    dates_fixed,
    dates_of,
    merge_items,
    refuse_if,
)
from services.acceptance.schemas import (
    AcceptanceApplication,
    OrganiseAcceptance,
    PreliminaryAcceptance,
    SecrecyApproval,
)
from services.acceptance.tables import AcceptanceProject, StepRecord
from shared import clock
from shared.auth import Principal
from shared.contracts.acceptance import TrialStarted
from shared.errors import Problem, conflict
from shared.uow import UnitOfWork, actor_of


async def start_trial_run(
    uow: UnitOfWork, project_id: str, started_on: date, principal: Principal
) -> AcceptanceProject:
    project, pack = await begin(uow, project_id, TRIAL_RUN, principal, "start trial run")
    if started_on < project.contract_signed_on or started_on > clock.today():
        raise Problem(
            422,
            "validation",
            "试运行开始日期无效 / Invalid trial-run start date",
            f"started_on must be between the contract date {project.contract_signed_on} and today",
            field="started_on",
        )
    project.trial_started_on = started_on
    await complete_step(uow, project, pack, TRIAL_RUN, principal, {domain.TRIAL_RUN_STARTED: started_on}, [])
    await uow.emit(TrialStarted(project_id=project_id, started_on=started_on))
    return project


async def approve_pre_acceptance(uow: UnitOfWork, project_id: str, principal: Principal) -> AcceptanceProject:
    """The bureau's pre-acceptance approval (验收前置核准), only after the trial run (dazhou:第四十七条)."""
    step = "pre_acceptance_approval"
    project, pack = await begin(uow, project_id, step, principal, "pre-acceptance approval")
    today = clock.today()
    fixed = dates_fixed(project, step, today)
    decisions = domain.timing_decisions(pack, dates_of(project), fixed)
    refuse_if(decisions)
    project.pre_accepted_on = today
    await complete_step(uow, project, pack, step, principal, fixed, decisions)
    return project


async def record_preliminary(
    uow: UnitOfWork, project_id: str, command: PreliminaryAcceptance, principal: Principal
) -> AcceptanceProject:
    """初验 of one module (or the whole); the step is done when every module has passed (quzhou:三(三)5)."""
    step = "preliminary_acceptance"
    project, pack = await begin(uow, project_id, step, principal, "preliminary acceptance")
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
    project.items = merge_items(project, command.items, step)
    count_failed_items(pack, [i.kind for i in command.items if not i.passed])
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
    fixed = dates_fixed(project, step, today)
    decisions = domain.timing_decisions(pack, dates_of(project), fixed)
    refuse_if(decisions)
    await complete_step(uow, project, pack, step, principal, fixed, decisions, detail=detail)
    return project


async def apply_for_final(uow: UnitOfWork, project_id: str, principal: Principal) -> AcceptanceProject:
    """终验 application, no earlier than 3 months after every module passed 初验 (quzhou:三(三)5)."""
    step = "final_acceptance_application"
    project, pack = await begin(uow, project_id, step, principal, "final acceptance application")
    fixed = dates_fixed(project, step, clock.today())
    decisions = domain.timing_decisions(pack, dates_of(project), fixed)
    refuse_if(decisions)
    await complete_step(uow, project, pack, step, principal, fixed, decisions)
    return project


async def apply_for_acceptance(
    uow: UnitOfWork, project_id: str, command: AcceptanceApplication, principal: Principal
) -> AcceptanceProject:
    """The unit's application with the form after the trial run; the bureau's 30 days start (fengxian:第二十四条)."""
    step = "acceptance_application"
    project, pack = await begin(uow, project_id, step, principal, "acceptance application")
    fixed = dates_fixed(project, step, clock.today())
    decisions = domain.timing_decisions(pack, dates_of(project), fixed) + domain.decide_reading(
        pack, domain.APPLICATION_DOCUMENTS_FACT, {domain.APPLICATION_DOCUMENTS_FACT: list(command.documents)}
    )
    refuse_if(decisions)
    project.attempts = (project.attempts or 0) + 1
    await complete_step(
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


async def check_organisation(
    uow: UnitOfWork, project_id: str, command: OrganiseAcceptance, principal: Principal
) -> AcceptanceProject:
    """Before drawing experts: the step is next and the panel would meet the pack (nothing written)."""
    step = "acceptance_organised"
    project, pack = await begin(uow, project_id, step, principal, "organise acceptance")
    roles = [member.role for member in command.panel] + (["expert"] if command.experts else [])
    refuse_if(domain.panel_decisions(pack, roles))
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
    project, pack = await begin(uow, project_id, step, principal, "organise acceptance")
    panel = [member.model_dump() for member in command.panel]
    if draw is not None:
        panel += [expert_member(expert) for expert in draw.experts]
    fixed = dates_fixed(project, step, clock.today())
    decisions = domain.timing_decisions(pack, dates_of(project), fixed) + domain.panel_decisions(
        pack, [member["role"] for member in panel]
    )
    refuse_if(decisions)
    project.panel = panel
    project.expert_draw_id = draw.draw_id if draw else None
    detail = {
        "panel_roles": sorted({m["role"] for m in panel}),
        "draw_id": draw.draw_id if draw else None,
        "seed": draw.seed if draw else None,
        "scheduled_on": command.scheduled_on.isoformat() if command.scheduled_on else None,
    }
    await complete_step(uow, project, pack, step, principal, fixed, decisions, detail=detail)
    return project


async def approve_secrecy(
    uow: UnitOfWork, project_id: str, command: SecrecyApproval, principal: Principal
) -> AcceptanceProject:
    """The confidentiality office approves use of a secret system (fengxian:第二十三条)."""
    step = "secrecy_approval"
    project, pack = await begin(uow, project_id, step, principal, "secrecy approval")
    fixed = dates_fixed(project, step, clock.today())
    decisions = domain.timing_decisions(pack, dates_of(project), fixed)
    refuse_if(decisions)
    await complete_step(
        uow, project, pack, step, principal, fixed, decisions, detail={"approval_no": command.approval_no}
    )
    return project
