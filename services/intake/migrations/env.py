"""Alembic environment for the intake database."""

from services.intake.tables import schema
from shared.db import run_migrations_in_env

run_migrations_in_env(schema.metadata)
