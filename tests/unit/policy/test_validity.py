"""fengxian:第三十八条 "本办法自发布之日起实施,有效期5年。": the pack carries the text's own end of validity; a decision
made on or after it still applies the last rules (nothing is left undecided) but says the regulation has expired,
with the article. A validity clause not found verbatim in the text does not load."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from shared.policy import PackRegistry, packs
from shared.policy.registry import PACKS_DIR, SOURCES_DIR

LAST_VALID_DAY = date(2029, 8, 5)  # 2024-08-06 + 5 years, exclusive end 2029-08-06
LEADER = ("intake.responsible_leader", {"responsible_leader_named": True})


def test_the_pack_ends_five_years_after_it_was_issued() -> None:
    pack = packs.get("fengxian")
    assert (pack.effective_from, pack.expires_on) == (date(2024, 8, 6), date(2029, 8, 6))
    assert pack.expiry_citation == "fengxian:第三十八条"
    summary = pack.summary()
    assert summary["expires_on"] == "2029-08-06" and summary["expired"] is False


@pytest.mark.parametrize(
    ("day", "expired"), [(LAST_VALID_DAY, False), (date(2029, 8, 6), True), (date(2031, 1, 1), True)]
)
def test_a_decision_after_the_validity_says_the_regulation_has_expired(day: date, expired: bool) -> None:
    pack = packs.get("fengxian", at=day)
    decision = pack.decide(*LEADER)
    assert decision.outcome == "pass"  # still decided, by the last rules
    assert decision.pack_version == packs.get("fengxian", at=LAST_VALID_DAY).version
    if expired:
        assert decision.pack_expired_on == "2029-08-06"
        assert "有效期至2029-08-05，已届满（fengxian:第三十八条）" in decision.message_zh
        assert "expired" in decision.message_en
    else:
        assert decision.pack_expired_on is None and "届满" not in decision.message_zh


def test_packs_whose_text_sets_no_validity_never_expire() -> None:
    for pack_id in ("dazhou", "jiyuan", "quzhou", "suqian"):
        pack = packs.get(pack_id, at=date(2099, 1, 1))
        assert pack.expires_on is None and not pack.expired


def test_a_validity_clause_not_in_the_text_does_not_load(tmp_path: Path) -> None:
    target = tmp_path / "packs"
    target.mkdir()
    for path in PACKS_DIR.glob("*.yaml"):
        (target / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    path = target / "fengxian.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("有效期5年。", "有效期10年。", 1), encoding="utf-8")
    with pytest.raises(Exception) as caught:
        PackRegistry(target, SOURCES_DIR).load_all()
    assert "effective_until_quote" in str(caught.value)
