"""Hostile input never gets a 5xx: a property test throws nested, oversized, control-character and
wrong-type input at every write route of every stage service, in process on SQLite, signed in with
every role, and requires a 4xx problem (or a success) for each request.

Routes come from each service's own OpenAPI, so a new route is covered without touching this file. Each
request starts from the route's documented example (or a minimal body built from its schema) and makes one
field, or the whole body, hostile; path ids are a real seeded project where one exists, else an unknown
id. Hypothesis is derandomized (a fixed seed per test) and does not shrink, so every run sends the same
requests and stays fast; a failure prints the request that caused it.
"""

from __future__ import annotations

import importlib
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from shared.auth import Role, issue_token
from shared.db import upgrade_to_head
from shared.limits import JSON_DEPTH_MAX, NAME_MAX, TEXT_MAX
from shared.policy import packs
from shared.service import ServiceRuntime
from shared.settings import STAGE_SERVICES, Settings

EXAMPLES_PER_ROUTE = 12
UNIT = "达州市接口健壮性测试局"
UNKNOWN_ID = "P2026-000000000000"
WRITE_METHODS = ("post", "put", "patch", "delete")


def _app(service: str):
    return importlib.import_module(f"services.{service}.main").app


def write_routes() -> list[tuple[str, str, str]]:
    routes = []
    for service in STAGE_SERVICES:
        for path, operations in _app(service).openapi()["paths"].items():
            if path.startswith("/_admin"):
                continue  # test-only controls of the clock and the sweeper
            routes += [(service, method, path) for method in operations if method in WRITE_METHODS]
    return routes


# --- hostile values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deep:
    """A JSON value nested `depth` levels, written as text: json.dumps itself would recurse too deep."""

    depth: int
    kind: str

    def render(self) -> str:
        if self.kind == "object":
            return '{"a":' * self.depth + "1" + "}" * self.depth
        return "[" * self.depth + "1" + "]" * self.depth


def render(value: Any) -> str:
    if isinstance(value, Deep):
        return value.render()
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(render(v) for v in value) + "]"
    return json.dumps(value)


CONTROL = st.sampled_from(["\x00", "\r\n", "\n", "\x1b[2J", "\x7f", "\x85", "\ud800", "\x0b", "\x08"])
control_strings = st.builds(lambda a, c, b: a + c + b, st.text(max_size=4), CONTROL, st.text(max_size=4))
oversized_strings = st.sampled_from([NAME_MAX + 1, TEXT_MAX + 1, 70_000]).map(lambda n: "长" * n)
deep_values = st.builds(Deep, st.sampled_from([JSON_DEPTH_MAX + 1, 300, 3000]), st.sampled_from(["object", "list"]))
huge_lists = st.sampled_from([501, 6000]).map(lambda n: ["x"] * n)
wrong_types = st.sampled_from(
    [None, True, 0, -1, 2**63, -(2**63) - 1, 10**40, 1.5, 1e308, "", "1", "2026-13-45", [], {}, [None], {"": None}]
)
hostile_scalars = st.one_of(control_strings, oversized_strings, deep_values, huge_lists, wrong_types)
hostile = st.one_of(
    hostile_scalars,
    st.lists(hostile_scalars, min_size=1, max_size=3),
    st.dictionaries(control_strings | st.sampled_from(["a", "kind", "name"]), hostile_scalars, max_size=3),
)
hostile_ids = st.sampled_from(["%00", "a%0D%0Ab", "x" * 3000, "..%2F..%2Fmetrics", "%E2%80%AE", "0"])


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if "anyOf" in node:
        options = [_resolve(document, o) for o in node["anyOf"] if o.get("type") != "null"]
        return options[0] if options else {}
    return node


