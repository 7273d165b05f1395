"""Acceptance's decisions, pure: the pack's path for a project and the rules each step must meet.

A jurisdiction's path (验收路径) is the ordered list of steps its pack's `acceptance.path` rule names;
this module knows what each kind of step is (who acts, which date it fixes, which document it yields)
and asks the pack everything else: day counts, required items, panels, what happens after a failure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, overload

from shared.auth import Role
from shared.decisions import refusing
from shared.errors import Problem, wrong_stage
from shared.lifecycle import Lifecycle, Transition
from shared.policy import Decision, Pack, Rule

PATH_RULE = "acceptance.path"
TRIAL_RUN_RULE = "acceptance.trial_run"
REAPPLY_RULE = "acceptance.rectify_and_reapply"
FILING_RULE = "acceptance.higher_level_final_acceptance"
ASSET_RULE = "acceptance.asset_registration"
DOCUMENT_FILING_RULE = "acceptance.document_filing"

#: Facts the steps supply to the pack's rules (the fact names the packs' acceptance rules read).
ITEMS_FACT = "acceptance_items"
PANEL_FACT = "panel_roles"
APPLICATION_DOCUMENTS_FACT = "application_documents"
ASSET_DOCUMENTS_FACT = "asset_documents"
FILED_DOCUMENTS_FACT = "filed_documents"
TRIAL_RUN_STARTED = "trial_run_started_on"
TRIAL_RUN_ENDED = "trial_run_ended_on"

TRIAL_RUN = "trial_run"


# --- the lifecycle: stages and the one table of transitions ---------------------------------------


class Stage(StrEnum):
    """A project's acceptance stage; the values are stored and answered as they are (no migration).
    Each step of a path leaves the project in its own stage; the path's last step leaves it accepted."""

    CONTRACTED = "contracted"
    TRIAL_RUN = "trial_run"
    PRE_ACCEPTED = "pre_accepted"
    PERFORMANCE_ACCEPTED = "performance_accepted"
    PRELIMINARY_ACCEPTED = "preliminary_accepted"
    FINAL_APPLIED = "final_applied"
    FINAL_ACCEPTED = "final_accepted"
    APPLIED = "applied"
    ORGANISED = "organised"
    COMPLETION_ACCEPTED = "completion_accepted"
    SECRECY_APPROVED = "secrecy_approved"
    ACCEPTED = "accepted"
    FAILED = "failed"
    RECTIFYING = "rectifying"

    @property
    def label_zh(self) -> str:
        return STAGE_ZH[self]

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


STAGE_ZH: Mapping[Stage, str] = {
    Stage.CONTRACTED: "已签合同",
    Stage.TRIAL_RUN: "试运行中",
    Stage.PRE_ACCEPTED: "验收前置核准已通过",
    Stage.PERFORMANCE_ACCEPTED: "履约验收已通过",
    Stage.PRELIMINARY_ACCEPTED: "初验已通过",
    Stage.FINAL_APPLIED: "已申请终验",
    Stage.FINAL_ACCEPTED: "终验已通过",
    Stage.APPLIED: "已申请验收",
    Stage.ORGANISED: "验收已组织",
    Stage.COMPLETION_ACCEPTED: "竣工验收已通过",
    Stage.SECRECY_APPROVED: "保密审批已通过",
    Stage.ACCEPTED: "已验收",
    Stage.FAILED: "验收未通过",
    Stage.RECTIFYING: "整改后重新申请验收",
}
#: Acceptance first sees a project with its signed contract; a failed acceptance with no re-application
#: is final. An accepted project stays open to its state asset registration.
INITIAL = Stage.CONTRACTED
TERMINAL = frozenset({Stage.FAILED})
CONTRACTED, ACCEPTED, FAILED, RECTIFYING = Stage.CONTRACTED, Stage.ACCEPTED, Stage.FAILED, Stage.RECTIFYING


class Action(StrEnum):
    """What moves (or needs) a stage; the value is the phrase a 409 names. One per kind of step (its
    `Step.action`), and the moves after a path's decisive or last step."""

    START_TRIAL_RUN = "start trial run"
    APPROVE_PRE_ACCEPTANCE = "pre-acceptance approval"
    ACCEPT_PERFORMANCE = "performance acceptance"
    ACCEPT_PRELIMINARY = "preliminary acceptance"
    APPLY_FOR_FINAL = "final acceptance application"
    ACCEPT_FINAL = "final acceptance"
    APPLY = "acceptance application"
    ORGANISE = "organise acceptance"
    ACCEPT_COMPLETION = "completion acceptance"
    APPROVE_SECRECY = "secrecy approval"
    FILE_HIGHER_LEVEL = "higher-level final acceptance filing"
    #: the path's last step done: accepted, in use, payable
    COMPLETE = "complete the acceptance"
    #: a failed acceptance where the pack allows none again (dazhou)
    FAIL = "fail the acceptance"
    #: a failed acceptance the pack sends back to rectify and re-apply (fengxian:第二十六条)
    RECTIFY = "return the acceptance for rectification"
    REGISTER_ASSETS = "state asset registration"
    #: the documents filed after acceptance (suqian:(七) 验收后资料备案)
    FILE_DOCUMENTS = "post-acceptance document filing"


