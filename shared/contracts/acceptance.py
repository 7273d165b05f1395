"""Events the acceptance service publishes (试运行, 验收)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from shared.contracts.base import EventPayload


class TrialStarted(EventPayload, event_type="acceptance.trial.started.v1"):
    started_on: date


class AcceptanceItem(BaseModel):
    kind: str  # mlps_test, crypto_review, data_dictionary, ...
    passed: bool
    note: str = ""


class ProjectAccepted(EventPayload, event_type="acceptance.project.accepted.v1"):
    """Accepted on the pack's path; `documents` are what payment needs (dazhou:第四十九条)."""

    unit: str
    jurisdiction: str
    path: str
    accepted_on: date
    documents: list[str]
    items: list[AcceptanceItem] = []
    system_name: str | None = None
    secret: bool = False


class ProjectFailed(EventPayload, event_type="acceptance.project.failed.v1"):
    unit: str
    jurisdiction: str
    path: str
    failed_on: date
    items: list[AcceptanceItem] = []
    reason: str = ""
