"""a city–county shared project's county parts on review cases (dazhou:第二十二条)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 10:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review_cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "county_parts",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("review_cases", schema=None) as batch_op:
        batch_op.drop_column("county_parts")