def minimal(document: dict[str, Any], node: dict[str, Any], depth: int = 0) -> Any:
    """A plain value of the schema's shape (valid or nearly): the baseline a hostile field is put into."""
    node = _resolve(document, node)
    if node.get("examples"):
        return node["examples"][0]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        if depth > 4:
            return {}
        properties = node.get("properties", {})
        return {name: minimal(document, properties[name], depth + 1) for name in node.get("required", [])}
    if kind == "array":
        return [minimal(document, node.get("items", {}), depth + 1)] * node.get("minItems", 0)
    if kind == "integer":
        return max(node.get("minimum", 1), node.get("exclusiveMinimum", 0) + 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if node.get("format") == "date":
        return "2026-06-01"
    if node.get("format") == "date-time":
        return "2026-06-01T09:00:00+08:00"
    return "x" * max(1, node.get("minLength", 1))


@dataclass
class Target:
    service: str
    method: str
    path: str
    baseline: Any
    fields: list[str]
    json_body: bool
    containers: list[str] = field(default_factory=list)  # fields that take a list or an object
    upload: bool = False  # a multipart file upload: a hostile file (name, type, bytes) instead of JSON


def target(service: str, method: str, path: str) -> Target:
    document = _app(service).openapi()
    operation = document["paths"][path][method]
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if "multipart/form-data" in content:
        return Target(service, method, path, None, [], json_body=False, upload=True)
    if schema is None:
        return Target(service, method, path, None, [], json_body=bool(content))
    baseline = minimal(document, schema)
    resolved = _resolve(document, schema)
    properties = resolved.get("properties", {})
    containers = sorted(
        name
        for name, node in properties.items()
        if _resolve(document, node).get("type") in ("array", "object", None)
        or "properties" in _resolve(document, node)
    )
    fields = sorted(properties) or ["surprise"]
    return Target(service, method, path, baseline, fields, json_body=True, containers=containers)


def bodies(route: Target) -> st.SearchStrategy[Any]:
    """The route's baseline with one field made hostile, or a hostile body altogether."""
    if not route.json_body:
        return st.just(None)
    # lists and objects are where nesting and size bite: they are drawn as often as all other fields together
    fields = st.sampled_from(route.fields) | st.sampled_from(route.containers or route.fields)
    one_field = st.tuples(fields, hostile).map(
        lambda pair: {**(route.baseline if isinstance(route.baseline, dict) else {}), pair[0]: pair[1]}
    )
    return st.one_of(one_field, one_field, hostile)


# --- the services, in process ---------------------------------------------------------------------


@dataclass
class Services:
    clients: dict[str, httpx.AsyncClient]
    ids: dict[str, str]
    token: str


@pytest.fixture(scope="module")
async def services(tmp_path_factory) -> AsyncIterator[Services]:
    """The six stage apps on fresh SQLite files (their module-level apps, with the runtime swapped in
    for the test and restored after), no Kafka: events stay in each outbox."""
    packs.load_all()
    tmp = tmp_path_factory.mktemp("hostile")
    clients, saved = {}, {}
    for service in STAGE_SERVICES:
        module = importlib.import_module(f"services.{service}.main")
        app = module.app
        settings_ = Settings(service=service, database_url=f"sqlite+aiosqlite:///{tmp / service}.sqlite")
        runtime = ServiceRuntime(settings_, app.state.runtime.schema, module.subscriptions)
        await upgrade_to_head(runtime.engine, service)
        saved[service] = (app.state.runtime, app.state.settings)
        app.state.runtime, app.state.settings = runtime, settings_
        clients[service] = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url=f"http://{service}"
        )
    token = issue_token(Settings().jwt_secret, "hostile", list(Role), unit=UNIT, name="恶意输入测试", cleared=True)
    ids = await seed(clients, token)
    try:
        yield Services(clients, ids, token)
    finally:
        for service, client in clients.items():
            await client.aclose()
            app = _app(service)
            await app.state.runtime.engine.dispose()
            app.state.runtime, app.state.settings = saved[service]


