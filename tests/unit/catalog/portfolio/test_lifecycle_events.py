"""The steps that now publish an event (issues 17/18): the approval chain, the drawn experts, the estimate
filed, the control price submitted, each acceptance step — each gives the next role its 待办 here."""

from __future__ import annotations

from datetime import timedelta

from shared import clock
from shared.auth import Role
from shared.contracts.acceptance import StepCompleted, TrialStarted
from shared.contracts.budget import ControlPriceSubmitted, EstimateApproved, EstimateFiled
from shared.contracts.review import ApprovalRouted, DrawnExpert, ExpertsDrawn, SchemeReviewSummary
from tests.unit.catalog.portfolio.conftest import UNIT
from tests.unit.catalog.portfolio.test_portfolio import approved, contracted, waiting

CHAIN = ["vice_mayor_unit", "vice_mayor_digital", "vice_mayor_finance", "mayor"]  # dazhou, 350万元


def routed(project_id: str, position: int, *, unit=UNIT, steps=CHAIN) -> ApprovalRouted:
    return ApprovalRouted(
        project_id=project_id,
        unit=unit,
        jurisdiction="dazhou",
        steps=steps,
        position=position,
        next_role=steps[position] if position < len(steps) else None,
        rule_id="approval.authority",
        citation="dazhou:第十条",
        routed_on=clock.today(),
        scheme_review=SchemeReviewSummary(passed=True),
    )


def drawn(project_id: str, experts: list[tuple[str, str | None]], declined=(), purpose="scheme_review"):
    return ExpertsDrawn(
        project_id=project_id,
        unit=UNIT,
        jurisdiction="dazhou",
        draw_id="D-1",
        purpose=purpose,
        experts=[DrawnExpert(expert_id=e, subject=s) for e, s in experts],
        declined=[DrawnExpert(expert_id=e, subject=s) for e, s in declined],
        drawn_on=clock.today(),
    )


async def expert_todos(hub, subject: str) -> list[dict]:
    return await hub.todos(Role.EXPERT, subject=subject)


async def test_a_dazhou_350_wan_project_moves_from_leader_to_leader_as_each_signs(hub):
    project = await hub.admitted(amount_fen=350_0000_00)
    assert waiting(await hub.todos(), project) == [("scheme_review", "data_bureau")]

    # Dazhou's scheme review passed without scores publishes no `scored`: the routed event closes the
    # bureau's step and opens the first leader's.
    await hub.deliver(routed(project, 0))
    assert waiting(await hub.todos(), project) == []
    first = await hub.todos(Role.VICE_MAYOR_UNIT)
    assert waiting(first, project) == [("approval", "vice_mayor_unit")]
    assert first[0]["action_label_zh"] == "分管副市长审核立项"
    assert first[0]["stage_label_zh"] == "评审中"

    for position, leader in enumerate(CHAIN[1:], start=1):
        await hub.deliver(routed(project, position))
        for other in CHAIN:
            expected = [("approval", leader)] if other == leader else []
            assert waiting(await hub.todos(Role(other)), project) == expected, (position, other)

    mayor = await hub.todos(Role.MAYOR)
    assert mayor[0]["action_label_zh"] == "市长审定立项"
    # a new to-do notifies the leader's role
    feed = (await hub.get("/notifications", Role.MAYOR)).json()["items"]
    assert any(n["project_id"] == project and "市长审定立项" in n["text_zh"] for n in feed)

    await hub.deliver(routed(project, len(CHAIN)))  # the mayor signed: nobody left to sign
    for leader in CHAIN:
        assert waiting(await hub.todos(Role(leader)), project) == []
    await approved(hub, project, amount_fen=350_0000_00)
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == [("technical_plan", "unit")]


async def test_a_redelivered_earlier_signature_does_not_reopen_a_signed_leaders_todo(hub):
    project = await hub.admitted(amount_fen=350_0000_00)
    first = routed(project, 0)
    await hub.deliver(routed(project, 1))
    await hub.deliver(first, at=first.envelope().time - timedelta(minutes=5))  # older, arrives late
    assert waiting(await hub.todos(Role.VICE_MAYOR_UNIT), project) == []
    assert waiting(await hub.todos(Role.VICE_MAYOR_DIGITAL), project) == [("approval", "vice_mayor_digital")]


async def test_the_estimate_filed_is_the_bureaus_review_and_the_control_price_is_finances(hub):
    project = await hub.admitted()
    await approved(hub, project)
    today = clock.today()
    due = today + timedelta(days=20)
    await hub.deliver(
        EstimateFiled(project_id=project, unit=UNIT, jurisdiction="dazhou", filed_on=today, review_due=due)
    )
    # budget's route for 技术方案审查/批复概算 requires the data bureau (services/budget/api/estimates.py)
    bureau = await hub.todos()
    assert waiting(bureau, project) == [("technical_review", "data_bureau")]
    assert bureau[0]["action_label_zh"] == "审查技术方案并批复概算" and bureau[0]["due_on"] == due.isoformat()
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == []  # the unit's part is done

    await hub.deliver(
        EstimateApproved(
            project_id=project, unit=UNIT, jurisdiction="dazhou", estimate_fen=140_0000_00, approved_on=today
        )
    )
    assert waiting(await hub.todos(), project) == []
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == [("control_price", "unit")]

    await hub.deliver(
        ControlPriceSubmitted(
            project_id=project,
            unit=UNIT,
            jurisdiction="dazhou",
            control_price_fen=139_0000_00,
            submitted_on=today,
            review_due=today + timedelta(days=10),
        )
    )
    finance = await hub.todos(Role.FINANCE)
    assert waiting(finance, project) == [("control_price_review", "finance")]
    assert finance[0]["action_label_zh"] == "招标控制价预算评审"
    assert waiting(await hub.todos(Role.UNIT, unit=UNIT), project) == []


