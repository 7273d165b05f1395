"""Loading packs: a broken pack names file, rule and field; inheritance; versions by effective date."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from shared.policy import PackRegistry, PolicyError, UnknownPack, UnknownRule, diff

from .conftest import WAN, scratch_registry


def _break(directory: Path, old: str, new: str, count: int = 1) -> PackRegistry:
    path = directory / "dazhou.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return scratch_registry(directory)


def _error(registry: PackRegistry) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        registry.load_all()
    return info.value


@pytest.mark.parametrize(
    ("old", "new", "rule_id", "field", "message"),
    [
        ("{to: 200万元, steps", "{to: 200.5, steps", "approval.authority", "params.bands[0].to", "float"),
        (
            "op: 以上, amount: 30万元",
            "op: 大于, amount: 30万元",
            "scope.min_investment",
            "params.checks[0]",
            "unknown op",
        ),
        ("amount_fact: total_investment_fen", "amount_fakt: total_investment_fen", "approval.authority", "params.", ""),
        ("{from: 200万元, to: 500万元", "{from: 210万元, to: 500万元", "approval.authority", "params.bands", "meet"),
        ("steps: [executive_meeting]", "steps: [city_council]", "approval.authority", "params.bands", "roles"),
        ("以上含本数,以下不含本数。", "以上含本数,以下也含本数。", "thresholds.semantics", "quote", "not found"),
        (
            'citation: "dazhou:第六十二条"',
            'citation: "dazhou:第六十七条"',
            "thresholds.semantics",
            "citation",
            "第六十七条",
        ),
        (
            'citation: "dazhou:第十条(三)"',
            'citation: "dazhou:第十条(九)"',
            "approval.authority",
            "params.bands[2].citation",
            "",
        ),
        (
            "stage: review\n    kind: authority_table",
            "stage: reviews\n    kind: authority_table",
            "approval.authority",
            "stage",
            "",
        ),
        ('ratio: "10%"', "ratio: 0.1", "procurement.supplement_cap", "params.checks[0].ratio", "ratio"),
        (
            "unit: working_days\n      within: 10",
            "unit: workdays\n      within: 10",
            "budget.technical_review_due",
            "params.unit",
            "",
        ),
        ("- id: intake.window", "- id: intake.required_materials", "intake.required_materials", "id", "duplicate"),
        (
            "semantics: {以上: includes, 以下: excludes}",
            "semantics: {以上: includes, 以下: includes}",
            "approval.authority",
            "params.bands",
            "2 bands",
        ),
    ],
)
def test_a_bad_field_names_file_rule_and_field(scratch: Path, old, new, rule_id, field, message) -> None:
    error = _error(_break(scratch, old, new))
    assert error.file == "dazhou.yaml"
    assert error.rule_id == rule_id
    assert error.field is not None and error.field.startswith(field), error
    assert message in str(error)
    assert str(error).startswith(f"file dazhou.yaml, rule {rule_id}, field ")


def test_a_header_error_names_the_field(scratch: Path) -> None:
    error = _error(_break(scratch, "effective_from: 2023-07-25", "effective_from: someday"))
    assert (error.file, error.rule_id, error.field) == ("dazhou.yaml", None, "effective_from")
    error = _error(_break(scratch, "title_zh: 达州市市级", "titel_zh: 达州市市级"))
    assert error.field == "titel_zh"


def test_not_yaml(scratch: Path) -> None:
    (scratch / "broken.yaml").write_text("pack: [unclosed\n", encoding="utf-8")
    error = _error(scratch_registry(scratch))
    assert error.file == "broken.yaml"


def test_file_name_must_match_pack_id(scratch: Path) -> None:
    (scratch / "dazhou.yaml").rename(scratch / "other.yaml")
    error = _error(scratch_registry(scratch))
    assert error.field == "pack"


CHILD = textwrap.dedent(
    """\
    pack: testchild
    title_zh: 测试辖区
    source: fengxian.txt
    effective_from: 2024-08-06
    extends: dazhou
    inherits:
      - {id: thresholds.semantics, basis: local_setting, why: 条文未说明以上以下是否含本数}
      - {id: approval.authority, basis: local_setting, why: 条文未规定审批权限}
      - {id: scope.min_investment, basis: local_setting, why: 条文未规定起点金额}
    roles:
      district_bureau: {zh: 区数据局, en: district data bureau}
    rules:
      - id: acceptance.organize_due
        stage: acceptance
        kind: deadline
        citation: "fengxian:第二十四条"
        quote: "区数据局在收到验收申请后30个自然日内确认并组织验收。"
        title_zh: 30个自然日内组织验收
        title_en: Acceptance organised within 30 calendar days
        effective_from: 2025-01-01
        params: {unit: calendar_days, within: 30, counts_from: acceptance_applied_on, event: acceptance_organized_on}
      - id: intake.upgrade_materials
        stage: intake
        kind: requirement
        citation: "fengxian:第十一条"
        quote: "升级改造的项目需说明升级改造的理由,并提供原项目的建设合同、测评报告、验收意见等材料。"
        title_zh: 升级改造项目的材料
        title_en: Materials of an upgrade project
        params:
          supplied_fact: materials
          cases:
            - when: {fact: construction_type, op: equals, value: upgrade}
              require: [original_contract, test_report, acceptance_opinion]
      - id: procurement.supplement_cap
        stage: procurement
        kind: threshold
        citation: "fengxian:第二十二条"
        quote: "需进行项目变更的,变更金额不得超过项目总金额的10%。"
        title_zh: 变更金额不超过项目总金额10%
        title_en: Changes at most 10% of the total
        optional_facts: [previous_supplements_fen]
        params:
          checks:
            - {fact: [supplement_fen, previous_supplements_fen], op: 不超过, ratio: "10%", of: original_contract_fen}
    history:
      - id: acceptance.organize_due
        stage: acceptance
        kind: deadline
        citation: "fengxian:第二十四条"
        quote: "区数据局在收到验收申请后30个自然日内确认并组织验收。"
        title_zh: 20个自然日内组织验收（旧）
        title_en: Acceptance organised within 20 calendar days (old)
        effective_from: 2024-08-06
        effective_until: 2025-01-01
        params: {unit: calendar_days, within: 20, counts_from: acceptance_applied_on}
    """
)


@pytest.fixture
def family(scratch: Path) -> PackRegistry:
    (scratch / "testchild.yaml").write_text(CHILD, encoding="utf-8")
    registry = scratch_registry(scratch)
    registry.load_all()
    return registry


def test_child_pack_marks_inherited_rules(family: PackRegistry) -> None:
    child = family.get("testchild", date(2025, 6, 1))
    assert child.extends == "dazhou"
    authority = child.rule("approval.authority")
    assert authority.inherited and authority.inherited_from == "dazhou"
    assert authority.citation == "testchild:本地设置（非条文规定）"
    assert (authority.basis, authority.origin_citation) == ("local_setting", "dazhou:第十条")
    assert authority.basis_why == "条文未规定审批权限"
    assert not child.rule("procurement.supplement_cap").inherited
    assert child.rule("procurement.supplement_cap").citation == "fengxian:第二十二条"
    with pytest.raises(UnknownRule):
        child.rule("intake.window")  # not inherited, not defined
    assert "district_bureau" in child.roles and "mayor" in child.roles
    summary = child.summary()
    assert (summary["own_rules"], summary["inherited_rules"]) == (3, 3)


def test_child_pack_decides_with_its_own_rules_and_the_inherited_semantics(family: PackRegistry) -> None:
    child = family.get("testchild", date(2025, 6, 1))
    decision = child.authority("approval.authority", 200 * WAN)
    assert decision.value[-1] == "mayor"
    assert (decision.pack, decision.pack_version, decision.inherited) == ("testchild", child.version, True)
    assert (decision.basis, decision.basis_zh) == ("local_setting", "本地设置（非条文规定）")
    assert decision.citation == "testchild:本地设置（非条文规定）"
    upgrade = child.decide("intake.upgrade_materials", {"construction_type": "upgrade", "materials": ["test_report"]})
    assert upgrade.outcome == "fail"
    assert upgrade.value["missing"] == ["original_contract", "acceptance_opinion"]
    new = child.decide("intake.upgrade_materials", {"construction_type": "new", "materials": []})
    assert new.outcome == "pass"


def test_rules_replaced_later_stay_in_force_for_earlier_dates(family: PackRegistry) -> None:
    old = family.get("testchild", date(2024, 9, 1))
    new = family.get("testchild", date(2025, 1, 1))
    assert old.rule("acceptance.organize_due").params.within == 20
    assert new.rule("acceptance.organize_due").params.within == 30
    assert old.version != new.version
    assert new.at(date(2024, 12, 31)).version == old.version
    assert old.due("acceptance.organize_due", date(2024, 9, 1)) == date(2024, 9, 21)
    assert new.due("acceptance.organize_due", date(2025, 3, 1)) == date(2025, 3, 31)
    with pytest.raises(PolicyError, match="no rules in force"):
        family.get("testchild", date(2024, 1, 1))


def test_versions_list_effective_dates_and_changes(family: PackRegistry) -> None:
    versions = family.versions("testchild")
    assert [(v["effective_from"], v["effective_until"]) for v in versions] == [
        ("2024-08-06", "2025-01-01"),
        ("2025-01-01", None),
    ]
    history = family.history("testchild")
    assert history[0]["changes"] is None
    changes = history[1]["changes"]
    assert changes["added"] == [] and changes["removed"] == []
    (change,) = changes["changed"]
    assert change["rule_id"] == "acceptance.organize_due"
    assert change["changes"]["params.within"] == {"old": 20, "new": 30}
    assert change["changes"]["params.event"] == {"old": None, "new": "acceptance_organized_on"}
    assert family.by_version("testchild", versions[0]["version"]).effective_from == date(2024, 8, 6)


def test_diff_between_packs(family: PackRegistry) -> None:
    child = family.get("testchild", date(2025, 6, 1))
    dazhou = family.get("dazhou")
    change = diff(dazhou, child)
    assert "acceptance.organize_due" in change.added
    assert "intake.window" in change.removed
    changed = {c.rule_id: c.changes for c in change.changed}
    assert changed["procurement.supplement_cap"]["citation"] == {
        "old": "dazhou:第四十三条",
        "new": "fengxian:第二十二条",
    }
    assert "approval.authority" in {c.rule_id for c in change.changed}  # inherited: true differs
    assert diff(dazhou, dazhou).empty


def test_the_real_pack_has_one_version_today(registry: PackRegistry) -> None:
    (only,) = registry.versions("dazhou")
    assert only["effective_from"] == "2023-07-25" and only["current"] is True
    assert only["version"] == registry.default.version
    assert len(only["version"]) == 12


def test_version_is_a_content_hash(scratch: Path, registry: PackRegistry) -> None:
    same = scratch_registry(scratch)
    assert same.get("dazhou").version == registry.get("dazhou").version
    changed = _break(scratch, "within: 60", "within: 61")
    assert changed.get("dazhou").version != registry.get("dazhou").version


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("extends: dazhou", "extends: nowhere", "extends", "unknown pack"),
        ("{id: thresholds.semantics,", "{id: thresholds.semantic,", "inherits", "does not have"),
        (
            "{id: scope.min_investment,",
            "{id: procurement.supplement_cap,",
            "inherits",
            "both",
        ),
        # an inherited rule without a basis, or a local setting without why, does not load
        (
            "{id: approval.authority, basis: local_setting, why: 条文未规定审批权限}",
            "approval.authority",
            "inherits[1]",
            "",
        ),
        (
            "{id: approval.authority, basis: local_setting, why: 条文未规定审批权限}",
            "{id: approval.authority, basis: local_setting}",
            "inherits[1]",
            "why",
        ),
        (
            "{id: approval.authority, basis: local_setting, why: 条文未规定审批权限}",
            "{id: approval.authority, basis: own_text}",
            "inherits[1].basis",
            "",
        ),
    ],
)
def test_broken_inheritance(scratch: Path, old: str, new: str, field: str, message: str) -> None:
    (scratch / "testchild.yaml").write_text(CHILD.replace(old, new), encoding="utf-8")
    error = _error(scratch_registry(scratch))
    assert error.file == "testchild.yaml"
    assert error.field == field
    assert message in str(error)


def test_inherited_rules_apply_from_the_childs_own_start(scratch: Path) -> None:
    earlier = CHILD.replace("effective_from: 2024-08-06\nextends", "effective_from: 2020-04-17\nextends").replace(
        "effective_from: 2024-08-06\n    effective_until", "effective_from: 2020-04-17\n    effective_until"
    )
    assert earlier != CHILD
    (scratch / "testchild.yaml").write_text(earlier, encoding="utf-8")
    registry = scratch_registry(scratch)
    child = registry.get("testchild", date(2021, 1, 1))  # before dazhou's measures (2023-07-25) existed
    assert child.rule("approval.authority").inherited
    assert child.authority("approval.authority", 500 * WAN).value == ["executive_meeting"]


def test_a_pack_using_yishang_yixia_needs_the_semantics_rule(scratch: Path) -> None:
    (scratch / "testchild.yaml").write_text(
        CHILD.replace("  - {id: thresholds.semantics, basis: local_setting, why: 条文未说明以上以下是否含本数}\n", "")
    )
    error = _error(scratch_registry(scratch))
    assert (error.file, error.rule_id) == ("testchild.yaml", "approval.authority")
    assert "thresholds.semantics" in str(error)


def test_overlapping_versions_are_refused(scratch: Path) -> None:
    (scratch / "testchild.yaml").write_text(CHILD.replace("effective_until: 2025-01-01", "effective_until: 2025-02-01"))
    error = _error(scratch_registry(scratch))
    assert (error.rule_id, error.field) == ("acceptance.organize_due", "effective_until")


def test_a_pack_not_yet_in_force_still_loads(scratch: Path) -> None:
    future = CHILD.replace("effective_from: 2024-08-06\nextends", "effective_from: 2099-01-01\nextends")
    future = future.replace("effective_from: 2025-01-01\n", "effective_from: 2099-06-01\n")
    future = future.replace(
        "effective_from: 2024-08-06\n    effective_until: 2025-01-01",
        "effective_from: 2099-01-01\n    effective_until: 2099-06-01",
    )
    (scratch / "testchild.yaml").write_text(future, encoding="utf-8")
    registry = scratch_registry(scratch)
    loaded = registry.load_all()  # service start-up must not fail on a future pack
    assert loaded["testchild"].effective_from == date(2099, 1, 1)
    with pytest.raises(PolicyError, match="no rules in force"):
        registry.get("testchild")
    assert registry.get("testchild", date(2099, 2, 1)).rule("acceptance.organize_due").params.within == 20


def test_unknown_pack(registry: PackRegistry) -> None:
    with pytest.raises(UnknownPack) as info:
        registry.get("atlantis")
    assert "dazhou" in info.value.known


def test_default_pack_is_dazhou(registry: PackRegistry) -> None:
    assert registry.default.id == "dazhou"
    assert "dazhou" in registry.ids()


def test_module_registry_loads_lazily() -> None:
    from shared.policy import packs

    assert packs.get("dazhou").rule("approval.authority").citation == "dazhou:第十条"
    assert packs.default.effective_from == date(2023, 7, 25)
