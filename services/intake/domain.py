"""Intake's decisions, pure: an application's facts, the unit's standing and the jurisdiction's pack in,
Decisions out. No I/O, no clock: callers pass `today`."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from services.intake.standing import Bar, Standing
from shared.decisions import refusing
from shared.errors import Violation
from shared.lifecycle import Lifecycle, Transition
from shared.policy import Decision, Pack
from shared.policy.params import AuthorityParams, ThresholdParams

# --- the lifecycle: an application's stages and a need's, each one table of transitions ----------------


class Stage(StrEnum):
    """An application's status in intake; the values are stored and answered as they are (no migration)."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    ADMITTED = "admitted"
    REFUSED = "refused"

    @property
    def label_zh(self) -> str:
        return STAGE_ZH[self]


STAGE_ZH: Mapping[Stage, str] = {
    Stage.DRAFT: "草稿",
    Stage.SUBMITTED: "已提交待入库",
    Stage.ADMITTED: "已入库",
    Stage.REFUSED: "不予入库",
}
#: The library's coarse stage each status belongs to (the `stage` the API answers and filters on).
LIBRARY_STAGE: Mapping[Stage, str] = {
    Stage.DRAFT: "application",
    Stage.SUBMITTED: "application",
    Stage.ADMITTED: "library",
    Stage.REFUSED: "refused",
}


class Action(StrEnum):
    """What moves (or needs) an application's stage; the value is the phrase a 409 names."""

    EDIT = "edit"
    ATTACH_MATERIAL = "attach material"
    RANK = "rank"
    SUBMIT = "submit"
    ADMIT = "admit"
    REFUSE = "refuse"


#: Only a draft can be edited; the unit ranks what is still open; only a submitted one is decided.
TRANSITIONS: Mapping[Action, Transition[Stage]] = {
    Action.EDIT: Transition((Stage.DRAFT,), None),
    Action.ATTACH_MATERIAL: Transition((Stage.DRAFT,), None),
    Action.RANK: Transition((Stage.DRAFT, Stage.SUBMITTED), None, "intake.unit_priority"),
    Action.SUBMIT: Transition((Stage.DRAFT,), Stage.SUBMITTED),
    Action.ADMIT: Transition((Stage.SUBMITTED,), Stage.ADMITTED, "intake.not_admitted"),
    Action.REFUSE: Transition((Stage.SUBMITTED,), Stage.REFUSED, "intake.not_admitted"),
}
LIFECYCLE = Lifecycle(
    Stage,
    TRANSITIONS,
    initial=Stage.DRAFT,
    terminal=frozenset({Stage.ADMITTED, Stage.REFUSED}),
    labels_zh=STAGE_ZH,
)
allows = LIFECYCLE.allows
transition = LIFECYCLE.transition
#: Applications the split detector compares with (a refused one no longer counts).
ACTIVE = (Stage.DRAFT, Stage.SUBMITTED, Stage.ADMITTED)


class NeedStage(StrEnum):
    """A need in the needs pool (需求库); stored values unchanged."""

    FILED = "filed"
    APPROVED = "approved"
    REJECTED = "rejected"
    PLANNED = "planned"


NEED_STAGE_ZH: Mapping[NeedStage, str] = {
    NeedStage.FILED: "已提交待审核",
    NeedStage.APPROVED: "审核通过",
    NeedStage.REJECTED: "审核未通过",
    NeedStage.PLANNED: "已纳入申报",
}


class NeedAction(StrEnum):
    APPROVE = "approve the need"
    REJECT = "reject the need"
    PLAN = "plan"


NEED_TRANSITIONS: Mapping[NeedAction, Transition[NeedStage]] = {
    NeedAction.APPROVE: Transition((NeedStage.FILED,), NeedStage.APPROVED, "intake.need_review_required"),
    NeedAction.REJECT: Transition((NeedStage.FILED,), NeedStage.REJECTED, "intake.need_review_required"),
    # a need may feed several applications (quzhou:三(一)3)
    NeedAction.PLAN: Transition(
        (NeedStage.APPROVED, NeedStage.PLANNED), NeedStage.PLANNED, "intake.need_review_required"
    ),
}
NEED_LIFECYCLE = Lifecycle(
    NeedStage,
    NEED_TRANSITIONS,
    initial=NeedStage.FILED,
    terminal=frozenset({NeedStage.REJECTED}),
    labels_zh=NEED_STAGE_ZH,
)

