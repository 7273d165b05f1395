"""Quzhou's parallel joint review (并联审核, quzhou:三(二)1–2): every party gives its opinion in any
order, then the leading office concludes with the fixed estimate and the consulting opinion."""

from __future__ import annotations

from typing import Any

from services.review import domain
from services.review.domain import Action
from services.review.handlers.common import advance, ensure_step, pack_of, record_step, refuse, reject
from services.review.metrics import REVIEWS
from services.review.queries import drawn_member, expert_of, load, opinion_of, opinions_of
from services.review.schemas import JointReviewConclusion
from services.review.tables import Expert, JointOpinion, ReviewCase
from shared import clock
from shared.auth import Principal, Role
from shared.contracts.review import JointOpinionRecorded
from shared.errors import forbidden
from shared.policy import Pack
from shared.uow import UnitOfWork


def joint_parties(pack: Pack) -> list[str]:
    return list(pack.rule("review.joint_review_panel").params.required)


async def joint_opinion(uow: UnitOfWork, project_id: str, command: Any, principal: Principal) -> ReviewCase:
    """One party's opinion; the parties give theirs in parallel, in any order (quzhou:三(二)1)."""
    case = await load(uow, project_id, for_update=True)
    pack = pack_of(case.jurisdiction)
    ensure_step(case, domain.JOINT_REVIEW_STEP, Action.JOINT_OPINION, pack)
    parties = joint_parties(pack)
    party = next((p for p in parties if p != Role.EXPERT.value and principal.has(Role(p))), None)
    if party == Role.UNIT.value and principal.unit != case.unit:
        raise forbidden(f"unit staff may act only for their own unit ({principal.unit})")
    expert: Expert | None = None
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
    existing = await opinion_of(uow, project_id, party)
    row = existing or JointOpinion(project_id=project_id, party=party, actor=principal.subject, at=clock.now())
    row.agrees, row.comment, row.actor, row.at = command.agrees, command.comment, principal.subject, clock.now()
    uow.session.add(row)
    case.stage = domain.transition(case.stage, Action.JOINT_OPINION, subject=project_id, pack=pack)
    case.updated_at = clock.now()
    await uow.audit(
        subject=project_id,
        action="joint_review.opinion",
        actor=principal,
        detail={"party": party, "agrees": command.agrees},
    )
    # The party's part is done at once: its 待办 closes now, not when the leading office concludes.
    await uow.emit(
        JointOpinionRecorded(
            project_id=project_id,
            unit=case.unit,
            jurisdiction=case.jurisdiction,
            party=Role.EXPERT.value if expert is not None else party,
            expert_id=expert.id if expert is not None else None,
            expert_subject=principal.subject if expert is not None else None,
            agrees=None if case.secret else command.agrees,
            recorded_on=clock.today(),
        )
    )
    return case


async def conclude_joint_review(
    uow: UnitOfWork, project_id: str, command: JointReviewConclusion, principal: Principal
) -> ReviewCase:
    """The leading office concludes: every party heard, the estimate fixed, the opinion decided by the
    leading group; then the DRC has 3 days for the design approval (quzhou:三(二)2)."""
    case = await load(uow, project_id, for_update=True)
    pack = pack_of(case.jurisdiction)
    ensure_step(case, domain.JOINT_REVIEW_STEP, Action.CONCLUDE_JOINT_REVIEW, pack)
    opinions = await opinions_of(uow, project_id)
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
        raise refuse(failures)
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
