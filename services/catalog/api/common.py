"""What the catalog's routes share: roles, the public view of a system, idempotent creation."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from services.catalog.schemas import SystemPublic
from services.catalog.tables import System
from shared import idempotency
from shared.auth import Principal, Role, require
from shared.service import ServiceRuntime
from shared.uow import UnitOfWork

PREFIX = "/api/catalog"
TAGS: list[Any] = ["catalog 系统目录"]

Readers = require(Role.UNIT, Role.DATA_BUREAU, Role.FINANCE, Role.DRC, Role.AUDIT, Role.PLATFORM)
Bureau = require(Role.DATA_BUREAU)
Importers = require(Role.DATA_BUREAU, Role.PLATFORM, Role.UNIT)
MonitoringPlatforms = require(Role.PLATFORM, Role.DATA_BUREAU)
UnitOrBureau = require(Role.UNIT, Role.DATA_BUREAU)
Evaluators = require(Role.UNIT, Role.DATA_BUREAU, Role.FINANCE)
SecurityAuthorities = require(Role.DATA_BUREAU, Role.CRYPTO, Role.CYBERSPACE, Role.POLICE)
FundingAskers = require(Role.FINANCE, Role.DATA_BUREAU, Role.DRC, Role.AUDIT, Role.PLATFORM, Role.UNIT)


def public(system: System, principal: Principal | None = None) -> SystemPublic:
    """A secret (涉密) system's name only for its unit and cleared staff (dazhou:第六十五条)."""
    data = system.model_dump(include=set(SystemPublic.model_fields))
    if system.secret and not (principal is not None and (principal.cleared or principal.unit == system.unit)):
        data["name"] = None
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
