"""Structured logs for every process: one JSON object per line, with plain tracebacks.

Plain, because a pretty traceback renderer prints every frame's local variables (request bodies,
tokens) and takes seconds per error under load; JSON, because operators ship these lines."""

from __future__ import annotations

import logging

import structlog

_configured = False


def configure(level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=True,
    )
    _configured = True
