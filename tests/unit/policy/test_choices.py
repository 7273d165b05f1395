"""A requirement's `choices`: the values its text names for a stated fact, in its words, which a form offers
(fengxian:第二条(四): 首次运维项目 / 历史运维项目 for `details.om_kind`). Each choice's quote is verbatim inside
the rule's citation, and a case may test the fact only for a value among its choices."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from services.intake.domain import OM_KINDS
from shared.policy import PackRegistry, PolicyError, packs
from shared.policy.registry import PACKS_DIR

from .conftest import scratch_registry


def test_fengxian_names_the_two_om_kinds_intake_reads_in_its_own_words():
    packs.load_all()
    rule = packs.get("fengxian").rule("intake.om_kind")
    choices = rule.params.choices["om_kind"]
    assert tuple(choice.id for choice in choices) == OM_KINDS
    assert [choice.zh for choice in choices] == ["首次运维项目", "历史运维项目"]
    served = rule.public()["params"]["choices"]["om_kind"]
    assert served[1] == {
        "id": "historical",
        "zh": "历史运维项目",
        "en": "historical O&M project",
        "quote": "历史运维项目,即往年已申报实施过的运维项目",
    }
    # a rule without choices serves none (its content, and so its pack's version, unchanged)
    assert "choices" not in packs.get("fengxian").rule("intake.responsible_leader").public()["params"]


def _fengxian(scratch: Path, old: str, new: str) -> PackRegistry:
    shutil.copy(PACKS_DIR / "fengxian.yaml", scratch / "fengxian.yaml")
    path = scratch / "fengxian.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return scratch_registry(scratch)


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            'quote: "历史运维项目,即往年已申报实施过的运维项目"',
            'quote: "历史运维项目,即往年申报的运维项目"',
            "params.choices.om_kind[1].quote",
            "not found",
        ),
        ("- {id: historical, zh: 历史运维项目", "- {id: past, zh: 历史运维项目", "params", "not among its choices"),
    ],
)
def test_a_choice_not_in_the_text_or_not_tested_refuses_the_pack(scratch: Path, old, new, field, message):
    with pytest.raises(PolicyError) as info:
        _fengxian(scratch, old, new).load_all()
    assert (info.value.file, info.value.rule_id) == ("fengxian.yaml", "intake.om_kind")
    assert info.value.field is not None and info.value.field.startswith(field), info.value
    assert message in str(info.value)
