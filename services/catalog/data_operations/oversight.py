"""The bureau's supervision of data operators and finance's performance evaluation of public data operation
(fengxian:第三十六条, 第三十七条), each in the jurisdiction's own rules or refused as not on its path."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.data_operations import domain
from services.catalog.data_operations.handlers import _get, _id, _refuse_or_record, pack_of
from services.catalog.data_operations.tables import (
    DataOperationOversight,
    DataOperator,
    PerformanceIndicator,
)
from shared import clock
from shared.auth import Principal, Role
from shared.errors import Problem, conflict, forbidden
from shared.policy import Pack
from shared.uow import UnitOfWork


def _not_on_path(pack: Pack, rule_id: str, what_zh: str) -> Problem:
    return Problem(
        409,
        "not-on-path",
        f"本辖区规则未规定{what_zh} / The jurisdiction's rules have no such step",
        f"pack {pack.id} has no rule {rule_id}",
    )


async def supervise_operator(
    uow: UnitOfWork,
    operator_id: str,
    principal: Principal,
    *,
    staff_finding: str,
    premises_finding: str,
    conforming: bool,
) -> DataOperationOversight:
    """区数据局指导监督数据运营商开展服务人员和场地管理 (fengxian:第三十六条): a finding on the staff and one on
    the premises, recorded with the rule; one without either is refused naming the rule and the article."""
    operator = await _get(uow, DataOperator, operator_id, "data operator")
    pack = pack_of(operator.jurisdiction)
    decision = domain.supervision(pack, staff_finding=staff_finding, premises_finding=premises_finding)
    if decision is None:
        raise _not_on_path(pack, domain.SUPERVISION, "对数据运营商人员和场地管理的监督")
    record_id = _id("SV")
    await _refuse_or_record(uow, [decision], subject=operator.id, action="operator.supervised", actor=principal)
    row = DataOperationOversight(
        id=record_id,
        jurisdiction=operator.jurisdiction,
        kind="operator_supervision",
        operator_id=operator.id,
        passed=conforming,
        findings={"staff": staff_finding.strip(), "premises": premises_finding.strip()},
        rule_id=decision.rule_id,
        citation=decision.citation,
        recorded_by=principal.subject,
        recorded_on=clock.today(),
    )
    uow.session.add(row)
    await uow.audit(
        subject=operator.id, action="operator.supervised", actor=principal, detail={"conforming": conforming}
    )
    await uow.session.flush()
    return row


async def evaluate_performance(
    uow: UnitOfWork,
    principal: Principal,
    *,
    jurisdiction: str,
    year: int,
    passed: bool,
    score: int | None,
    report_ref: str | None,
) -> DataOperationOversight:
    """区财政局开展公共数据运营绩效评估 (fengxian:第三十七条): by finance (the route's dependency checks the role),
    against the published indicators, once per jurisdiction and year."""
    if not principal.has(Role.FINANCE):
        raise forbidden("the performance evaluation of public data operation is finance's (fengxian:第三十七条)")
    pack = pack_of(jurisdiction)
    published = await uow.session.scalar(
        sa.select(sa.func.count())
        .select_from(PerformanceIndicator)
        .where(col(PerformanceIndicator.jurisdiction) == jurisdiction, col(PerformanceIndicator.status) == "published")
    )
    decision = domain.performance_evaluation(pack, indicators_published=int(published or 0))
    if decision is None:
        raise _not_on_path(pack, domain.EVALUATION, "由财政部门开展公共数据运营绩效评估")
    existing = await uow.session.scalar(
        sa.select(col(DataOperationOversight.id)).where(
            col(DataOperationOversight.jurisdiction) == jurisdiction,
            col(DataOperationOversight.kind) == "performance_evaluation",
            col(DataOperationOversight.year) == year,
        )
    )
    if existing is not None:
        raise conflict(
            f"the {year} performance evaluation of {jurisdiction} is already recorded", evaluation_id=existing
        )
    record_id = _id("PE")
    await _refuse_or_record(uow, [decision], subject=record_id, action="performance.evaluated", actor=principal)
    row = DataOperationOversight(
        id=record_id,
        jurisdiction=jurisdiction,
        kind="performance_evaluation",
        year=year,
        passed=passed,
        score=score,
        findings={"indicators_published": int(published or 0)},
        report_ref=report_ref,
        rule_id=decision.rule_id,
        citation=decision.citation,
        recorded_by=principal.subject,
        recorded_on=clock.today(),
    )
    uow.session.add(row)
    await uow.audit(subject=record_id, action="performance.evaluated", actor=principal, detail={"year": year})
    await uow.session.flush()
    return row


async def oversight(uow: UnitOfWork, *, jurisdiction: str | None, kind: str | None) -> list[DataOperationOversight]:
    query = sa.select(DataOperationOversight).order_by(
        col(DataOperationOversight.recorded_on), col(DataOperationOversight.id)
    )
    if jurisdiction:
        query = query.where(col(DataOperationOversight.jurisdiction) == jurisdiction)
    if kind:
        query = query.where(col(DataOperationOversight.kind) == kind)
    return list(await uow.session.scalars(query))
