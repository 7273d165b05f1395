"""the day and event time of the catalog status (security, data sharing) intake applied last per system, so an
older status arriving late replaces nothing (dazhou:第二十四条,第五十七条)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "system_statuses",
        sa.Column("system_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("system_id", "kind"),
    )


def downgrade() -> None:
    op.drop_table("system_statuses")
