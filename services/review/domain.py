"""Review's decisions, pure: the review path, pre-screening, scheme scores, expert draws, implementation
mode checks, approval routing and the annual plan — facts and the policy pack in, decisions out."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from shared.decisions import refusing
from shared.errors import Problem, wrong_stage
from shared.lifecycle import Lifecycle, Transition
from shared.policy import Decision, Pack

PATH_RULE = "review.path"
APPROVAL_RULE = "approval.authority"
MIDYEAR_RULE = "review.midyear_adjustment"

APPROVAL_STEP = "approval"
PRESCREENING_STEP = "prescreening"
JOINT_REVIEW_STEP = "joint_review"
#: Path steps that are a scheme review (scores or the panel's recorded outcome); Suqian calls it 方案预审.
SCHEME_STEPS = ("scheme_review",)
#: Path steps with their own command; any other step is a generic pass/fail step.
SPECIAL_STEPS = (PRESCREENING_STEP, "scheme_review", JOINT_REVIEW_STEP, APPROVAL_STEP)


# --- the lifecycle: stages and the one table of transitions ---------------------------------------


class Stage(StrEnum):
    """A review case's stage; the values are stored and answered as they are (no migration). While a
    case is reviewed (admitted, in review) its `step` says where on the pack's path it is."""

    ADMITTED = "admitted"
    IN_REVIEW = "in_review"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    NOT_REVIEWED = "not_reviewed"
    ROUTED = "routed"

    @property
    def label_zh(self) -> str:
        return STAGE_ZH[self]

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


STAGE_ZH: Mapping[Stage, str] = {
    Stage.ADMITTED: "已入库（待评审）",
    Stage.IN_REVIEW: "评审中",
    Stage.AWAITING_APPROVAL: "待审批立项",
    Stage.APPROVED: "已立项",
    Stage.REJECTED: "未通过",
    Stage.NOT_REVIEWED: "列入不予评审名单",
    Stage.ROUTED: "转入统一平台建设",
}
#: Review first sees a project when intake admits it to the library (入库).
INITIAL = Stage.ADMITTED
#: An approved project stays open to the annual plan's mid-year adjustment; the others are done.
TERMINAL = frozenset({Stage.REJECTED, Stage.NOT_REVIEWED, Stage.ROUTED})
#: The stages in which the case is on its review path (its `step` names where).
REVIEWING = (Stage.ADMITTED, Stage.IN_REVIEW)


class Action(StrEnum):
    """What moves (or needs) a stage; the value is the phrase a 409 names."""

    PRESCREEN = "pre-screening"
    LIST_NOT_REVIEWED = "put on the not-reviewed list"
    ROUTE_ELSEWHERE = "route to a unified platform"
    SCORE = "scores"
    SCHEME_REVIEW = "scheme review"
    JOINT_OPINION = "joint review opinion"
    CONCLUDE_JOINT_REVIEW = "joint review conclusion"
    PATH_STEP = "review step"
    #: a passed step moves the case to the next step of its path
    ADVANCE = "pass a review step"
    #: the path's last step: the case goes to its authorities (dazhou:第十条)
    ROUTE_FOR_APPROVAL = "route for approval"
    REJECT = "reject"
    DECIDE_APPROVAL = "approval step"
    ISSUE_LETTER = "issue the approval letter"
    ADD_TO_PLAN = "add to the plan"


