"""The regulation texts: normalisation for quote matching and resolution of citations to text spans.

A quote matches its source after (1) removing inline pinyin readings such as `數(shù)` (the Suqian
text carries them) and (2) removing all whitespace — nothing else, so a quote is verbatim.
A citation `<pack>:<ref>[,<ref>…]` (a ref may be a range `A–B`) is resolved step by step:
`第十条` (an article), `二` (a section 二、), `(二)` / `(1)` (an item), `3` / `.3` (a numbered
paragraph 3.), or a label such as `不予受理` or `总则` (text inside the current span).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
READING = re.compile(rf"\((?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]+\)")
_WS = re.compile(r"\s+")
_CN_NUM = "一二三四五六七八九十百零〇"

_TOKEN = re.compile(
    rf"(?P<article>第[{_CN_NUM}]+条)"
    rf"|(?P<paren_cn>[(（][{_CN_NUM}]+[)）])"
    r"|(?P<paren_num>[(（]\d+[)）])"
    r"|(?P<num>\.?\d+)"
    rf"|(?P<section>[{_CN_NUM}]+)"
    r"|(?P<label>[^\s.(（)）,，、–—~至]+)"
)
_RANGE = re.compile(r"\s*[–—~至]\s*")
_REF_SPLIT = re.compile(r"\s*[,，、;；]\s*")


def strip_readings(text: str) -> str:
    """Drop inline pinyin readings like `(shù)` (only parenthesised lowercase syllables with a tone mark)."""
    return READING.sub("", text)


def normalise(text: str) -> str:
    """What quotes are compared on: readings stripped, all whitespace removed."""
    return _WS.sub("", strip_readings(text))


@dataclass(frozen=True)
class Span:
    start: int
    end: int


class CitationError(ValueError):
    pass


def split_citation(citation: str) -> tuple[str, str]:
    pack, sep, ref = citation.partition(":")
    if not sep or not pack or not ref.strip():
        raise CitationError(f"citation {citation!r} is not '<pack>:<article>'")
    return pack, ref.strip()


def _line_start(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?m)^[ \t\u3000\xa0]*{pattern}")


def _find_block(text: str, scope: Span, head: re.Pattern[str], sibling: re.Pattern[str]) -> Span | None:
    match = head.search(text, scope.start, scope.end)
    if not match:
        return None
    nxt = sibling.search(text, match.end(), scope.end)
    return Span(match.start(), nxt.start() if nxt else scope.end)


def _resolve_token(text: str, scope: Span, kind: str, token: str) -> Span | None:
    esc = re.escape(token)
    if kind == "article":
        span = _find_block(
            text, scope, _line_start(esc + r"(?![一二三四五六七八九十百零〇])"), _line_start(rf"第[{_CN_NUM}]+条")
        )
        if span:
            return span
    elif kind == "section":
        span = _find_block(text, scope, _line_start(esc + "、"), _line_start(rf"[{_CN_NUM}]+、"))
        if span:
            return span
    elif kind == "paren_cn":
        inner = token[1:-1]
        span = _find_block(
            text, scope, _line_start(rf"[(（]{re.escape(inner)}[)）]"), _line_start(rf"[(（][{_CN_NUM}]+[)）]")
        )
        if span:
            return span
        token_re = re.compile(rf"[(（]{re.escape(inner)}[)）]")
        match = token_re.search(text, scope.start, scope.end)
        if match:
            nxt = re.compile(rf"[(（][{_CN_NUM}]+[)）]").search(text, match.end(), scope.end)
            return Span(match.start(), nxt.start() if nxt else scope.end)
        return None
    elif kind == "paren_num":
        inner = token[1:-1]
        return _find_block(text, scope, _line_start(rf"[(（]{re.escape(inner)}[)）]"), _line_start(r"[(（]\d+[)）]"))
    elif kind == "num":
        number = token.lstrip(".")
        return _find_block(
            text, scope, _line_start(rf"{re.escape(number)}[.、．](?!\d)"), _line_start(r"\d+[.、．](?!\d)")
        )
    # a label, or an article/section cited by name where the text has no heading for it
    index = text.find(token, scope.start, scope.end)
    if index < 0:
        return None
    return Span(index, scope.end)


def resolve_ref(text: str, ref: str) -> Span:
    """The span of `text` that one ref (no commas, no ranges) points at."""
    scope = Span(0, len(text))
    pos = 0
    compact = ref.strip()
    if not compact:
        raise CitationError("empty reference")
    while pos < len(compact):
        match = _TOKEN.match(compact, pos)
        if not match or match.end() == pos:
            raise CitationError(f"cannot read reference {ref!r} at {compact[pos:]!r}")
        kind = match.lastgroup or "label"
        token = match.group(0)
        span = _resolve_token(text, scope, kind, token)
        if span is None:
            raise CitationError(f"{token!r} of {ref!r} not found in the source")
        scope = span
        pos = match.end()
    return scope


def resolve(text: str, refs: str) -> list[Span]:
    """Spans for a comma-separated list of refs; a range `A–B` covers A through the end of B."""
    spans: list[Span] = []
    for part in _REF_SPLIT.split(refs.strip()):
        if not part:
            continue
        ends = _RANGE.split(part)
        if len(ends) == 1:
            spans.append(resolve_ref(text, part))
        elif len(ends) == 2:
            first, last = resolve_ref(text, ends[0]), resolve_ref(text, ends[1])
            if last.end < first.start:
                raise CitationError(f"range {part!r} runs backwards")
            spans.append(Span(first.start, max(first.end, last.end)))
        else:
            raise CitationError(f"cannot read range {part!r}")
    if not spans:
        raise CitationError("no reference")
    return spans


class SourceLibrary:
    """The regulation texts in a directory, by pack id (`<id>.txt`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._raw: dict[str, str] = {}
        self._text: dict[str, str] = {}
        self._normal: dict[str, str] = {}

    def ids(self) -> list[str]:
        return sorted(p.stem for p in self.directory.glob("*.txt"))

    def raw(self, pack_id: str) -> str:
        if pack_id not in self._raw:
            path = self.directory / f"{pack_id}.txt"
            if not path.is_file():
                raise CitationError(f"no source text {path.name} in {self.directory}")
            self._raw[pack_id] = path.read_text(encoding="utf-8")
        return self._raw[pack_id]

    def text(self, pack_id: str) -> str:
        """The source with readings stripped (line structure kept, for citation resolution)."""
        if pack_id not in self._text:
            self._text[pack_id] = strip_readings(self.raw(pack_id))
        return self._text[pack_id]

    def normalised(self, pack_id: str) -> str:
        if pack_id not in self._normal:
            self._normal[pack_id] = normalise(self.raw(pack_id))
        return self._normal[pack_id]

    def check_citation(self, citation: str) -> list[Span]:
        pack_id, refs = split_citation(citation)
        return resolve(self.text(pack_id), refs)

    def check_quote(self, citation: str, quote: str) -> None:
        """The quote must be verbatim in the source and inside the part the citation points at."""
        pack_id, _ = split_citation(citation)
        text = self.text(pack_id)
        needle = normalise(quote)
        if not needle:
            raise CitationError("empty quote")
        if needle not in self.normalised(pack_id):
            raise CitationError(f"quote not found verbatim in {pack_id}.txt: {quote[:40]!r}…")
        spans = self.check_citation(citation)
        if not any(needle in normalise(text[span.start : span.end]) for span in spans):
            raise CitationError(f"quote is in {pack_id}.txt but not inside {citation}: {quote[:40]!r}…")
