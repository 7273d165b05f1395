"""suqian:(四) "對公共事業單位、國有企業以及跨部門信息化項目實行分級分類管理": each Suqian application is classed at
submission — cross-department first, then public institution or state-owned enterprise, else a party or government
department — and the class is recorded with the article. No other text has the classes."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake import domain
from shared.policy import packs
from tests.unit.intake.conftest import DAZHOU_MATERIALS
from tests.unit.intake.test_domain import app

RULE = "intake.tiered_management"
TODAY = date(2026, 10, 31)


def tier(**overrides):
    values = {"materials": list(DAZHOU_MATERIALS), **overrides}
    result = domain.assess_submission(packs.get("suqian", at=TODAY), app(**values), domain.Standing(), TODAY)
    assert not result.refused, result.violations  # a class never refuses
    [decision] = [d for d in result.decisions if d.rule_id == RULE]
    assert (decision.citation, decision.basis) == ("suqian:(四)", "own_text")
    return decision.value["path"]


@pytest.mark.parametrize(
    ("details", "parts", "path"),
    [
        ({}, [], "party_government_department"),
        ({"unit_kind": "public_institution"}, [], "public_institution"),
        ({"unit_kind": "soe"}, [], "state_owned_enterprise"),
        ({"unit_kind": "soe", "cross_department": True}, [], "cross_department"),  # cross-department first
        ({"unit_kind": "public_institution"}, [{"unit": "宿迁市卫健委", "content": "接口"}], "cross_department"),
        ({"unit_kind": "school"}, [], "party_government_department"),  # not a class the text names
    ],
)
def test_each_application_is_classed_as_the_text_names_the_classes(details, parts, path) -> None:
    assert tier(details=details, parts=parts) == path


def test_only_suqian_classes_its_applications() -> None:
    assert [p for p in ("dazhou", "quzhou", "jiyuan", "fengxian", "suqian") if packs.get(p).has(RULE)] == ["suqian"]
