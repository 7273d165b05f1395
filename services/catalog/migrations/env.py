"""Alembic environment for the catalog database."""

import services.catalog.data_operations.tables
import services.catalog.oversight.tables
import services.catalog.portfolio.tables
import services.catalog.reports.tables  # noqa: F401
from services.catalog.tables import schema
from shared.db import run_migrations_in_env

run_migrations_in_env(schema.metadata)