#: Stages in which a path's decisive (accepting) step may be taken — performance after the pre-acceptance
#: approval, completion once organised, final after the application, or a filed higher-level final
#: acceptance from the trial run on — and so where a project is accepted, failed or sent back.
_DECIDING = (Stage.PRE_ACCEPTED, Stage.ORGANISED, Stage.FINAL_APPLIED, Stage.TRIAL_RUN)

#: action → allowed from-stages → to-stage: every order the packs' paths (`acceptance.path`) take. Which
#: of them a project takes, and so which step is next, is its path's; the table says where each may fall.
TRANSITIONS: Mapping[Action, Transition[Stage]] = {
    # first (dazhou, fengxian), or after 初验 (jiyuan, quzhou)
    Action.START_TRIAL_RUN: Transition((Stage.CONTRACTED, Stage.PRELIMINARY_ACCEPTED), Stage.TRIAL_RUN, TRIAL_RUN_RULE),
    Action.APPROVE_PRE_ACCEPTANCE: Transition((Stage.TRIAL_RUN,), Stage.PRE_ACCEPTED, TRIAL_RUN_RULE),
    Action.ACCEPT_PERFORMANCE: Transition((Stage.PRE_ACCEPTED,), Stage.PERFORMANCE_ACCEPTED, PATH_RULE),
    # module by module: the stage moves when every module has passed
    Action.ACCEPT_PRELIMINARY: Transition((Stage.CONTRACTED,), Stage.PRELIMINARY_ACCEPTED, PATH_RULE),
    Action.APPLY_FOR_FINAL: Transition((Stage.TRIAL_RUN,), Stage.FINAL_APPLIED, PATH_RULE),
    Action.ACCEPT_FINAL: Transition((Stage.FINAL_APPLIED,), Stage.FINAL_ACCEPTED, PATH_RULE),
    # after the trial run, or again after a failed acceptance was rectified
    Action.APPLY: Transition((Stage.TRIAL_RUN, Stage.RECTIFYING), Stage.APPLIED, PATH_RULE),
    Action.ORGANISE: Transition((Stage.APPLIED, Stage.TRIAL_RUN), Stage.ORGANISED, PATH_RULE),
    Action.ACCEPT_COMPLETION: Transition((Stage.ORGANISED,), Stage.COMPLETION_ACCEPTED, PATH_RULE),
    # a secret system is used only after the confidentiality office approves (fengxian:第二十三条)
    Action.APPROVE_SECRECY: Transition((Stage.COMPLETION_ACCEPTED,), Stage.SECRECY_APPROVED, PATH_RULE),
    # counts as the steps it stands for (quzhou:三(三)5); COMPLETE or FAIL then moves the stage
    Action.FILE_HIGHER_LEVEL: Transition((Stage.TRIAL_RUN, Stage.FINAL_APPLIED), None, FILING_RULE),
    Action.COMPLETE: Transition((*_DECIDING, Stage.COMPLETION_ACCEPTED), Stage.ACCEPTED, PATH_RULE),
    Action.FAIL: Transition(_DECIDING, Stage.FAILED, PATH_RULE),
    Action.RECTIFY: Transition(_DECIDING, Stage.RECTIFYING, REAPPLY_RULE),
    Action.REGISTER_ASSETS: Transition((Stage.ACCEPTED,), None, ASSET_RULE),
    Action.FILE_DOCUMENTS: Transition((Stage.ACCEPTED,), None, DOCUMENT_FILING_RULE),
}

LIFECYCLE = Lifecycle(Stage, TRANSITIONS, initial=INITIAL, terminal=TERMINAL, labels_zh=STAGE_ZH)
allows = LIFECYCLE.allows
refusal = LIFECYCLE.refusal
transition = LIFECYCLE.transition


