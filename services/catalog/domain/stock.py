"""Stock systems (存量系统, suqian:(一)): reading an import file into rows, and checking each row.

A file that cannot be read at all is refused whole (the caller turns `UnreadableFile` into a 4xx);
a readable file is checked row by row, and every bad row is reported with its line and reasons.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, field_validator

from services.catalog.domain import stock_system_id
from shared.limits import RequestModel

COLUMNS = (
    "external_ref",
    "unit",
    "jurisdiction",
    "name",
    "category",
    "deployment",
    "mlps_level",
    "crypto_status",
    "security_status",
    "data_sharing_status",
    "state",
    "went_live_on",
    "secret",
)
REQUIRED_COLUMNS = ("external_ref", "unit", "jurisdiction", "name", "went_live_on")


class UnreadableFile(ValueError):
    """The file as a whole is malformed (not CSV/JSON, no header, wrong columns, too many rows)."""


class StockSystemRow(RequestModel):
    """One stock system as reported by a unit or a census (系统普查)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    external_ref: str = Field(min_length=1, max_length=120, description="the reporter's own id of the system")
    unit: str = Field(min_length=1, max_length=120)
    jurisdiction: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=300)
    category: str | None = Field(default=None, max_length=40)
    deployment: str | None = Field(default=None, pattern="^(gov_cloud|other)$")
    mlps_level: int | None = Field(default=None, ge=1, le=5)
    crypto_status: str = Field(default="unknown", pattern="^(passed|failed|unknown)$")
    security_status: str = Field(default="unknown", pattern="^(passed|failed|hazard|unknown)$")
    data_sharing_status: str = Field(default="unknown", pattern="^(shared|partly|not_shared|unknown)$")
    state: str = Field(default="running", pattern="^(running|trial|suspended)$")
    went_live_on: date
    secret: bool = False

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def system_id(self) -> str:
        return stock_system_id(self.jurisdiction, self.unit, self.external_ref)


@dataclass
class RowError:
    row: int  # 1-based data row (CSV: line number minus the header)
    external_ref: str | None
    errors: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "external_ref": self.external_ref, "errors": self.errors}


@dataclass
class CheckedRows:
    good: list[tuple[int, StockSystemRow]] = field(default_factory=list)
    bad: list[RowError] = field(default_factory=list)


class StockFile:
    """A CSV (UTF-8, with a header) or JSON (a list of objects, or {"systems": [...]}) import file, checked as
    a whole when opened; `rows()` reads its rows afresh each time. A CSV is never held as a list of rows: a
    10,000-row census parsed into dicts and models at once took catalog ~30 MiB at its peak, and the process
    kept most of it as fragmented heap after the import (docs/benchmarks.md); read twice, one row at a time,
    it costs a few milliseconds more and one chunk of memory."""

    def __init__(self, content: bytes, media_type: str, max_rows: int) -> None:
        try:
            self._text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"the file is not UTF-8 text: {exc}") from None
        if not self._text.strip():
            raise UnreadableFile("the file is empty")
        self._items: list[Any] | None = None
        self._header: list[str] = []
        if "json" in media_type:
            try:
                data = json.loads(self._text)
            except json.JSONDecodeError as exc:
                raise UnreadableFile(f"not valid JSON: {exc}") from None
            except RecursionError:  # nested thousands deep: no census row looks like that
                raise UnreadableFile("the JSON is nested too deep; a row is one flat object") from None
            if isinstance(data, dict):
                data = data.get("systems")
            if not isinstance(data, list):
                raise UnreadableFile('JSON must be a list of systems or {"systems": [...]}')
            self._items = data
            self.count = len(data)
        elif "csv" in media_type or media_type.startswith("text/plain"):
            reader = csv.DictReader(io.StringIO(self._text))
            self._header = [name.strip() for name in (reader.fieldnames or [])]
            missing = [name for name in REQUIRED_COLUMNS if name not in self._header]
            unknown = [name for name in self._header if name not in COLUMNS]
            if missing or unknown:
                raise UnreadableFile(
                    "the CSV header must name the columns "
                    + ", ".join(COLUMNS)
                    + (f"; missing: {', '.join(missing)}" if missing else "")
                    + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                )
            self.count = sum(1 for _ in self.rows())
        else:
            raise UnreadableFile(f"send text/csv or application/json, not {media_type or 'no content type'}")
        if not self.count:
            raise UnreadableFile("the file has no rows")
        if self.count > max_rows:
            raise UnreadableFile(f"at most {max_rows} rows per import (got {self.count}); split the file")

    def rows(self) -> Iterator[Any]:
        """The rows in file order: a CSV's as dicts of its header's columns, a JSON file's as they are."""
        if self._items is not None:
            yield from self._items
            return
        reader = csv.DictReader(io.StringIO(self._text))
        if reader.fieldnames is None:
            return
        reader.fieldnames = self._header
        try:
            for row in reader:
                yield dict(row)
        except csv.Error as exc:
            raise UnreadableFile(f"not valid CSV: {exc}") from None


