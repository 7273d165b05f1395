"""The expert pool (专家库) and its draws: register an expert, draw a panel for a project by seeded
lot among the independent candidates, replace a decliner with the next in drawn order, replay a draw."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from services.review import domain
from services.review.handlers.common import pack_of
from services.review.metrics import DRAWS, EXCLUSIONS
from services.review.queries import expert_linked_to, expert_of, load_draw, members_of, pool_facts, sign_ins_of
from services.review.schemas import DrawRequest, ExpertCreate
from services.review.tables import DrawMember, Expert, ExpertDraw, ReviewCase
from shared import clock
from shared.auth import Principal
from shared.contracts.review import DrawnExpert, ExpertsDrawn
from shared.errors import bad_request, conflict, forbidden, not_found
from shared.ids import new_id
from shared.scope import only_expert
from shared.uow import UnitOfWork


async def create_expert(uow: UnitOfWork, command: ExpertCreate, principal: Principal) -> Expert:
    if command.user_subject and await expert_linked_to(uow, command.user_subject):
        raise conflict(f"the sign-in '{command.user_subject}' is already linked to an expert")
    expert = Expert(
        id=new_id("E", length=10),
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
        id=new_id("D", length=12),
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
    subjects = await sign_ins_of(uow, ids)
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
