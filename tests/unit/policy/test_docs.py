"""docs/policy.md carries generated tables; they must match the packs and the schema as committed."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _generator():
    spec = importlib.util.spec_from_file_location("gen_policy_docs", ROOT / "scripts" / "gen_policy_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_tables_are_up_to_date() -> None:
    generator = _generator()
    current = generator.DOC.read_text(encoding="utf-8")
    assert generator.render_document(current) == current, (
        "docs/policy.md is stale: run .venv/bin/python scripts/gen_policy_docs.py"
    )


def test_the_table_lists_every_rule_of_every_pack() -> None:
    from shared.policy import PackRegistry

    registry = PackRegistry()
    registry.load_all()
    table = _generator().render_rules(registry)
    for pack_id in registry.ids():
        assert f"### `{pack_id}`" in table
        for rule in registry.get(pack_id).rules:
            assert f"| `{rule.id}` | {rule.citation.replace('|', chr(92) + '|')} |" in table
