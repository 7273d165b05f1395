"""The OpenAPI document a govproj app publishes: its real RFC 9457 error answers and its security schemes.

FastAPI documents only a 422 `application/json` HTTPValidationError, while every refusal really leaves as
`application/problem+json` through shared/errors.py; this rewrites each operation's error responses to that
shape and marks the operations that need a bearer token (issue 20, item 7)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from shared.errors import DEFAULT_CHALLENGE, PROBLEM_BASE, PROBLEM_MEDIA_TYPE, Violation

BEARER_SCHEME = "bearerAuth"
OIDC_SCHEME = "oidc"
PROBLEM_SCHEMA = "Problem"

#: The problem document every error answer is (shared.errors.Problem.body): the RFC 9457 members plus the
#: extensions the runtime adds. Open to further members, as RFC 9457 §3.2 allows extensions.
PROBLEM_JSON_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `type` names the kind of refusal under " + PROBLEM_BASE + ".",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri", "examples": [PROBLEM_BASE + "validation"]},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The request path that was refused."},
        "errors": {
            "type": "array",
            "description": "Field errors (kind `validation`, `malformed-json`).",
            "items": {
                "type": "object",
                "required": ["field", "message", "type"],
                "properties": {
                    "field": {"type": "string", "description": "Dotted path of the field; empty for the body."},
                    "message": {"type": ["string", "null"]},
                    "type": {"type": ["string", "null"]},
                },
            },
        },
        "violations": {
            "type": "array",
            "description": "Every rule the request broke (kind `rule-violation`), with its citation.",
            "items": {"$ref": "#/components/schemas/ProblemViolation"},
        },
        "field": {"type": ["string", "null"]},
        "rule": {"type": "string"},
        "resource": {"type": "string"},
        "required_roles": {"type": "array", "items": {"type": "string"}},
        "stage": {"type": "string"},
        "expected": {"type": "array", "items": {"type": "string"}},
        "action": {"type": "string"},
        "retry_after_seconds": {"type": "integer"},
        "limit_bytes": {"type": "integer"},
        "limit": {"type": "string"},
        "rate": {"type": "string"},
        "upstream": {"type": "string"},
    },
    "additionalProperties": True,
}


def _example(status: int, kind: str, title: str, detail: str, **extensions: Any) -> dict[str, Any]:
    return {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail} | extensions


#: What each documented status means here, with one example body of the runtime's shape.
ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    400: (
        "Malformed JSON or a refused request (kinds `malformed-json`, `bad-request`, `bad-path`).",
        _example(
            400,
            "malformed-json",
            "请求体不是合法的 JSON / Malformed JSON",
            "body: JSON decode error",
            errors=[{"field": "", "message": "JSON decode error", "type": "json_invalid"}],
        ),
    ),
    401: (
        "No bearer token, or one that is invalid or expired (kind `unauthorized`); `WWW-Authenticate` says how.",
        _example(
            401,
            "unauthorized",
            "需要有效的身份令牌 / A valid bearer token is required",
            "missing 'Authorization: Bearer <token>' header",
        ),
    ),
    403: (
        "The caller's role, unit or clearance does not allow this (kind `forbidden`).",
        _example(
            403,
            "forbidden",
            "无权执行此操作 / Not allowed for your role",
            "this action needs one of the roles data_bureau",
            required_roles=["data_bureau"],
        ),
    ),
    404: (
        "The resource named in the path does not exist or is not visible to the caller (kind `not-found`).",
        _example(404, "not-found", "project not found", "project 'P-0' does not exist", resource="project"),
    ),
    409: (
        "Not allowed at the project's current stage, or conflicting with existing data "
        "(kinds `wrong-stage`, `conflict`).",
        _example(
            409,
            "wrong-stage",
            "项目当前阶段不允许此操作 / Not allowed at the project's current stage",
            "project P-0 is at stage 'draft'; 'admit' needs submitted",
            stage="draft",
            expected=["submitted"],
            action="admit",
        ),
    ),
    413: (
        "The request body is larger than the service accepts (kind `payload-too-large`).",
        _example(
            413,
            "payload-too-large",
            "请求体过大 / Request body too large",
            "the request body exceeds the limit of 1048576 bytes; nothing was saved",
            limit_bytes=1048576,
        ),
    ),
    422: (
        "Invalid fields, or a request that breaks a project-management rule (kinds `validation`, "
        "`rule-violation`, `unknown-jurisdiction`, `missing-facts`, `invalid-fact`, `unstorable-value`).",
        _example(
            422,
            "validation",
            "字段校验失败 / Invalid fields",
            "title: Field required",
            errors=[{"field": "title", "message": "Field required", "type": "missing"}],
        ),
    ),
    429: (
        "Too many writes from this caller, or failed sign-ins (kind `rate-limited`); retry after `Retry-After`.",
        _example(
            429,
            "rate-limited",
            "操作过于频繁，请稍后再试 / Too many requests, retry later",
            "writes per principal exceeded",
            limit="writes",
            rate="120 per 1 minute",
            retry_after_seconds=30,
        ),
    ),
    503: (
        "The database (or, through the gateway, the service) is unavailable; retry after `Retry-After` seconds.",
        _example(
            503,
            "database-unavailable",
            "数据库暂时不可用，请稍后重试 / The database is unavailable; retry later",
            "the service cannot reach its database; nothing was saved; retry in 5 s",
            retry_after_seconds=5,
        ),
    ),
}

_WRITE_METHODS = {"post", "put", "patch", "delete"}


#: Names of the shared responses in `components.responses`, which every operation refers to: one copy of
#: each description and example instead of one per operation.
RESPONSE_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    413: "PayloadTooLarge",
    422: "Unprocessable",
    429: "TooManyRequests",
    503: "Unavailable",
}


def response_ref(status: int) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{RESPONSE_NAMES[status]}"}


def error_response(status: int) -> dict[str, Any]:
    description, example = ERRORS[status]
    response: dict[str, Any] = {
        "description": description,
        "content": {
            PROBLEM_MEDIA_TYPE: {"schema": {"$ref": f"#/components/schemas/{PROBLEM_SCHEMA}"}, "example": example}
        },
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": f"The bearer challenge (RFC 6750 §3), e.g. `{DEFAULT_CHALLENGE}`.",
                "schema": {"type": "string"},
            }
        }
    if status in (429, 503):
        response["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}}
    return response


def _needs_principal(dependant: Dependant, marker: Callable[..., Any]) -> bool:
    """Whether `marker` (the principal dependency) is anywhere in the route's dependency tree."""
    if dependant.call is marker:
        return True
    return any(_needs_principal(sub, marker) for sub in dependant.dependencies)


