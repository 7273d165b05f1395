"""An application whose event would be larger than the bus carries is refused at submit with a 413
problem, and nothing of the submission is written (issue 15: one such row used to stop intake's relay)."""

from __future__ import annotations

import sqlalchemy as sa

from services.intake.tables import schema
from tests.unit.intake.conftest import DAZHOU_MATERIALS


async def outbox_sizes(intake) -> dict[str, int]:
    async with intake.runtime.engine.connect() as conn:
        rows = (await conn.execute(sa.select(schema.outbox.c.key, schema.outbox.c.payload))).all()
    return {row.key: len(row.payload.encode()) for row in rows}


async def decisions_of(intake, project: str) -> int:
    async with intake.runtime.engine.connect() as conn:
        return await conn.scalar(
            sa.select(sa.func.count()).select_from(schema.decisions).where(schema.decisions.c.subject == project)
        )


async def test_a_submission_whose_event_exceeds_the_bus_limit_is_a_413_and_writes_nothing(intake):
    usual = await intake.draft()
    assert (await intake.post(f"/api/intake/applications/{usual}/submit")).status_code == 200
    usual_size = (await outbox_sizes(intake))[usual]
    assert await decisions_of(intake, usual) > 0  # a submission records its rule checks
    # The bus limit just above a usual submission's event; this one lists 40 more materials.
    intake.runtime.settings.max_event_bytes = usual_size + 200
    extra = [f"supporting_document_{n:02d}_{'附件' * 10}" for n in range(40)]
    big = await intake.draft(materials=[*DAZHOU_MATERIALS, *extra])
    decided_before = await decisions_of(intake, big)

    response = await intake.post(f"/api/intake/applications/{big}/submit")

    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/event-too-large") and problem["event_type"] == "intake.application.submitted.v1"
    assert problem["limit_bytes"] == usual_size + 200 and problem["size_bytes"] > problem["limit_bytes"]
    assert (await intake.get(f"/api/intake/applications/{big}")).json()["status"] == "draft"
    assert big not in await outbox_sizes(intake)
    assert await decisions_of(intake, big) == decided_before  # the submission's rule checks rolled back too