async def test_each_drawn_expert_sees_their_own_scoring_todo_and_nobody_elses(hub):
    project = await hub.admitted()
    other = await hub.admitted(title="智慧医疗平台")
    await hub.deliver(drawn(project, [("E-1", "expert-one"), ("E-2", "expert-two"), ("E-3", None)]))
    await hub.deliver(drawn(other, [("E-9", "expert-nine")]))

    one = await expert_todos(hub, "expert-one")
    assert waiting(one, project) == [("expert_review", "expert")] and waiting(one, other) == []
    assert one[0]["action_label_zh"] == "参加项建方案评审并评分" and one[0]["title"] == "智慧教育平台"
    assert waiting(await expert_todos(hub, "expert-two"), project) == [("expert_review", "expert")]
    assert await expert_todos(hub, "expert-stranger") == []
    response = await hub.get("/todos", Role.EXPERT, subject="expert-one")
    assert response.json()["counts"]["by_role"] == {"expert": 1}

    # nobody else learns who was drawn: not the bureau's list, not the unit's dossier
    assert waiting(await hub.todos(), project) == [("scheme_review", "data_bureau")]
    dossier = await hub.project(project, Role.UNIT, unit=UNIT)
    assert [t["role"] for t in dossier["todos"]] == ["data_bureau"]
    # and the experts' feed stays empty (it addresses a role, which all experts share)
    assert (await hub.get("/notifications", Role.EXPERT, subject="expert-one")).json()["items"] == []

    # expert two declines, E-4 replaces them
    await hub.deliver(
        drawn(project, [("E-1", "expert-one"), ("E-4", "expert-four"), ("E-3", None)], declined=[("E-2", "expert-two")])
    )
    assert await expert_todos(hub, "expert-two") == []
    assert waiting(await expert_todos(hub, "expert-four"), project) == [("expert_review", "expert")]
    assert len(await expert_todos(hub, "expert-one")) == 1  # redelivered: not doubled

    await hub.deliver(routed(project, 0))  # the review is over: the chain opened
    assert await expert_todos(hub, "expert-one") == []
    assert await expert_todos(hub, "expert-four") == []
    assert waiting(await expert_todos(hub, "expert-nine"), other) == [("expert_review", "expert")]


async def test_a_secret_projects_expert_todo_carries_no_title(hub):
    project = await hub.admitted(secret=True, title=None)
    await hub.deliver(drawn(project, [("E-1", "expert-one")]))
    one = await expert_todos(hub, "expert-one")
    assert waiting(one, project) == [("expert_review", "expert")] and one[0]["title"] is None


async def test_fengxian_acceptance_steps_each_open_the_next_roles_todo(hub):
    project = await hub.admitted(jurisdiction="fengxian", unit="奉贤区教育局")
    today = clock.today()
    await contracted(hub, project, 100_0000_00, signed_on=today, due=today + timedelta(days=300), unit="奉贤区教育局")
    await hub.deliver(TrialStarted(project_id=project, started_on=today))
    unit_todos = await hub.todos(Role.UNIT, unit="奉贤区教育局")
    assert waiting(unit_todos, project) == [("acceptance_application", "unit")]

    def step(done: str, following: str | None) -> StepCompleted:
        return StepCompleted(
            project_id=project,
            unit="奉贤区教育局",
            jurisdiction="fengxian",
            path="fengxian",
            step=done,
            next_step=following,
            completed_on=today,
        )

    await hub.deliver(step("acceptance_application", "acceptance_organised"))
    assert waiting(await hub.todos(Role.UNIT, unit="奉贤区教育局"), project) == []
    bureau = await hub.todos()
    assert waiting(bureau, project) == [("acceptance_organised", "data_bureau")]
    assert bureau[0]["action_label_zh"] == "确认并组织验收小组" and bureau[0]["stage_label_zh"] == "试运行"

    await hub.deliver(step("acceptance_organised", "completion_acceptance"))
    assert waiting(await hub.todos(), project) == [("completion_acceptance", "data_bureau")]


async def test_quzhou_preliminary_acceptance_before_the_trial_run_keeps_the_project_in_construction(hub):
    unit = "衢州市教育局"
    project = await hub.admitted(jurisdiction="quzhou", unit=unit)
    today = clock.today()
    await contracted(hub, project, 100_0000_00, signed_on=today, due=today + timedelta(days=300), unit=unit)
    assert waiting(await hub.todos(Role.UNIT, unit=unit), project) == [("preliminary_acceptance", "unit")]
    await hub.deliver(
        StepCompleted(
            project_id=project,
            unit=unit,
            jurisdiction="quzhou",
            path="quzhou",
            step="preliminary_acceptance",
            next_step="trial_run",
            completed_on=today,
        )
    )
    assert (await hub.project(project))["stage"] == "contracted"
    assert waiting(await hub.todos(Role.UNIT, unit=unit), project) == [("trial_run", "unit")]
    await hub.deliver(TrialStarted(project_id=project, started_on=today))
    await hub.deliver(
        StepCompleted(
            project_id=project,
            unit=unit,
            jurisdiction="quzhou",
            path="quzhou",
            step="final_acceptance_application",
            next_step="final_acceptance",
            completed_on=today,
        )
    )
    assert waiting(await hub.todos(Role.UNIT, unit=unit), project) == []
    assert waiting(await hub.todos(Role.LEADING_OFFICE), project) == [("final_acceptance", "leading_office")]
