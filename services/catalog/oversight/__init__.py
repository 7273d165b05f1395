"""Oversight (监督检查), the platform's oversight hub: supervision findings, rectification, the escalation
ladder (dazhou:第五十三条) and scheduled supervision rounds (quzhou:三(四)).

Importing the room registers its consumers on the catalog's `subscriptions`; main.py mounts `ROUTERS`
and runs `SWEEPERS`."""

from services.catalog.oversight import (
    api,
    consumers,  # noqa: F401  (registers the consumers)
    handlers,
)

ROUTERS = [api.router]
SWEEPERS = [handlers.escalate_overdue, handlers.refresh_gauges]
