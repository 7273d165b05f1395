"""Performance evaluations (绩效评价) and construction-period monitoring reports (绩效监控报告)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import col

from services.catalog import domain
from services.catalog.domain import evaluations as rules
from services.catalog.handlers.common import load, subject
from services.catalog.handlers.systems import emit_security_changed
from services.catalog.metrics import EVALUATIONS_COMPLETED
from services.catalog.tables import Evaluation, System
from shared import clock
from shared.auth import Principal, Role, ensure_unit_access
from shared.contracts.catalog import EvaluationCompleted
from shared.errors import Problem, Violation, conflict, forbidden, not_found, rule_violations, wrong_stage
from shared.policy import Decision, Pack, packs
from shared.uow import UnitOfWork


async def list_for(uow: UnitOfWork, system_id: str) -> list[Evaluation]:
    rows = await uow.session.scalars(
        sa.select(Evaluation).where(col(Evaluation.system_id) == system_id).order_by(col(Evaluation.id))
    )
    return list(rows)


async def _due(uow: UnitOfWork, system_id: str, kind: str) -> Evaluation | None:
    return await uow.session.scalar(
        sa.select(Evaluation)
        .where(col(Evaluation.system_id) == system_id, col(Evaluation.kind) == kind, col(Evaluation.status) == "due")
        .order_by(col(Evaluation.id))
        .limit(1)
    )


def _may_file(principal: Principal, kind: str, unit: str) -> None:
    if kind in rules.FILED_BY_UNIT:
        if not principal.has(Role.UNIT, Role.DATA_BUREAU):
            raise forbidden(f"a {kind} is filed by the unit")
        ensure_unit_access(principal, unit)
    elif not principal.has(Role.DATA_BUREAU, Role.FINANCE):
        raise forbidden(f"a {kind} is organised by the data bureau with finance")


async def complete(
    uow: UnitOfWork,
    system_id: str,
    *,
    kind: str,
    passed: bool,
    score: int | None,
    report_ref: str | None,
    principal: Principal,
    third_party: str | None = None,
) -> Evaluation:
    """File an evaluation's result: refused before its window opens, recorded as late after it closes;
    a failure bars related upgrades where the pack says so (fengxian:第三十二条). A key project's special
    evaluation is the bureau's, by a named third party (suqian:(八))."""
    system = await load(uow, system_id, for_update=True)
    _may_file(principal, kind, system.unit)
    evaluation = await _due(uow, system.id, kind)
    if evaluation is None:
        owed = [e.kind for e in await list_for(uow, system.id) if e.status == "due"]
        raise wrong_stage(system.id, ", ".join(owed) or "no evaluation due", owed or ["an evaluation due"], kind)
    pack = packs.get(system.jurisdiction)
    if kind == rules.SPECIAL_EVALUATION:
        commissioned = rules.key_project_evaluation(
            pack, by_bureau=principal.has(Role.DATA_BUREAU), third_party=third_party
        )
        if commissioned is not None:
            if not commissioned.passed:
                missing = commissioned.value["missing"]
                field = "third_party" if "third_party_evaluator" in missing else "principal"
                raise rule_violations([Violation.from_decision(commissioned.model_copy(update={"field": field}))])
            await uow.record_decision(commissioned, subject=evaluation.subject, action=f"{kind}.filed", actor=principal)
    today = clock.today()
    went_live = system.went_live_on or system.registered_on
    facts: dict = {"went_live_on": went_live}
    if kind in rules.PERIODIC:
        facts[rules.PERIOD_START] = await _period_start(uow, system, kind)
    timing = rules.timeliness(pack, kind, facts, today)
    if rules.too_early(timing):
        raise rule_violations([Violation.from_decision(timing)])
    done = await _finish(uow, system, evaluation, pack, timing, passed, score, report_ref, principal)
    await uow.session.flush()  # the answer carries the row as stored
    return done


async def _period_start(uow: UnitOfWork, system: System, kind: str) -> date:
    """The day the current period of a recurring assessment started: the last one filed, else the first period's
    start (dazhou:第五十五条)."""
    last = await uow.session.scalar(
        sa.select(sa.func.max(col(Evaluation.completed_on))).where(
            col(Evaluation.system_id) == system.id, col(Evaluation.kind) == kind, col(Evaluation.status) == "completed"
        )
    )
    if last is not None:
        return last
    went_live = system.went_live_on or system.registered_on
    return rules.first_period_start(went_live, system.registered_on, system.origin == "stock_import")


