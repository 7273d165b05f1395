"""The OpenID Connect provider as the services see it: discovery, the JWKS cache, access-token verification
with the claim mapping, and client-credentials tokens for the calls one service makes to another.

PyJWT does the cryptography and the registered-claim checks (`exp`, `nbf`, `iat`, `iss`, `aud`); this
module adds what PyJWKClient lacks for a server: non-blocking fetches, refetch on an unknown `kid` at
most once per `oidc_jwks_min_refresh_seconds` (a forged `kid` must not make every request call the
provider), and a provider outage answered as 503 instead of 401 (the token may well be good).

Claim mapping (documented for the identity administrators in docs/security.md):
  roles   the first of `oidc_roles_claims` present (dotted paths, default `govproj_roles`, then
          `realm_access.roles`); names that are not govproj roles are ignored (providers add their own,
          e.g. `offline_access`), so a token with none of ours gets 403 at each route, never more
  unit    `oidc_unit_claim` (default `govproj_unit`), a string
  cleared `oidc_cleared_claim` (default `govproj_cleared`), true or "true" only
  name    `name`, else `preferred_username`
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import jwt

from shared.errors import Problem

if TYPE_CHECKING:
    from shared.auth import Principal
    from shared.settings import Settings

#: Only asymmetric algorithms: a provider's public key can never be used as an HMAC secret.
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"})
FETCH_TIMEOUT = httpx.Timeout(5.0, connect=3.0)


class InvalidToken(Exception):
    """The token is not one this service accepts; the message says why (it goes to the 401 detail)."""


def provider_unavailable(detail: str) -> Problem:
    problem = Problem(
        503, "identity-provider-unavailable", "身份认证服务暂不可用 / The identity provider is unavailable", detail
    )
    problem.headers = {"Retry-After": "5"}
    return problem


@dataclass
class ClaimMapping:
    roles: tuple[str, ...] = ("govproj_roles", "realm_access.roles")
    unit: str = "govproj_unit"
    cleared: str = "govproj_cleared"

    def principal(self, claims: dict[str, Any]) -> Principal:
        from shared.auth import Principal, Role

        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise InvalidToken("the token has no subject ('sub')")
        names: Any = next((value for path in self.roles if (value := _dig(claims, path)) is not None), [])
        if isinstance(names, str):
            names = names.split()
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            raise InvalidToken(f"the roles claim must be a list of strings ({', '.join(self.roles)})")
        known = {role.value for role in Role}
        unit = claims.get(self.unit)
        if unit is not None and not isinstance(unit, str):
            raise InvalidToken(f"'{self.unit}' must be a string")
        name = claims.get("name") or claims.get("preferred_username") or ""
        return Principal(
            subject=subject,
            name=name if isinstance(name, str) else "",
            roles=frozenset(Role(n) for n in names if n in known),
            unit=unit or None,
            cleared=claims.get(self.cleared) in (True, "true"),
        )


def _dig(claims: dict[str, Any], path: str) -> Any:
    node: Any = claims
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


@dataclass
class Provider:
    """One issuer's discovery document and signing keys, fetched lazily and cached."""

    issuer: str
    min_refresh_seconds: float = 30.0
    max_age_seconds: float = 3600.0
    transport: httpx.AsyncBaseTransport | None = None
    _metadata: dict[str, Any] | None = None
    _keys: dict[str | None, jwt.PyJWK] = field(default_factory=dict)  # a key may have no `kid`
    _fetched_at: float = float("-inf")
    _attempted_at: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    fetches: int = 0  # JWKS downloads, for the tests and the logs

    async def _get(self, url: str) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT, transport=self.transport) as client:
                response = await client.get(url)
                response.raise_for_status()
                return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise provider_unavailable(f"{url}: {exc.__class__.__name__}") from exc

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            document = await self._get(self.issuer.rstrip("/") + "/.well-known/openid-configuration")
            # OIDC Discovery §4.3: the document must name the issuer it was fetched for.
            if document.get("issuer") != self.issuer or not isinstance(document.get("jwks_uri"), str):
                raise provider_unavailable(f"the discovery document of {self.issuer} names another issuer or no keys")
            self._metadata = document
        return self._metadata

    async def key(self, kid: str | None) -> jwt.PyJWK:
        if kid not in self._keys or time.monotonic() - self._fetched_at > self.max_age_seconds:
            # An unknown kid is how a key rotation shows itself; keys also age out so a withdrawn key
            # stops working. A provider that is down while cached keys still answer is not an outage.
            try:
                await self._refresh()
            except Problem:
                if kid not in self._keys:
                    raise
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        try:
            return self._keys[kid]
        except KeyError:
            raise InvalidToken(f"no signing key '{kid}' at the identity provider") from None

    async def _refresh(self) -> None:
        asked = time.monotonic()
        async with self._lock:
            # At most one download per interval, however many forged kids arrive, and none when another
            # request refreshed while this one waited for the lock.
            if asked - self._attempted_at < self.min_refresh_seconds or self._attempted_at > asked:
                return
            self._attempted_at = time.monotonic()
            document = await self._get((await self.metadata())["jwks_uri"])
            try:
                keys = jwt.PyJWKSet.from_dict(document).keys
            except jwt.PyJWTError as exc:
                raise provider_unavailable(f"the provider's key set is not usable: {exc}") from exc
            self._keys = {key.key_id: key for key in keys if key.public_key_use in (None, "sig")}
            self._fetched_at = time.monotonic()
            self.fetches += 1


