"""The bureau's unified annual O&M tender (jiyuan:运行维护 "政务服务和大数据管理局每年根据各项目单位申报运维情况,
统一进行运维招投标工作"): the approved O&M budgets carrying `unified_tender` are collected per jurisdiction and
year, and the bureau tenders them once, as one tender whose ceiling is their sum."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import col

from services.procurement.handlers.common import ensure_role
from services.procurement.tables import OmTenderLine, OmUnifiedTender
from shared import clock
from shared.auth import Principal
from shared.errors import Problem, Violation, conflict, rule_violations
from shared.ids import new_id
from shared.policy import packs
from shared.uow import UnitOfWork

RULE = "budget.om_unified_tender"


async def lines(uow: UnitOfWork, jurisdiction: str, year: int) -> list[OmTenderLine]:
    query = (
        sa.select(OmTenderLine)
        .where(col(OmTenderLine.jurisdiction) == jurisdiction, col(OmTenderLine.funding_year) == year)
        .order_by(col(OmTenderLine.om_budget_id))
    )
    return list(await uow.session.scalars(query))


async def tender_of(uow: UnitOfWork, jurisdiction: str, year: int) -> OmUnifiedTender | None:
    return await uow.session.scalar(
        sa.select(OmUnifiedTender).where(
            col(OmUnifiedTender.jurisdiction) == jurisdiction, col(OmUnifiedTender.funding_year) == year
        )
    )


async def collect(
    uow: UnitOfWork, *, om_budget_id: str, system_id: str, unit: str, jurisdiction: str, year: int, amount_fen: int
) -> None:
    """One approved O&M budget for the year's unified tender (an event seen twice changes nothing)."""
    if await uow.session.get(OmTenderLine, om_budget_id) is not None:
        return
    uow.session.add(
        OmTenderLine(
            om_budget_id=om_budget_id,
            system_id=system_id,
            unit=unit,
            jurisdiction=jurisdiction,
            funding_year=year,
            amount_fen=amount_fen,
            received_at=clock.now(),
        )
    )


async def publish(
    uow: UnitOfWork, principal: Principal, *, jurisdiction: str, year: int, title: str, published_on: date
) -> OmUnifiedTender:
    """The year's unified O&M tender: the bureau's (acting role checked against the rule's steps, 403 citing the
    article), once per jurisdiction and year, over every collected O&M budget not yet tendered."""
    pack = packs.get(jurisdiction)
    if not pack.has(RULE):
        raise Problem(
            409,
            "not-on-path",
            "本地区规定未要求统一运维招投标 / The jurisdiction's rules have no unified O&M tender",
            f"pack {pack.id} has no rule {RULE}",
        )
    decision = pack.decide(RULE, {})
    for role in decision.value["steps"]:
        ensure_role(principal, role, decision.citation, "the unified O&M tender")
    if await tender_of(uow, jurisdiction, year) is not None:
        raise conflict(f"the {year} unified O&M tender of {jurisdiction} is already published")
    open_lines = [line for line in await lines(uow, jurisdiction, year) if line.tender_id is None]
    if not open_lines:
        raise rule_violations(
            [
                Violation(
                    rule_id=RULE,
                    citation=decision.citation,
                    message_zh=f"{year}年度没有经审核纳入统一运维范围的运维申请",
                    message_en=f"no approved O&M application is in the {year} unified O&M scope",
                    field="funding_year",
                )
            ]
        )
    tender = OmUnifiedTender(
        id=new_id("OMT"),
        jurisdiction=jurisdiction,
        funding_year=year,
        title=title,
        ceiling_fen=sum(line.amount_fen for line in open_lines),
        line_count=len(open_lines),
        published_on=published_on,
        published_by=principal.subject,
        rule_id=decision.rule_id,
        citation=decision.citation,
        created_at=clock.now(),
    )
    uow.session.add(tender)
    for line in open_lines:
        line.tender_id = tender.id
    await uow.record_decision(decision, subject=tender.id, action="om_tender.published", actor=principal)
    await uow.audit(
        subject=tender.id,
        action="om_tender.published",
        actor=principal,
        detail={
            "jurisdiction": jurisdiction,
            "year": year,
            "lines": len(open_lines),
            "ceiling_fen": tender.ceiling_fen,
        },
    )
    await uow.session.flush()
    return tender
