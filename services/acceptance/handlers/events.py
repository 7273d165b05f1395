"""Events acceptance consumes: intake's admission says whether the project is secret (涉密); a signed
contract opens the project on the path its pack chooses."""

from __future__ import annotations

from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from services.acceptance.handlers.common import choose_path
from services.acceptance.tables import AcceptanceProject, ProjectSecrecy
from shared import clock
from shared.bus import Subscriptions
from shared.contracts.envelope import CloudEvent
from shared.contracts.intake import ApplicationAdmitted
from shared.contracts.procurement import ContractSigned
from shared.locking import locked
from shared.uow import UnitOfWork

subscriptions = Subscriptions()


@subscriptions.on(ApplicationAdmitted)
async def on_application_admitted(uow: UnitOfWork, event: CloudEvent, payload: ApplicationAdmitted) -> None:
    """Remember whether the project is secret (涉密): its path and events depend on it. One upsert (issue 21:
    no read before it), the last admission's word standing."""
    table = cast(sa.Table, ProjectSecrecy.__table__)  # type: ignore[attr-defined]
    insert = (postgresql.insert if uow.dialect == "postgresql" else sqlite.insert)(table)
    await uow.session.execute(
        insert.values(project_id=payload.project_id, secret=payload.project.secret).on_conflict_do_update(
            index_elements=["project_id"], set_={"secret": payload.project.secret}
        )
    )
    project = await locked(uow.session, AcceptanceProject, payload.project_id)
    if project is not None and project.secret != payload.project.secret and not project.done_steps:
        project.secret = payload.project.secret
        await choose_path(uow, project)


@subscriptions.on(ContractSigned)
async def on_contract_signed(uow: UnitOfWork, event: CloudEvent, payload: ContractSigned) -> None:
    if await uow.session.get(AcceptanceProject, payload.project_id) is not None:
        return
    secrecy = await uow.session.get(ProjectSecrecy, payload.project_id)
    now = clock.now()
    project = AcceptanceProject(
        project_id=payload.project_id,
        unit=payload.unit,
        jurisdiction=payload.jurisdiction,
        contract_signed_on=payload.signed_on,
        supplier=payload.supplier,
        secret=bool(secrecy and secrecy.secret),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(project)
    await choose_path(uow, project)
