"""Every input has a size: each stage service's OpenAPI bounds every string, list and object a client can
send (bodies and query parameters), every request body is a RequestModel (control characters refused),
and the pieces behind it (bounded JSON, control characters, cursors, the request-line guard) hold."""

from __future__ import annotations

import base64
import importlib
import re
from collections.abc import Iterator
from typing import Any, get_args, get_origin

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError

from shared.errors import Problem, install_problem_handlers
from shared.limits import (
    JSON_DEPTH_MAX,
    JSON_KEYS_MAX,
    JSON_NODES_MAX,
    JSON_TEXT_MAX,
    PATH_MAX,
    Details,
    Identifier,
    Name,
    RequestLineGuard,
    RequestModel,
    Text,
    check_json,
)
from shared.pagination import Position, decode_cursor, decode_id_cursor, decode_int_cursor, encode_cursor
from shared.settings import STAGE_SERVICES

# What may stay unbounded in a service's OpenAPI, and why. Keys: (service, METHOD, path, where).
ALLOWED: dict[tuple[str, str, str, str], str] = {
    ("catalog", "POST", "/api/catalog/systems/import", "body(text/csv)"): (
        "a CSV file: its rows are capped by MAX_IMPORT_ROWS when read and its bytes by the body-size limit"
    ),
    ("intake", "POST", "/api/intake/applications/{project_id}/attachments", "body(multipart/form-data)"): (
        "a file: its bytes capped by settings.attachment_max_bytes, its name by attachments.NAME_MAX, its type "
        "by the allow-list (services/intake/attachments.py)"
    ),
}
#: Routes whose body is a file upload (multipart), not a JSON RequestModel, and what bounds it instead.
UPLOADS = {"/api/intake/applications/{project_id}/attachments": "name, type and size checked in intake.attachments"}

#: A pattern bounds a string when it is anchored at both ends and repeats nothing without an upper bound.
_UNBOUNDED_REPEAT = re.compile(r"(?<!\\)[*+]|\{\d+,\}")


def _bounded_by_pattern(node: dict[str, Any]) -> bool:
    pattern = node.get("pattern")
    return bool(pattern) and pattern.startswith("^") and pattern.endswith("$") and not _UNBOUNDED_REPEAT.search(pattern)


def unbounded(document: dict[str, Any], node: Any, where: str, seen: frozenset[str] = frozenset()) -> Iterator[str]:
    """Where in a schema a client could send a string, a list or an object of any size."""
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen = seen | {name}
        node = document["components"]["schemas"][name]
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            yield from unbounded(document, option, where, seen)
    kind = node.get("type")
    if kind == "string" and not (
        "maxLength" in node
        or "enum" in node
        or "const" in node
        or node.get("format") in ("date", "date-time", "time")
        or _bounded_by_pattern(node)
    ):
        yield f"{where}: a string without maxLength"
    if kind == "array":
        if "maxItems" not in node:
            yield f"{where}: a list without maxItems"
        yield from unbounded(document, node.get("items", {}), f"{where}[]", seen)
    if kind == "object" or "properties" in node:
        extra = node.get("additionalProperties")
        if extra is not False and "maxProperties" not in node:
            yield f"{where}: an object without maxProperties or additionalProperties: false"
        for name, child in node.get("properties", {}).items():
            yield from unbounded(document, child, f"{where}.{name}", seen)
        if isinstance(extra, dict):
            yield from unbounded(document, extra, f"{where}.*", seen)
    if kind is None and not any(k in node for k in ("anyOf", "oneOf", "allOf", "enum", "const", "properties")):
        yield f"{where}: a value of any type"


def service_app(service: str) -> FastAPI:
    return importlib.import_module(f"services.{service}.main").app


