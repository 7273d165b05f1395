"""What the gateway admits: bounded requests in flight per upstream, and rate limits on sign-in and writes.

Saturation answers 503 with `Retry-After` at once instead of queueing: a queued request outlives its
client's patience and the upstream then works for nobody (200 timeline readers once got 4 good
answers a second and 77% time-outs, issue 15 defect 7). The in-flight counters are per process by
design (each replica protects the upstreams it talks to). The rate-limit windows are per process
too unless `GOVPROJ_RATE_LIMIT_STORAGE` names a Redis (`redis://host:6379`): then every replica
counts in the same windows, so two replicas do not allow twice the limit. The Helm chart starts
one when the gateway has more than one replica. If that Redis is unreachable a replica counts in
its own memory until it is back (a metric and a warning say so): sign-in and writes keep working,
limited per replica, rather than all refused."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.util import WindowStats
from prometheus_client import Counter

from shared.errors import Problem

SHED = Counter(
    "govproj_gateway_shed_total", "Requests refused at once because an upstream had too many in flight", ["upstream"]
)
RATE_LIMITED = Counter("govproj_gateway_rate_limited_total", "Requests refused by a rate limit", ["limit"])
RATE_LIMIT_STORAGE_ERRORS = Counter(
    "govproj_gateway_rate_limit_storage_errors_total",
    "Rate-limit checks counted in this replica's memory because the shared storage was unreachable",
)
# A shared storage that does not answer within this long is treated as down for that check, and is
# not asked again for a few seconds (every request would otherwise wait out its time-out).
SHARED_STORAGE_TIMEOUT_SECONDS = 0.5
SHARED_STORAGE_RETRY_SECONDS = 5.0

log = structlog.get_logger("gateway.admission")


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


def rate_limit_storage(uri: str) -> Storage:
    """The `limits` storage for GOVPROJ_RATE_LIMIT_STORAGE: `memory://` (this process) or a Redis or
    Valkey URI, plain (`redis://…`) or in `limits`' own async notation (`async+redis://…`)."""
    if uri == "memory://":
        return MemoryStorage()
    scheme = uri if uri.startswith("async+") else f"async+{uri}"
    storage = storage_from_string(
        scheme,
        implementation="redispy",
        wrap_exceptions=True,
        socket_timeout=SHARED_STORAGE_TIMEOUT_SECONDS,
        socket_connect_timeout=SHARED_STORAGE_TIMEOUT_SECONDS,
    )
    if not isinstance(storage, Storage):  # a synchronous scheme would block the event loop
        raise ValueError(f"GOVPROJ_RATE_LIMIT_STORAGE must be memory:// or a Redis URI, got {uri!r}")
    return storage


class _Windows:
    """The moving windows in the configured storage, falling back to this process's memory for any
    check the shared storage cannot answer."""

    def __init__(self, storage: Storage) -> None:
        self._shared = MovingWindowRateLimiter(storage)
        self._local = MovingWindowRateLimiter(MemoryStorage()) if not isinstance(storage, MemoryStorage) else None
        self._shared_down_until = 0.0

    async def _call(self, method: str, item: RateLimitItem, *identifiers: str) -> object:
        if self._local is None:
            return await getattr(self._shared, method)(item, *identifiers)
        if time.monotonic() >= self._shared_down_until:
            try:
                return await getattr(self._shared, method)(item, *identifiers)
            except StorageError as error:
                self._shared_down_until = time.monotonic() + SHARED_STORAGE_RETRY_SECONDS
                log.warning("rate_limit_storage_unavailable", error=str(error.storage_error), counted_locally=True)
        RATE_LIMIT_STORAGE_ERRORS.inc()
        return await getattr(self._local, method)(item, *identifiers)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return bool(await self._call("hit", item, *identifiers))

    async def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        return bool(await self._call("test", item, *identifiers))

    async def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        stats = await self._call("get_window_stats", item, *identifiers)
        assert isinstance(stats, WindowStats)
        return stats


class RateLimits:
    """Failed sign-ins per client address and per username (a password guesser is stopped whichever
    it varies; successful sign-ins do not count, so an office behind one address is not locked out by
    its own staff), and writes per principal. Moving windows from `limits`."""

    def __init__(
        self,
        failed_sign_in_per_address: str,
        failed_sign_in_per_user: str,
        writes_per_principal: str,
        storage: str = "memory://",
    ) -> None:
        self._limiter = _Windows(rate_limit_storage(storage))
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
