"""A province's ten years of data, generated straight into each service's PostgreSQL database (not a test).

    .venv/bin/python bench/province.py --database-url-template postgresql://postgres@127.0.0.1:5432/{service}
    .venv/bin/python bench/province.py --scale 10000 ...          # 10,000 projects, systems and reports in step

What it writes, for `--scale` projects (default 100,000) over 2017–2026 in five jurisdictions:

- intake: every application (draft, submitted, in the library, refused), its rule decisions, audit rows and
  the published outbox rows of its events;
- review / budget / procurement / acceptance: each project that reached the service, in the service's
  own table, with its decisions, audit and outbox rows;
- catalog: 0.6 × scale systems (the projects' systems once accepted, plus stock systems), their monthly
  monitoring figures for every month they ran (about 7 million rows at 100,000 projects), supervision
  findings, and the read models other services' events build: the portfolio (one row per project, its
  open to-dos and live deadlines) and the reporting record (projects and dated money).

How: rows are built in Python from the services' own SQLModel tables (their defaults, their column
types) and loaded with PostgreSQL COPY (asyncpg `copy_records_to_table`); the monthly figures, the one
table of millions of rows, are made by the server in one `INSERT … SELECT` over `generate_series`.
Going through the write path instead (HTTP, rules, outbox, Kafka, every consumer) would take days at
the lifecycle benchmark's ~6 projects/s. The data keeps the invariants the services enforce — a stage
and dates that follow the lifecycle, released ≤ contracted ≤ estimate ≤ approved ≤ requested investment,
secret projects without a title in events and read models — and tests/integration/test_province.py
re-checks a sample through the APIs. Deterministic for a given `--seed`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.acceptance.tables import AcceptanceProject
from services.acceptance.tables import schema as acceptance_schema
from services.budget.tables import BudgetProject
from services.budget.tables import schema as budget_schema
from services.catalog.oversight.tables import Finding
from services.catalog.portfolio.tables import PortfolioDeadline, PortfolioProject, PortfolioTodo
from services.catalog.reports.tables import MoneyEntry, ProjectRecord
from services.catalog.tables import System
from services.catalog.tables import schema as catalog_schema
from services.intake.tables import Application
from services.intake.tables import schema as intake_schema
from services.procurement.tables import ProcurementProject
from services.procurement.tables import schema as procurement_schema
from services.review.tables import ReviewCase
from services.review.tables import schema as review_schema
from shared.db import ServiceSchema, make_engine, upgrade_to_head
from shared.settings import STAGE_SERVICES

JURISDICTIONS = ("dazhou", "quzhou", "jiyuan", "fengxian", "suqian")
CITY_ZH = {"dazhou": "达州市", "quzhou": "衢州市", "jiyuan": "济源市", "fengxian": "奉贤区", "suqian": "宿迁市"}
DEPARTMENTS = (
    "教育局", "卫生健康委", "公安局", "民政局", "人力资源和社会保障局", "自然资源局", "生态环境局", "住房和城乡建设局",
    "交通运输局", "水利局", "农业农村局", "商务局", "文化广电旅游局", "应急管理局", "审计局", "市场监督管理局",
    "医疗保障局", "统计局", "城市管理局", "税务局", "财政局", "司法局", "信访局", "大数据中心",
)  # fmt: skip
SUBJECTS = (
    "智慧教育", "医保结算", "不动产登记", "社会救助", "就业服务", "河湖长制", "生态环境监测", "城市运行管理",
    "政务服务一网通办", "公共信用信息", "应急指挥调度", "智慧交通", "农村产权交易", "市场主体登记", "电子证照",
    "数据共享交换", "网格化治理", "智慧养老", "智慧文旅", "政务云资源",
)  # fmt: skip
KINDS_ZH = ("平台建设项目", "系统升级改造项目", "数据治理项目", "运维服务项目", "应用系统建设项目")
CATEGORIES = ("application", "data_resource", "digital_infrastructure", "om", "other")
MATERIALS = ["basic_info", "necessity_basis", "construction_content", "investment_estimate", "security_plan"]
FIRST_YEAR, LAST_YEAR = 2017, 2026
WAN = 1_000_000  # 万元 in fen
PACK_VERSION = "bench-province"

#: the portfolio stages in lifecycle order, and which services a project at each has reached
ORDER = (
    "draft", "submitted", "admitted", "in_review", "approved", "estimate", "procurement", "contracted",
    "trial_run", "accepted", "in_catalog", "retired",
)  # fmt: skip
REACHED = {"review": "admitted", "budget": "approved", "procurement": "estimate", "acceptance": "contracted"}
#: the action waiting at each in-flight stage (as the portfolio's consumers derive it from the events)
WAITING = {
    "submitted": ("intake", "admit", "data_bureau", "入库审核（入库或不予入库）"),
    "admitted": ("review", "prescreening", "data_bureau", "组织前置初审"),
    "in_review": ("review", "scheme_review", "data_bureau", "组织项建方案评审（专家论证）"),
    "approved": ("budget", "technical_plan", "unit", "编制概算：功能清单公示并报送技术方案"),
    "estimate": ("budget", "control_price", "unit", "申报招标控制价预算评审"),
    "procurement": ("procurement", "tender", "procurement_center", "组织招标采购"),
    "contracted": ("acceptance", "trial_run", "unit", "开始试运行"),
    "trial_run": ("acceptance", "acceptance_application", "unit", "提交验收申请"),
}


def stage_weights(plan_year: int) -> dict[str, float]:
    """Where a project of `plan_year` stands now: old years finished (or refused), this year in flight."""
    age = LAST_YEAR - plan_year
    if age >= 3:
        return {"in_catalog": 66, "retired": 10, "accepted": 4, "trial_run": 2, "rejected": 14, "refused": 4}
    if age == 2:
        return {"in_catalog": 50, "accepted": 12, "trial_run": 10, "contracted": 10, "rejected": 14, "refused": 4}
    if age == 1:
        return {
            "procurement": 10, "contracted": 25, "trial_run": 20, "accepted": 10, "in_catalog": 15,
            "estimate": 4, "rejected": 12, "refused": 4,
        }  # fmt: skip
    return {
        "draft": 8, "submitted": 14, "admitted": 12, "in_review": 14, "approved": 12, "estimate": 10,
        "procurement": 10, "contracted": 6, "rejected": 10, "refused": 4,
    }  # fmt: skip


@dataclass
class Project:
    id: str
    jurisdiction: str
    unit: str
    title: str
    category: str
    secret: bool
    plan_year: int
    created_at: datetime
    stage: str  # a portfolio stage, or `refused` (refused at intake: a rejected project never admitted)
    total_fen: int
    priority_flags: list[str]
    unit_priority: int | None
    dates: dict[str, date] = field(default_factory=dict)
    approved_fen: int | None = None
    estimate_fen: int | None = None
    contracted_fen: int = 0
    released_fen: int = 0

    def reached(self, stage: str) -> bool:
        if self.stage in ("rejected", "refused"):
            return stage in self.dates_reached
        return ORDER.index(self.stage) >= ORDER.index(stage)

    @property
    def dates_reached(self) -> set[str]:
        return {"submitted"} | ({"admitted", "in_review"} if self.stage == "rejected" else set())

    @property
    def portfolio_stage(self) -> str:
        return "rejected" if self.stage == "refused" else self.stage


def _at(day: date, seconds: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC) + timedelta(seconds=seconds)


def make_projects(scale: int, seed: int, today: date) -> list[Project]:
    rng = random.Random(seed)
    projects = []
    per_year = max(1, scale // (LAST_YEAR - FIRST_YEAR + 1))
    for i in range(scale):
        plan_year = min(LAST_YEAR, FIRST_YEAR + i // per_year)
        jurisdiction = JURISDICTIONS[i % len(JURISDICTIONS)]
        department = DEPARTMENTS[rng.randrange(len(DEPARTMENTS))]
        unit = f"{CITY_ZH[jurisdiction]}{department}"
        # filed through the year before the plan year, in id order (created_at is the list's order)
        filed = date(plan_year - 1, 1, 5) + timedelta(days=(i % per_year) * 340 // per_year)
        filed = min(filed, today - timedelta(days=1))
        weights = stage_weights(plan_year)
        stage = rng.choices(list(weights), list(weights.values()))[0]
        secret = rng.random() < 0.02
        total = rng.randint(30, 5000) * WAN
        flags = ["internet_plus_services"] if rng.random() < 0.1 else []
        project = Project(
            id=f"P{plan_year}-{i:07d}",
            jurisdiction=jurisdiction,
            unit=unit,
            title=f"{unit}{SUBJECTS[rng.randrange(len(SUBJECTS))]}{KINDS_ZH[rng.randrange(len(KINDS_ZH))]}",
            category=CATEGORIES[rng.randrange(len(CATEGORIES))],
            secret=secret,
            plan_year=plan_year,
            created_at=_at(filed, i % 86_400 // 4),
            stage=stage,
            total_fen=total,
            priority_flags=flags,
            unit_priority=rng.randint(1, 5) if rng.random() < 0.3 else None,
        )
        _lifecycle(project, rng, today)
        projects.append(project)
    return projects


def _lifecycle(p: Project, rng: random.Random, today: date) -> None:
    """Dates and money that follow the lifecycle, never after today."""
    step = {
        "submitted": (1, 20),
        "admitted": (10, 40),
        "approved": (30, 90),
        "estimate_approved": (30, 90),
        "contracted": (30, 120),
        "trial_started": (120, 300),
        "accepted": (60, 120),
        "registered": (1, 15),
    }
    if p.stage == "draft":
        return
    day = p.created_at.date()
    chain = ["submitted"]
    if p.stage == "rejected":
        chain += ["admitted"]
    elif p.stage != "refused":
        for name, stage in (
            ("admitted", "admitted"),
            ("approved", "approved"),
            ("estimate_approved", "estimate"),
            ("contracted", "contracted"),
            ("trial_started", "trial_run"),
            ("accepted", "accepted"),
            ("registered", "in_catalog"),
        ):
            if ORDER.index(p.stage) >= ORDER.index(stage):
                chain.append(name)
    for name in chain:
        low, high = step[name]
        day = min(day + timedelta(days=rng.randint(low, high)), today)
        p.dates[name] = day
    if p.stage in ("rejected", "refused"):
        p.dates["rejected"] = min(day + timedelta(days=rng.randint(5, 30)), today)
    if p.stage == "retired":
        p.dates["retired"] = min(p.dates["registered"] + timedelta(days=rng.randint(400, 1500)), today)
    if "approved" in p.dates:
        p.approved_fen = p.total_fen * rng.randint(85, 100) // 100 // 100 * 100
    if "estimate_approved" in p.dates:
        p.estimate_fen = p.approved_fen * rng.randint(90, 100) // 100 // 100 * 100  # type: ignore[operator]
    if "contracted" in p.dates:
        p.contracted_fen = p.estimate_fen * rng.randint(80, 100) // 100 // 100 * 100  # type: ignore[operator]
        p.dates["planned_completion"] = p.dates["contracted"] + timedelta(days=rng.choice((270, 365, 540)))
        finished = "accepted" in p.dates
        p.released_fen = p.contracted_fen if finished else p.contracted_fen * rng.randint(30, 90) // 100


# --- rows ---------------------------------------------------------------------------------------------------


class Loader:
    """Rows for one database's tables, COPYed in column order with each model's own defaults."""

    def __init__(self, schema: ServiceSchema) -> None:
        self.schema = schema
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.models: dict[str, Any] = {}

    def add(self, model: Any, **values: Any) -> None:
        name = model.__tablename__
        self.models[name] = model
        self.rows[name].append(values)

    def infra(self, table: str, **values: Any) -> None:
        self.rows[table].append(values)

    def _table(self, name: str) -> sa.Table:
        return self.schema.metadata.tables[name]

    def records(self, name: str) -> tuple[list[str], Iterable[tuple]]:
        table = self._table(name)
        model = self.models.get(name)
        columns = [
            c
            for c in table.columns
            if c.computed is None
            and not (c.primary_key and len(table.primary_key.columns) == 1 and isinstance(c.type, sa.Integer))
        ]
        defaults: dict[str, Any] = {}
        if model is not None:
            for key, info in model.model_fields.items():
                if not info.is_required():
                    defaults[key] = info.get_default(call_default_factory=True)

        def convert(column: sa.Column, value: Any) -> Any:
            if value is None:
                if column.server_default is not None and not column.nullable:
                    value = {"0": 0, "": "", "[]": []}.get(_server_default(column), value)
                if value is None:
                    if not column.nullable:
                        raise ValueError(f"{name}.{column.name} is required")
                    return None
            kind = type(column.type).__name__
            if isinstance(column.type, sa.JSON) or "JSON" in kind:
                return json.dumps(value, ensure_ascii=False)
            return value

        def rows() -> Iterable[tuple]:
            for row in self.rows[name]:
                merged = {**defaults, **row}
                yield tuple(convert(c, merged.get(c.name)) for c in columns)

        return [c.name for c in columns], rows()

    async def copy(self, conn: asyncpg.Connection) -> dict[str, int]:
        counts = {}
        for name in self.rows:
            columns, records = self.records(name)
            batch: list[tuple] = []
            for record in records:
                batch.append(record)
                if len(batch) >= 20_000:
                    await conn.copy_records_to_table(name, records=batch, columns=columns)
                    batch = []
            if batch:
                await conn.copy_records_to_table(name, records=batch, columns=columns)
            counts[name] = len(self.rows[name])
        return counts


def _server_default(column: sa.Column) -> str:
    arg = getattr(column.server_default, "arg", "")
    return str(getattr(arg, "text", arg))


def _event(loader: Loader, service: str, p: Project, kind: str, day: date, seq: int) -> None:
    """A published outbox row of one of the project's events (payload: the envelope's bare bones)."""
    at = _at(day, seq)
    loader.infra(
        "outbox",
        id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"govproj:{p.id}/{service}/{kind}")),
        topic=f"govproj.{service}",
        key=p.id,
        type=f"{service}.{kind}.v1",
        payload=json.dumps({"subject": p.id, "type": f"{service}.{kind}.v1", "time": at.isoformat()}),
        created_at=at,
        published_at=at + timedelta(milliseconds=20),
        attempts=0,
        last_error=None,
        failed_at=None,
    )


def _decisions(loader: Loader, p: Project, rules: Sequence[tuple[str, str]], day: date, action: str) -> None:
    for rule_id, citation in rules:
        loader.infra(
            "decisions",
            subject=p.id,
            action=action,
            rule_id=rule_id,
            citation=citation,
            pack=p.jurisdiction,
            pack_version=PACK_VERSION,
            outcome="pass",
            value=json.dumps(True),
            message_zh="符合",
            message_en="pass",
            facts=json.dumps({"total_investment_fen": p.total_fen}),
            actor="bench",
            decided_at=_at(day),
        )


def _audit(loader: Loader, p: Project, action: str, day: date, actor: str = "bench") -> None:
    loader.infra(
        "audit_log",
        subject=p.id,
        action=action,
        actor=actor,
        roles="unit",
        detail=json.dumps({"stage": p.stage}),
        at=_at(day, 60),
    )


INTAKE_RULES = [
    ("intake.managed_scope", "dazhou:第二条"),
    ("intake.required_materials", "dazhou:第九条"),
    ("intake.not_accepted", "dazhou:第二十条"),
    ("intake.window", "dazhou:第八条"),
    ("intake.unit_standing", "dazhou:第五十三条"),
    ("intake.priority", "fengxian:第十条"),
]
REVIEW_RULES = [("review.path", "dazhou:第十条"), ("review.scheme_score", "dazhou:第十条")]
BUDGET_RULES = [("budget.estimate_cap", "dazhou:第十四条")]


def intake_rows(projects: list[Project]) -> Loader:
    loader = Loader(intake_schema)
    for p in projects:
        status = {"draft": "draft", "submitted": "submitted", "refused": "refused"}.get(p.stage, "admitted")
        submitted = p.dates.get("submitted")
        decided = p.dates.get("admitted") or p.dates.get("rejected") if status in ("admitted", "refused") else None
        loader.add(
            Application,
            id=p.id,
            unit=p.unit,
            jurisdiction=p.jurisdiction,
            title=p.title,
            category=p.category,
            construction_type="new",
            implementation_mode="purchase_of_service",
            total_investment_fen=p.total_fen,
            plan_year=p.plan_year,
            secret=p.secret,
            status=status,
            created_by=f"{p.unit}-staff",
            created_at=p.created_at,
            updated_at=_at(decided or submitted or p.created_at.date()),
            submitted_at=_at(submitted) if submitted else None,
            decided_at=_at(decided) if decided else None,
            materials=MATERIALS,
            priority_tags=p.priority_flags,
            priority_flags=p.priority_flags,
            unit_priority=p.unit_priority,
            approval_route="data_bureau",
            refusal_reason="不符合入库条件" if status == "refused" else None,
        )
        if submitted:
            _decisions(loader, p, INTAKE_RULES, submitted, "submit")
            _audit(loader, p, "submit", submitted)
            _event(loader, "intake", p, "application.submitted", submitted, 1)
        if decided:
            _decisions(loader, p, INTAKE_RULES[:3], decided, "admit" if status == "admitted" else "refuse")
            _audit(loader, p, status, decided, "bureau")
            kind = "application.admitted" if status == "admitted" else "application.rejected"
            _event(loader, "intake", p, kind, decided, 2)
    return loader


def review_rows(projects: list[Project]) -> Loader:
    loader = Loader(review_schema)
    for p in projects:
        if "admitted" not in p.dates:
            continue
        if p.stage == "rejected":
            stage = "rejected"
        elif p.stage == "admitted":
            stage = "admitted"
        elif p.stage == "in_review":
            stage = "in_review"
        else:
            stage = "approved"
        admitted = p.dates["admitted"]
        approved = p.dates.get("approved")
        loader.add(
            ReviewCase,
            project_id=p.id,
            unit=p.unit,
            jurisdiction=p.jurisdiction,
            title=None if p.secret else p.title,
            secret=p.secret,
            total_investment_fen=p.total_fen,
            plan_year=p.plan_year,
            materials=MATERIALS,
            stage=stage,
            path="scheme_review",
            path_steps=["prescreening", "scheme_review", "joint_review"],
            step=None if stage in ("approved", "rejected") else "prescreening",
            approval_letter_no=f"审批〔{approved.year}〕{p.id[-5:]}号" if approved else None,
            approved_on=approved,
            pack_version=PACK_VERSION,
            created_at=_at(admitted),
            updated_at=_at(approved or p.dates.get("rejected") or admitted),
        )
        _decisions(loader, p, REVIEW_RULES, admitted, "prescreen")
        _audit(loader, p, "prescreen", admitted, "bureau")
        _event(loader, "review", p, "project.prescreened", admitted, 3)
        if approved:
            _decisions(loader, p, REVIEW_RULES[:1], approved, "approve")
            _audit(loader, p, "approve", approved, "leader")
            _event(loader, "review", p, "project.approved", approved, 4)
        elif p.stage == "rejected":
            _event(loader, "review", p, "project.rejected", p.dates["rejected"], 4)
    return loader


def budget_rows(projects: list[Project]) -> Loader:
    loader = Loader(budget_schema)
    for p in projects:
        approved = p.dates.get("approved")
        if approved is None:
            continue
        estimated = p.dates.get("estimate_approved")
        accepted = "accepted" in p.dates
        stage = "accepted" if accepted else "control_price_approved" if estimated else "approved"
        loader.add(
            BudgetProject,
            project_id=p.id,
            unit=p.unit,
            jurisdiction=p.jurisdiction,
            secret=p.secret,
            approved_investment_fen=p.approved_fen,
            approval_letter_no=f"审批〔{approved.year}〕{p.id[-5:]}号",
            plan_year=p.plan_year,
            stage=stage,
            estimate_fen=p.estimate_fen,
            accepted=accepted,
            materials=MATERIALS,
            released_fen=p.released_fen,
            created_at=_at(approved),
            updated_at=_at(p.dates.get("accepted") or estimated or approved),
        )
        _audit(loader, p, "project.opened", approved)
        if estimated:
            _decisions(loader, p, BUDGET_RULES, estimated, "approve_estimate")
            _event(loader, "budget", p, "estimate.approved", estimated, 5)
        if p.released_fen:
            _event(loader, "budget", p, "funds.released", p.dates["contracted"] + timedelta(days=30), 8)
    return loader


def procurement_rows(projects: list[Project]) -> Loader:
    loader = Loader(procurement_schema)
    for p in projects:
        estimated = p.dates.get("estimate_approved")
        if estimated is None:
            continue
        contracted = p.dates.get("contracted")
        loader.add(
            ProcurementProject,
            project_id=p.id,
            unit=p.unit,
            jurisdiction=p.jurisdiction,
            ceiling_fen=p.estimate_fen,
            estimate_revision=1,
            title=None if p.secret else p.title,
            secret=p.secret,
            stage="contracted" if contracted else "plan_filed",
            construction_due=p.dates.get("planned_completion"),
            construction_completed_on=p.dates.get("trial_started"),
            created_at=_at(estimated),
            updated_at=_at(contracted or estimated),
        )
        _audit(loader, p, "plan.filed", estimated)
        if contracted:
            _event(loader, "procurement", p, "contract.signed", contracted, 6)
    return loader


def acceptance_rows(projects: list[Project]) -> Loader:
    loader = Loader(acceptance_schema)
    for p in projects:
        contracted = p.dates.get("contracted")
        if contracted is None:
            continue
        accepted = p.dates.get("accepted")
        trial = p.dates.get("trial_started")
        stage = "accepted" if accepted else "trial_run" if trial else "contracted"
        loader.add(
            AcceptanceProject,
            project_id=p.id,
            unit=p.unit,
            jurisdiction=p.jurisdiction,
            contract_signed_on=contracted,
            stage=stage,
            trial_started_on=trial,
            accepted_on=accepted,
            system_name=None if p.secret else p.title,
            created_at=_at(contracted),
            updated_at=_at(accepted or trial or contracted),
            secret=p.secret,
            supplier="某信息技术有限公司",
            path="performance_acceptance",
            pack_version=PACK_VERSION,
        )
        if trial:
            _event(loader, "acceptance", p, "trial.started", trial, 7)
        if accepted:
            _audit(loader, p, "accept", accepted, "bureau")
            _event(loader, "acceptance", p, "project.accepted", accepted, 9)
    return loader


def catalog_rows(projects: list[Project], scale: int, seed: int, today: date) -> tuple[Loader, int]:
    """The catalog's own rows and its read models; returns the loader and the number of systems."""
    rng = random.Random(seed + 1)
    loader = Loader(catalog_schema)
    systems = 0
    for p in projects:
        if p.stage == "draft":
            continue
        stage = p.portfolio_stage
        d = p.dates
        next_due = None
        if stage in WAITING:
            service, action, role, label = WAITING[stage]
            since = max(d.values()) if d else p.created_at.date()
            due = since + timedelta(days=rng.randint(10, 60))
            next_due = due
            loader.add(
                PortfolioTodo,
                project_id=p.id,
                service=service,
                action=action,
                action_label_zh=label,
                role=role,
                unit=p.unit if role == "unit" else None,
                ref="",
                due_on=due,
                since=_at(since),
                status="open",
            )
            loader.add(
                PortfolioDeadline,
                project_id=p.id,
                service=service,
                rule_id=f"{service}.{action}.deadline",
                citation="dazhou:第五十三条",
                description=label,
                due_on=due,
                status="overdue" if due < today else "open",
                role=role,
                reminded=due < today,
            )
        loader.add(
            PortfolioProject,
            project_id=p.id,
            unit=p.unit,
            jurisdiction=p.jurisdiction,
            secret=p.secret,
            title=None if p.secret else p.title,
            plan_year=p.plan_year,
            stage=stage,
            stage_at=_at(max(d.values()) if d else p.created_at.date()),
            total_investment_fen=p.total_fen,
            approved_investment_fen=p.approved_fen,
            estimate_fen=p.estimate_fen,
            estimate_revision=1 if p.estimate_fen else 0,
            contracted_fen=p.contracted_fen,
            released_fen=p.released_fen,
            next_due_on=next_due,
            submitted_on=d.get("submitted"),
            admitted_on=d.get("admitted"),
            approved_on=d.get("approved"),
            estimate_approved_on=d.get("estimate_approved"),
            contracted_on=d.get("contracted"),
            planned_completion=d.get("planned_completion"),
            trial_started_on=d.get("trial_started"),
            accepted_on=d.get("accepted"),
            registered_on=d.get("registered"),
            retired_on=d.get("retired"),
            rejected_on=d.get("rejected"),
            created_at=p.created_at,
            updated_at=_at(max(d.values()) if d else p.created_at.date()),
        )
        status = {
            "submitted": "submitted",
            "admitted": "admitted",
            "in_review": "admitted",
            "rejected": "rejected",
            "approved": "approved",
            "estimate": "approved",
            "procurement": "approved",
        }.get(stage, "accepted" if "accepted" in d else "contracted")
        loader.add(
            ProjectRecord,
            project_id=p.id,
            unit=p.unit,
            jurisdiction=p.jurisdiction,
            secret=p.secret,
            title=None if p.secret else p.title,
            plan_year=p.plan_year,
            total_investment_fen=p.total_fen,
            status=status,
            submitted_on=d.get("submitted"),
            admitted_on=d.get("admitted"),
            rejected_on=d.get("rejected"),
            approved_on=d.get("approved"),
            contracted_on=d.get("contracted"),
            accepted_on=d.get("accepted"),
            planned_completion=d.get("planned_completion"),
            estimate_fen=p.estimate_fen,
            contracted_fen=p.contracted_fen,
            released_fen=p.released_fen,
            updated_at=_at(max(d.values())),
        )
        for kind, amount, on in (
            ("estimate", p.estimate_fen, d.get("estimate_approved")),
            ("contract", p.contracted_fen, d.get("contracted")),
            ("release", p.released_fen, d["contracted"] + timedelta(days=30) if "contracted" in d else None),
        ):
            if amount and on:
                loader.add(
                    MoneyEntry,
                    project_id=p.id,
                    kind=kind,
                    ref="1" if kind == "estimate" else f"{kind}-{p.id}",
                    amount_fen=amount,
                    on=min(on, today),
                )
        if "registered" in d:
            systems += 1
            _system(
                loader,
                rng,
                f"S-{p.id}",
                p.id,
                p.unit,
                p.jurisdiction,
                p.secret,
                None if p.secret else p.title,
                d["registered"],
                d.get("retired"),
                "acceptance",
            )
        if rng.random() < 0.05 and "approved" in d:
            recorded = d["approved"] + timedelta(days=rng.randint(30, 300))
            if recorded < today:
                resolved = recorded + timedelta(days=rng.randint(20, 90))
                done = resolved < today
                loader.add(
                    Finding,
                    id=f"F-{p.id}",
                    project_id=p.id,
                    subject=p.id,
                    unit=p.unit,
                    jurisdiction=p.jurisdiction,
                    secret=p.secret,
                    area=("procedure", "security", "funds", "progress")[rng.randrange(4)],
                    description="监督检查发现的问题",
                    recorded_by="bench",
                    recorded_role="data_bureau",
                    recorded_on=recorded,
                    rectify_by=recorded + timedelta(days=30),
                    status="resolved" if done else "open",
                    resolved_on=resolved if done else None,
                    created_at=_at(recorded),
                )
    # stock systems (存量系统) filed by import before the window, up to 0.6 × scale in all
    stock_on = date(FIRST_YEAR - 1, 1, 1)
    for n in range(max(0, int(scale * 0.6) - systems)):
        jurisdiction = JURISDICTIONS[n % len(JURISDICTIONS)]
        unit = f"{CITY_ZH[jurisdiction]}{DEPARTMENTS[rng.randrange(len(DEPARTMENTS))]}"
        retired = stock_on + timedelta(days=rng.randint(800, 4000)) if rng.random() < 0.15 else None
        _system(
            loader,
            rng,
            f"STOCK-{n:07d}",
            None,
            unit,
            jurisdiction,
            False,
            f"{unit}{SUBJECTS[rng.randrange(len(SUBJECTS))]}系统",
            stock_on,
            retired if retired and retired < today else None,
            "stock_import",
        )
        systems += 1
    return loader, systems


