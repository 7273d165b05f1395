"""Public data-operation services, each command in one unit of work: catalog entries and indicators
published after approval, operators registered, tasks dispatched, tracked, accepted, checked, paid through
budget and rated (fengxian:第三十四条–第三十七条; dazhou:第六十一条)."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlmodel import SQLModel, col

from services.catalog.data_operations import domain
from services.catalog.data_operations.metrics import OPERATOR_RATINGS, TASK_STEPS, TASKS
from services.catalog.data_operations.tables import (
    DataOperationTask,
    DataOperator,
    DataService,
    OperatorRating,
    PerformanceIndicator,
    TaskProgress,
)
from shared import clock
from shared.auth import Principal, Role
from shared.contracts.catalog import DataOperationTaskAccepted
from shared.errors import Problem, Violation, bad_request, conflict, forbidden, not_found, rule_violations, wrong_stage
from shared.ids import new_id
from shared.locking import locked
from shared.policy import Decision, Pack, UnknownPack, packs
from shared.service import ServiceRuntime
from shared.uow import UnitOfWork

Entry = TypeVar("Entry", bound=SQLModel)


def _id(prefix: str) -> str:
    return new_id(prefix, length=12)


def pack_of(jurisdiction: str) -> Pack:
    try:
        pack = packs.get(jurisdiction)
    except UnknownPack:
        raise bad_request(f"unknown jurisdiction {jurisdiction!r}", field="jurisdiction") from None
    if not domain.applies(pack):
        raise Problem(
            422,
            "not-applicable",
            "本辖区规则无公共数据运营服务 / No public data-operation services in this jurisdiction's rules",
            f"pack {pack.id} has no data-operation rules",
        )
    return pack


async def _refuse_or_record(
    uow: UnitOfWork, decisions: list[Decision], *, subject: str, action: str, actor: Principal
) -> None:
    refused = domain.failed(decisions)
    if refused:
        raise rule_violations([Violation.from_decision(d) for d in refused])
    for decision in decisions:
        await uow.record_decision(decision, subject=subject, action=action, actor=actor)


async def _get(uow: UnitOfWork, model: type[Entry], key: str, what: str, *, for_update: bool = False) -> Entry:
    if for_update:
        row = await locked(uow.session, model, key)
    else:
        row = await uow.session.get(model, key)
    if row is None:
        raise not_found(what, key)
    return row


# --- the service catalog and the indicators ----------------------------------------------------------------


async def draft_service(
    uow: UnitOfWork, principal: Principal, *, jurisdiction: str, name: str, description: str, measure: str
) -> DataService:
    pack_of(jurisdiction)
    service = DataService(
        id=_id("DS"),
        jurisdiction=jurisdiction,
        name=name,
        description=description,
        measure=measure,
        drafted_by=principal.subject,
        created_at=clock.now(),
    )
    uow.session.add(service)
    await uow.audit(subject=service.id, action="data_service.drafted", actor=principal, detail={"name": name})
    await uow.session.flush()  # the answer reads the row as stored
    return service


async def draft_indicator(
    uow: UnitOfWork, principal: Principal, *, jurisdiction: str, year: int, name: str, target: str
) -> PerformanceIndicator:
    pack_of(jurisdiction)
    indicator = PerformanceIndicator(
        id=_id("DI"),
        jurisdiction=jurisdiction,
        year=year,
        name=name,
        target=target,
        drafted_by=principal.subject,
        created_at=clock.now(),
    )
    uow.session.add(indicator)
    await uow.audit(subject=indicator.id, action="indicator.drafted", actor=principal, detail={"name": name})
    await uow.session.flush()  # the answer reads the row as stored
    return indicator


def _model_for(kind: str) -> tuple[type[DataService | PerformanceIndicator], str]:
    models: dict[str, tuple[type[DataService | PerformanceIndicator], str]] = {
        "service": (DataService, "data service"),
        "indicator": (PerformanceIndicator, "performance indicator"),
    }
    return models[kind]


async def approve(uow: UnitOfWork, kind: str, item_id: str, principal: Principal) -> DataService | PerformanceIndicator:
    """经审核: someone other than the drafter approves the draft."""
    model, what = _model_for(kind)
    item = await _get(uow, model, item_id, what, for_update=True)
    if item.status != "draft":
        raise wrong_stage(item.id, item.status, "draft", f"approve the {what}")
    if item.drafted_by == principal.subject:
        raise forbidden(f"the {what} is approved by someone other than its drafter")
    item.status, item.approved_by, item.approved_on = "approved", principal.subject, clock.today()
    await uow.audit(subject=item.id, action=f"{kind}.approved", actor=principal)
    await uow.session.flush()  # the answer reads the row as stored
    return item


async def review_target(uow: UnitOfWork, indicator_id: str, principal: Principal) -> PerformanceIndicator:
    """Finance reviews the performance target (fengxian:第三十七条)."""
    indicator = await _get(uow, PerformanceIndicator, indicator_id, "performance indicator", for_update=True)
    if indicator.status == "published":
        raise wrong_stage(indicator.id, indicator.status, ["draft", "approved"], "review the target")
    indicator.target_reviewed_by, indicator.target_reviewed_on = principal.subject, clock.today()
    await uow.audit(subject=indicator.id, action="indicator.target_reviewed", actor=principal)
    await uow.session.flush()  # the answer reads the row as stored
    return indicator


async def publish(uow: UnitOfWork, kind: str, item_id: str, principal: Principal) -> DataService | PerformanceIndicator:
    """Published only after approval (经审核后发布, fengxian:第三十六条); an indicator also after finance's
    review of its target (fengxian:第三十七条)."""
    model, what = _model_for(kind)
    item = await _get(uow, model, item_id, what, for_update=True)
    if item.status == "published":
        raise wrong_stage(item.id, item.status, ["draft", "approved"], f"publish the {what}")
    pack = pack_of(item.jurisdiction)
    reviewed = (item.target_reviewed_on is not None) if isinstance(item, PerformanceIndicator) else None
    decisions = domain.publication(pack, approved=item.status == "approved", target_reviewed=reviewed)
    await _refuse_or_record(uow, decisions, subject=item.id, action=f"{kind}.published", actor=principal)
    item.status, item.published_on = "published", clock.today()
    await uow.audit(subject=item.id, action=f"{kind}.published", actor=principal)
    await uow.session.flush()  # the answer reads the row as stored
    return item


# --- operators ---------------------------------------------------------------------------------------------


async def register_operator(
    uow: UnitOfWork, principal: Principal, *, jurisdiction: str, name: str, **facts: Any
) -> DataOperator:
    """Register an operator recruited openly with the required qualifications (fengxian:第三十六条), or
    authorised by the government (dazhou:第六十一条; suqian:(三))."""
    pack = pack_of(jurisdiction)
    decisions = domain.registration(pack, facts)
    operator_id = _id("OP")
    await _refuse_or_record(uow, decisions, subject=operator_id, action="operator.registered", actor=principal)
    operator = DataOperator(
        id=operator_id,
        jurisdiction=jurisdiction,
        name=name,
        recruitment_ref=facts.get("recruitment_ref"),
        authorisation_ref=facts.get("authorisation_ref"),
        qualifications=list(facts.get("qualifications") or []),
        registered_by=principal.subject,
        registered_on=clock.today(),
    )
    uow.session.add(operator)
    await uow.audit(subject=operator.id, action="operator.registered", actor=principal, detail={"name": name})
    await uow.session.flush()  # the answer reads the row as stored
    return operator


async def ratings_of(uow: UnitOfWork, operator_ids: list[str]) -> dict[str, dict]:
    rows = (
        await uow.session.execute(
            sa.select(col(OperatorRating.operator_id), col(OperatorRating.score))
            .where(col(OperatorRating.operator_id).in_(operator_ids))
            .order_by(col(OperatorRating.id))
        )
    ).all()
    scores: dict[str, list[int]] = {operator_id: [] for operator_id in operator_ids}
    for operator_id, score in rows:
        scores[operator_id].append(score)
    return {operator_id: domain.rating_summary(values) for operator_id, values in scores.items()}


# --- tasks -------------------------------------------------------------------------------------------------


async def dispatch(
    uow: UnitOfWork,
    principal: Principal,
    *,
    jurisdiction: str,
    year: int,
    work_item: str,
    service_id: str,
    operator_id: str,
    title: str,
    planned_amount_fen: int,
    due_on: date | None,
) -> DataOperationTask:
    """Split from the year's (or a key) public-data work and sent to a registered operator (fengxian:第三十六条)."""
    pack = pack_of(jurisdiction)
    operator = await uow.session.get(DataOperator, operator_id)
    service = await uow.session.get(DataService, service_id)
    registered = operator is not None and operator.status == "registered" and operator.jurisdiction == jurisdiction
    published = service is not None and service.status == "published" and service.jurisdiction == jurisdiction
    if service is None:
        raise not_found("data service", service_id)
    decisions = domain.dispatch(
        pack, operator_registered=registered, service_published=published, from_annual_work=bool(work_item.strip())
    )
    task_id = _id("DT")
    await _refuse_or_record(uow, decisions, subject=task_id, action="task.dispatched", actor=principal)
    if not registered:  # a pack whose rules say nothing of it: still never dispatch to an unknown operator
        raise bad_request(f"operator {operator_id} is not registered in {jurisdiction}", field="operator_id")
    today = clock.today()
    task = DataOperationTask(
        id=task_id,
        jurisdiction=jurisdiction,
        year=year,
        work_item=work_item,
        service_id=service_id,
        operator_id=operator_id,
        title=title,
        planned_amount_fen=planned_amount_fen,
        due_on=due_on,
        dispatched_by=principal.subject,
        dispatched_on=today,
    )
    uow.session.add(task)
    await uow.audit(
        subject=task.id,
        action="task.dispatched",
        actor=principal,
        detail={"operator_id": operator_id, "service_id": service_id, "planned_amount_fen": planned_amount_fen},
    )
    TASK_STEPS.labels(jurisdiction, "dispatched").inc()
    await uow.session.flush()  # the answer reads the row as stored
    return task


