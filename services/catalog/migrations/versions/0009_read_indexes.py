"""read indexes: the catalog and findings lists' order (id) under their filters, the portfolio list's
order under a jurisdiction or stage filter

Revision ID: 0009
Revises: 0008_portfolio_webhooks
Create Date: 2026-12-02 17:40:00
"""

from alembic import op

revision = "0009"
down_revision = "0008_portfolio_webhooks"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_systems_jurisdiction_id": ("systems", ["jurisdiction", "id"]),
    "ix_systems_unit_id": ("systems", ["unit", "id"]),
    "ix_systems_state_id": ("systems", ["state", "id"]),
    "ix_findings_status_id": ("findings", ["status", "id"]),
    "ix_findings_unit_id": ("findings", ["unit", "id"]),
    "ix_findings_area_id": ("findings", ["area", "id"]),
    "ix_portfolio_projects_jurisdiction_order": ("portfolio_projects", ["jurisdiction", "created_at", "project_id"]),
    "ix_portfolio_projects_stage_order": ("portfolio_projects", ["stage", "created_at", "project_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
