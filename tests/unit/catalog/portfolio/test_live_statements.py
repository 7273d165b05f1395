"""Live events reach the catalog one at a time, so each one's statements are its cost (issue 21): the project row
is written once, at the commit (no flush before a read writes it early), the deadlines are read once per event
and kept on the objects, a money entry is one insert, and the waiting read of a catalogued project is one
select."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from services.catalog.portfolio.tables import PortfolioDeadline, PortfolioProject
from shared import clock
from shared.auth import Role
from shared.contracts.acceptance import ProjectAccepted
from shared.contracts.budget import FundsReleased
from tests.unit.catalog.portfolio.conftest import UNIT
from tests.unit.catalog.portfolio.test_lifecycle_events import routed
from tests.unit.catalog.portfolio.test_portfolio import contracted


@contextmanager
def counted(hub) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(" ".join(statement.split()))

    engine = hub.runtime.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)


def of(statements: list[str], verb: str, table: str) -> list[str]:
    return [s for s in statements if s.startswith(verb) and f" {table}" in s.split(" WHERE ")[0]]


async def row_of(hub, project_id: str) -> PortfolioProject:
    async with hub.runtime.reading() as uow:
        row = await uow.session.get(PortfolioProject, project_id)
        assert row is not None
        return row


async def test_a_live_event_writes_the_project_row_once_and_closes_nothing_with_a_statement(hub):
    project = await hub.admitted()
    with counted(hub) as statements:
        await hub.deliver(routed(project, 0))
    assert len(of(statements, "UPDATE", "portfolio_projects")) == 1
    # the experts' to-dos (none were drawn) are closed on the objects: no UPDATE looks for them
    assert [s for s in of(statements, "UPDATE", "portfolio_todos") if "role" in s.split(" WHERE ")[-1]] == []
    assert len(of(statements, "SELECT", "portfolio_todos")) == 1
    assert of(statements, "SELECT", "portfolio_deadlines") == []  # nothing of it looks at deadlines
    assert (await row_of(hub, project)).stage == "in_review"


async def test_the_contracts_deadlines_are_read_once_and_the_earliest_live_one_is_on_the_row(hub):
    project = await hub.admitted()
    due = clock.today() + timedelta(days=90)
    with counted(hub) as statements:
        await contracted(hub, project, 300_0000_00, signed_on=clock.today(), due=due)
    assert len(of(statements, "SELECT", "portfolio_deadlines")) == 1
    assert len(of(statements, "UPDATE", "portfolio_projects")) == 1
    assert of(statements, "SELECT", "portfolio_money") == [] and len(of(statements, "INSERT", "portfolio_money")) == 1
    row = await row_of(hub, project)
    async with hub.runtime.reading() as uow:
        live = await uow.session.scalars(
            sa.select(PortfolioDeadline.due_on).where(
                PortfolioDeadline.project_id == project, PortfolioDeadline.status.in_(("open", "overdue"))
            )
        )
        dues = sorted(live)
    # the contract's construction deadline and catalog's own (the monitoring report): the earliest is on the row
    assert due in dues and len(dues) == 2
    assert row.next_due_on == dues[0] and row.contracted_fen == 300_0000_00

    # the same release announced twice is counted once, each time with one statement
    release = FundsReleased(
        project_id=project, release_id="R-1", contract_id="C-1", amount_fen=100_0000_00, released_total_fen=100_0000_00
    )
    for _ in range(2):
        with counted(hub) as statements:
            await hub.deliver(release)
        assert len(of(statements, "INSERT", "portfolio_money")) == 1
    assert (await row_of(hub, project)).released_fen == 100_0000_00


async def test_the_waiting_read_of_a_catalogued_project_is_one_select(hub):
    project = await hub.admitted()
    await hub.deliver(
        ProjectAccepted(
            project_id=project,
            unit=UNIT,
            jurisdiction="dazhou",
            path="dazhou",
            accepted_on=clock.today(),
            documents=["acceptance_report"],
            system_name="智慧教育平台",
        )
    )
    with counted(hub) as statements:
        response = await hub.client.get(f"/api/catalog/projects/{project}", headers=hub.headers(Role.DATA_BUREAU))
    assert response.status_code == 200, response.text
    assert [s["id"] for s in response.json()["systems"]] == [f"S-{project}"]
    assert len([s for s in statements if s.startswith("SELECT")]) == 1
    # another unit still learns nothing of it, and an unknown id is still 404
    other = await hub.client.get(f"/api/catalog/projects/{project}", headers=hub.headers(Role.UNIT, unit="别的单位"))
    assert other.status_code == 404
    missing = await hub.client.get("/api/catalog/projects/P-none", headers=hub.headers(Role.DATA_BUREAU))
    assert missing.status_code == 404
