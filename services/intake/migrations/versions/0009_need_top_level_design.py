"""the top-level design a need is raised within (quzhou:三(一)2–3)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:15:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "top_level_design",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_column("top_level_design")
