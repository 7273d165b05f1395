"""Stock systems (存量系统, suqian:(一)) imported from a census file into the catalog: every good row enters it,
every bad row is in the import's report, a row already in the catalog is left as it is."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import col

from services.catalog.domain import operations, stock
from services.catalog.handlers.common import subject
from services.catalog.handlers.systems import INCOMPLETE_SHARING, registered_event, schedule_evaluations
from services.catalog.metrics import IMPORT_ROWS, SYSTEMS_REGISTERED
from services.catalog.tables import Evaluation, ImportBatch, System
from shared import clock
from shared.auth import Principal, Role
from shared.contracts.catalog import SystemDataSharingChanged
from shared.ids import new_id
from shared.policy import packs
from shared.uow import UnitOfWork

MAX_IMPORT_ROWS = 10_000  # one request; larger censuses are split into several files
#: systems written (and let go of) at a time by an import, inside its one transaction
IMPORT_CHUNK = 500


async def import_stock(
    uow: UnitOfWork, content: bytes, media_type: str, principal: Principal
) -> tuple[ImportBatch, int]:
    """Stock systems (存量系统, suqian:(一)) from a CSV or JSON file: every good row enters the catalog,
    every bad row is in the report; a row already in the catalog is left as it is (a re-import is harmless).
    Raises `stock.UnreadableFile` for a file that cannot be read at all, before anything is written."""
    source = stock.StockFile(content, media_type, MAX_IMPORT_ROWS)
    today = clock.today()
    # Read twice, a row at a time: first checked (what is kept: each good row's place and ids), then the
    # rows to write validated again a chunk at a time (stock.StockFile says why).
    checked = stock.verdict(source.rows(), set(packs.ids()), today)
    if not principal.has(Role.DATA_BUREAU, Role.PLATFORM):
        # unit staff may report only their own unit's systems
        kept = []
        for good in checked.good:
            if good.unit != principal.unit:
                message = f"unit staff may import only their own unit's systems ({principal.unit})"
                checked.bad.append(
                    stock.RowError(good.index, good.external_ref, [{"field": "unit", "message": message}])
                )
            else:
                kept.append(good)
        checked.good = kept
    already = await _ids_in_catalog(uow, [good.system_id for good in checked.good])
    fresh = {good.index for good in checked.good if good.system_id not in already}
    now = clock.now()
    batch_id = new_id(f"IMP-{now:%Y%m%d}", length=8)
    jurisdictions: set[str] = set()
    # Every row was checked above, so a bad row has written nothing; the good ones are written a chunk at a
    # time inside this one transaction (a failure still rolls the whole import back), and each chunk's
    # systems, evaluations, events and audit rows are written and let go before the next: the process holds
    # one chunk, not the census.
    for rows in stock.good_rows(source.rows(), fresh, IMPORT_CHUNK):
        systems = [_stock_system(row, today, now) for row in rows]
        await _write_stock_chunk(uow, systems, batch_id, principal, today)
        jurisdictions.update(system.jurisdiction for system in systems)
        for system in systems:
            SYSTEMS_REGISTERED.labels(system.jurisdiction, "stock_import").inc()
        del systems, rows
    imported = len(fresh)
    errors = [error.as_dict() for error in sorted(checked.bad, key=lambda e: e.row)]
    batch = ImportBatch(
        id=batch_id,
        format="json" if "json" in media_type else "csv",
        rows=source.count,
        imported=imported,
        rejected=len(errors),
        errors=errors,
        imported_by=principal.subject,
        imported_at=now,
    )
    uow.session.add(batch)
    # One decision for the batch: why these systems are in the catalog at all.
    for jurisdiction in sorted(jurisdictions):
        pack = packs.get(jurisdiction)
        if pack.has(operations.SYSTEM_CATALOG):
            decision = pack.decide(operations.SYSTEM_CATALOG, {})
            await uow.record_decision(decision, subject=batch_id, action="systems.imported", actor=principal)
        ownership = operations.data_ownership_decision(pack)
        if ownership is not None:
            await uow.record_decision(ownership, subject=batch_id, action="systems.imported", actor=principal)
    await uow.audit(
        subject=batch_id,
        action="systems.imported",
        actor=principal,
        detail={"rows": source.count, "imported": imported, "rejected": len(errors)},
    )
    IMPORT_ROWS.labels("imported").inc(imported)
    IMPORT_ROWS.labels("rejected").inc(len(errors))
    IMPORT_ROWS.labels("already_in_catalog").inc(len(checked.good) - imported)
    return batch, len(checked.good) - imported


async def _ids_in_catalog(uow: UnitOfWork, ids: list[str]) -> set[str]:
    """Which of these system ids the catalog holds already (ids only: a re-import loads no systems)."""
    found: set[str] = set()
    for start in range(0, len(ids), IMPORT_CHUNK):
        found.update(
            await uow.session.scalars(
                sa.select(col(System.id)).where(col(System.id).in_(ids[start : start + IMPORT_CHUNK]))
            )
        )
    return found


def _stock_system(row: stock.StockSystemRow, today: date, now: datetime) -> System:
    return System(
        id=row.system_id,
        project_id=None,
        unit=row.unit,
        jurisdiction=row.jurisdiction,
        name=row.name,
        secret=row.secret,
        state=row.state,
        registered_on=today,
        went_live_on=row.went_live_on,
        origin="stock_import",
        external_ref=row.external_ref,
        category=row.category,
        deployment=row.deployment,
        mlps_level=row.mlps_level,
        crypto_status=row.crypto_status,
        security_status=row.security_status,
        data_sharing_status=row.data_sharing_status,
        created_at=now,
        updated_at=now,
    )


async def _write_stock_chunk(
    uow: UnitOfWork, systems: list[System], batch_id: str, principal: Principal, today: date
) -> None:
    """One chunk of an import: the systems, the evaluations and deadlines they owe, their events and audit
    rows, written now (not at the commit) and then let go of by the session and the unit of work."""
    uow.session.add_all(systems)
    deadline_rows: list[dict] = []
    for system in systems:
        await schedule_evaluations(uow, system, bulk=deadline_rows)
    if deadline_rows:
        await uow.session.execute(uow.schema.deadlines.insert(), deadline_rows)
    for system in systems:
        await uow.emit(registered_event(system))
        if system.data_sharing_status in INCOMPLETE_SHARING:
            # only what bars matters to intake's view; a new system has no resources yet (dazhou:第二十四条)
            await uow.emit(
                SystemDataSharingChanged(
                    project_id=subject(system),
                    system_id=system.id,
                    unit=system.unit,
                    jurisdiction=system.jurisdiction,
                    data_sharing_status=system.data_sharing_status,
                    changed_on=today,
                )
            )
        await uow.audit(
            subject=system.id,
            action="system.imported",
            actor=principal,
            detail={"batch": batch_id, "external_ref": system.external_ref},
        )
    await uow.session.flush()
    await uow.write_staged()
    for written in [o for o in uow.session if isinstance(o, System | Evaluation)]:
        uow.session.expunge(written)
