"""A pack's timeline (one view per period in which its rules stay the same) and the order packs load in
(parents before the packs that extend them)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from shared.policy.errors import PolicyError
from shared.policy.pack import Pack
from shared.policy.schema import PackHeader

if TYPE_CHECKING:
    from shared.policy.registry import _Parsed


def timeline(item: _Parsed, header: PackHeader) -> list[Pack]:
    own_starts = [r.effective_from for r in item.own if r.effective_from] or [header.effective_from]
    start = min([header.effective_from, *own_starts])
    bounds = {start}
    for rule in item.versions:
        for day in (rule.effective_from, rule.effective_until):
            if day and day > start:
                bounds.add(day)
    ordered = sorted(bounds)
    views: list[Pack] = []
    holder: dict[str, Any] = {}
    for index, begin in enumerate(ordered):
        end = ordered[index + 1] if index + 1 < len(ordered) else None
        rules = [
            r
            for r in item.versions
            if (r.effective_from or date.min) <= begin and (r.effective_until is None or begin < r.effective_until)
        ]
        if not rules:
            continue
        order = {rule_id: n for n, rule_id in enumerate(dict.fromkeys(r.id for r in item.versions))}
        rules.sort(key=lambda r: order[r.id])
        view = Pack(
            pack_id=header.pack,
            title_zh=header.title_zh,
            title_en=header.title_en,
            status=header.status,
            source=header.source,
            extends=header.extends,
            roles=item.roles,
            rules=rules,
            effective_from=begin,
            effective_until=end,
            at=lambda pid, day: holder["registry_view"](day),
            file=item.file,
            settings=header.settings,
            expires_on=header.effective_until,
            expiry_citation=header.effective_until_citation,
        )
        if views and views[-1].version == view.version:
            # same content across a boundary (e.g. a rule re-dated without change): one period
            merged = views[-1]
            merged.effective_until = end
            continue
        views.append(view)

    def view_at(day: date) -> Pack:
        for view in views:
            if view.in_force(day):
                return view
        raise PolicyError(f"pack {header.pack} has no rules in force on {day} (its rules start {start})")

    holder["registry_view"] = view_at
    return views


def load_order(parsed: dict[str, _Parsed]) -> list[str]:
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(pack_id: str, trail: list[str]) -> None:
        if state.get(pack_id) == "done":
            return
        if state.get(pack_id) == "visiting":
            raise PolicyError(
                f"extends cycle: {' -> '.join([*trail, pack_id])}", file=parsed[pack_id].file, field="extends"
            )
        state[pack_id] = "visiting"
        parent = parsed[pack_id].header.extends
        if parent:
            if parent not in parsed:
                raise PolicyError(f"extends unknown pack {parent!r}", file=parsed[pack_id].file, field="extends")
            visit(parent, [*trail, pack_id])
        state[pack_id] = "done"
        order.append(pack_id)

    for pack_id in sorted(parsed):
        visit(pack_id, [])
    return order
