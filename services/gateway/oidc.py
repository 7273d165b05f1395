"""What the browser needs to sign in through the identity provider (authorization code with PKCE).

The single-page app is a public OIDC client and runs the flow itself (RFC 7636 S256; docs/security.md):
it asks this endpoint where the provider is, sends the person there with a code challenge, takes the
code at `/auth/callback` and hands code and verifier to `POST /api/auth/oidc/token`, which forwards them
to the provider's token endpoint as the same public client and answers with the tokens and who they name.
Forwarding (rather than the browser calling the provider) keeps the provider's token endpoint off the
browser's origin list (no CORS set-up per deployment) and lets the gateway check the token it hands out
against its own verifier, so the page never shows a person the services would refuse. The gateway keeps
no session and no client secret, so it stays stateless and horizontally scalable."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from shared.auth import identity
from shared.errors import Problem
from shared.oidc import FETCH_TIMEOUT, InvalidToken, Verifier, provider_unavailable

router = APIRouter(tags=["auth"])

CALLBACK_PATH = "/auth/callback"
TOKEN_PATH = "/api/auth/oidc/token"
# Sizes a real provider stays far below (Keycloak's refresh tokens are ~1 KB); the limits keep a forged
# body from being forwarded.
Token = Annotated[str, Field(min_length=1, max_length=8192, pattern=r"^[\x21-\x7e]+$")]


class CodeExchange(BaseModel):
    """The browser's code and the PKCE verifier it kept (RFC 7636 §4.1: 43–128 unreserved characters)."""

    grant_type: Literal["authorization_code"]
    code: Token
    code_verifier: str = Field(min_length=43, max_length=128, pattern=r"^[A-Za-z0-9\-._~]+$")
    redirect_uri: str = Field(min_length=1, max_length=2000, pattern=r"^https?://[\x21-\x7e]+$")


class Refresh(BaseModel):
    grant_type: Literal["refresh_token"]
    refresh_token: Token


def configured_verifier(request: Request) -> Verifier:
    verifier = identity(request.app).verifier
    if verifier is None:
        raise Problem(
            404, "not-found", "未配置统一身份认证 / No identity provider configured", "GOVPROJ_OIDC_ISSUER is not set"
        )
    return verifier


@router.get("/api/auth/oidc", summary="统一身份认证登录参数 Where and how the browser signs in (OIDC + PKCE)")
async def sign_in_parameters(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    verifier = configured_verifier(request)
    metadata = await verifier.provider.metadata()
    return {
        "issuer": verifier.provider.issuer,
        "authorization_endpoint": metadata.get("authorization_endpoint"),
        "token_endpoint": metadata.get("token_endpoint"),
        "end_session_endpoint": metadata.get("end_session_endpoint"),
        "client_id": settings.oidc_web_client_id,
        "scope": settings.oidc_web_scope,
        "response_type": "code",
        "code_challenge_method": "S256",
        "redirect_path": CALLBACK_PATH,
        "token_path": TOKEN_PATH,
        "dev_sign_in": settings.dev_tokens_allowed,
    }


@router.post(TOKEN_PATH, summary="统一身份认证换取令牌 Exchange the code (PKCE) or refresh the session")
async def exchange_token(
    body: Annotated[CodeExchange | Refresh, Field(discriminator="grant_type")], request: Request
) -> dict[str, Any]:
    """Forward to the provider's token endpoint as the public web client; answer with the tokens and the
    person the access token names as this gateway verifies it. A refused code or an expired refresh token
    is a 401 (the browser goes back to sign-in); a provider that does not answer is a 503."""
    settings = request.app.state.settings
    verifier = configured_verifier(request)
    endpoint = (await verifier.provider.metadata()).get("token_endpoint")
    if not isinstance(endpoint, str):
        raise provider_unavailable("the provider's metadata names no token_endpoint")
    form = {**body.model_dump(), "client_id": settings.oidc_web_client_id}
    try:
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT, transport=verifier.provider.transport) as client:
            response = await client.post(endpoint, data=form)
    except httpx.HTTPError as exc:
        raise provider_unavailable(f"{endpoint}: {exc.__class__.__name__}") from exc
    if response.status_code >= 500:
        raise provider_unavailable(f"{endpoint}: HTTP {response.status_code}")
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if response.status_code != 200 or not isinstance(answer.get("access_token"), str):
        # RFC 6749 §5.2: invalid_grant for a used, expired or foreign code or refresh token.
        error = answer.get("error") if isinstance(answer, dict) else None
        raise Problem(
            401,
            "unauthorized",
            "登录已失效，请重新登录 / The sign-in has expired, please sign in again",
            f"the identity provider refused the {body.grant_type}: {error or response.status_code}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    try:
        principal = await verifier.verify(answer["access_token"])
    except InvalidToken as exc:
        raise Problem(
            401, "unauthorized", "登录令牌无效 / The provider's token is not accepted here", str(exc)
        ) from exc
    return {
        "access_token": answer["access_token"],
        "token_type": "bearer",
        "expires_in": answer.get("expires_in"),
        "refresh_token": answer.get("refresh_token"),
        "refresh_expires_in": answer.get("refresh_expires_in"),
        "id_token": answer.get("id_token"),
        "user": {
            "username": principal.subject,
            "name": principal.name,
            "roles": sorted(role.value for role in principal.roles),
            "unit": principal.unit,
        },
    }
