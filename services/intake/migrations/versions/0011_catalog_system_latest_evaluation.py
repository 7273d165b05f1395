"""the day of the latest evaluation intake heard of per catalogued system (an older one arriving late is stale)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 07:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_systems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evaluation_completed_on", sa.Date(), nullable=True))
    # where the last evaluation failed, that failure is the latest evaluation heard of
    op.execute("UPDATE catalog_systems SET evaluation_completed_on = evaluation_failed_on")


def downgrade() -> None:
    with op.batch_alter_table("catalog_systems", schema=None) as batch_op:
        batch_op.drop_column("evaluation_completed_on")
