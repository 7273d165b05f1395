"""Checks every stage service's lifecycle passes: its transitions table is whole, and its handlers
move a stage only through the domain (no bare stage string set or compared)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any


def reachable(initial: StrEnum, transitions: Mapping[Any, Any]) -> set[StrEnum]:
    """Stages reachable from `initial` through the table's moves (a None target keeps the stage)."""
    seen, todo = {initial}, [initial]
    while todo:
        stage = todo.pop()
        for step in transitions.values():
            if stage in step.sources and step.target is not None and step.target not in seen:
                seen.add(step.target)
                todo.append(step.target)
    return seen


def _is_stage(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "stage") or (
        isinstance(node, ast.Name) and node.id == "stage"
    )


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(_is_text(item) for item in node.elts)
    return False


def bare_stage_literals(source: str, filename: str = "<source>") -> list[str]:
    """`x.stage = "…"`, `stage="…"`, `x.stage == "…"`, `x.stage in ["…"]` and `.stage.in_(["…"])`, as file:line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename)):
        hit = False
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            hit = any(_is_stage(t) for t in targets) and node.value is not None and _is_text(node.value)
        elif isinstance(node, ast.keyword):
            hit = node.arg == "stage" and _is_text(node.value)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            hit = any(_is_stage(side) for side in sides) and any(_is_text(side) for side in sides)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            hit = _is_stage(node.func.value) and any(_is_text(arg) for arg in node.args)
        if hit:
            found.append((node.lineno, f"{filename}:{node.lineno}"))
    return [hit for _, hit in sorted(found)]


def bare_stage_literals_in(paths: Iterable[Path]) -> list[str]:
    return [hit for path in paths for hit in bare_stage_literals(path.read_text(encoding="utf-8"), str(path))]
