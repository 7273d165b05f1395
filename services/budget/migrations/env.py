"""Alembic environment for the budget database."""

from services.budget.tables import schema
from shared.db import run_migrations_in_env

run_migrations_in_env(schema.metadata)
