"""Review's commands and consumed events, each in one unit of work."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from services.review import domain
from services.review.metrics import (
    APPROVAL_LEAD_TIME,
    APPROVALS,
    DRAWS,
    EXCLUSIONS,
    PLAN_CHANGES,
    PRESCREENS,
    REVIEWS,
    SCORES,
)
from services.review.schemas import (
    DrawRequest,
    ExpertCreate,
    JointReviewConclusion,
    PlanAdjustment,
    PrescreenCommand,
    SchemeReviewResult,
)
from services.review.tables import (
    ApprovalStep,
    DrawMember,
    Expert,
    ExpertDraw,
    JointOpinion,
    PlanEntry,
    ReviewCase,
    ReviewStepRecord,
    ScoreSheet,
)
from shared import clock
from shared.auth import Principal, Role
from shared.bus import Subscriptions
from shared.contracts.catalog import FindingEscalated
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import ApplicationAdmitted, ProjectSummary, ViolationRef
from shared.contracts.review import (
    ApprovalRouted,
    DrawnExpert,
    ExpertsDrawn,
    PlanAdjusted,
    ProjectApproved,
    ProjectPrescreened,
    ProjectRejected,
    ProjectScored,
    SchemeReviewSummary,
)
from shared.errors import Problem, Violation, bad_request, conflict, forbidden, not_found, rule_violations, wrong_stage
from shared.locking import locked
from shared.policy import Decision, Pack, UnknownPack, packs
from shared.scope import Owner, only_expert
from shared.uow import UnitOfWork

subscriptions = Subscriptions()

REVIEWING = ("admitted", "in_review")
#: Path steps with their own command; any other step is a generic pass/fail step.
SPECIAL_STEPS = ("prescreening", "scheme_review", "joint_review", domain.APPROVAL_STEP)
#: Departments on the scheme-review panel besides the drawn experts (fengxian:第十八条).
PANEL_DEPARTMENTS = (Role.DATA_BUREAU, Role.CYBERSPACE, Role.FINANCE)


def pack_of(jurisdiction: str) -> Pack:
    try:
        return packs.get(jurisdiction)
    except UnknownPack:
        raise bad_request(f"no policy pack for jurisdiction '{jurisdiction}'", field="jurisdiction") from None


# --- consumed events ----------------------------------------------------------------------------------


@subscriptions.on(ApplicationAdmitted)
async def on_application_admitted(uow: UnitOfWork, event: CloudEvent, payload: ApplicationAdmitted) -> None:
    if await uow.session.get(ReviewCase, payload.project_id) is not None:
        return
    now = clock.now()
    pack = packs.get(payload.project.jurisdiction)
    path = domain.review_path(pack)
    uow.session.add(
        ReviewCase(
            project_id=payload.project_id,
            unit=payload.project.unit,
            jurisdiction=payload.project.jurisdiction,
            title=payload.project.title,
            secret=payload.project.secret,
            total_investment_fen=payload.project.total_investment_fen,
            plan_year=payload.project.plan_year,
            materials=list(payload.project.materials),
            path=path.value["path"],
            path_steps=list(path.value["steps"]),
            step=path.value["steps"][0],
            created_at=now,
            updated_at=now,
        )
    )
    await uow.record_decision(path, subject=payload.project_id, action="review.path", actor="system")
    await uow.audit(subject=payload.project_id, action="case.opened", actor="system", detail={"event": event.id})


@subscriptions.on(FindingEscalated)
async def on_finding_escalated(uow: UnitOfWork, event: CloudEvent, payload: FindingEscalated) -> None:
    """At the `plan_deferred` step of a supervision finding (dazhou:第五十三条) the plan entry is deferred."""
    if payload.step != "plan_deferred":
        return
    case = await locked(uow.session, ReviewCase, payload.project_id)
    query = sa.select(PlanEntry).where(PlanEntry.status == "planned")
    if case is not None:
        case.plan_deferred = True
        case.updated_at = clock.now()
        query = query.where(PlanEntry.project_id == case.project_id)
    else:  # a finding against the unit: every current plan entry of the unit
        query = query.where(PlanEntry.unit == payload.unit, PlanEntry.year >= clock.today().year)
    entries = list((await uow.session.scalars(query)).all())
    subjects = {case.project_id} if case else set()
    subjects.update(entry.project_id for entry in entries)
    actor = f"catalog:finding:{payload.finding_id}"
    reason = f"supervision finding {payload.finding_id} ({payload.area}) not rectified"
    for subject in sorted(subjects) or [payload.project_id]:
        jurisdiction = case.jurisdiction if case else next(e.jurisdiction for e in entries if e.project_id == subject)
        decision = packs.get(jurisdiction).decide(
            payload.rule_id if packs.get(jurisdiction).has(payload.rule_id) else "supervision.escalation",
            {"rectification_failed": True, "escalation_level": "public_criticism"},
        )
        await uow.record_decision(decision, subject=subject, action="plan.deferred", actor=actor)
        await uow.audit(
            subject=subject,
            action="plan.deferred",
            actor=actor,
            detail={
                "finding_id": payload.finding_id,
                "area": payload.area,
                "citation": payload.citation,
                "event": event.id,
            },
        )
    for entry in entries:
        entry.status = "deferred"
        entry.reason = reason
        entry.decided_by = actor
        entry.rule_id = payload.rule_id
        entry.citation = payload.citation
        entry.updated_at = clock.now()
        PLAN_CHANGES.labels("deferred").inc()
        await uow.emit(
            PlanAdjusted(
                project_id=entry.project_id,
                year=entry.year,
                jurisdiction=entry.jurisdiction,
                unit=entry.unit,
                action="deferred",
                reason=reason,
                decided_by=actor,
                rule_id=payload.rule_id,
                citation=payload.citation,
                decided_on=clock.today(),
            )
        )


# --- reading -------------------------------------------------------------------------------------------


async def load(uow: UnitOfWork, project_id: str, *, for_update: bool = False) -> ReviewCase:
    if for_update:
        case = await locked(uow.session, ReviewCase, project_id)
    else:
        case = await uow.session.get(ReviewCase, project_id)
    if case is None:
        raise not_found("review case", project_id)
    return case


async def steps_of(uow: UnitOfWork, project_id: str) -> list[ApprovalStep]:
    result = await uow.session.scalars(
        sa.select(ApprovalStep).where(ApprovalStep.project_id == project_id).order_by(ApprovalStep.position)
    )
    return list(result.all())


async def records_of(uow: UnitOfWork, project_id: str) -> list[ReviewStepRecord]:
    result = await uow.session.scalars(
        sa.select(ReviewStepRecord).where(ReviewStepRecord.project_id == project_id).order_by(ReviewStepRecord.id)
    )
    return list(result.all())


async def expert_of(uow: UnitOfWork, principal: Principal) -> Expert | None:
    return await uow.session.scalar(sa.select(Expert).where(Expert.user_subject == principal.subject))


async def drawn_member(
    uow: UnitOfWork, project_id: str, expert_id: str, purpose: str | None = None
) -> DrawMember | None:
    query = (
        sa.select(DrawMember)
        .join(ExpertDraw, ExpertDraw.id == DrawMember.draw_id)
        .where(DrawMember.project_id == project_id, DrawMember.expert_id == expert_id, DrawMember.status == "drawn")
    )
    if purpose is not None:
        query = query.where(ExpertDraw.purpose == purpose)
    return await uow.session.scalar(query.limit(1))


def has_field(dialect: str, field: str) -> sa.ColumnElement[bool]:
    """An expert whose `fields` list holds `field` (JSONB containment on PostgreSQL, json_each on SQLite)."""
    if dialect == "postgresql":
        return sa.type_coerce(Expert.fields, postgresql.JSONB).contains([field])
    values = sa.func.json_each(Expert.fields).table_valued("value")
    return sa.exists(sa.select(1).select_from(values).where(values.c.value == field))


async def is_drawn(uow: UnitOfWork, principal: Principal, project_id: str) -> bool:
    """Whether the expert signed in is drawn for the project: the only review projects an expert reads."""
    expert = await expert_of(uow, principal)
    return expert is not None and await drawn_member(uow, project_id, expert.id) is not None


async def case_owner(uow: UnitOfWork, project_id: str) -> Owner | None:
    case = await uow.session.get(ReviewCase, project_id)
    return None if case is None else Owner(case.unit, case.secret)


# --- the path ------------------------------------------------------------------------------------------


def current_stage(case: ReviewCase) -> str:
    """What a 409 names: the path step while reviewing, else the stage."""
    return case.step if case.stage in REVIEWING and case.step else case.stage


def ensure_step(case: ReviewCase, step: str | Sequence[str], action: str) -> None:
    wanted = [step] if isinstance(step, str) else list(step)
    if case.stage not in REVIEWING or case.step not in wanted:
        raise wrong_stage(case.project_id, current_stage(case), wanted, action)


async def record_step(
    uow: UnitOfWork, case: ReviewCase, outcome: str, principal: Principal | str, comment: str = "", **detail: Any
) -> None:
    actor = principal if isinstance(principal, str) else principal.subject
    uow.session.add(
        ReviewStepRecord(
            project_id=case.project_id,
            step=case.step or "",
            outcome=outcome,
            actor=actor,
            comment=comment,
            detail=detail,
            at=clock.now(),
        )
    )
    await uow.audit(
        subject=case.project_id, action=f"{case.step}.{outcome}", actor=principal, detail={"comment": comment}
    )


async def advance(uow: UnitOfWork, case: ReviewCase, principal: Principal) -> None:
    """Move to the next path step; reaching `approval` routes the project to its authorities."""
    case.updated_at = clock.now()
    case.step = domain.next_step(case.path_steps or [domain.APPROVAL_STEP], case.step or domain.APPROVAL_STEP)
    case.stage = "in_review"
    if case.step == domain.APPROVAL_STEP:
        await open_approval(uow, case, principal)


async def open_approval(uow: UnitOfWork, case: ReviewCase, principal: Principal) -> None:
    pack = pack_of(case.jurisdiction)
    route = domain.approval_route(pack, case.total_investment_fen, case.collective_review)
    await uow.record_decision(route, subject=case.project_id, action="approval.route", actor=principal)
    for position, role in enumerate(route.value, start=1):
        uow.session.add(ApprovalStep(project_id=case.project_id, position=position, role=role))
    case.stage = "awaiting_approval"
    case.pack_version = route.pack_version
    await emit_routed(uow, case, list(route.value), 0, route.rule_id, route.citation)
    if pack.has("review.design_approval_due"):  # quzhou:三(二)2 — DRC's design approval within 3 days
        received = clock.today()
        decision = pack.decide("review.design_approval_due", {"received_on": received})
        await uow.record_decision(decision, subject=case.project_id, action="deadline.opened", actor=principal)
        await uow.open_deadline(
            subject=case.project_id,
            decision=decision,
            due_on=pack.due("review.design_approval_due", received),
            description="市发改委出具初步设计批复 / DRC issues the preliminary-design approval",
        )


def scheme_summary(case: ReviewCase) -> SchemeReviewSummary | None:
    """What the leaders read of the scheme review: the outcome, and the scores unless the project is secret."""
    result = case.scheme_result
    if not result:
        return None
    if case.secret:
        return SchemeReviewSummary(passed=bool(result.get("passed")), reviewers=result.get("reviewers") or 0)
    return SchemeReviewSummary(
        passed=bool(result.get("passed")),
        reviewers=result.get("reviewers") or 0,
        mean_total_score=result.get("mean_total_score"),
        dimension_means=result.get("dimension_means") or {},
    )


async def emit_routed(
    uow: UnitOfWork, case: ReviewCase, steps: list[str], position: int, rule_id: str, citation: str
) -> None:
    """Who signs next (None after the last): the leaders' 待办 in the portfolio come from this event."""
    await uow.emit(
        ApprovalRouted(
            project_id=case.project_id,
            unit=case.unit,
            jurisdiction=case.jurisdiction,
            steps=steps,
            position=position,
            next_role=steps[position] if position < len(steps) else None,
            rule_id=rule_id,
            citation=citation,
            routed_on=clock.today(),
            scheme_review=scheme_summary(case),
        )
    )


