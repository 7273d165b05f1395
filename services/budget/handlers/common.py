"""What every budget command shares: ids, the pack, recording decisions, refusals, deadlines, the unit check."""

from __future__ import annotations

from datetime import date

from services.budget.tables import (
    BudgetProject,
)
from shared.auth import Principal, ensure_unit_access
from shared.errors import Problem, Violation, bad_request, rule_violations
from shared.policy import Decision, Pack, UnknownPack, packs
from shared.uow import UnitOfWork


def pack_of(jurisdiction: str) -> Pack:
    try:
        return packs.get(jurisdiction)
    except UnknownPack:
        raise bad_request(f"no policy pack for jurisdiction '{jurisdiction}'", field="jurisdiction") from None


def refuse(decisions: list[Decision], detail: str | None = None) -> Problem:
    return rule_violations([Violation.from_decision(d) for d in decisions], detail)


async def record_all(
    uow: UnitOfWork, decisions: list[Decision], *, subject: str, action: str, actor: Principal | str
) -> None:
    for decision in decisions:
        await uow.record_decision(decision, subject=subject, action=action, actor=actor)


async def open_deadline(uow: UnitOfWork, pack: Pack, project_id: str, rule_id: str, start: date, what: str) -> date:
    """A deadline row counted by the pack from `start` (working days on the official calendar)."""
    due_on = pack.due(rule_id, start)
    decision = pack.decide(rule_id, {pack.rule(rule_id).params.counts_from: start})
    await uow.record_decision(decision, subject=project_id, action="deadline.opened", actor="system")
    await uow.open_deadline(subject=project_id, decision=decision, due_on=due_on, description=what)
    return due_on


def check_unit(principal: Principal, project: BudgetProject) -> None:
    ensure_unit_access(principal, project.unit)
