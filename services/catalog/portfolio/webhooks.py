"""The notification feed as a webhook (for platforms that push to 政务钉钉 or SMS): the bureau registers a
subscription per role (and unit) and URL; each new notification for it is POSTed as JSON, signed with the
subscription's own HMAC-SHA256 key, retried with backoff, and every attempt is in the delivery log.

Outbound only to configured URLs: a subscription's URL must start with one of the prefixes in
`GOVPROJ_WEBHOOK_ALLOWED_URLS` (comma-separated; none configured = no subscription can be registered), and
redirects are not followed, so a receiver cannot bounce the platform's requests elsewhere. Secret (涉密)
projects' notifications never leave the service (dazhou:第六十五条)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import sqlalchemy as sa
from sqlmodel import col

from services.catalog.portfolio.tables import (
    PortfolioNotification,
    PortfolioProject,
    PortfolioWebhook,
    PortfolioWebhookDelivery,
)
from shared import clock
from shared.service import ServiceRuntime
from shared.uow import UnitOfWork

ALLOWED_URLS_ENV = "GOVPROJ_WEBHOOK_ALLOWED_URLS"
SIGNATURE_HEADER = "x-govproj-signature"
#: Attempts before a delivery is given up (marked failed); the wait doubles from RETRY_BASE each time.
MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=30)
#: A claimed delivery is not picked again for this long (another sweeper run, or a crash mid-POST).
LEASE = timedelta(seconds=60)
TIMEOUT = httpx.Timeout(5.0, connect=2.0)
BATCH = 50
QUEUE_BATCH = 500


def allowed_prefixes() -> list[str]:
    return [p.strip() for p in os.environ.get(ALLOWED_URLS_ENV, "").split(",") if p.strip()]


def url_allowed(url: str) -> bool:
    return any(url.startswith(prefix) for prefix in allowed_prefixes())


def new_signing_key() -> str:
    return secrets.token_hex(32)


def sign(key: str, timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`: the receiver recomputes it with its key and
    refuses a stale timestamp (a replayed request)."""
    digest = hmac.new(key.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(key: str, header: str, body: bytes) -> bool:
    """What a receiver does (docs/portfolio.md); the tests use it as the receiver."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        expected = sign(key, int(parts["t"]), body)
    except (KeyError, ValueError):
        return False
    return hmac.compare_digest(expected, header)


def backoff(attempts: int) -> timedelta:
    return RETRY_BASE * (2 ** max(attempts - 1, 0))


def _addressed(hook: PortfolioWebhook) -> sa.ColumnElement[bool]:
    clauses = [col(PortfolioNotification.role) == hook.role]
    if hook.unit:
        clauses.append(col(PortfolioNotification.unit) == hook.unit)
    return sa.and_(*clauses)


async def queue(uow: UnitOfWork) -> int:
    """Open a delivery for every new notification each active subscription takes (never a secret project's)."""
    queued = 0
    now = clock.now()
    hooks = list(await uow.session.scalars(sa.select(PortfolioWebhook).where(col(PortfolioWebhook.active).is_(True))))
    for hook in hooks:
        newest = await uow.session.scalar(
            sa.select(sa.func.max(col(PortfolioNotification.id))).where(
                col(PortfolioNotification.id) > hook.queued_up_to
            )
        )
        if newest is None:
            continue
        upper = min(newest, hook.queued_up_to + QUEUE_BATCH)
        ids = await uow.session.scalars(
            sa.select(col(PortfolioNotification.id))
            .join(PortfolioProject, col(PortfolioProject.project_id) == col(PortfolioNotification.project_id))
            .where(
                col(PortfolioNotification.id) > hook.queued_up_to,
                col(PortfolioNotification.id) <= upper,
                _addressed(hook),
                col(PortfolioProject.secret).is_(False),
            )
        )
        for notification_id in ids:
            assert notification_id is not None  # a stored notification's key
            uow.session.add(
                PortfolioWebhookDelivery(
                    webhook_id=hook.id or 0, notification_id=notification_id, next_attempt_at=now, created_at=now
                )
            )
            queued += 1
        hook.queued_up_to = upper
    return queued


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    url: str
    key: str
    body: bytes


def payload(delivery: PortfolioWebhookDelivery, hook: PortfolioWebhook, note: PortfolioNotification) -> bytes:
    document: dict[str, Any] = {
        "delivery_id": delivery.id,
        "webhook_id": hook.id,
        "type": f"govproj.notification.{note.kind}",
        "notification": {
            "id": note.id,
            "project_id": note.project_id,
            "kind": note.kind,
            "text_zh": note.text_zh,
            "due_on": note.due_on.isoformat() if note.due_on else None,
            "created_at": note.created_at.isoformat(),
            "role": note.role,
            "unit": note.unit,
        },
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


async def claim(uow: UnitOfWork) -> list[Outgoing]:
    """Deliveries due now, leased so that a concurrent or later run does not send them twice meanwhile."""
    now = clock.now()
    rows = (
        await uow.session.execute(
            sa.select(PortfolioWebhookDelivery, PortfolioWebhook, PortfolioNotification)
            .join(PortfolioWebhook, col(PortfolioWebhook.id) == col(PortfolioWebhookDelivery.webhook_id))
            .join(PortfolioNotification, col(PortfolioNotification.id) == col(PortfolioWebhookDelivery.notification_id))
            .where(
                col(PortfolioWebhookDelivery.status) == "pending",
                col(PortfolioWebhookDelivery.next_attempt_at) <= now,
                col(PortfolioWebhook.active).is_(True),
            )
            .order_by(col(PortfolioWebhookDelivery.next_attempt_at), col(PortfolioWebhookDelivery.id))
            .limit(BATCH)
            .with_for_update(skip_locked=True, of=PortfolioWebhookDelivery)
        )
    ).all()
    out = []
    for delivery, hook, note in rows:
        delivery.next_attempt_at = now + LEASE
        out.append(Outgoing(delivery.id or 0, hook.url, hook.signing_key, payload(delivery, hook, note)))
    return out


async def post(client: httpx.AsyncClient, outgoing: Outgoing) -> tuple[int | None, str | None]:
    """One attempt: (HTTP status, error). The URL is checked against the allowed prefixes again at send
    time, so removing a prefix from the configuration stops its deliveries at once."""
    if not url_allowed(outgoing.url):
        return None, "URL 不在允许的推送地址内 (not in GOVPROJ_WEBHOOK_ALLOWED_URLS)"
    headers = {
        "content-type": "application/json; charset=utf-8",
        SIGNATURE_HEADER: sign(outgoing.key, int(clock.now().timestamp()), outgoing.body),
        "x-govproj-delivery": str(outgoing.delivery_id),
        "user-agent": "govproj-webhook/1",
    }
    try:
        response = await client.post(outgoing.url, content=outgoing.body, headers=headers)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"[:300]
    return response.status_code, None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"


async def record(uow: UnitOfWork, delivery_id: int, status: int | None, error: str | None) -> None:
    delivery = await uow.session.get(PortfolioWebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.status != "pending":
        return
    now = clock.now()
    delivery.attempts += 1
    delivery.last_status, delivery.last_error = status, error
    if error is None:
        delivery.status, delivery.delivered_at = "delivered", now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)


async def deliver(runtime: ServiceRuntime) -> int:
    """The sweeper: queue new notifications, then send what is due (outside any transaction) and log it."""
    async with runtime.unit_of_work() as uow:
        await queue(uow)
    async with runtime.unit_of_work() as uow:
        due = await claim(uow)
    if not due:
        return 0
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, trust_env=False) as client:
        results = [(item.delivery_id, *(await post(client, item))) for item in due]
    async with runtime.unit_of_work() as uow:
        for delivery_id, status, error in results:
            await record(uow, delivery_id, status, error)
    return len(results)
