"""Catalog's decisions, pure: facts and the policy pack in, decisions out; no I/O, no clock."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from enum import StrEnum

from shared.lifecycle import Lifecycle, Transition

# --- the lifecycle of a system in the catalog (系统状态): one table of transitions ------------------------


class State(StrEnum):
    """A system's state; the values are stored and answered as they are (no migration)."""

    RUNNING = "running"
    TRIAL = "trial"
    SUSPENDED = "suspended"
    RETIRED = "retired"

    @property
    def label_zh(self) -> str:
        return STATE_ZH[self]


STATE_ZH: Mapping[State, str] = {
    State.RUNNING: "运行中",
    State.TRIAL: "试运行",
    State.SUSPENDED: "暂停运行",
    State.RETIRED: "已停用退出",
}


class Action(StrEnum):
    """What moves (or needs) a system's state; the value is the phrase a 409 names."""

    RUN = "run"
    TRY = "start a trial run"
    SUSPEND = "suspend"
    RETIRE = "retire"
    FILE_OM_PLAN = "file O&M plan"
    ACCEPT_OM = "O&M acceptance"
    ASSESS = "assess the monthly figures"


_LIVE = (State.RUNNING, State.TRIAL, State.SUSPENDED)

#: action → allowed from-states → to-state. Accepted projects and stock imports enter running (or, for
#: stock, the state reported); a live system moves between running, trial run and suspended (e.g. while
#: a security hazard is fixed); retirement is permanent (fengxian:第三十三条; dazhou:第二十条).
TRANSITIONS: Mapping[Action, Transition[State]] = {
    Action.RUN: Transition((State.TRIAL, State.SUSPENDED), State.RUNNING),
    Action.TRY: Transition((State.RUNNING, State.SUSPENDED), State.TRIAL),
    Action.SUSPEND: Transition((State.RUNNING, State.TRIAL), State.SUSPENDED),
    Action.RETIRE: Transition(_LIVE, State.RETIRED, "catalog.retirement_filing"),
    Action.FILE_OM_PLAN: Transition(_LIVE, None, "catalog.om_plans"),
    Action.ACCEPT_OM: Transition(_LIVE, None),
    Action.ASSESS: Transition(_LIVE, None),
}
LIFECYCLE = Lifecycle(
    State, TRANSITIONS, initial=State.RUNNING, terminal=frozenset({State.RETIRED}), labels_zh=STATE_ZH
)
#: The action that moves a live system to `state` (the state-change route's body names the target).
MOVE_TO: Mapping[State, Action] = {State.RUNNING: Action.RUN, State.TRIAL: Action.TRY, State.SUSPENDED: Action.SUSPEND}
allows = LIFECYCLE.allows
transition = LIFECYCLE.transition

STATES = tuple(State)
LIVE_STATES = _LIVE


def live(state: str) -> bool:
    """Not retired: the system still runs in some form and owes reports, plans and figures."""
    return State(state) not in LIFECYCLE.terminal


def system_id_for(project_id: str) -> str:
    """A project's system keeps a stable id derived from the project (one system per accepted project)."""
    return f"S-{project_id}"


def stock_system_id(jurisdiction: str, unit: str, external_ref: str) -> str:
    """A stock system's id is derived from who reported it and their own reference, so a re-import
    of the same row finds the same system instead of creating a twin."""
    digest = hashlib.sha256(f"{jurisdiction}\x1f{unit}\x1f{external_ref}".encode()).hexdigest()[:16]
    return f"SS-{digest}"


def subject_of(system_id: str, project_id: str | None) -> str:
    """What decisions, deadlines and events of a system are keyed by: its project, else itself."""
    return project_id or system_id