async def reject(uow: UnitOfWork, case: ReviewCase, reason: str, decision: Decision | None = None) -> None:
    case.stage = "rejected"
    case.updated_at = clock.now()
    await uow.emit(
        ProjectRejected(
            project_id=case.project_id,
            unit=case.unit,
            reason="" if case.secret else reason,
            rule_id=decision.rule_id if decision else None,
            citation=decision.citation if decision else None,
        )
    )


def refusal(failures: Sequence[tuple[Decision, str | None]]) -> Problem:
    return rule_violations(
        [Violation.from_decision(d).model_copy(update={"field": where or d.field}) for d, where in failures]
    )


# --- pre-screening (前置初审) -------------------------------------------------------------------------------


async def prescreen(uow: UnitOfWork, project_id: str, command: PrescreenCommand, principal: Principal) -> ReviewCase:
    case = await load(uow, project_id, for_update=True)
    ensure_step(case, "prescreening", "pre-screening")
    pack = pack_of(case.jurisdiction)
    kinds = command.model_dump(include={"public_service", "city_operations", "village_level", "data_governance"})
    result = domain.prescreen(pack, command.panel, command.findings, kinds)
    if result.outcome == "incomplete":
        raise refusal([(d, "panel") for d in result.failures])
    for decision in result.decisions:
        await uow.record_decision(decision, subject=project_id, action="prescreening", actor=principal)
    PRESCREENS.labels(case.jurisdiction, result.outcome).inc()
    reasons = [
        ViolationRef(rule_id=d.rule_id, citation=d.citation, message_zh=d.message_zh, message_en=d.message_en)
        for d in result.failures
    ]
    await record_step(
        uow, case, result.outcome, principal, command.comment, routed_to=result.routed_to, findings=command.findings
    )
    await uow.emit(
        ProjectPrescreened(
            project_id=project_id,
            unit=case.unit,
            jurisdiction=case.jurisdiction,
            outcome=result.outcome,
            routed_to=result.routed_to,
            reasons=[] if case.secret else reasons,
        )
    )
    if result.outcome == "not_reviewed":
        case.stage = "not_reviewed"
        case.updated_at = clock.now()
    elif result.outcome == "routed":
        case.stage = "routed"
        case.routed_to = result.routed_to
        case.updated_at = clock.now()
    else:
        await advance(uow, case, principal)
    return case


