"""Two replicas of every stage service in one consumer group each, on one database each: `<service>` and
`<service>-2` for intake, review, budget, procurement, acceptance and catalog, all running API, relay and
consumer, beside the gateway. The `-2` replicas start first, so each leads its service's outbox relay; then
the first replicas join and each group rebalances, the two replicas splitting the partitions of the service's
topics (six each). Projects flow through the gateway from 申报 to 验收 (submit → admit → review → approvals →
estimate → contract → trial run → pre-acceptance → acceptance → the catalog's registration), one after
another in a pipeline; when the first project has its contract, every `-2` replica is killed with SIGKILL
(no leave-group, no offset commit, no clean close) while the others are mid-path. The survivors take over
every partition (a rebalance) and the relay's leader lock, redelivered records meet the inbox, and every
project completes with exactly one effect per step in every service: each event emitted once per project,
each emitted event consumed once by each subscriber, each audit line and policy decision written once."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import httpx
import pytest

from deploy.local.launcher import ALL_SERVICES, Platform
from shared import clock
from shared.settings import STAGE_SERVICES
from tests.integration.test_lifecycle import LEADER_USERS, WAN
from tests.support import infra, stack
from tests.support.api import Api, ok, passed_acceptance_items, required_materials
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

SECOND = "-2"
VICTIMS = tuple(f"{service}{SECOND}" for service in STAGE_SERVICES)
PROJECTS = 6
ASSIGNED = re.compile(r"TopicPartition\(topic='([^']+)', partition=(\d+)\)")
#: Generous: after a SIGKILL the group waits out the dead member's session before it rebalances.
EVENTUALLY = 120


@pytest.fixture(scope="module")
async def replicated(pg_urls, kafka_bootstrap, tmp_path_factory) -> AsyncIterator[tuple[Platform, dict[str, str]]]:
    """(platform, service → its database URL), every stage service twice, the `-2` replicas leading."""
    prefix = stack.unique_prefix("replica")
    names = {service: f"{prefix}_{service}" for service in STAGE_SERVICES}
    databases = await stack.create_databases(pg_urls["intake"], list(names.values()))
    urls = {service: databases[name] for service, name in names.items()}
    platform = Platform(
        database_urls=urls,
        kafka_bootstrap=kafka_bootstrap,
        log_dir=tmp_path_factory.mktemp("replica-logs"),
        ports={name: infra.free_port() for name in (*ALL_SERVICES, *VICTIMS)},
        extra_env={
            "GOVPROJ_ENV": "test",
            "GOVPROJ_TOPIC_PREFIX": prefix,
            "GOVPROJ_OUTBOX_POLL_SECONDS": "0.5",
            "GOVPROJ_SWEEP_SECONDS": "3600",  # no sweeper's effects beside the steps counted here
            "GOVPROJ_LOG_LEVEL": "INFO",  # aiokafka's partition assignments are INFO lines
        },
    )
    try:
        # The second replicas first: each takes its relay's advisory lock, so the kill below hits the leaders.
        platform.start(VICTIMS)
        platform.wait_ready(timeout=180, services=VICTIMS)
        for name in VICTIMS:
            await wait_for(lambda n=name: leader_lines(platform, n), timeout=60, message=f"{name} leads the relay")
        platform.start(ALL_SERVICES)
        platform.wait_ready(timeout=180, services=STAGE_SERVICES)
        infra.wait_for_sync(lambda: stack.healthy(platform.urls["gateway"]), timeout=60, message="gateway healthy")
        yield platform, urls
    finally:
        platform.stop()


def assignments(platform: Platform, name: str) -> list[set[tuple[str, int]]]:
    """Each partition assignment the replica's consumer logged, in order."""
    found = []
    for line in stack.log_lines(platform.log_dir, name):
        event = json.loads(line).get("event", "")
        if event.startswith("Setting newly assigned partitions"):
            found.append({(t, int(p)) for t, p in ASSIGNED.findall(event)})
    return found


def latest(platform: Platform, name: str) -> set[tuple[str, int]]:
    return (assignments(platform, name) or [set()])[-1]


def leader_lines(platform: Platform, name: str) -> int:
    return sum(
        json.loads(line).get("event") == "outbox relay is the leader"
        for line in stack.log_lines(platform.log_dir, name)
    )


