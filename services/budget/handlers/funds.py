"""Money for a project: fund releases, the surplus, city–county shares, adjustments."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.budget import domain
from services.budget.domain import Action, Stage
from services.budget.handlers.common import (
    check_unit,
    pack_of,
    record_all,
    refuse,
)
from services.budget.handlers.estimate import new_estimate_revision
from services.budget.metrics import (
    ADJUSTMENTS,
    REFUSED_RELEASES,
    RELEASED_YUAN,
)
from services.budget.queries import (
    active_findings,
    adjustments_of,
    load,
    shares_of,
)
from services.budget.tables import (
    Adjustment,
    ContractRef,
    CostShare,
    FundRelease,
)
from shared import clock
from shared.auth import Principal
from shared.contracts.budget import (
    AdjustmentApproved,
    AdjustmentFiled,
    FundsReleased,
    SurplusReturned,
)
from shared.errors import Problem, Violation, bad_request, conflict, not_found, rule_violations, wrong_stage
from shared.ids import new_id
from shared.locking import locked
from shared.policy import Decision
from shared.uow import UnitOfWork

# --- fund release ------------------------------------------------------------------------------------------


async def released_total(uow: UnitOfWork, *where: sa.ColumnElement[bool]) -> int:
    """Fen released so far by the releases that meet `where` (0 when there are none)."""
    total = await uow.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(col(FundRelease.amount_fen)), 0)).where(*where)
    )
    return int(total or 0)


async def release_funds(
    uow: UnitOfWork,
    project_id: str,
    contract_id: str,
    amount_fen: int,
    principal: Principal,
    *,
    payer: str | None = None,
    adjustment_id: str | None = None,
    progress_percent: int | None = None,
) -> FundRelease:
    project = await load(uow, project_id, for_update=True)
    domain.transition(project.stage, Action.RELEASE_FUNDS, subject=project_id)
    contract = await uow.session.get(ContractRef, contract_id)
    if contract is None or contract.project_id != project_id:
        raise not_found("contract of this project", contract_id)
    pack = pack_of(project.jurisdiction)
    findings = await active_findings(uow, project)
    share_fen, payer_released = None, 0
    shares = await shares_of(uow, project_id)
    if shares:
        by_payer = {s.payer: s for s in shares}
        if payer not in by_payer:
            raise bad_request(
                f"a jointly built project pays per level: payer must be one of {sorted(by_payer)}", field="payer"
            )
        share_fen = by_payer[payer].share_fen
        payer_released = await released_total(
            uow, col(FundRelease.project_id) == project_id, col(FundRelease.payer) == payer
        )
    adjustment = None
    if adjustment_id is not None:
        adjustment = await uow.session.get(Adjustment, adjustment_id)
        if adjustment is None or adjustment.project_id != project_id:
            raise not_found("adjustment of this project", adjustment_id)
    facts = domain.ReleaseFacts(
        amount_fen=amount_fen,
        released_fen=project.released_fen,
        estimate_fen=project.estimate_fen or 0,
        accepted=project.accepted,
        acceptance_documents=tuple(project.acceptance_documents),
        approval_letter_no=project.approval_letter_no,
        supervision_steps=tuple(f.step for f in findings),
        payer_share_fen=share_fen,
        payer_released_fen=payer_released,
        adjustment_major=None if adjustment is None else adjustment.route == "approval",
        adjustment_approved=adjustment is not None and adjustment.status in ("approved", "filed"),
        contract_fen=contract.amount_fen,
        contract_released_fen=await released_total(
            uow, col(FundRelease.project_id) == project_id, col(FundRelease.contract_id) == contract_id
        ),
        progress_percent=progress_percent,
    )
    if pack.has(domain.PAYMENT_BY_PROGRESS) and progress_percent is None:
        rule = pack.rule(domain.PAYMENT_BY_PROGRESS)
        raise bad_request(
            f"this jurisdiction pays by implementation progress ({rule.citation}): give progress_percent",
            field="progress_percent",
            citation=rule.citation,
        )
    decisions = domain.release_decisions(pack, facts)
    refused = domain.failed(decisions)
    if refused:
        violations = []
        for decision in refused:
            REFUSED_RELEASES.labels(decision.rule_id).inc()
            if decision.rule_id == domain.RELEASE_STOPPED:
                # cite the finding's own rule, so the unit sees which supervision step stopped the money
                stopping = {hit["tag"] for hit in decision.value}
                violations += [
                    Violation(
                        rule_id=f.rule_id,
                        citation=f.citation,
                        message_zh=f"监督检查{f.finding_id}已升级至{f.step}：{decision.message_zh}",
                        message_en=f"supervision finding {f.finding_id} reached {f.step}: {decision.message_en}",
                        field="supervision_steps",
                        pack=decision.pack,
                        pack_version=decision.pack_version,
                    )
                    for f in findings
                    if f.step in stopping
                ]
            violations.append(Violation.from_decision(decision))
        raise rule_violations(violations)
    await record_all(uow, decisions, subject=project_id, action="release", actor=principal)
    release = FundRelease(
        id=new_id("R"),
        project_id=project_id,
        contract_id=contract_id,
        amount_fen=amount_fen,
        payer=payer,
        adjustment_id=adjustment_id,
        released_by=principal.subject,
        released_at=clock.now(),
    )
    uow.session.add(release)
    project.released_fen += amount_fen
    project.updated_at = release.released_at
    await uow.audit(
        subject=project_id,
        action="funds.released",
        actor=principal,
        detail={"amount_fen": amount_fen, "contract_id": contract_id, "payer": payer},
    )
    await uow.emit(
        FundsReleased(
            project_id=project_id,
            release_id=release.id,
            contract_id=contract_id,
            amount_fen=amount_fen,
            released_total_fen=project.released_fen,
        )
    )
    RELEASED_YUAN.labels(project.jurisdiction).inc(amount_fen / 100)
    return release


async def return_surplus(uow: UnitOfWork, project_id: str, goals_unchanged: bool, principal: Principal) -> Decision:
    """After acceptance, an unspent estimate with unchanged goals goes back (dazhou:第三十一条)."""
    project = await load(uow, project_id, for_update=True)
    pack = pack_of(project.jurisdiction)
    if not project.accepted:
        raise domain.refusal(project_id, project.stage, Action.RETURN_SURPLUS, pack)
    closed = domain.transition(project.stage, Action.RETURN_SURPLUS, subject=project_id, pack=pack)
    decision = domain.surplus_decision(pack, project.estimate_fen or 0, project.released_fen, goals_unchanged)
    await uow.record_decision(decision, subject=project_id, action="surplus.assessed", actor=principal)
    if decision.value == "return_surplus":
        amount = (project.estimate_fen or 0) - project.released_fen
        project.surplus_returned_fen = amount
        project.stage = closed
        project.updated_at = clock.now()
        await uow.audit(subject=project_id, action="surplus.returned", actor=principal, detail={"amount_fen": amount})
        await uow.emit(
            SurplusReturned(
                project_id=project_id,
                amount_fen=amount,
                released_total_fen=project.released_fen,
                returned_on=clock.today(),
            )
        )
    return decision


# --- city–county shares ------------------------------------------------------------------------------------


async def set_shares(uow: UnitOfWork, project_id: str, shares: list[dict], principal: Principal) -> list[CostShare]:
    """Split a jointly built project's estimate between the levels that bear it (quzhou:三(二)3)."""
    project = await load(uow, project_id, for_update=True)
    pack = pack_of(project.jurisdiction)
    if not pack.has(domain.JOINT_SHARES):
        raise Problem(
            422,
            "not-applicable",
            "本辖区规则无市县共建分级负担 / No city–county cost sharing in this jurisdiction's rules",
            f"pack {pack.id} has no rule {domain.JOINT_SHARES}",
        )
    if project.estimate_fen is None:
        raise wrong_stage(project_id, project.stage, Stage.ESTIMATE_APPROVED.value, "split the shares")
    if project.released_fen:
        raise conflict("funds were already released: the shares can no longer change")
    decision = domain.shares_decision(pack, [s["share_fen"] for s in shares], project.estimate_fen)
    if decision.outcome == "fail":
        raise refuse([decision])
    await uow.record_decision(decision, subject=project_id, action="shares.set", actor=principal)
    await uow.session.execute(sa.delete(CostShare).where(col(CostShare.project_id) == project_id))
    rows = [CostShare(project_id=project_id, **share) for share in shares]
    uow.session.add_all(rows)
    await uow.audit(subject=project_id, action="shares.set", actor=principal, detail={"shares": shares})
    return rows