# --- scheme review (项建方案评审 / 方案预审) -------------------------------------------------------------------


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


async def sheets_of(uow: UnitOfWork, project_id: str) -> list[ScoreSheet]:
    result = await uow.session.scalars(sa.select(ScoreSheet).where(ScoreSheet.project_id == project_id))
    return list(result.all())


async def put_sheet(
    uow: UnitOfWork, case: ReviewCase, reviewer: str, kind: str, sheet: Any, principal: Principal
) -> None:
    existing = await uow.session.scalar(
        sa.select(ScoreSheet).where(ScoreSheet.project_id == case.project_id, ScoreSheet.reviewer == reviewer)
    )
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
    ensure_step(case, domain.SCHEME_STEPS, "scores")
    problems = domain.check_sheet(pack, sheet.scores)
    if problems:
        raise refusal(problems)
    await put_sheet(uow, case, reviewer, kind, sheet, principal)
    return case


def no_scoring(case: ReviewCase) -> Problem:
    return Problem(
        422,
        "no-scoring",
        "本地区规则未规定评分 / This jurisdiction's pack defines no scoring",
        f"the {case.jurisdiction} pack has no review.scheme_dimensions rule: record the panel's outcome with `passed`",
        jurisdiction=case.jurisdiction,
    )


async def record_scheme_review(
    uow: UnitOfWork, project_id: str, command: SchemeReviewResult, principal: Principal
) -> ReviewCase:
    case = await load(uow, project_id, for_update=True)
    ensure_step(case, domain.SCHEME_STEPS, "scheme review")
    pack = pack_of(case.jurisdiction)
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
        }
        implementation_decisions = domain.implementation_checks(pack, facts)
        failures.extend((d, "implementation") for d in implementation_decisions if d.outcome == "fail")
    if failures:
        raise refusal(failures)

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
        for sheet in sheets:
            for dimension, score in sheet.items():
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


