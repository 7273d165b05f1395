"""The cockpit is a snapshot per scope and filters, served while younger than `cockpit_max_age_seconds`, and
computed once for the callers who ask for the same one at the same time. Computations are counted by
wrapping the query function; time is moved on the clock the module ages snapshots with (`clock.monotonic`,
held still here so no stall of a busy machine changes an age)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from prometheus_client import REGISTRY

from services.catalog.portfolio import queries
from services.catalog.portfolio.queries import dashboard
from shared import clock
from shared.auth import Principal, Role
from tests.unit.catalog.portfolio.conftest import UNIT
from tests.unit.catalog.portfolio.test_portfolio import OTHER_UNIT, approved


class Ticks:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks(monkeypatch) -> Ticks:
    held = Ticks()
    monkeypatch.setattr(clock, "monotonic", held)
    return held


def test_the_monotonic_clock_follows_the_offset_tests_and_demos_set():
    before = clock.monotonic()
    clock.advance(timedelta(seconds=30))
    assert clock.monotonic() - before >= 30


class Runtime:
    def __init__(self, max_age: float = 10) -> None:
        self.opened = 0
        self.settings = SimpleNamespace(cockpit_max_age_seconds=max_age)

    @contextlib.asynccontextmanager
    async def _reading(self):
        self.opened += 1
        yield object()

    def reading(self):
        return self._reading()


def counted(monkeypatch, computed: list[tuple], release: asyncio.Event | None = None):
    """Replace the query with one that records each computation (shared_cockpit looks it up in its module)."""

    async def cockpit(uow, principal, *, jurisdiction, year, risk_limit):
        computed.append((principal.subject, jurisdiction, year))
        if release is not None:
            await release.wait()
        return {"jurisdiction": jurisdiction, "year": year, "computed": len(computed)}

    monkeypatch.setattr(dashboard, "cockpit", cockpit)


def ask(runtime, principal, jurisdiction: str | None = "dazhou", year: int | None = None):
    return asyncio.create_task(
        queries.shared_cockpit(runtime, principal, jurisdiction=jurisdiction, year=year, risk_limit=50)
    )


BUREAU = Principal(subject="bureau", roles=frozenset({Role.DATA_BUREAU}))


def answers(source: str) -> float:
    return REGISTRY.get_sample_value("govproj_cockpit_answers_total", {"source": source}) or 0.0


async def test_concurrent_callers_share_one_computation_and_later_ones_its_snapshot(monkeypatch, ticks):
    computed: list[tuple] = []
    release = asyncio.Event()
    counted(monkeypatch, computed, release)
    runtime = Runtime()
    bureau = [Principal(subject=f"bureau-{n}", roles=frozenset({Role.DATA_BUREAU})) for n in range(5)]
    unit = Principal(subject="unit-1", roles=frozenset({Role.UNIT}), unit="达州市教育局")

    same = [ask(runtime, p) for p in bureau]
    other_scope, other_filter = ask(runtime, unit), ask(runtime, bureau[0], "quzhou")
    await asyncio.sleep(0)  # let them all start
    release.set()
    served = await asyncio.gather(*same, other_scope, other_filter)
    assert len(computed) == 3 and runtime.opened == 3  # the five bureau callers shared one
    assert {s.figures["computed"] for s in served[:5]} == {served[0].figures["computed"]}
    assert {s.source for s in served} == {"computed"}
    assert served[6].figures["jurisdiction"] == "quzhou"
    before = answers("snapshot")
    again = await ask(runtime, bureau[1])  # the computation is over; its snapshot is young
    assert len(computed) == 3 and again.source == "snapshot" and again.figures is served[0].figures
    assert answers("snapshot") == before + 1


async def test_a_snapshot_is_served_until_max_age_then_computed_again(monkeypatch, ticks):
    computed: list[tuple] = []
    counted(monkeypatch, computed)
    runtime = Runtime(max_age=10)

    first = await ask(runtime, BUREAU)
    assert first.source == "computed" and first.headers()["age"] == "0"
    ticks.now += 6
    second = await ask(runtime, BUREAU)
    assert len(computed) == 1 and second.source == "snapshot" and second.figures is first.figures
    assert second.headers() == {"cache-control": "private, max-age=10", "age": "6", "vary": "Authorization"}
    ticks.now += 4  # 10 s: no longer younger than max age
    third = await ask(runtime, BUREAU)
    assert len(computed) == 2 and third.source == "computed" and third.figures["computed"] == 2
    third_again = await ask(runtime, BUREAU)
    assert third_again.source == "snapshot" and len(computed) == 2
    ticks.now -= 3_600  # time moved back (a demo's clock): an age below 0 is not trusted
    assert (await ask(runtime, BUREAU)).source == "computed" and len(computed) == 3


async def test_max_age_zero_computes_every_request(monkeypatch, ticks):
    computed: list[tuple] = []
    counted(monkeypatch, computed)
    runtime = Runtime(max_age=0)
    for n in range(1, 4):
        served = await ask(runtime, BUREAU)
        assert served.source == "computed" and len(computed) == n
        assert served.headers()["cache-control"] == "private, max-age=0"
    assert not dashboard.snapshots_of(runtime).kept


async def test_the_snapshots_are_capped_and_the_oldest_goes_first(monkeypatch, ticks):
    computed: list[tuple] = []
    counted(monkeypatch, computed)
    runtime = Runtime(max_age=60)
    snapshots = dashboard.snapshots_of(runtime)
    units = [
        Principal(subject=f"unit-{n}", roles=frozenset({Role.UNIT}), unit=f"单位{n}")
        for n in range(dashboard.SNAPSHOT_CAP + 40)
    ]
    for principal in units:  # a province's units each open their cockpit, a tenth of a second apart
        await ask(runtime, principal)
        ticks.now += 0.1
    assert len(snapshots.kept) == dashboard.SNAPSHOT_CAP and not snapshots.in_flight
    assert len(computed) == len(units)
    assert {key[0].unit for key in snapshots.kept} == {p.unit for p in units[40:]}  # the first 40 went
    last = await ask(runtime, units[-1])  # kept
    first = await ask(runtime, units[0])  # evicted long ago: computed again
    assert last.source == "snapshot" and first.source == "computed"
    assert len(snapshots.kept) == dashboard.SNAPSHOT_CAP


async def test_a_snapshot_never_reaches_another_scope(hub, monkeypatch, ticks):
    """Unit staff and the bureau, a cleared and an uncleared reader: each their own snapshot, whatever order
    they ask in, and the secret project's figures differ between them."""
    computations: list[object] = []
    real = dashboard.cockpit

    async def cockpit(uow, principal, **filters):
        computations.append(dashboard.scope_of(principal))
        return await real(uow, principal, **filters)

    monkeypatch.setattr(dashboard, "cockpit", cockpit)
    secret = await hub.admitted(title=None, secret=True, amount_fen=900_0000_00)
    await approved(hub, secret, 900_0000_00, title=None, secret=True)
    open_one = await hub.admitted(unit=OTHER_UNIT, title="医疗健康平台")
    await approved(hub, open_one, unit=OTHER_UNIT, title="医疗健康平台")

    async def read(roles=(Role.DATA_BUREAU,), **kw) -> tuple[dict, dict]:
        response = await hub.get("/cockpit", roles, params={"jurisdiction": "dazhou"}, **kw)
        assert response.status_code == 200, response.text
        return response.json(), response.headers

    def rated(cockpit: dict) -> set[str]:
        return {p["project_id"] for p in cockpit["risk_projects"]}

    uncleared, headers = await read()
    assert headers["cache-control"] == "private, max-age=10" and headers["age"] == "0"
    assert "Authorization" in headers["vary"]  # a browser signed in as another reader does not reuse it
    assert rated(uncleared) == {open_one} and uncleared["projects"] == 2
    cleared, _ = await read(cleared=True)
    assert rated(cleared) == {secret, open_one} and len(computations) == 2
    other_unit, _ = await read(Role.UNIT, unit=OTHER_UNIT)
    assert other_unit["projects"] == 1 and rated(other_unit) == {open_one}
    own_unit, _ = await read(Role.UNIT, unit=UNIT)  # the secret project is its own unit's: its content shows
    assert own_unit["projects"] == 1 and rated(own_unit) == {secret}
    assert len(computations) == 4 and len(set(computations)) == 4

    # asked again, in another order: each scope gets its own snapshot back, none another's
    assert (await read(Role.UNIT, unit=UNIT))[0] == own_unit
    assert (await read(cleared=True))[0] == cleared
    assert (await read())[0] == uncleared
    assert (await read(Role.UNIT, unit=OTHER_UNIT))[0] == other_unit
    assert len(computations) == 4

    # a project arriving is seen once the snapshot has aged past max age, and generated_at moves with it
    await hub.admitted(unit=OTHER_UNIT, title="新项目")
    ticks.now += 9.5
    kept, headers = await read()
    assert kept == uncleared and headers["age"] == "9"
    ticks.now += 0.5
    fresh, headers = await read()
    assert fresh["projects"] == 3 and fresh["generated_at"] > uncleared["generated_at"] and headers["age"] == "0"
