"""Periodic reports (定期报告, quzhou:四): projects, money, systems, overdue deadlines, sanctions,
evaluations and findings by period and jurisdiction, as JSON and .xlsx, from a read model built from the
other services' events. Importing the room registers its consumers."""

from services.catalog.reports import (
    api,
    consumers,  # noqa: F401  (registers the consumers)
)

ROUTERS = [api.router]
