"""Procurement data in the Open Contracting Data Standard 1.1 (OCDS): releases and a record per project.

Pure: rows in, JSON-ready dicts out. One contracting process (ocid) per project; each step the
platform records is a release (planning, tender, award, contract, contractAmendment, implementation,
contractTermination), and the record's compiled release is the project's current state.
Secret (涉密) projects are never published (dazhou:第六十五条)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from services.procurement.domain import Stage
from services.procurement.tables import (
    Award,
    Bid,
    Contract,
    Incident,
    ProcurementPlan,
    ProcurementProject,
    Sanction,
    Supplement,
    Supplier,
    Tender,
)
from shared.clock import CHINA

VERSION = "1.1"
CURRENCY = "CNY"
OCID_PREFIX = "ocds-govproj-"
RELEASE_SCHEMA = Path(__file__).with_name("release-schema-1__1__5.json")
PUBLISHER = {"name": "政府投资信息化项目管理平台 govproj", "scheme": None}
#: The Unified Social Credit Code register (统一社会信用代码) in org-id.guide.
CREDIT_CODE_SCHEME = "CN-SAMR"

#: Our methods on OCDS's closed procurementMethod codelist, with the Chinese name as the details.
METHODS = {
    "open_tender": ("open", "公开招标"),
    "invited_tender": ("selective", "邀请招标"),
    "competitive_negotiation": ("limited", "竞争性谈判"),
    "competitive_consultation": ("limited", "竞争性磋商"),
    "single_source": ("direct", "单一来源采购"),
    "request_for_quotation": ("limited", "询价"),
    "framework": ("selective", "框架协议采购"),
    "central_volume": ("open", "集中带量采购"),
    "self_organised": ("limited", "国有企业自行组织采购"),
}


@dataclass
class Bundle:
    """Everything procurement holds about one project."""

    project: ProcurementProject
    plans: list[ProcurementPlan] = field(default_factory=list)
    tenders: list[Tender] = field(default_factory=list)
    bids: dict[str, list[Bid]] = field(default_factory=dict)  # by tender id
    awards: dict[str, Award] = field(default_factory=dict)  # by tender id
    suppliers: dict[str, Supplier] = field(default_factory=dict)  # by supplier id
    contracts: list[Contract] = field(default_factory=list)
    supplements: list[Supplement] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    sanctions: list[Sanction] = field(default_factory=list)


def ocid(project_id: str) -> str:
    return OCID_PREFIX + project_id


def yuan(fen: int) -> float:
    """OCDS `amount` is a JSON number in the currency's unit. Fen stay integers everywhere else; the
    shortest repr of fen/100 is the exact two-decimal figure for any amount below 2**53 fen."""
    return fen / 100


def value(fen: int) -> dict[str, Any]:
    return {"amount": yuan(fen), "currency": CURRENCY}


def moment(day: date | datetime) -> str:
    """An OCDS date-time: a date is midnight China time."""
    if isinstance(day, datetime):
        return as_moment(day).isoformat()
    return f"{day.isoformat()}T00:00:00+08:00"


def as_moment(day: date | datetime) -> datetime:
    """For ordering: a date is midnight China time, like `moment`."""
    if isinstance(day, datetime):
        return day if day.tzinfo else day.replace(tzinfo=UTC)
    return datetime.combine(day, time(), tzinfo=CHINA)


def buyer(project: ProcurementProject) -> dict[str, Any]:
    return {"id": f"unit-{project.unit}", "name": project.unit}


def supplier_ref(bundle: Bundle, supplier_id: str | None, name: str) -> dict[str, Any]:
    row = bundle.suppliers.get(supplier_id or "")
    if row is None:
        return {"id": f"supplier-{name}", "name": name}
    return {
        "id": row.id,
        "name": row.name,
        "identifier": {"scheme": CREDIT_CODE_SCHEME, "id": row.credit_code, "legalName": row.name},
    }


def parties(bundle: Bundle) -> list[dict[str, Any]]:
    project = bundle.project
    roles = ["buyer", "procuringEntity"]
    listed: dict[str, dict[str, Any]] = {}
    organisers = {step for plan in bundle.plans for step in plan.steps[-1:]}
    if "procurement_center" in organisers:
        roles = ["buyer"]
        listed["procurement-centre"] = {
            "id": "procurement-centre",
            "name": "政府采购中心 (procurement centre)",
            "roles": ["procuringEntity"],
        }
    listed[buyer(project)["id"]] = {**buyer(project), "roles": roles}

    def add(ref: dict[str, Any], role: str) -> None:
        entry = listed.setdefault(ref["id"], {**ref, "roles": []})
        if role not in entry["roles"]:
            entry["roles"].append(role)

    for bids in bundle.bids.values():
        for bid in bids:
            add(supplier_ref(bundle, bid.supplier_id, bid.supplier_id), "tenderer")
    for contract in bundle.contracts:
        add(supplier_ref(bundle, contract.supplier_id, contract.supplier), "supplier")
    return list(listed.values())


def _method(code: str) -> dict[str, Any]:
    if code not in METHODS:
        return {}
    method, details = METHODS[code]
    return {"procurementMethod": method, "procurementMethodDetails": details}


def planning(bundle: Bundle, plan: ProcurementPlan) -> dict[str, Any]:
    project = bundle.project
    budget: dict[str, Any] = {
        "id": plan.id,
        "description": f"采购预算 (cycle {plan.cycle})",
        "amount": value(plan.budget_fen),
        "projectID": project.project_id,
    }
    if project.title:
        budget["project"] = project.title
    result: dict[str, Any] = {"budget": budget}
    if project.approval_letter_no:
        result["rationale"] = f"立项批复 {project.approval_letter_no}; 概算 {yuan(project.ceiling_fen or 0)} 元"
    return result


def tender_section(bundle: Bundle, tender: Tender) -> dict[str, Any]:
    bids = bundle.bids.get(tender.id, [])
    status = {"open": "active", "awarded": "complete", "cancelled": "cancelled"}.get(tender.status, "active")
    section = {
        "id": tender.id,
        "title": tender.title,
        "status": status,
        "value": value(tender.ceiling_fen),
        "mainProcurementCategory": "services",
        "tenderPeriod": {"startDate": moment(tender.published_on), "endDate": moment(tender.bid_deadline)},
        "numberOfTenderers": len(bids),
        "tenderers": [supplier_ref(bundle, bid.supplier_id, bid.supplier_id) for bid in bids],
        **_method(tender.method),
    }
    return section


def planned_tender(plan: ProcurementPlan) -> dict[str, Any]:
    return {"id": plan.id, "status": "planning", "value": value(plan.budget_fen), **_method(plan.method)}


def award_section(bundle: Bundle, award: Award) -> dict[str, Any]:
    winner = bundle.suppliers.get(award.supplier_id)
    return {
        "id": award.id,
        "status": "active",
        "date": moment(award.awarded_on),
        "value": value(award.amount_fen),
        "suppliers": [supplier_ref(bundle, award.supplier_id, winner.name if winner else award.supplier_id)],
    }


def outside_award(bundle: Bundle, contract: Contract) -> dict[str, Any]:
    """OCDS ties every contract to an award: a contract procured outside the platform gets its own."""
    return {
        "id": f"{contract.id}-award",
        "title": "平台外采购 (procured outside the platform)",
        "status": "active",
        "date": moment(contract.signed_on),
        "value": value(contract.amount_fen),
        "suppliers": [supplier_ref(bundle, contract.supplier_id, contract.supplier)],
    }


def contract_section(
    bundle: Bundle, contract: Contract, supplements: Iterable[Supplement], *, with_implementation: bool
) -> dict[str, Any]:
    project = bundle.project
    approved = [s for s in supplements if s.status == "approved"]
    total = contract.amount_fen + sum(s.amount_fen for s in approved)
    terminated = Stage(project.stage).terminal
    section: dict[str, Any] = {
        "id": contract.id,
        "awardID": contract.award_id or f"{contract.id}-award",
        "status": "terminated" if terminated and with_implementation else "active",
        "period": {"startDate": moment(contract.signed_on), "endDate": moment(contract.planned_completion)},
        "value": value(total),
        "dateSigned": moment(contract.signed_on),
    }
    if approved:
        section["amendments"] = [
            {
                "id": s.id,
                "date": moment(s.decided_on or s.requested_at),
                "rationale": s.reason or "补充合同 supplementary contract (dazhou:第四十三条)",
                "description": f"+{yuan(s.amount_fen)} 元; cumulative {yuan(s.cumulative_fen)} 元",
            }
            for s in approved
        ]
    if with_implementation:
        section["implementation"] = implementation(bundle, contract)
    return section


def implementation(bundle: Bundle, contract: Contract) -> dict[str, Any]:
    project = bundle.project
    milestones: list[dict[str, Any]] = []
    if contract.construction_due is not None:
        done = project.construction_completed_on
        due = contract.construction_due
        status = "scheduled" if done is None else ("met" if done <= due else "notMet")
        milestone = {
            "id": f"{contract.id}-construction",
            "title": "建设完成 construction complete (dazhou:第四十二条)",
            "type": "delivery",
            "dueDate": moment(due),
            "status": status,
        }
        if done is not None:
            milestone["dateMet"] = moment(done)
        milestones.append(milestone)
    for incident in bundle.incidents:
        milestones.append(
            {
                "id": incident.id,
                "title": f"{incident.kind} reported → {incident.handling}",
                "type": "reporting",
                "description": incident.description or incident.kind,
                "dueDate": moment(incident.rectification_due or incident.reported_on),
                "status": "scheduled" if incident.rectification_due else "met",
            }
        )
    return {"milestones": milestones}


def _release(bundle: Bundle, release_id: str, day: date | datetime, tags: list[str], **sections: Any) -> dict[str, Any]:
    project = bundle.project
    release = {
        "ocid": ocid(project.project_id),
        "id": release_id,
        "date": moment(day),
        "tag": tags,
        "initiationType": "tender",
        "language": "zh",
        "parties": parties(bundle),
        "buyer": buyer(project),
    }
    release.update({key: section for key, section in sections.items() if section is not None})
    return release


def releases(bundle: Bundle) -> list[dict[str, Any]]:
    """Every release of the project's contracting process, oldest first."""
    out: list[tuple[datetime | date, dict[str, Any]]] = []
    by_contract: dict[str, list[Supplement]] = {}
    for s in bundle.supplements:
        by_contract.setdefault(s.contract_id, []).append(s)
    for plan in bundle.plans:
        out.append(
            (
                plan.filed_at,
                _release(
                    bundle,
                    f"{plan.id}-planning",
                    plan.filed_at,
                    ["planning"],
                    planning=planning(bundle, plan),
                    tender=planned_tender(plan),
                ),
            )
        )
    for tender in bundle.tenders:
        out.append(
            (
                tender.published_at,
                _release(
                    bundle,
                    f"{tender.id}-tender",
                    tender.published_at,
                    ["tender"],
                    tender=tender_section(bundle, tender),
                ),
            )
        )
        award = bundle.awards.get(tender.id)
        if award is not None:
            out.append(
                (
                    award.awarded_at,
                    _release(
                        bundle,
                        f"{award.id}-award",
                        award.awarded_at,
                        ["award"],
                        awards=[award_section(bundle, award)],
                    ),
                )
            )
    for contract in bundle.contracts:
        awards = None if contract.award_id else [outside_award(bundle, contract)]
        out.append(
            (
                contract.registered_at,
                _release(
                    bundle,
                    f"{contract.id}-contract",
                    contract.registered_at,
                    ["contract"],
                    awards=awards,
                    contracts=[contract_section(bundle, contract, [], with_implementation=False)],
                ),
            )
        )
        for supplement in by_contract.get(contract.id, []):
            if supplement.status != "approved":
                continue
            earlier = [s for s in by_contract[contract.id] if s.requested_at <= supplement.requested_at]
            out.append(
                (
                    supplement.requested_at,
                    _release(
                        bundle,
                        f"{supplement.id}-amendment",
                        supplement.decided_on or supplement.requested_at,
                        ["contractAmendment"],
                        contracts=[contract_section(bundle, contract, earlier, with_implementation=False)],
                    ),
                )
            )
    if bundle.contracts:
        latest = bundle.contracts[-1]
        tags = ["contractTermination"] if Stage(bundle.project.stage).terminal else ["implementation"]
        # the implementation release is the newest state: dated by the latest change of anything in it
        day = max([bundle.project.updated_at, *(as_moment(day) for day, _ in out)], key=as_moment)
        out.append(
            (
                day,
                _release(
                    bundle,
                    f"{latest.id}-{tags[0]}-{as_moment(day):%Y%m%d%H%M%S}",
                    day,
                    tags,
                    contracts=[
                        contract_section(bundle, c, by_contract.get(c.id, []), with_implementation=True)
                        for c in bundle.contracts
                    ],
                ),
            )
        )
    out.sort(key=lambda pair: as_moment(pair[0]))
    return [release for _, release in out]


