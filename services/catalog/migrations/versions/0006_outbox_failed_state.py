"""outbox failed state: a row the broker refuses for good no longer stalls the relay

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 12:45:00
"""

from alembic import op

from shared.db import add_outbox_failed_state, drop_outbox_failed_state

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_failed_state(op)


def downgrade() -> None:
    drop_outbox_failed_state(op)
