"""The main list queries' plans on PostgreSQL: a small province (bench/province.py) is loaded and analysed,
each read is sent to the real route in-process, every SELECT it ran is EXPLAINed with its own parameters,
and no plan may scan a big table sequentially — nor, for the lists, sort it: each page is an index range.

The planner is asked with `enable_seqscan = off`: on a few thousand rows a sequential scan is cheap and
would be chosen anyway, so this checks that an index exists that serves each query (a query no index can
serve still shows its Seq Scan). bench/read_load.py shows the planner choosing them at 100,000 projects."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy import event

from shared.auth import Role, issue_token
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import STAGE_SERVICES, Settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import province

pytestmark = pytest.mark.integration

SCALE = 4000
#: tables that grow with the province: none of them may be read whole for a page or an aggregate
BIG = {
    "applications",
    "portfolio_projects",
    "portfolio_todos",
    "portfolio_deadlines",
    "systems",
    "findings",
    "monthly_figures",
    "decisions",
    "audit_log",
    "outbox",
}


@pytest.fixture(scope="module")
def plan_urls(pg_urls: dict[str, str]) -> Iterator[dict[str, str]]:
    """Databases of their own on the suite's PostgreSQL, filled with a small province."""
    import asyncio

    server = province.dsn(pg_urls["bench"])
    names = {service: f"plans_{service}" for service in STAGE_SERVICES}

    async def create() -> None:
        conn = await asyncpg.connect(server)
        try:
            for name in names.values():
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    base = pg_urls["bench"].rsplit("/", 1)[0]
    urls = {service: f"{base}/{name}" for service, name in names.items()}
    asyncio.run(province.generate(urls, SCALE, today=date.today(), log=lambda *_: None))
    yield urls


@dataclass
class Service:
    client: httpx.AsyncClient
    runtime: ServiceRuntime
    url: str
    statements: list[tuple[str, Any]]


def _app(service: str, url: str):
    if service == "intake":
        from services.intake.api import router, scope
        from services.intake.handlers import subscriptions
        from services.intake.tables import schema

        routers, sweepers, limits = [router], [], None
    else:
        from services.catalog import data_operations, oversight, portfolio, reports
        from services.catalog.api import ROUTERS
        from services.catalog.api.common import scope
        from services.catalog.handlers import subscriptions
        from services.catalog.tables import schema

        routers = [*ROUTERS, *oversight.ROUTERS, *data_operations.ROUTERS, *reports.ROUTERS, *portfolio.ROUTERS]
        sweepers, limits = [], None
    settings = Settings(service=service, database_url=url)
    return create_service_app(
        service,
        schema,
        subscriptions,
        routers,
        title=f"{service} (plans)",
        settings=settings,
        sweepers=sweepers,
        scope=scope,
        body_limits=limits,
    )


@pytest.fixture(scope="module")
async def services(plan_urls: dict[str, str]) -> AsyncIterator[dict[str, Service]]:
    packs.load_all()
    out = {}
    clients = []
    for name in ("intake", "catalog"):
        app = _app(name, plan_urls[name])
        runtime: ServiceRuntime = app.state.runtime
        captured: list[tuple[str, Any]] = []

        def capture(conn, cursor, statement, parameters, context, executemany, captured=captured):
            captured.append((statement, parameters))

        event.listen(runtime.read_engine.sync_engine, "before_cursor_execute", capture)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}")
        clients.append(client)
        out[name] = Service(client, runtime, plan_urls[name], captured)
    yield out
    for client in clients:
        await client.aclose()
    for service in out.values():
        await service.runtime.engine.dispose()
        await service.runtime.read_engine.dispose()