@dataclass
class Verifier:
    """Verifies one service's access tokens: this issuer, this service's audience, asymmetric keys."""

    provider: Provider
    audience: str
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    leeway_seconds: float = 30.0
    mapping: ClaimMapping = field(default_factory=ClaimMapping)

    def __post_init__(self) -> None:
        unsafe = set(self.algorithms) - ASYMMETRIC
        if unsafe:
            raise ValueError(f"OIDC tokens must be signed asymmetrically; refused: {', '.join(sorted(unsafe))}")

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"malformed token: {exc}") from exc
        if header.get("alg") not in self.algorithms:
            raise InvalidToken(f"algorithm '{header.get('alg')}' is not accepted ({', '.join(self.algorithms)})")
        kid = header.get("kid")
        if kid is not None and not isinstance(kid, str):
            raise InvalidToken("malformed key id ('kid')")
        key = await self.provider.key(kid)
        try:
            # Expiry against the real clock, not the injectable one: the provider stamps real time, and
            # a test that moves the service clock must not expire (or revive) the provider's tokens.
            claims = jwt.decode(
                token,
                key,
                algorithms=list(self.algorithms),
                audience=self.audience,
                issuer=self.provider.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        for name in ("exp", "iat", "nbf"):
            # RFC 7519 §2: a NumericDate is a JSON number; PyJWT also takes "123" strings.
            value = claims.get(name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise InvalidToken(f"'{name}' must be a number")
        return self.mapping.principal(claims)


@dataclass
class ClientCredentials:
    """This service's own access token (OAuth 2.0 client credentials, RFC 6749 §4.4), cached until shortly
    before it expires; for the calls a service makes to another in its own name."""

    provider: Provider
    client_id: str
    client_secret: str
    scope: str | None = None
    _token: str | None = None
    _expires_at: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def token(self) -> str:
        async with self._lock:
            if self._token is None or time.monotonic() > self._expires_at:
                await self._fetch()
            return self._token  # type: ignore[return-value]

    async def _fetch(self) -> None:
        endpoint = (await self.provider.metadata()).get("token_endpoint")
        if not isinstance(endpoint, str):
            raise provider_unavailable("the provider's metadata names no token_endpoint")
        data = {"grant_type": "client_credentials", **({"scope": self.scope} if self.scope else {})}
        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT, transport=self.provider.transport) as client:
                response = await client.post(endpoint, data=data, auth=(self.client_id, self.client_secret))
                response.raise_for_status()
                answer = response.json()
            token, lifetime = answer["access_token"], float(answer.get("expires_in", 60))
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            raise provider_unavailable(f"client credentials for '{self.client_id}': {exc.__class__.__name__}") from exc
        self._token = token
        self._expires_at = time.monotonic() + max(lifetime - 30.0, lifetime / 2)


@dataclass
class Identity:
    """What one process knows of the provider: its verifier and, if it has a client, its own token."""

    verifier: Verifier | None
    credentials: ClientCredentials | None

    @classmethod
    def from_settings(cls, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> Identity:
        if not settings.oidc_issuer:
            return cls(None, None)
        provider = Provider(
            settings.oidc_issuer,
            min_refresh_seconds=settings.oidc_jwks_min_refresh_seconds,
            max_age_seconds=settings.oidc_jwks_max_age_seconds,
            transport=transport,
        )
        verifier = Verifier(
            provider,
            audience=settings.oidc_audience or f"govproj-{settings.service}",
            algorithms=tuple(settings.oidc_algorithms),
            leeway_seconds=settings.oidc_leeway_seconds,
            mapping=ClaimMapping(
                roles=tuple(settings.oidc_roles_claims),
                unit=settings.oidc_unit_claim,
                cleared=settings.oidc_cleared_claim,
            ),
        )
        credentials = None
        if settings.oidc_client_id and settings.oidc_client_secret:
            credentials = ClientCredentials(provider, settings.oidc_client_id, settings.oidc_client_secret)
        return cls(verifier, credentials)


def asymmetric(algorithms: Iterable[str]) -> list[str]:
    """The settings validator's check: only asymmetric algorithms for provider tokens."""
    algorithms = list(algorithms)
    unsafe = sorted(set(algorithms) - ASYMMETRIC)
    if unsafe or not algorithms:
        raise ValueError(f"GOVPROJ_OIDC_ALGORITHMS must be asymmetric (e.g. RS256, ES256); refused: {unsafe}")
    return algorithms
