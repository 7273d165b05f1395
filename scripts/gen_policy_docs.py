"""Regenerate the generated parts of docs/policy.md from the packs and the schema models.

    .venv/bin/python scripts/gen_policy_docs.py          # rewrite docs/policy.md in place
    .venv/bin/python scripts/gen_policy_docs.py --check  # exit 1 when the committed file is stale

Two blocks are generated, each between its BEGIN/END markers: the field reference of every rule
kind (from the pydantic models in shared/policy/schema.py and params.py) and the table of all rules of all packs.
"""

from __future__ import annotations

import re
import sys
import typing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pydantic import BaseModel  # noqa: E402

from shared.policy import PackRegistry  # noqa: E402
from shared.policy import params as p  # noqa: E402
from shared.policy import schema as s  # noqa: E402

DOC = ROOT / "docs" / "policy.md"
RULES_BEGIN = "<!-- BEGIN GENERATED RULES TABLE (scripts/gen_policy_docs.py) -->"
RULES_END = "<!-- END GENERATED RULES TABLE -->"
SCHEMA_BEGIN = "<!-- BEGIN GENERATED SCHEMA REFERENCE (scripts/gen_policy_docs.py) -->"
SCHEMA_END = "<!-- END GENERATED SCHEMA REFERENCE -->"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


_NAMED = [(str(p.FactName), "fact"), (str(p.Amount), "amount"), (str(p.Ratio), "ratio")]
_SIMPLIFY = [
    (re.compile(r"<class '([\w.]+)'>"), r"\1"),
    (re.compile(r"\b(typing|shared\.policy\.schema|shared\.policy\.params|datetime)\."), ""),
]
_OPTIONAL = re.compile(r"Optional\[([^\[\]]*(?:\[[^\[\]]*\])?[^\[\]]*)\]")
_UNION = re.compile(r"Union\[([^\[\]]*(?:\[[^\[\]]*\])?[^\[\]]*)\]")


def _type(annotation: object) -> str:
    """A readable type: `fact` (a fact name), `amount` (int fen or '30万元'), `ratio` ('10%'), ..."""
    text = str(annotation)
    for literal, name in _NAMED:
        text = text.replace(literal, name)
    for pattern, replacement in _SIMPLIFY:
        text = pattern.sub(replacement, text)
    for _ in range(3):
        text = _OPTIONAL.sub(r"\1 | None", text)
        text = _UNION.sub(lambda m: m.group(1).replace(", ", " | "), text)
    return text


def _default(value: object) -> str:
    """A model default reads as its value (a local setting) or as 'see below' (a section), not its repr."""
    if isinstance(value, s.LocalSettingDef):
        return repr(value.value)
    if isinstance(value, BaseModel):
        return "see below"
    return repr(value)


def _model_rows(model: type[BaseModel]) -> list[str]:
    rows = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        required = "yes" if info.is_required() else ""
        default = "" if info.is_required() else _default(info.get_default(call_default_factory=True))
        rows.append(
            f"| `{key}` | {_cell(_type(info.annotation))} | {required} | {_cell(default)} | "
            f"{_cell(info.description or '')} |"
        )
    return rows


