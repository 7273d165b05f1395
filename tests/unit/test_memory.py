"""Memory a large request freed goes back to the operating system after its response is sent."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from starlette.background import BackgroundTask
from starlette.responses import Response

from shared import memory


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def test_give_back_returns_freed_malloc_pages_to_the_system():
    # Large, scattered malloc allocations (over CPython's 512-byte small-object limit), every other one
    # kept: the freed chunks sit between live ones, where malloc keeps them without malloc_trim.
    blocks = [bytearray(64 * 1024) for _ in range(1500)]
    for block in blocks:
        block[::4096] = b"x" * len(block[::4096])  # touch every page, so it is resident
    kept = blocks[::2]
    del blocks
    before = rss_kib()
    assert memory.give_back() is True  # glibc on the machines this runs on
    after = rss_kib()
    assert before - after > 20 * 1024, f"RSS {before} → {after} KiB: the ~47 MiB freed stayed in the process"
    assert len(kept) == 750


async def test_after_runs_the_response_s_own_background_task_then_gives_back(monkeypatch):
    calls: list[str] = []
    monkeypatch.setattr(memory, "give_back", lambda: calls.append("give_back") or True)

    async def earlier() -> None:
        calls.append("earlier")

    app = FastAPI()

    @app.get("/big")
    async def big() -> Response:
        return memory.after(Response(b"x", background=BackgroundTask(earlier)))

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/big")).content == b"x"
    assert calls == ["earlier", "give_back"]
