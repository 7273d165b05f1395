"""Catalog's routes, one module per area; `ROUTERS` is what main.py mounts (a later room adds its own)."""

from services.catalog.api import evaluations, monitoring, operations, systems

ROUTERS = [systems.router, monitoring.router, evaluations.router, operations.router]
