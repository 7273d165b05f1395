"""The portfolio's pure rules: the event→action table resolved against real packs, stage order, variance."""

from __future__ import annotations

from datetime import date

import pytest

from services.catalog.portfolio import domain
from services.catalog.portfolio.domain import PENDING, Stage
from shared.auth import Role
from shared.policy import packs


@pytest.fixture(autouse=True, scope="module")
def loaded():
    packs.load_all()


def actions(key: str, jurisdiction: str, amount_fen: int = 150_0000_00, step_done=None, secret=False, next_step=None):
    pending = PENDING[key]
    return [
        (a.service, a.action, a.role)
        for a in domain.resolve(
            pending,
            packs.get(jurisdiction),
            amount_fen=amount_fen,
            secret=secret,
            step_done=step_done,
            next_step=next_step,
        )
    ]


def test_every_action_names_a_real_role_and_a_chinese_label():
    for key, pending in PENDING.items():
        assert isinstance(pending.stage, Stage), key
        for action in pending.actions:
            Role(action.role)
            assert action.action.startswith("{") or action.action_label_zh, key
    for role, label in domain.REVIEW_STEPS.values():
        assert isinstance(role, Role) and label
    assert set(domain.STAGE_LABEL_ZH) == set(Stage)


@pytest.mark.parametrize(
    ("jurisdiction", "first"),
    [("dazhou", "scheme_review"), ("fengxian", "prescreening"), ("suqian", "registration")],
)
def test_admitted_waits_for_the_bureau_to_start_the_packs_review_path(jurisdiction, first):
    assert actions("intake.application.admitted", jurisdiction) == [("review", first, "data_bureau")]


def test_quzhou_joint_review_waits_on_every_party_of_the_panel_and_the_leading_office_concludes():
    """quzhou:三(二)1: the panel's parties give opinions in parallel (each from its own 待办); the experts come
    by draw, one to-do each; the leading office concludes with the decision-consulting opinion."""
    got = actions("intake.application.admitted", "quzhou")
    assert got == [
        ("review", "joint_review", "data_bureau"),
        ("review", "joint_review", "unit"),
        ("review", "joint_review", "cyberspace"),
        ("review", "joint_review", "drc"),
        ("review", "joint_review", "finance"),
        ("review", "joint_review", "leading_office"),
    ]
    path = domain.review_steps(packs.get("quzhou"))
    drawn = domain.expert_action("scheme_review", Stage.ADMITTED, path)
    assert (drawn.action, drawn.action_label_zh) == ("joint_review", "参加并联审核并出具意见")
    scoring = domain.expert_action("scheme_review", Stage.ADMITTED, domain.review_steps(packs.get("fengxian")))
    assert scoring.action == "expert_review"
    assert domain.expert_action("scheme_review", Stage.CONTRACTED, path).action_label_zh == "参加验收评审"


@pytest.mark.parametrize(
    ("jurisdiction", "route", "organiser"),
    [
        ("dazhou", "government_procurement", "unit"),  # dazhou:第三十九条: the unit procures itself
        ("fengxian", "district_procurement_centre", "procurement_center"),  # above the limit, fengxian:第二十一条
        ("fengxian", "government_procurement", "unit"),
        ("quzhou", "government_procurement", "unit"),
        ("dazhou", "a route no pack knows", "procurement_center"),
    ],
)
def test_the_tender_waits_on_the_organiser_of_the_plans_route(jurisdiction, route, organiser):
    assert actions("procurement.plan.filed", jurisdiction, next_step=route) == [("procurement", "tender", organiser)]


@pytest.mark.parametrize(
    ("amount_fen", "leader"),
    [(150_0000_00, "vice_mayor_unit"), (300_0000_00, "vice_mayor_unit"), (600_0000_00, "executive_meeting")],
)
def test_a_passed_scheme_review_routes_to_the_first_authority_for_the_amount(amount_fen, leader):
    got = actions("review.project.scored:passed", "dazhou", amount_fen, step_done="scheme_review")
    assert got == [("review", "approval", leader)]


def test_fengxian_prescreening_passed_goes_to_the_scheme_review():
    got = actions("review.project.prescreened:passed", "fengxian", step_done="prescreening")
    assert got == [("review", "scheme_review", "data_bureau")]


def test_acceptance_steps_follow_the_path_after_the_trial_run():
    assert actions("procurement.contract.signed", "dazhou") == [("acceptance", "trial_run", "unit")]
    after_trial = actions("acceptance.trial.started", "dazhou", step_done="trial_run")
    assert after_trial == [("acceptance", "pre_acceptance_approval", "data_bureau")]
    assert actions("acceptance.trial.started", "fengxian", step_done="trial_run") == [
        ("acceptance", "acceptance_application", "unit")
    ]


def test_stage_never_moves_back_and_rejection_ends_only_the_early_stages():
    assert domain.moves(Stage.SUBMITTED, Stage.ADMITTED)
    assert not domain.moves(Stage.ADMITTED, Stage.SUBMITTED)
    assert domain.moves(Stage.IN_REVIEW, Stage.REJECTED)
    assert not domain.moves(Stage.CONTRACTED, Stage.REJECTED)
    assert not domain.moves(Stage.REJECTED, Stage.APPROVED)
    assert not domain.moves(Stage.RETIRED, Stage.IN_CATALOG)