async def seed(clients: dict[str, httpx.AsyncClient], token: str) -> dict[str, str]:
    """A draft application and a need in intake, so hostile edits reach intake's handlers, not a 404."""
    from services.intake.schemas import APPLICATION_EXAMPLE, NeedCreate

    headers = {"authorization": f"Bearer {token}"}
    ids = {}
    draft = await clients["intake"].post(
        "/api/intake/applications", json={**APPLICATION_EXAMPLE, "unit": UNIT, "plan_year": 2099}, headers=headers
    )
    assert draft.status_code == 201, draft.text
    ids["intake.project_id"] = draft.json()["id"]
    need = NeedCreate.model_config["json_schema_extra"]["examples"][0]
    created = await clients["intake"].post("/api/intake/needs", json={**need, "unit": UNIT}, headers=headers)
    assert created.status_code == 201, created.text
    ids["intake.need_id"] = created.json()["id"]
    return ids


def fill(path: str, service: str, ids: dict[str, str], hostile_id: str | None) -> str:
    def value(match: re.Match[str]) -> str:
        if hostile_id is not None:
            return hostile_id
        return ids.get(f"{service}.{match.group(1)}", UNKNOWN_ID)

    return re.sub(r"\{(\w+)\}", value, path)


ROUTES = write_routes()


