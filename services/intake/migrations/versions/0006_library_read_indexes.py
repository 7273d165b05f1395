"""library read indexes: the list's own order (created_at, id) and its filters, the priority order's stored
key, name search by trigrams — so a page of the library is an index range at 100,000 projects

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:30:00
"""

import sqlalchemy as sa
from alembic import op

from shared.db import create_trigram_index

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ORDERED = {
    "ix_applications_created": ["created_at", "id"],
    "ix_applications_jurisdiction_created": ["jurisdiction", "created_at", "id"],
    "ix_applications_jurisdiction_year_created": ["jurisdiction", "plan_year", "created_at", "id"],
    "ix_applications_status_created": ["status", "created_at", "id"],
    "ix_applications_unit_created": ["unit", "created_at", "id"],
}


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    # PostgreSQL keeps only stored generated columns; SQLite adds only virtual ones with ALTER TABLE
    length = "-jsonb_array_length(priority_flags)" if postgresql else "-json_array_length(priority_flags)"
    op.add_column(
        "applications",
        sa.Column("priority_rank", sa.Integer(), sa.Computed(length, persisted=postgresql or None), nullable=True),
    )
    for name, columns in ORDERED.items():
        op.create_index(name, "applications", columns)
    op.create_index(
        "ix_applications_priority_order",
        "applications",
        ["priority_rank", "unit_priority", "created_at", "id"],
    )
    create_trigram_index(op, "ix_applications_title_trgm", "applications", "title")


def downgrade() -> None:
    op.drop_index("ix_applications_title_trgm", table_name="applications")
    op.drop_index("ix_applications_priority_order", table_name="applications")
    for name in ORDERED:
        op.drop_index(name, table_name="applications")
    with op.batch_alter_table("applications") as batch_op:
        batch_op.drop_column("priority_rank")
