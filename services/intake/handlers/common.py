"""What intake's handlers share: ids, the summary that may leave intake, the refusal problem."""

from __future__ import annotations

from collections.abc import Sequence

from services.intake.metrics import ADMISSION_LEAD_TIME
from services.intake.standing import Bar
from services.intake.tables import Application
from shared import clock
from shared.contracts.intake import ProjectSummary
from shared.errors import Problem, Violation, rule_violations
from shared.ids import new_id

NOT_MANAGED = "not-a-managed-project"


def new_project_id() -> str:
    return new_id(f"P{clock.now():%Y}", length=12)


def summary(application: Application) -> ProjectSummary:
    """What may leave intake; a secret project's content never does (dazhou:第六十五条)."""
    hide = application.secret
    return ProjectSummary(
        unit=application.unit,
        jurisdiction=application.jurisdiction,
        secret=application.secret,
        title=None if hide else application.title,
        category=None if hide else application.category,
        construction_type=None if hide else application.construction_type,
        total_investment_fen=application.total_investment_fen,
        plan_year=application.plan_year,
        off_plan=application.off_plan,
        approval_route=application.approval_route,
        it_estimate_fen=application.it_estimate_fen if application.mixed_construction else None,
        total_estimate_fen=application.total_estimate_fen if application.mixed_construction else None,
        project_code=None if hide else application.project_code,
        county_parts=[] if hide else list(application.county_parts or []),
        priority_flags=[] if hide else list(application.priority_flags or []),
        unit_priority=application.unit_priority,
        implementation_mode=None if hide else application.implementation_mode,
        materials=list(application.materials or []),
    )


def refusal(violations: list[Violation], *, out_of_scope: bool = False, bars: Sequence[Bar] = ()) -> Problem:
    if out_of_scope:
        problem = Problem(
            422,
            NOT_MANAGED,
            "不属于本办法管理的项目 / Not a managed project",
            "; ".join(f"{v.citation}: {v.message_zh}" for v in violations),
            violations=violations,
        )
    else:
        problem = rule_violations(violations)
    if bars:
        problem.extensions["bars"] = [bar.public() for bar in bars]
    return problem


def observe_lead_time(application: Application) -> None:
    if application.submitted_at is not None and application.decided_at is not None:
        # SQLite hands back naive datetimes; both are UTC
        submitted = application.submitted_at.replace(tzinfo=None)
        seconds = (application.decided_at.replace(tzinfo=None) - submitted).total_seconds()
        ADMISSION_LEAD_TIME.labels(application.jurisdiction).observe(max(seconds, 0.0))
