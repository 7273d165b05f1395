"""the project code from the online approval platform, the project's external identifier (quzhou:三(二)2)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 06:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("project_code", sa.String(length=40), nullable=True))
        batch_op.create_index(batch_op.f("ix_applications_project_code"), ["project_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_project_code"))
        batch_op.drop_column("project_code")
