"""A zombie system bars its unit, end to end through the real catalog and intake processes on Kafka:
a stock system is imported, three months of zero use are pushed by a monitoring platform, the catalog
lists it per the Quzhou pack (quzhou:二(二)不予受理.9) and publishes `catalog.unit.sanctioned.v1`; the
unit's next application is refused in intake. Two years later on the catalog's clock the sweeper
clears the sanction and intake lifts the bar."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import pytest
from dateutil.relativedelta import relativedelta

from shared import clock
from tests.support.api import Api, ok
from tests.support.infra import wait_for

pytestmark = pytest.mark.integration

WAN = 1_000_000
UNIT = "达州市卫生健康委员会"  # the `health` dev user's unit
MATERIALS = [
    "basic_info", "necessity_basis", "construction_content", "performance_goals", "implementation_mode",
    "application_plan", "information_resource_catalog", "gov_cloud_plan", "security_protection_plan",
    "crypto_plan", "investment_amount", "om_funding", "funding_channels",
    "secure_products_statement",
]  # fmt: skip


def ended_months(count: int) -> list[str]:
    day = clock.today().replace(day=1)
    months = []
    for _ in range(count):
        day = (day - timedelta(days=1)).replace(day=1)
        months.append(f"{day:%Y-%m}")
    return list(reversed(months))


async def zombie_bars(api: Api) -> list[dict]:
    view = ok(await api.get("bureau", f"/api/intake/units/{UNIT}/eligibility"))
    return [b for b in view["bars"] if b["rule_id"] == "catalog.zombie_system" and b["active"]]


async def test_three_months_of_zero_use_make_a_zombie_and_intake_refuses_the_unit(api: Api, platform):
    catalog_admin = platform.urls["catalog"]
    ref = f"ZOMBIE-{uuid.uuid4().hex[:8]}"
    imported = ok(
        await api.post(
            "bureau",
            "/api/catalog/systems/import",
            [
                {
                    "external_ref": ref,
                    "unit": UNIT,
                    "jurisdiction": "quzhou",
                    "name": "预约挂号小程序",
                    "went_live_on": (clock.today() - timedelta(days=800)).isoformat(),
                }
            ],
            headers={"Idempotency-Key": ref},
        ),
        201,
    )
    assert imported["imported"] == 1 and imported["errors"] == []
    listed = ok(await api.get("bureau", "/api/catalog/systems", params={"unit": UNIT, "origin": "stock_import"}))
    system_id = next(s["id"] for s in listed["items"] if s["name"] == "预约挂号小程序" and s["zombie_since"] is None)

    figures = [
        {"system_id": system_id, "month": m, "usage_count": 0, "availability_bp": 10000} for m in ended_months(3)
    ]
    pushed = ok(await api.post("platform", "/api/catalog/monitoring", {"figures": figures}))
    assert pushed["stored"] == 3 and pushed["rejected"] == 0
    # a platform retrying the same push changes nothing
    assert ok(await api.post("platform", "/api/catalog/monitoring", {"figures": figures}))["unchanged"] == 3

    today = clock.today()
    until = today + relativedelta(years=2)
    moved_days = 0
    try:
        system = ok(await api.get("bureau", f"/api/catalog/systems/{system_id}"))
        assert system["zombie_since"] == today.isoformat()
        sanctions = ok(await api.get("bureau", "/api/catalog/sanctions", params={"unit": UNIT}))
        sanction = next(s for s in sanctions if s["rule_id"] == "catalog.zombie_system")
        assert sanction["citation"] == "quzhou:二(二)不予受理.9" and sanction["cause"] == "zombie_system"
        assert (sanction["since"], sanction["until"]) == (today.isoformat(), until.isoformat())

        # intake learns of it through Kafka and refuses the unit's next application
        bar = (await wait_for(lambda: zombie_bars(api), timeout=30, message="intake sees the zombie sanction"))[0]
        assert bar["until"] == until.isoformat() and bar["citation"] == "quzhou:二(二)不予受理.9"
        draft = ok(
            await api.post(
                "health",
                "/api/intake/applications",
                {
                    "unit": UNIT,
                    "jurisdiction": "dazhou",
                    "title": "互联网医院平台",
                    "category": "application",
                    "construction_type": "new",
                    "total_investment_fen": 280 * WAN,
                    "plan_year": today.year + 1,
                    "materials": MATERIALS,
                },
                headers={"Idempotency-Key": str(uuid.uuid4())},
            ),
            201,
        )
        refused = await api.post("health", f"/api/intake/applications/{draft['id']}/submit")
        assert refused.status_code == 422, refused.text
        violation = next(v for v in refused.json()["violations"] if v["rule_id"] == "catalog.zombie_system")
        assert violation["citation"] == "quzhou:二(二)不予受理.9"
    finally:
        # Two years on the catalog's clock: the sweeper clears the sanction (the day after `until`), intake
        # lifts the bar; the catalog's clock goes back, since the platform is shared by the session.
        async with httpx.AsyncClient(base_url=catalog_admin, timeout=30) as admin:
            moved_days = (until - today).days + 1
            ok(await admin.post("/_admin/clock", json={"advance_days": moved_days}))
            try:
                swept = ok(await admin.post("/_admin/sweep"))
                assert swept["clear_sanctions"] >= 1
            finally:
                ok(await admin.post("/_admin/clock", json={"advance_days": -moved_days}))

    async def lifted():
        return not await zombie_bars(api)

    await wait_for(lifted, timeout=30, message="the catalog's clearing lifts intake's bar")
    cleared = ok(await api.get("bureau", "/api/catalog/sanctions", params={"unit": UNIT, "status": "cleared"}))
    mine = [s for s in cleared if s["rule_id"] == "catalog.zombie_system" and s["since"] == today.isoformat()]
    assert mine and mine[-1]["cleared_on"] == (until + timedelta(days=1)).isoformat()
    assert isinstance(date.fromisoformat(mine[-1]["cleared_on"]), date)
