"""Issue 19 §6: a new pack version shows exactly the in-flight projects whose decisions it changes."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from shared.policy import PolicyError, packs
from shared.policy.impact import StoredDecision, impact, load_candidate
from shared.policy.registry import PACKS_DIR

WAN = 1_000_000
TODAY = date(2026, 3, 2)
DAZHOU = (PACKS_DIR / "dazhou.yaml").read_text(encoding="utf-8")
BANDS_AT_200 = (
    "        - {to: 200万元, steps: [vice_mayor_unit, vice_mayor_digital, vice_mayor_finance], "
    'citation: "dazhou:第十条(一)"',
    "        - {from: 200万元, to: 500万元, steps: [vice_mayor_unit, vice_mayor_digital, vice_mayor_finance, mayor], "
    'citation: "dazhou:第十条(二)"',
)


def _bands_at_300() -> str:
    """The candidate: the first approval band ends at 300万 instead of 200万 (a changed threshold)."""
    text = DAZHOU
    for old in BANDS_AT_200:
        assert text.count(old) == 1
        text = text.replace(old, old.replace("200万元", "300万元"))
    return text


def _stored(subject: str, amount_fen: int, decided: date) -> StoredDecision:
    decision = packs.get("dazhou", at=TODAY).authority("approval.authority", amount_fen)
    return StoredDecision(
        subject=subject,
        rule_id=decision.rule_id,
        outcome=decision.outcome,
        citation=decision.citation,
        pack=decision.pack,
        pack_version=decision.pack_version,
        facts=decision.facts,
        decided_at=datetime(decided.year, decided.month, decided.day, 10),
        value=decision.value,
        action="route",
    )


def test_a_changed_threshold_lists_exactly_the_projects_it_moves() -> None:
    cand = load_candidate("dazhou", _bands_at_300(), registry=packs, today=TODAY)
    assert cand.candidate.version != cand.current.version
    assert [c["rule_id"] for c in cand.changes["changed"]] == ["approval.authority"]
    rows = [
        _stored("P-150", 150 * WAN, TODAY),  # band (一) before and after
        _stored("P-250", 250 * WAN, TODAY),  # (二) mayor before, (一) after: affected
        _stored("P-299", 300 * WAN - 1, TODAY),  # one fen under the new line: affected
        _stored("P-300", 300 * WAN, TODAY),  # (二) before and after
        _stored("P-600", 600 * WAN, TODAY),  # (三) untouched
    ]
    found = impact(cand, rows)
    assert [p["project_id"] for p in found] == ["P-250", "P-299"]
    change = found[0]["changes"][0]
    assert change["rule_id"] == "approval.authority" and change["kind"] == "changed"
    assert change["old"]["citation"] == "dazhou:第十条(二)" and change["old"]["value"][-1] == "mayor"
    assert change["new"]["citation"] == "dazhou:第十条(一)" and change["new"]["value"][-1] == "vice_mayor_finance"
    assert change["old"]["pack_version"] == cand.current.version
    assert change["new"]["pack_version"] == cand.candidate.version


def test_decisions_before_the_effective_date_stay_under_their_version() -> None:
    later = date(2026, 7, 1)
    cand = load_candidate("dazhou", _bands_at_300(), registry=packs, today=TODAY, effective_from=later)
    assert cand.effective_from == later
    found = impact(cand, [_stored("P-old", 250 * WAN, date(2026, 2, 1))])
    (project,) = found
    assert project["stays_under_old_version"] and project["moves_to_new_version_on"] is None
    assert project["changes"][0]["applies"] == "old"
    # a decision made from the effective date on follows the new version
    (moving,) = impact(cand, [_stored("P-new", 250 * WAN, later)])
    assert not moving["stays_under_old_version"] and moving["moves_to_new_version_on"] == "2026-07-01"
    assert moving["changes"][0]["applies"] == "new"


def test_a_new_version_never_applies_before_today() -> None:
    cand = load_candidate("dazhou", _bands_at_300(), registry=packs, today=TODAY, effective_from=date(2020, 1, 1))
    assert cand.effective_from == TODAY


def test_an_unchanged_pack_affects_nobody() -> None:
    cand = load_candidate("dazhou", DAZHOU, registry=packs, today=TODAY)
    assert cand.candidate.version == cand.current.version
    assert impact(cand, [_stored("P-250", 250 * WAN, TODAY)]) == []


def test_a_new_list_item_is_tried_on_the_facts_the_project_already_gave() -> None:
    old = "          match: [upgrade_of_unaccepted_project]\n"
    assert DAZHOU.count(old) == 1
    text = DAZHOU.replace(old, "          match: [upgrade_of_unaccepted_project, pilot_without_plan]\n")
    cand = load_candidate("dazhou", text, registry=packs, today=TODAY)
    pack = packs.get("dazhou", at=TODAY)
    rows = []
    for subject, tags in (("P-a", ["pilot_without_plan"]), ("P-b", ["new_server"]), ("P-c", [])):
        d = pack.decide("intake.not_accepted", {"project_tags": tags})
        rows.append(
            StoredDecision(subject, d.rule_id, d.outcome, d.citation, d.pack, d.pack_version, d.facts, TODAY, d.value)
        )
    found = impact(cand, rows)
    assert [p["project_id"] for p in found] == ["P-a"]
    change = found[0]["changes"][0]
    assert change["old"]["outcome"] == "pass" and change["new"]["outcome"] == "fail"
    assert change["new"]["citation"] == "dazhou:第二十条(八)"


def test_a_broken_candidate_is_refused_naming_the_rule() -> None:
    broken = DAZHOU.replace('quote: "(三)总投资500万元以上', 'quote: "(三)总投资五百万元以上', 1)
    with pytest.raises(PolicyError) as caught:
        load_candidate("dazhou", broken, registry=packs, today=TODAY)
    assert caught.value.rule_id == "approval.authority"
