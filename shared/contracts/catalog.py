"""Events the catalog service publishes (系统目录, sanctions)."""

from __future__ import annotations

from datetime import date

from shared.contracts.base import EventPayload


class SystemRegistered(EventPayload, event_type="catalog.system.registered.v1"):
    system_id: str
    unit: str
    jurisdiction: str
    name: str | None = None  # None for a secret system
    registered_on: date


class UnitSanctioned(EventPayload, event_type="catalog.unit.sanctioned.v1"):
    """A unit barred from new applications; `project_id` is the system's project (or the unit id)."""

    unit: str
    cause: str
    rule_id: str
    citation: str
    since: date
    until: date


class UnitCleared(EventPayload, event_type="catalog.unit.cleared.v1"):
    unit: str
    rule_id: str
    cleared_on: date


class SystemStateChanged(EventPayload, event_type="catalog.system.state_changed.v1"):
    """A live system moved between running, trial and suspended (retirement has its own event)."""

    system_id: str
    unit: str
    state: str
    previous: str
    reason: str
    changed_on: date


class SystemSecurityChanged(EventPayload, event_type="catalog.system.security_changed.v1"):
    """The live cryptography / network-security status of a system after acceptance changed (passed | failed |
    hazard | unknown). A failure or a major hazard stops its O&M money (dazhou:第五十七条)."""

    system_id: str
    unit: str
    crypto_status: str
    security_status: str
    changed_on: date


class SystemDataSharingChanged(EventPayload, event_type="catalog.system.data_sharing_changed.v1"):
    """A system's data obligations as the catalog holds them changed: whether its data is shared / aggregated
    (shared | partly | not_shared | unknown) and its information resources (信息资源目录). Intake bars a unit
    whose data aggregation is not complete from new applications (dazhou:第二十四条; suqian:(三) 统一归集)."""

    system_id: str
    unit: str
    jurisdiction: str
    data_sharing_status: str
    resources: int = 0
    resources_shared: int = 0
    changed_on: date


class SystemRetired(EventPayload, event_type="catalog.system.retired.v1"):
    system_id: str
    unit: str
    reason: str
    rule_id: str | None = None
    citation: str | None = None
    retired_on: date


class EvaluationCompleted(EventPayload, event_type="catalog.evaluation.completed.v1"):
    """A performance evaluation's result; a failure blocks related upgrades (fengxian:第三十二条)."""

    system_id: str | None = None
    unit: str
    kind: str  # self_evaluation | post_evaluation | construction_monitoring | om_evaluation
    passed: bool
    score: int | None = None
    rule_id: str
    citation: str
    completed_on: date


class FindingEscalated(EventPayload, event_type="catalog.finding.escalated.v1"):
    """A supervision finding moved up the ladder (dazhou:第五十三条); the owning services act on `step`:
    review defers the plan entry, procurement suspends or terminates, budget stops releases."""

    finding_id: str
    unit: str
    area: str
    step: str  # public_criticism | plan_deferred | suspended | terminated
    rule_id: str
    citation: str
    escalated_on: date


class FindingResolved(EventPayload, event_type="catalog.finding.resolved.v1"):
    finding_id: str
    unit: str
    resolved_on: date


class FindingRecorded(EventPayload, event_type="catalog.finding.recorded.v1"):
    """A supervising department recorded a finding and ordered rectification by `rectify_by`
    (限期整改, dazhou:第五十三条). `project_id` is the project, or the finding id for a finding against a unit.
    No description leaves catalog (it may describe a secret project, dazhou:第六十五条)."""

    finding_id: str
    unit: str
    jurisdiction: str
    area: str
    recorded_by_role: str
    recorded_on: date
    rectify_by: date
    rule_id: str
    citation: str


class AccountabilityRecorded(EventPayload, event_type="catalog.accountability.recorded.v1"):
    """An accountability case against a unit (追责): building before approval (未批先建), a skipped procedure, a
    serious consequence, or misused funds (dazhou:第五十四条; quzhou:五(三)). `project_id` is the project, or
    the case id for a case against a unit. No description leaves catalog (it may describe a secret project)."""

    case_id: str
    unit: str
    jurisdiction: str
    kind: str  # built_before_approval | skipped_procedure | serious_consequence | misuse_of_funds
    detected: bool  # found by the platform from the events (True) or recorded by a department
    consequences: list[str]  # the bars of the rules it triggered, e.g. public_criticism, disciplinary_action
    recorded_on: date
    rule_id: str
    citation: str


class SupervisionRoundHeld(EventPayload, event_type="catalog.supervision_round.held.v1"):
    """A scheduled supervision round of a project was held (quzhou:三(四) mid-term stage supervision)."""

    round_id: int
    unit: str
    jurisdiction: str
    kind: str  # midterm
    held_on: date
    findings: int
    rule_id: str
    citation: str


class DataOperationTaskAccepted(EventPayload, event_type="catalog.data_operation_task.accepted.v1"):
    """A public data-operation service task passed acceptance (验收审核, fengxian:第三十六条); payment through
    budget may follow after the third-party check. `project_id` is the task id."""

    task_id: str
    operator_id: str
    jurisdiction: str
    service_id: str
    accepted_on: date
    rule_id: str | None = None
    citation: str | None = None
