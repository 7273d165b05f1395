"""The scheme review (项建方案评审 / 方案预审, fengxian:第十八条–第十九条): each drawn expert's or panel
department's score sheet, then the bureau records the panel's result (scores or outcome) with the
implementation-mode checks (dazhou:第十一条,第十二条)."""

from __future__ import annotations

from typing import Any

from services.review import domain
from services.review.domain import Action
from services.review.handlers.common import (
    PANEL_DEPARTMENTS,
    advance,
    ensure_step,
    pack_of,
    record_step,
    refuse,
    reject,
)
from services.review.metrics import REVIEWS, SCORES
from services.review.queries import drawn_member, expert_of, load, sheet_of, sheets_of
from services.review.schemas import SchemeReviewResult
from services.review.tables import ReviewCase, ScoreSheet
from shared import clock
from shared.auth import Principal
from shared.contracts.review import ProjectScored
from shared.errors import Problem, Violation, bad_request, rule_violations
from shared.policy import Decision, Pack
from shared.scope import only_expert
from shared.uow import UnitOfWork


async def reviewer_kind(uow: UnitOfWork, case: ReviewCase, reviewer: str) -> str | None:
    """`expert` for an expert drawn for this project, `department` for a panel department, else None."""
    if reviewer in {role.value for role in PANEL_DEPARTMENTS}:
        return "department"
    if await drawn_member(uow, case.project_id, reviewer) is not None:
        return "expert"
    return None


def not_drawn(pack: Pack, reviewer: str, status: int = 422) -> Problem:
    rule = pack.rule("review.scheme_dimensions")
    return Problem(
        status,
        "reviewer-not-drawn",
        "评审人不在本项目的评审组中 / The reviewer is not on this project's panel",
        f"'{reviewer}' is neither an expert drawn for this project nor a panel department ({rule.citation})",
        citation=rule.citation,
        rule_id=rule.id,
        reviewer=reviewer,
    )


def no_scoring(case: ReviewCase) -> Problem:
    return Problem(
        422,
        "no-scoring",
        "本地区规则未规定评分 / This jurisdiction's pack defines no scoring",
        f"the {case.jurisdiction} pack has no review.scheme_dimensions rule: record the panel's outcome with `passed`",
        jurisdiction=case.jurisdiction,
    )


async def put_sheet(
    uow: UnitOfWork, case: ReviewCase, reviewer: str, kind: str, sheet: Any, principal: Principal
) -> None:
    existing = await sheet_of(uow, case.project_id, reviewer)
    row = existing or ScoreSheet(
        project_id=case.project_id, reviewer=reviewer, reviewer_kind=kind, recorded_by=principal.subject, at=clock.now()
    )
    row.scores = dict(sheet.scores)
    row.comments = dict(sheet.comments)
    row.comment = sheet.comment
    row.recorded_by = principal.subject
    row.at = clock.now()
    uow.session.add(row)
    await uow.audit(subject=case.project_id, action="scores.recorded", actor=principal, detail={"reviewer": reviewer})


async def submit_own_scores(uow: UnitOfWork, project_id: str, sheet: Any, principal: Principal) -> ReviewCase:
    """A drawn expert (or a panel department) records its own sheet while the scheme review is open."""
    case = await load(uow, project_id, for_update=True)
    pack = pack_of(case.jurisdiction)
    if not domain.dimensions(pack):
        raise no_scoring(case)
    if only_expert(principal):
        expert = await expert_of(uow, principal)
        if expert is None or await drawn_member(uow, project_id, expert.id) is None:
            raise not_drawn(pack, principal.subject, status=403)
        reviewer, kind = expert.id, "expert"
    else:
        role = next((r for r in PANEL_DEPARTMENTS if principal.has(r)), None)
        if role is None:
            raise not_drawn(pack, principal.subject, status=403)
        reviewer, kind = role.value, "department"
    ensure_step(case, domain.SCHEME_STEPS, Action.SCORE, pack)
    problems = domain.check_sheet(pack, sheet.scores)
    if problems:
        raise refuse(problems)
    await put_sheet(uow, case, reviewer, kind, sheet, principal)
    return case


