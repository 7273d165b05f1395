"""What the gateway admits: bounded requests in flight per upstream, and rate limits on sign-in and writes.

Saturation answers 503 with `Retry-After` at once instead of queueing: a queued request outlives its
client's patience and the upstream then works for nobody (200 timeline readers once got 4 good
answers a second and 77% time-outs, issue 15 defect 7). The counters and rate-limit windows live in
this process's memory, right for one gateway process; several gateway replicas would each allow
the limit, or share a `limits` storage such as Redis (`storage_from_string("redis://…")`)."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from prometheus_client import Counter

from shared.errors import Problem

SHED = Counter(
    "govproj_gateway_shed_total", "Requests refused at once because an upstream had too many in flight", ["upstream"]
)
RATE_LIMITED = Counter("govproj_gateway_rate_limited_total", "Requests refused by a rate limit", ["limit"])


class Bulkhead:
    """At most `capacity` requests in flight to one upstream. Entering never waits: the event loop is
    single-threaded, so a plain counter is exact."""

    def __init__(self, name: str, capacity: int) -> None:
        self.name = name
        self.capacity = capacity
        self.in_flight = 0

    def try_enter(self) -> bool:
        if self.in_flight >= self.capacity:
            return False
        self.in_flight += 1
        return True

    def leave(self) -> None:
        self.in_flight -= 1

    @contextmanager
    def admitted(self) -> Iterator[None]:
        if not self.try_enter():
            SHED.labels(self.name).inc()
            raise overloaded(self.name, self.capacity)
        try:
            yield
        finally:
            self.leave()


@contextmanager
def all_admitted(bulkheads: Sequence[Bulkhead]) -> Iterator[None]:
    """A slot in every one of `bulkheads`, or none (a timeline needs all six services)."""
    with ExitStack() as stack:
        for bulkhead in bulkheads:
            stack.enter_context(bulkhead.admitted())
        yield


def overloaded(upstream: str, capacity: int) -> Problem:
    return Problem(
        503,
        "overloaded",
        "系统繁忙，请稍后重试 / The platform is busy, retry shortly",
        f"{upstream} already has {capacity} requests in flight from this gateway",
        headers={"Retry-After": "1"},
        upstream=upstream,
    )


def too_many(limit: str, item: RateLimitItem, reset_at: float, detail: str) -> Problem:
    RATE_LIMITED.labels(limit).inc()
    retry_after = max(1, math.ceil(reset_at - time.time()))
    return Problem(
        429,
        "rate-limited",
        "操作过于频繁，请稍后再试 / Too many requests, retry later",
        detail,
        headers={"Retry-After": str(retry_after)},
        limit=limit,
        rate=str(item),
        retry_after_seconds=retry_after,
    )


class RateLimits:
    """Failed sign-ins per client address and per username (a password guesser is stopped whichever
    it varies; successful sign-ins do not count, so an office behind one address is not locked out by
    its own staff), and writes per principal. Moving windows from `limits`."""

    def __init__(
        self, failed_sign_in_per_address: str, failed_sign_in_per_user: str, writes_per_principal: str
    ) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self.failed_sign_in_per_address = parse(failed_sign_in_per_address)
        self.failed_sign_in_per_user = parse(failed_sign_in_per_user)
        self.writes_per_principal = parse(writes_per_principal)

    async def sign_in_allowed(self, address: str, username: str) -> None:
        """Refuse a sign-in (even with the right password) while its address or username is over its
        limit of failures."""
        for limit, item, key, whose in (
            ("sign-in-user", self.failed_sign_in_per_user, username, f"for '{username}'"),
            ("sign-in-address", self.failed_sign_in_per_address, address, "from this address"),
        ):
            if not await self._limiter.test(item, limit, key):
                stats = await self._limiter.get_window_stats(item, limit, key)
                raise too_many(limit, item, stats.reset_time, f"too many failed sign-ins {whose} (at most {item})")

    async def sign_in_failed(self, address: str, username: str) -> None:
        await self._limiter.hit(self.failed_sign_in_per_user, "sign-in-user", username)
        await self._limiter.hit(self.failed_sign_in_per_address, "sign-in-address", address)

    async def write(self, principal_key: str) -> None:
        if not await self._limiter.hit(self.writes_per_principal, "writes", principal_key):
            stats = await self._limiter.get_window_stats(self.writes_per_principal, "writes", principal_key)
            raise too_many(
                "writes",
                self.writes_per_principal,
                stats.reset_time,
                f"too many changes by one caller (at most {self.writes_per_principal})",
            )