@dataclass(frozen=True)
class Step:
    """One kind of step a path may contain."""

    name: str
    roles: tuple[Role, ...]
    action: Action  # its row in TRANSITIONS: the stage it needs and the one it leaves (unless it is last)
    date_fact: str  # the date the step fixes, as the packs' deadline rules name it
    document: str | None = None  # what the step yields (payment and the catalog read these)
    decisive: bool = False  # the step that accepts or fails the project: items are checked here

    @property
    def stage(self) -> Stage:
        """The project's stage once the step is done (unless it is the path's last: `accepted`)."""
        target = TRANSITIONS[self.action].target
        assert target is not None, self.name
        return target


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(TRIAL_RUN, (Role.UNIT,), Action.START_TRIAL_RUN, TRIAL_RUN_STARTED),
        # dazhou:第四十七条–第四十九条
        Step(
            "pre_acceptance_approval",
            (Role.DATA_BUREAU,),
            Action.APPROVE_PRE_ACCEPTANCE,
            "pre_acceptance_approved_on",
            "pre_acceptance_approval_letter",  # 验收前置核准复函
        ),
        Step(
            "performance_acceptance",
            (Role.UNIT,),
            Action.ACCEPT_PERFORMANCE,
            "performance_accepted_on",
            "acceptance_report",  # 履约验收报告
            decisive=True,
        ),
        # quzhou:三(三)5 and jiyuan:项目验收 — 初验, by module for large projects
        Step(
            "preliminary_acceptance",
            (Role.UNIT,),
            Action.ACCEPT_PRELIMINARY,
            "preliminary_completed_on",
            "preliminary_acceptance_report",
        ),
        Step(
            "final_acceptance_application",
            (Role.UNIT,),
            Action.APPLY_FOR_FINAL,
            "final_application_on",
            "final_acceptance_application",
        ),
        Step(
            "final_acceptance",
            (Role.LEADING_OFFICE,),
            Action.ACCEPT_FINAL,
            "final_accepted_on",
            "acceptance_report",  # 《衢州市数字化项目验收报告》
            decisive=True,
        ),
        # fengxian:第二十四条–第二十六条 and jiyuan:项目验收 — organised by the bureau with a panel
        Step(
            "acceptance_application",
            (Role.UNIT,),
            Action.APPLY,
            "application_received_on",
            "acceptance_application_form",
        ),
        Step("acceptance_organised", (Role.DATA_BUREAU,), Action.ORGANISE, "acceptance_organised_on"),
        Step(
            "completion_acceptance",
            (Role.DATA_BUREAU,),
            Action.ACCEPT_COMPLETION,
            "completion_accepted_on",
            "acceptance_report",  # 竣工验收报告
            decisive=True,
        ),
        # fengxian:第二十三条 — a secret system is used only after the confidentiality office approves
        Step(
            "secrecy_approval",
            (Role.CONFIDENTIALITY_OFFICE,),
            Action.APPROVE_SECRECY,
            "secrecy_approved_on",
            "secrecy_approval",
        ),
    )
}


class UnknownStep(ValueError):
    """A pack names a step this service does not know (a pack error, caught by the tests)."""


@dataclass(frozen=True)
class Path:
    name: str
    steps: tuple[str, ...]


def choose_path(pack: Pack, *, secret: bool) -> tuple[Path, Decision]:
    """The pack's path (route rule `acceptance.path`). The trial run (dazhou:第四十七条) comes first
    unless the path places it elsewhere."""
    decision = pack.decide(PATH_RULE, {"secret": secret})
    steps = list(decision.value["steps"])
    if TRIAL_RUN not in steps and pack.has(TRIAL_RUN_RULE):
        steps.insert(0, TRIAL_RUN)
    unknown = [step for step in steps if step not in STEPS]
    if unknown:
        raise UnknownStep(f"pack {pack.id} names unknown acceptance step(s) {unknown}")
    return Path(decision.value["path"], tuple(steps)), decision


def next_step(steps: Iterable[str], done: Iterable[str]) -> str | None:
    finished = set(done)
    return next((step for step in steps if step not in finished), None)


def stage_after(steps: list[str], step: str) -> Stage:
    """The stage a project is in once `step` is done."""
    return Stage.ACCEPTED if steps and steps[-1] == step else STEPS[step].stage


def stage_before(steps: list[str], step: str) -> Stage:
    """The stage in which `step` may be taken."""
    index = steps.index(step)
    return Stage.CONTRACTED if index == 0 else stage_after(steps, steps[index - 1])


def move_after(stage: str, steps: list[str], step: str, *, subject: str = "") -> Stage:
    """The stage once `step` is done, through the table: the step's own move, or COMPLETE for the last."""
    action = Action.COMPLETE if steps and steps[-1] == step else STEPS[step].action
    return transition(stage, action, subject=subject)


