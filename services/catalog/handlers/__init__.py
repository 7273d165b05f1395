"""Catalog's commands and consumed events, one module per area, each command in one unit of work.

`subscriptions` is shared by every room of the service; a room registers its consumers on it.
"""

from __future__ import annotations

from shared.bus import Subscriptions

subscriptions = Subscriptions()

from services.catalog.handlers import consumed  # noqa: E402,F401  (registers the consumers)