# --- Quzhou's parallel joint review (并联审核) --------------------------------------------------------------


def joint_parties(pack: Pack) -> list[str]:
    return list(pack.rule("review.joint_review_panel").params.required)


async def joint_opinion(uow: UnitOfWork, project_id: str, command: Any, principal: Principal) -> ReviewCase:
    """One party's opinion; the parties give theirs in parallel, in any order (quzhou:三(二)1)."""
    case = await load(uow, project_id, for_update=True)
    ensure_step(case, "joint_review", "joint review opinion")
    pack = pack_of(case.jurisdiction)
    parties = joint_parties(pack)
    party = next((p for p in parties if p != Role.EXPERT.value and principal.has(Role(p))), None)
    if party == Role.UNIT.value and principal.unit != case.unit:
        raise forbidden(f"unit staff may act only for their own unit ({principal.unit})")
    if party is None and principal.has(Role.EXPERT):
        expert = await expert_of(uow, principal)
        if expert is None or await drawn_member(uow, project_id, expert.id) is None:
            raise forbidden(
                "experts take part only in reviews they are drawn for",
                citation=pack.rule("review.joint_review_panel").citation,
            )
        party = f"expert:{expert.id}"
    if party is None:
        raise forbidden(
            f"the joint review's parties are {', '.join(parties)}",
            citation=pack.rule("review.joint_review_panel").citation,
        )
    existing = await uow.session.scalar(
        sa.select(JointOpinion).where(JointOpinion.project_id == project_id, JointOpinion.party == party)
    )
    row = existing or JointOpinion(project_id=project_id, party=party, actor=principal.subject, at=clock.now())
    row.agrees, row.comment, row.actor, row.at = command.agrees, command.comment, principal.subject, clock.now()
    uow.session.add(row)
    case.stage = "in_review"
    case.updated_at = clock.now()
    await uow.audit(
        subject=project_id,
        action="joint_review.opinion",
        actor=principal,
        detail={"party": party, "agrees": command.agrees},
    )
    return case


