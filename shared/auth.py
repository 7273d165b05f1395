"""Who is calling: JWT verification, roles from RULES.md §8, unit scoping and secret-project clearance."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel

from shared import clock
from shared.errors import Problem, forbidden


class Role(StrEnum):
    """Each acts only in its role (dazhou:第五条; fengxian:第四条,第五条; jiyuan:职责)."""

    UNIT = "unit"  # 建设单位
    DATA_BUREAU = "data_bureau"  # 数据局
    DRC = "drc"  # 发改委
    FINANCE = "finance"  # 财政局
    PROCUREMENT_CENTER = "procurement_center"  # 采购中心
    AUDIT = "audit"  # 审计局
    CYBERSPACE = "cyberspace"  # 网信办
    CRYPTO = "crypto"  # 密码管理局
    POLICE = "police"  # 公安 (MLPS filing)
    CITY_OPERATIONS = "city_operations"  # 城运中心
    LEADING_OFFICE = "leading_office"  # 领导小组办公室
    CONFIDENTIALITY_OFFICE = "confidentiality_office"  # 保密办
    EXPERT = "expert"  # 专家
    # Leaders who decide approvals (dazhou:第十条, 第四十三条).
    VICE_MAYOR_UNIT = "vice_mayor_unit"
    VICE_MAYOR_DIGITAL = "vice_mayor_digital"
    VICE_MAYOR_FINANCE = "vice_mayor_finance"
    MAYOR = "mayor"
    EXECUTIVE_MEETING = "executive_meeting"
    STANDING_COMMITTEE = "standing_committee"
    FINANCE_COMMITTEE = "finance_committee"  # 市委财经委员会 (collective review, dazhou:第十条)
    DATA_OPERATOR = "data_operator"  # 公共数据运营商
    PLATFORM = "platform"  # another government platform calling the APIs


class Principal(BaseModel):
    subject: str
    name: str = ""
    roles: frozenset[Role]
    unit: str | None = None  # the unit a unit-role user acts for
    cleared: bool = False  # may read secret (涉密) project content

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def can_see_unit(self, unit: str) -> bool:
        """Unit staff see only their own unit; the bureaus and platforms see all."""
        if self.roles - {Role.UNIT, Role.EXPERT, Role.DATA_OPERATOR}:
            return True
        return self.unit == unit


def issue_token(
    secret: str,
    subject: str,
    roles: Iterable[Role | str],
    *,
    unit: str | None = None,
    name: str = "",
    cleared: bool = False,
    issuer: str = "govproj-gateway",
    ttl: timedelta = timedelta(hours=8),
) -> str:
    issued = clock.now()
    claims = {
        "sub": subject,
        "name": name,
        "roles": sorted(str(Role(r)) for r in roles),
        "unit": unit,
        "cleared": cleared,
        "iss": issuer,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(token: str, secret: str, issuer: str = "govproj-gateway") -> Principal:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=issuer,
            options={"require": ["sub", "exp", "roles"], "verify_exp": False, "verify_iat": False},
        )
    except jwt.PyJWTError as exc:
        raise _unauthorized(f"invalid token: {exc}") from exc
    # Expiry (and issue time, unchecked by PyJWT) against the injectable clock, so moved time behaves
    # like real time in every service.
    if claims["exp"] < clock.now().timestamp():
        raise _unauthorized("token expired")
    try:
        roles = frozenset(Role(r) for r in claims["roles"])
    except ValueError as exc:
        raise _unauthorized(f"unknown role in token: {exc}") from exc
    return Principal(
        subject=claims["sub"],
        name=claims.get("name", ""),
        roles=roles,
        unit=claims.get("unit"),
        cleared=bool(claims.get("cleared")),
    )


def _unauthorized(detail: str) -> Problem:
    problem = Problem(401, "unauthorized", "需要有效的身份令牌 / A valid bearer token is required", detail)
    problem.extensions["www_authenticate"] = "Bearer"
    return problem


async def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("missing 'Authorization: Bearer <token>' header")
    settings = request.app.state.settings
    return verify_token(token, settings.jwt_secret, settings.jwt_issuer)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(*roles: Role):
    """A dependency that lets only the given roles through."""

    async def _check(principal: CurrentPrincipal) -> Principal:
        if not principal.has(*roles):
            raise forbidden(
                f"this action needs one of the roles {', '.join(r.value for r in roles)}",
                required_roles=[r.value for r in roles],
            )
        return principal

    return Depends(_check)


def ensure_unit_access(principal: Principal, unit: str) -> None:
    if not principal.can_see_unit(unit):
        raise forbidden(f"unit staff may act only for their own unit ({principal.unit})")
