"""Who is calling: bearer-token verification (the OIDC provider's, or dev tokens in local runs), roles from
RULES.md §8, unit scoping and secret-project clearance."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import jwt
from fastapi import Depends, Request, params
from pydantic import BaseModel
from starlette.applications import Starlette

from shared import clock, oidc
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
    """A dev token (HS256, the gateway's seeded users); only for GOVPROJ_ENV dev and test."""
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
    # A signed token is still input: every claim is checked for its type before it is used.
    expires, roles, subject = claims["exp"], claims["roles"], claims["sub"]
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise _unauthorized("the token's expiry ('exp') must be a number")
    if not isinstance(subject, str) or not subject:
        raise _unauthorized("the token's subject ('sub') must be a non-empty string")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise _unauthorized("the token's roles must be a list of strings")
    for name in ("unit", "name"):
        if claims.get(name) is not None and not isinstance(claims[name], str):
            raise _unauthorized(f"the token's '{name}' must be a string")
    # Expiry (and issue time, unchecked by PyJWT) against the injectable clock, so moved time behaves
    # like real time in every service.
    if expires < clock.now().timestamp():
        raise _unauthorized("token expired")
    try:
        role_set = frozenset(Role(r) for r in roles)
    except ValueError as exc:
        raise _unauthorized(f"unknown role in token: {exc}") from exc
    return Principal(
        subject=subject,
        name=claims.get("name") or "",
        roles=role_set,
        unit=claims.get("unit"),
        cleared=claims.get("cleared") is True,
    )


def _unauthorized(detail: str, error: str = "invalid_token") -> Problem:
    problem = Problem(401, "unauthorized", "需要有效的身份令牌 / A valid bearer token is required", detail)
    # RFC 6750 §3: no token at all gets a bare challenge; a bad token names the error.
    challenge = 'Bearer realm="govproj"' + (f', error="{error}"' if error else "")
    problem.headers["WWW-Authenticate"] = challenge
    return problem


def bearer_token(authorization: str) -> str:
    """The token in an `Authorization: Bearer <token>` header, or a 401 problem."""
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if not scheme:
        raise _unauthorized("missing 'Authorization: Bearer <token>' header", error="")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("expected 'Authorization: Bearer <token>' with a token")
    if len(token) > MAX_TOKEN_LENGTH or not token.isascii() or not token.isprintable() or " " in token:
        raise _unauthorized("the bearer token is not a compact JWT")
    return token


MAX_TOKEN_LENGTH = 16_000  # a provider token with many roles is a few kilobytes; more is an attack


def identity(app: Starlette) -> oidc.Identity:
    """The process's view of the identity provider, built once from its settings."""
    found = getattr(app.state, "identity", None)
    if found is None:
        found = app.state.identity = oidc.Identity.from_settings(app.state.settings)
    return found


async def authenticate(app: Starlette, authorization: str) -> Principal:
    """Dev HS256 tokens where the environment allows them; otherwise the provider's (RS256/ES256) tokens.
    The algorithm in the header only picks the path: each path accepts its own algorithms alone."""
    settings = app.state.settings
    token = bearer_token(authorization)
    try:
        algorithm = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError as exc:
        raise _unauthorized(f"malformed token: {exc}") from exc
    if algorithm == "HS256" and settings.dev_tokens_allowed:
        return verify_token(token, settings.jwt_secret, settings.jwt_issuer)
    verifier = identity(app).verifier
    if verifier is None:
        raise _unauthorized("no identity provider is configured (GOVPROJ_OIDC_ISSUER) for this token")
    try:
        return await verifier.verify(token)
    except oidc.InvalidToken as exc:
        raise _unauthorized(f"invalid token: {exc}") from exc


async def current_principal(request: Request) -> Principal:
    return await authenticate(request.app, request.headers.get("authorization", ""))


async def outbound_authorization(request: Request) -> str:
    """The `Authorization` a service sends when it calls another service for this request: its own
    client-credentials token where it has an OIDC client (the caller's token names only the audiences
    the caller was given), else, in local runs, the caller's own dev token."""
    credentials = identity(request.app).credentials
    if credentials is not None:
        return f"Bearer {await credentials.token()}"
    return request.headers.get("authorization", "")


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(*roles: Role) -> params.Depends:
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