def compiled_release(bundle: Bundle) -> dict[str, Any]:
    """The project's current state as one release (the record's `compiledRelease`)."""
    project = bundle.project
    by_contract: dict[str, list[Supplement]] = {}
    for s in bundle.supplements:
        by_contract.setdefault(s.contract_id, []).append(s)
    awards = [award_section(bundle, a) for t in bundle.tenders if (a := bundle.awards.get(t.id))]
    awards += [outside_award(bundle, c) for c in bundle.contracts if not c.award_id]
    tender = None
    if bundle.tenders:
        tender = tender_section(bundle, bundle.tenders[-1])
    elif bundle.plans:
        tender = planned_tender(bundle.plans[-1])
    return _release(
        bundle,
        f"{ocid(project.project_id)}-compiled",
        project.updated_at,
        ["compiled"],
        planning=planning(bundle, bundle.plans[-1]) if bundle.plans else None,
        tender=tender,
        awards=awards or None,
        contracts=[
            contract_section(bundle, c, by_contract.get(c.id, []), with_implementation=True) for c in bundle.contracts
        ]
        or None,
    )


def record(bundle: Bundle) -> dict[str, Any]:
    return {
        "ocid": ocid(bundle.project.project_id),
        "releases": releases(bundle),
        "compiledRelease": compiled_release(bundle),
    }


def package(
    kind: str, items: list[dict[str, Any]], uri: str, published: datetime, next_uri: str | None
) -> dict[str, Any]:
    """A release package (`kind="releases"`) or a record package (`kind="records"`)."""
    body: dict[str, Any] = {
        "uri": uri,
        "version": VERSION,
        "publishedDate": moment(published),
        "publisher": {"name": PUBLISHER["name"]},
        kind: items,
    }
    if next_uri:
        body["links"] = {"next": next_uri}
    return body