async def conclude_joint_review(
    uow: UnitOfWork, project_id: str, command: JointReviewConclusion, principal: Principal
) -> ReviewCase:
    """The leading office concludes: every party heard, the estimate fixed, the opinion decided by the
    leading group; then the DRC has 3 days for the design approval (quzhou:三(二)2)."""
    case = await load(uow, project_id, for_update=True)
    ensure_step(case, "joint_review", "joint review conclusion")
    pack = pack_of(case.jurisdiction)
    opinions = list(
        (await uow.session.scalars(sa.select(JointOpinion).where(JointOpinion.project_id == project_id))).all()
    )
    heard = sorted({o.party.split(":", 1)[0] for o in opinions})
    panel = pack.decide("review.joint_review_panel", {"joint_review_opinions": heard})
    if not command.passed:
        await uow.record_decision(panel, subject=project_id, action="joint_review.panel", actor=principal)
        REVIEWS.labels(case.jurisdiction, "failed").inc()
        await record_step(uow, case, "failed", principal, command.comment)
        await reject(uow, case, command.comment or "joint review failed")
        return case
    opinion = pack.decide(
        "review.decision_consulting_opinion",
        {
            "estimate_fixed": command.fixed_estimate_fen is not None and command.consulting_opinion_no is not None,
            "leading_group_decided": command.leading_group_decided,
        },
    )
    failures = [(d, d.field) for d in (panel, opinion) if d.outcome == "fail"]
    if failures:
        raise refusal(failures)
    for decision in (panel, opinion):
        await uow.record_decision(decision, subject=project_id, action="joint_review.concluded", actor=principal)
    case.fixed_estimate_fen = command.fixed_estimate_fen
    case.consulting_opinion_no = command.consulting_opinion_no
    REVIEWS.labels(case.jurisdiction, "passed").inc()
    await record_step(
        uow,
        case,
        "passed",
        principal,
        command.comment,
        fixed_estimate_fen=command.fixed_estimate_fen,
        consulting_opinion_no=command.consulting_opinion_no,
        parties=heard,
    )
    await advance(uow, case, principal)
    return case


# --- generic path steps (e.g. Suqian's six steps) -------------------------------------------------------


async def path_step(
    uow: UnitOfWork, project_id: str, step: str, passed: bool, comment: str, principal: Principal
) -> ReviewCase:
    case = await load(uow, project_id, for_update=True)
    if step in SPECIAL_STEPS:
        raise bad_request(f"the step '{step}' has its own endpoint", field="step")
    ensure_step(case, step, step)
    path_rule = pack_of(case.jurisdiction).rule("review.path")
    await record_step(uow, case, "passed" if passed else "failed", principal, comment, citation=path_rule.citation)
    if not passed:
        await reject(uow, case, comment or f"{step} failed")
        return case
    await advance(uow, case, principal)
    return case


# --- approval by authority (立项, dazhou:第十条) --------------------------------------------------------------


async def decide_step(
    uow: UnitOfWork, project_id: str, approve: bool, comment: str, principal: Principal
) -> ReviewCase:
    """A leader acts on the project's next approval step; the letter is issued after the last."""
    case = await load(uow, project_id, for_update=True)
    if case.stage != "awaiting_approval":
        raise wrong_stage(project_id, current_stage(case), "awaiting_approval", "approval step")
    citation = pack_of(case.jurisdiction).rule("approval.authority").citation
    steps = await steps_of(uow, project_id)
    step = domain.next_pending(steps)
    if step is None or step.role not in {role.value for role in principal.roles}:
        raise forbidden(
            f"the next approval step is '{step.role if step else 'none'}' ({citation}); "
            f"your roles are {sorted(principal.roles)}",
            citation=citation,
            next_step=step.role if step else None,
        )
    now = clock.now()
    step.status = "approved" if approve else "rejected"
    step.decided_by = principal.subject
    step.decided_at = now
    step.comment = comment
    case.updated_at = now
    await uow.audit(subject=project_id, action=f"approval.{step.role}.{step.status}", actor=principal)
    if not approve:
        await uow.close_deadline(subject=project_id, rule_id="review.design_approval_due", status="cancelled")
        case.stage = "rejected"
        await uow.emit(
            ProjectRejected(
                project_id=project_id,
                unit=case.unit,
                reason=comment or f"{step.role} refused",
                citation=citation,
                rule_id="approval.authority",
            )
        )
        return case
    done = sum(1 for s in steps if s.status == "approved")
    await emit_routed(uow, case, [s.role for s in steps], done, "approval.authority", citation)
    if domain.next_pending(steps) is None:
        await issue_approval_letter(uow, case, steps, principal)
    return case


