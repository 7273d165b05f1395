"""A catch-up batch locks and loads its projects (portfolio rows, report records, open to-dos) in one
prefetch, and the consumers then read them from the session instead of one statement each (issue 21,
target 4): the read models must come out exactly as when each event is handled on its own."""

from __future__ import annotations

import uuid
from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from prometheus_client import REGISTRY

from services.catalog.portfolio.tables import PortfolioProject
from services.catalog.tables import schema
from shared import clock
from shared.contracts.budget import FundsReleased
from shared.contracts.intake import ApplicationAdmitted, ApplicationSubmitted
from shared.locking import HELD, lock_many, locked
from tests.unit.catalog.portfolio.conftest import UNIT, summary_of
from tests.unit.catalog.portfolio.test_lifecycle_events import CHAIN, drawn, routed
from tests.unit.catalog.portfolio.test_portfolio import approved, contracted, scored

AMOUNT = 350_0000_00  # dazhou: four leaders sign


class Recorder:
    """Stands in for the hub in the tests' event helpers: keeps the payloads instead of delivering them."""

    def __init__(self) -> None:
        self.payloads: list = []

    async def deliver(self, payload) -> None:
        self.payloads.append(payload)


async def lifecycle(project_id: str) -> list:
    """A project's events from submission to its first fund release: experts drawn and their to-dos closed
    by the score, the leaders' chain, the contract's deadline, money."""
    recorder = Recorder()
    summary = summary_of("dazhou", UNIT, "智慧教育平台", AMOUNT)
    await recorder.deliver(ApplicationSubmitted(project_id=project_id, project=summary))
    await recorder.deliver(ApplicationAdmitted(project_id=project_id, project=summary, admitted_by="bureau"))
    await recorder.deliver(drawn(project_id, [("E-1", "expert-a"), ("E-2", "expert-b")]))
    await scored(recorder, project_id)
    for position in range(len(CHAIN) + 1):
        await recorder.deliver(routed(project_id, position))
    await approved(recorder, project_id, AMOUNT)
    due = clock.today() + timedelta(days=90)
    await contracted(recorder, project_id, 300_0000_00, signed_on=clock.today(), due=due)
    await recorder.deliver(
        FundsReleased(
            project_id=project_id,
            release_id="R-1",
            contract_id="C-1",
            amount_fen=100_0000_00,
            released_total_fen=100_0000_00,
        )
    )
    return recorder.payloads


def records(envelopes: list) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(value=e.to_json().encode(), topic="govproj.intake", partition=0, offset=n, headers=[])
        for n, e in enumerate(envelopes)
    ]


async def interleaved(projects: list[str]) -> list:
    """The projects' events, round robin (as a partition carries several projects), each enveloped once."""
    streams = [[p.envelope() for p in await lifecycle(project)] for project in projects]
    return [e for group in zip(*streams, strict=True) for e in group]


#: Written by the consumers from the clock or the event's own time, which differ between the two runs.
TIMES = {"id", "stage_at", "created_at", "updated_at", "since", "closed_at", "submitted_on", "admitted_on"}


async def left_behind(hub, project_id: str) -> dict[str, list]:
    """What the project's events left in the read models, its id and the times taken out."""
    tables = {
        name: schema.metadata.tables[name]
        for name in ("portfolio_projects", "portfolio_todos", "portfolio_notifications", "portfolio_deadlines")
    }
    tables["report_projects"] = schema.metadata.tables["report_projects"]
    out: dict[str, list] = {}
    async with hub.runtime.engine.connect() as conn:
        for name, table in tables.items():
            rows = (await conn.execute(sa.select(table).where(table.c.project_id == project_id))).mappings().all()
            out[name] = sorted(
                repr(
                    sorted(
                        (key, str(value).replace(project_id, "P")) for key, value in row.items() if key not in TIMES
                    )
                )
                for row in rows
            )
    return out


def fallbacks() -> float:
    return REGISTRY.get_sample_value("govproj_consumer_batch_fallbacks_total", {"service": "catalog"}) or 0.0


async def test_a_batch_leaves_the_read_models_as_the_events_one_by_one_do_with_one_read_per_table(hub):
    batched = [f"P-{uuid.uuid4().hex[:10]}" for _ in range(3)]
    single = [f"P-{uuid.uuid4().hex[:10]}" for _ in range(3)]
    batch = records(await interleaved(batched))
    one_by_one = records(await interleaved(single))

    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = hub.runtime.engine.sync_engine
    before = fallbacks()
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        outcomes = await hub.runtime.consumer.process_batch(batch)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
    assert outcomes == ["handled"] * len(batch)
    assert fallbacks() == before, "the batch was handled as one, not one by one"
    for record in one_by_one:
        assert await hub.runtime.consumer.process(record) == "handled"

    for a, b in zip(batched, single, strict=True):
        first, second = await left_behind(hub, a), await left_behind(hub, b)
        assert first == second
        assert first["portfolio_todos"] and first["portfolio_notifications"] and first["portfolio_deadlines"]

    # 12 events of each of 3 projects: the projects, the report records and the open to-dos are each read
    # once for the whole batch, by the prefetch, and never again row by row.
    def reads(table: str) -> list[str]:
        return [s for s in statements if s.lstrip().upper().startswith("SELECT") and f"FROM {table}" in s]

    assert len(reads("portfolio_projects")) == 1
    assert len(reads("report_projects")) == 1
    # (the drawn experts' own to-dos, with a ref, are still looked up one by one)
    assert len([s for s in reads("portfolio_todos") if "role = " not in s.split("WHERE", 1)[-1]]) == 1


async def test_what_a_transaction_holds_ends_with_it(hub):
    project = await hub.admitted()
    async with hub.runtime.unit_of_work() as uow:
        found = await lock_many(uow.session, PortfolioProject, [project, "P-absent"])
        assert set(found) == {project}
        assert await locked(uow.session, PortfolioProject, "P-absent") is None  # known absent, not read again
        row = await locked(uow.session, PortfolioProject, project)
        assert row is found[project]
        row.stage_at = clock.now()
        await uow.session.flush()  # a flush's own subtransaction ends: the rows stay held
        assert HELD in uow.session.info
        await uow.session.delete(row)
        await uow.session.flush()
        assert await locked(uow.session, PortfolioProject, project) is None  # deleted: read again, gone
        session = uow.session
    assert HELD not in session.info  # the commit released the locks
