"""Supervision findings (监督检查), pure: who may record one, in which area, until when the unit must
rectify, and the next step of the escalation ladder when it does not (dazhou:第五十三条; quzhou:三(四)).

No I/O and no clock: the handlers pass today's date and the pack."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shared.policy import Decision, Pack

AREAS = "supervision.areas"
SUPERVISORS = "supervision.supervisors"
RECTIFICATION = "supervision.rectification_period"
ESCALATION = "supervision.escalation"
MIDTERM = "supervision.midterm_round"

OPEN_STATES = ("open", "rectification_submitted")


def area_decision(pack: Pack, area: str) -> Decision:
    return pack.decide(AREAS, {"finding_areas": [area]})


def supervising_role(pack: Pack, roles: list[str]) -> tuple[Decision, str | None]:
    """The role a caller records a finding in: the first of the pack's supervising departments it holds."""
    decision = pack.decide(SUPERVISORS, {"supervisor_roles": sorted(roles)})
    hits = [hit["tag"] for hit in decision.value]
    return decision, (hits[0] if hits else None)


def rectification_due(pack: Pack, start: date) -> tuple[Decision, date]:
    """The deadline the pack gives when the supervising department sets none, and after each step."""
    decision = pack.decide(RECTIFICATION, {"finding_recorded_on": start})
    return decision, pack.due(RECTIFICATION, start)


def due_in_time(pack: Pack, recorded_on: date, rectify_by: date) -> bool:
    return rectify_by >= recorded_on


@dataclass(frozen=True)
class Escalation:
    decision: Decision
    step: str
    last: bool  # the ladder's last step: nothing further can happen


def next_step(pack: Pack, current: str | None) -> Escalation | None:
    """The step after `current` (None: nothing applied yet); None once the ladder's end was reached."""
    facts: dict = {"rectification_failed": True}
    if current is not None:
        facts["escalation_level"] = current
    decision = pack.decide(ESCALATION, facts)
    ladder = decision.value.get("ladder", [])
    step = decision.value["next_step"]
    if current is not None and step == current:
        return None
    return Escalation(decision, step, bool(ladder) and step == ladder[-1])


def overdue(rectify_by: date, today: date) -> bool:
    return today > rectify_by


@dataclass(frozen=True)
class RoundPlan:
    decision: Decision
    scheduled_on: date
    departments: list[str]


def midterm_round(pack: Pack, signed_on: date, planned_completion: date) -> RoundPlan | None:
    """Quzhou's mid-term stage supervision: a round at the middle of the construction period, where the
    pack has the rule (None elsewhere)."""
    if not pack.has(MIDTERM):
        return None
    decision = pack.decide(MIDTERM, {})
    span = max((planned_completion - signed_on).days, 0)
    scheduled = signed_on + timedelta(days=span // 2)  # 中期: the middle of the period (see the rule's note)
    return RoundPlan(decision, scheduled, list(decision.value.get("steps", [])))


# --- accountability (追责): dazhou:第五十四条; quzhou:五(三) ------------------------------------------------

#: the rules a case is decided under, where the pack has them
ACCOUNTABILITY_RULES = ("supervision.accountability", "supervision.funds_misuse")
ACCOUNTABILITY_KINDS = ("built_before_approval", "skipped_procedure", "serious_consequence", "misuse_of_funds")


def accountability_facts(kind: str) -> dict[str, bool]:
    """A case's kind as the facts the rules read: building before approval skips 立项, the first procedure
    dazhou:第五十四条 names (未履行立项、技术审查等程序)."""
    return {
        "built_before_approval": kind == "built_before_approval",
        "skipped_required_procedure": kind in ("built_before_approval", "skipped_procedure"),
        "serious_consequence": kind == "serious_consequence",
        "funds_misused": kind == "misuse_of_funds",
    }


def accountability_decisions(pack: Pack, kind: str) -> list[Decision]:
    """Every accountability rule of the pack decided on the case: the failing ones are what it triggers."""
    facts = accountability_facts(kind)
    decisions = []
    for rule_id in ACCOUNTABILITY_RULES:
        if pack.has(rule_id):
            needed = pack.needs(rule_id)
            decisions.append(pack.decide(rule_id, {f: facts[f] for f in needed["required"] + needed["optional"]}))
    return decisions


def built_before_approval(approved_on: date | None, signed_on: date) -> bool:
    """A contract signed before the project's approval (or with none yet) means building before approval."""
    return approved_on is None or signed_on < approved_on