def _system(loader, rng, system_id, project_id, unit, jurisdiction, secret, name, registered, retired, origin) -> None:
    loader.add(
        System,
        id=system_id,
        project_id=project_id,
        unit=unit,
        jurisdiction=jurisdiction,
        name=name,
        secret=secret,
        state="retired" if retired else "running",
        registered_on=registered,
        created_at=_at(registered),
        updated_at=_at(retired or registered),
        origin=origin,
        external_ref=system_id if origin == "stock_import" else None,
        category="application",
        deployment="gov_cloud",
        mlps_level=rng.randint(1, 3),
        went_live_on=registered,
        zombie_since=registered + timedelta(days=700) if rng.random() < 0.01 and not retired else None,
        retired_on=retired,
        retirement_reason="replaced" if retired else None,
    )


MONTHLY_FIGURES = """
INSERT INTO monthly_figures (system_id, month, usage_count, availability_bp, reported_by, received_at)
SELECT s.id, to_char(m, 'YYYY-MM'), (abs(hashtext(s.id || m::text)) % 50000)::bigint,
       9500 + abs(hashtext(m::text || s.id)) % 501, 'monitoring-platform', m + interval '32 days'
FROM systems s,
     generate_series(date_trunc('month', s.registered_on::timestamp),
                     date_trunc('month', coalesce(s.retired_on, $1::date)::timestamp) - interval '1 month',
                     interval '1 month') AS m
"""