# Rules asked at submission, each only when the application's pack has it (packs differ, RULES.md §1–2).
SCOPE_RULES = (
    "scope.min_investment",
    "scope.out_of_scope_items",
    "scope.funding_source",  # quzhou:二(一)(1)
    "scope.included_categories",
)
WINDOW = "intake.window"
SUBMISSION_RULES = (
    "intake.required_materials",
    "intake.secure_products_statement",
    "intake.sharing_interface_plan",
    "intake.category",
    "intake.om_kind",
    "intake.responsible_leader",
    "intake.tiered_management",
    "intake.upgrade_materials",
    "intake.om_materials",
    "intake.phase_plan",
    "intake.off_plan_basis",
    "intake.unit_priority",
    "intake.no_splitting",
    "intake.not_accepted",
    "intake.upgrade_not_accepted_project",
    "intake.system_catalog_required",
    "intake.evaluation_failure_bar",
    "intake.online_platform_code",
)
NOT_ADMITTED = "intake.not_admitted"
NOT_ACCEPTED = "intake.not_accepted"
#: The lists the bureau applies itself at admission (dazhou:第九条,第二十条; quzhou:二(二)).
ADMISSION_LISTS = (NOT_ADMITTED, NOT_ACCEPTED)
PRIORITY = "intake.priority_key_types"
MIXED_ROUTE = "intake.mixed_project_route"
CITY_COUNTY = "intake.city_county_route"
SECRET = "secret.confidential"
NEED_REVIEW = "intake.need_review_required"
PLAN_PARTS = "intake.centralized_plan_parts"
DESIGN_LINK = "intake.top_level_design_link"
ONLINE_CODE = "intake.online_platform_code"

#: Rules whose facts the unit gives in `details`: a refusal names that field (fengxian:第二条(四),第四条).
DETAIL_FIELDS: Mapping[str, str] = {
    "intake.responsible_leader": "details.responsible_leader",
    "intake.om_kind": "details.om_kind",
}
#: The two O&M projects of fengxian:第二条(四): 首次运维 and 历史运维.
OM_KINDS = ("first", "historical")
#: Construction types that work on an existing system, which must then be in the system catalog.
ON_EXISTING_SYSTEM = ("upgrade", "om")
#: Titles at least this similar (difflib ratio) count as "the same project" for the split detector.
SIMILAR_TITLE = 0.6


@dataclass
class Assessment:
    """The outcome of the submission checks."""

    out_of_scope: list[Decision] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    failed: list[Decision] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    off_plan: bool = False
    approval_route: str | None = None
    priority_flags: list[str] = field(default_factory=list)
    split_siblings: list[str] = field(default_factory=list)

    @property
    def violations(self) -> list[Violation]:
        return [Violation.from_decision(d) for d in self.failed] + [bar.violation() for bar in self.bars]

    @property
    def refused(self) -> bool:
        return bool(self.out_of_scope or self.failed or self.bars)


@dataclass(frozen=True)
class Sibling:
    """Another application of the same unit, for the split detector."""

    id: str
    title: str
    plan_year: int
    total_investment_fen: int


def _ask(pack: Pack, rule_ids: Iterable[str], facts: dict[str, Any]) -> list[Decision]:
    return [pack.decide(rule_id, facts) for rule_id in rule_ids if pack.has(rule_id)]


#: The decisions that refuse a request: the rule's effect decides, the same in every service.
failures = refusing


def amount_thresholds(pack: Pack) -> list[int]:
    """Every amount boundary of the pack's intake and review rules (scope floors, approval bands)."""
    amounts: set[int] = set()
    for rule in pack.rules:
        if rule.stage not in ("intake", "review"):
            continue
        if isinstance(rule.params, ThresholdParams):
            amounts.update(check.amount for check in rule.params.checks if check.amount)
        elif isinstance(rule.params, AuthorityParams):
            amounts.update(band.lower for band in rule.params.bands if band.lower)
    return sorted(amounts)


def likely_split(pack: Pack, title: str, amount_fen: int, siblings: Sequence[Sibling]) -> list[str]:
    """Ids of the similar same-year applications that, with this one, cross an amount threshold of the pack
    which every part stays under (fengxian:第十一条 不得分拆申报)."""
    similar = [s for s in siblings if difflib.SequenceMatcher(None, title, s.title).ratio() >= SIMILAR_TITLE]
    if not similar:
        return []
    parts = [amount_fen, *(s.total_investment_fen for s in similar)]
    combined = sum(parts)
    for threshold in amount_thresholds(pack):
        each_under = all(pack.semantics.compare(part, "以下", threshold) for part in parts)
        if each_under and pack.semantics.compare(combined, "以上", threshold):
            return [s.id for s in similar]
    return []


