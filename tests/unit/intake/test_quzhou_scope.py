"""Quzhou's own scope (quzhou:二(一)), not dazhou's 第二条: the government and municipal SOEs with government
funds (二(一)(1)), the seven kinds incl. maintenance and re-purchased O&M, county shared platforms, public data and
new infrastructure (二(一)(2)); no amount floor. A project outside it is out of scope, citing the item."""

from __future__ import annotations

import pytest

from shared.policy import packs
from tests.unit.intake.test_domain import assess

WAN = 1_000_000


@pytest.fixture(autouse=True, scope="module")
def _packs():
    packs.load_all()


@pytest.mark.parametrize(
    ("items", "citation"),
    [
        (["maintenance"], "quzhou:二(一)(1).5"),  # 数字化项目维护: in scope in Quzhou
        (["om_renewal"], "quzhou:二(一)(1).6"),
        (["office_automation"], "quzhou:二(一)(1).4"),
        (["business_system"], "quzhou:二(一)(1).1"),  # dazhou's tag for the same kind
        (["county_support_platform"], "quzhou:二(一)(2)"),
        (["county_public_data", "county_new_infrastructure"], "quzhou:二(一)(2)"),
        (["other"], "quzhou:二(一)(1).7"),
    ],
)
def test_the_kinds_quzhou_lists_are_in_scope(items, citation):
    result = assess("quzhou", scope_items=items)
    assert not result.out_of_scope, result.out_of_scope
    rule = packs.get("quzhou").rule("scope.out_of_scope_items")
    assert not rule.inherited and rule.citation == "quzhou:二(一)"
    cited = {item.citation for item in rule.params.items for tag in item.tags() if tag in items}
    assert cited == {citation}


def test_a_kind_quzhou_does_not_list_is_out_of_scope_under_its_own_item():
    result = assess("quzhou", scope_items=["maintenance", "copier"])
    [decision] = result.out_of_scope
    assert (decision.rule_id, decision.effect, decision.citation) == (
        "scope.out_of_scope_items",
        "out_of_scope",
        "quzhou:二(一)",
    )
    assert "copier" in decision.message_zh and decision.basis == "own_text"


@pytest.mark.parametrize("tag", ["not_government_funds", "not_government_or_municipal_soe"])
def test_a_project_without_government_funds_or_outside_gov_and_municipal_soes_is_out_of_scope(tag):
    result = assess("quzhou", project_tags=[tag])
    [decision] = result.out_of_scope
    assert (decision.rule_id, decision.citation, decision.effect) == (
        "scope.funding_source",
        "quzhou:二(一)(1)",
        "out_of_scope",
    )
    assert "政府" in decision.message_zh


@pytest.mark.parametrize("amount", [1, 30 * WAN - 1])
def test_quzhou_has_no_amount_floor_where_dazhou_has_30_wan(amount):
    assert not assess("quzhou", total_investment_fen=amount).out_of_scope
    assert assess("dazhou", total_investment_fen=amount).out_of_scope[0].citation == "dazhou:第二条"
    assert not packs.get("quzhou").has("scope.min_investment")


def test_dazhou_has_no_funding_source_rule_and_quzhous_rules_quote_quzhou():
    assert not packs.default.has("scope.funding_source")
    for rule_id in ("scope.funding_source", "scope.out_of_scope_items"):
        rule = packs.get("quzhou").rule(rule_id)
        assert rule.basis == "own_text" and rule.citation.startswith("quzhou:二(一)")
