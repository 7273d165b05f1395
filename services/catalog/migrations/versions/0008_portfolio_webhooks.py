"""portfolio webhooks: subscriptions and their delivery log

Revision ID: 0008_portfolio_webhooks
Revises: 0007
Create Date: 2026-12-02 17:30:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0008_portfolio_webhooks"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portfolio_webhooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("unit", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column("signing_key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("queued_up_to", sa.Integer(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "portfolio_webhook_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("webhook_id", "notification_id", name="uq_portfolio_webhook_delivery"),
    )
    with op.batch_alter_table("portfolio_webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_portfolio_webhook_deliveries_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_portfolio_webhook_deliveries_webhook_id"), ["webhook_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portfolio_webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portfolio_webhook_deliveries_webhook_id"))
        batch_op.drop_index("ix_portfolio_webhook_deliveries_due")
    op.drop_table("portfolio_webhook_deliveries")
    op.drop_table("portfolio_webhooks")