def application_facts(application: Any, standing: Standing, today: date, split_count: int) -> dict[str, Any]:
    system = standing.related_system
    details = getattr(application, "details", None) or {}
    om_kind = details.get("om_kind") if details.get("om_kind") in OM_KINDS else ""
    leader = details.get("responsible_leader")
    return {
        "total_investment_fen": application.total_investment_fen,
        "construction_type": application.construction_type,
        "category": application.category,
        "categories": [application.category] if application.category else [],
        "om_kind": om_kind,
        "om_kind_stated": bool(om_kind),
        "service_content_changed": details.get("service_content_changed") is True,
        "responsible_leader_named": isinstance(leader, str) and bool(leader.strip()),
        "unit_kind": details.get("unit_kind") if isinstance(details.get("unit_kind"), str) else "",
        "cross_department": bool(getattr(application, "parts", None)) or details.get("cross_department") is True,
        "scope_items": list(application.scope_items or []),
        "project_tags": list(application.project_tags or []),
        "priority_tags": list(application.priority_tags or []),
        "materials": sorted(set(application.materials or [])),
        "plan_year": application.plan_year,
        "submitted_on": today,
        "phased": bool(application.phases),
        "unit_ranked": application.unit_priority is not None,
        "likely_split_siblings": split_count,
        "original_project_accepted": standing.original_project_accepted,
        "in_system_catalog": bool(system and system.registered and not system.retired),
        "related_system_evaluation_failed": bool(system and system.evaluation_failed),
        "is_secret": bool(application.secret),
        "has_project_code": bool(getattr(application, "project_code", None)),
        "intake_findings": [],
    }


def is_late(window: Decision) -> bool:
    """A failed window decision is late (→ off-plan) when it happened after the due date, else too early."""
    value = window.value or {}
    return bool(value.get("due") and value.get("happened") and value["happened"] > value["due"])


def assess_submission(
    pack: Pack, application: Any, standing: Standing, today: date, siblings: Sequence[Sibling] = ()
) -> Assessment:
    """Every rule checked at submission; a refusal lists every failed one, not only the first."""
    split = likely_split(pack, application.title, application.total_investment_fen, siblings)
    facts = application_facts(application, standing, today, len(split))
    result = Assessment(split_siblings=split)
    scope = _ask(pack, SCOPE_RULES, facts)
    result.out_of_scope = failures(scope)
    if result.out_of_scope:
        return result  # not a managed project: the other rules do not apply to it
    result.decisions.extend(scope)
    if pack.has(WINDOW):
        window = pack.decide(WINDOW, facts)
        result.decisions.append(window)
        if window.outcome == "fail":
            if is_late(window):
                result.off_plan = True  # kept, flagged off-plan (计划外)
            else:
                result.failed.append(window)  # the window is not open yet
    facts["off_plan"] = result.off_plan
    if application.construction_type not in ON_EXISTING_SYSTEM:
        # a new system is not yet in the catalog: dazhou:第二十一条 speaks of existing systems
        facts["in_system_catalog"] = True
    checks = [
        decision.model_copy(update={"field": DETAIL_FIELDS[decision.rule_id]})
        if decision.outcome == "fail" and decision.rule_id in DETAIL_FIELDS
        else decision
        for decision in _ask(pack, SUBMISSION_RULES, facts)
    ]
    result.decisions.extend(checks)
    result.failed.extend(failures(checks))
    result.bars = [
        bar for bar in standing.bars if bar.active_on(today) and bar.applies_to(application.construction_type)
    ]
    result.decisions.extend(_ask(pack, (SECRET,), facts))
    if pack.has(PRIORITY):
        priority = pack.decide(PRIORITY, facts)
        result.decisions.append(priority)
        result.priority_flags = [hit["item"] for hit in priority.value or [] if hit.get("item")]
    county_parts = list(getattr(application, "county_parts", None) or [])
    if county_parts and pack.has(CITY_COUNTY):
        route = pack.decide(CITY_COUNTY, {"city_county_shared": True})
        result.decisions.append(route)
        county_total = sum(int(part.get("share_fen", 0)) for part in county_parts)
        if county_total > application.total_investment_fen:
            # an edit may have lowered the total under the counties' shares since they were given
            result.failed.append(
                route.model_copy(
                    update={
                        "outcome": "fail",
                        "effect": "reject",
                        "field": "county_parts",
                        "message_zh": f"各县承担投资合计{county_total}分，"
                        f"超过项目总投资{application.total_investment_fen}分",
                        "message_en": f"the counties' shares ({county_total} fen) exceed the total "
                        f"({application.total_investment_fen} fen)",
                    }
                )
            )
        result.approval_route = route.value if isinstance(route.value, str) else None
    if application.mixed_construction and pack.has(MIXED_ROUTE):
        route = pack.decide(
            MIXED_ROUTE,
            {"it_estimate_fen": application.it_estimate_fen, "total_estimate_fen": application.total_estimate_fen},
        )
        result.decisions.append(route)
        result.approval_route = route.value if isinstance(route.value, str) else None
    return result