async def load_task(uow: UnitOfWork, task_id: str, *, for_update: bool = False) -> DataOperationTask:
    return await _get(uow, DataOperationTask, task_id, "data-operation task", for_update=for_update)


def _operator_or_bureau(principal: Principal, task: DataOperationTask) -> None:
    if principal.has(Role.DATA_BUREAU):
        return
    if principal.has(Role.DATA_OPERATOR) and principal.unit == task.operator_id:
        return
    raise forbidden("only the task's operator or the bureau reports its progress")


async def report_progress(
    uow: UnitOfWork, task_id: str, principal: Principal, *, progress_pct: int, note: str
) -> DataOperationTask:
    task = await load_task(uow, task_id, for_update=True)
    _operator_or_bureau(principal, task)
    if task.status not in ("dispatched", "delivered"):
        raise wrong_stage(task.id, task.status, ["dispatched", "delivered"], "report progress")
    if progress_pct < task.progress_pct:
        raise bad_request(f"progress only moves forward (now {task.progress_pct}%)", field="progress_pct")
    task.progress_pct = progress_pct
    if progress_pct == 100 and task.status == "dispatched":
        task.status, task.delivered_on = "delivered", clock.today()
        TASK_STEPS.labels(task.jurisdiction, "delivered").inc()
    uow.session.add(
        TaskProgress(
            task_id=task.id,
            kind="progress",
            progress_pct=progress_pct,
            note=note,
            reported_by=principal.subject,
            at=clock.now(),
        )
    )
    await uow.audit(subject=task.id, action="task.progress", actor=principal, detail={"progress_pct": progress_pct})
    await uow.session.flush()  # the answer reads the row as stored
    return task


