"""What every procurement command shares: ids, the pack, recording decisions, refusals and guards."""

from __future__ import annotations

from services.procurement import domain
from services.procurement.domain import Stage
from services.procurement.queries import (
    active_sanctions,
)
from services.procurement.tables import (
    ProcurementProject,
)
from shared.auth import Principal, Role
from shared.errors import Problem, Violation, forbidden, rule_violations, wrong_stage
from shared.policy import Decision, Pack, packs
from shared.uow import UnitOfWork


def pack_of(project: ProcurementProject) -> Pack:
    return packs.get(project.jurisdiction)


async def record(uow: UnitOfWork, decisions: list[Decision], subject: str, action: str, actor: Principal | str) -> None:
    for decision in decisions:
        await uow.record_decision(decision, subject=subject, action=action, actor=actor)


def refuse(decisions: list[Decision]) -> None:
    failed = domain.blocking(decisions)
    if failed:
        raise rule_violations([Violation.from_decision(d) for d in failed])


def masked(project: ProcurementProject, text: str) -> str:
    """No content of a secret (涉密) project leaves the service (dazhou:第六十五条)."""
    return "" if project.secret else text


async def ensure_open(uow: UnitOfWork, project: ProcurementProject, action: str) -> None:
    """A terminated project takes no step (409); a suspended one is refused with the suspension's citation."""
    if Stage(project.stage).terminal:
        raise wrong_stage(project.project_id, project.stage, "not terminated", action)
    active = await active_sanctions(uow, project.project_id)
    if active:
        raise rule_violations(
            [
                Violation(
                    rule_id=s.rule_id,
                    citation=s.citation,
                    message_zh=f"项目已暂停建设（{s.reason or s.cause}），不得{ACTION_ZH.get(action, action)}",
                    message_en=f"the project is suspended ({s.reason or s.cause}); no {action} until it is lifted",
                    field="project",
                )
                for s in active
            ],
            detail=f"project {project.project_id} is suspended",
        )


ACTION_ZH = {
    "contract": "登记新合同",
    "supplement": "签订补充合同",
    "supplement approval": "审定补充合同",
    "tender": "发布招标",
    "plan": "备案采购计划",
    "award": "确定中标",
}


def ensure_role(principal: Principal, role: str, citation: str, what: str) -> None:
    if not principal.has(Role(role)):
        raise forbidden(
            f"{what} is for '{role}' ({citation}); your roles are {sorted(principal.roles)}",
            citation=citation,
            required_role=role,
        )


def date_problem(field_name: str, detail: str) -> Problem:
    return Problem(422, "validation", "日期先后顺序不对 / Dates out of order", detail, field=field_name)


def unknown_supplier(supplier_id: str, detail: str, citation: str) -> Problem:
    return Problem(
        422,
        "unknown-supplier",
        "供应商不明 / Unknown supplier",
        detail,
        field="supplier_id",
        supplier_id=supplier_id,
        citation=citation,
    )
