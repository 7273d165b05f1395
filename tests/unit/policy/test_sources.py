"""Tests tied to the law text: every quote is verbatim in its source, every citation exists there."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.policy import PackRegistry
from shared.policy.params import AuthorityParams, ListParams, RouteParams
from shared.policy.registry import PACKS_DIR, SOURCES_DIR
from shared.policy.sources import CitationError, SourceLibrary, normalise, resolve, split_citation, strip_readings

SEEDS = Path("/work/shared/seeds")
SEED_FILES = {
    "quzhou": "000_a2db74899bcf0972.txt",
    "jiyuan": "001_b6535f8596d94818.txt",
    "dazhou": "002_1db117ea81b23c7c.txt",
    "fengxian": "003_832cabed31828b07.txt",
    "suqian": "004_e44d7e286a3a8620.txt",
}
LIBRARY = SourceLibrary(SOURCES_DIR)


def _all_rules(registry: PackRegistry):
    for pack_id in registry.ids():
        for view in registry._views(pack_id):
            for rule in view.rules:
                yield pack_id, rule


def _quotes(registry: PackRegistry):
    """(where, citation, quote) for every quote in every pack, list items included."""
    seen = set()
    for pack_id, rule in _all_rules(registry):
        # a local setting is cited as such; its quote is checked where its default came from
        cited = rule.origin_citation or rule.citation
        for quote in rule.quotes:
            key = (cited, quote)
            if key not in seen:
                seen.add(key)
                yield f"{pack_id}/{rule.id}", cited, quote
        if rule.basis == "higher_document":
            yield f"{pack_id}/{rule.id}/pointer", rule.basis_pointer_citation, rule.basis_pointer
        if isinstance(rule.params, ListParams):
            for item in rule.params.items:
                if item.quote:
                    yield f"{pack_id}/{rule.id}/{item.id}", item.citation or cited, item.quote
        # the item-level words of bands, the collective route and route cases (issue 19 §3)
        if isinstance(rule.params, AuthorityParams):
            for index, band in enumerate(rule.params.bands):
                if band.quote:
                    yield f"{pack_id}/{rule.id}/bands[{index}]", band.citation or cited, band.quote
            collective = rule.params.collective
            if collective and collective.quote:
                yield f"{pack_id}/{rule.id}/collective", collective.citation or cited, collective.quote
        if isinstance(rule.params, RouteParams):
            for index, case in enumerate(rule.params.cases):
                if case.quote:
                    yield f"{pack_id}/{rule.id}/cases[{index}]", case.citation or cited, case.quote
            if rule.params.default_quote:
                yield f"{pack_id}/{rule.id}/default", rule.params.default_citation or cited, rule.params.default_quote


def _citations(registry: PackRegistry):
    for pack_id, rule in _all_rules(registry):
        yield f"{pack_id}/{rule.id}", rule.origin_citation or rule.citation
        params = rule.params
        if isinstance(params, ListParams):
            yield from ((f"{pack_id}/{rule.id}/{i.id}", i.citation) for i in params.items if i.citation)
        if isinstance(params, AuthorityParams):
            yield from ((f"{pack_id}/{rule.id}/band", b.citation) for b in params.bands if b.citation)
            if params.collective and params.collective.citation:
                yield f"{pack_id}/{rule.id}/collective", params.collective.citation


def test_all_five_sources_are_present_and_verbatim() -> None:
    assert LIBRARY.ids() == sorted(SEED_FILES)
    if not SEEDS.is_dir():
        pytest.skip("the seed directory is not mounted here")
    for pack_id, seed in SEED_FILES.items():
        assert (SOURCES_DIR / f"{pack_id}.txt").read_bytes() == (SEEDS / seed).read_bytes(), pack_id


def test_every_quote_is_verbatim_in_its_source(registry: PackRegistry) -> None:
    checked = 0
    for where, citation, quote in _quotes(registry):
        pack_id, _ = split_citation(citation)
        assert normalise(quote) in normalise(LIBRARY.raw(pack_id)), f"{where}: quote not in {pack_id}.txt"
        LIBRARY.check_quote(citation, quote)  # and inside the cited article
        checked += 1
    assert checked >= 50


def test_every_citation_exists_in_its_source(registry: PackRegistry) -> None:
    checked = 0
    for where, citation in _citations(registry):
        try:
            LIBRARY.check_citation(citation)
        except CitationError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"{where}: {exc}")
        checked += 1
    assert checked >= 50


def test_every_pack_file_is_checked(registry: PackRegistry) -> None:
    assert sorted(p.stem for p in PACKS_DIR.glob("*.yaml")) == registry.ids()


def test_normalisation_removes_only_whitespace() -> None:
    assert normalise("第十条\xa0\xa0市数字经济局\n会同") == "第十条市数字经济局会同"
    assert normalise("A B") == "AB"
    assert normalise("(一)新建") == "(一)新建"  # item markers stay


def test_suqian_readings_are_stripped() -> None:
    raw = LIBRARY.raw("suqian")
    assert "數(shù)據(jù)" in raw
    assert "數據" not in raw
    assert "市數據局" in strip_readings(raw)
    LIBRARY.check_quote("suqian:(二)", "對已建成運行的項目每月進行監測,對運行不正常的系統強制淘汰退出")
    # enumerations in parentheses (Chinese numerals, upper-case acronyms) are not readings
    assert strip_readings("(五)關於") == "(五)關於"
    assert strip_readings("(CA认证)(APP)") == "(CA认证)(APP)"


@pytest.mark.parametrize(
    "citation",
    [
        "dazhou:第十条",
        "dazhou:第二十条(八)",
        "dazhou:第四十七条–第四十九条",
        "dazhou:第五十六条,第五十九条",
        "quzhou:二(二)不予受理.3",
        "quzhou:二(二)不予受理.9",
        "quzhou:二(二)优先列入",
        "quzhou:二(一)(1)",
        "quzhou:三(二)2",
        "quzhou:三(三)5",
        "quzhou:三(四)",
        "quzhou:四",
        "jiyuan:总则",
        "jiyuan:职责",
        "jiyuan:第四条",
        "jiyuan:项目申报",
        "jiyuan:项目验收",
        "jiyuan:运行维护",
        "jiyuan:附则",
        "fengxian:第二条",
        "fengxian:第二十四条–第二十六条",
        "fengxian:第三十二条",
        "suqian:(二)",
        "suqian:(五)",
        "suqian:一",
    ],
)
def test_citation_styles_of_rules_md_resolve(citation: str) -> None:
    assert LIBRARY.check_citation(citation)


@pytest.mark.parametrize(
    "citation",
    ["dazhou:第六十七条", "dazhou:第十条(五)", "quzhou:二(二)不予受理.11", "fengxian:第四十条", "suqian:(十)"],
)
def test_citations_that_do_not_exist_are_refused(citation: str) -> None:
    with pytest.raises(CitationError):
        LIBRARY.check_citation(citation)


def test_quote_must_sit_inside_the_cited_article() -> None:
    with pytest.raises(CitationError, match="not inside"):
        LIBRARY.check_quote("dazhou:第十一条", "本办法中涉及资金额度以上含本数")
    with pytest.raises(CitationError, match="not found verbatim"):
        LIBRARY.check_quote("dazhou:第六十二条", "本办法中涉及资金额度以上含本数且四舍五入")


def test_article_spans_end_at_the_next_article() -> None:
    text = LIBRARY.text("dazhou")
    (span,) = resolve(text, "第十条")
    assert text[span.start : span.end].strip().startswith("第十条")
    assert "第十一条" not in text[span.start : span.end]