async def issue_approval_letter(
    uow: UnitOfWork, case: ReviewCase, steps: list[ApprovalStep], principal: Principal
) -> None:
    pack = pack_of(case.jurisdiction)
    rule = pack.rule("approval.authority")
    today = clock.today()
    case.stage = "approved"
    case.step = None
    case.approved_on = today
    case.approval_letter_no = f"{case.jurisdiction}-立项-{today:%Y}-{case.project_id[-8:]}"
    if pack.has("review.design_approval_due"):
        received = (
            await uow.session.execute(
                sa.select(uow.schema.deadlines.c.created_at).where(
                    uow.schema.deadlines.c.subject == case.project_id,
                    uow.schema.deadlines.c.rule_id == "review.design_approval_due",
                )
            )
        ).scalar()
        if received is not None:
            decision = pack.decide("review.design_approval_due", {"received_on": received, "design_approved_on": today})
            await uow.record_decision(decision, subject=case.project_id, action="deadline.met", actor=principal)
        await uow.close_deadline(subject=case.project_id, rule_id="review.design_approval_due")
    APPROVALS.labels(steps[-1].role).inc()
    APPROVAL_LEAD_TIME.labels(steps[-1].role).observe((clock.now() - case.created_at).total_seconds())
    await add_to_plan(uow, case, pack, principal)
    await uow.emit(
        ProjectApproved(
            project_id=case.project_id,
            project=ProjectSummary(
                unit=case.unit,
                jurisdiction=case.jurisdiction,
                secret=case.secret,
                title=None if case.secret else case.title,
                total_investment_fen=case.total_investment_fen,
                plan_year=case.plan_year,
                materials=list(case.materials or []),
            ),
            approval_letter_no=case.approval_letter_no,
            approved_on=case.approved_on,
            authority_steps=[s.role for s in steps],
            rule_id=rule.id,
            citation=rule.citation,
            pack_version=case.pack_version or pack.version,
            collective_review=case.collective_review,
            fixed_estimate_fen=case.fixed_estimate_fen,
            consulting_opinion_no=case.consulting_opinion_no,
        )
    )


# --- annual plan (年度计划) --------------------------------------------------------------------------------


async def add_to_plan(uow: UnitOfWork, case: ReviewCase, pack: Pack, principal: Principal) -> PlanEntry:
    year = domain.plan_year(pack, case.plan_year, clock.today())
    entry = PlanEntry(
        year=year,
        jurisdiction=case.jurisdiction,
        project_id=case.project_id,
        unit=case.unit,
        title=case.title,
        total_investment_fen=case.total_investment_fen,
        status="deferred" if case.plan_deferred else "planned",
        source="approval",
        reason="立项批复 / approval letter" + ("; deferred by a supervision finding" if case.plan_deferred else ""),
        decided_by=principal.subject,
        rule_id="approval.authority",
        citation=pack.rule("approval.authority").citation,
        updated_at=clock.now(),
    )
    uow.session.add(entry)
    PLAN_CHANGES.labels("added").inc()
    await uow.emit(
        PlanAdjusted(
            project_id=case.project_id,
            year=year,
            jurisdiction=case.jurisdiction,
            unit=case.unit,
            action="added",
            reason=entry.reason,
            decided_by=principal.subject,
            rule_id=entry.rule_id,
            citation=entry.citation,
            decided_on=clock.today(),
        )
    )
    return entry


async def adjust_plan(uow: UnitOfWork, year: int, command: PlanAdjustment, principal: Principal) -> PlanEntry:
    """The July mid-year adjustment (dazhou:第十三条) adds an approved project to this year's plan or drops one."""
    pack = pack_of(command.jurisdiction)
    today = clock.today()
    window = domain.midyear_adjustment(pack, today)
    problems = [(window, "year")] if window.outcome == "fail" else []
    if year != today.year:
        problems.append(
            (
                window.model_copy(
                    update={
                        "outcome": "fail",
                        "message_zh": f"只能调整本年度({today.year})计划",
                        "message_en": f"only this year's ({today.year}) plan is adjusted",
                    }
                ),
                "year",
            )
        )
    if problems:
        raise refusal(problems)
    case = await load(uow, command.project_id, for_update=True)
    if case.jurisdiction != command.jurisdiction:
        raise bad_request(f"project {case.project_id} is in {case.jurisdiction}", field="jurisdiction")
    entry = await uow.session.scalar(
        sa.select(PlanEntry).where(PlanEntry.year == year, PlanEntry.project_id == command.project_id)
    )
    if command.action == "add":
        if case.stage != "approved":
            raise wrong_stage(case.project_id, current_stage(case), "approved", "add to the plan")
        if entry is not None and entry.status == "planned":
            raise conflict(f"project {case.project_id} is already in the {year} plan")
        entry = entry or PlanEntry(
            year=year,
            jurisdiction=case.jurisdiction,
            project_id=case.project_id,
            unit=case.unit,
            title=case.title,
            total_investment_fen=case.total_investment_fen,
            source="midyear_adjustment",
            decided_by=principal.subject,
            updated_at=clock.now(),
        )
        entry.status = "planned"
        action = "added"
    else:
        if entry is None or entry.status != "planned":
            raise conflict(f"project {case.project_id} is not planned in {year}")
        entry.status = "dropped"
        action = "dropped"
    entry.source = "midyear_adjustment"
    entry.reason = command.reason
    entry.decided_by = principal.subject
    entry.rule_id = window.rule_id
    entry.citation = window.citation
    entry.updated_at = clock.now()
    uow.session.add(entry)
    await uow.record_decision(window, subject=case.project_id, action=f"plan.{action}", actor=principal)
    await uow.audit(
        subject=case.project_id,
        action=f"plan.{action}",
        actor=principal,
        detail={"year": year, "reason": command.reason},
    )
    PLAN_CHANGES.labels(action).inc()
    await uow.emit(
        PlanAdjusted(
            project_id=case.project_id,
            year=year,
            jurisdiction=case.jurisdiction,
            unit=case.unit,
            action=action,
            reason="" if case.secret else command.reason,
            decided_by=principal.subject,
            rule_id=window.rule_id,
            citation=window.citation,
            decided_on=today,
        )
    )
    return entry