#: action → allowed from-stages → to-stage: the whole review lifecycle of a project.
TRANSITIONS: Mapping[Action, Transition[Stage]] = {
    # the review steps: the stage must be reviewing, the path's `step` then says which step is next
    Action.PRESCREEN: Transition(REVIEWING, None, PATH_RULE),
    Action.LIST_NOT_REVIEWED: Transition(REVIEWING, Stage.NOT_REVIEWED, PATH_RULE),
    Action.ROUTE_ELSEWHERE: Transition(REVIEWING, Stage.ROUTED, PATH_RULE),
    Action.SCORE: Transition(REVIEWING, None, PATH_RULE),
    Action.SCHEME_REVIEW: Transition(REVIEWING, None, PATH_RULE),
    # the first opinion opens the parallel joint review (quzhou:三(二)1)
    Action.JOINT_OPINION: Transition(REVIEWING, Stage.IN_REVIEW, PATH_RULE),
    Action.CONCLUDE_JOINT_REVIEW: Transition(REVIEWING, None, PATH_RULE),
    Action.PATH_STEP: Transition(REVIEWING, None, PATH_RULE),
    Action.ADVANCE: Transition(REVIEWING, Stage.IN_REVIEW, PATH_RULE),
    Action.ROUTE_FOR_APPROVAL: Transition(REVIEWING, Stage.AWAITING_APPROVAL, APPROVAL_RULE),
    # a failed review step, or an authority refusing its approval step
    Action.REJECT: Transition((*REVIEWING, Stage.AWAITING_APPROVAL), Stage.REJECTED, PATH_RULE),
    # authorities act in order; the last one's approval issues the letter
    Action.DECIDE_APPROVAL: Transition((Stage.AWAITING_APPROVAL,), None, APPROVAL_RULE),
    Action.ISSUE_LETTER: Transition((Stage.AWAITING_APPROVAL,), Stage.APPROVED, APPROVAL_RULE),
    # the July mid-year adjustment adds only approved projects (dazhou:第十三条)
    Action.ADD_TO_PLAN: Transition((Stage.APPROVED,), None, MIDYEAR_RULE),
}

LIFECYCLE = Lifecycle(Stage, TRANSITIONS, initial=INITIAL, terminal=TERMINAL, labels_zh=STAGE_ZH)
allows = LIFECYCLE.allows
refusal = LIFECYCLE.refusal
transition = LIFECYCLE.transition


def reviewing(stage: str) -> bool:
    return Stage(stage) in REVIEWING


def step_refusal(
    subject: str, stage: str, step: str | None, wanted: Sequence[str], action: str, pack: Pack | None = None
) -> Problem:
    """409 for a reviewing case at another step of its path: names the step it is at (as `stage`, as
    review always answered), the steps the action needs, and the path rule of the project's pack."""
    problem = wrong_stage(subject, step or Stage(stage).value, list(wanted), action)
    problem.extensions["stage_zh"] = STAGE_ZH[Stage(stage)]
    if pack is not None and pack.has(PATH_RULE):
        problem.extensions.update(rule_id=PATH_RULE, citation=pack.rule(PATH_RULE).citation)
    return problem


def at_step(
    stage: str, step: str | None, wanted: str | Sequence[str], action: Action, *, subject: str, pack: Pack | None = None
) -> Stage:
    """The stage after `action` when the case is reviewing at one of the `wanted` path steps; the
    stage's 409 when it is not reviewing, the step's 409 when it is at another step."""
    steps = [wanted] if isinstance(wanted, str) else list(wanted)
    after = transition(stage, action, subject=subject, pack=pack)
    if step not in steps:
        phrase = steps[0] if action == Action.PATH_STEP else action.value
        raise step_refusal(subject, stage, step, steps, phrase, pack)
    return after


# --- the path --------------------------------------------------------------------------------------


def review_path(pack: Pack) -> Decision:
    """The review steps before approval for this jurisdiction (`review.path`: value {path, steps})."""
    return pack.decide("review.path", {})


def next_step(steps: Sequence[str], current: str) -> str:
    """The step after `current` on the path (the last step is always `approval`)."""
    index = list(steps).index(current)
    return steps[min(index + 1, len(steps) - 1)]


def approval_route(pack: Pack, total_investment_fen: int, collective: bool = False) -> Decision:
    """The ordered authority steps for this amount (dazhou:第十条: 以上 includes, 以下 excludes); a
    project reviewed collectively by the finance committee goes to the collective steps."""
    return pack.authority("approval.authority", total_investment_fen, collective=collective)


MIXED_ROUTE = "intake.mixed_project_route"


def mixed_estimate(it_estimate_fen: int | None, total_estimate_fen: int | None) -> dict[str, int]:
    """The facts of dazhou:第八条 for a mixed construction project; {} for a project that is IT only."""
    if it_estimate_fen is None or total_estimate_fen is None:
        return {}
    return {"it_estimate_fen": it_estimate_fen, "total_estimate_fen": total_estimate_fen}


