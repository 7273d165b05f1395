"""Benchmark (not a test): catalog's statements and CPU per consumed event in the live lifecycle (issue 21).

Live events reach catalog one (or two) per fetched batch, so each goes through the consumer's one-by-one
path: its inbox claim, every room's handler, the commit. This feeds an in-process catalog (all its rooms, on
a SQLite file with the migrations applied, no broker) the events of one project's life in the order
`bench/lifecycle.py` produces them, through `EventConsumer.process_batch` with one record at a time, and
counts the SQL statements (`before_cursor_execute`) and the CPU time of each; then the benchmark's waiting
read of the project (`GET /api/catalog/projects/{id}`).

    .venv/bin/python bench/catalog_statements.py --projects 20

Prints, per event type, the mean statements and CPU ms, and the totals per project."""

from __future__ import annotations

import argparse
import asyncio
import collections
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.catalog import data_operations, oversight, portfolio, reports
from services.catalog.api import ROUTERS
from services.catalog.api.common import scope
from services.catalog.handlers import subscriptions
from services.catalog.sweepers import SWEEPERS
from services.catalog.tables import schema
from shared import clock
from shared.auth import Role, issue_token
from shared.contracts.acceptance import ProjectAccepted, StepCompleted, TrialStarted
from shared.contracts.budget import EstimateApproved, FundsReleased
from shared.contracts.catalog import SystemRegistered
from shared.contracts.intake import ApplicationAdmitted, ApplicationSubmitted
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings
from tests.unit.catalog.portfolio.conftest import UNIT, summary_of
from tests.unit.catalog.portfolio.test_lifecycle_events import CHAIN, routed
from tests.unit.catalog.portfolio.test_portfolio import approved, contracted, scored

AMOUNT = 350_0000_00  # dazhou: four leaders sign


class Recorder:
    """Keeps the payloads the test helpers would deliver."""

    def __init__(self) -> None:
        self.payloads: list[Any] = []

    async def deliver(self, payload: Any) -> None:
        self.payloads.append(payload)


async def life(project_id: str) -> list[Any]:
    """The events catalog hears of one benchmark project, in the benchmark's order."""
    today = clock.today()
    r = Recorder()
    summary = summary_of("dazhou", UNIT, "基准项目", AMOUNT)
    await r.deliver(ApplicationSubmitted(project_id=project_id, project=summary))
    await r.deliver(ApplicationAdmitted(project_id=project_id, project=summary, admitted_by="bureau"))
    await scored(r, project_id)
    for position in range(len(CHAIN) + 1):
        await r.deliver(routed(project_id, position))
    await approved(r, project_id, AMOUNT)
    await r.deliver(
        EstimateApproved(
            project_id=project_id,
            unit=UNIT,
            jurisdiction="dazhou",
            estimate_fen=AMOUNT - 10000_00,
            revision=1,
            approved_on=today,
        )
    )
    signed = today - timedelta(days=60)
    await contracted(r, project_id, AMOUNT - 10000_00, signed_on=signed, due=signed + timedelta(days=200))
    await r.deliver(TrialStarted(project_id=project_id, started_on=today - timedelta(days=40)))
    await r.deliver(
        StepCompleted(
            project_id=project_id,
            unit=UNIT,
            jurisdiction="dazhou",
            path="dazhou",
            step="pre_acceptance",
            next_step="acceptance",
            completed_on=today,
        )
    )
    await r.deliver(
        ProjectAccepted(
            project_id=project_id,
            unit=UNIT,
            jurisdiction="dazhou",
            path="dazhou",
            accepted_on=today,
            documents=["acceptance_report"],
            system_name="基准系统",
        )
    )
    await r.deliver(
        FundsReleased(
            project_id=project_id, release_id="R-1", contract_id="C-1", amount_fen=10000_00, released_total_fen=10000_00
        )
    )
    await r.deliver(
        SystemRegistered(
            project_id=project_id,
            system_id=f"S-{project_id}",
            unit=UNIT,
            jurisdiction="dazhou",
            name="基准系统",
            registered_on=today,
        )
    )
    return r.payloads


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=20)
    args = parser.parse_args()
    packs.load_all()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(service="catalog", database_url=f"sqlite+aiosqlite:///{tmp}/catalog.sqlite")
        app = create_service_app(
            "catalog",
            schema,
            subscriptions,
            [*ROUTERS, *oversight.ROUTERS, *data_operations.ROUTERS, *reports.ROUTERS, *portfolio.ROUTERS],
            title="catalog (statements)",
            settings=settings,
            scope=scope,
            sweepers=[*SWEEPERS, *oversight.SWEEPERS, *data_operations.SWEEPERS, *portfolio.SWEEPERS],
        )
        runtime: ServiceRuntime = app.state.runtime
        await upgrade_to_head(runtime.engine, "catalog")
        statements: list[str] = []

        def seen(conn, cursor, statement, parameters, context, executemany) -> None:
            statements.append(statement)

        sa.event.listen(runtime.engine.sync_engine, "before_cursor_execute", seen)
        count: dict[str, list[int]] = collections.defaultdict(list)
        cpu: dict[str, list[float]] = collections.defaultdict(list)
        kinds: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
        token = issue_token(settings.jwt_secret, "bureau", [Role.DATA_BUREAU])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://catalog") as client:
            for n in range(args.projects + 1):  # the first warms the statement caches, uncounted
                project_id = f"P-{uuid.uuid4().hex[:10]}"
                for offset, payload in enumerate(await life(project_id)):
                    envelope = payload.envelope()
                    record = SimpleNamespace(
                        value=envelope.to_json().encode(), topic="t", partition=0, offset=offset, headers=[]
                    )
                    statements.clear()
                    started = time.process_time()
                    outcomes = await runtime.consumer.process_batch([record])  # type: ignore[list-item]
                    spent = time.process_time() - started
                    assert outcomes == ["handled"], outcomes
                    if n:
                        count[payload.event_type].append(len(statements))
                        cpu[payload.event_type].append(spent)
                        for statement in statements:
                            words = statement.split()
                            table = next((w for w in words[1:6] if w.islower() and w.isidentifier()), "")
                            kinds[payload.event_type][f"{words[0]} {table}"] += 1
                statements.clear()
                started = time.process_time()
                response = await client.get(
                    f"/api/catalog/projects/{project_id}", headers={"authorization": f"Bearer {token}"}
                )
                spent = time.process_time() - started
                assert response.status_code == 200, response.text
                if n:
                    count["GET /projects/{id}"].append(len(statements))
                    cpu["GET /projects/{id}"].append(spent)
                    for statement in statements:
                        kinds["GET /projects/{id}"][" ".join(statement.split()[:1])] += 1
        sa.event.remove(runtime.engine.sync_engine, "before_cursor_execute", seen)
        await runtime.engine.dispose()
    total_statements = total_cpu = 0.0
    print(f"{'event':45} {'stmts':>6} {'CPU ms':>7}")
    for event_type in count:
        per = sum(count[event_type]) / args.projects
        ms = sum(cpu[event_type]) / args.projects * 1000
        total_statements += per
        total_cpu += ms
        print(f"{event_type:45} {per:6.1f} {ms:7.2f}")
    print(f"{'per project':45} {total_statements:6.1f} {total_cpu:7.2f}")
    print("\nstatements by kind (per project):")
    for event_type, counter in kinds.items():
        print(
            f"  {event_type}: "
            + ", ".join(f"{k} {v / args.projects:g}" for k, v in sorted(counter.items(), key=lambda kv: -kv[1]))
        )


if __name__ == "__main__":
    asyncio.run(main())
