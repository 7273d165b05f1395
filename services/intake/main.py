"""The intake service (申报与项目库): `uvicorn services.intake.main:app`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.intake.api import ATTACHMENTS_PATH, router, scope
from services.intake.handlers import subscriptions
from services.intake.metrics import APPLICATIONS_BY_STATUS
from services.intake.tables import Application, schema
from shared.limits import multipart_body_limit
from shared.service import ServiceRuntime, create_service_app
from shared.settings import load_settings


async def count_applications(runtime: ServiceRuntime) -> int:
    """Set the gauge of applications by jurisdiction and status from the table."""
    async with runtime.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                sa.select(col(Application.jurisdiction), col(Application.status), sa.func.count()).group_by(
                    col(Application.jurisdiction), col(Application.status)
                )
            )
        ).all()
    APPLICATIONS_BY_STATUS.clear()
    for jurisdiction, status, count in rows:
        APPLICATIONS_BY_STATUS.labels(jurisdiction, status).set(count)
    return len(rows)


settings = load_settings("intake")
app = create_service_app(
    "intake",
    schema,
    subscriptions,
    [router],
    title="govproj intake 申报与项目库",
    description="Applications (申报), the project library (项目库), the needs pool (需求库) and unit eligibility.",
    sweepers=[count_applications],
    scope=scope,
    settings=settings,
    # an attachment's upload carries the file (settings.attachment_max_bytes, 20 MiB by default)
    body_limits={ATTACHMENTS_PATH: multipart_body_limit(settings.attachment_max_bytes)},
)