def test_cost_and_schedule_variance_rate_the_risk():
    today = date(2027, 6, 1)
    on_plan = domain.variance(
        baseline_fen=1000,
        estimate_fen=1050,
        contracted_fen=900,
        contracted_on=date(2027, 1, 1),
        planned_completion=date(2027, 12, 31),
        finished_on=None,
        overdue_deadlines=0,
        today=today,
    )
    assert (on_plan.cost_variance_pct, on_plan.schedule_slip_days, on_plan.risk) == (5.0, 0, "low")
    over = domain.variance(
        baseline_fen=1000,
        estimate_fen=1000,
        contracted_fen=1200,
        contracted_on=None,
        planned_completion=None,
        finished_on=None,
        overdue_deadlines=0,
        today=today,
    )
    assert (over.cost_variance_pct, over.schedule_variance_pct, over.risk) == (20.0, None, "medium")
    late = domain.variance(
        baseline_fen=1000,
        estimate_fen=None,
        contracted_fen=1000,
        contracted_on=date(2026, 1, 1),
        planned_completion=date(2026, 12, 31),
        finished_on=None,
        overdue_deadlines=0,
        today=today,
    )
    assert (
        late.schedule_slip_days == 152 and late.schedule_variance_pct == 41.8
    )  # 152 of 364 days and late.risk == "high"
    chased = domain.variance(
        baseline_fen=1000,
        estimate_fen=1000,
        contracted_fen=0,
        contracted_on=None,
        planned_completion=None,
        finished_on=None,
        overdue_deadlines=1,
        today=today,
    )
    assert chased.risk == "medium" and chased.risk_label_zh == "中风险"


def test_deadline_colours():
    today = date(2027, 6, 1)
    assert domain.deadline_colour(date(2027, 5, 31), "open", today) == "red"
    assert domain.deadline_colour(date(2027, 6, 10), "open", today) == "amber"
    assert domain.deadline_colour(date(2027, 7, 10), "open", today) == "green"
    assert domain.deadline_colour(date(2027, 7, 10), "overdue", today) == "red"


def _cost(pct_of_1000: int, jurisdiction: str, today: date) -> domain.Variance:
    """A project whose cost variance is exactly `pct_of_1000` / 10 per cent, rated by its pack's thresholds."""
    return domain.variance(
        baseline_fen=1000,
        estimate_fen=1000 + pct_of_1000,
        contracted_fen=0,
        contracted_on=None,
        planned_completion=None,
        finished_on=None,
        overdue_deadlines=0,
        today=today,
        settings=domain.thresholds(jurisdiction, today),
    )


def test_the_thresholds_are_each_packs_local_settings():
    today = date(2027, 6, 1)
    for pack_id in packs.ids():
        settings = packs.get(pack_id, at=today).settings
        for name in (*domain.THRESHOLDS, "open_data"):
            setting = getattr(settings, name)
            assert setting.basis == "local_setting" and setting.why.strip(), (pack_id, name)
        assert settings.open_data.value is False  # open data is off unless the bureau switches it on
    assert domain.thresholds("dazhou", today) == {
        "variance_amber_pct": 10,
        "variance_red_pct": 30,
        "deadline_amber_days": 14,
        "notify_before_days": 7,
    }
    # 以上 includes the number itself: exactly 10% is 中风险, exactly 30% 高风险
    assert [_cost(n, "dazhou", today).risk for n in (99, 100, 299, 300)] == ["low", "medium", "medium", "high"]


def test_a_threshold_changed_in_the_pack_changes_the_rating_at_its_boundary(pack_settings):
    today = date(2027, 6, 1)
    pack_settings("quzhou", variance_amber_pct="20", variance_red_pct="50", deadline_amber_days="3")
    assert [_cost(n, "quzhou", today).risk for n in (100, 199, 200, 499, 500)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
    ]
    assert _cost(100, "dazhou", today).risk == "medium"  # another jurisdiction keeps its own pack's 10%
    amber = domain.thresholds("quzhou", today)["deadline_amber_days"]
    assert domain.deadline_colour(date(2027, 6, 4), "open", today, amber) == "amber"  # 3 days: 以内 includes
    assert domain.deadline_colour(date(2027, 6, 5), "open", today, amber) == "green"
    assert domain.deadline_colour(date(2027, 6, 5), "open", today) == "amber"  # the default pack's 14 days


def test_open_data_is_switched_on_per_jurisdiction_in_its_pack(pack_settings, monkeypatch):
    monkeypatch.delenv(domain.OPEN_DATA_ENV, raising=False)
    assert domain.open_data_jurisdictions(date(2027, 6, 1)) == []
    pack_settings("suqian", open_data="true")
    assert domain.open_data_jurisdictions(date(2027, 6, 1)) == ["suqian"]
    monkeypatch.setenv(domain.OPEN_DATA_ENV, "dazhou")  # the operator override adds, never removes
    assert domain.open_data_jurisdictions(date(2027, 6, 1)) == ["dazhou", "suqian"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"variance_amber_pct": "30"}, "variance_amber_pct.value must be below variance_red_pct.value"),
        ({"open_data": "1"}, "open_data.value must be true or false"),
        ({"deadline_amber_days": "-1"}, "deadline_amber_days.value must be a whole number"),
    ],
)
def test_a_bad_setting_is_a_load_error_naming_it(pack_settings, values, message):
    from shared.policy import PolicyError

    with pytest.raises(PolicyError, match=message):
        pack_settings("jiyuan", **values)
