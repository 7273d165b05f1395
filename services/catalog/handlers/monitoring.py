"""Monthly monitoring (每月监测, suqian:(二)): figures pushed by other platforms, then what they mean:
flag or forcibly retire a system not running normally, list a zombie system (僵尸系统) and bar its unit
(quzhou:二(二)不予受理.9), and clear a bar when it ends."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from services.catalog import domain
from services.catalog.domain import monitoring as rules
from services.catalog.handlers import systems as system_handlers
from services.catalog.handlers.common import CHUNK, subject, systems_by_id
from services.catalog.metrics import FIGURES, SANCTIONS, SYSTEMS_FLAGGED
from services.catalog.schemas import MonthlyFigureIn
from services.catalog.tables import MonthlyFigure, Sanction, System
from shared import clock
from shared.auth import Principal
from shared.contracts.catalog import UnitCleared, UnitSanctioned
from shared.policy import Decision, packs
from shared.uow import UnitOfWork

HISTORY_MONTHS = 36  # enough months to see any streak the packs ask about


async def ingest(uow: UnitOfWork, figures: list[MonthlyFigureIn], principal: Principal) -> dict[str, Any]:
    """Store each ended month's figures (idempotent per system and month: a repeat changes nothing, a
    different figure corrects it), report every row, then assess each system that got new figures."""
    today = clock.today()
    systems = await systems_by_id(uow, (f.system_id for f in figures))
    stored_rows = await _stored(uow, {(f.system_id, f.month) for f in figures})
    results: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], MonthlyFigureIn] = {}
    touched: set[str] = set()
    counts = {"stored": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    for index, figure in enumerate(figures):
        key = (figure.system_id, figure.month)
        system = systems.get(figure.system_id)
        problem = None
        if system is None:
            problem = f"unknown system {figure.system_id!r}"
        elif not domain.live(system.state):
            problem = f"system {figure.system_id} is retired"
        else:
            problem = rules.month_problem(figure.month, today, system.went_live_on)
        if problem is None and key in seen and seen[key] != figure:
            problem = f"{figure.system_id} {figure.month} appears twice in this batch with different figures"
        if problem is not None:
            results.append({"index": index, "system_id": figure.system_id, "month": figure.month, "error": problem})
            counts["rejected"] += 1
            continue
        outcome = _upsert(uow, stored_rows, figure, principal)
        seen[key] = figure
        results.append({"index": index, "system_id": figure.system_id, "month": figure.month, "outcome": outcome})
        counts[outcome] += 1
        if outcome != "unchanged":
            touched.add(figure.system_id)
    await uow.session.flush()
    for outcome, count in counts.items():
        FIGURES.labels(outcome).inc(count)
    await uow.audit(
        subject=f"monitoring-{today:%Y%m}",
        action="monitoring.received",
        actor=principal,
        detail={"received": len(figures), **counts},
    )
    for system_id in sorted(touched):
        await assess(uow, systems[system_id])
    return {"received": len(figures), **counts, "results": results}


async def _stored(uow: UnitOfWork, keys: set[tuple[str, str]]) -> dict[tuple[str, str], MonthlyFigure]:
    ids = sorted({system_id for system_id, _ in keys})
    months = sorted({month for _, month in keys})
    found: dict[tuple[str, str], MonthlyFigure] = {}
    for start in range(0, len(ids), CHUNK):
        rows = await uow.session.scalars(
            sa.select(MonthlyFigure).where(
                col(MonthlyFigure.system_id).in_(ids[start : start + CHUNK]), col(MonthlyFigure.month).in_(months)
            )
        )
        found.update({(row.system_id, row.month): row for row in rows})
    return found


def _upsert(
    uow: UnitOfWork, stored: dict[tuple[str, str], MonthlyFigure], figure: MonthlyFigureIn, principal: Principal
) -> str:
    key = (figure.system_id, figure.month)
    row = stored.get(key)
    if row is None:
        row = MonthlyFigure(
            system_id=figure.system_id,
            month=figure.month,
            usage_count=figure.usage_count,
            availability_bp=figure.availability_bp,
            reported_by=principal.subject,
            received_at=clock.now(),
        )
        uow.session.add(row)
        stored[key] = row
        return "stored"
    if (row.usage_count, row.availability_bp) == (figure.usage_count, figure.availability_bp):
        return "unchanged"
    row.usage_count, row.availability_bp = figure.usage_count, figure.availability_bp
    row.reported_by, row.received_at = principal.subject, clock.now()
    return "updated"


async def figures_of(uow: UnitOfWork, system_id: str) -> list[rules.Figure]:
    rows = await uow.session.scalars(
        sa.select(MonthlyFigure)
        .where(col(MonthlyFigure.system_id) == system_id)
        .order_by(col(MonthlyFigure.month).desc())
        .limit(HISTORY_MONTHS)
    )
    return [rules.Figure(r.month, r.usage_count, r.availability_bp) for r in rows]


async def assess(uow: UnitOfWork, system: System) -> None:
    """Apply the pack's monitoring rules to a system's latest figures."""
    if not domain.allows(system.state, domain.Action.ASSESS):
        return
    pack = packs.get(system.jurisdiction)
    today = clock.today()
    result = rules.assess(
        pack,
        await figures_of(uow, system.id),
        already_zombie=system.zombie_since is not None,
        already_retired=not domain.live(system.state),
        today=today,
    )
    for decision in result.decisions:
        await uow.record_decision(decision, subject=subject(system), action="monitoring.assessed", actor="system")
    if result.running_normally is False and system.abnormal_since is None:
        system.abnormal_since = today
        SYSTEMS_FLAGGED.labels(system.jurisdiction).inc()
        await uow.audit(
            subject=subject(system), action="system.flagged_abnormal", actor="system", detail={"system_id": system.id}
        )
    elif result.running_normally is True and system.abnormal_since is not None:
        system.abnormal_since = None
        await uow.audit(
            subject=subject(system), action="system.flag_cleared", actor="system", detail={"system_id": system.id}
        )
    if result.zombie is not None:
        system.zombie_since = today
        await uow.audit(
            subject=subject(system), action="system.listed_zombie", actor="system", detail={"system_id": system.id}
        )
        await impose(uow, system, result.zombie, cause="zombie_system")
    system.updated_at = clock.now()
    if result.retire is not None:
        await system_handlers.retire(
            uow,
            system.id,
            reason="forced_not_running_normally",
            filed_with_finance=False,
            filed_with_bureau=False,
            principal="system",
            decision_override=result.retire,
        )


async def impose(uow: UnitOfWork, system: System, decision: Decision, *, cause: str) -> Sanction:
    """Bar the unit (one active bar per unit and rule; a later listing extends it)."""
    today = clock.today()
    until = date.fromisoformat(decision.value["until"]) if decision.value.get("until") else None
    sanction = await uow.session.scalar(
        sa.select(Sanction).where(
            col(Sanction.unit) == system.unit,
            col(Sanction.rule_id) == decision.rule_id,
            col(Sanction.status) == "active",
        )
    )
    if sanction is None:
        sanction = Sanction(
            unit=system.unit,
            jurisdiction=system.jurisdiction,
            rule_id=decision.rule_id,
            citation=decision.citation,
            cause=cause,
            system_id=system.id,
            subject=subject(system),
            since=today,
            until=until,
        )
        uow.session.add(sanction)
    elif until is not None and (sanction.until is None or until > sanction.until):
        sanction.until, sanction.system_id, sanction.subject = until, system.id, subject(system)
    else:
        return sanction
    await uow.record_decision(decision, subject=system.unit, action="unit.sanctioned", actor="system")
    await uow.audit(
        subject=system.unit,
        action="unit.sanctioned",
        actor="system",
        detail={"rule_id": decision.rule_id, "system_id": system.id, "until": until.isoformat() if until else None},
    )
    await uow.emit(
        UnitSanctioned(
            project_id=subject(system),
            unit=system.unit,
            cause=cause,
            rule_id=decision.rule_id,
            citation=decision.citation,
            since=sanction.since,
            until=until or sanction.since,
        )
    )
    SANCTIONS.labels(system.jurisdiction, decision.rule_id, "imposed").inc()
    return sanction


async def clear_ended_sanctions(uow: UnitOfWork) -> int:
    """A bar lasts through its `until` day; the day after, the unit is cleared (catalog.unit.cleared.v1)."""
    today = clock.today()
    ended = list(
        await uow.session.scalars(
            sa.select(Sanction).where(
                col(Sanction.status) == "active", col(Sanction.until).is_not(None), col(Sanction.until) < today
            )
        )
    )
    for sanction in ended:
        sanction.status, sanction.cleared_on = "cleared", today
        await uow.audit(
            subject=sanction.unit,
            action="unit.cleared",
            actor="system",
            detail={"rule_id": sanction.rule_id, "since": sanction.since.isoformat()},
        )
        await uow.emit(
            UnitCleared(project_id=sanction.subject, unit=sanction.unit, rule_id=sanction.rule_id, cleared_on=today)
        )
        SANCTIONS.labels(sanction.jurisdiction, sanction.rule_id, "cleared").inc()
    return len(ended)