def mixed_route(pack: Pack, estimate: Mapping[str, int]) -> Decision | None:
    """Who approves a whole mixed construction project (dazhou:第八条): the DRC when the construction part's
    estimate exceeds half (the IT part does not), the bureau otherwise. None for an IT-only project."""
    if not estimate or not pack.has(MIXED_ROUTE):
        return None
    return pack.decide(MIXED_ROUTE, dict(estimate))


CITY_COUNTY = "intake.city_county_route"


def city_county_route(pack: Pack, county_parts: Sequence[Any]) -> Decision | None:
    """A city project shared with counties is technically reviewed and approved by the bureau
    (dazhou:第二十二条 由市数字经济局进行技术性审核立项), in place of the amount bands of 第十条. None for a
    project without county parts or a pack without the rule."""
    if not county_parts or not pack.has(CITY_COUNTY):
        return None
    return pack.decide(CITY_COUNTY, {"city_county_shared": True})


def special_route(pack: Pack, mixed_estimate: Mapping[str, int], county_parts: Sequence[Any]) -> Decision | None:
    """The route a text gives instead of the amount bands, if any: the DRC for a mostly-construction mixed
    project (dazhou:第八条), else the bureau for a city–county shared project (第二十二条). Its value is a role."""
    mixed = mixed_route(pack, mixed_estimate)
    if mixed is not None and mixed.value == "drc":
        return mixed
    city_county = city_county_route(pack, county_parts)
    if city_county is not None and isinstance(city_county.value, str):
        return city_county
    return None


def next_pending(steps: list) -> Any | None:
    """Steps act strictly in order: the first one still pending is the only one that may act."""
    for step in sorted(steps, key=lambda s: s.position):
        if step.status == "pending":
            return step
    return None


# --- pre-screening (前置初审, fengxian:第十五条–第十六条) ----------------------------------------------


@dataclass(frozen=True)
class PrescreenOutcome:
    outcome: str  # passed | not_reviewed | routed | incomplete
    routed_to: str | None
    decisions: list[Decision]

    @property
    def failures(self) -> list[Decision]:
        return refusing(self.decisions)


def prescreen(pack: Pack, panel: Iterable[str], findings: Iterable[str], kinds: Mapping[str, bool]) -> PrescreenOutcome:
    """The panel must be complete; a finding puts the project on the not-reviewed list; a kind the pack
    routes into a unified platform leaves the scheme review; otherwise the project goes on."""
    complete = pack.decide("review.prescreening_panel", {"prescreening_panel": sorted(set(panel))})
    if complete.outcome == "fail":
        return PrescreenOutcome("incomplete", None, [complete])
    listed = pack.decide("review.prescreening_not_reviewed", {"prescreening_findings": list(findings)})
    route = pack.decide("review.prescreening_route", dict(kinds))
    if listed.outcome == "fail":
        return PrescreenOutcome("not_reviewed", None, [complete, listed, route])
    target = route.value
    if target != "scheme_review":
        return PrescreenOutcome("routed", target, [complete, listed, route])
    return PrescreenOutcome("passed", None, [complete, listed, route])


# --- scheme review scores (项建方案评审, fengxian:第十八条–第十九条) -----------------------------------


def dimensions(pack: Pack) -> list[str]:
    """The scored dimensions, from the pack; empty when the pack defines no scoring."""
    if not pack.has("review.scheme_dimensions"):
        return []
    return list(pack.rule("review.scheme_dimensions").params.required)


def check_sheet(pack: Pack, scores: Mapping[str, Any], where: str = "scores") -> list[tuple[Decision, str]]:
    """Every problem with one reviewer's sheet: a missing dimension, an unknown one, a score off the scale.
    Returns (failing decision, field) pairs so the refusal can name each field."""
    problems: list[tuple[Decision, str]] = []
    given = [name for name in scores if name in dimensions(pack)]
    complete = pack.decide("review.scheme_dimensions", {"scored_dimensions": given})
    if complete.outcome == "fail":
        problems.append((complete, where))
    for name, value in scores.items():
        if name not in dimensions(pack):
            problems.append(
                (
                    complete.model_copy(
                        update={
                            "outcome": "fail",
                            "message_en": f"unknown dimension {name}",
                            "message_zh": f"未知的评审方面 {name}",
                        }
                    ),
                    f"{where}.{name}",
                )
            )
            continue
        decision = pack.decide("review.score_scale", {"score": value})
        if decision.outcome == "fail":
            problems.append((decision, f"{where}.{name}"))
    return problems


