"""Registering a consumer for an event type another catalog room may already consume.

`Subscriptions` keeps one handler per event type; `also_on` chains a room's handler after the one already
registered, so both run in the same unit of work (and the inbox still dedupes the event once)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from services.catalog.handlers import subscriptions
from shared.contracts.base import EventPayload

Handler = Callable[[Any, Any, Any], Awaitable[None]]


def also_on(payload_type: type[EventPayload]) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        previous = subscriptions.handlers.get(payload_type.event_type)
        if previous is None:
            subscriptions.on(payload_type)(handler)
            return handler

        async def both(uow, event, payload) -> None:
            await previous(uow, event, payload)
            await handler(uow, event, payload)

        both.__name__ = f"{getattr(previous, '__name__', 'handler')}+{handler.__name__}"
        subscriptions.on(payload_type)(both)
        return handler

    return register
