"""dazhou:第五十七条 after acceptance: catalog's live crypto / network-security status of a unit's system bars
the unit's new applications in intake until the status passes again (budget stops the O&M money on the same
event, tests/unit/budget/test_live_security.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from services.intake import handlers
from services.intake.tables import schema
from shared.contracts.catalog import SystemSecurityChanged
from tests.unit.intake.conftest import EDU, HEALTH


def _status(crypto: str, security: str, *, day: date = date(2026, 9, 1), unit: str = EDU) -> SystemSecurityChanged:
    return SystemSecurityChanged(
        project_id="P-running",
        system_id="S-running",
        unit=unit,
        crypto_status=crypto,
        security_status=security,
        changed_on=day,
    )


async def _submit(intake, project: str):
    return await intake.post(f"/api/intake/applications/{project}/submit")


async def test_a_live_crypto_failure_bars_new_applications_until_it_passes_again(intake):
    await intake.deliver(_status("passed", "passed"))
    project = await intake.draft()
    await intake.deliver(_status("failed", "passed"))

    refused = await _submit(intake, project)
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert violation["rule_id"] == "intake.security_failure_bar" and violation["citation"] == "dazhou:第五十七条"
    assert "密码应用不合格" in violation["message_zh"]
    [bar] = refused.json()["bars"]
    assert bar["subject"] == "S-running" and bar["since"] == "2026-09-01"
    assert set(bar["bars"]) == {"om", "new", "rebuild", "extend"}  # 不安排运行维护经费 … 不得新建、改建、扩建
    standing = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()
    assert not standing["eligible"]
    # another unit is not touched
    other = await intake.draft(unit=HEALTH)
    assert (await intake.post(f"/api/intake/applications/{other}/submit", unit=HEALTH)).status_code == 200

    await intake.deliver(_status("passed", "passed", day=date(2026, 10, 1)))
    assert (await _submit(intake, project)).status_code == 200
    standing = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()
    assert standing["eligible"] and standing["bars"][0]["cleared_on"] == "2026-10-01"


async def test_a_major_hazard_bars_once_however_often_the_status_is_repeated(intake):
    await intake.deliver(_status("passed", "hazard"))
    await intake.deliver(_status("passed", "hazard", day=date(2026, 9, 5)))  # redelivery / repeated report
    await intake.deliver(_status("failed", "hazard", day=date(2026, 9, 9)))  # worse, still one bar
    standing = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()
    [bar] = standing["bars"]
    assert bar["since"] == "2026-09-01" and "重大安全隐患" in bar["cause"] and "密码应用不合格" in bar["cause"]
    project = await intake.draft()
    refused = await _submit(intake, project)
    assert [v["citation"] for v in refused.json()["violations"]] == ["dazhou:第五十七条"]
    async with intake.runtime.engine.connect() as conn:
        decisions = (await conn.execute(sa.select(schema.decisions.c.rule_id, schema.decisions.c.citation))).all()
    assert [tuple(d) for d in decisions] == [("intake.security_failure_bar", "dazhou:第五十七条")]


async def test_an_unknown_status_does_not_bar(intake):
    await intake.deliver(_status("unknown", "unknown"))
    assert (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["eligible"]


async def _deliver_at(intake, payload: SystemSecurityChanged, time: datetime) -> None:
    """Deliver with the event time catalog stamped on it (two statuses of one day are ordered by it)."""
    handler = handlers.subscriptions.handlers[payload.event_type]
    async with intake.runtime.unit_of_work() as uow:
        await handler(uow, payload.envelope().model_copy(update={"time": time}), payload)


async def _bars(intake) -> list[dict]:
    return (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["bars"]


async def test_an_older_status_arriving_late_replaces_nothing(intake):
    """The statuses count by catalog's day: a late failure from before the pass opens no bar, a late pass from
    before a failure lifts none; each late one is recorded in the audit trail."""
    await intake.deliver(_status("passed", "passed", day=date(2026, 10, 1)))
    await intake.deliver(_status("failed", "passed", day=date(2026, 9, 1)))  # older, delivered late
    assert await _bars(intake) == []
    project = await intake.draft()
    assert (await _submit(intake, project)).status_code == 200

    await intake.deliver(_status("passed", "hazard", day=date(2026, 11, 1)))
    await intake.deliver(_status("passed", "passed", day=date(2026, 10, 15)))  # older pass, delivered late
    [bar] = await _bars(intake)
    assert bar["since"] == "2026-11-01" and bar["cleared_on"] is None and "重大安全隐患" in bar["cause"]
    async with intake.runtime.engine.connect() as conn:
        stale = (
            await conn.execute(sa.select(schema.audit.c.action).where(schema.audit.c.subject == "S-running"))
        ).all()
    assert [row.action for row in stale] == ["system.security_changed.stale"] * 2


async def test_two_statuses_of_one_day_count_by_their_event_time(intake):
    morning = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    await _deliver_at(intake, _status("passed", "passed"), morning.replace(hour=15))
    await _deliver_at(intake, _status("failed", "passed"), morning)  # the morning's failure, delivered late
    assert await _bars(intake) == []
    await _deliver_at(intake, _status("failed", "passed"), morning.replace(hour=16))
    [bar] = await _bars(intake)
    assert bar["cleared_on"] is None and bar["since"] == "2026-09-01"
