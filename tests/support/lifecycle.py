"""Checks every stage service's lifecycle passes: its transitions table is whole, and its handlers
move a stage only through the domain (no bare stage string set or compared)."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

import pytest

from shared.errors import Problem
from shared.lifecycle import Lifecycle


def assert_whole(lifecycle: Lifecycle, actions: type[StrEnum]) -> None:
    """Every action in the table, every stage a Stage, all reachable, none leaving a terminal stage."""
    assert set(lifecycle.transitions) == set(actions)
    assert lifecycle.reachable() == set(lifecycle.stages)
    assert lifecycle.terminal and lifecycle.terminal <= set(lifecycle.stages)
    for action, step in lifecycle.transitions.items():
        assert step.sources, action
        assert all(isinstance(stage, lifecycle.stages) for stage in step.sources), action
        assert step.target is None or isinstance(step.target, lifecycle.stages), action
        assert not lifecycle.terminal & set(step.sources), f"{action} leaves a terminal stage"
    for stage in lifecycle.stages:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in lifecycle.labels_zh[stage]), stage


def assert_move_or_409(lifecycle: Lifecycle, stage: StrEnum, action: StrEnum) -> None:
    """One cell of the table: the move it allows, or a 409 naming the stage and what the action needs."""
    step = lifecycle.transitions[action]
    if stage in step.sources:
        assert lifecycle.transition(stage.value, action, subject="P-1") == (step.target or stage)
        return
    with pytest.raises(Problem) as refused:
        lifecycle.transition(stage.value, action, subject="P-1")
    problem = refused.value
    assert problem.status == 409 and problem.kind == "wrong-stage"
    assert problem.extensions["stage"] == stage.value
    assert problem.extensions["stage_zh"] == lifecycle.labels_zh[stage]
    expected = [f"not {stage.value}"] if stage in lifecycle.terminal else [s.value for s in step.sources]
    assert problem.extensions["expected"] == expected
    assert problem.detail is not None and action.value in problem.detail and "P-1" in problem.detail


def _is_stage(node: ast.AST, names: tuple[str, ...] = ("stage",)) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr in names) or (isinstance(node, ast.Name) and node.id in names)


def _is_text(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(_is_text(item) for item in node.elts)
    return False


def bare_stage_literals(source: str, filename: str = "<source>", names: tuple[str, ...] = ("stage",)) -> list[str]:
    """`x.stage = "…"`, `stage="…"`, `x.stage == "…"`, `x.stage in ["…"]` and `.stage.in_(["…"])`, as file:line;
    `names` are the attributes that hold a stage (intake's is `status`)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source, filename)):
        hit = False
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            hit = any(_is_stage(t, names) for t in targets) and node.value is not None and _is_text(node.value)
        elif isinstance(node, ast.keyword):
            hit = node.arg in names and _is_text(node.value)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            hit = any(_is_stage(side, names) for side in sides) and any(_is_text(side) for side in sides)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            hit = _is_stage(node.func.value, names) and any(_is_text(arg) for arg in node.args)
        if hit:
            found.append((node.lineno, f"{filename}:{node.lineno}"))
    return [hit for _, hit in sorted(found)]


def bare_stage_literals_in(paths: Iterable[Path], names: tuple[str, ...] = ("stage",)) -> list[str]:
    return [hit for path in paths for hit in bare_stage_literals(path.read_text(encoding="utf-8"), str(path), names)]