def read_file(content: bytes, media_type: str, max_rows: int) -> list[dict[str, Any]]:
    """The rows of a CSV or JSON file as one list (small files and tests; the import streams `StockFile`)."""
    return list(StockFile(content, media_type, max_rows).rows())


def check_rows(rows: list[Any], known_jurisdictions: set[str], today: date) -> CheckedRows:
    """Each row valid on its own, no reference twice in the file, a jurisdiction that has a pack,
    a go-live date that has happened."""
    checked = CheckedRows()
    for index, row, error in _checked(rows, known_jurisdictions, today):
        if error is not None:
            checked.bad.append(error)
        elif row is not None:
            checked.good.append((index, row))
    return checked


@dataclass(frozen=True)
class GoodRow:
    """What the import keeps of a good row between its two reads: where it is and whose system it is."""

    index: int
    external_ref: str
    system_id: str
    unit: str


@dataclass
class Verdict:
    good: list[GoodRow] = field(default_factory=list)
    bad: list[RowError] = field(default_factory=list)


def verdict(rows: Iterator[Any], known_jurisdictions: set[str], today: date) -> Verdict:
    """`check_rows` for a file read one row at a time: the good rows' places and ids, not their models."""
    found = Verdict()
    for index, row, error in _checked(rows, known_jurisdictions, today):
        if error is not None:
            found.bad.append(error)
        elif row is not None:
            found.good.append(GoodRow(index, row.external_ref, row.system_id, row.unit))
    return found


def good_rows(rows: Iterator[Any], wanted: set[int], chunk: int) -> Iterator[list[StockSystemRow]]:
    """The rows at `wanted` places (checked good before), validated again a chunk at a time, in file order."""
    batch: list[StockSystemRow] = []
    for index, raw in enumerate(rows, start=1):
        if index not in wanted:
            continue
        batch.append(StockSystemRow.model_validate(raw))
        if len(batch) == chunk:
            yield batch
            batch = []
    if batch:
        yield batch


def _checked(
    rows: Iterator[Any] | list[Any], known_jurisdictions: set[str], today: date
) -> Iterator[tuple[int, StockSystemRow | None, RowError | None]]:
    seen: dict[str, int] = {}
    for index, raw in enumerate(rows, start=1):
        ref = raw.get("external_ref") if isinstance(raw, dict) else None
        if not isinstance(raw, dict):
            yield index, None, RowError(index, None, [{"field": None, "message": "a row must be an object"}])
            continue
        if None in raw:  # csv.DictReader puts surplus cells under the key None
            yield index, None, RowError(index, ref, [{"field": None, "message": "more cells than columns"}])
            continue
        try:
            row = StockSystemRow.model_validate(raw)
        except ValidationError as exc:
            errors = [
                {"field": ".".join(str(p) for p in err["loc"]) or None, "message": err["msg"]} for err in exc.errors()
            ]
            yield index, None, RowError(index, ref, errors)
            continue
        problems = []
        if row.jurisdiction not in known_jurisdictions:
            problems.append({"field": "jurisdiction", "message": f"no policy pack {row.jurisdiction!r}"})
        if row.went_live_on > today:
            problems.append({"field": "went_live_on", "message": f"{row.went_live_on} is in the future"})
        key = row.system_id
        if key in seen:
            problems.append({"field": "external_ref", "message": f"same system as row {seen[key]} of this file"})
        if problems:
            yield index, None, RowError(index, row.external_ref, problems)
            continue
        seen[key] = index
        yield index, row, None
