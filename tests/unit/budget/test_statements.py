"""The estimate approval's statements (issue 21, bench/statements.py): the history is read once per transaction
(none at all before the first estimate) and the answer shows it with the new revision; the plan's deadline is
closed only when a consultation opened it."""

from __future__ import annotations

from shared.auth import Role
from tests.support.statements import counted, of
from tests.unit.budget.conftest import WAN


async def test_an_estimate_reads_the_history_at_most_once_and_answers_with_the_new_revision(budget):
    project = await budget.approved_project()
    read = await budget.get(f"/projects/{project}")
    assert read.status_code == 200 and read.json()["estimate_history"] == []

    with counted(budget.runtime.engine) as statements:
        first = await budget.post(f"/projects/{project}/estimate", {"estimate_fen": 900 * WAN}, Role.DATA_BUREAU)
    assert first.status_code == 200, first.text
    assert [(r["revision"], r["estimate_fen"]) for r in first.json()["estimate_history"]] == [(1, 900 * WAN)]
    assert of(statements, "SELECT", "estimate_revisions") == []  # no estimate yet: no history to read
    assert of(statements, "UPDATE", "deadlines") == []  # no consultation was published: no plan deadline open
    assert len(statements) <= 10, statements  # lock, then at the commit the writes and the answer's reads

    with counted(budget.runtime.engine) as statements:
        second = await budget.post(f"/projects/{project}/estimate", {"estimate_fen": 950 * WAN}, Role.DATA_BUREAU)
    assert second.status_code == 200, second.text
    history = [(r["revision"], r["estimate_fen"]) for r in second.json()["estimate_history"]]
    assert history == [(1, 900 * WAN), (2, 950 * WAN)]
    assert len(of(statements, "SELECT", "estimate_revisions")) == 1
    assert (await budget.events("budget.estimate.approved.v1"))[-1]["revision"] == 2

    # a fresh read finds what was written
    again = (await budget.get(f"/projects/{project}")).json()
    assert [(r["revision"], r["estimate_fen"]) for r in again["estimate_history"]] == history
    assert again["estimate_fen"] == 950 * WAN


async def test_an_estimate_over_a_published_consultation_supersedes_the_plans_deadline(budget):
    project = await budget.approved_project("quzhou")  # no estimate-sequence rule: the plan may be off the platform
    published = await budget.unit_post(
        f"/projects/{project}/consultation", {"published_on": "2026-09-10", "ends_on": "2026-09-17"}
    )
    assert published.status_code == 200, published.text
    assert (await budget.deadlines(project))["budget.technical_plan_due"].status == "open"
    with counted(budget.runtime.engine) as statements:
        approved = await budget.post(f"/projects/{project}/estimate", {"estimate_fen": 900 * WAN}, Role.DATA_BUREAU)
    assert approved.status_code == 200, approved.text
    assert len(of(statements, "UPDATE", "deadlines")) == 1
    assert (await budget.deadlines(project))["budget.technical_plan_due"].status == "superseded"
