"""outbox notify trigger: the worker's relay wakes on commit (PostgreSQL only)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 14:30:00
"""

from alembic import op

from shared.db import create_outbox_notify_trigger, drop_outbox_notify_trigger

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_outbox_notify_trigger(op)


def downgrade() -> None:
    drop_outbox_notify_trigger(op)
