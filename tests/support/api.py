"""A thin client of the gateway for tests and the benchmark: sign in as a seeded user, call the APIs."""

from __future__ import annotations

from typing import Any

import httpx

PASSWORD = "govproj"


class Api:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    async def token(self, username: str) -> str:
        if username not in self._tokens:
            response = await self.client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
            response.raise_for_status()
            self._tokens[username] = response.json()["access_token"]
        return self._tokens[username]

    async def call(
        self,
        username: str | None,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: dict | None = None,
        params: dict | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if username is not None:
            all_headers["authorization"] = f"Bearer {await self.token(username)}"
        return await self.client.request(method, path, json=json, headers=all_headers, params=params)

    async def get(self, username: str | None, path: str, **kwargs: Any) -> httpx.Response:
        return await self.call(username, "GET", path, **kwargs)

    async def post(self, username: str | None, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.call(username, "POST", path, json=json, **kwargs)

    async def patch(self, username: str | None, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return await self.call(username, "PATCH", path, json=json, **kwargs)


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a response that must have `status`; otherwise fail with the problem shown."""
    assert response.status_code == status, (
        f"{response.request.method} {response.request.url} → {response.status_code}: {response.text}"
    )
    return response.json()


def required_materials(jurisdiction: str = "dazhou") -> list[str]:
    """Every material kind the pack requires at submission (dazhou:第九条; the secure-products statement of
    第五十六条 where the pack has it), for complete applications."""
    from shared.policy import packs

    pack = packs.get(jurisdiction)
    kinds = list(pack.rule("intake.required_materials").params.required)
    for rule_id in ("intake.secure_products_statement", "intake.sharing_interface_plan"):  # jiyuan:原则(四)
        if pack.has(rule_id):
            kinds += pack.rule(rule_id).params.required
    return kinds


def passed_acceptance_items(jurisdiction: str = "dazhou") -> list[dict]:
    """Every acceptance item the pack requires (dazhou:第五十六条,第五十九条), all passed."""
    from shared.policy import packs

    pack = packs.get(jurisdiction)
    required = list(pack.rule("acceptance.items").params.required)
    # fengxian:第五条; dazhou:第二十三条,第二十六条; jiyuan:原则(四)
    for rule_id in (
        "acceptance.mlps_filing",
        "acceptance.secure_reliable_review",
        "acceptance.information_sharing",
        "acceptance.sharing_security_basis",
        "acceptance.sharing_interface_connection",
    ):
        if pack.has(rule_id):
            required += pack.rule(rule_id).params.required
    return [{"kind": kind, "passed": True} for kind in required]
