"""Events the acceptance service publishes (试运行, 验收, 国有资产登记)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from shared.contracts.base import EventPayload


class TrialStarted(EventPayload, event_type="acceptance.trial.started.v1"):
    started_on: date


class AcceptanceItem(BaseModel):
    kind: str  # mlps_test, crypto_review, secure_reliable_products, data_dictionary, ...
    passed: bool
    note: str = ""


class ProjectAccepted(EventPayload, event_type="acceptance.project.accepted.v1"):
    """Accepted on the pack's path; `documents` are what payment needs (dazhou:第四十九条).
    A secret (涉密) project carries no system name and no items (dazhou:第六十五条)."""

    unit: str
    jurisdiction: str
    path: str
    accepted_on: date
    documents: list[str]
    items: list[AcceptanceItem] = []
    system_name: str | None = None
    secret: bool = False
    steps: list[str] = []  # the path's steps, all done
    rule_id: str | None = None  # the path rule and its citation
    citation: str | None = None
    pack_version: str | None = None


class ProjectFailed(EventPayload, event_type="acceptance.project.failed.v1"):
    unit: str
    jurisdiction: str
    path: str
    failed_on: date
    items: list[AcceptanceItem] = []
    reason: str = ""
    secret: bool = False
    # Rectify and re-apply (fengxian:第二十六条): the step the project returns to, else the failure is final.
    may_reapply: bool = False
    next_step: str | None = None
    citation: str | None = None


class AssetRegistered(EventPayload, event_type="acceptance.asset.registered.v1"):
    """State assets of an accepted project registered (国有资产登记, fengxian:第二十七条; suqian:(七))."""

    unit: str
    jurisdiction: str
    registered_on: date
    asset_count: int
    total_value_fen: int
    documents: list[str] = []
    rule_id: str
    citation: str
    secret: bool = False


class StepCompleted(EventPayload, event_type="acceptance.step.completed.v1"):
    """One step of the acceptance path done (验收前置核准, 初验, 终验申请, 验收申请, 组织验收, 保密办审批 ...)
    with the step now waiting; the last step is `acceptance.project.accepted` instead."""

    unit: str
    jurisdiction: str
    path: str
    step: str
    next_step: str | None
    completed_on: date
    secret: bool = False
