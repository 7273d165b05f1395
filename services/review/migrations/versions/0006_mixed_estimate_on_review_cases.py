"""a mixed construction project's estimate parts on review cases (dazhou:第八条)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:50:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "mixed_estimate",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("review_cases", schema=None) as batch_op:
        batch_op.drop_column("mixed_estimate")
