"""Alembic environment for the procurement database."""

from services.procurement.tables import schema
from shared.db import run_migrations_in_env

run_migrations_in_env(schema.metadata)
