"""Two replicas of one stage service in one consumer group, on one database: review twice (`review` and
`review-2`, both running API, relay and consumer) beside intake and the gateway. The replicas split the intake
topic's partitions; the replica leading the outbox relay is killed with SIGKILL while admissions flow; the
survivor takes over every partition and the relay's leader lock, and every admission took effect exactly once
(one review case, one routing decision, one audit line, one inbox row per project: no loss, no duplicate)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest

from deploy.local.launcher import ALL_SERVICES, Platform
from tests.support import infra, stack
from tests.support.api import Api, ok, required_materials
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

REPLICAS = ("review", "review-2")
PROJECTS = 24
ASSIGNED = re.compile(r"TopicPartition\(topic='([^']+)', partition=(\d+)\)")


@pytest.fixture(scope="module")
async def replicated(pg_urls, kafka_bootstrap, tmp_path_factory) -> AsyncIterator[tuple[Platform, str, str]]:
    """(platform, topic prefix, review's database URL)."""
    prefix = stack.unique_prefix("replica")
    databases = await stack.create_databases(pg_urls["intake"], [f"{prefix}_intake", f"{prefix}_review"])
    platform = Platform(
        database_urls={"intake": databases[f"{prefix}_intake"], "review": databases[f"{prefix}_review"]},
        kafka_bootstrap=kafka_bootstrap,
        log_dir=tmp_path_factory.mktemp("replica-logs"),
        ports={name: infra.free_port() for name in (*ALL_SERVICES, "review-2")},
        extra_env={
            "GOVPROJ_ENV": "test",
            "GOVPROJ_TOPIC_PREFIX": prefix,
            "GOVPROJ_OUTBOX_POLL_SECONDS": "0.5",
            "GOVPROJ_LOG_LEVEL": "INFO",  # aiokafka's partition assignments are INFO lines
        },
    )
    with stack.running(platform, ("intake", *REPLICAS, "gateway")):
        yield platform, prefix, databases[f"{prefix}_review"]


def assignments(platform: Platform, name: str, topic: str) -> list[set[int]]:
    """Each partition assignment of `topic` the replica's consumer logged, in order."""
    found = []
    for line in stack.log_lines(platform.log_dir, name):
        event = json.loads(line).get("event", "")
        if event.startswith("Setting newly assigned partitions"):
            found.append({int(p) for t, p in ASSIGNED.findall(event) if t == topic})
    return found


def leader_lines(platform: Platform, name: str) -> int:
    return sum(
        json.loads(line).get("event") == "outbox relay is the leader"
        for line in stack.log_lines(platform.log_dir, name)
    )


async def test_two_replicas_share_the_partitions_and_survive_a_kill_with_every_effect_once(replicated):
    platform, prefix, review_db = replicated
    topic = f"{prefix}.intake"
    partitions = set(range(6))  # GOVPROJ_TOPIC_PARTITIONS' default

    def split_between_both() -> bool:
        latest = [found[-1] if found else set() for found in (assignments(platform, n, topic) for n in REPLICAS)]
        return all(latest) and not (latest[0] & latest[1]) and latest[0] | latest[1] == partitions

    await wait_for(split_between_both, timeout=90, message="both replicas hold part of the intake topic")
    leaders = await wait_for(
        lambda: [n for n in REPLICAS if leader_lines(platform, n)], timeout=30, message="a relay leader"
    )
    assert len(leaders) == 1, f"the relay's advisory lock admits one leader, got {leaders}"
    (victim,) = leaders
    (survivor,) = [n for n in REPLICAS if n != victim]

    body = {
        "unit": "达州市教育局",
        "jurisdiction": "dazhou",
        "category": "application",
        "construction_type": "new",
        "total_investment_fen": 80_000_000,
        "plan_year": 2027,
        "materials": required_materials(),
    }
    async with httpx.AsyncClient(base_url=platform.urls["gateway"], timeout=60) as client:
        api = Api(client)
        projects = []
        for i in range(PROJECTS):
            project = ok(await api.post("edu", "/api/intake/applications", {**body, "title": f"副本样例{i}"}), 201)
            ok(await api.post("edu", f"/api/intake/applications/{project['id']}/submit"))
            projects.append(project["id"])
        for i, project in enumerate(projects):
            ok(await api.post("bureau", f"/api/intake/applications/{project}/admit"))
            if i == PROJECTS // 3:
                platform.kill_one(victim)  # SIGKILL mid-flow: no leave-group, no offset commit, no clean close

    connection = await asyncpg.connect(review_db.replace("postgresql+asyncpg://", "postgresql://"))
    try:

        async def cases() -> int:
            return await connection.fetchval("SELECT count(*) FROM review_cases WHERE project_id = ANY($1)", projects)

        await wait_for(lambda: _all(cases, PROJECTS), timeout=120, message="every admission reached review")
        decisions = await connection.fetch(
            "SELECT subject, count(*) AS n FROM decisions WHERE action = 'review.path' AND subject = ANY($1)"
            " GROUP BY subject",
            projects,
        )
        opened = await connection.fetch(
            "SELECT subject, count(*) AS n FROM audit_log WHERE action = 'case.opened' AND subject = ANY($1)"
            " GROUP BY subject",
            projects,
        )
        inbox = await connection.fetchval("SELECT count(*) FROM inbox WHERE type = 'intake.application.admitted.v1'")
    finally:
        await connection.close()
    assert {row["subject"]: row["n"] for row in decisions} == dict.fromkeys(projects, 1)
    assert {row["subject"]: row["n"] for row in opened} == dict.fromkeys(projects, 1)
    assert inbox == PROJECTS

    # The group rebalanced: the survivor now holds every partition, and took over the relay's lock.
    await wait_for(
        lambda: (assignments(platform, survivor, topic) or [set()])[-1] == partitions,
        timeout=60,
        message="the survivor holds every partition",
    )
    await wait_for(lambda: leader_lines(platform, survivor) >= 1, timeout=60, message="the survivor leads the relay")
    rounds = {n: len(assignments(platform, n, topic)) for n in REPLICAS}
    print(
        f"replicas: {victim} (relay leader) killed after {PROJECTS // 3 + 1} of {PROJECTS} admissions; "
        f"assignments logged {rounds}; effects per project: 1 case, 1 decision, 1 audit line; inbox rows {inbox}"
    )


async def _all(count, expected: int) -> bool:
    return await count() == expected
