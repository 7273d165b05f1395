"""What the catalog's routes share: roles, the public view of a system, idempotent creation."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from services.catalog import queries
from services.catalog.domain import operations
from services.catalog.handlers.common import load
from services.catalog.schemas import SystemPublic
from services.catalog.tables import System
from shared import idempotency
from shared.auth import Principal, Role, require
from shared.policy import packs
from shared.scope import Owner, ProjectScope
from shared.service import ServiceRuntime
from shared.uow import UnitOfWork

PREFIX = "/api/catalog"
TAGS: list[Any] = ["catalog 系统目录"]

READER_ROLES = (Role.UNIT, Role.DATA_BUREAU, Role.FINANCE, Role.DRC, Role.AUDIT, Role.PLATFORM)
Readers = require(*READER_ROLES)
Bureau = require(Role.DATA_BUREAU)
Importers = require(Role.DATA_BUREAU, Role.PLATFORM, Role.UNIT)
MonitoringPlatforms = require(Role.PLATFORM, Role.DATA_BUREAU)
UnitOrBureau = require(Role.UNIT, Role.DATA_BUREAU)
Evaluators = require(Role.UNIT, Role.DATA_BUREAU, Role.FINANCE)
SecurityAuthorities = require(Role.DATA_BUREAU, Role.CRYPTO, Role.CYBERSPACE, Role.POLICE)
FundingAskers = require(Role.FINANCE, Role.DATA_BUREAU, Role.DRC, Role.AUDIT, Role.PLATFORM, Role.UNIT)


#: Who reads a catalogued system or project (shared/scope.py): every read of its data goes through it.
scope = ProjectScope.of("catalog", queries.subject_owner, readers=READER_ROLES)


def scope_knowing(owner: Owner | None) -> ProjectScope:
    """`scope` for a route that has read the subject's owner already (with the rows it shows, in the same
    statement): the same rule, without locating the owner again."""

    async def known(uow: UnitOfWork, subject: str) -> Owner | None:
        return owner

    return dataclasses.replace(scope, locate=known)


async def read_system(uow: UnitOfWork, principal: Principal, system_id: str, what: str = "system") -> System:
    """The system, once the scope lets `principal` read it (404 for another unit's)."""
    await scope.ensure(uow, principal, system_id, content=False, what=what)
    return await load(uow, system_id)


#: Who manages the data, per jurisdiction: (value, citation), or None where the pack says nothing.
Ownership = dict[str, tuple[Any, str] | None]
_PUBLIC_FIELDS: set[str] = set(SystemPublic.model_fields)


def public(system: System, principal: Principal | None = None, ownership: Ownership | None = None) -> SystemPublic:
    """A secret (涉密) system's name only for its unit and cleared staff (dazhou:第六十五条). A list passes
    one `ownership` dict for all its rows: the pack's data-ownership rule is then decided once per
    jurisdiction and page instead of once per row (it takes no facts)."""
    data = system.model_dump(include=_PUBLIC_FIELDS)
    if system.secret and not (principal is not None and (principal.cleared or principal.unit == system.unit)):
        data["name"] = None
    memo: Ownership = {} if ownership is None else ownership
    if system.jurisdiction not in memo:
        decision = None
        if system.jurisdiction in packs.ids():
            decision = operations.data_ownership_decision(packs.get(system.jurisdiction))
        memo[system.jurisdiction] = (decision.value, decision.citation) if decision is not None else None
    found = memo[system.jurisdiction]
    if found is not None:
        data["data_managed_by"], data["data_managed_by_citation"] = found
    return SystemPublic(**data)


def body_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def idempotent(
    runtime: ServiceRuntime,
    key: str | None,
    principal: Principal,
    body: Any,
    status: int,
    action: Callable[[UnitOfWork], Awaitable[Any]],
) -> JSONResponse:
    """Run `action` once per Idempotency-Key; a retry gets the first answer."""
    return await idempotency.run_once(runtime, key, principal, body, action, status=status)