def scheme_result(pack: Pack, sheets: Sequence[Mapping[str, int]]) -> Decision:
    """The pass rule over all reviewers' sheets: mean total and the lowest dimension mean (rounded down,
    which keeps a 不低于 comparison with a whole number exact)."""
    count = len(sheets)
    totals = [sum(sheet[d] for d in dimensions(pack)) for sheet in sheets]
    means = {d: sum(sheet[d] for sheet in sheets) / count for d in dimensions(pack)}
    return pack.decide(
        "review.scheme_pass",
        {"mean_total_score": sum(totals) // count, "lowest_dimension_mean": int(min(means.values()) // 1)},
    )


def dimension_means(pack: Pack, sheets: Sequence[Mapping[str, int]]) -> dict[str, float]:
    if not sheets:
        return {}
    return {d: round(sum(sheet[d] for sheet in sheets) / len(sheets), 2) for d in dimensions(pack)}


# --- expert draws (专家库 抽取) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpertFacts:
    """What the draw needs to know of one expert in the pool."""

    id: str
    employer: str
    fields: tuple[str, ...] = ()
    vendor_links: tuple[str, ...] = ()
    last_reviewed_unit_on: date | None = None  # last time drawn for this unit's project


@dataclass
class Screening:
    candidates: list[str] = field(default_factory=list)  # sorted ids, the draw's population
    excluded: list[dict[str, Any]] = field(default_factory=list)  # {expert_id, rule_id, citation, message_*}
    decisions: list[Decision] = field(default_factory=list)  # the failing conflict decisions


def conflicts(pack: Pack, expert: ExpertFacts, unit: str, vendors: Iterable[str], today: date) -> list[Decision]:
    """Every conflict rule this expert fails for this applicant (empty when independent)."""
    vendor_set = {v.strip() for v in vendors if v.strip()}
    failed = []
    independence = pack.decide(
        "review.expert_independence",
        {
            "same_employer": expert.employer.strip() == unit.strip(),
            "vendor_linked": bool(vendor_set.intersection(v.strip() for v in expert.vendor_links)),
        },
    )
    if independence.outcome == "fail":
        failed.append(independence)
    if expert.last_reviewed_unit_on is not None:
        interval = pack.decide(
            "review.expert_cooling_off", {"last_reviewed_unit_on": expert.last_reviewed_unit_on, "drawn_on": today}
        )
        if interval.outcome == "fail":
            failed.append(interval)
    return failed


def screen(
    pack: Pack,
    pool: Iterable[ExpertFacts],
    *,
    unit: str,
    vendors: Iterable[str],
    fields: Iterable[str],
    today: date,
    exclude_ids: Iterable[str] = (),
) -> Screening:
    """The draw's population: experts in the wanted fields (any of them) with no conflict."""
    wanted = set(fields)
    skip = set(exclude_ids)
    vendors = list(vendors)
    result = Screening()
    for expert in sorted(pool, key=lambda e: e.id):
        if expert.id in skip or (wanted and not wanted.intersection(expert.fields)):
            continue
        failed = conflicts(pack, expert, unit, vendors, today)
        if failed:
            result.decisions.extend(failed)
            result.excluded.extend(
                {
                    "expert_id": expert.id,
                    "rule_id": d.rule_id,
                    "citation": d.citation,
                    "message_zh": d.message_zh,
                    "message_en": d.message_en,
                }
                for d in failed
            )
        else:
            result.candidates.append(expert.id)
    return result


def draw_order(candidates: Sequence[str], seed: int) -> list[str]:
    """The whole candidate list in drawn order: the first N are the panel, the rest replace decliners.
    Seeded `random.Random` over the sorted list, so the same seed and candidates give the same order."""
    population = sorted(candidates)
    return random.Random(seed).sample(population, len(population))


def pick(candidates: Sequence[str], seed: int, count: int) -> list[str]:
    return draw_order(candidates, seed)[:count]


def replacement(candidates: Sequence[str], seed: int, taken: Iterable[str]) -> str | None:
    """The next expert in drawn order not yet on the panel (drawn or declined)."""
    used = set(taken)
    return next((expert for expert in draw_order(candidates, seed) if expert not in used), None)


# --- implementation mode (dazhou:第十一条, 第十二条) -------------------------------------------------


IMPLEMENTATION_RULES = ("review.self_build_allowed", "review.purchase_of_service")


#: The plan each mode's project submits and its required contents (dazhou:第十一条, 第十二条).
PLAN_RULES = ("review.self_build_plan", "review.purchase_of_service_plan")


CENTRALIZED_BUILD = "review.centralized_build"  # dazhou:第十六条: 集中建设 / 整合到城市大脑
CENTRALIZED_FACTS = ("city_governance_platform", "cross_department", "integrable_into_city_project")
#: the route's targets that make centralised construction a condition of the approval
CENTRALIZED_TARGETS = ("city_brain", "centralized_build")


def centralized_build_decision(pack: Pack, facts: Mapping[str, Any]) -> Decision | None:
    """Where the project must be built: into the city brain, centrally, or by the unit (dazhou:第十六条)."""
    if not pack.has(CENTRALIZED_BUILD):
        return None
    return pack.decide(CENTRALIZED_BUILD, {name: bool(facts.get(name, False)) for name in CENTRALIZED_FACTS})


def centralized_condition(decision: Decision | None, implementation_mode: str) -> dict[str, Any] | None:
    """The condition the approval carries when the route asks for centralised construction (or the city brain)
    and the plan states another mode: the target, the rule and its citation. None when nothing is owed."""
    if decision is None or decision.value not in CENTRALIZED_TARGETS:
        return None
    if decision.value == "centralized_build" and implementation_mode == "centralized_build":
        return None  # a centrally built plan meets it; the city brain is owed whatever the mode
    return {
        "required_mode": decision.value,
        "stated_mode": implementation_mode,
        "rule_id": decision.rule_id,
        "citation": decision.citation,
        "message_zh": f"须{'整合到城市大脑建设' if decision.value == 'city_brain' else '采用集中建设模式'}"
        f"（{decision.citation}），方案所述建设模式为{implementation_mode}",
    }


def implementation_checks(pack: Pack, facts: Mapping[str, Any]) -> list[Decision]:
    """The self-build and purchase-of-service rules (each 'not applicable' for the other mode) and where the
    project must be built (dazhou:第十六条); where the plan's contents are stated (`plan_elements`), the plan
    rules check them, with the materials filed at intake."""
    decisions = [pack.decide(rule_id, facts) for rule_id in IMPLEMENTATION_RULES if pack.has(rule_id)]
    centralized = centralized_build_decision(pack, facts)
    if centralized is not None:
        decisions.append(centralized)
    if facts.get("plan_elements") is not None:
        supplied = {**facts, "materials": sorted({*facts.get("materials", []), *facts["plan_elements"]})}
        decisions += [pack.decide(rule_id, supplied) for rule_id in PLAN_RULES if pack.has(rule_id)]
    return decisions


# --- annual plan (年度计划, dazhou:第十三条) ---------------------------------------------------------


def plan_year(pack: Pack, applied_plan_year: int, reviewed_on: date) -> int:
    """Which year's plan an approved project joins: the year applied for, or where the pack says a passed
    project feeds next year's plan (fengxian:第二十条), the year after the review."""
    if pack.has("review.plan_feed") and pack.decide("review.plan_feed", {}).value == "next_year":
        return max(applied_plan_year, reviewed_on.year + 1)
    return applied_plan_year


def midyear_adjustment(pack: Pack, today: date) -> Decision:
    """A mid-year adjustment is proposed in July (dazhou:第十三条): fails outside the window."""
    return pack.decide("review.midyear_adjustment", {"adjustment_proposed_on": today})
