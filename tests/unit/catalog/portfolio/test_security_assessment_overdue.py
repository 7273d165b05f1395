"""An accepted system's periodic security and crypto assessments (dazhou:第五十五条) are in the project's
dossier among its deadlines, and turn red once overdue after the catalog's sweep."""

from __future__ import annotations

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from shared import clock
from shared.contracts.acceptance import ProjectAccepted

from .conftest import UNIT

RULES = {"catalog.security_assessment", "catalog.crypto_assessment"}


async def test_overdue_assessments_show_red_in_the_dossier(hub):
    project = await hub.admitted()
    today = clock.today()
    await hub.deliver(
        ProjectAccepted(
            project_id=project,
            unit=UNIT,
            jurisdiction="dazhou",
            path="dazhou_acceptance",
            accepted_on=today,
            documents=["acceptance_report"],
            system_name="智慧教育平台",
        )
    )
    await hub.sweep()
    due = today + relativedelta(months=12)
    shown = {d["rule_id"]: d for d in (await hub.project(project))["deadlines"] if d["rule_id"] in RULES}
    assert {rule: (d["due_on"], d["colour"]) for rule, d in shown.items()} == {
        rule: (due.isoformat(), "green") for rule in RULES
    }
    clock.set_offset(timedelta(days=(due - today).days + 1))
    await hub.sweep()
    shown = {d["rule_id"]: d for d in (await hub.project(project))["deadlines"] if d["rule_id"] in RULES}
    assert {d["colour"] for d in shown.values()} == {"red"}
    assert {d["status"] for d in shown.values()} == {"overdue"}
