"""shared.catalog_systems: which registration of a system is stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shared.catalog_systems import stale_evaluation, stale_registration
from shared.contracts.catalog import EvaluationCompleted, SystemRegistered


@dataclass
class Row:
    system_id: str = "S-1"
    project_id: str = "P-1"
    unit: str = "U"
    registered_on: date = date(2026, 1, 1)
    retired_on: date | None = date(2026, 9, 5)


def _registered(day: date) -> SystemRegistered:
    return SystemRegistered(project_id="P-1", system_id="S-1", unit="U", jurisdiction="dazhou", registered_on=day)


def test_a_registration_older_than_the_retirement_is_stale_one_on_or_after_it_is_not():
    assert stale_registration(Row(), _registered(date(2026, 1, 1)))
    assert not stale_registration(Row(), _registered(date(2026, 9, 5)))  # re-registered the day it retired
    assert not stale_registration(Row(), _registered(date(2026, 10, 1)))
    assert not stale_registration(Row(retired_on=None), _registered(date(2025, 1, 1)))


def test_an_evaluation_older_than_the_latest_held_is_stale():
    def evaluated(day: date) -> EvaluationCompleted:
        return EvaluationCompleted(
            project_id="P-1", system_id="S-1", unit="U", kind="post_evaluation", passed=True,
            rule_id="catalog.post_evaluation", citation="dazhou:第五十二条", completed_on=day,
        )  # fmt: skip

    assert stale_evaluation(date(2026, 3, 1), evaluated(date(2026, 2, 1)))
    assert not stale_evaluation(date(2026, 3, 1), evaluated(date(2026, 3, 1)))  # a redelivery
    assert not stale_evaluation(None, evaluated(date(2020, 1, 1)))