# --- expert pool and draws (专家库) ----------------------------------------------------------------------


async def create_expert(uow: UnitOfWork, command: ExpertCreate, principal: Principal) -> Expert:
    if command.user_subject and await uow.session.scalar(
        sa.select(Expert.id).where(Expert.user_subject == command.user_subject)
    ):
        raise conflict(f"the sign-in '{command.user_subject}' is already linked to an expert")
    expert = Expert(
        id=f"E-{uuid.uuid4().hex[:10]}",
        name=command.name,
        employer=command.employer.strip(),
        fields=sorted(set(command.fields)),
        vendor_links=sorted({v.strip() for v in command.vendor_links if v.strip()}),
        user_subject=command.user_subject,
        created_at=clock.now(),
    )
    uow.session.add(expert)
    await uow.audit(subject=expert.id, action="expert.registered", actor=principal)
    return expert


async def load_draw(uow: UnitOfWork, draw_id: str, *, for_update: bool = False) -> ExpertDraw:
    if for_update:
        draw = await locked(uow.session, ExpertDraw, draw_id)
    else:
        draw = await uow.session.get(ExpertDraw, draw_id)
    if draw is None:
        raise not_found("expert draw", draw_id)
    return draw


async def members_of(uow: UnitOfWork, draw_id: str) -> list[DrawMember]:
    result = await uow.session.scalars(
        sa.select(DrawMember).where(DrawMember.draw_id == draw_id).order_by(DrawMember.position)
    )
    return list(result.all())


async def pool_facts(uow: UnitOfWork, unit: str) -> list[domain.ExpertFacts]:
    """The active pool with, per expert, the last day they were drawn for this unit's project."""
    last = dict(
        (
            await uow.session.execute(
                sa.select(DrawMember.expert_id, sa.func.max(DrawMember.drawn_on))
                .where(DrawMember.unit == unit, DrawMember.status == "drawn")
                .group_by(DrawMember.expert_id)
            )
        ).all()
    )
    experts = (await uow.session.scalars(sa.select(Expert).where(Expert.active.is_(True)))).all()
    return [
        domain.ExpertFacts(
            id=e.id,
            employer=e.employer,
            fields=tuple(e.fields or ()),
            vendor_links=tuple(e.vendor_links or ()),
            last_reviewed_unit_on=last.get(e.id),
        )
        for e in experts
    ]