# --- adjustments -------------------------------------------------------------------------------------------


async def request_adjustment(
    uow: UnitOfWork,
    project_id: str,
    *,
    amount_fen: int,
    adjusted_total_fen: int | None,
    case: str,
    major: bool,
    goals_unchanged: bool,
    description: str,
    principal: Principal,
) -> tuple[Adjustment, domain.AdjustmentRoute]:
    """Filed (备案) when within the approved total and the cumulative share; otherwise pending prior approval."""
    project = await load(uow, project_id, for_update=True)
    check_unit(principal, project)
    pack = pack_of(project.jurisdiction)
    domain.transition(project.stage, Action.ADJUST, subject=project_id, pack=pack)
    if project.estimate_fen is None:
        # accepted without an estimate on the platform: nothing to adjust against
        raise wrong_stage(project_id, project.stage, Stage.ESTIMATE_APPROVED.value, Action.ADJUST.value)
    previous = [a.amount_fen for a in await adjustments_of(uow, project_id) if a.status in ("filed", "approved")]
    total = adjusted_total_fen if adjusted_total_fen is not None else project.estimate_fen
    route = domain.adjustment_route(
        pack,
        approved_total_fen=project.estimate_fen,
        adjusted_total_fen=total,
        amount_fen=amount_fen,
        previous_adjustments_fen=previous,
        goals_unchanged=goals_unchanged,
        case=case,
        major=major,
    )
    now = clock.now()
    adjustment = Adjustment(
        id=new_id("ADJ"),
        project_id=project_id,
        amount_fen=amount_fen,
        adjusted_total_fen=total,
        approved_total_fen=project.estimate_fen,
        case=case,
        major=major,
        goals_unchanged=goals_unchanged,
        description=description,
        route=route.route,
        status="filed" if route.route == "filing" else "pending",
        requested_by=principal.subject,
        requested_at=now,
    )
    uow.session.add(adjustment)
    await record_all(uow, route.decisions, subject=project_id, action=f"adjustment.{route.route}", actor=principal)
    await uow.audit(
        subject=project_id,
        action=f"adjustment.{adjustment.status}",
        actor=principal,
        detail={"adjustment_id": adjustment.id, "amount_fen": amount_fen, "route": route.route},
    )
    if route.route == "filing":
        await uow.emit(
            AdjustmentFiled(
                project_id=project_id,
                adjustment_id=adjustment.id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                amount_fen=amount_fen,
                cumulative_fen=sum(previous) + amount_fen,
                case=case,
                filed_on=now.date(),
            )
        )
    ADJUSTMENTS.labels(route.route).inc()
    return adjustment, route


