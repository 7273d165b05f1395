"""security failures on catalog systems: catalog's live crypto / security status stops O&M money (dazhou:第五十七条)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 18:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_systems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("security_failures", sa.JSON(), server_default="[]", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("catalog_systems", schema=None) as batch_op:
        batch_op.drop_column("security_failures")