async def create_draw(uow: UnitOfWork, command: DrawRequest, principal: Principal) -> ExpertDraw:
    # The applicant and the jurisdiction are the project's, never the request's: a unit named in the
    # request would choose whose employees and whose cooling-off window the independence rules check.
    case = await uow.session.get(ReviewCase, command.project_id)
    if case is None:
        raise not_found("project", command.project_id)
    for name, given, actual in (
        ("unit", command.unit, case.unit),
        ("jurisdiction", command.jurisdiction, case.jurisdiction),
    ):
        if given is not None and given != actual:
            raise bad_request(
                f"the draw's {name} is the project's ({actual}); leave `{name}` out of the request", field=name
            )
    unit, jurisdiction = case.unit, case.jurisdiction
    pack = pack_of(jurisdiction)
    today = clock.today()
    screening = domain.screen(
        pack, await pool_facts(uow, unit), unit=unit, vendors=command.vendors, fields=command.fields, today=today
    )
    if len(screening.candidates) < command.count:
        raise conflict(
            f"only {len(screening.candidates)} eligible experts for {command.count} places "
            f"({len(screening.excluded)} conflicts excluded)",
            eligible=len(screening.candidates),
            excluded=screening.excluded,
        )
    seed = secrets.randbits(62)
    draw = ExpertDraw(
        id=f"D-{uuid.uuid4().hex[:12]}",
        project_id=command.project_id,
        unit=unit,
        jurisdiction=jurisdiction,
        purpose=command.purpose,
        fields=list(command.fields),
        vendors=list(command.vendors),
        count=command.count,
        seed=seed,
        candidates=screening.candidates,
        excluded=screening.excluded,
        drawn_by=principal.subject,
        drawn_on=today,
        pack_version=pack.version,
        created_at=clock.now(),
    )
    uow.session.add(draw)
    for position, expert_id in enumerate(domain.pick(screening.candidates, seed, command.count), start=1):
        uow.session.add(
            DrawMember(
                draw_id=draw.id,
                project_id=command.project_id,
                unit=unit,
                expert_id=expert_id,
                position=position,
                drawn_on=today,
            )
        )
    for decision in screening.decisions:
        EXCLUSIONS.labels(decision.rule_id).inc()
        await uow.record_decision(decision, subject=command.project_id, action="expert_draw.excluded", actor=principal)
    DRAWS.labels(command.purpose).inc()
    await uow.session.flush()
    await emit_drawn(uow, draw)
    await uow.audit(
        subject=command.project_id,
        action="expert_draw.created",
        actor=principal,
        detail={"draw_id": draw.id, "seed": seed, "candidates": len(screening.candidates), "purpose": command.purpose},
    )
    await uow.session.flush()
    return draw


async def decline(uow: UnitOfWork, draw_id: str, expert_id: str, reason: str, principal: Principal) -> ExpertDraw:
    """An expert declines; the next expert in the draw's seeded order replaces them."""
    draw = await load_draw(uow, draw_id, for_update=True)
    if only_expert(principal):
        expert = await expert_of(uow, principal)
        if expert is None or expert.id != expert_id:
            raise forbidden("an expert may decline only for themself")
    members = await members_of(uow, draw_id)
    member = next((m for m in members if m.expert_id == expert_id), None)
    if member is None:
        raise not_found("draw member", expert_id)
    if member.status != "drawn":
        raise conflict(f"expert {expert_id} has already declined this draw")
    substitute = domain.replacement(draw.candidates, draw.seed, [m.expert_id for m in members])
    if substitute is None:
        raise conflict("no eligible expert is left in this draw's candidate list; make a new draw")
    member.status = "declined"
    member.decline_reason = reason
    member.replaced_by = substitute
    uow.session.add(
        DrawMember(
            draw_id=draw.id,
            project_id=draw.project_id,
            unit=draw.unit,
            expert_id=substitute,
            position=max(m.position for m in members) + 1,
            drawn_on=clock.today(),
        )
    )
    await uow.session.flush()
    await emit_drawn(uow, draw, declined=[expert_id])
    await uow.audit(
        subject=draw.project_id,
        action="expert_draw.declined",
        actor=principal,
        detail={"draw_id": draw.id, "expert_id": expert_id, "replaced_by": substitute, "reason": reason},
    )
    await uow.session.flush()
    return draw


async def emit_drawn(uow: UnitOfWork, draw: ExpertDraw, declined: Sequence[str] = ()) -> None:
    """The experts now drawn, by id and sign-in, so each sees a scoring to-do (portfolio); no content."""
    members = [m for m in await members_of(uow, draw.id) if m.status == "drawn"]
    ids = [m.expert_id for m in members] + list(declined)
    subjects = dict(
        (await uow.session.execute(sa.select(Expert.id, Expert.user_subject).where(Expert.id.in_(ids)))).all()
    )
    await uow.emit(
        ExpertsDrawn(
            project_id=draw.project_id,
            unit=draw.unit,
            jurisdiction=draw.jurisdiction,
            draw_id=draw.id,
            purpose=draw.purpose,
            experts=[DrawnExpert(expert_id=m.expert_id, subject=subjects.get(m.expert_id)) for m in members],
            declined=[DrawnExpert(expert_id=e, subject=subjects.get(e)) for e in declined],
            drawn_on=clock.today(),
        )
    )


def replay(draw: ExpertDraw, members: Sequence[DrawMember]) -> tuple[bool, list[str], list[str]]:
    """Recompute the draw from its seed and candidates: the members by position must be the prefix of
    the seeded order (replacements take the next in order)."""
    recorded = [m.expert_id for m in sorted(members, key=lambda m: m.position)]
    replayed = domain.draw_order(draw.candidates, draw.seed)[: len(recorded)]
    return recorded == replayed, recorded, replayed
