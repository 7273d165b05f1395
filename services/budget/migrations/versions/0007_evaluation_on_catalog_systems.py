"""latest evaluation on catalog systems: a failed evaluation limits next year's O&M money (dazhou:第五十二条);
O&M budgets reviewed by the bureau (fengxian:第二十九条), tendered together (jiyuan), stopped (fengxian:第二十二条)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("catalog_systems", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evaluation_kind", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("evaluation_passed", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("evaluation_completed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("evaluation_citation", sa.String(length=120), nullable=True))
    with op.batch_alter_table("om_budgets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reviewed_by", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("unified_tender", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("stopped_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("om_budgets", schema=None) as batch_op:
        batch_op.drop_column("stopped_on")
        batch_op.drop_column("unified_tender")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by")
    with op.batch_alter_table("catalog_systems", schema=None) as batch_op:
        batch_op.drop_column("evaluation_citation")
        batch_op.drop_column("evaluation_completed_on")
        batch_op.drop_column("evaluation_passed")
        batch_op.drop_column("evaluation_kind")
