"""Documented errors are the real ones (issue 20, item 7): each stage service is run in-process on SQLite and
sent failing calls (no token, wrong role, unknown id, invalid or malformed body); every answer's status must
be documented for that operation, as `application/problem+json`, and its body must validate against the
documented schema. The gateway's merged document must hold every forwarded operation and nothing else."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from services.gateway import apidocs
from services.gateway.main import create_app
from shared.auth import Role, issue_token
from shared.db import upgrade_to_head
from shared.errors import PROBLEM_MEDIA_TYPE
from shared.policy import packs
from shared.service import create_service_app
from shared.settings import STAGE_SERVICES, Settings

SECRET = "api-docs-unit-test-secret-32-bytes-long!"
#: A role no stage service lets write anything: the wrong role for every secured write.
OUTSIDER_ROLE = Role.DATA_OPERATOR


def composition(name: str) -> tuple[list, Any]:
    """The routers and scope services/<name>/main.py composes (its `app` is built from the environment)."""
    if name == "catalog":
        from services.catalog import data_operations, oversight, portfolio, reports
        from services.catalog.api import ROUTERS
        from services.catalog.api.common import scope

        return [*ROUTERS, *oversight.ROUTERS, *data_operations.ROUTERS, *reports.ROUTERS, *portfolio.ROUTERS], scope
    api = importlib.import_module(f"services.{name}.api")
    return [api.router], api.scope


def service_app(name: str, database_url: str, oidc_issuer: str | None = None):
    routers, scope = composition(name)
    settings = Settings(service=name, database_url=database_url, jwt_secret=SECRET, oidc_issuer=oidc_issuer)
    return create_service_app(
        name,
        importlib.import_module(f"services.{name}.tables").schema,
        importlib.import_module(f"services.{name}.handlers").subscriptions,
        routers,
        title=name,
        settings=settings,
        scope=scope,
    )


def token(*roles: Role, unit: str | None = None) -> dict[str, str]:
    return {"authorization": f"Bearer {issue_token(SECRET, 'docs-test', roles, unit=unit, cleared=True)}"}


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "P-doesnotexist", path)


def check_documented(spec: dict, path: str, method: str, response: httpx.Response) -> None:
    """The real answer is a documented response of this operation, in its media type and schema."""
    documented = spec["paths"][path][method]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{method.upper()} {path}: {status} is not documented ({sorted(documented)})"
    answer = documented[status]
    if "$ref" in answer:  # a shared response in components.responses
        answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    content = answer["content"]
    media_type = response.headers["content-type"].split(";")[0]
    assert media_type == PROBLEM_MEDIA_TYPE and media_type in content, (method, path, status, media_type)
    # The spec's components travel with the schema so its `#/components/...` references resolve.
    schema = {**content[media_type]["schema"], "components": spec["components"]}
    jsonschema.Draft202012Validator(schema).validate(response.json())
    for header in answer.get("headers", {}):
        assert header in response.headers, f"{method.upper()} {path}: {status} lacks its documented {header}"


@pytest.mark.parametrize("name", STAGE_SERVICES)
async def test_documented_error_shapes_are_the_real_ones(name, tmp_path):
    packs.load_all()
    app = service_app(name, f"sqlite+aiosqlite:///{tmp_path / name}.sqlite")
    await upgrade_to_head(app.state.runtime.engine, name)
    spec = app.openapi()
    ops = [(path, method, op) for path, method, op in operations(spec) if path.startswith(f"/api/{name}/")]
    assert ops and all(op.get("security") for path, method, op in ops if "401" in op["responses"])
    assert "HTTPValidationError" not in json.dumps(spec), "FastAPI's default 422 shape is still documented"
    seen: dict[int, int] = {}
    everyone = token(*Role, unit="达州市教育局")
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}") as client:

            async def call(path: str, method: str, expect: int, **kw) -> bool:
                response = await client.request(method, concrete(path), **kw)
                if response.status_code >= 400:  # whatever refusal came, it is documented
                    check_documented(spec, path, method, response)
                if response.status_code != expect:
                    return False
                seen[expect] = seen.get(expect, 0) + 1
                return True

            secured = [(p, m) for p, m, op in ops if op.get("security")]
            writes = [(p, m) for p, m, op in ops if "requestBody" in op and op.get("security")]
            # 401: no token, and a token that is no JWT, on every secured operation.
            for path, method in secured:
                assert await call(path, method, 401), f"{method} {path} answers without a token"
                assert await call(path, method, 401, headers={"authorization": "Bearer not-a-jwt"})
            # 403: a role that writes nothing, on the secured writes (the role check runs before the body's).
            for path, method in writes:
                await call(path, method, 403, json={}, headers=token(OUTSIDER_ROLE))
            # 404: an unknown id, asked by a caller holding every role.
            for path, method in secured:
                if method == "get" and "{" in path:
                    await call(path, method, 404, headers=everyone)
            # 422: an empty object where a body is required; 400: a body that is no JSON.
            for path, method in writes:
                await call(path, method, 422, json={}, headers=everyone)
                await call(
                    path, method, 400, content=b'{"x": ', headers={**everyone, "content-type": "application/json"}
                )
    finally:
        await app.state.runtime.engine.dispose()
    assert seen.get(401, 0) >= 2 and seen.get(404, 0) >= 1, seen
    if any(True for _ in writes):
        assert seen.get(403, 0) >= 1 and seen.get(422, 0) >= 1 and seen.get(400, 0) >= 1, seen


def test_security_schemes_are_declared_with_oidc_when_configured(tmp_path):
    plain = service_app("review", "sqlite+aiosqlite:///:memory:").openapi()
    assert plain["components"]["securitySchemes"] == {
        "bearerAuth": {**plain["components"]["securitySchemes"]["bearerAuth"], "type": "http", "scheme": "bearer"}
    }
    with_idp = service_app(
        "review", "sqlite+aiosqlite:///:memory:", oidc_issuer="https://idp.test/realms/gov"
    ).openapi()
    assert with_idp["components"]["securitySchemes"]["oidc"] == {
        "type": "openIdConnect",
        "openIdConnectUrl": "https://idp.test/realms/gov/.well-known/openid-configuration",
    }
    history = with_idp["paths"]["/api/review/projects/{project_id}/history"]["get"]
    assert history["security"] == [{"bearerAuth": []}, {"oidc": []}]
    # Probes are for operators: no token, no problem documents.
    assert "security" not in with_idp["paths"]["/healthz"]["get"]


class Upstreams(httpx.AsyncBaseTransport):
    """The gateway's upstream calls, answered by the in-process service apps (by port)."""

    def __init__(self, apps: dict[int, Any]) -> None:
        self.transports = {port: httpx.ASGITransport(app=app) for port, app in apps.items()}
        self.calls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        return await self.transports[request.url.port].handle_async_request(request)