async def _next_period(uow: UnitOfWork, system: System, kind: str, passed: bool, principal: Principal) -> None:
    """A filed security or crypto assessment sets the system's live status and opens the next period's
    deadline (dazhou:第五十五条); a failure reaches intake and budget as a live security failure (第五十七条)."""
    today = clock.today()
    field = rules.STATUS_FIELD[kind]
    status = "passed" if passed else "failed"
    if getattr(system, field) not in (status, "hazard"):
        # a standing major hazard stays until the bureau lifts it (it bars whatever the assessment says)
        setattr(system, field, status)
        system.updated_at = clock.now()
        await emit_security_changed(uow, system)
    owed = rules.periodic_due(packs.get(system.jurisdiction), kind, today)
    if owed is None or owed.due_on is None:
        return
    uow.session.add(
        Evaluation(
            system_id=system.id,
            subject=subject(system),
            unit=system.unit,
            jurisdiction=system.jurisdiction,
            kind=kind,
            rule_id=owed.decision.rule_id,
            citation=owed.decision.citation,
            due_on=owed.due_on,
        )
    )
    await uow.open_deadline(
        subject=subject(system), decision=owed.decision, due_on=owed.due_on, description=f"{kind} of {system.id}"
    )
    await uow.record_decision(owed.decision, subject=subject(system), action=f"{kind}.scheduled", actor=principal)


async def _finish(
    uow: UnitOfWork,
    system: System | None,
    evaluation: Evaluation,
    pack: Pack,
    timing: Decision | None,
    passed: bool,
    score: int | None,
    report_ref: str | None,
    principal: Principal,
) -> Evaluation:
    today = clock.today()
    subject_id = evaluation.subject
    if timing is not None:
        await uow.record_decision(timing, subject=subject_id, action=f"{evaluation.kind}.filed", actor=principal)
    evaluation.status = "completed"
    evaluation.passed, evaluation.score, evaluation.report_ref = passed, score, report_ref
    evaluation.completed_on, evaluation.completed_by = today, principal.subject
    evaluation.on_time = timing.passed if timing is not None else True
    await uow.close_deadline(
        subject=subject_id, rule_id=evaluation.rule_id, status="met" if evaluation.on_time else "late"
    )
    if system is not None:
        bar = rules.failure_bar(pack, passed)
        if bar is not None:
            await uow.record_decision(bar, subject=subject_id, action=f"{evaluation.kind}.result", actor=principal)
            if not bar.passed and system.evaluation_failed_since is None:
                system.evaluation_failed_since = today
            elif bar.passed:
                system.evaluation_failed_since = None  # rectified: a passing evaluation lifts the bar
        if evaluation.kind in rules.PERIODIC:
            await _next_period(uow, system, evaluation.kind, passed, principal)
        if evaluation.kind == "self_evaluation":
            follow = rules.post_evaluation_due(pack)
            if follow is not None:
                await uow.record_decision(
                    follow.decision, subject=subject_id, action="post_evaluation.routed", actor="system"
                )
                uow.session.add(
                    Evaluation(
                        system_id=system.id,
                        subject=subject_id,
                        unit=system.unit,
                        jurisdiction=system.jurisdiction,
                        kind="post_evaluation",
                        rule_id=follow.decision.rule_id,
                        citation=follow.decision.citation,
                    )
                )
    await uow.audit(
        subject=subject_id,
        action=f"{evaluation.kind}.completed",
        actor=principal,
        detail={"system_id": evaluation.system_id, "passed": passed, "score": score, "on_time": evaluation.on_time},
    )
    await uow.emit(
        EvaluationCompleted(
            project_id=subject_id,
            system_id=evaluation.system_id,
            unit=evaluation.unit,
            kind=evaluation.kind,
            passed=passed,
            score=score,
            rule_id=evaluation.rule_id,
            citation=evaluation.citation,
            completed_on=today,
        )
    )
    EVALUATIONS_COMPLETED.labels(evaluation.jurisdiction, evaluation.kind, "passed" if passed else "failed").inc()
    return evaluation


