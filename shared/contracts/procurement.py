"""Events the procurement service publishes (采购计划, 招标, 合同, 补充合同, 建设进度).

Secret (涉密) projects (dazhou:第六十五条): no supplier names, titles or reasons leave the service;
amounts and dates stay because budget and acceptance act on them."""

from __future__ import annotations

from datetime import date

from shared.contracts.base import EventPayload


class PlanFiled(EventPayload, event_type="procurement.plan.filed.v1"):
    """The procurement plan was filed (政府采购计划备案, dazhou:第四十条); `route` is who organises it."""

    unit: str
    jurisdiction: str
    cycle: int
    method: str
    route: str
    budget_fen: int
    filed_on: date


class TenderAwarded(EventPayload, event_type="procurement.tender.awarded.v1"):
    tender_id: str
    award_id: str
    unit: str
    jurisdiction: str
    supplier: str
    amount_fen: int
    awarded_on: date


class ContractSigned(EventPayload, event_type="procurement.contract.signed.v1"):
    contract_id: str
    unit: str
    jurisdiction: str
    supplier: str
    amount_fen: int
    signed_on: date
    planned_completion: date
    #: How the contract was procured: `platform_tender` (tender and award here) or `outside_platform`.
    procured_via: str = "outside_platform"
    procurement_method: str = "unspecified"
    cycle: int = 1
    #: The construction deadline (dazhou:第四十二条), counted from `signed_on` by the pack.
    construction_due: date | None = None


class SupplementApproved(EventPayload, event_type="procurement.supplement.approved.v1"):
    """A supplementary contract (补充合同) within the cap, approved by its last authority step (dazhou:第四十三条)."""

    supplement_id: str
    contract_id: str
    unit: str
    jurisdiction: str
    amount_fen: int
    cumulative_fen: int
    original_contract_fen: int
    authority_steps: list[str]
    rule_id: str
    citation: str
    article: str | None = None  # the whole article when `citation` names its band (additive)
    approved_on: date


class SupplementRejected(EventPayload, event_type="procurement.supplement.rejected.v1"):
    """Refused by an authority step, or over the cumulative cap (then `restart_required` and a new cycle opens)."""

    supplement_id: str
    contract_id: str
    unit: str
    jurisdiction: str
    amount_fen: int
    reason: str  # cap_exceeded | refused
    restart_required: bool = False
    new_cycle: int | None = None
    rule_id: str
    citation: str
    article: str | None = None  # the whole article when `citation` names its band (additive)
    rejected_on: date


class ProcedureRestarted(EventPayload, event_type="procurement.procedure.restarted.v1"):
    """Supplements above the cap: the basic procedure (立项, 概算, 预算评审, 采购, 验收) runs again
    (dazhou:第四十三条)."""

    unit: str
    jurisdiction: str
    cycle: int
    rule_id: str
    citation: str
    restarted_on: date


class ProjectDelayed(EventPayload, event_type="procurement.project.delayed.v1"):
    """Serious delay or major loss reported (dazhou:第四十六条); `handling` is the pack's route."""

    unit: str
    jurisdiction: str
    kind: str  # serious_delay | major_loss | construction_overdue
    handling: str
    rule_id: str
    citation: str
    reported_on: date


class ProjectSuspended(EventPayload, event_type="procurement.project.suspended.v1"):
    """Construction suspended: by the bureau after a report (dazhou:第四十六条) or by a supervision finding
    (dazhou:第五十三条); new contracts and supplements are refused until it is lifted."""

    unit: str
    jurisdiction: str
    cause: str  # bureau | finding
    finding_id: str | None = None
    rule_id: str
    citation: str
    suspended_on: date


class ProjectResumed(EventPayload, event_type="procurement.project.resumed.v1"):
    unit: str
    jurisdiction: str
    finding_id: str | None = None
    resumed_on: date


class ProjectTerminated(EventPayload, event_type="procurement.project.terminated.v1"):
    """Terminated with the city's approval (dazhou:第四十六条) or at the last step of a finding (dazhou:第五十三条)."""

    unit: str
    jurisdiction: str
    cause: str  # approved_request | finding
    finding_id: str | None = None
    approval_ref: str | None = None
    rule_id: str
    citation: str
    terminated_on: date
