"""A contract's statements (issue 21, bench/statements.py): the route checks the unit on the row it locks, and
the handler that loads the same row under the same lock costs no second statement."""

from __future__ import annotations

from services.procurement.tables import ProcurementProject
from shared.auth import Role
from shared.locking import locked
from tests.support.statements import counted, of
from tests.unit.procurement.conftest import WAN


async def test_a_contract_reads_the_project_once_under_its_lock(procurement):
    project = await procurement.project(300 * WAN)
    with counted(procurement.runtime.engine) as statements:
        response = await procurement.contract(project, 280 * WAN)
    assert response.status_code == 201, response.text
    assert len(of(statements, "SELECT", "procurement_projects")) == 1
    assert len(of(statements, "UPDATE", "procurement_projects")) == 1
    assert len(statements) <= 12, statements
    found = (await procurement.get(f"/projects/{project}")).json()
    assert found["stage"] == "contracted" and [c["amount_fen"] for c in found["contracts"]] == [280 * WAN]

    # another unit is still refused, before anything is written
    other = await procurement.post(
        f"/projects/{project}/contracts",
        {"supplier": "某公司", "amount_fen": 1, "signed_on": "2026-01-01", "planned_completion": "2026-12-01"},
        Role.UNIT,
        unit="别的单位",
    )
    assert other.status_code == 403
    assert len((await procurement.get(f"/projects/{project}")).json()["contracts"]) == 1


async def test_a_row_locked_once_is_handed_back_without_a_statement_until_the_transaction_ends(procurement):
    project = await procurement.project(300 * WAN)
    async with procurement.runtime.unit_of_work() as uow:
        with counted(procurement.runtime.engine) as statements:
            first = await locked(uow.session, ProcurementProject, project)
            assert first is not None
            first.stage = "changed in this transaction"
            again = await locked(uow.session, ProcurementProject, project)
        assert again is first and again.stage == "changed in this transaction"
        assert len(of(statements, "SELECT", "procurement_projects")) == 1
        await uow.session.rollback()
    async with procurement.runtime.unit_of_work() as uow:
        with counted(procurement.runtime.engine) as statements:
            fresh = await locked(uow.session, ProcurementProject, project)
        assert fresh is not None and fresh.stage != "changed in this transaction"
        assert len(of(statements, "SELECT", "procurement_projects")) == 1  # a new transaction reads and locks anew
