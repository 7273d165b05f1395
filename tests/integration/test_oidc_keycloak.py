"""Sign-in end to end against a real OpenID Connect provider: Keycloak from Maven Central, started by
deploy/local/keycloak/keycloak.sh with the realms in that folder. Tokens come from the client-credentials
grant and from the authorization-code flow with PKCE (the login form driven with httpx, as a browser
would); the intake service and the gateway, in-process on SQLite, verify them against the realm's JWKS.

One Keycloak for the module. `GOVPROJ_TEST_KEYCLOAK=<base url>` reuses one already running with these
realms (e.g. `KEYCLOAK_PORT=8180 deploy/local/keycloak/keycloak.sh start`) instead of starting one."""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import jwt
import pytest

from services.gateway.main import create_app as create_gateway
from services.intake import handlers
from services.intake.api import router, scope
from services.intake.tables import schema
from shared import oidc
from shared.db import upgrade_to_head
from shared.policy import packs
from shared.service import ServiceRuntime, create_service_app
from shared.settings import Settings
from tests.support import infra
from tests.unit.intake.conftest import EDU, draft_body

# Keycloak starts in ~45 s on a quiet 2-core machine and took 2 m 45 s on a loaded one: the first test carries
# the start-up, so the module gets a longer per-test bound than the suite default (300 s).
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

REDIRECT_URI = "http://127.0.0.1:8000/auth/callback"  # registered for govproj-web in realm-govproj.json
PASSWORD = "govproj-test-password"  # the test realm's users
TIMEOUT = httpx.Timeout(120.0)  # password hashing on a loaded machine is slow, never wrong


@pytest.fixture(scope="module")
def keycloak() -> Iterator[str]:
    reuse = os.environ.get("GOVPROJ_TEST_KEYCLOAK")
    if reuse:
        yield reuse.rstrip("/")
        return
    port = infra.free_port()
    base = infra.start_keycloak(port)
    try:
        yield base
    finally:
        infra.stop_keycloak(port)


def issuer(keycloak: str, realm: str = "govproj") -> str:
    return f"{keycloak}/realms/{realm}"


async def client_credentials(keycloak: str, client_id: str, secret: str, realm: str = "govproj") -> str:
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        response = await client.post(
            f"{issuer(keycloak, realm)}/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
        )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def metadata(keycloak: str) -> dict[str, Any]:
    return httpx.get(f"{issuer(keycloak)}/.well-known/openid-configuration", timeout=TIMEOUT).json()


async def authorize(keycloak: str, username: str, *, challenge: str | None, password: str = PASSWORD) -> httpx.URL:
    """The browser's half: to the authorization endpoint with a code challenge, sign in on the provider's
    form, come back to the redirect URI. Returns where the provider sent the browser."""
    state = secrets.token_urlsafe(16)
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"} if challenge else {}
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as browser:
        page = await browser.get(
            metadata(keycloak)["authorization_endpoint"],
            params={
                "client_id": "govproj-web",
                "response_type": "code",
                "scope": "openid",
                "redirect_uri": REDIRECT_URI,
                "state": state,
                **pkce,
            },
        )
        if page.status_code == 302:  # refused before any form (e.g. no code challenge)
            return httpx.URL(page.headers["location"])
        assert page.status_code == 200, page.text[:500]
        action = html.unescape(re.search(r'<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"', page.text).group(1))
        # Keycloak marks its cookies Secure; a browser sends them to http://127.0.0.1 (a secure context),
        # httpx does not, so they are passed on by hand.
        cookies = "; ".join(f"{name}={value}" for name, value in page.cookies.items())
        login = await browser.post(
            action, data={"username": username, "password": password}, headers={"cookie": cookies}
        )
    assert login.status_code == 302, login.text[:2000]
    callback = httpx.URL(login.headers["location"])
    assert str(callback).startswith(REDIRECT_URI) and callback.params["state"] == state
    return callback


