"""unified O&M tenders: the approved O&M budgets the bureau tenders once a year for all units, and that tender
(jiyuan:运行维护 统一运维招投标)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 10:35:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "om_tender_lines",
        sa.Column("om_budget_id", sa.String(length=64), primary_key=True),
        sa.Column("system_id", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=120), nullable=False),
        sa.Column("jurisdiction", sa.String(length=40), nullable=False),
        sa.Column("funding_year", sa.Integer(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("tender_id", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    )
    for column in ("jurisdiction", "funding_year", "tender_id"):
        op.create_index(f"ix_om_tender_lines_{column}", "om_tender_lines", [column])
    op.create_table(
        "om_unified_tenders",
        sa.Column("id", sa.String(length=64), primary_key=True),
        sa.Column("jurisdiction", sa.String(length=40), nullable=False),
        sa.Column("funding_year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("ceiling_fen", sa.BigInteger(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("published_by", sa.String(length=120), nullable=False),
        sa.Column("rule_id", sa.String(length=120), nullable=False),
        sa.Column("citation", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("jurisdiction", "funding_year", name="uq_om_unified_tender_year"),
    )


def downgrade() -> None:
    op.drop_table("om_unified_tenders")
    for column in ("jurisdiction", "funding_year", "tender_id"):
        op.drop_index(f"ix_om_tender_lines_{column}", table_name="om_tender_lines")
    op.drop_table("om_tender_lines")