# --- running it ---------------------------------------------------------------------------------------------


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


#: After the bulk load: a database as it is after years of running, which autovacuum has visited (visibility
#: map set, so index-only scans stay index-only; statistics current) — not one whose freshly copied millions of
#: rows autovacuum starts working through while the read benchmark runs (its CPU then lands on the reads).
SETTLE = "VACUUM (ANALYZE)"


async def migrate(database_urls: dict[str, str]) -> None:
    for service in STAGE_SERVICES:
        engine = make_engine(database_urls[service], null_pool=True)
        try:
            await upgrade_to_head(engine, service)
        finally:
            await engine.dispose()


async def generate(
    database_urls: dict[str, str], scale: int, *, seed: int = 21, today: date | None = None, log=print
) -> dict[str, Any]:
    """Fill the (migrated, empty) databases; returns the row counts per service and table."""
    today = today or date.today()
    started = time.perf_counter()
    await migrate(database_urls)
    projects = make_projects(scale, seed, today)
    log(f"{len(projects)} projects modelled in {time.perf_counter() - started:.1f}s")
    builders = {
        "intake": lambda: intake_rows(projects),
        "review": lambda: review_rows(projects),
        "budget": lambda: budget_rows(projects),
        "procurement": lambda: procurement_rows(projects),
        "acceptance": lambda: acceptance_rows(projects),
    }
    counts: dict[str, Any] = {}
    for service, build in builders.items():
        conn = await asyncpg.connect(dsn(database_urls[service]))
        try:
            counts[service] = await build().copy(conn)
            await conn.execute(SETTLE)
        finally:
            await conn.close()
        log(f"{service}: {counts[service]} ({time.perf_counter() - started:.0f}s)")
    loader, systems = catalog_rows(projects, scale, seed, today)
    conn = await asyncpg.connect(dsn(database_urls["catalog"]))
    try:
        counts["catalog"] = await loader.copy(conn)
        status = await conn.execute(MONTHLY_FIGURES, today.replace(day=1))
        counts["catalog"]["monthly_figures"] = int(status.split()[-1])
        await conn.execute(SETTLE)
    finally:
        await conn.close()
    log(f"catalog: {counts['catalog']} ({time.perf_counter() - started:.0f}s)")
    return {
        "projects": scale,
        "systems": systems,
        "rows": counts,
        "seconds": round(time.perf_counter() - started, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100_000, help="projects (systems: 0.6×)")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument(
        "--database-url-template",
        required=True,
        help="e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/{service} (databases exist and are empty)",
    )
    args = parser.parse_args()
    urls = {s: args.database_url_template.format(service=s) for s in STAGE_SERVICES}
    print(json.dumps(await generate(urls, args.scale, seed=args.seed), indent=2))


if __name__ == "__main__":
    asyncio.run(main())
