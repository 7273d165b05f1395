"""The path's plain steps: pre-screening (前置初审, fengxian:第十五条–第十六条), which may end the review
or route the project elsewhere, and the generic pass/fail steps of a path (e.g. Suqian's six)."""

from __future__ import annotations

from services.review import domain
from services.review.domain import Action
from services.review.handlers.common import advance, ensure_step, pack_of, record_step, refuse, reject
from services.review.metrics import PRESCREENS
from services.review.queries import load
from services.review.schemas import PrescreenCommand
from services.review.tables import ReviewCase
from shared import clock
from shared.auth import Principal
from shared.contracts.intake import ViolationRef
from shared.contracts.review import ProjectPrescreened
from shared.errors import bad_request
from shared.uow import UnitOfWork


async def prescreen(uow: UnitOfWork, project_id: str, command: PrescreenCommand, principal: Principal) -> ReviewCase:
    case = await load(uow, project_id, for_update=True)
    pack = pack_of(case.jurisdiction)
    ensure_step(case, domain.PRESCREENING_STEP, Action.PRESCREEN, pack)
    kinds = command.model_dump(include={"public_service", "city_operations", "village_level", "data_governance"})
    result = domain.prescreen(pack, command.panel, command.findings, kinds)
    if result.outcome == "incomplete":
        raise refuse([(d, "panel") for d in result.failures])
    for decision in result.decisions:
        await uow.record_decision(decision, subject=project_id, action="prescreening", actor=principal)
    PRESCREENS.labels(case.jurisdiction, result.outcome).inc()
    reasons = [
        ViolationRef(rule_id=d.rule_id, citation=d.citation, message_zh=d.message_zh, message_en=d.message_en)
        for d in result.failures
    ]
    await record_step(
        uow, case, result.outcome, principal, command.comment, routed_to=result.routed_to, findings=command.findings
    )
    await uow.emit(
        ProjectPrescreened(
            project_id=project_id,
            unit=case.unit,
            jurisdiction=case.jurisdiction,
            outcome=result.outcome,
            routed_to=result.routed_to,
            reasons=[] if case.secret else reasons,
        )
    )
    if result.outcome == "not_reviewed":
        case.stage = domain.transition(case.stage, Action.LIST_NOT_REVIEWED, subject=project_id, pack=pack)
        case.updated_at = clock.now()
    elif result.outcome == "routed":
        case.stage = domain.transition(case.stage, Action.ROUTE_ELSEWHERE, subject=project_id, pack=pack)
        case.routed_to = result.routed_to
        case.updated_at = clock.now()
    else:
        await advance(uow, case, principal)
    return case


async def path_step(
    uow: UnitOfWork, project_id: str, step: str, passed: bool, comment: str, principal: Principal
) -> ReviewCase:
    case = await load(uow, project_id, for_update=True)
    if step in domain.SPECIAL_STEPS:
        raise bad_request(f"the step '{step}' has its own endpoint", field="step")
    pack = pack_of(case.jurisdiction)
    ensure_step(case, step, Action.PATH_STEP, pack)
    path_rule = pack.rule(domain.PATH_RULE)
    await record_step(uow, case, "passed" if passed else "failed", principal, comment, citation=path_rule.citation)
    if not passed:
        await reject(uow, case, comment or f"{step} failed")
        return case
    await advance(uow, case, principal)
    return case