async def check_quality(
    uow: UnitOfWork, task_id: str, principal: Principal, *, passed: bool, note: str
) -> DataOperationTask:
    task = await load_task(uow, task_id, for_update=True)
    if task.status not in ("dispatched", "delivered"):
        raise wrong_stage(task.id, task.status, ["dispatched", "delivered"], "check quality")
    task.quality_checked, task.quality_passed, task.quality_note = passed, passed, note
    uow.session.add(
        TaskProgress(
            task_id=task.id, kind="quality", passed=passed, note=note, reported_by=principal.subject, at=clock.now()
        )
    )
    await uow.audit(subject=task.id, action="task.quality_checked", actor=principal, detail={"passed": passed})
    await uow.session.flush()  # the answer reads the row as stored
    return task


async def accept(uow: UnitOfWork, task_id: str, principal: Principal) -> DataOperationTask:
    """验收审核: a delivered task whose quality was checked (fengxian:第三十六条)."""
    task = await load_task(uow, task_id, for_update=True)
    if task.status not in ("dispatched", "delivered"):
        raise wrong_stage(task.id, task.status, "delivered", "accept the task")
    pack = pack_of(task.jurisdiction)
    decisions = domain.acceptance(pack, delivered=task.status == "delivered", quality_checked=task.quality_checked)
    await _refuse_or_record(uow, decisions, subject=task.id, action="task.accepted", actor=principal)
    if task.status != "delivered":  # no acceptance rule in this pack: the state still needs the delivery
        raise wrong_stage(task.id, task.status, "delivered", "accept the task")
    today = clock.today()
    task.status, task.accepted_by, task.accepted_on = "accepted", principal.subject, today
    await uow.audit(subject=task.id, action="task.accepted", actor=principal)
    rule = decisions[0] if decisions else None
    await uow.emit(
        DataOperationTaskAccepted(
            project_id=task.id,
            task_id=task.id,
            operator_id=task.operator_id,
            jurisdiction=task.jurisdiction,
            service_id=task.service_id,
            accepted_on=today,
            rule_id=rule.rule_id if rule else None,
            citation=rule.citation if rule else None,
        )
    )
    TASK_STEPS.labels(task.jurisdiction, "accepted").inc()
    await uow.session.flush()  # the answer reads the row as stored
    return task


