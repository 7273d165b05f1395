"""The public open-data door (no sign-in, docs/open-data.md): OCDS releases of a jurisdiction whose bureau
publishes open data. The projects' headline figures are catalog's own public routes
(`/api/catalog/open-data/...`, forwarded like any catalog route); the OCDS releases are procurement's, which
answers signed-in readers only, so the gateway asks it on the public's behalf with a one-minute token of a
read-only role, and only for a jurisdiction catalog says is published. Procurement never publishes a secret
(涉密) project in OCDS (its `published_projects`), so none reaches this feed either."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Query, Request

from shared.auth import Role, issue_token
from shared.errors import Problem

router = APIRouter(tags=["open data 公开数据 (no sign-in)"])

#: The licence of everything the open feed publishes (the same as catalog's, services/catalog/portfolio/open_data.py).
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"
READER = Role.AUDIT  # reads every unit's procurement, writes nothing


def _unavailable(what: str) -> Problem:
    return Problem(503, "unavailable", "服务暂不可用 / Temporarily unavailable", f"{what} did not answer")


@router.get("/api/open-data/ocds/releases", summary="公开数据 OCDS releases of a publishing jurisdiction (no sign-in)")
async def ocds_releases(
    request: Request,
    jurisdiction: Annotated[str, Query(min_length=2, max_length=40, pattern=r"^[a-z_]+$")],
    cursor: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    settings = request.app.state.settings
    client: httpx.AsyncClient = request.app.state.http
    try:
        published = await client.get(f"{settings.service_urls['catalog']}/api/catalog/open-data/jurisdictions")
        published.raise_for_status()
    except httpx.HTTPError:
        raise _unavailable("catalog") from None
    if jurisdiction not in published.json().get("jurisdictions", []):
        raise Problem(
            404,
            "not-found",
            "未公开 / Not published",
            f"jurisdiction '{jurisdiction}' does not publish open data (a local setting, off by default)",
            field="jurisdiction",
        )
    token = issue_token(
        settings.jwt_secret, "gateway-open-data", [READER], issuer=settings.jwt_issuer, ttl=timedelta(minutes=1)
    )
    params: dict[str, Any] = {"jurisdiction": jurisdiction, "limit": limit}
    if cursor:
        params["cursor"] = cursor
    try:
        answer = await client.get(
            f"{settings.service_urls['procurement']}/api/procurement/ocds/releases",
            params=params,
            headers={"authorization": f"Bearer {token}"},
        )
        answer.raise_for_status()
    except httpx.HTTPError:
        raise _unavailable("procurement") from None
    package = answer.json()
    package["uri"] = str(request.url)
    package["license"] = LICENCE_URL
    following = httpx.URL(package.get("links", {}).get("next", "")).params.get("cursor")
    if following:
        package["links"] = {"next": str(request.url.include_query_params(cursor=following))}
    return package