def out_of_order(subject: str, stage: str, expected: Iterable[str], action: str, citation: str | None) -> Problem:
    """409 for a step that is on the path but not its next one: names the stage (and its Chinese label),
    the stage(s) the path takes the step in, and the path's citation."""
    problem = wrong_stage(subject, Stage(stage).value, [str(Stage(e).value) for e in expected], action)
    problem.extensions["stage_zh"] = STAGE_ZH[Stage(stage)]
    if citation is not None:
        problem.extensions.update(rule_id=PATH_RULE, citation=citation)
    return problem


def rules_reading(pack: Pack, fact: str) -> list[Rule]:
    """The pack's acceptance rules that read `fact` (e.g. every required-items rule)."""
    return [rule for rule in pack.rules_for("acceptance") if fact in rule.needs()[0]]


def decide_reading(pack: Pack, fact: str, facts: Mapping[str, Any]) -> list[Decision]:
    return [pack.decide(rule.id, facts) for rule in rules_reading(pack, fact)]


# --- dates and deadlines ----------------------------------------------------------------------------


def deadline_rules(pack: Pack) -> list[Rule]:
    return [rule for rule in pack.rules_for("acceptance") if rule.kind == "deadline" and rule.params.counts_from]


def timing_decisions(pack: Pack, known: Mapping[str, Any], fixed: Mapping[str, date]) -> list[Decision]:
    """Deadline rules whose event is one of the dates this step fixes, and whose start is known:
    `not_before` rules (trial run ≥ 1 month; 终验 ≥ 3 months after 初验) and `within` rules alike."""
    facts = {**known, **fixed}
    return [
        pack.decide(rule.id, facts)
        for rule in deadline_rules(pack)
        if rule.params.event in fixed and facts.get(rule.params.counts_from) is not None
    ]


def deadlines_opened(pack: Pack, fixed: Mapping[str, date]) -> list[tuple[Decision, date]]:
    """Deadlines (with a `within`) that start counting on a date this step fixes: (decision, due)."""
    opened = []
    for rule in deadline_rules(pack):
        start = fixed.get(rule.params.counts_from)
        if start is not None and rule.params.within is not None:
            decision = pack.decide(rule.id, {rule.params.counts_from: start})
            opened.append((decision, pack.due(rule.id, start)))
    return opened


#: Failed decisions that stop the step: the one definition every service uses (shared/decisions.py).
refusals = refusing


# --- items, panels, failures ------------------------------------------------------------------------


def item_decisions(
    pack: Pack, items: Mapping[str, bool], *, new_data_center: bool = False, includes_hardware: bool = False
) -> list[Decision]:
    """Every required-items rule of the pack (dazhou:第五十六条,第五十九条; quzhou:三(三)4). An item
    counts only when it passed: a failed required item is as missing as an absent one."""
    facts = {
        ITEMS_FACT: sorted(kind for kind, passed in items.items() if passed),
        "new_data_center": new_data_center,
        "includes_hardware": includes_hardware,
    }
    return decide_reading(pack, ITEMS_FACT, facts)


def known_item_kinds(pack: Pack) -> set[str]:
    """Item kinds the pack's rules name (bounded metric labels)."""
    kinds: set[str] = set()
    for rule in rules_reading(pack, ITEMS_FACT):
        params = rule.params
        kinds.update(params.required)
        kinds.update(item for case in params.cases for item in case.require)
    return kinds


def panel_decisions(pack: Pack, roles: list[str]) -> list[Decision]:
    """Who must and who may sit on the panel (fengxian:第二十五条; jiyuan:项目验收)."""
    return decide_reading(pack, PANEL_FACT, {PANEL_FACT: sorted(set(roles))})


def reapply_step(pack: Pack) -> tuple[str | None, Decision | None]:
    """After a failed acceptance: the step the path returns to (fengxian:第二十六条), or None (final)."""
    if not pack.has(REAPPLY_RULE):
        return None, None
    decision = pack.decide(REAPPLY_RULE, {})
    return decision.value, decision


def filing_replaces(pack: Pack) -> tuple[list[str], Decision] | None:
    """Steps a higher-level organiser's filed final acceptance stands for (quzhou:三(三)5)."""
    if not pack.has(FILING_RULE):
        return None
    decision = pack.decide(FILING_RULE, {})
    return list(decision.value["steps"]), decision


@overload
def days_between(start: date, end: date) -> int: ...
@overload
def days_between(start: date | None, end: date | None) -> int | None: ...
def days_between(start: date | None, end: date | None) -> int | None:
    if start is None or end is None:
        return None
    return (end - start).days
