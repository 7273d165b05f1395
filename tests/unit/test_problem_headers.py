"""Problems carry their headers: every 401 a WWW-Authenticate challenge (RFC 9110 §15.5.2, RFC 6750 §3),
a 429 or 503 its Retry-After, in every service through the shared problem handlers."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from shared.auth import CurrentPrincipal, Principal, issue_token
from shared.errors import Problem, install_problem_handlers
from shared.settings import Settings

SECRET = "problem-headers-test-secret-32-bytes-long"


def app() -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings(jwt_secret=SECRET)
    install_problem_handlers(app)

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> Principal:
        return principal

    @app.get("/busy")
    async def busy() -> None:
        raise Problem(503, "overloaded", "busy", headers={"Retry-After": "3"})

    @app.get("/plain-401")
    async def plain() -> None:
        raise Problem(401, "unauthorized", "no")

    return app


async def test_every_401_names_the_bearer_scheme_and_other_problems_keep_their_headers():
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        for headers in ({}, {"authorization": "Bearer"}, {"authorization": "Bearer forged.token.here"}):
            response = await client.get("/me", headers=headers)
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith("Bearer")
        plain = await client.get("/plain-401")
        assert plain.headers["www-authenticate"] == 'Bearer realm="govproj"'
        good = await client.get("/me", headers={"authorization": f"Bearer {issue_token(SECRET, 'u', ['audit'])}"})
        assert good.status_code == 200 and "www-authenticate" not in good.headers
        busy = await client.get("/busy")
        assert busy.status_code == 503 and busy.headers["retry-after"] == "3"
        assert busy.headers["content-type"] == "application/problem+json" and "headers" not in busy.json()
