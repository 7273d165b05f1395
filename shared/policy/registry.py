"""Loading and validating pack files, resolving `extends`/`inherits`, and the per-date timeline of each pack."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from shared import clock
from shared.policy.checks import RuleChecks, check_overlaps, uses_yishang_yixia
from shared.policy.errors import PolicyError, UnknownPack
from shared.policy.model import Rule
from shared.policy.pack import SEMANTICS_RULE, Pack, PackDiff, diff
from shared.policy.params import PARAMS_BY_KIND
from shared.policy.schema import (
    LOCAL_SETTING_ZH,
    PACK_KEYS,
    PackHeader,
    RoleDef,
    RuleDef,
)
from shared.policy.sources import CitationError, SourceLibrary
from shared.policy.timeline import load_order, timeline

HERE = Path(__file__).parent
PACKS_DIR = HERE / "packs"
SOURCES_DIR = HERE / "sources"
DEFAULT_PACK = "dazhou"


def _loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _from_validation(exc: ValidationError, *, file: str, rule_id: str | None, prefix: str = "") -> PolicyError:
    first = exc.errors()[0]
    loc = _loc(tuple(first.get("loc", ())))
    where = ".".join(p for p in (prefix, loc) if p) or prefix or None
    message = first.get("msg", "invalid")
    more = len(exc.errors()) - 1
    if more:
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return PolicyError(message, file=file, rule_id=rule_id, field=where)


@dataclass
class _Parsed:
    file: str
    header: PackHeader
    own: list[Rule]  # every version of every own rule (rules + history)
    versions: list[Rule] = field(default_factory=list)  # own + inherited, resolved
    roles: dict[str, RoleDef] = field(default_factory=dict)
    views: list[Pack] = field(default_factory=list)


class PackRegistry:
    """All packs of a directory, loaded lazily once and validated together."""

    def __init__(
        self,
        packs_dir: Path | str = PACKS_DIR,
        sources_dir: Path | str = SOURCES_DIR,
        default_id: str = DEFAULT_PACK,
        *,
        verify_sources: bool = True,
    ) -> None:
        self.packs_dir = Path(packs_dir)
        self.sources = SourceLibrary(Path(sources_dir))
        self.default_id = default_id
        self.verify_sources = verify_sources
        self._lock = threading.RLock()
        self._parsed: dict[str, _Parsed] | None = None
        self._expired: dict[int, Pack] = {}

    # --- public ----------------------------------------------------------------------------------

    def load_all(self) -> dict[str, Pack]:
        """(Re)load and validate every pack; raise PolicyError naming file, rule and field. Call at start-up."""
        with self._lock:
            self._parsed = self._load()
            self._expired = {}
            today = clock.today()
            loaded = {}
            for pack_id, item in self._parsed.items():
                # a pack not yet in force (e.g. a draft with a future date) still loads: its first version
                current = [view for view in item.views if view.in_force(today)]
                loaded[pack_id] = current[0] if current else item.views[0]
            return loaded

    reload = load_all

    def ids(self) -> list[str]:
        return sorted(self._loaded())

    def get(self, pack_id: str, at: date | None = None) -> Pack:
        """The pack in force on `at` (default: today in China)."""
        parsed = self._loaded()
        if pack_id not in parsed:
            raise UnknownPack(pack_id, sorted(parsed))
        day = at or clock.today()
        return self._dated(self._view(pack_id, day), day)

    @property
    def default(self) -> Pack:
        return self.get(self.default_id)

    def versions(self, pack_id: str) -> list[dict[str, Any]]:
        """Every period of the pack, oldest first: version, effective_from, effective_until, rules, current."""
        views = self._views(pack_id)
        today = clock.today()
        return [
            {
                "version": view.version,
                "effective_from": view.effective_from.isoformat(),
                "effective_until": view.effective_until.isoformat() if view.effective_until else None,
                "rules": len(view.rules),
                "current": view.in_force(today),
            }
            for view in views
        ]

    def history(self, pack_id: str) -> list[dict[str, Any]]:
        """`versions` plus, for each after the first, the diff from the one before."""
        views = self._views(pack_id)
        out = []
        for index, entry in enumerate(self.versions(pack_id)):
            change: PackDiff | None = diff(views[index - 1], views[index]) if index else None
            out.append({**entry, "changes": change.model_dump() if change else None})
        return out

    def by_version(self, pack_id: str, version: str) -> Pack:
        for view in self._views(pack_id):
            if view.version == version:
                return self._dated(view, clock.today())
        raise PolicyError(f"pack {pack_id} has no version {version}")

    # --- internals -------------------------------------------------------------------------------

    def _loaded(self) -> dict[str, _Parsed]:
        if self._parsed is None:
            with self._lock:
                if self._parsed is None:
                    self._parsed = self._load()
        return self._parsed

    def _views(self, pack_id: str) -> list[Pack]:
        parsed = self._loaded()
        if pack_id not in parsed:
            raise UnknownPack(pack_id, sorted(parsed))
        return parsed[pack_id].views

    def _dated(self, view: Pack, day: date) -> Pack:
        """The view as asked on `day`: past the regulation's own validity it is marked expired (one copy each)."""
        if not view.expired_on(day):
            return view
        with self._lock:
            return self._expired.setdefault(id(view), view.as_expired())

    def _view(self, pack_id: str, day: date) -> Pack:
        views = self._views(pack_id)
        for view in views:
            if view.in_force(day):
                return view
        first = views[0].effective_from if views else None
        raise PolicyError(f"pack {pack_id} has no rules in force on {day} (its rules start {first})")

    def _load(self) -> dict[str, _Parsed]:
        if not self.packs_dir.is_dir():
            raise PolicyError(f"no pack directory {self.packs_dir}")
        parsed: dict[str, _Parsed] = {}
        for path in sorted(self.packs_dir.glob("*.yaml")):
            item = self._parse_file(path)
            parsed[item.header.pack] = item
        if not parsed:
            raise PolicyError(f"no packs in {self.packs_dir}")
        if self.default_id not in parsed:
            raise PolicyError(f"the default pack {self.default_id!r} is missing from {self.packs_dir}")
        for pack_id in load_order(parsed):
            self._resolve(parsed, pack_id)
        return parsed

    def _parse_file(self, path: Path) -> _Parsed:
        file = path.name
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise PolicyError(f"not valid YAML: {exc}", file=file) from None
        if not isinstance(raw, dict):
            raise PolicyError("a pack file must be a mapping", file=file)
        unknown = sorted(set(raw) - PACK_KEYS)
        if unknown:
            raise PolicyError(f"unknown top-level key(s) {unknown}", file=file, field=unknown[0])
        try:
            header = PackHeader.model_validate({k: v for k, v in raw.items() if k not in ("rules", "history")})
        except ValidationError as exc:
            raise _from_validation(exc, file=file, rule_id=None) from None
        if header.pack != path.stem:
            raise PolicyError(
                f"pack id {header.pack!r} must match the file name {path.stem!r}", file=file, field="pack"
            )
        own: list[Rule] = []
        seen: set[str] = set()
        for section in ("rules", "history"):
            entries = raw.get(section) or []
            if section == "rules" and not entries and not header.inherits:
                raise PolicyError("a pack needs rules (or inherits)", file=file, field="rules")
            if not isinstance(entries, list):
                raise PolicyError(f"`{section}` must be a list", file=file, field=section)
            for index, entry in enumerate(entries):
                rule = self._parse_rule(file, header, section, index, entry)
                if section == "rules":
                    if rule.id in seen:
                        raise PolicyError("duplicate rule id", file=file, rule_id=rule.id, field="id")
                    seen.add(rule.id)
                own.append(rule)
        return _Parsed(file=file, header=header, own=own)

    def _parse_rule(self, file: str, header: PackHeader, section: str, index: int, entry: Any) -> Rule:
        label = f"{section}[{index}]"
        if not isinstance(entry, dict):
            raise PolicyError("a rule must be a mapping", file=file, rule_id=label)
        rule_id = entry.get("id") if isinstance(entry.get("id"), str) else label
        try:
            spec = RuleDef.model_validate(entry)
        except ValidationError as exc:
            raise _from_validation(exc, file=file, rule_id=rule_id) from None
        try:
            params = PARAMS_BY_KIND[spec.kind].model_validate(spec.params)
        except ValidationError as exc:
            raise _from_validation(exc, file=file, rule_id=rule_id, prefix="params") from None
        if section == "history":
            if spec.effective_from is None or spec.effective_until is None:
                raise PolicyError(
                    "a history entry needs effective_from and effective_until",
                    file=file,
                    rule_id=rule_id,
                    field="effective_until" if spec.effective_from else "effective_from",
                )
        elif spec.effective_until is not None and spec.effective_until <= (
            spec.effective_from or header.effective_from
        ):
            raise PolicyError(
                "effective_until is not after effective_from", file=file, rule_id=rule_id, field="effective_until"
            )
        quotes = spec.quotes
        citation, origin = spec.citation, None
        if spec.basis == "local_setting":
            # a local setting is shown as such, never under an article (the quote says where the default came from)
            citation, origin = f"{header.pack}:{LOCAL_SETTING_ZH}", spec.citation
        return Rule(
            id=spec.id,
            pack=header.pack,
            kind=spec.kind,
            stage=spec.stage,
            citation=citation,
            origin_citation=origin,
            basis=spec.basis,
            basis_why=spec.basis_why,
            basis_pointer_citation=spec.basis_pointer_citation,
            basis_pointer=spec.basis_pointer,
            quote=" … ".join(q.strip() for q in quotes),
            quotes=[q.strip() for q in quotes],
            title_zh=spec.title_zh,
            title_en=spec.title_en,
            params=params,
            effect=spec.effect,
            note=spec.note,
            optional_facts=spec.optional_facts,
            applies_when=spec.applies_when,
            effective_from=spec.effective_from or header.effective_from,
            effective_until=spec.effective_until,
        )

    def _resolve(self, parsed: dict[str, _Parsed], pack_id: str) -> None:
        item = parsed[pack_id]
        header, file = item.header, item.file
        roles: dict[str, RoleDef] = {}
        versions = list(item.own)
        own_ids = {rule.id for rule in item.own}
        if header.extends:
            parent = parsed[header.extends]
            roles.update(parent.roles)
            parent_ids = {rule.id for rule in parent.versions}
            for entry in header.inherits:
                rule_id = entry.id
                if rule_id not in parent_ids:
                    raise PolicyError(
                        f"inherits {rule_id!r}, which {header.extends} does not have",
                        file=file,
                        rule_id=rule_id,
                        field="inherits",
                    )
                if rule_id in own_ids:
                    raise PolicyError(
                        "rule both inherited and defined here (drop it from `inherits` to override)",
                        file=file,
                        rule_id=rule_id,
                        field="inherits",
                    )
                borrowed = sorted(
                    (rule for rule in parent.versions if rule.id == rule_id),
                    key=lambda rule: rule.effective_from or date.min,
                )
                for index, rule in enumerate(borrowed):
                    update: dict[str, Any] = {
                        "inherited": True,
                        "inherited_from": header.extends,
                        "basis": entry.basis,
                        "basis_why": entry.why,
                        "basis_pointer_citation": entry.pointer_citation,
                        "basis_pointer": entry.pointer,
                        "origin_citation": rule.origin_citation or rule.citation,
                    }
                    if entry.basis == "local_setting":
                        update["citation"] = f"{header.pack}:{LOCAL_SETTING_ZH}"
                    else:
                        # the child's own article that points to the higher document
                        update["citation"] = entry.pointer_citation
                    if index == 0 and rule.effective_from and rule.effective_from > header.effective_from:
                        # the child's own regulation decides when the borrowed numbers start to apply there
                        update["effective_from"] = header.effective_from
                    versions.append(rule.model_copy(update=update))
        elif header.inherits:
            raise PolicyError("`inherits` needs `extends`", file=file, field="inherits")
        inherited_ids = [entry.id for entry in header.inherits]
        if len(set(inherited_ids)) != len(inherited_ids):
            raise PolicyError("a rule is listed twice in `inherits`", file=file, field="inherits")
        roles.update(header.roles)
        item.roles = roles
        item.versions = versions
        check_overlaps(file, versions)
        semantics_rules = [r for r in versions if r.id == SEMANTICS_RULE]
        if not semantics_rules:
            user = next((r for r in versions if uses_yishang_yixia(r)), None)
            if user is not None:
                raise PolicyError(
                    f"uses 以上/以下 but the pack has no {SEMANTICS_RULE} rule: define one or inherit it",
                    file=file,
                    rule_id=user.id,
                    field="params",
                )
        checks = RuleChecks(self.sources, self.verify_sources)
        for rule in item.own:
            checks.rule(file, rule, roles, semantics_rules, own=Path(header.source).stem)
        if self.verify_sources and header.effective_until_citation and header.effective_until_quote:
            try:
                self.sources.check_quote(header.effective_until_citation, header.effective_until_quote)
            except CitationError as exc:
                raise PolicyError(str(exc), file=file, field="effective_until_quote") from None
        if self.verify_sources:
            for entry in header.inherits:
                if entry.basis == "higher_document":
                    checks.pointer(file, Path(header.source).stem, entry.id, entry.pointer_citation, entry.pointer)
        item.views = timeline(item, header)


#: The registry services use: `from shared.policy import packs`.
packs = PackRegistry()
