"""Intake's decisions against the real packs: each refusal reason, boundary amounts both sides, the window
edges, bars and the split detector."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from services.intake import domain
from services.intake.standing import Bar, Standing, SystemStanding, security_bar, types_barred
from shared.policy import packs
from tests.unit.intake.conftest import DAZHOU_MATERIALS, WAN

ON_TIME = date(2026, 10, 31)  # last day of dazhou's window for plan year 2027 (dazhou:第七条)


@pytest.fixture(autouse=True, scope="module")
def _packs():
    packs.load_all()


def app(**overrides):
    values = dict(
        title="智慧教育平台",
        unit="达州市教育局",
        total_investment_fen=350 * WAN,
        construction_type="new",
        category="application",
        scope_items=[],
        project_tags=[],
        priority_tags=[],
        materials=list(DAZHOU_MATERIALS),
        plan_year=2027,
        phases=[],
        unit_priority=None,
        secret=False,
        mixed_construction=False,
        it_estimate_fen=None,
        total_estimate_fen=None,
        details={"responsible_leader": "教育局副局长 张某"},  # fengxian:第四条 (other packs do not read it)
    )
    values.update(overrides)
    return SimpleNamespace(**values)


def assess(pack_id="dazhou", today=ON_TIME, standing=Standing(), siblings=(), **overrides):
    return domain.assess_submission(packs.get(pack_id, at=today), app(**overrides), standing, today, siblings)


def failed_ids(result) -> list[str]:
    return [v.rule_id for v in result.violations]


def test_complete_dazhou_application_passes():
    result = assess()
    assert not result.refused and not result.off_plan
    assert {"scope.min_investment", "intake.window", "intake.required_materials"} <= {
        d.rule_id for d in result.decisions
    }


@pytest.mark.parametrize(("amount", "managed"), [(30 * WAN - 1, False), (30 * WAN, True)])
def test_dazhou_floor_is_30_wan_inclusive(amount, managed):
    result = assess(total_investment_fen=amount)
    assert bool(result.out_of_scope) is not managed
    if not managed:
        assert result.out_of_scope[0].citation == "dazhou:第二条" and result.out_of_scope[0].effect == "out_of_scope"


def test_child_packs_without_a_floor_manage_small_projects():
    assert not assess("fengxian", total_investment_fen=1, materials=_fengxian_materials(), unit_priority=1).refused


def _fengxian_materials():
    return ["construction_plan", "feasibility_study", "necessity_basis", "security_study", "unit_budget"]


@pytest.mark.parametrize(
    ("pack_id", "items", "out"),
    [
        ("jiyuan", ["office_pc"], True),
        ("jiyuan", ["camera"], True),
        ("fengxian", ["camera"], False),  # video surveillance is digital infrastructure there (第二条(一))
        ("fengxian", ["office_pc"], True),
        ("fengxian", ["standalone_cabling"], True),
        ("dazhou", ["business_system"], False),
        ("dazhou", ["copier"], True),  # outside dazhou's inclusive list
    ],
)
def test_scope_lists_per_pack(pack_id, items, out):
    extra = {"materials": _fengxian_materials(), "unit_priority": 1} if pack_id == "fengxian" else {}
    result = assess(pack_id, scope_items=items, **extra)
    assert bool(result.out_of_scope) is out, result.violations


def test_window_edge_dazhou_late_is_off_plan_not_refused():
    assert not assess(today=date(2026, 10, 31)).off_plan
    late = assess(today=date(2026, 11, 1))
    assert late.off_plan and not late.refused


def test_fengxian_late_application_needs_basis_documents():
    base = {"materials": _fengxian_materials(), "unit_priority": 1}
    late = assess("fengxian", today=date(2026, 11, 1), **base)
    assert late.off_plan and failed_ids(late) == ["intake.off_plan_basis"]
    assert late.violations[0].citation == "fengxian:第十四条"
    with_basis = assess(
        "fengxian", today=date(2026, 11, 1), **{**base, "materials": [*base["materials"], "off_plan_basis"]}
    )
    assert not with_basis.refused and with_basis.off_plan


def test_jiyuan_window_is_january_of_the_year_before():
    materials = [*DAZHOU_MATERIALS, "sharing_interface_plan"]  # jiyuan:原则(四)
    assert not assess("jiyuan", today=date(2026, 1, 31), materials=materials).refused
    assert assess("jiyuan", today=date(2026, 2, 1), materials=materials).off_plan
    early = assess("jiyuan", today=date(2025, 12, 31), materials=materials)
    assert failed_ids(early) == ["intake.window"] and early.violations[0].citation == "jiyuan:项目申报"


def test_missing_materials_are_named():
    result = assess(materials=[m for m in DAZHOU_MATERIALS if m != "crypto_plan"])
    assert failed_ids(result) == ["intake.required_materials"]
    assert "密码应用方案" in result.violations[0].message_zh


def test_every_violation_is_listed_not_only_the_first():
    bar = Bar("catalog.zombie_system", "quzhou:二(二)不予受理.9", "僵尸系统", date(2026, 1, 1), date(2028, 1, 1))
    result = assess(
        materials=["basic_info"],
        project_tags=["new_machine_room", "big_data_platform"],
        standing=Standing(bars=(bar,)),
    )
    assert failed_ids(result) == [
        "intake.required_materials",
        "intake.secure_products_statement",
        "intake.not_accepted",
        "catalog.zombie_system",
    ]
    assert "dazhou:第二十条(一)" in result.violations[2].message_zh
    assert "dazhou:第二十条(四)" in result.violations[2].message_zh


def test_quzhou_not_accepted_list_cites_its_item():
    result = assess("quzhou", project_tags=["video_conference"])
    assert failed_ids(result) == ["intake.not_accepted"]
    assert "quzhou:二(二)不予受理.4" in result.violations[0].message_zh


def test_upgrade_of_a_project_not_yet_accepted_is_refused():
    system = SystemStanding(registered=True, retired=False, evaluation_failed=False)
    refused = assess(construction_type="upgrade", standing=Standing(related_system=system))
    assert failed_ids(refused) == ["intake.upgrade_not_accepted_project"]
    ok = assess(
        construction_type="upgrade", standing=Standing(original_project_accepted=True, related_system=system)
    )
    assert not ok.refused


def test_upgrade_of_a_system_outside_the_catalog_gets_no_money():
    result = assess(construction_type="om", standing=Standing(original_project_accepted=True))
    assert failed_ids(result) == ["intake.system_catalog_required"]
    assert result.violations[0].citation == "dazhou:第二十一条"


def test_fengxian_upgrade_and_om_materials():
    base = {"materials": _fengxian_materials(), "unit_priority": 1}
    system = SystemStanding(registered=True, retired=False, evaluation_failed=False)
    standing = Standing(original_project_accepted=True, related_system=system)
    upgrade = assess("fengxian", construction_type="upgrade", standing=standing, **base)
    assert failed_ids(upgrade) == ["intake.upgrade_materials"]
    assert "测评报告" in upgrade.violations[0].message_zh
    om = assess("fengxian", construction_type="om", standing=standing, **base)
    assert failed_ids(om) == ["intake.om_materials"] and om.violations[0].citation == "fengxian:第十三条"


def test_fengxian_failed_evaluation_blocks_related_upgrade_only():
    base = {
        "materials": [
            *_fengxian_materials(),
            "upgrade_reason",
            "original_contract",
            "test_report",
            "acceptance_opinion",
        ],
        "unit_priority": 1,
    }
    failing = SystemStanding(registered=True, retired=False, evaluation_failed=True)
    standing = Standing(original_project_accepted=True, related_system=failing)
    result = assess("fengxian", construction_type="upgrade", standing=standing, **base)
    assert failed_ids(result) == ["intake.evaluation_failure_bar"]
    assert result.violations[0].citation == "fengxian:第三十二条"
    assert not assess("dazhou", construction_type="upgrade", standing=standing).refused  # dazhou has no such bar


def test_fengxian_unit_must_rank_and_phased_projects_file_phase_plan():
    result = assess("fengxian", materials=_fengxian_materials(), phases=[{"name": "一期"}])
    assert failed_ids(result) == ["intake.phase_plan", "intake.unit_priority"]


def _split_amounts(pack_id: str):
    threshold = domain.amount_thresholds(packs.get(pack_id))[0]
    return threshold, threshold // 2


@pytest.mark.parametrize(("extra", "split"), [(0, True), (-1, False)])
def test_split_detector_crosses_a_threshold_both_parts_stay_under(extra, split):
    threshold, half = _split_amounts("fengxian")
    sibling = domain.Sibling("P-1", "智慧城管平台一期", 2027, half)
    mine = threshold - half + extra
    found = domain.likely_split(packs.get("fengxian"), "智慧城管平台二期", mine, [sibling])
    assert (found == ["P-1"]) is split
    result = assess(
        "fengxian",
        title="智慧城管平台二期",
        total_investment_fen=mine,
        siblings=[sibling],
        materials=_fengxian_materials(),
        unit_priority=1,
    )
    assert ("intake.no_splitting" in failed_ids(result)) is split


def test_split_detector_ignores_dissimilar_titles():
    threshold, half = _split_amounts("fengxian")
    sibling = domain.Sibling("P-1", "医保结算接口", 2027, half)
    assert domain.likely_split(packs.get("fengxian"), "智慧城管平台", threshold - half, [sibling]) == []


def test_bars_apply_by_type_and_time():
    security = Bar(
        "intake.security_failure_bar",
        "dazhou:第五十七条",
        "等保测评未通过",
        date(2026, 5, 1),
        None,
        bars=types_barred(["om_funding", "new_project", "rebuild_project", "extend_project"]),
    )
    assert security.bars == ("om", "new", "rebuild", "extend")
    assert failed_ids(assess(standing=Standing(bars=(security,)))) == ["intake.security_failure_bar"]
    system = SystemStanding(registered=True, retired=False, evaluation_failed=False)
    upgrade = assess(
        construction_type="upgrade",
        standing=Standing(bars=(security,), original_project_accepted=True, related_system=system),
    )
    assert not upgrade.refused  # 第五十七条 bars new/rebuild/extend projects and O&M money, not upgrades
    expired = Bar(
        "catalog.zombie_system", "quzhou:二(二)不予受理.9", "僵尸系统", date(2024, 1, 1), date(2026, 1, 1)
    )
    assert not assess(standing=Standing(bars=(expired,))).refused
    assert expired.active_on(date(2025, 12, 31)) and not expired.active_on(date(2026, 1, 1))


def test_security_bar_decided_from_failed_items():
    pack = packs.get("dazhou")
    decision = security_bar(pack, ["mlps_test"])
    assert decision is not None and decision.citation == "dazhou:第五十七条"
    assert security_bar(pack, ["data_dictionary"]) is None


@pytest.mark.parametrize(("it", "route"), [(50 * WAN + 1, "data_bureau"), (50 * WAN, "drc")])
def test_mixed_project_routes_by_it_share(it, route):
    result = assess(mixed_construction=True, it_estimate_fen=it, total_estimate_fen=100 * WAN)
    assert result.approval_route == route


def test_priority_flags_per_pack():
    assert assess(priority_tags=["internet_plus_services"]).priority_flags == ["internet_plus_services"]
    assert assess("quzhou", priority_tags=["pilot_demo", "unknown"]).priority_flags == ["pilot_demo"]


def test_centralized_plan_parts_name_the_missing_element():
    pack = packs.get("dazhou")
    full = {"business_flow": "x", "data_flow": "y", "system_interfaces": "z", "data_catalog": "c"}
    decisions = domain.plan_parts(pack, [full, {**full, "data_flow": ""}])
    assert [d.outcome for d in decisions] == ["pass", "fail"]
    assert decisions[1].field == "parts[1]" and "数据流" in decisions[1].message_zh


def test_quzhou_needs_must_be_reviewed():
    pack = packs.get("quzhou")
    assert domain.need_review(pack, False).outcome == "fail"
    assert domain.need_review(pack, True).outcome == "pass"
    assert domain.need_review(packs.get("dazhou"), False) is None
