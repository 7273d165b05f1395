"""The cockpit is computed once for the callers who ask for the same one at the same time (and again for a
different scope or filter, and again once the computation is over)."""

from __future__ import annotations

import asyncio
import contextlib

from services.catalog.portfolio import queries
from services.catalog.portfolio.queries import dashboard
from shared.auth import Principal, Role


class Runtime:
    def __init__(self) -> None:
        self.opened = 0

    @contextlib.asynccontextmanager
    async def _reading(self):
        self.opened += 1
        yield object()

    def reading(self):
        return self._reading()


async def test_concurrent_callers_share_one_computation(monkeypatch):
    computed: list[tuple] = []
    release = asyncio.Event()

    async def cockpit(uow, principal, *, jurisdiction, year, risk_limit):
        computed.append((principal.subject, jurisdiction))
        await release.wait()
        return {"jurisdiction": jurisdiction, "computed": len(computed)}

    monkeypatch.setattr(dashboard, "cockpit", cockpit)  # shared_cockpit looks it up in its own module
    runtime = Runtime()
    bureau = [Principal(subject=f"bureau-{n}", roles=frozenset({Role.DATA_BUREAU})) for n in range(5)]
    unit = Principal(subject="unit-1", roles=frozenset({Role.UNIT}), unit="达州市教育局")

    def ask(principal, jurisdiction="dazhou"):
        return asyncio.create_task(
            queries.shared_cockpit(runtime, principal, jurisdiction=jurisdiction, year=None, risk_limit=50)
        )

    same = [ask(p) for p in bureau]
    other_scope, other_filter = ask(unit), ask(bureau[0], "quzhou")
    await asyncio.sleep(0)  # let them all start
    release.set()
    answers = await asyncio.gather(*same, other_scope, other_filter)
    assert len(computed) == 3 and runtime.opened == 3  # the five bureau callers shared one
    assert {a["computed"] for a in answers[:5]} == {answers[0]["computed"]}
    assert answers[6]["jurisdiction"] == "quzhou"
    again = await ask(bureau[1])  # the earlier computation is over: a new one
    assert len(computed) == 4 and again["jurisdiction"] == "dazhou"
