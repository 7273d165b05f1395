"""The gateway's public OCDS door (docs/open-data.md): no sign-in; a jurisdiction that does not publish open
data is a 404 and procurement is not even asked; a publishing one is answered from procurement's OCDS route
with a short-lived read-only token, the package's own links rewritten to the public path."""

from __future__ import annotations

import httpx

from services.gateway.main import create_app
from shared.auth import Role, verify_token
from shared.settings import Settings

SECRET = "gateway-unit-test-secret-32-bytes-long"
URLS = {
    name: f"http://{name}:8000"
    for name in ("gateway", "intake", "review", "budget", "procurement", "acceptance", "catalog")
}


async def test_ocds_releases_only_for_a_publishing_jurisdiction_with_a_read_only_token():
    asked: list[httpx.Request] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        if request.url.path == "/api/catalog/open-data/jurisdictions":
            return httpx.Response(200, json={"jurisdictions": ["dazhou"], "licence": {}})
        if request.url.path == "/api/procurement/ocds/releases":
            return httpx.Response(
                200,
                json={
                    "uri": "http://procurement:8000/api/procurement/ocds/releases?jurisdiction=dazhou",
                    "version": "1.1",
                    "releases": [{"ocid": "ocds-govproj-P-1", "id": "P-1-tender"}],
                    "links": {
                        "next": "http://procurement:8000/api/procurement/ocds/releases?jurisdiction=dazhou&cursor=P-1"
                    },
                },
            )
        return httpx.Response(404)

    app = create_app(
        Settings(service="gateway", jwt_secret=SECRET, service_urls=URLS), upstream=httpx.MockTransport(upstream)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            closed = await client.get("/api/open-data/ocds/releases", params={"jurisdiction": "quzhou"})
            assert closed.status_code == 404 and closed.json()["field"] == "jurisdiction"
            assert [r.url.path for r in asked] == ["/api/catalog/open-data/jurisdictions"]

            answer = await client.get("/api/open-data/ocds/releases", params={"jurisdiction": "dazhou"})
            assert answer.status_code == 200, answer.text
            package = answer.json()
            assert package["releases"][0]["ocid"] == "ocds-govproj-P-1"
            assert package["license"].startswith("https://creativecommons.org/")
            assert package["uri"].startswith("http://gateway/api/open-data/ocds/releases")
            assert package["links"]["next"].startswith("http://gateway/api/open-data/ocds/releases")
            assert "cursor=P-1" in package["links"]["next"] and "procurement:8000" not in answer.text

            forwarded = asked[-1]
            principal = verify_token(forwarded.headers["authorization"].removeprefix("Bearer "), SECRET)
            assert principal.roles == {Role.AUDIT} and not principal.cleared and principal.unit is None

            bad = await client.get("/api/open-data/ocds/releases", params={"jurisdiction": "dazhou", "cursor": "../x"})
            assert bad.status_code == 422
