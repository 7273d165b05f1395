"""Unit standing from data obligations (dazhou:第二十四条): a unit whose system's data is not completely shared
and aggregated, as the catalog records it, may not apply for new projects until it is."""

from __future__ import annotations

from datetime import date

from shared.auth import Role
from shared.contracts.catalog import SystemDataSharingChanged, SystemRetired
from tests.unit.intake.conftest import EDU, HEALTH


def _sharing(status: str, *, day: date = date(2026, 9, 1), jurisdiction: str = "dazhou") -> SystemDataSharingChanged:
    return SystemDataSharingChanged(
        project_id="P-sys",
        system_id="S-sys",
        unit=EDU,
        jurisdiction=jurisdiction,
        data_sharing_status=status,
        resources=3,
        resources_shared=1,
        changed_on=day,
    )


async def test_incomplete_aggregation_bars_every_new_application_until_shared(intake):
    project = await intake.draft(construction_type="rebuild")
    await intake.deliver(_sharing("partly"))
    refused = await intake.post(f"/api/intake/applications/{project}/submit")
    assert refused.status_code == 422, refused.text
    [violation] = refused.json()["violations"]
    assert violation["rule_id"] == "intake.data_aggregation" and violation["citation"] == "dazhou:第二十四条"
    assert "部分共享" in violation["message_zh"] and "S-sys" in violation["message_zh"]
    assert refused.json()["bars"][0]["bars"] == []  # 不得申报新增项目: every application
    other = await intake.draft(unit=HEALTH)
    assert (await intake.post(f"/api/intake/applications/{other}/submit", unit=HEALTH)).status_code == 200

    await intake.deliver(_sharing("not_shared", day=date(2026, 9, 5)))  # worse: still the one bar
    standing = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()
    assert [b["since"] for b in standing["bars"]] == ["2026-09-01"] and "未共享" in standing["bars"][0]["cause"]

    await intake.deliver(_sharing("shared", day=date(2026, 10, 1)))
    assert (await intake.post(f"/api/intake/applications/{project}/submit")).status_code == 200


async def test_a_bar_that_arrived_after_submission_stops_admission(intake):
    project = await intake.draft()
    assert (await intake.post(f"/api/intake/applications/{project}/submit")).status_code == 200
    await intake.deliver(_sharing("not_shared"))
    admit = await intake.post(f"/api/intake/applications/{project}/admit", None, Role.DATA_BUREAU)
    assert admit.status_code == 422 and admit.json()["violations"][0]["citation"] == "dazhou:第二十四条"


async def test_retiring_the_system_lifts_its_bar(intake):
    await intake.deliver(_sharing("not_shared"))
    assert not (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["eligible"]
    await intake.deliver(
        SystemRetired(project_id="P-sys", system_id="S-sys", unit=EDU, reason="retired", retired_on=date(2026, 11, 1))
    )
    assert (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["eligible"]


async def test_unknown_sharing_is_no_finding(intake):
    await intake.deliver(_sharing("unknown"))
    assert (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["eligible"]


async def test_suqian_bar_is_marked_as_a_local_setting(intake):
    """Suqian's text asks for unified aggregation (suqian:(三)) but says nothing of barring applications: the bar
    is the pack's local setting, shown as such (本地设置), not under Suqian's or Dazhou's article."""
    await intake.deliver(_sharing("not_shared", jurisdiction="suqian"))
    [bar] = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["bars"]
    assert bar["rule_id"] == "intake.data_aggregation" and bar["citation"] == "suqian:本地设置（非条文规定）"


async def test_an_older_sharing_status_arriving_late_replaces_nothing(intake):
    """By catalog's day: a late 'partly' from before the data was shared opens no bar, a late 'shared' from
    before it stopped being shared lifts none."""
    await intake.deliver(_sharing("shared", day=date(2026, 10, 1)))
    await intake.deliver(_sharing("partly", day=date(2026, 9, 1)))  # older, delivered late
    assert (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()["eligible"]

    await intake.deliver(_sharing("not_shared", day=date(2026, 11, 1)))
    await intake.deliver(_sharing("shared", day=date(2026, 10, 20)))  # older, delivered late
    standing = (await intake.get(f"/api/intake/units/{EDU}/eligibility")).json()
    assert not standing["eligible"]
    [bar] = standing["bars"]
    assert bar["since"] == "2026-11-01" and bar["cleared_on"] is None and "未共享" in bar["cause"]
