"""Building a periodic report from the platform's data: the reporting read model (other services' events)
and catalog's own systems, sanctions, evaluations and findings. Secret (涉密) projects are counted and
summed, never named (dazhou:第六十五条)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from services.catalog.oversight.tables import Finding, FindingStep
from services.catalog.reports.domain import Period
from services.catalog.reports.tables import MoneyEntry, OverdueNotice, ProjectRecord
from services.catalog.tables import Evaluation, Sanction, System
from shared import clock
from shared.uow import UnitOfWork

PROJECT_MILESTONES = ("submitted", "admitted", "rejected", "approved", "contracted", "accepted")


def _in(column, period: Period):
    return sa.and_(column >= period.start, column < period.end)


async def build(uow: UnitOfWork, period: Period, jurisdiction: str | None) -> dict[str, Any]:
    session = uow.session

    def scoped(query, column):
        return query.where(column == jurisdiction) if jurisdiction else query

    # projects: who reached which milestone in the period
    projects = list(await session.scalars(scoped(sa.select(ProjectRecord), ProjectRecord.jurisdiction)))
    by_id = {p.project_id: p for p in projects}
    milestones = {m: [p for p in projects if period.contains(getattr(p, f"{m}_on"))] for m in PROJECT_MILESTONES}
    approved = milestones["approved"]
    project_section = {
        **{m: len(rows) for m, rows in milestones.items()},
        "secret_approved": sum(1 for p in approved if p.secret),
        "approved_investment_fen": sum(p.total_investment_fen or 0 for p in approved),
        "approved_projects": [
            {
                "project_id": p.project_id,
                "unit": p.unit,
                "jurisdiction": p.jurisdiction,
                "title": p.title,
                "total_investment_fen": p.total_investment_fen,
                "approved_on": p.approved_on.isoformat() if p.approved_on else None,
            }
            for p in sorted(approved, key=lambda p: (p.approved_on, p.project_id))
            if not p.secret
        ],
    }

    # money: estimates (the last revision approved in the period per project), contracts, releases
    entries = [
        e
        for e in await session.scalars(sa.select(MoneyEntry).where(_in(MoneyEntry.on, period)))
        if e.project_id in by_id
    ]
    latest_estimate: dict[str, MoneyEntry] = {}
    for entry in entries:
        if entry.kind == "estimate":
            known = latest_estimate.get(entry.project_id)
            if known is None or int(entry.ref) > int(known.ref):
                latest_estimate[entry.project_id] = entry
    money = {
        "estimated_fen": sum(e.amount_fen for e in latest_estimate.values()),
        "contracted_fen": sum(e.amount_fen for e in entries if e.kind == "contract"),
        "released_fen": sum(e.amount_fen for e in entries if e.kind == "release"),
        "secret_projects_included": len({e.project_id for e in entries if by_id[e.project_id].secret}),
    }

    # systems: in the catalog at the period's end (from registration and retirement dates), their state
    # now (trial/suspended have no dated history), and what entered or left the catalog in the period
    systems = list(await session.scalars(scoped(sa.select(System), System.jurisdiction)))
    system_section = {
        "live_at_period_end": sum(
            1 for s in systems if s.registered_on < period.end and (s.retired_on is None or s.retired_on >= period.end)
        ),
        "by_state": dict(sorted(Counter(s.state for s in systems).items())),
        "registered": sum(1 for s in systems if period.contains(s.registered_on)),
        "retired": sum(1 for s in systems if period.contains(s.retired_on)),
        "zombies": sum(1 for s in systems if s.zombie_since is not None and s.state != "retired"),
    }

    # overdue deadlines falling due in the period: other services' (announced by events) and catalog's own
    overdue_rows: Counter = Counter()
    for notice in await session.scalars(sa.select(OverdueNotice).where(_in(OverdueNotice.due_on, period))):
        record = by_id.get(notice.subject)
        if jurisdiction and record is None:
            continue
        overdue_rows[(notice.service, notice.rule_id, notice.citation)] += 1
    deadlines = uow.schema.deadlines
    own = (
        await session.execute(
            sa.select(deadlines.c.rule_id, deadlines.c.citation, deadlines.c.pack).where(
                _in(deadlines.c.due_on, period), deadlines.c.status.in_(["overdue", "late"])
            )
        )
    ).all()
    for rule_id, citation, pack in own:
        if jurisdiction and pack != jurisdiction:
            continue
        overdue_rows[("catalog", rule_id, citation)] += 1
    overdue = {
        "total": sum(overdue_rows.values()),
        "by_rule": [
            {"service": s, "rule_id": r, "citation": c, "count": n} for (s, r, c), n in sorted(overdue_rows.items())
        ],
    }

    # sanctions imposed / cleared in the period, active at its end
    sanctions = list(await session.scalars(scoped(sa.select(Sanction), Sanction.jurisdiction)))
    last_day = period.end
    imposed = [s for s in sanctions if period.contains(s.since)]
    sanction_section = {
        "imposed": len(imposed),
        "cleared": sum(1 for s in sanctions if period.contains(s.cleared_on)),
        "active_at_end": sum(
            1 for s in sanctions if s.since < last_day and (s.cleared_on is None or s.cleared_on >= last_day)
        ),
        "by_rule": [
            {"rule_id": r, "citation": c, "imposed": n}
            for (r, c), n in sorted(
                Counter((s.rule_id, s.citation) for s in sanctions if period.contains(s.since)).items()
            )
        ],
    }

    # evaluations completed in the period
    evaluations = list(
        await session.scalars(
            scoped(sa.select(Evaluation).where(_in(Evaluation.completed_on, period)), Evaluation.jurisdiction)
        )
    )
    evaluation_section = {
        "completed": len(evaluations),
        "passed": sum(1 for e in evaluations if e.passed),
        "failed": sum(1 for e in evaluations if e.passed is False),
        "by_kind": [
            {"kind": k, "passed": sum(1 for e in evaluations if e.kind == k and e.passed), "completed": n}
            for k, n in sorted(Counter(e.kind for e in evaluations).items())
        ],
    }

    # supervision findings recorded, escalated and resolved in the period
    findings = list(await session.scalars(scoped(sa.select(Finding), Finding.jurisdiction)))
    finding_ids = {f.id for f in findings}
    steps = [
        s
        for s in await session.scalars(
            sa.select(FindingStep).where(FindingStep.action == "escalated", _in(FindingStep.on, period))
        )
        if s.finding_id in finding_ids
    ]
    finding_section = {
        "recorded": sum(1 for f in findings if period.contains(f.recorded_on)),
        "resolved": sum(1 for f in findings if period.contains(f.resolved_on)),
        "open_at_generation": sum(1 for f in findings if f.status in ("open", "rectification_submitted")),
        "by_area": dict(sorted(Counter(f.area for f in findings if period.contains(f.recorded_on)).items())),
        "escalations": dict(sorted(Counter(s.step for s in steps).items())),
    }

    return {
        "period": {
            "label": period.label,
            "kind": period.kind,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "jurisdiction": jurisdiction,
        "generated_at": clock.now().isoformat(),
        "projects": project_section,
        "money": money,
        "systems": system_section,
        "overdue_deadlines": overdue,
        "sanctions": sanction_section,
        "evaluations": evaluation_section,
        "findings": finding_section,
    }
