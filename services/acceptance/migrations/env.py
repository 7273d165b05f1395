"""Alembic environment for the acceptance database."""

from services.acceptance.tables import schema
from shared.db import run_migrations_in_env

run_migrations_in_env(schema.metadata)