async def exchange(keycloak: str, code: str, verifier: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        return await client.post(
            metadata(keycloak)["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_id": "govproj-web",
                "code_verifier": verifier,
            },
        )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(64)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


async def sign_in_with_pkce(keycloak: str, username: str) -> str:
    """What the single-page app does (docs/security.md): challenge, sign-in, code + verifier → token."""
    verifier, challenge = pkce_pair()
    callback = await authorize(keycloak, username, challenge=challenge)
    token = await exchange(keycloak, callback.params["code"], verifier)
    assert token.status_code == 200, token.text
    return token.json()["access_token"]


async def test_the_web_client_cannot_skip_pkce_and_a_code_is_useless_without_its_verifier(keycloak):
    refused = await authorize(keycloak, "edu", challenge=None)
    assert refused.params.get("error") == "invalid_request" and "code_challenge" in refused.params["error_description"]
    _, challenge = pkce_pair()
    stolen = (await authorize(keycloak, "edu", challenge=challenge)).params["code"]
    response = await exchange(keycloak, stolen, pkce_pair()[0])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


@pytest.fixture
async def intake(keycloak: str, tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    """The intake service as production runs it for sign-in: provider tokens only, audience govproj-intake."""
    packs.load_all()
    settings = Settings(
        service="intake",
        env="prod",
        jwt_secret=secrets.token_urlsafe(32),
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'intake.sqlite'}",
        oidc_issuer=issuer(keycloak),
    )
    app = create_service_app(
        "intake",
        schema,
        handlers.subscriptions,
        [router],
        title="intake",
        settings=settings,
        scope=scope,
    )
    runtime: ServiceRuntime = app.state.runtime
    await upgrade_to_head(runtime.engine, "intake")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        yield client
    await runtime.engine.dispose()


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


async def test_a_platform_signs_in_with_client_credentials_and_reads_the_library(keycloak, intake):
    token = await client_credentials(keycloak, "govproj-platform", "govproj-platform-test-secret")
    response = await intake.get("/api/intake/applications", headers=bearer(token))
    assert response.status_code == 200, response.text
    refused = await intake.post("/api/intake/applications", json=draft_body(), headers=bearer(token))
    assert refused.status_code == 403  # a platform is not a unit: the role came from the token's claims


async def test_a_person_signs_in_with_the_authorization_code_and_pkce_and_acts_for_their_unit(keycloak, intake):
    token = await sign_in_with_pkce(keycloak, "edu")
    assert claims(token)["azp"] == "govproj-web" and claims(token)["govproj_unit"] == EDU
    created = await intake.post(
        "/api/intake/applications",
        json=draft_body(),
        headers={**bearer(token), "Idempotency-Key": secrets.token_hex(8)},
    )
    assert created.status_code == 201, created.text
    assert created.json()["unit"] == EDU
    other_unit = await intake.post(
        "/api/intake/applications", json=draft_body(unit="达州市卫生健康委员会"), headers=bearer(token)
    )
    assert other_unit.status_code == 403  # the unit claim binds them to their own unit


async def test_the_gateway_maps_clearance_and_announces_the_pkce_parameters(keycloak):
    gateway = create_gateway(Settings(service="gateway", env="prod", jwt_secret="x" * 40, oidc_issuer=issuer(keycloak)))
    token = await sign_in_with_pkce(keycloak, "bureau_secret")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway") as client:
        me = (await client.get("/api/me", headers=bearer(token))).json()
        assert me["roles"] == ["data_bureau"] and me["cleared"] is True and me["unit"] is None
        parameters = (await client.get("/api/auth/oidc")).json()
        dev_sign_in = await client.post("/api/auth/token", json={"username": "edu", "password": "govproj"})
    assert (
        parameters["authorization_endpoint"].startswith(issuer(keycloak)) and parameters["client_id"] == "govproj-web"
    )
    assert dev_sign_in.status_code == 404  # production: no seeded users, no dev tokens


async def test_a_token_for_another_audience_is_refused(keycloak, intake):
    token = await client_credentials(keycloak, "govproj-unlisted", "govproj-unlisted-test-secret")
    assert claims(token)["aud"] == "other-system"  # a good token of this provider, for another system
    response = await intake.get("/api/intake/applications", headers=bearer(token))
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "audience" in response.json()["detail"].lower()


async def test_a_token_from_another_issuer_is_refused(keycloak, intake):
    token = await client_credentials(keycloak, "govproj-platform", "elsewhere-test-secret", realm="elsewhere")
    assert "govproj-intake" in claims(token)["aud"] and claims(token)["govproj_roles"] == ["platform"]
    response = await intake.get("/api/intake/applications", headers=bearer(token))
    assert response.status_code == 401 and 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_a_service_calls_another_with_its_own_client_credentials(keycloak, intake):
    settings = Settings(
        service="acceptance",
        oidc_issuer=issuer(keycloak),
        oidc_client_id="govproj-service",
        oidc_client_secret="govproj-service-test-secret",
    )
    credentials = oidc.Identity.from_settings(settings).credentials
    token = await credentials.token()
    assert await credentials.token() == token  # cached, not one provider round trip per call
    response = await intake.get("/api/intake/applications", headers=bearer(token))
    assert response.status_code == 200, response.text
