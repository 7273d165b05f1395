"""The acceptance form's 检查项 choices come from the rules of the project's pack that read `acceptance_items`
(services/gateway/webapp/src/pages/Project/placement.ts `acceptanceItems`): every jurisdiction has them, each
named in Chinese, and each rule rests on that jurisdiction's own text or is inherited as `basis: local_setting`
with its why (Jiyuan's and Suqian's texts name no acceptance items of their own beyond Jiyuan's 原则(四))."""

from __future__ import annotations

import pytest

from services.acceptance.domain import ITEMS_FACT
from shared.policy import packs

JURISDICTIONS = ("dazhou", "quzhou", "fengxian", "jiyuan", "suqian")


def item_rules(jurisdiction: str) -> list:
    pack = packs.get(jurisdiction)
    return [rule for rule in pack.rules if getattr(rule.params, "supplied_fact", None) == ITEMS_FACT]


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_every_jurisdiction_offers_acceptance_items_in_chinese_on_its_own_basis(jurisdiction):
    packs.load_all()
    rules = item_rules(jurisdiction)
    assert rules, f"{jurisdiction} offers no acceptance items"
    for rule in rules:
        items = list(rule.params.required) + [item for case in rule.params.cases for item in case.require]
        assert items
        for item in items:
            assert rule.params.labels[item].zh.strip(), f"{rule.id}: {item} has no Chinese name"
        if rule.inherited:
            assert rule.basis == "local_setting" and rule.basis_why, f"{jurisdiction} inherits {rule.id} without why"
        else:
            assert rule.citation.startswith(f"{jurisdiction}:"), rule.citation


def test_jiyuan_has_its_own_completion_items_beside_the_inherited_ones():
    packs.load_all()
    own = [rule.id for rule in item_rules("jiyuan") if not rule.inherited]
    assert own == ["acceptance.sharing_interface_connection"]
    assert [rule.id for rule in item_rules("suqian") if rule.inherited] == ["acceptance.items"]
