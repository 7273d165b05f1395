"""The notification feed as a webhook (HMAC-signed POSTs to a receiver on 127.0.0.1, retried with backoff,
logged; only to configured URLs; never a secret project's) and the public open-data feed (off by default,
switched on per jurisdiction; no secret project in the JSON or the spreadsheet)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from openpyxl import load_workbook

from services.catalog.portfolio import domain, webhooks
from shared import clock
from shared.auth import Role
from tests.unit.catalog.portfolio.conftest import UNIT
from tests.unit.catalog.portfolio.test_portfolio import approved, contracted

OPEN = "/api/catalog/open-data"


class Receiver:
    """A local HTTP receiver: records each POST and answers the next status from `answers` (200 when empty)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(monkeypatch) -> Iterator[Receiver]:
    found = Receiver()
    monkeypatch.setenv(webhooks.ALLOWED_URLS_ENV, f"http://127.0.0.1:{found.server.server_address[1]}/")
    yield found
    found.close()


async def subscribe(hub, url: str, role=Role.UNIT, unit: str | None = UNIT) -> dict:
    response = await hub.post("/webhooks", {"name": "政务钉钉推送", "url": url, "role": role.value, "unit": unit})
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_subscription_gets_signed_posts_and_a_failed_one_is_retried_then_logged(hub, receiver):
    hook = await subscribe(hub, receiver.url)
    assert len(hook["signing_key"]) == 64
    body = {"name": "重试", "url": receiver.url, "role": "data_bureau"}
    headers = {**hub.headers(), "idempotency-key": "hook-once"}
    first = await hub.client.post("/api/catalog/portfolio/webhooks", json=body, headers=headers)
    again = await hub.client.post("/api/catalog/portfolio/webhooks", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()  # one subscription
    await hub.client.delete(f"/api/catalog/portfolio/webhooks/{first.json()['id']}", headers=hub.headers())
    listed = await hub.get("/webhooks")
    assert [h["id"] for h in listed.json()["items"]] == [hook["id"], first.json()["id"]]
    assert "signing_key" not in listed.text

    receiver.answers = [503]  # the first attempt fails
    project = await hub.admitted(title="推送项目")
    await approved(hub, project, title="推送项目")  # a new to-do for the unit: 功能清单公示并报送技术方案
    secret = await hub.admitted(title=None, secret=True)
    await approved(hub, secret, title=None, secret=True)  # the unit's to-do on a secret project: never sent
    await hub.sweep()
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert webhooks.verify(hook["signing_key"], headers[webhooks.SIGNATURE_HEADER], body)
    assert not webhooks.verify("0" * 64, headers[webhooks.SIGNATURE_HEADER], body)  # another key fails
    assert not webhooks.verify(hook["signing_key"], headers[webhooks.SIGNATURE_HEADER], body + b" ")  # tampered
    sent = json.loads(body)
    assert sent["notification"]["project_id"] == project and "推送项目" in sent["notification"]["text_zh"]
    log = (await hub.get(f"/webhooks/{hook['id']}/deliveries")).json()["items"]
    assert [(d["status"], d["attempts"], d["last_status"]) for d in log] == [("pending", 1, 503)]

    await hub.sweep()  # not due yet: the backoff holds it
    assert len(receiver.received) == 1
    clock.set_offset(webhooks.backoff(1) + timedelta(seconds=1))
    await hub.sweep()
    assert len(receiver.received) == 2 and receiver.received[1][1] == body  # the same delivery again
    log = (await hub.get(f"/webhooks/{hook['id']}/deliveries")).json()["items"]
    assert [(d["status"], d["attempts"], d["last_status"]) for d in log] == [("delivered", 2, 200)]
    assert all(secret not in b.decode() for _, b in receiver.received)


async def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_attempt(hub, receiver):
    hook = await subscribe(hub, receiver.url, role=Role.DATA_BUREAU, unit=None)
    receiver.answers = [500] * 100
    await hub.admitted(title="总是失败")  # the bureau's to-dos: 入库审核, then the scheme review
    await hub.sweep()
    each = len(receiver.received)
    assert each >= 1
    waited = timedelta(0)
    for attempt in range(2, webhooks.MAX_ATTEMPTS + 1):
        waited += webhooks.backoff(attempt - 1) + timedelta(seconds=1)
        clock.set_offset(waited)
        await hub.sweep()
        assert len(receiver.received) == each * attempt
    clock.set_offset(waited + timedelta(days=1))
    await hub.sweep()
    assert len(receiver.received) == each * webhooks.MAX_ATTEMPTS  # given up
    log = (await hub.get(f"/webhooks/{hook['id']}/deliveries")).json()["items"]
    assert {(d["status"], d["attempts"], d["last_status"]) for d in log} == {("failed", webhooks.MAX_ATTEMPTS, 500)}


async def test_only_configured_urls_only_the_bureau_and_a_stopped_hook_sends_nothing(hub, receiver, monkeypatch):
    refused = await hub.post(
        "/webhooks", {"name": "外部", "url": "http://169.254.169.254/latest", "role": "unit", "unit": UNIT}
    )
    assert refused.status_code == 400 and refused.json()["field"] == "url"
    no_unit = await hub.post("/webhooks", {"name": "缺单位", "url": receiver.url, "role": "unit"})
    assert no_unit.status_code == 400 and no_unit.json()["field"] == "unit"
    unit_staff = await hub.post(
        "/webhooks", {"name": "x", "url": receiver.url, "role": "unit", "unit": UNIT}, Role.UNIT, unit=UNIT
    )
    assert unit_staff.status_code == 403
    assert (await hub.get("/webhooks", Role.UNIT, unit=UNIT)).status_code == 403

    hook = await subscribe(hub, receiver.url)
    assert (await hub.client.delete(f"/api/catalog/portfolio/webhooks/{hook['id']}", headers=hub.headers())).json()[
        "active"
    ] is False
    project = await hub.admitted(title="停用后")
    await approved(hub, project, title="停用后")
    await hub.sweep()
    assert receiver.received == []

    # a prefix removed from the configuration stops the deliveries already queued, at send time
    live = await subscribe(hub, receiver.url)
    other = await hub.admitted(title="配置撤销")
    await approved(hub, other, title="配置撤销")
    monkeypatch.setenv(webhooks.ALLOWED_URLS_ENV, "https://dingtalk.example.gov.cn/")
    await hub.sweep()
    assert receiver.received == []
    log = (await hub.get(f"/webhooks/{live['id']}/deliveries")).json()["items"]
    assert log and log[0]["last_error"].startswith("URL 不在允许")


async def test_open_data_is_off_by_default_and_never_shows_a_secret_project(hub, monkeypatch):
    public = await hub.admitted(title="公开的智慧教育平台", amount_fen=150_0000_00)
    secret = await hub.admitted(title=None, secret=True, amount_fen=900_0000_00)
    await approved(hub, public, title="公开的智慧教育平台")
    await approved(hub, secret, title=None, secret=True)
    today = clock.today()
    await contracted(hub, public, 200_0000_00, signed_on=today, due=today + timedelta(days=90))
    await contracted(hub, secret, 950_0000_00, signed_on=today, due=today + timedelta(days=90))
    await hub.admitted(jurisdiction="quzhou", unit="衢州市大数据中心", title="衢州项目")

    monkeypatch.delenv(domain.OPEN_DATA_ENV, raising=False)
    off = await hub.client.get(f"{OPEN}/projects", params={"jurisdiction": "dazhou"})  # no token
    assert off.status_code == 404 and off.json()["field"] == "jurisdiction"
    assert (await hub.client.get(f"{OPEN}/jurisdictions")).json()["jurisdictions"] == []

    monkeypatch.setenv(domain.OPEN_DATA_ENV, "dazhou")
    feed = await hub.client.get(f"{OPEN}/projects", params={"jurisdiction": "dazhou"})
    assert feed.status_code == 200, feed.text
    document = feed.json()
    assert document["licence"]["url"].startswith("https://creativecommons.org/")
    assert document["schema_url"].endswith("/api/catalog/open-data/schema.json")
    assert document["total"] == 1 and [p["project_id"] for p in document["projects"]] == [public]
    row = document["projects"][0]
    assert row["title"] == "公开的智慧教育平台" and row["stage"] == "contracted"
    assert row["approved_investment_fen"] == 150_0000_00 and row["contracted_fen"] == 200_0000_00
    assert row["cost_variance_pct"] == pytest.approx(33.3) and row["risk"] == "high"
    assert secret not in feed.text and "900000000" not in feed.text and "950000000" not in feed.text
    assert (await hub.client.get(f"{OPEN}/projects", params={"jurisdiction": "quzhou"})).status_code == 404

    sheet = await hub.client.get(f"{OPEN}/projects.xlsx", params={"jurisdiction": "dazhou"})
    assert sheet.status_code == 200
    book = load_workbook(io.BytesIO(sheet.content))
    rows = list(book["项目"].iter_rows(values_only=True))
    assert rows[0][:2] == ("项目编号", "项目名称") and len(rows) == 2
    assert rows[1][0] == public and float(rows[1][7]) == 1_500_000.0  # 批复投资 in 元
    assert all(secret not in str(cell) for row in rows for cell in row)
    assert "CC BY 4.0" in str(list(book["说明"].iter_rows(values_only=True)))

    schema = (await hub.client.get(f"{OPEN}/schema.json")).json()
    assert "risk" in schema["$defs"]["OpenProject"]["properties"]
    bad = await hub.client.get(f"{OPEN}/projects", params={"jurisdiction": "dazhou", "limit": 5000})
    assert bad.status_code == 422


async def test_open_data_follows_the_jurisdictions_pack_and_never_shows_a_secret_project(
    hub, monkeypatch, pack_settings
):
    monkeypatch.delenv(domain.OPEN_DATA_ENV, raising=False)
    quzhou = "衢州市大数据中心"
    public = await hub.admitted(jurisdiction="quzhou", unit=quzhou, title="衢州城市大脑", amount_fen=100_0000_00)
    secret = await hub.admitted(jurisdiction="quzhou", unit=quzhou, title=None, secret=True, amount_fen=80_0000_00)
    await hub.admitted(title="达州项目")
    assert (await hub.client.get(f"{OPEN}/projects", params={"jurisdiction": "quzhou"})).status_code == 404

    pack_settings("quzhou", open_data="true")  # the bureau of 衢州 switches it on in its own pack
    listed = (await hub.client.get(f"{OPEN}/jurisdictions")).json()["jurisdictions"]
    assert listed == ["quzhou"]
    feed = await hub.client.get(f"{OPEN}/projects", params={"jurisdiction": "quzhou"})  # no token
    assert feed.status_code == 200, feed.text
    assert [p["project_id"] for p in feed.json()["projects"]] == [public]
    assert secret not in feed.text and "80000000" not in feed.text
    sheet = await hub.client.get(f"{OPEN}/projects.xlsx", params={"jurisdiction": "quzhou"})
    rows = list(load_workbook(io.BytesIO(sheet.content))["项目"].iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [public] and all(secret not in str(c) for r in rows for c in r)
    # dazhou's pack still says off
    assert (await hub.client.get(f"{OPEN}/projects", params={"jurisdiction": "dazhou"})).status_code == 404
