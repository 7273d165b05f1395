"""The browser's sign-in through the gateway (services/gateway/oidc.py): the gateway forwards the code and
the PKCE verifier, or a refresh token, to the provider's token endpoint as the public web client and
answers with the tokens and the person they name; refusals are 401 problems, an absent provider a 503."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tests.unit.test_oidc import ISSUER, FakeProvider, gateway

VERIFIER = "v" * 43
REDIRECT = "http://127.0.0.1:8000/auth/callback"


class WebProvider(FakeProvider):
    """The fake issuer, with a token endpoint that answers the public web client's grants."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down or not request.url.path.endswith("/token"):
            return super().handle(request)
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        self.forms.append(form)
        assert "authorization" not in request.headers  # a public client: no secret leaves the gateway
        good = (form.get("code") == "good-code" and form.get("code_verifier") == VERIFIER) or form.get(
            "refresh_token"
        ) == "good-refresh"
        if not good:
            return httpx.Response(400, json={"error": "invalid_grant", "error_description": "Code not valid"})
        return httpx.Response(
            200,
            json={
                "access_token": self.token(aud=["govproj-gateway", "govproj-intake"]),
                "refresh_token": "next-refresh",
                "expires_in": 300,
                "refresh_expires_in": 1800,
                "id_token": "id-token",
                "token_type": "Bearer",
            },
        )


@pytest.fixture
def web_provider() -> WebProvider:
    return WebProvider()


def code(**overrides: Any) -> dict[str, Any]:
    return {
        "grant_type": "authorization_code",
        "code": "good-code",
        "code_verifier": VERIFIER,
        "redirect_uri": REDIRECT,
        **overrides,
    }


def test_the_code_and_verifier_become_tokens_and_the_person_they_name(web_provider):
    with gateway(web_provider, env="prod", oidc_issuer=ISSUER) as client:
        assert client.get("/api/auth/oidc").json()["token_path"] == "/api/auth/oidc/token"
        answer = client.post("/api/auth/oidc/token", json=code())
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["user"] == {
            "username": "user-1",
            "name": "教育局 项目专员",
            "roles": ["unit"],
            "unit": "达州市教育局",
        }
        assert body["refresh_token"] == "next-refresh" and body["expires_in"] == 300
        me = client.get("/api/me", headers={"authorization": f"Bearer {body['access_token']}"})
        assert me.status_code == 200
        forwarded = web_provider.forms[-1]
        assert forwarded["client_id"] == "govproj-web" and forwarded["code_verifier"] == VERIFIER
        assert forwarded["redirect_uri"] == REDIRECT

        refreshed = client.post(
            "/api/auth/oidc/token", json={"grant_type": "refresh_token", "refresh_token": "good-refresh"}
        )
        assert refreshed.status_code == 200 and refreshed.json()["user"]["unit"] == "达州市教育局"


def test_a_refused_code_or_expired_refresh_is_a_401_that_sends_the_browser_back_to_sign_in(web_provider):
    with gateway(web_provider, env="prod", oidc_issuer=ISSUER) as client:
        for body in (
            code(code="stolen"),
            code(code_verifier="w" * 43),
            {"grant_type": "refresh_token", "refresh_token": "old"},
        ):
            answer = client.post("/api/auth/oidc/token", json=body)
            assert answer.status_code == 401, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            assert "invalid_grant" in answer.json()["detail"] and "重新登录" in answer.json()["title"]


@pytest.mark.parametrize(
    "body",
    [
        code(code_verifier="short"),
        code(code_verifier="x" * 129),
        code(code_verifier="bad verifier with spaces and more than forty-three chars"),
        code(code="x" * 9000),
        code(redirect_uri="javascript:alert(1)"),
        code(grant_type="password"),
        {"grant_type": "refresh_token"},
    ],
)
def test_malformed_exchanges_are_refused_before_reaching_the_provider(web_provider, body):
    with gateway(web_provider, env="prod", oidc_issuer=ISSUER) as client:
        assert client.post("/api/auth/oidc/token", json=body).status_code == 422
    assert web_provider.forms == []


def test_a_provider_that_is_down_is_a_503_and_no_provider_a_404(web_provider):
    with gateway(web_provider, env="prod", oidc_issuer=ISSUER) as client:
        web_provider.down = True
        answer = client.post("/api/auth/oidc/token", json=code())
        assert answer.status_code == 503 and answer.headers["retry-after"]
    with gateway(None) as client:
        assert client.post("/api/auth/oidc/token", json=code()).status_code == 404
