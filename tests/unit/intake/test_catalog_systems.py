"""Intake's copy of catalog's system register, fed through shared.catalog_systems (as budget's)."""

from __future__ import annotations

from datetime import date

from services.intake.tables import CatalogSystem
from shared.contracts.catalog import EvaluationCompleted, SystemRegistered, SystemRetired
from tests.unit.intake.conftest import EDU


def _registered(day: date) -> SystemRegistered:
    return SystemRegistered(project_id="P-s", system_id="S-s", unit=EDU, jurisdiction="dazhou", registered_on=day)


def _retired(day: date) -> SystemRetired:
    return SystemRetired(project_id="P-s", system_id="S-s", unit=EDU, reason="zombie", retired_on=day)


async def _row(intake) -> CatalogSystem | None:
    async with intake.runtime.unit_of_work() as uow:
        return await uow.session.get(CatalogSystem, "S-s")


async def test_a_registration_delivered_after_a_later_retirement_does_not_bring_the_system_back(intake):
    await intake.deliver(_retired(date(2026, 9, 5)))  # the registration comes late (a replay)
    await intake.deliver(_registered(date(2026, 1, 1)))
    row = await _row(intake)
    assert row is not None and row.retired_on == date(2026, 9, 5)
    await intake.deliver(_registered(date(2026, 10, 1)))  # registered again after it retired
    row = await _row(intake)
    assert row is not None and row.retired_on is None and row.project_id == "P-s"


async def test_an_older_failed_evaluation_arriving_late_does_not_undo_a_newer_pass(intake):
    def evaluated(passed: bool, day: date) -> EvaluationCompleted:
        return EvaluationCompleted(
            project_id="P-s", system_id="S-s", unit=EDU, kind="post_evaluation", passed=passed,
            rule_id="catalog.post_evaluation", citation="dazhou:第五十二条", completed_on=day,
        )  # fmt: skip

    await intake.deliver(_registered(date(2025, 1, 1)))
    await intake.deliver(evaluated(True, date(2026, 6, 1)))
    await intake.deliver(evaluated(False, date(2026, 3, 1)))  # the older result, redelivered late
    row = await _row(intake)
    assert row is not None and row.evaluation_failed_on is None
    await intake.deliver(evaluated(False, date(2026, 9, 1)))
    row = await _row(intake)
    assert row is not None and row.evaluation_failed_on == date(2026, 9, 1)
