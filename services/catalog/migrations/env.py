"""Alembic environment for the catalog database."""

from services.catalog.tables import schema
from shared.db import run_migrations_in_env

run_migrations_in_env(schema.metadata)
