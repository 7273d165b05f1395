"""Budget's copy of catalog's system register, fed through shared.catalog_systems (as intake's)."""

from __future__ import annotations

from datetime import date

from services.budget.tables import CatalogSystem
from shared.contracts.catalog import SystemRegistered, SystemRetired
from tests.unit.budget.conftest import UNIT


def _registered(day: date) -> SystemRegistered:
    return SystemRegistered(project_id="P-s", system_id="S-s", unit=UNIT, jurisdiction="dazhou", registered_on=day)


def _retired(day: date) -> SystemRetired:
    return SystemRetired(project_id="P-s", system_id="S-s", unit=UNIT, reason="zombie", retired_on=day)


async def _row(budget) -> CatalogSystem:
    async with budget.runtime.unit_of_work() as uow:
        row = await uow.session.get(CatalogSystem, "S-s")
        assert row is not None
        return row


async def test_a_registration_delivered_after_a_later_retirement_does_not_bring_the_system_back(budget):
    await budget.deliver(_retired(date(2026, 9, 5)))  # the registration comes late (a replay)
    await budget.deliver(_registered(date(2026, 1, 1)))
    row = await _row(budget)
    assert (row.state, row.retired_on) == ("retired", date(2026, 9, 5))
    await budget.deliver(_registered(date(2026, 10, 1)))  # registered again after it retired
    row = await _row(budget)
    assert (row.state, row.retired_on, row.jurisdiction) == ("registered", None, "")