def render_schema() -> str:
    parts = []
    models: list[tuple[str, type[BaseModel]]] = [
        ("pack file header", s.PackHeader),
        ("rule", s.RuleDef),
        ("condition (`Comparison`, used by threshold, requirement cases, sanction, route, applies_when)", p.Comparison),
    ]
    models += [(f"kind `{kind}` params", model) for kind, model in p.PARAMS_BY_KIND.items()]
    models += [
        ("`annual` (deadline)", p.AnnualDate),
        ("list item", p.ListItem),
        ("authority band", p.AuthorityBand),
        ("`collective` (authority table)", p.CollectiveReview),
        ("requirement case", p.RequirementCase),
        ("requirement choice (`choices`)", p.Choice),
        ("`duration` (sanction)", p.Duration),
        ("route case", p.RouteCase),
        ("path target (route)", p.PathTarget),
        ("`semantics` (threshold)", p.Semantics),
        ("`settings` (pack file header: local settings)", s.LocalSettings),
        ("one local setting", s.LocalSettingDef),
    ]
    for title, model in models:
        doc = (typing.cast(str, model.__doc__) or "").strip().splitlines()[0] if model.__doc__ else ""
        parts.append(f"#### {title}\n")
        if doc:
            parts.append(f"{doc}\n")
        parts.append("| field | type | required | default | meaning |\n|---|---|---|---|---|")
        parts.extend(_model_rows(model))
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def render_rules(registry: PackRegistry | None = None) -> str:
    registry = registry or PackRegistry()
    registry.load_all()
    ids = sorted(registry.ids(), key=lambda pid: (pid != registry.default_id, pid))
    lines = []
    for pack_id in ids:
        views = registry._views(pack_id)
        latest = views[-1]
        header = f"### `{pack_id}` — {latest.title_zh}"
        lines.append(header)
        lines.append("")
        extends = f", extends `{latest.extends}`" if latest.extends else ""
        counts = latest.summary()
        lines.append(
            f"Status {latest.status}{extends}; {len(views)} version(s); latest from {latest.effective_from}: "
            f"{counts['rules']} rules ({counts['own_rules']} own, {counts['inherited_rules']} inherited; "
            f"{counts['local_settings']} local settings, {counts['higher_document_rules']} from a higher document)."
            + (
                f" The text sets its own validity: until {latest.expires_on} (exclusive, {latest.expiry_citation}); "
                "decisions after it say it has expired."
                if latest.expires_on
                else ""
            )
        )
        lines.append("")
        lines.append("| id | citation | stage | kind | basis | in force | title |")
        lines.append("|---|---|---|---|---|---|---|")
        seen: set[tuple[str, str]] = set()
        order = {rid: n for n, rid in enumerate(dict.fromkeys(r.id for v in views for r in v.rules))}
        rows = []
        for view in views:
            for rule in view.rules:
                key = (rule.id, str(rule.effective_from), str(rule.effective_until))
                if key in seen:
                    continue
                seen.add(key)
                until = rule.effective_until.isoformat() if rule.effective_until else ""
                start = max(rule.effective_from or views[0].effective_from, views[0].effective_from)
                since = start.isoformat()
                # the basis says why the rule binds here; a local setting names where its default came from
                origin = {
                    "own_text": "own text",
                    "higher_document": f"higher document ({rule.basis_pointer_citation})",
                    "local_setting": f"local setting (default from {rule.origin_citation})",
                }[rule.basis]
                rows.append(
                    (
                        order[rule.id],
                        since,
                        f"| `{rule.id}` | {_cell(rule.citation)} | {rule.stage} | {rule.kind} | {origin} | "
                        f"{since}–{until} | {_cell(rule.title_zh)} |",
                    )
                )
        lines.extend(row for _, _, row in sorted(rows))
        lines.append("")
        settings = ", ".join(
            f"`{name}` {str(value).lower() if isinstance(value, bool) else value}"
            for name, value in latest.settings.values().items()
        )
        lines.append(f"Local settings (basis local_setting, each with its `why` in the file): {settings}.")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _replace(text: str, begin: str, end: str, body: str) -> str:
    if begin not in text or end not in text:
        raise SystemExit(f"{DOC} lacks the markers {begin} … {end}")
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n\n{body}\n{end}{tail}"


def render_document(text: str, registry: PackRegistry | None = None) -> str:
    text = _replace(text, SCHEMA_BEGIN, SCHEMA_END, render_schema())
    return _replace(text, RULES_BEGIN, RULES_END, render_rules(registry))


def main(argv: list[str]) -> int:
    current = DOC.read_text(encoding="utf-8")
    fresh = render_document(current)
    if "--check" in argv:
        if fresh != current:
            print(f"{DOC} is stale: run .venv/bin/python scripts/gen_policy_docs.py", file=sys.stderr)
            return 1
        return 0
    if fresh != current:
        DOC.write_text(fresh, encoding="utf-8")
        print(f"updated {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