async def decide_adjustment(
    uow: UnitOfWork, project_id: str, adjustment_id: str, approve: bool, principal: Principal
) -> Adjustment:
    """The bureau's prior approval (第四十四条); an approved total above the estimate is a new estimate revision."""
    project = await load(uow, project_id, for_update=True)
    adjustment = await locked(uow.session, Adjustment, adjustment_id)
    if adjustment is None or adjustment.project_id != project_id:
        raise not_found("adjustment of this project", adjustment_id)
    if adjustment.status != "pending":
        raise wrong_stage(adjustment_id, adjustment.status, "pending", "decide the adjustment")
    adjustment.status = "approved" if approve else "rejected"
    adjustment.decided_by, adjustment.decided_at = principal.subject, clock.now()
    await uow.audit(
        subject=project_id,
        action=f"adjustment.{adjustment.status}",
        actor=principal,
        detail={"adjustment_id": adjustment_id},
    )
    if approve:
        if adjustment.adjusted_total_fen != (project.estimate_fen or 0):
            await new_estimate_revision(uow, project, adjustment.adjusted_total_fen, principal, opinion=adjustment_id)
        await uow.emit(
            AdjustmentApproved(
                project_id=project_id,
                adjustment_id=adjustment_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                amount_fen=adjustment.amount_fen,
                adjusted_total_fen=adjustment.adjusted_total_fen,
                approved_on=clock.today(),
            )
        )
    return adjustment
