"""Firing one request many times at the same moment, to count what a command does under concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def fire_concurrently(n: int, request: Callable[[], Awaitable[T]]) -> list[T]:
    """Start `request()` n times, released together by a barrier once all n are running, and return
    the n results in start order (an exception in one is raised after all have finished)."""
    barrier = asyncio.Barrier(n)

    async def one() -> T:
        await barrier.wait()
        return await request()

    results = await asyncio.gather(*(one() for _ in range(n)), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]
