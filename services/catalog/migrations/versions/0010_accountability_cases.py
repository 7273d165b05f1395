"""accountability cases: 未批先建, skipped procedures, serious consequences and misused funds recorded against
the unit with the rules they triggered (dazhou:第五十四条; quzhou:五(三))

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 06:50:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "accountability_cases",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("project_id", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=120), nullable=False),
        sa.Column("jurisdiction", sa.String(length=40), nullable=False),
        sa.Column("secret", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("detected", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("description", sa.String(), nullable=False, server_default=""),
        sa.Column("consequences", JSON, nullable=False),
        sa.Column("rule_ids", JSON, nullable=False),
        sa.Column("citations", JSON, nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("project_id", "subject", "jurisdiction", "kind"):
        op.create_index(f"ix_accountability_cases_{column}", "accountability_cases", [column])
    op.create_index("ix_accountability_cases_unit_id", "accountability_cases", ["unit", "id"])


def downgrade() -> None:
    op.drop_index("ix_accountability_cases_unit_id", table_name="accountability_cases")
    for column in ("project_id", "subject", "jurisdiction", "kind"):
        op.drop_index(f"ix_accountability_cases_{column}", table_name="accountability_cases")
    op.drop_table("accountability_cases")
