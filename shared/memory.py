"""Giving the heap a large request freed back to the operating system.

CPython frees small objects into its own arenas and everything larger (list and dict tables, long
strings, a request's body) to glibc's malloc, which keeps freed chunks in the middle of its heap for
reuse instead of returning them. After a 10,000-row import or a province's spreadsheet the process
therefore keeps tens of MiB it no longer uses (bench/import_memory.py: RSS +27 MiB after an import whose
objects were all freed). `malloc_trim(0)` hands those free pages back; it walks the heap in a few
milliseconds, so it runs after the few requests that allocate a lot (as a background task, once the
response is sent), not after every request. Without glibc (musl, macOS) it does nothing."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable
from typing import TypeVar

from starlette.background import BackgroundTask
from starlette.responses import Response

ResponseT = TypeVar("ResponseT", bound=Response)


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    return trim


_TRIM = _malloc_trim()


def give_back() -> bool:
    """Collect cycles (a parsed file's rows hold none, but a failed request's traceback may), then return
    malloc's free pages; True if there was a malloc_trim to call."""
    gc.collect()
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


def after(response: ResponseT) -> ResponseT:
    """`response`, giving memory back once it is sent (chained after any background task it has)."""
    earlier = response.background

    async def run() -> None:
        if earlier is not None:
            await earlier()
        give_back()

    response.background = BackgroundTask(run)
    return response


__all__ = ["after", "give_back"]
