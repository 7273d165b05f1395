"""The 待办 read model with events out of order: each service's topic keeps its own order, not the project's,
so a step's event can arrive after a later stage's. The late event moves nothing back, but what its own step
met still closes (the 督办 of its service's overdue deadline), and what it would start that is already over
(a construction period once the trial run began) opens no chase."""

from __future__ import annotations

import uuid
from datetime import timedelta

from shared import clock
from shared.auth import Role
from shared.contracts.acceptance import ProjectAccepted, TrialStarted
from shared.contracts.catalog import SystemRegistered
from shared.contracts.common import DEADLINE_OVERDUE
from shared.contracts.procurement import ContractSigned
from tests.unit.catalog.portfolio.conftest import UNIT
from tests.unit.catalog.portfolio.test_portfolio import approved, contracted

RULE = "acceptance.application_due"


def chases(todos: list[dict], project_id: str) -> list[str]:
    return [t["service"] for t in todos if t["project_id"] == project_id and t["action"] == "chase_overdue"]


def deadline_status(dossier: dict, rule_id: str) -> list[str]:
    return [d["status"] for d in dossier["deadlines"] if d["rule_id"] == rule_id]


async def in_trial(hub) -> str:
    project = await hub.admitted()
    await approved(hub, project)
    today = clock.today()
    await contracted(hub, project, 100_0000_00, signed_on=today - timedelta(days=90), due=today - timedelta(days=30))
    await hub.deliver(TrialStarted(project_id=project, started_on=today - timedelta(days=30)))
    return project


def accepted(project: str) -> ProjectAccepted:
    return ProjectAccepted(
        project_id=project, unit=UNIT, jurisdiction="dazhou", path="dazhou", accepted_on=clock.today(), documents=[]
    )


async def test_a_late_acceptance_still_closes_its_overdue_chase_though_the_catalog_moved_the_project_on(hub):
    project = await in_trial(hub)
    now = clock.now()
    await hub.deliver(
        DEADLINE_OVERDUE["acceptance"](
            project_id=project, rule_id=RULE, citation="dazhou:第四十八条", due_on=clock.today() - timedelta(days=3)
        ),
        at=now - timedelta(hours=3),
    )
    assert chases(await hub.todos(), project) == ["acceptance"]

    # catalog registered the system on hearing the acceptance; its own topic was read first
    registered = SystemRegistered(
        project_id=project, system_id="S-1", unit=UNIT, jurisdiction="dazhou", registered_on=clock.today()
    )
    await hub.deliver(registered, at=now - timedelta(minutes=1))
    assert (await hub.project(project))["stage"] == "in_catalog"
    assert chases(await hub.todos(), project) == ["acceptance"]  # catalog's move is not acceptance's step

    await hub.deliver(accepted(project), at=now - timedelta(minutes=2))  # acceptance's own event, late
    dossier = await hub.project(project)
    assert dossier["stage"] == "in_catalog"  # not moved back
    assert chases(await hub.todos(), project) == []
    assert deadline_status(dossier, RULE) == ["met"]
    assert [t for t in dossier["todos"] if t["project_id"] == project] == []  # and nothing reopened


async def test_a_late_event_leaves_a_deadline_due_after_its_day_to_be_chased(hub):
    project = await in_trial(hub)
    now = clock.now()
    await hub.deliver(
        SystemRegistered(
            project_id=project, system_id="S-2", unit=UNIT, jurisdiction="dazhou", registered_on=clock.today()
        ),
        at=now,
    )
    await hub.deliver(
        DEADLINE_OVERDUE["acceptance"](
            project_id=project, rule_id=RULE, citation="dazhou:第四十八条", due_on=clock.today() - timedelta(days=1)
        )
    )
    # acceptance's event of a step taken ten days ago, before that deadline fell due: not the late step
    await hub.deliver(accepted(project), at=now - timedelta(days=10))
    assert chases(await hub.todos(), project) == ["acceptance"]
    assert deadline_status(await hub.project(project), RULE) == ["overdue"]


async def test_a_contract_heard_after_the_trial_run_began_sets_no_construction_period_to_chase(hub):
    project = await hub.admitted()
    await approved(hub, project)
    today = clock.today()
    await hub.deliver(TrialStarted(project_id=project, started_on=today))  # acceptance's topic ran ahead
    due = today + timedelta(days=10)
    await hub.deliver(
        ContractSigned(
            project_id=project,
            contract_id=f"C-{uuid.uuid4().hex[:6]}",
            unit=UNIT,
            jurisdiction="dazhou",
            supplier="某科技有限公司",
            amount_fen=80_0000_00,
            signed_on=today - timedelta(days=60),
            planned_completion=due,
            construction_due=due,
        ),
        at=clock.now() - timedelta(days=60),
    )
    dossier = await hub.project(project)
    assert dossier["stage"] == "trial_run"
    assert dossier["money"]["contracted_fen"] == 80_0000_00  # the contract's facts still count
    assert deadline_status(dossier, "procurement.construction_due") == ["met"]
    assert dossier["next_due_on"] != due.isoformat()
    clock.set_offset(timedelta(days=20))  # past the construction date: nobody is chased for it
    await hub.sweep()
    assert chases(await hub.todos(), project) == []
    assert [t["action"] for t in await hub.todos(Role.UNIT, unit=UNIT) if t["project_id"] == project] != ["trial_run"]
