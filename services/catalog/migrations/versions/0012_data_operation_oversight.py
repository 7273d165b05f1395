"""data-operation oversight: the bureau's supervision of an operator's staff and premises (fengxian:第三十六条) and
finance's yearly performance evaluation of public data operation (fengxian:第三十七条)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:20:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "data_operation_oversight",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("jurisdiction", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("operator_id", sa.String(length=64), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("findings", JSON, nullable=False),
        sa.Column("report_ref", sa.String(length=300), nullable=True),
        sa.Column("rule_id", sa.String(length=120), nullable=False),
        sa.Column("citation", sa.String(length=120), nullable=False),
        sa.Column("recorded_by", sa.String(length=120), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
    )
    for column in ("jurisdiction", "kind", "operator_id"):
        op.create_index(f"ix_data_operation_oversight_{column}", "data_operation_oversight", [column])


def downgrade() -> None:
    for column in ("jurisdiction", "kind", "operator_id"):
        op.drop_index(f"ix_data_operation_oversight_{column}", table_name="data_operation_oversight")
    op.drop_table("data_operation_oversight")
