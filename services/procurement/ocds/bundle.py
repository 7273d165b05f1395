"""The OCDS bundle of one project: everything the releases publish, read in one unit of work."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import col

from services.procurement import ocds
from services.procurement.queries import (
    award_of,
    bids_of,
    contracts_of,
    incidents_of,
    plans_of,
    sanctions_of,
    supplements_of,
    tenders_of,
)
from services.procurement.tables import ProcurementProject, Supplier
from shared.uow import UnitOfWork


async def bundle_of(uow: UnitOfWork, project: ProcurementProject) -> ocds.Bundle:
    """Everything OCDS publishes about one project, read in this unit of work."""
    tenders = await tenders_of(uow, project.project_id)
    bids = {t.id: await bids_of(uow, t.id) for t in tenders}
    awards = {t.id: a for t in tenders if (a := await award_of(uow, t.id)) is not None}
    contracts = await contracts_of(uow, project.project_id)
    supplier_ids = {b.supplier_id for rows in bids.values() for b in rows}
    supplier_ids |= {c.supplier_id for c in contracts if c.supplier_id}
    suppliers = {}
    if supplier_ids:
        rows = await uow.session.scalars(sa.select(Supplier).where(col(Supplier.id).in_(supplier_ids)))
        suppliers = {row.id: row for row in rows.all()}
    return ocds.Bundle(
        project=project,
        plans=await plans_of(uow, project.project_id),
        tenders=tenders,
        bids=bids,
        awards=awards,
        suppliers=suppliers,
        contracts=contracts,
        supplements=await supplements_of(uow, project.project_id),
        incidents=await incidents_of(uow, project.project_id),
        sanctions=await sanctions_of(uow, project.project_id),
    )