def _operation_statuses(method: str, path: str, operation: dict[str, Any], secured: bool, service: bool) -> list[int]:
    has_body = "requestBody" in operation
    has_input = has_body or bool(operation.get("parameters"))
    statuses = []
    if has_body:
        statuses += [400, 413]
    if secured:
        statuses += [401, 403]
    if "{" in path:
        statuses.append(404)
    if method in _WRITE_METHODS:
        statuses.append(409)
    if has_input:
        statuses.append(422)
    if service:
        statuses.append(503)
    return sorted(statuses)


def document(
    spec: dict[str, Any],
    routes: Iterable[Any],
    *,
    principal_dependency: Callable[..., Any],
    oidc_issuer: str | None = None,
    database: bool = True,
) -> dict[str, Any]:
    """`spec` (FastAPI's) with problem+json error answers and security on every route that needs a principal.
    `database`: the app answers 503 when its database is away (the stage services)."""
    spec = copy.deepcopy(spec)
    secured: set[tuple[str, str]] = set()
    # FastAPI flattens included routers lazily; its own iterator yields each route with its effective
    # prefix and dependencies (the router-level ones included).
    for context in iter_route_contexts(list(routes)):
        if not isinstance(context.original_route, APIRoute) or not context.include_in_schema:
            continue
        if _needs_principal(context.dependant, principal_dependency):
            path, methods = context.path_format, context.methods or set()
            if path is not None:
                secured.update((path, method.lower()) for method in methods)

    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas[PROBLEM_SCHEMA] = PROBLEM_JSON_SCHEMA
    components.setdefault("responses", {}).update(
        {name: error_response(status) for status, name in RESPONSE_NAMES.items()}
    )
    schemas["ProblemViolation"] = Violation.model_json_schema()
    schemes = components.setdefault("securitySchemes", {})
    schemes[BEARER_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "`Authorization: Bearer <token>`: the identity provider's token (or, in dev and test, "
        "one from the gateway's POST /api/auth/token).",
    }
    if oidc_issuer:
        schemes[OIDC_SCHEME] = {
            "type": "openIdConnect",
            "openIdConnectUrl": oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        }

    for path, item in spec.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue  # health probes and test controls answer their own bodies, not problems, to operators
        for method, operation in item.items():
            if method not in {"get", "put", "post", "delete", "patch", "head", "options"}:
                continue
            is_secured = (path, method) in secured
            if is_secured:
                operation["security"] = [{BEARER_SCHEME: []}] + ([{OIDC_SCHEME: []}] if oidc_issuer else [])
            responses = operation.setdefault("responses", {})
            for status in _operation_statuses(method, path, operation, is_secured, database):
                # FastAPI's own 422 (HTTPValidationError as application/json) is replaced, not kept beside.
                responses[str(status)] = response_ref(status)

    # FastAPI's validation schemas are no longer referenced by any operation.
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in schemas and f'"#/components/schemas/{unused}"' not in json.dumps(spec):
            schemas.pop(unused)
    return spec


def install(app: FastAPI, *, principal_dependency: Callable[..., Any], oidc_issuer: str | None, database: bool) -> None:
    """Make `app.openapi()` (and so /openapi.json and /docs) answer the documented, post-processed spec."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            base = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            app.openapi_schema = document(
                base, app.routes, principal_dependency=principal_dependency, oidc_issuer=oidc_issuer, database=database
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = ["ERRORS", "PROBLEM_JSON_SCHEMA", "document", "error_response", "install", "response_ref"]
