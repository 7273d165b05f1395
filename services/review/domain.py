"""Review's decisions, pure: the review path, pre-screening, scheme scores, expert draws, implementation
mode checks, approval routing and the annual plan — facts and the policy pack in, decisions out."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shared.policy import Decision, Pack

APPROVAL_STEP = "approval"
#: Path steps that are a scheme review (scores or the panel's recorded outcome); Suqian calls it 方案预审.
SCHEME_STEPS = ("scheme_review",)


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
        return [d for d in self.decisions if d.outcome == "fail"]


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


def implementation_checks(pack: Pack, facts: Mapping[str, Any]) -> list[Decision]:
    """The self-build and purchase-of-service rules (each 'not applicable' for the other mode)."""
    return [pack.decide(rule_id, facts) for rule_id in IMPLEMENTATION_RULES if pack.has(rule_id)]


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