@pytest.mark.parametrize("service", STAGE_SERVICES)
def test_every_request_string_list_and_object_is_bounded(service):
    document = service_app(service).openapi()
    found: list[str] = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            places: list[tuple[str, Any]] = [
                (f"{parameter['in']}.{parameter['name']}", parameter.get("schema", {}))
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "query"
            ]
            places += [
                (f"body({media_type})", content.get("schema", {}))
                for media_type, content in operation.get("requestBody", {}).get("content", {}).items()
            ]
            for where, schema in places:
                if (service, method.upper(), path, where) in ALLOWED:
                    continue
                found += [f"{method.upper()} {path} {problem}" for problem in unbounded(document, schema, where)]
    assert not found, f"{service}: unbounded input\n" + "\n".join(found)


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models_in(field.annotation)
    elif get_origin(annotation) is not None or get_args(annotation):
        for argument in get_args(annotation):
            yield from _models_in(argument)


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """Every APIRoute, also those of included routers (FastAPI keeps them nested)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)


@pytest.mark.parametrize("service", STAGE_SERVICES)
def test_every_request_body_is_a_request_model(service):
    """A body model that is not a RequestModel lets control characters and unknown fields through."""
    loose, bodies = set(), 0
    for route in api_routes(service_app(service).routes):
        if route.body_field is not None and route.path not in UPLOADS:
            bodies += 1
            for model in _models_in(route.body_field.field_info.annotation):
                if not issubclass(model, RequestModel):
                    loose.add(f"{route.path}: {model.__name__}")
    assert bodies >= 5, f"{service}: only {bodies} routes with a body found; is the route walk broken?"
    assert not loose, f"{service}: body models that are not RequestModel: {sorted(loose)}"


class Loose(BaseModel):
    note: str
    tags: list[str]
    details: dict[str, Any]
    code: str = Field(pattern=r"^[a-z]+$")


def test_the_walker_finds_what_it_is_for():
    """The check above would pass on a walker that finds nothing: show it finds each kind."""
    app = FastAPI()

    @app.post("/loose")
    async def loose(body: Loose, q: str | None = None) -> None: ...

    document = app.openapi()
    schema = document["paths"]["/loose"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    found = list(unbounded(document, schema, "body"))
    assert found == [
        "body: an object without maxProperties or additionalProperties: false",  # extra fields not refused
        "body.note: a string without maxLength",
        "body.tags: a list without maxItems",
        "body.tags[]: a string without maxLength",
        "body.details: an object without maxProperties or additionalProperties: false",
        "body.code: a string without maxLength",
    ]
    query = document["paths"]["/loose"]["post"]["parameters"][0]["schema"]
    assert list(unbounded(document, query, "query.q")) == ["query.q: a string without maxLength"]
    assert _bounded_by_pattern({"pattern": "^(a|b)$"}) and _bounded_by_pattern({"pattern": r"^\d{6}[A-Z]{2}$"})


# --- bounded JSON and control characters ------------------------------------------------------------


class Sample(RequestModel):
    name: Name
    code: Identifier | None = None
    note: Text = Field(default="", max_length=100)
    tags: list[Identifier] = Field(default_factory=list, max_length=3)
    legacy: str = Field(default="", max_length=50)
    details: Details = Field(default_factory=dict)


def nested(depth: int) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for _ in range(depth - 1):
        document = {"a": document}
    return document


def refusal(**fields: Any) -> tuple[tuple[Any, ...], str]:
    with pytest.raises(ValidationError) as caught:
        Sample(**fields)
    error = caught.value.errors()[0]
    return error["loc"], error["msg"]


def test_json_as_deep_as_the_limit_passes_one_deeper_is_refused_naming_the_field():
    assert Sample(name="x", details=nested(JSON_DEPTH_MAX)).details
    loc, message = refusal(name="x", details=nested(JSON_DEPTH_MAX + 1))
    assert loc == ("details",) and f"deeper than {JSON_DEPTH_MAX}" in message
    # the depth of the 500 and far beyond: refused, no RecursionError
    assert refusal(name="x", details=nested(300))[0] == ("details",)
    deep_list: list[Any] = []
    for _ in range(50_000):
        deep_list = [deep_list]
    with pytest.raises(ValueError, match="deeper"):
        check_json(deep_list)


def test_json_too_wide_or_too_much_text_is_refused():
    wide = {f"k{i}": i for i in range(JSON_KEYS_MAX + 1)}
    assert f"at most {JSON_KEYS_MAX} items" in refusal(name="x", details=wide)[1]
    assert "keys" in refusal(name="x", details={"inner": wide})[1]
    assert "list has more" in refusal(name="x", details={"list": list(range(JSON_NODES_MAX + 1))})[1]
    many = {f"k{i}": list(range(50)) for i in range(JSON_NODES_MAX // 50 + 1)}
    assert "values in all" in refusal(name="x", details={"a": many})[1]
    assert "characters" in refusal(name="x", details={"a": "字" * (JSON_TEXT_MAX + 1)})[1]
    assert "control" in refusal(name="x", details={"a": {"b\x00": "c"}})[1]
    assert "control" in refusal(name="x", details={"a": ["ok", "bad\x1b"]})[1]
    assert Sample(name="x", details={"a": "第一行\n第二行\t制表"}).details  # free text keeps newlines


@pytest.mark.parametrize("bad", ["\x00", "a\nb", "a\rb", "tab\there", "\x7f", "\x85", "\ud800"])
def test_names_identifiers_and_plain_strings_refuse_any_control_character(bad):
    assert refusal(name=bad)[0] == ("name",)
    assert refusal(name="x", code=bad)[0] == ("code",)
    assert refusal(name="x", tags=["ok", bad])[0][0] == "tags"
    assert refusal(name="x", legacy=bad)[0] == ("legacy",)  # a plain `str` field of a RequestModel too


def test_free_text_keeps_tab_and_newlines_and_refuses_the_rest():
    assert Sample(name="x", note="一\r\n二\t三").note == "一\r\n二\t三"
    for bad in ("\x00", "\x08", "\x1b[31m", "\x0c"):
        assert refusal(name="x", note=bad)[0] == ("note",)


def test_unknown_fields_are_refused():
    assert refusal(name="x", surprise=1)[0] == ("surprise",)


# --- cursors ----------------------------------------------------------------------------------------


class After(Position):
    id: Identifier
    n: int = Field(ge=0)


def test_a_cursor_round_trips():
    assert decode_cursor(encode_cursor(After(id="P2026-abc", n=3)), After) == After(id="P2026-abc", n=3)
    assert decode_cursor(None, After) is None and decode_cursor("", After) is None


@pytest.mark.parametrize(
    "forged",
    [
        "garbage!",
        "a" * 600,
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        base64.urlsafe_b64encode(b"[1, 2]").decode(),
        base64.urlsafe_b64encode(b'{"id": "x"}').decode(),
        base64.urlsafe_b64encode(b'{"id": "x", "n": -1}').decode(),
        base64.urlsafe_b64encode(b'{"id": "x", "n": 1, "extra": 1}').decode(),
        base64.urlsafe_b64encode(b'{"id": "x\\u0000", "n": 1}').decode(),
        base64.urlsafe_b64encode(b'{"id": "x", "n": "1' + b"9" * 5000 + b'"}').decode()[:500],
        base64.urlsafe_b64encode(b"[" * 400 + b"]" * 400).decode()[:500],
        "P2026-\x00",
    ],
)
def test_a_forged_cursor_is_a_400_naming_cursor(forged):
    with pytest.raises(Problem) as caught:
        decode_cursor(forged, After)
    problem = caught.value
    assert problem.status == 400 and problem.kind == "invalid-cursor" and problem.extensions["field"] == "cursor"


@pytest.mark.parametrize("forged", ["a b", "x\x00", "\n", "x" * 201, "\ud800"])
def test_a_forged_id_cursor_is_refused(forged):
    with pytest.raises(Problem, match="cursor"):
        decode_id_cursor(forged)


@pytest.mark.parametrize("forged", ["-1", "1.5", "abc", "9" * 20, str(2**63), "١٢"])
def test_a_forged_integer_cursor_is_refused(forged):
    with pytest.raises(Problem, match="cursor"):
        decode_int_cursor(forged)
    assert decode_int_cursor(str(2**63 - 1)) == 2**63 - 1 and decode_int_cursor(None) is None


# --- the request line -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestLineGuard)

    @app.get("/things/{thing_id}")
    async def thing(thing_id: str, q: str | None = None) -> dict[str, Any]:
        return {"id": thing_id, "q": q}

    return TestClient(app)


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/things/a%00b", 400, "path"),
        ("/things/a%0D%0ASet-Cookie:x", 400, "path"),
        ("/things/a%1b", 400, "path"),
        ("/things/a?q=%00", 400, "query"),
        ("/things/a?q=x%0Ay", 400, "query"),
        ("/things/" + "a" * (PATH_MAX + 1), 414, "path"),
        ("/things/a?q=" + "b" * 9000, 414, "query"),
    ],
)
def test_control_characters_and_absurd_lengths_in_the_request_line_are_problems(guarded, url, status, field):
    response = guarded.get(url)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == status and response.json()["field"] == field


def test_an_ordinary_request_line_passes_the_guard(guarded):
    response = guarded.get("/things/P2026-%E6%95%99?q=%E6%99%BA%E6%85%A7+%E6%95%99%E8%82%B2")
    assert response.status_code == 200 and response.json() == {"id": "P2026-教", "q": "智慧 教育"}