async def drive(api: Api, number: int, after: asyncio.Event | None, admitted: asyncio.Event, progress: dict) -> str:
    """One project from 申报 to the catalog, through the gateway (so through the first replicas' APIs)."""
    if after is not None:
        await after.wait()  # a pipeline: this project starts when the one before is admitted
    today = clock.today()
    body = {
        "unit": "达州市教育局",
        "jurisdiction": "dazhou",
        "title": f"副本样例{number}",
        "category": "application",
        "construction_type": "new",
        "total_investment_fen": 350 * WAN,
        "plan_year": today.year + 1,
        "details": {"performance_goals": "全市中小学覆盖率100%"},
        "materials": required_materials(),
    }
    project = ok(await api.post("edu", "/api/intake/applications", body), 201)["id"]
    ok(await api.post("edu", f"/api/intake/applications/{project}/submit"))
    ok(await api.post("bureau", f"/api/intake/applications/{project}/admit"))
    admitted.set()
    await reached(api, "bureau", f"/api/review/projects/{project}")
    case = ok(await api.post("bureau", f"/api/review/projects/{project}/scheme-review", {"passed": True}))
    for role in [step["role"] for step in case["steps"]]:
        case = ok(await api.post(LEADER_USERS[role], f"/api/review/projects/{project}/approval", {"approve": True}))
    assert case["stage"] == "approved", case
    await reached(api, "finance", f"/api/budget/projects/{project}")
    estimate = 340 * WAN
    ok(await api.post("bureau", f"/api/budget/projects/{project}/estimate", {"estimate_fen": estimate}))
    await reached(api, "edu", f"/api/procurement/projects/{project}")
    signed_on = today - timedelta(days=70)
    contract = {
        "supplier": "四川某信息技术有限公司",
        "amount_fen": estimate,
        "signed_on": signed_on.isoformat(),
        "planned_completion": (signed_on + timedelta(days=300)).isoformat(),
    }
    ok(await api.post("edu", f"/api/procurement/projects/{project}/contracts", contract), 201)
    progress["contracted"] += 1
    await reached(api, "edu", f"/api/acceptance/projects/{project}")
    trial = {"started_on": (today - timedelta(days=40)).isoformat()}
    ok(await api.post("edu", f"/api/acceptance/projects/{project}/trial-run", trial))
    ok(await api.post("bureau", f"/api/acceptance/projects/{project}/pre-acceptance"))
    acceptance = {"passed": True, "system_name": body["title"], "items": passed_acceptance_items()}
    assert (
        ok(await api.post("edu", f"/api/acceptance/projects/{project}/acceptance", acceptance))["stage"] == "accepted"
    )
    systems = await reached(api, "bureau", f"/api/catalog/projects/{project}")
    assert systems["systems"][0]["state"] == "running"
    return project


async def reached(api: Api, username: str, path: str) -> dict:
    """Wait until a service has learned of the project through Kafka (its GET stops being 404)."""

    async def probe():
        response = await api.get(username, path)
        return response.json() if response.status_code == 200 else None

    return await wait_for(probe, timeout=EVENTUALLY, message=f"GET {path}")


async def effects(database_url: str, projects: list[str]) -> dict[str, list]:
    """What one service wrote about the projects: events emitted, events consumed, audit lines, decisions."""
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return {
            # Grouped by the event's data too: an event that is one per step (review.approval.routed, once per
            # leader's signature) differs in its data; the same step taken twice would not.
            "emitted": await connection.fetch(
                "SELECT key, type, count(*) AS n FROM outbox WHERE key = ANY($1)"
                " GROUP BY key, type, (payload::jsonb) -> 'data'",
                projects,
            ),
            "consumed": await connection.fetch("SELECT type, count(*) AS n FROM inbox GROUP BY type"),
            "audit": await connection.fetch(
                "SELECT subject, action, actor, count(*) AS n FROM audit_log WHERE subject = ANY($1)"
                " GROUP BY subject, action, actor",
                projects,
            ),
            "decisions": await connection.fetch(
                "SELECT subject, action, rule_id, actor, count(*) AS n FROM decisions WHERE subject = ANY($1)"
                " GROUP BY subject, action, rule_id, actor",
                projects,
            ),
        }
    finally:
        await connection.close()


