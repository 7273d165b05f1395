"""shared.supervision: which escalation of a finding is stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.contracts.catalog import FindingEscalated
from shared.supervision import stale


@dataclass
class Row:
    finding_id: str = "F-1"
    step: str = "suspended"
    rule_id: str = "supervision.escalation"
    citation: str = "dazhou:第五十三条"
    escalated_on: date = date(2026, 9, 5)
    resolved_on: date | None = None


def _escalated(step: str, day: date) -> FindingEscalated:
    return FindingEscalated(
        project_id="P-1", finding_id="F-1", unit="U", area="progress", step=step,
        rule_id="supervision.escalation", citation="dazhou:第五十三条", escalated_on=day,
    )  # fmt: skip


def test_older_days_and_earlier_steps_of_the_same_day_are_stale():
    row = Row()
    assert stale(row, _escalated("terminated", date(2026, 9, 1)))
    assert stale(row, _escalated("plan_deferred", date(2026, 9, 5)))
    assert not stale(row, _escalated("suspended", date(2026, 9, 5)))  # a redelivery changes nothing
    assert not stale(row, _escalated("terminated", date(2026, 9, 5)))
    assert not stale(row, _escalated("public_criticism", date(2026, 9, 6)))  # a later day wins


def test_a_resolved_finding_stays_resolved_and_an_unknown_step_is_kept_on_its_day():
    assert stale(Row(resolved_on=date(2026, 9, 9)), _escalated("terminated", date(2026, 9, 10)))
    assert not stale(Row(), _escalated("local_step", date(2026, 9, 5)))
