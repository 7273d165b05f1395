"""The demo loader behind `deploy/local/run.sh --demo` keeps working against the real platform."""

from __future__ import annotations

import asyncio

import pytest

from deploy.local import demo
from tests.support.api import Api, ok

pytestmark = pytest.mark.integration


async def test_the_demo_fills_every_stage(api: Api, platform):
    loaded = await asyncio.to_thread(demo.load, platform.urls["gateway"])
    projects = loaded["projects"]
    assert len(projects) == len(demo.DAZHOU_PROJECTS)
    assert loaded["stock_systems_imported"] == 6
    paid = projects["智慧教育云平台二期"]
    timeline = ok(await api.get("bureau", f"/api/projects/{paid}/timeline"))
    assert all(stage["reached"] for stage in timeline["stages"])
    budget = ok(await api.get("finance", f"/api/budget/projects/{paid}"))
    assert budget["released_fen"] == 175 * demo.WAN
    draft = ok(await api.get("health", f"/api/intake/applications/{projects['互联网医院监管平台']}"))
    assert draft["status"] == "draft"
