"""Issue 19 §3: a refusal by a list item, an amount band or a route case cites that item, the article beside it."""

from __future__ import annotations

import pytest

from shared.policy import packs
from shared.policy.params import AuthorityParams, ListParams, RouteParams
from shared.policy.registry import SOURCES_DIR
from shared.policy.schema import LOCAL_SETTING_ZH
from shared.policy.sources import SourceLibrary

LIBRARY = SourceLibrary(SOURCES_DIR)
PACKS = ["dazhou", "quzhou", "jiyuan", "fengxian", "suqian"]


def _forbidden_lists(pack_id: str):
    pack = packs.get(pack_id)
    return [r for r in pack.rules if isinstance(r.params, ListParams) and r.params.mode == "forbidden"]


@pytest.mark.parametrize("pack_id", PACKS)
def test_a_refusal_by_each_list_item_cites_the_item(pack_id: str) -> None:
    pack = packs.get(pack_id)
    refused = 0
    for rule in _forbidden_lists(pack_id):
        for item in rule.params.items:
            decision = pack.decide(rule.id, {rule.params.fact: [item.tags()[0]]})
            assert decision.outcome == "fail", (rule.id, item.id)
            assert decision.article == rule.citation
            own = rule.basis == "own_text" and not rule.inherited
            if own:
                assert decision.citation == (item.citation or rule.citation), (rule.id, item.id)
            else:
                # a local setting or a borrowed rule is never shown under another text's item
                assert decision.citation == rule.citation and LOCAL_SETTING_ZH in decision.citation
            if item.quote:
                assert decision.item_quote == item.quote
                cited = item.citation or rule.origin_citation or rule.citation
                LIBRARY.check_quote(cited, item.quote)  # verbatim, inside the cited item
            refused += 1
    if pack_id in ("dazhou", "quzhou", "jiyuan", "fengxian"):
        assert refused >= 3  # each of these texts has at least one own refusal list


@pytest.mark.parametrize("pack_id", ["dazhou", "quzhou"])
def test_numbered_refusal_items_name_their_number(pack_id: str) -> None:
    pack = packs.get(pack_id)
    rule = pack.rule("intake.not_accepted")
    for item in rule.params.items:
        decision = pack.decide(rule.id, {"project_tags": [item.tags()[0]]})
        assert item.citation and decision.citation == item.citation != decision.article
    six = pack.decide(rule.id, {"project_tags": [rule.params.items[5].tags()[0]]})
    assert six.citation == {"dazhou": "dazhou:第二十条(六)", "quzhou": "quzhou:二(二)不予受理.6"}[pack_id]


def test_two_items_are_cited_together() -> None:
    decision = packs.get("dazhou").decide("intake.not_accepted", {"project_tags": ["new_server", "website_platform"]})
    assert decision.citation == "dazhou:第二十条(一),第二十条(四)"
    LIBRARY.check_citation(decision.citation)  # still one resolvable citation
    assert decision.item_quote and decision.item_quote.count("…") == 1


@pytest.mark.parametrize("pack_id", PACKS)
def test_each_authority_band_cites_its_item(pack_id: str) -> None:
    pack = packs.get(pack_id)
    for rule in pack.rules:
        if not isinstance(rule.params, AuthorityParams):
            continue
        own = rule.basis == "own_text" and not rule.inherited
        for band in rule.params.bands:
            decision = pack.authority(rule.id, band.lower or 0)
            assert decision.value == band.steps and decision.article == rule.citation
            assert decision.citation == (band.citation if own and band.citation else rule.citation)
            if band.quote:
                assert decision.item_quote == band.quote
                LIBRARY.check_quote(band.citation or rule.citation, band.quote)


def test_supplement_authority_bands_cite_article_43_items() -> None:
    pack = packs.get("dazhou")
    wan = 1_000_000
    expected = {0: "(一)", 500 * wan: "(二)", 1000 * wan: "(三)", 5000 * wan: "(四)"}
    for amount, item in expected.items():
        for fen in (amount, amount + 1) if amount else (0,):
            decision = pack.authority("procurement.supplement_authority", fen)
            assert decision.citation == f"dazhou:第四十三条{item}" and decision.article == "dazhou:第四十三条"
    # one fen below a band's floor is still the band beneath
    below = pack.authority("procurement.supplement_authority", 500 * wan - 1)
    assert below.citation == "dazhou:第四十三条(一)"


def test_collective_route_and_route_cases_cite_their_own_words() -> None:
    pack = packs.get("dazhou")
    collective = pack.authority("approval.authority", 100 * 1_000_000, collective=True)
    assert collective.citation == "dazhou:第十条" and "财经委员会" in (collective.item_quote or "")
    soe = pack.decide("procurement.organiser", {"unit_is_soe": True})
    assert soe.citation == "dazhou:第四十一条" and soe.article == "dazhou:第三十九条,第四十一条"
    government = pack.decide("procurement.organiser", {"unit_is_soe": False})
    assert government.citation == "dazhou:第三十九条"
    brain = pack.decide("review.centralized_build", {"city_governance_platform": True})
    assert brain.citation == "dazhou:第十六条" and "城市大脑" in (brain.item_quote or "")
    for rule in pack.rules:
        if isinstance(rule.params, RouteParams):
            for case in rule.params.cases:
                if case.quote:
                    LIBRARY.check_quote(case.citation or rule.citation, case.quote)


def test_a_decision_without_items_keeps_the_article_as_citation() -> None:
    decision = packs.get("dazhou").decide(
        "procurement.supplement_cap", {"supplement_fen": 11, "original_contract_fen": 100}
    )
    assert decision.outcome == "fail" and decision.citation == decision.article == "dazhou:第四十三条"
    assert decision.item_quote is None