async def test_two_replicas_of_every_stage_service_survive_a_kill_with_every_effect_once(replicated):
    platform, databases = replicated

    def split(service: str) -> bool:
        first, second = latest(platform, service), latest(platform, f"{service}{SECOND}")
        return bool(first) and bool(second) and not (first & second)

    for service in STAGE_SERVICES:
        await wait_for(lambda s=service: split(s), timeout=EVENTUALLY, message=f"{service}'s replicas split")
    held = {service: latest(platform, service) | latest(platform, f"{service}{SECOND}") for service in STAGE_SERVICES}

    progress = {"contracted": 0}
    async with httpx.AsyncClient(base_url=platform.urls["gateway"], timeout=60) as client:
        api = Api(client)
        admitted = [asyncio.Event() for _ in range(PROJECTS)]
        drives = [
            asyncio.create_task(drive(api, i, admitted[i - 1] if i else None, admitted[i], progress))
            for i in range(PROJECTS)
        ]
        # Mid-run: the first project has its contract, the later ones are somewhere between 申报 and 采购.
        await wait_for(
            lambda: progress["contracted"] or any(d.done() for d in drives), timeout=300, message="a contract"
        )
        in_flight = sum(not d.done() for d in drives)
        for name in VICTIMS:
            platform.kill_one(name)
        projects = await asyncio.gather(*drives)
    assert len(set(projects)) == PROJECTS

    # Every group rebalanced onto the survivor, which holds what both held, and took over the relay's lock.
    for service in STAGE_SERVICES:
        await wait_for(
            lambda s=service: latest(platform, s) == held[s], timeout=EVENTUALLY, message=f"{service} holds all"
        )
        await wait_for(lambda s=service: leader_lines(platform, s), timeout=60, message=f"{service} leads the relay")

    def emitted_by(found: dict[str, dict[str, list]]) -> dict[str, int]:
        totals: dict[str, int] = {}
        for rows in found.values():
            for row in rows["emitted"]:
                totals[row["type"]] = totals.get(row["type"], 0) + row["n"]
        return totals

    async def caught_up() -> dict[str, dict[str, list]] | None:
        # A drive ends when its project reaches the catalog; the last hops (the catalog's own read model among
        # them) may still be in flight then. Wait until every subscriber has recorded as many of each type as
        # were emitted: a lost event never gets there (the wait fails), a duplicate shows below.
        found = {service: await effects(databases[service], projects) for service in STAGE_SERVICES}
        totals = emitted_by(found)
        behind = [r for rows in found.values() for r in rows["consumed"] if r["n"] < totals.get(r["type"], 0)]
        return None if behind else found

    found = await wait_for(caught_up, timeout=EVENTUALLY, message="every subscriber consumed what was emitted")
    emitted_by_type: dict[str, int] = {}
    for service, rows in found.items():
        twice = [dict(r) for kind in ("emitted", "audit", "decisions") for r in rows[kind] if r["n"] != 1]
        assert not twice, f"{service} took an effect more than once: {twice}"
        for row in rows["emitted"]:
            emitted_by_type[row["type"]] = emitted_by_type.get(row["type"], 0) + row["n"]
        assert {r["key"] for r in rows["emitted"]} <= set(projects)
    for service, rows in found.items():
        for row in rows["consumed"]:
            # The databases and topics are this test's own: every event consumed is one the projects caused,
            # and a subscriber records each emitted event once (none lost to the kill, none taken twice).
            assert row["n"] == emitted_by_type.get(row["type"]), (service, dict(row), emitted_by_type)
    # Each service both emitted and consumed something for these projects: every replica pair was in the path.
    for service, rows in found.items():
        assert rows["emitted"] and rows["consumed"] and rows["audit"], service

    counts = {s: {k: sum(r["n"] for r in v) for k, v in rows.items()} for s, rows in found.items()}
    rounds = {name: len(assignments(platform, name)) for name in (*STAGE_SERVICES, *VICTIMS)}
    print(
        f"replicas: 6 relay leaders ({', '.join(VICTIMS)}) killed with {in_flight} of {PROJECTS} projects in flight; "
        f"assignments logged {rounds}; effects (each once per project): {counts}"
    )
