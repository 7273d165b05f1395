"""Writes each stage service's OpenAPI document to services/gateway/webapp/openapi/<service>.json, the input of
the workbench's generated client and action registry (the gateway does not expose the specs)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from fastapi.routing import APIRoute

from shared.auth import Role
from shared.settings import STAGE_SERVICES

OUT = Path(__file__).resolve().parent.parent / "services" / "gateway" / "webapp" / "openapi"


def required_roles(dependant: Any) -> list[str]:
    """The roles a route's `require(...)` dependencies let through (empty: any signed-in user, or the
    handler decides), read from the dependency's closure so the UI offers an action only to them."""
    roles: set[str] = set()
    for dependency in dependant.dependencies:
        for cell in getattr(dependency.call, "__closure__", None) or ():
            value = cell.cell_contents
            if isinstance(value, tuple) and value and all(isinstance(r, Role) for r in value):
                roles.update(r.value for r in value)
        roles.update(required_roles(dependency))
    return sorted(roles)


def api_routes(routes: list[Any]) -> list[Any]:
    """Every API route with its dependencies, through included routers (FastAPI ≥ 0.16x wraps them)."""
    found = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "effective_route_contexts"):
            found.extend(context for context in route.effective_route_contexts() if context.dependant is not None)
    return found


def spec(service: str) -> dict:
    app = importlib.import_module(f"services.{service}.main").app
    document = app.openapi()
    for route in api_routes(app.routes):
        if route.path not in document["paths"]:
            continue
        roles = required_roles(route.dependant)
        for method in route.methods:
            operation = document["paths"][route.path].get(method.lower())
            if operation is not None and roles:
                operation["x-roles"] = roles
    return document


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for service in STAGE_SERVICES:
        text = json.dumps(spec(service), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        (OUT / f"{service}.json").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