def _list_tokens(pack: Pack, rule_id: str) -> dict[str, str]:
    """What the bureau may name for an item of a list rule (the item's id or any tag it matches) → a tag."""
    if not pack.has(rule_id):
        return {}
    tokens: dict[str, str] = {}
    for item in pack.rule(rule_id).params.items:
        tags = item.tags()
        tokens[item.id] = tags[0]
        tokens.update({tag: tag for tag in tags})
    return tokens


def admission_findings(pack: Pack, findings: Sequence[str]) -> tuple[dict[str, list[str]], list[int]]:
    """The bureau's findings sorted onto the two lists it applies at admission — the not-admitted cases
    (dazhou:第九条, fact `intake_findings`) and the not-accepted list (dazhou:第二十条; quzhou:二(二) 不予受理,
    fact `project_tags`) — and the positions of findings neither list has."""
    by_list: dict[str, list[str]] = {NOT_ADMITTED: [], NOT_ACCEPTED: []}
    unknown: list[int] = []
    for index, finding in enumerate(findings):
        hit = False
        for rule_id in ADMISSION_LISTS:
            tag = _list_tokens(pack, rule_id).get(finding)
            if tag is not None:
                hit = True
                if tag not in by_list[rule_id]:
                    by_list[rule_id].append(tag)
        if not hit:
            unknown.append(index)
    return by_list, unknown


def assess_admission(
    pack: Pack, application: Any, standing: Standing, today: date, findings: Sequence[str]
) -> tuple[list[Decision], list[Bar]]:
    """At admission the bureau applies both lists itself, whatever the applicant tagged: each list gets a
    decision on the bureau's findings (a hit cites its item, e.g. dazhou:第二十条(一)), and any bar that
    arrived since submission still applies. Findings neither list has are the caller's to refuse first."""
    by_list, _ = admission_findings(pack, findings)
    decisions = _ask(pack, (NOT_ADMITTED,), {"intake_findings": by_list[NOT_ADMITTED]})
    decisions += _ask(pack, (NOT_ACCEPTED,), {"project_tags": by_list[NOT_ACCEPTED]})
    bars = [bar for bar in standing.bars if bar.active_on(today) and bar.applies_to(application.construction_type)]
    return decisions, bars


NON_SHAREABLE = "intake.non_shareable_approval"  # dazhou:第二十四条 不能共享…需报市数字经济局核准
NOT_SHAREABLE_TAG = "not_shareable"


def non_shareable_decision(pack: Pack, project_tags: Sequence[str], approval: str | None) -> Decision | None:
    """A project the unit declares not shareable is admitted only with the bureau's 核准 on record
    (dazhou:第二十四条); None where the pack has no such rule."""
    if not pack.has(NON_SHAREABLE):
        return None
    return pack.decide(
        NON_SHAREABLE,
        {"not_shareable": NOT_SHAREABLE_TAG in project_tags, "non_sharing_approved": bool((approval or "").strip())},
    )


def need_review(pack: Pack, approved: bool) -> Decision | None:
    """A need goes on to planning only once the bureau approved it (quzhou:三(一)3)."""
    return pack.decide(NEED_REVIEW, {"need_approved": approved}) if pack.has(NEED_REVIEW) else None


def top_level_design(pack: Pack, linked: bool) -> Decision | None:
    """A need is raised within the top-level design (quzhou:三(一)3): asked when the bureau approves it."""
    return pack.decide(DESIGN_LINK, {"within_top_level_design": linked}) if pack.has(DESIGN_LINK) else None


def plan_parts(pack: Pack, parts: Sequence[dict[str, Any]]) -> list[Decision]:
    """Each department's part of a centrally built project names its flows and interfaces (dazhou:第十七条)."""
    if not pack.has(PLAN_PARTS):
        return []
    elements = pack.rule(PLAN_PARTS).params.required
    decisions = []
    for index, part in enumerate(parts):
        present = [name for name in elements if part.get(name)]
        decision = pack.decide(PLAN_PARTS, {"plan_elements": present})
        decisions.append(decision.model_copy(update={"field": f"parts[{index}]"}))
    return decisions


def stage_of(status: str) -> str:
    return LIBRARY_STAGE[Stage(status)]


def statuses_at(stage: str) -> list[Stage]:
    """The statuses of a library stage (the list's `stage` filter)."""
    return [status for status, at in LIBRARY_STAGE.items() if at == stage]
