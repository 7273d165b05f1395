"""After acceptance: state asset registration (国有资产登记) with the 《国有资产登记汇总表》 (fengxian:第二十七条;
suqian:(七)) and the filing of the acceptance documents (suqian:(七) 验收后资料备案), where the pack has the rule."""

from __future__ import annotations

from services.acceptance import domain
from services.acceptance.domain import Action
from services.acceptance.handlers.common import load_for, refuse_if
from services.acceptance.metrics import ASSETS_REGISTERED
from services.acceptance.queries import DOCUMENT_FILING_STEP, document_filing, has_asset_registration
from services.acceptance.schemas import AssetRegistrationIn, DocumentFilingIn
from services.acceptance.tables import AssetRegistration, StepRecord
from shared import clock
from shared.auth import Principal
from shared.contracts.acceptance import AssetRegistered
from shared.errors import Problem, conflict
from shared.policy import packs
from shared.uow import UnitOfWork, actor_of


async def register_assets(
    uow: UnitOfWork, project_id: str, command: AssetRegistrationIn, principal: Principal
) -> AssetRegistration:
    """国有资产登记 after acceptance with the 《国有资产登记汇总表》 (fengxian:第二十七条; suqian:(七))."""
    project = await load_for(uow, project_id, principal)
    pack = packs.get(project.jurisdiction)
    if not pack.has(domain.ASSET_RULE):
        raise Problem(
            409,
            "not-on-path",
            "本地区规定未要求验收后国有资产登记 / The jurisdiction's rules have no asset registration step",
            f"pack {pack.id} has no rule {domain.ASSET_RULE}",
            stage=project.stage,
        )
    domain.transition(project.stage, Action.REGISTER_ASSETS, subject=project_id, pack=pack)
    if await has_asset_registration(uow, project_id):
        raise conflict(f"the assets of {project_id} are already registered")
    decision = pack.decide(domain.ASSET_RULE, {domain.ASSET_DOCUMENTS_FACT: list(command.documents)})
    refuse_if([decision])
    await uow.record_decision(decision, subject=project_id, action="asset_registration", actor=principal)
    today = clock.today()
    assets = [line.model_dump() for line in command.assets]
    total = sum(line.value_fen for line in command.assets)
    registration = AssetRegistration(
        project_id=project_id,
        registered_on=today,
        documents=list(command.documents),
        assets=assets,
        total_value_fen=total,
        actor=actor_of(principal),
        created_at=clock.now(),
    )
    uow.session.add(registration)
    await uow.audit(
        subject=project_id,
        action="assets.registered",
        actor=principal,
        detail={"assets": len(assets), "total_value_fen": total},
    )
    await uow.emit(
        AssetRegistered(
            project_id=project_id,
            unit=project.unit,
            jurisdiction=project.jurisdiction,
            registered_on=today,
            asset_count=len(assets),
            total_value_fen=total,
            documents=list(command.documents),
            rule_id=decision.rule_id,
            citation=decision.citation,
            secret=project.secret,
        )
    )
    ASSETS_REGISTERED.labels(project.jurisdiction).inc()
    return registration


async def file_documents(
    uow: UnitOfWork, project_id: str, command: DocumentFilingIn, principal: Principal
) -> StepRecord:
    """验收后资料备案 (suqian:(七)): once, after acceptance, with the acceptance documents; the decision names the
    rule and the article, a missing document is a 422 naming them."""
    project = await load_for(uow, project_id, principal)
    pack = packs.get(project.jurisdiction)
    if not pack.has(domain.DOCUMENT_FILING_RULE):
        raise Problem(
            409,
            "not-on-path",
            "本地区规定未要求验收后资料备案 / The jurisdiction's rules have no post-acceptance document filing",
            f"pack {pack.id} has no rule {domain.DOCUMENT_FILING_RULE}",
            stage=project.stage,
        )
    domain.transition(project.stage, Action.FILE_DOCUMENTS, subject=project_id, pack=pack)
    if await document_filing(uow, project_id) is not None:
        raise conflict(f"the acceptance documents of {project_id} are already filed")
    decision = pack.decide(domain.DOCUMENT_FILING_RULE, {domain.FILED_DOCUMENTS_FACT: list(command.documents)})
    refuse_if([decision])
    await uow.record_decision(decision, subject=project_id, action="document_filing", actor=principal)
    record = StepRecord(
        project_id=project_id,
        step=DOCUMENT_FILING_STEP,
        outcome="filed",
        actor=actor_of(principal),
        taken_on=clock.today(),
        detail={"documents": list(command.documents), "rule_id": decision.rule_id, "citation": decision.citation},
        created_at=clock.now(),
    )
    uow.session.add(record)
    await uow.audit(
        subject=project_id, action="documents.filed", actor=principal, detail={"documents": list(command.documents)}
    )
    return record
