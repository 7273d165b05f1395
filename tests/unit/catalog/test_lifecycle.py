"""A system's life in the catalog is one table in its domain: whole, walked from every state by every
action, the only way the handlers move a state; the catalog's routes run no SQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.catalog import domain
from services.catalog.domain import LIFECYCLE, Action, State
from tests.support.lifecycle import assert_move_or_409, assert_whole, bare_stage_literals_in

SERVICE = Path(domain.__file__).parent.parent


def test_the_table_is_whole():
    assert_whole(LIFECYCLE, Action)
    assert LIFECYCLE.initial == State.RUNNING and LIFECYCLE.terminal == {State.RETIRED}


def test_states_keep_their_stored_values():
    assert [s.value for s in State] == ["running", "trial", "suspended", "retired"]
    assert domain.LIVE_STATES == (State.RUNNING, State.TRIAL, State.SUSPENDED)
    assert not domain.live("retired") and domain.live("trial") and State.TRIAL.label_zh == "试运行"


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("state", list(State))
def test_every_action_from_every_state_moves_or_is_a_409_naming_the_state(state, action):
    assert_move_or_409(LIFECYCLE, state, action)


def test_each_live_state_is_reached_by_its_own_move():
    for target, action in domain.MOVE_TO.items():
        assert LIFECYCLE.transitions[action].target == target
        assert target not in LIFECYCLE.transitions[action].sources


def test_handlers_and_routes_hold_no_bare_state_literal_and_routes_no_sql():
    handlers = sorted((SERVICE / "handlers").glob("*.py"))
    routes = [
        *sorted((SERVICE / "api").glob("*.py")),
        *(SERVICE / area / "api.py" for area in ("oversight", "data_operations")),
    ]
    paths = [*handlers, *routes, SERVICE / "queries.py", SERVICE / "sweepers.py"]
    assert len(handlers) > 4 and len(routes) > 4
    assert bare_stage_literals_in(paths, names=("state",)) == []
    for route in routes:
        text = route.read_text(encoding="utf-8")
        assert "sqlalchemy" not in text and "uow.session" not in text, route.name
