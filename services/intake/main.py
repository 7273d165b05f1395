"""The intake service (申报与项目库): `uvicorn services.intake.main:app`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from services.intake.api import READER_ROLES, may_read, router
from services.intake.handlers import subscriptions
from services.intake.metrics import APPLICATIONS_BY_STATUS
from services.intake.tables import Application, Need, schema
from shared.auth import ensure_unit_access
from shared.errors import forbidden, not_found
from shared.service import ServiceRuntime, create_service_app
from shared.uow import UnitOfWork


async def history_guard(uow: UnitOfWork, principal: Any, subject: str) -> None:
    """A project's decisions and audit are read like the project itself: experts see nothing of intake,
    units only their own, a secret project's trail only its unit and cleared bureau staff."""
    if not principal.has(*READER_ROLES):
        raise forbidden("experts and other roles do not read intake")
    application = await uow.session.get(Application, subject)
    owner = application.unit if application is not None else None
    if application is None:
        need = await uow.session.get(Need, subject)
        if need is None:
            raise not_found("project", subject)
        owner = need.unit
    ensure_unit_access(principal, owner)
    if application is not None and not may_read(application, principal):
        raise forbidden("a secret project's history is for its unit and cleared bureau staff")


async def count_applications(runtime: ServiceRuntime) -> int:
    """Set the gauge of applications by jurisdiction and status from the table."""
    async with runtime.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                sa.select(Application.jurisdiction, Application.status, sa.func.count()).group_by(
                    Application.jurisdiction, Application.status
                )
            )
        ).all()
    APPLICATIONS_BY_STATUS.clear()
    for jurisdiction, status, count in rows:
        APPLICATIONS_BY_STATUS.labels(jurisdiction, status).set(count)
    return len(rows)


app = create_service_app(
    "intake",
    schema,
    subscriptions,
    [router],
    title="govproj intake 申报与项目库",
    description="Applications (申报), the project library (项目库), the needs pool (需求库) and unit eligibility.",
    sweepers=[count_applications],
    history_guard=history_guard,
)