def _headers(role: Role, *, unit: str | None = None, cleared: bool = False) -> dict[str, str]:
    return {
        "authorization": f"Bearer {issue_token(Settings().jwt_secret, str(role), [role], unit=unit, cleared=cleared)}"
    }


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def plans_of(
    service: Service, path: str, headers: dict[str, str], params: dict | None = None, *, settings: tuple[str, ...] = ()
) -> list[dict]:
    """The plans of every SELECT the route ran for this request (the route must answer 200)."""
    service.statements.clear()
    response = await service.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    selects = [(s, p) for s, p in service.statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    assert selects, f"{path} ran no SELECT"
    conn = await asyncpg.connect(province.dsn(service.url))
    try:
        await conn.execute("SET enable_seqscan = off")
        for setting in settings:
            await conn.execute(f"SET {setting}")
        out = []
        for statement, parameters in selects:
            explained = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {statement}", *(parameters or ()))
            plan = (explained if isinstance(explained, list) else __import__("json").loads(explained))[0]["Plan"]
            out.append({"sql": statement, "plan": plan})
        return out
    finally:
        await conn.close()


def seq_scans(plans: list[dict]) -> list[str]:
    return [
        f"{node['Relation Name']} in: {p['sql'][:300]}"
        for p in plans
        for node in _nodes(p["plan"])
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in BIG
    ]


#: a sort of at most this many rows (estimated) is a narrow filter's matches, not the table
SMALL_SORT = SCALE // 20


def sorts_of_big_tables(plans: list[dict]) -> list[str]:
    """A Sort of many rows of a big table: the page is not an index range (sorting the few rows an equality
    filter left, as the planner may for two filters that one index serves, is not what this catches)."""
    found = []
    for p in plans:
        for node in _nodes(p["plan"]):
            if node["Node Type"] == "Sort" and node["Plans"][0]["Plan Rows"] > SMALL_SORT:
                below = {n.get("Relation Name") for n in _nodes(node)} & BIG
                if below:
                    found.append(f"sort of {node['Plans'][0]['Plan Rows']} rows of {sorted(below)}: {p['sql'][:300]}")
    return found


BUREAU = _headers(Role.DATA_BUREAU, cleared=True)
FINANCE = _headers(Role.FINANCE)
UNIT_NAME = f"{province.CITY_ZH['dazhou']}{province.DEPARTMENTS[0]}"
UNIT = _headers(Role.UNIT, unit=UNIT_NAME)

LISTS = {
    "library, no filter": ("intake", "/api/intake/applications", FINANCE, {"limit": 50}),
    "library, jurisdiction + year": (
        "intake",
        "/api/intake/applications",
        FINANCE,
        {"jurisdiction": "quzhou", "plan_year": 2022, "limit": 50},
    ),
    "library, status": ("intake", "/api/intake/applications", FINANCE, {"status": "submitted", "limit": 50}),
    "library, a unit's own": ("intake", "/api/intake/applications", UNIT, {"limit": 50}),
    "library, priority order": ("intake", "/api/intake/applications", BUREAU, {"sort": "priority", "limit": 50}),
    "catalog list, jurisdiction + state": (
        "catalog",
        "/api/catalog/systems",
        BUREAU,
        {"jurisdiction": "jiyuan", "state": "running", "limit": 50},
    ),
    "catalog list, unit": ("catalog", "/api/catalog/systems", BUREAU, {"unit": UNIT_NAME, "limit": 50}),
    "catalog list, a year by registration day": (
        "catalog",
        "/api/catalog/systems",
        BUREAU,
        {"year": 2022, "sort": "registered_on", "order": "desc", "limit": 50},
    ),
    "catalog list, by name": ("catalog", "/api/catalog/systems", BUREAU, {"sort": "name", "limit": 50}),
    "findings list, open": ("catalog", "/api/catalog/findings", BUREAU, {"status": "open", "limit": 50}),
    "findings list, by rectification day": (
        "catalog",
        "/api/catalog/findings",
        BUREAU,
        {"sort": "rectify_by", "order": "desc", "limit": 50},
    ),
    "portfolio list, jurisdiction": (
        "catalog",
        "/api/catalog/portfolio/projects",
        BUREAU,
        {"jurisdiction": "fengxian", "limit": 50},
    ),
}


@pytest.mark.parametrize("name", list(LISTS))
async def test_a_list_page_is_an_index_range(services, name):
    service, path, headers, params = LISTS[name]
    plans = await plans_of(services[service], path, headers, params)
    assert seq_scans(plans) == [], name
    listing = [p for p in plans if "count(" not in p["sql"].lower()]
    assert sorts_of_big_tables(listing) == [], name


async def test_a_deep_cursor_page_costs_what_the_first_does(services):
    """Page 60 of the library (a keyset cursor): an index range from the cursor, no scan up to it."""
    intake = services["intake"]
    body = (await intake.client.get("/api/intake/applications", params={"limit": 50}, headers=FINANCE)).json()
    cursor = body["next_cursor"]
    for _ in range(3):
        body = (
            await intake.client.get(
                "/api/intake/applications", params={"limit": 500, "cursor": cursor}, headers=FINANCE
            )
        ).json()
        cursor = body["next_cursor"]
    assert cursor
    plans = await plans_of(intake, "/api/intake/applications", FINANCE, {"limit": 50, "cursor": cursor})
    assert seq_scans(plans) == [] and sorts_of_big_tables(plans) == []


@pytest.mark.parametrize("word", [f"{UNIT_NAME}医保结算", "济源市民政局不动产登记"])
async def test_name_search_uses_the_trigram_index(services, word):
    """A name search can be answered from the trigram index. On a few thousand rows the planner may rather
    walk the list's order index until the page is full (cheap there; at 40,000 rows it takes the trigram
    index for a rare name), so plain index scans are set aside too: what is left is a bitmap scan, which
    needs an index whose condition is the name itself."""
    for service, path in (("intake", "/api/intake/applications"), ("catalog", "/api/catalog/portfolio/projects")):
        headers = FINANCE if service == "intake" else BUREAU
        plans = await plans_of(services[service], path, headers, {"q": word}, settings=("enable_indexscan = off",))
        assert seq_scans(plans) == [], (service, word)
        used = {n.get("Index Name") for p in plans for n in _nodes(p["plan"])}
        assert any(name and name.endswith("title_trgm") for name in used), (service, used)


@pytest.mark.parametrize(
    ("path", "params", "index"),
    [
        ("/api/catalog/systems", {"q": "医保结算"}, "ix_systems_name_trgm"),
        ("/api/catalog/systems", {"unit_name": "民政局"}, "ix_systems_unit_trgm"),
        ("/api/catalog/findings", {"unit_name": "民政局"}, "ix_findings_unit_trgm"),
        ("/api/catalog/findings", {"q": "发现的问题"}, "ix_findings_description_trgm"),
    ],
)
async def test_catalog_search_by_part_of_a_name_uses_a_trigram_index(services, path, params, index):
    plans = await plans_of(services["catalog"], path, BUREAU, params, settings=("enable_indexscan = off",))
    assert seq_scans(plans) == [], params
    used = {n.get("Index Name") for p in plans for n in _nodes(p["plan"])}
    assert index in used, used


async def test_the_todo_lists_read_no_table_whole(services):
    for headers in (BUREAU, UNIT):
        plans = await plans_of(services["catalog"], "/api/catalog/portfolio/todos", headers, {"limit": 50})
        assert seq_scans(plans) == []


async def test_the_bureaus_first_todo_page_is_read_in_index_order_not_sorted(services):
    """Overdue first, then by due date, undated last is the order of ix_portfolio_todos_open_role: a role's
    first page stops after its rows instead of sorting every open to-do of the province."""
    plans = await plans_of(services["catalog"], "/api/catalog/portfolio/todos", BUREAU, {"limit": 50})
    (page,) = [p for p in plans if "LIMIT" in p["sql"].upper()]
    nodes = list(_nodes(page["plan"]))
    # an Incremental Sort only orders the ties of (due date, since) by id, and stops with the page
    assert not [n for n in nodes if n["Node Type"] == "Sort"], page["plan"]
    assert "ix_portfolio_todos_open_role" in {n.get("Index Name") for n in nodes}


@pytest.mark.parametrize("params", [{"jurisdiction": "dazhou", "year": 2021}, {"jurisdiction": "quzhou"}])
async def test_the_cockpit_of_a_jurisdiction_reads_by_index(services, params):
    """Its risk figures too: the projects are rated in the query (queries/risk.py), which counts them by
    risk and returns the riskiest few, and reads the projects and the overdue deadlines by index."""
    plans = await plans_of(services["catalog"], "/api/catalog/portfolio/cockpit", BUREAU, params)
    assert seq_scans(plans) == []
    rating = [p for p in plans if "cost_tenths" in p["sql"]]
    assert len(rating) == 2, [p["sql"][:120] for p in plans]  # the counts by risk, the riskiest page
    used = {n.get("Index Name") for p in rating for n in _nodes(p["plan"])}
    assert any(name and name.startswith("ix_portfolio_deadlines") for name in used), used
    assert any(name and name.startswith("ix_portfolio_projects") for name in used), used


async def test_a_read_past_its_statement_timeout_is_cancelled_and_answers_unavailable(plan_urls):
    """The read pool cuts a statement off in the database (a read the gateway abandoned does not run on),
    and the error is the 'come back later' kind (503 + Retry-After), not a 500."""
    import sqlalchemy as sa

    from shared.db import is_database_unavailable, make_engine, make_read_engine

    write = make_engine(plan_urls["intake"], null_pool=True)
    read = make_read_engine(write, pool_size=1, statement_timeout_ms=200)
    try:
        async with read.connect() as conn:
            started = asyncio.get_running_loop().time()
            with pytest.raises(sa.exc.DBAPIError) as raised:
                await conn.execute(sa.text("SELECT pg_sleep(5)"))
            assert asyncio.get_running_loop().time() - started < 3
        assert is_database_unavailable(raised.value)
        async with write.connect() as conn:  # the write pool has no such limit
            assert (await conn.execute(sa.text("SHOW statement_timeout"))).scalar() == "0"
    finally:
        await read.dispose()
        await write.dispose()