@pytest.mark.parametrize(("service", "method", "path"), ROUTES, ids=[f"{s} {m.upper()} {p}" for s, m, p in ROUTES])
@settings(
    max_examples=EXAMPLES_PER_ROUTE,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
async def test_hostile_input_never_gets_a_server_error(services, service, method, path, data):
    route = target(service, method, path)
    body = data.draw(bodies(route), label="body")
    hostile_id = data.draw(st.none() | st.none() | hostile_ids, label="path id") if "{" in path else None
    url = fill(path, service, services.ids, hostile_id)
    headers = {"authorization": f"Bearer {services.token}", "idempotency-key": uuid.uuid4().hex}
    content = None
    if route.json_body:
        content = render(body).encode("utf-8", "surrogatepass")
        headers["content-type"] = "application/json"
    files = None
    if route.upload:
        names = st.text(max_size=300) | st.sampled_from(["a.pdf", "../../etc/passwd.pdf", "x.ofd", ".pdf"])
        kinds = st.sampled_from(["application/pdf", "image/png", "text/html", "", 'a/b; x="\x00"'])
        name, kind = data.draw(names, label="name"), data.draw(kinds, label="type")
        files = {"file": (name, data.draw(st.binary(max_size=4096), label="bytes"), kind)}
        content = None
    response = await services.clients[service].request(
        method.upper(), url, content=content, files=files, headers=headers
    )
    where = f"{method.upper()} {url[:120]} body {(content or b'')[:300]!r}"
    assert response.status_code < 500, f"{where} → {response.status_code}: {response.text[:500]}"
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json"), where
        assert response.json()["status"] == response.status_code, where


CONTAINER_FIELDS = [
    (service, method, path, name)
    for service, method, path in ROUTES
    for name in target(service, method, path).containers
]


@pytest.mark.parametrize(("service", "method", "path", "name"), CONTAINER_FIELDS)
async def test_deep_nesting_in_any_list_or_object_field_is_a_4xx(services, service, method, path, name):
    """The case the fault-injection run found (`details` 300 deep → 500), in every list or object field of
    every write route, beside an otherwise documented body so it would reach the handler."""
    route = target(service, method, path)
    baseline = route.baseline if isinstance(route.baseline, dict) else {}
    url = fill(path, service, services.ids, None)
    headers = {
        "authorization": f"Bearer {services.token}",
        "idempotency-key": uuid.uuid4().hex,
        "content-type": "application/json",
    }
    for kind in ("object", "list"):
        content = render({**baseline, name: Deep(300, kind)}).encode()
        response = await services.clients[service].request(method.upper(), url, content=content, headers=headers)
        where = f"{method.upper()} {url} {name}"
        assert 400 <= response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"


def read_routes() -> list[tuple[str, str, list[str]]]:
    routes = []
    for service in STAGE_SERVICES:
        for path, operations in _app(service).openapi()["paths"].items():
            if "get" in operations and not path.startswith("/_admin"):
                query = [p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query"]
                routes.append((service, path, query))
    return routes


READ_ROUTES = read_routes()
CURSOR_ROUTES = [(service, path) for service, path, query in READ_ROUTES if "cursor" in query]
#: Malformed for every kind of cursor (an opaque position, a last id, a last integer id).
FORGED_CURSORS = ["garbage cursor", "P2026-abc\x00", "a\nb", "x" * 600, "末尾 "]
#: Well-formed base64 (or digits) that this API never handed out.
FORGED_POSITIONS = [
    "eyJvZmZzZXQiOiAiYWJjIn0",  # {"offset": "abc"}
    "W1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1dXV1d",  # [[[…]]]
    "eyJjcmVhdGVkX2F0IjogMSwgImlkIjogIngifQ",  # {"created_at": 1, "id": "x"}
    "-1",
    "9" * 30,
]
OPAQUE_CURSOR_ROUTES = {("intake", "/api/intake/applications"), ("intake", "/api/intake/needs")}
OPAQUE_CURSOR_ROUTES |= {("acceptance", "/api/acceptance/projects")}
INT_CURSOR_ROUTES = {("review", "/api/review/plans/{year}"), ("catalog", "/api/catalog/evaluations")}
INT_CURSOR_ROUTES |= {("catalog", "/api/catalog/sanctions"), ("catalog", "/api/catalog/supervision-rounds")}


@pytest.mark.parametrize(("service", "path"), CURSOR_ROUTES)
async def test_a_forged_cursor_is_a_4xx_naming_cursor_on_every_paged_route(services, service, path):
    assert len(CURSOR_ROUTES) >= 15, "the paged routes were not found"
    url = fill(path, service, services.ids, None).replace(UNKNOWN_ID, "2026") if "{year}" in path else fill(
        path, service, services.ids, None
    )
    headers = {"authorization": f"Bearer {services.token}"}
    forged = FORGED_CURSORS
    if (service, path) in OPAQUE_CURSOR_ROUTES | INT_CURSOR_ROUTES:
        forged = forged + FORGED_POSITIONS
    for cursor in forged:
        response = await services.clients[service].get(url, params={"cursor": cursor}, headers=headers)
        body = response.json()
        assert response.status_code in (400, 422), f"{url} cursor={cursor!r}: {response.status_code} {response.text}"
        assert body.get("field") in ("cursor", "query") or "cursor" in body["detail"], body
        if body["type"].endswith("/invalid-cursor"):
            assert response.status_code == 400 and body["field"] == "cursor"


@pytest.mark.parametrize(("service", "path", "query"), READ_ROUTES, ids=[f"{s} {p}" for s, p, _ in READ_ROUTES])
async def test_control_characters_and_absurd_lengths_in_ids_and_filters_are_4xx(services, service, path, query):
    headers = {"authorization": f"Bearer {services.token}"}
    client = services.clients[service]
    hostile_values = ["a\x00b", "a\r\nX-Injected: 1", "长" * 5000]
    if "{" in path:
        for value in ("a%00b", "a%0D%0AX-Injected:%201", "x" * 3000, "%7F"):
            response = await client.get(fill(path, service, services.ids, value), headers=headers)
            assert 400 <= response.status_code < 500, f"{path} id={value[:40]!r}: {response.status_code}"
    for name in query:
        for value in hostile_values:
            response = await client.get(fill(path, service, services.ids, None), params={name: value}, headers=headers)
            assert 400 <= response.status_code < 500, f"{path}?{name}={value[:20]!r}: {response.status_code}"
            assert response.headers["content-type"].startswith("application/problem+json")
