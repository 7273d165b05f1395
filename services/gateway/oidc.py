"""What the browser needs to sign in through the identity provider (authorization code with PKCE).

The single-page app is a public OIDC client and runs the flow itself (RFC 7636 S256; docs/security.md):
it asks this endpoint where the provider is, sends the person there with a code challenge, takes the
code at `/auth/callback`, exchanges it with its verifier and calls the APIs with the access token. The
gateway keeps no session and no client secret, so it stays stateless and horizontally scalable."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from shared.auth import identity
from shared.errors import Problem

router = APIRouter(tags=["auth"])

CALLBACK_PATH = "/auth/callback"


@router.get("/api/auth/oidc", summary="统一身份认证登录参数 Where and how the browser signs in (OIDC + PKCE)")
async def sign_in_parameters(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    verifier = identity(request.app).verifier
    if verifier is None:
        raise Problem(
            404, "not-found", "未配置统一身份认证 / No identity provider configured", "GOVPROJ_OIDC_ISSUER is not set"
        )
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
        "dev_sign_in": settings.dev_tokens_allowed,
    }
