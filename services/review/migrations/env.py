"""Alembic environment for the review database."""

from services.review.tables import schema
from shared.db import run_migrations_in_env

run_migrations_in_env(schema.metadata)