async def record_check(
    uow: UnitOfWork,
    task_id: str,
    principal: Principal,
    *,
    reviewer: str,
    reference: str,
    checked_on: date,
    confirmed_amount_fen: int,
) -> DataOperationTask:
    """第三方评审机构核定: the third-party reviewer's confirmed amount, after acceptance."""
    task = await load_task(uow, task_id, for_update=True)
    if task.status != "accepted":
        raise wrong_stage(task.id, task.status, "accepted", "record the third-party check")
    if checked_on > clock.today():
        raise bad_request("the check cannot be dated in the future", field="checked_on")
    task.check_reviewer, task.check_reference = reviewer, reference
    task.check_checked_on, task.confirmed_amount_fen = checked_on, confirmed_amount_fen
    await uow.audit(
        subject=task.id,
        action="task.third_party_checked",
        actor=principal,
        detail={"reviewer": reviewer, "reference": reference, "confirmed_amount_fen": confirmed_amount_fen},
    )
    await uow.session.flush()  # the answer reads the row as stored
    return task


def payment_request(pack: Pack, task: DataOperationTask, amount_fen: int) -> dict:
    """What budget is asked, after the pack's payment rule passed here (a payment without acceptance or
    without the third-party check never leaves catalog)."""
    decisions = domain.payment(
        pack, accepted=task.accepted_on is not None, checked=task.confirmed_amount_fen is not None
    )
    refused = domain.failed(decisions)
    if refused:
        raise rule_violations([Violation.from_decision(d) for d in refused])
    if task.status == "paid":
        raise conflict(f"task {task.id} was already paid ({task.payment_id})", payment_id=task.payment_id)
    if task.status != "accepted":
        raise wrong_stage(task.id, task.status, "accepted", "pay the task")
    return {
        "task_id": task.id,
        "operator_id": task.operator_id,
        "jurisdiction": task.jurisdiction,
        "amount_fen": amount_fen,
        "accepted_on": task.accepted_on.isoformat() if task.accepted_on else None,
        "third_party_check": (
            {
                "reviewer": task.check_reviewer,
                "reference": task.check_reference,
                "checked_on": task.check_checked_on.isoformat(),
                "confirmed_amount_fen": task.confirmed_amount_fen,
            }
            if task.confirmed_amount_fen is not None and task.check_checked_on is not None
            else None
        ),
    }


async def mark_paid(
    uow: UnitOfWork, task_id: str, *, payment_id: str, amount_fen: int, paid_on: date, actor: Principal | str
) -> bool:
    """Record budget's payment once (from its answer or from `budget.data_operation.paid.v1`)."""
    task = await locked(uow.session, DataOperationTask, task_id)
    if task is None or task.status == "paid":
        return False
    task.status, task.payment_id, task.paid_amount_fen, task.paid_on = "paid", payment_id, amount_fen, paid_on
    await uow.audit(
        subject=task.id, action="task.paid", actor=actor, detail={"payment_id": payment_id, "amount_fen": amount_fen}
    )
    TASK_STEPS.labels(task.jurisdiction, "paid").inc()
    return True


async def rate(uow: UnitOfWork, task_id: str, principal: Principal, *, score: int, comment: str) -> OperatorRating:
    """The bureau rates the operator's service on an accepted task; the next dispatch shows it."""
    task = await load_task(uow, task_id)
    if task.status not in ("accepted", "paid"):
        raise wrong_stage(task.id, task.status, ["accepted", "paid"], "rate the operator")
    existing = await uow.session.scalar(sa.select(OperatorRating).where(col(OperatorRating.task_id) == task.id))
    if existing is not None:
        raise conflict(f"task {task.id} was already rated", rating_id=existing.id)
    pack = pack_of(task.jurisdiction)
    route = domain.rating_route(pack)
    if route is not None:
        await uow.record_decision(route, subject=task.id, action="operator.rated", actor=principal)
    rating = OperatorRating(
        operator_id=task.operator_id,
        task_id=task.id,
        score=score,
        comment=comment,
        rated_by=principal.subject,
        rated_on=clock.today(),
    )
    uow.session.add(rating)
    await uow.audit(subject=task.id, action="operator.rated", actor=principal, detail={"score": score})
    OPERATOR_RATINGS.labels(task.jurisdiction).observe(score)
    await uow.session.flush()  # the answer reads the row as stored
    return rating


async def refresh_gauges(runtime: ServiceRuntime) -> int:
    async with runtime.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                sa.select(col(DataOperationTask.jurisdiction), col(DataOperationTask.status), sa.func.count()).group_by(
                    col(DataOperationTask.jurisdiction), col(DataOperationTask.status)
                )
            )
        ).all()
    TASKS.clear()
    for jurisdiction, state, count in rows:
        TASKS.labels(jurisdiction, state).set(count)
    return len(rows)
