"""the day and event time of the security status budget applied last per catalogued system, so an older status
arriving late replaces nothing (dazhou:第五十七条)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_systems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("security_changed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("security_event_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("catalog_systems", schema=None) as batch_op:
        batch_op.drop_column("security_event_at")
        batch_op.drop_column("security_changed_on")
