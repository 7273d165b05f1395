"""Commands on contracts: registering one, supplementary contracts against the cap and their approval steps."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import col

from services.procurement import domain
from services.procurement.domain import Action
from services.procurement.handlers.common import (
    date_problem,
    ensure_open,
    masked,
    pack_of,
    record,
    refuse,
    unknown_supplier,
)
from services.procurement.metrics import (
    CONTRACTS,
    CONTRACTS_BY_ROUTE,
    SUPPLEMENT_RATIO,
    SUPPLEMENTS,
)
from services.procurement.queries import (
    contracts_of,
    live_supplements_fen,
    load,
    plan_of,
    steps_of,
    supplier,
)
from services.procurement.schemas import (
    ContractCreate,
    Method,
    SupplementCreate,
)
from services.procurement.tables import (
    Award,
    Contract,
    Supplement,
    SupplementStep,
    Tender,
)
from shared import clock
from shared.auth import Principal, Role
from shared.contracts.procurement import (
    ContractSigned,
    ProcedureRestarted,
    SupplementApproved,
    SupplementRejected,
)
from shared.errors import Problem, Violation, conflict, forbidden, not_found, rule_violations
from shared.ids import new_id
from shared.locking import locked
from shared.uow import UnitOfWork


@dataclass
class Registered:
    contract: Contract
    warnings: list[str] = field(default_factory=list)


async def register_contract(
    uow: UnitOfWork, project_id: str, command: ContractCreate, principal: Principal
) -> Registered:
    project = await load(uow, project_id, for_update=True)
    await ensure_open(uow, project, "contract")
    pack = pack_of(project)
    next_stage = domain.transition(project.stage, Action.REGISTER_CONTRACT, subject=project_id, pack=pack)
    plan = await plan_of(uow, project)
    supplier_name = command.supplier
    supplier_id = None
    procured_via, method = "outside_platform", (command.procurement_method or Method.UNSPECIFIED).value
    award = None
    if command.award_id is not None:
        award = await uow.session.get(Award, command.award_id)
        if award is None or award.project_id != project_id:
            raise not_found("award", command.award_id)
        if award.cycle != project.cycle:
            raise conflict(f"award {award.id} belongs to an earlier procurement cycle", cycle=award.cycle)
        if await uow.session.scalar(sa.select(col(Contract.id)).where(col(Contract.award_id) == award.id)) is not None:
            raise conflict(f"award {award.id} already has a contract")
        winner = await supplier(uow, award.supplier_id)
        assert winner is not None
        if supplier_name is not None and supplier_name != winner.name:
            raise unknown_supplier(
                award.supplier_id,
                f"the award went to '{winner.name}', not '{supplier_name}'",
                pack.rule(domain.PERIOD_RULE).citation,
            )
        if command.amount_fen != award.amount_fen:
            raise Problem(
                422,
                "contract-award-mismatch",
                "合同金额与中标金额不一致 / Contract amount differs from the award",
                f"the contract follows the award of {award.amount_fen} fen ({pack.rule(domain.PERIOD_RULE).citation})",
                field="amount_fen",
                citation=pack.rule(domain.PERIOD_RULE).citation,
            )
        if command.signed_on < award.awarded_on:
            raise date_problem("signed_on", f"the contract is signed on or after the award ({award.awarded_on})")
        tender = await uow.session.get(Tender, award.tender_id)
        supplier_name, supplier_id = winner.name, winner.id
        procured_via, method = "platform_tender", tender.method if tender else method
    assert supplier_name is not None
    contracted = sum(c.amount_fen for c in await contracts_of(uow, project_id) if c.cycle == project.cycle)
    decisions = domain.ceiling_decisions(pack, contracted + command.amount_fen, project.ceiling_fen)
    supervisor = command.supervisor or (plan.supervisor if plan else None)
    decisions += domain.supervision_decisions(
        pack, major_project=plan.major_project if plan else False, supervisor=supervisor
    )
    period, due = domain.construction_period(pack, command.signed_on, command.planned_completion)
    decisions.append(period)
    if domain.blocking(decisions):
        CONTRACTS.labels(project.jurisdiction, "refused").inc()
        refuse(decisions)
    contract = Contract(
        id=new_id("C"),
        project_id=project_id,
        supplier=supplier_name,
        amount_fen=command.amount_fen,
        signed_on=command.signed_on,
        planned_completion=command.planned_completion,
        cycle=project.cycle,
        award_id=command.award_id,
        supplier_id=supplier_id,
        procured_via=procured_via,
        procurement_method=method,
        supervisor=supervisor,
        construction_due=due,
        registered_by=principal.subject,
        registered_at=clock.now(),
    )
    uow.session.add(contract)
    await record(uow, decisions, project_id, "contract", principal)
    if project.construction_due is None or due > project.construction_due:
        project.construction_due = due
        await uow.open_deadline(
            subject=project_id,
            decision=period,
            due_on=due,
            description=f"建设周期 construction of contract {contract.id} due {due}",
        )
    project.stage = next_stage
    project.updated_at = contract.registered_at
    await uow.audit(
        subject=project_id,
        action="contract.signed",
        actor=principal,
        detail={"contract_id": contract.id, "procured_via": procured_via, "method": method},
    )
    await uow.emit(
        ContractSigned(
            project_id=project_id,
            contract_id=contract.id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            supplier=masked(project, contract.supplier),
            amount_fen=contract.amount_fen,
            signed_on=contract.signed_on,
            planned_completion=contract.planned_completion,
            procured_via=procured_via,
            procurement_method=method,
            cycle=contract.cycle,
            construction_due=due,
        )
    )
    CONTRACTS.labels(project.jurisdiction, "signed").inc()
    CONTRACTS_BY_ROUTE.labels(project.jurisdiction, procured_via).inc()
    warnings = [d.message_zh + " / " + d.message_en for d in decisions if d.outcome == "fail"]
    return Registered(contract, warnings)


# --- supplementary contracts ---------------------------------------------------------------------


@dataclass
class SupplementOutcome:
    supplement: Supplement
    steps: list[SupplementStep]
    refusal: Problem | None = None  # over the cap: committed (new cycle), answered as a 422


async def request_supplement(
    uow: UnitOfWork, contract_id: str, command: SupplementCreate, principal: Principal
) -> SupplementOutcome:
    """补充合同 (dazhou:第四十三条): within the cumulative cap it goes to its authority; above it the
    procedure restarts — the supplement is refused and the project opens a new cycle."""
    contract = await uow.session.get(Contract, contract_id)
    if contract is None:
        raise not_found("contract (a supplement needs its original contract)", contract_id)
    project = await load(uow, contract.project_id, for_update=True)
    await ensure_open(uow, project, "supplement")
    pack = pack_of(project)
    if contract.cycle != project.cycle:
        raise domain.refusal(project.project_id, project.stage, Action.REQUEST_SUPPLEMENT, pack)
    domain.transition(project.stage, Action.REQUEST_SUPPLEMENT, subject=project.project_id, pack=pack)
    previous = await live_supplements_fen(uow, contract_id)
    cap = domain.supplement_cap(pack, command.amount_fen, previous, contract.amount_fen)
    cumulative = previous + command.amount_fen
    SUPPLEMENT_RATIO.labels(project.jurisdiction).observe(
        float(domain.supplement_ratio(cumulative, contract.amount_fen))
    )
    now, today = clock.now(), clock.today()
    supplement = Supplement(
        id=new_id("SC"),
        project_id=project.project_id,
        contract_id=contract_id,
        amount_fen=command.amount_fen,
        cumulative_fen=cumulative,
        original_contract_fen=contract.amount_fen,
        reason=command.reason,
        requested_by=principal.subject,
        requested_at=now,
    )
    uow.session.add(supplement)
    await uow.record_decision(cap, subject=project.project_id, action="supplement", actor=principal)
    if cap.outcome == "fail":
        supplement.status = "cap_exceeded"
        supplement.decided_on = today
        project.cycle += 1
        project.stage = domain.transition(project.stage, Action.RESTART, subject=project.project_id)
        # the new cycle tenders under a control price finance reviews again (财政预算评审, dazhou:第四十三条)
        project.control_price_fen = None
        project.updated_at = now
        await uow.audit(
            subject=project.project_id,
            action="procedure.restarted",
            actor=principal,
            detail={"supplement_id": supplement.id, "cycle": project.cycle, "citation": cap.citation},
        )
        await uow.emit(
            SupplementRejected(
                project_id=project.project_id,
                supplement_id=supplement.id,
                contract_id=contract_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                amount_fen=command.amount_fen,
                reason="cap_exceeded",
                restart_required=True,
                new_cycle=project.cycle,
                rule_id=cap.rule_id,
                citation=cap.citation,
                rejected_on=today,
            )
        )
        await uow.emit(
            ProcedureRestarted(
                project_id=project.project_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                cycle=project.cycle,
                rule_id=cap.rule_id,
                citation=cap.citation,
                restarted_on=today,
            )
        )
        SUPPLEMENTS.labels(project.jurisdiction, "restart", "cap_exceeded").inc()
        refusal = rule_violations(
            [Violation.from_decision(cap)],
            detail=(
                f"{cap.citation}: supplements would total {cumulative} fen, above the cap of the original "
                f"{contract.amount_fen} fen; the basic procedure restarts as cycle {project.cycle}"
            ),
        )
        refusal.extensions.update(
            restart_required=True, new_cycle=project.cycle, stage=project.stage, supplement_id=supplement.id
        )
        return SupplementOutcome(supplement, [], refusal)
    authority = domain.supplement_authority(pack, command.amount_fen)
    await uow.record_decision(authority, subject=project.project_id, action="supplement.route", actor=principal)
    steps = [
        SupplementStep(supplement_id=supplement.id, position=position, role=role)
        for position, role in enumerate(authority.value, start=1)
    ]
    uow.session.add_all(steps)
    await uow.audit(
        subject=project.project_id,
        action="supplement.requested",
        actor=principal,
        detail={"supplement_id": supplement.id, "amount_fen": command.amount_fen, "steps": authority.value},
    )
    SUPPLEMENTS.labels(project.jurisdiction, authority.value[-1], "requested").inc()
    return SupplementOutcome(supplement, steps)


async def load_supplement(uow: UnitOfWork, supplement_id: str, *, for_update: bool = False) -> Supplement:
    if for_update:
        row = await locked(uow.session, Supplement, supplement_id)
    else:
        row = await uow.session.get(Supplement, supplement_id)
    if row is None:
        raise not_found("supplementary contract", supplement_id)
    return row


async def decide_supplement_step(
    uow: UnitOfWork, supplement_id: str, approve: bool, comment: str, principal: Principal
) -> SupplementOutcome:
    """A leader acts on the supplement's next authority step, in the pack's order (dazhou:第四十三条)."""
    supplement = await load_supplement(uow, supplement_id, for_update=True)
    project = await load(uow, supplement.project_id, for_update=True)
    if supplement.status != "pending_approval":
        raise conflict(f"supplement {supplement_id} is {supplement.status}", supplement_status=supplement.status)
    await ensure_open(uow, project, "supplement approval")
    pack = pack_of(project)
    rule = pack.rule(domain.AUTHORITY_RULE)
    # the amount band that routed the supplement is what a refusal or an approval cites (issue 19 §3)
    band = domain.supplement_authority(pack, supplement.amount_fen)
    steps = await steps_of(uow, supplement_id)
    step = domain.next_pending(steps)
    assert step is not None  # a pending supplement has a pending step
    if not principal.has(Role(step.role)):
        raise forbidden(
            f"the next approval step is '{step.role}' ({band.citation}); your roles are {sorted(principal.roles)}",
            citation=band.citation,
            article=rule.citation,
            next_step=step.role,
        )
    now, today = clock.now(), clock.today()
    step.status = "approved" if approve else "rejected"
    step.decided_by = principal.subject
    step.decided_at = now
    step.comment = comment
    await uow.audit(
        subject=project.project_id,
        action=f"supplement.{step.role}.{step.status}",
        actor=principal,
        detail={"supplement_id": supplement_id, "comment": comment},
    )
    authority = steps[-1].role
    if not approve:
        supplement.status = "rejected"
        supplement.decided_on = today
        await uow.emit(
            SupplementRejected(
                project_id=project.project_id,
                supplement_id=supplement_id,
                contract_id=supplement.contract_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                amount_fen=supplement.amount_fen,
                reason="refused",
                rule_id=rule.id,
                citation=band.citation,
                article=rule.citation,
                rejected_on=today,
            )
        )
        SUPPLEMENTS.labels(project.jurisdiction, authority, "rejected").inc()
    elif domain.next_pending(steps) is None:
        supplement.status = "approved"
        supplement.decided_on = today
        await uow.emit(
            SupplementApproved(
                project_id=project.project_id,
                supplement_id=supplement_id,
                contract_id=supplement.contract_id,
                unit=project.unit,
                jurisdiction=project.jurisdiction,
                amount_fen=supplement.amount_fen,
                cumulative_fen=supplement.cumulative_fen,
                original_contract_fen=supplement.original_contract_fen,
                authority_steps=[s.role for s in steps],
                rule_id=rule.id,
                citation=band.citation,
                article=rule.citation,
                approved_on=today,
            )
        )
        SUPPLEMENTS.labels(project.jurisdiction, authority, "approved").inc()
    return SupplementOutcome(supplement, steps)