@pytest.fixture
def gateway(tmp_path):
    ports = {name: 41000 + i for i, name in enumerate(STAGE_SERVICES)}
    apps = {name: service_app(name, f"sqlite+aiosqlite:///{tmp_path / name}.sqlite") for name in STAGE_SERVICES}
    upstreams = Upstreams({ports[name]: app for name, app in apps.items()})
    settings = Settings(
        service="gateway",
        jwt_secret=SECRET,
        service_urls={"gateway": "http://127.0.0.1:40999"} | {n: f"http://127.0.0.1:{p}" for n, p in ports.items()},
    )
    with TestClient(create_app(settings, upstream=upstreams)) as client:
        yield client, apps, upstreams


def test_the_gateway_serves_one_document_with_every_forwarded_operation(gateway):
    client, apps, upstreams = gateway
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    merged = response.json()
    documented = {(path, method) for path, method, _ in operations(merged)}
    expected = {
        (path, method)
        for name, app in apps.items()
        for path, method, _ in operations(app.openapi())
        if apidocs.forwarded(name, path)
    }
    assert len(expected) > 100 and expected <= documented, sorted(expected - documented)[:10]
    own = {(path, method) for path, method, _ in operations(client.app.openapi()) if path.startswith("/api/")}
    assert documented == expected | own
    # Nothing the gateway refuses to forward is offered: no probes, metrics, admin or upstream docs.
    for path, _ in documented:
        assert path.startswith("/api/"), path
        service = path.split("/")[2]
        if service in STAGE_SERVICES:
            assert apidocs.forwarded(service, path), path
        assert not re.search(r"/(_admin|metrics|healthz|readyz|openapi\.json|docs)(/|$)", path), path
    # Every $ref resolves inside the merged document, and operation ids stay unique.
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(merged)))
    assert refs <= set(merged["components"]["schemas"]), refs - set(merged["components"]["schemas"])
    shared = set(re.findall(r'"#/components/responses/([^"]+)"', json.dumps(merged)))
    assert shared and shared <= set(merged["components"]["responses"])
    ids = [op["operationId"] for _, _, op in operations(merged)]
    assert len(ids) == len(set(ids))
    assert merged["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    validate(merged)  # the OpenAPI 3.1 schema and its reference checks
    # Cached: a second read asks no upstream again.
    before = len(upstreams.calls)
    assert client.get("/api/openapi.json").json() == merged
    assert len(upstreams.calls) == before


def test_the_docs_page_points_at_the_merged_document_and_upstream_docs_stay_private(gateway):
    client, _, _ = gateway
    page = client.get("/api/docs")
    assert page.status_code == 200 and "/api/openapi.json" in page.text
    for service in STAGE_SERVICES:
        assert client.get(f"/api/{service}/openapi.json").status_code == 404


def test_an_unreachable_service_is_named_not_hidden(tmp_path):
    from tests.support.infra import free_port

    down = {name: f"http://127.0.0.1:{free_port()}" for name in ("gateway", *STAGE_SERVICES)}
    with TestClient(create_app(Settings(service="gateway", jwt_secret=SECRET, service_urls=down))) as client:
        merged = client.get("/api/openapi.json").json()
    assert merged["info"]["x-unavailable-services"] == list(STAGE_SERVICES)
    assert all(not path.startswith("/api/review/") for path in merged["paths"])