async def open_construction_report(
    uow: UnitOfWork, *, project_id: str, unit: str, jurisdiction: str, year: int
) -> Evaluation | None:
    """During construction the unit files a performance monitoring report by each year end (dazhou:第五十一条)."""
    pack = packs.get(jurisdiction)
    owed = rules.construction_report_due(pack, year)
    if owed is None:
        return None
    evaluation = Evaluation(
        system_id=domain.system_id_for(project_id),
        subject=project_id,
        unit=unit,
        jurisdiction=jurisdiction,
        kind=owed.kind,
        rule_id=owed.decision.rule_id,
        citation=owed.decision.citation,
        due_on=owed.due_on,
    )
    uow.session.add(evaluation)
    assert owed.due_on is not None  # construction_report_due always names the day
    await uow.open_deadline(
        subject=project_id,
        decision=owed.decision,
        due_on=owed.due_on,
        description=f"performance monitoring report {year}",
    )
    await uow.record_decision(owed.decision, subject=project_id, action="construction_report.scheduled", actor="system")
    return evaluation


async def file_construction_report(
    uow: UnitOfWork, project_id: str, report_year: int, report_ref: str | None, principal: Principal
) -> Evaluation:
    evaluation = await uow.session.scalar(
        sa.select(Evaluation).where(
            col(Evaluation.subject) == project_id,
            col(Evaluation.kind) == "construction_monitoring",
            col(Evaluation.status) == "due",
        )
    )
    if evaluation is None:
        raise not_found("construction monitoring report due for project", project_id)
    _may_file(principal, evaluation.kind, evaluation.unit)
    if evaluation.due_on is not None and evaluation.due_on.year != report_year:
        raise wrong_stage(
            project_id, f"report {evaluation.due_on.year} due", [str(evaluation.due_on.year)], "file report"
        )
    pack = packs.get(evaluation.jurisdiction)
    timing = pack.decide(evaluation.rule_id, {"report_year": report_year, "report_submitted_on": clock.today()})
    done = await _finish(uow, None, evaluation, pack, timing, True, None, report_ref, principal)
    await uow.session.flush()
    # still under construction: the next year's report is owed (closed when the project is accepted)
    await open_construction_report(
        uow, project_id=project_id, unit=evaluation.unit, jurisdiction=evaluation.jurisdiction, year=report_year + 1
    )
    return done


async def close_construction_reports(uow: UnitOfWork, project_id: str) -> None:
    rows = await uow.session.scalars(
        sa.select(Evaluation).where(
            col(Evaluation.subject) == project_id,
            col(Evaluation.kind) == "construction_monitoring",
            col(Evaluation.status) == "due",
        )
    )
    for evaluation in rows:
        evaluation.status = "closed"
        await uow.close_deadline(subject=project_id, rule_id=evaluation.rule_id, status="cancelled")


async def system_of(uow: UnitOfWork, system_id: str) -> System:
    return await load(uow, system_id)


async def construction_report_open(uow: UnitOfWork, project_id: str) -> bool:
    found = await uow.session.scalar(
        sa.select(col(Evaluation.id))
        .where(col(Evaluation.subject) == project_id, col(Evaluation.kind) == "construction_monitoring")
        .limit(1)
    )
    return found is not None


async def designate_key_project(uow: UnitOfWork, system_id: str, principal: Principal) -> Evaluation:
    """The bureau names a system a key project (重点信息化项目, suqian:(八)): it then owes a special performance
    evaluation by a third party the bureau commissions. Only where the pack has the rule; once while one is owed."""
    system = await load(uow, system_id, for_update=True)
    pack = packs.get(system.jurisdiction)
    if not pack.has(rules.KEY_PROJECT_EVALUATION):
        raise Problem(
            409,
            "not-on-path",
            "本地区规定未要求重点项目第三方专项绩效评估 / The jurisdiction has no key-project evaluation",
            f"pack {pack.id} has no rule {rules.KEY_PROJECT_EVALUATION}",
        )
    if await _due(uow, system.id, rules.SPECIAL_EVALUATION) is not None:
        raise conflict(f"system {system.id} already owes a special evaluation as a key project")
    rule = pack.rule(rules.KEY_PROJECT_EVALUATION)
    evaluation = Evaluation(
        system_id=system.id,
        subject=subject(system),
        unit=system.unit,
        jurisdiction=system.jurisdiction,
        kind=rules.SPECIAL_EVALUATION,
        rule_id=rule.id,
        citation=rule.citation,
    )
    uow.session.add(evaluation)
    await uow.audit(
        subject=subject(system),
        action="key_project.designated",
        actor=principal,
        detail={"system_id": system.id, "rule_id": rule.id, "citation": rule.citation},
    )
    await uow.session.flush()
    return evaluation
