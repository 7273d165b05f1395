"""The cockpit rates projects in SQL (queries/risk.py) and gives what the per-project Python rating gave:
the counts by risk and the riskiest projects, for each scope and filter, on the thresholds' boundaries."""

from __future__ import annotations

from datetime import timedelta

from services.catalog.portfolio import domain
from services.catalog.portfolio.queries import dashboard
from shared import clock
from tests.unit.catalog.portfolio import cockpit_reference as reference


async def test_the_cockpit_in_sql_gives_the_per_project_ratings_answers(hub):
    today = clock.today()
    await reference.load(hub.runtime, today)
    rated = await reference.compare(hub.runtime, today)
    assert rated > 300


async def test_a_variance_on_a_threshold_takes_its_rating_and_one_below_does_not(hub):
    """dazhou: 10 % amber, 30 % red (以上 includes the number; 以下 excludes it). A variance of 9.95 % is shown
    as 10.0 % and rated as shown; 9.9 % is low."""
    today = clock.today()
    assert domain.thresholds("dazhou", today)["variance_amber_pct"] == 10
    costs = {0: (2200, 0), 1: (2199, 0), 2: (2198, 0), 3: (None, 2600), 4: (1400, 0)}  # of a 2,000 baseline
    async with hub.runtime.unit_of_work() as uow:
        for n, (estimate, contracted) in costs.items():
            uow.session.add(
                reference._project(
                    n, "dazhou", today, approved_investment_fen=2000, estimate_fen=estimate, contracted_fen=contracted
                )
            )
        late = today - timedelta(days=600)
        uow.session.add(
            reference._project(
                9,
                "dazhou",
                today,
                approved_investment_fen=2000,
                estimate_fen=2000,
                contracted_on=late - timedelta(days=2000),
                planned_completion=late,
            )
        )
    async with hub.runtime.reading() as uow:
        cockpit = await dashboard.cockpit(
            uow, reference.PRINCIPALS["bureau, cleared"], jurisdiction="dazhou", year=None, risk_limit=10
        )
    shown = [
        (int(p["project_id"][-5:]), p["cost_variance_pct"], p["schedule_variance_pct"], p["risk"])
        for p in cockpit["risk_projects"]
    ]
    assert shown == [
        (3, 30.0, None, "high"),  # the contracted sum is the forecast when it is the larger
        (4, -30.0, None, "high"),  # an underrun that large says the baseline was wrong
        (9, 0.0, 30.0, "high"),  # 600 of 2,000 planned days late
        (0, 10.0, None, "medium"),
        (1, 10.0, None, "medium"),  # 9.95 %, shown 10.0 %
        (2, 9.9, None, "low"),
    ]
    assert cockpit["risk"] == {"low": 1, "medium": 2, "high": 3}


async def test_the_cockpit_in_sql_follows_each_packs_own_thresholds(hub, pack_settings):
    pack_settings("quzhou", variance_amber_pct="20", variance_red_pct="50")
    today = clock.today()
    assert domain.thresholds("quzhou", today)["variance_red_pct"] == 50
    await reference.load(hub.runtime, today, random_count=60)
    assert await reference.compare(hub.runtime, today) > 200