async def record_scheme_review(
    uow: UnitOfWork, project_id: str, command: SchemeReviewResult, principal: Principal
) -> ReviewCase:
    case = await load(uow, project_id, for_update=True)
    pack = pack_of(case.jurisdiction)
    ensure_step(case, domain.SCHEME_STEPS, Action.SCHEME_REVIEW, pack)
    scoring = bool(domain.dimensions(pack))
    if command.scores and not scoring:
        raise no_scoring(case)

    # Everything is checked before anything is written: every broken rule is reported at once.
    failures: list[tuple[Decision, str | None]] = []
    kinds: dict[str, str] = {}
    for index, sheet in enumerate(command.scores):
        kind = await reviewer_kind(uow, case, sheet.reviewer)
        if kind is None:
            raise not_drawn(pack, sheet.reviewer)
        kinds[sheet.reviewer] = kind
        failures.extend(domain.check_sheet(pack, sheet.scores, where=f"scores[{index}].scores"))
    implementation_decisions: list[Decision] = []
    if command.implementation is not None:
        facts = {
            **command.implementation.model_dump(),
            "total_investment_fen": case.total_investment_fen,
            "is_secret": case.secret,
            "materials": list(case.materials or []),
        }
        implementation_decisions = domain.implementation_checks(pack, facts)
        failures.extend((d, "implementation") for d in implementation_decisions if d.outcome == "fail")
    if failures:
        raise refuse(failures)

    stored = {s.reviewer: s.scores for s in await sheets_of(uow, project_id)}
    stored.update({s.reviewer: s.scores for s in command.scores})
    sheets = list(stored.values())
    result: Decision | None = domain.scheme_result(pack, sheets) if sheets else None
    if result is None and command.passed is None:
        raise bad_request("give the panel's outcome `passed`, or the reviewers' `scores`", field="passed")
    if result is not None and command.passed is not None and command.passed != result.passed:
        raise rule_violations(
            [Violation.from_decision(result).model_copy(update={"field": "passed"})],
            detail=f"the recorded outcome contradicts the scores: {result.message_zh} / {result.message_en}",
        )

    for sheet in command.scores:
        await put_sheet(uow, case, sheet.reviewer, kinds[sheet.reviewer], sheet, principal)
    for decision in implementation_decisions:
        await uow.record_decision(decision, subject=project_id, action="implementation.checked", actor=principal)
    if command.implementation is not None:
        case.implementation = command.implementation.model_dump()
        centralized = next((d for d in implementation_decisions if d.rule_id == domain.CENTRALIZED_BUILD), None)
        condition = domain.centralized_condition(centralized, command.implementation.implementation_mode)
        if condition is not None:
            # not a refusal: the text says 原则上; the approval carries it as a condition the bureau follows up
            case.implementation = {**case.implementation, "centralized_build_condition": condition}
            await uow.audit(subject=project_id, action="centralized_build.condition", actor=principal, detail=condition)
    case.collective_review = command.collective_review
    passed = result.passed if result is not None else bool(command.passed)
    if result is not None:
        await uow.record_decision(result, subject=project_id, action="scheme_review.scored", actor=principal)
        means = domain.dimension_means(pack, sheets)
        case.scheme_result = {
            "passed": passed,
            "reviewers": len(sheets),
            "dimension_means": means,
            "mean_total_score": result.facts.get("mean_total_score"),
        }
        for sheet_scores in sheets:
            for dimension, score in sheet_scores.items():
                SCORES.labels(dimension).observe(score)
        await uow.emit(
            ProjectScored(
                project_id=project_id,
                unit=case.unit,
                jurisdiction=case.jurisdiction,
                passed=passed,
                reviewers=len(sheets),
                mean_total_score=None if case.secret else result.facts.get("mean_total_score"),
                rule_id=result.rule_id,
                citation=result.citation,
            )
        )
    REVIEWS.labels(case.jurisdiction, "passed" if passed else "failed").inc()
    await record_step(
        uow, case, "passed" if passed else "failed", principal, command.comment, scored=result is not None
    )
    if not passed:
        await reject(uow, case, command.comment or "scheme review failed", result)
        return case
    await advance(uow, case, principal)
    return case
