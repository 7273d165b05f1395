"""list search indexes: the orders of the catalog, findings and data-operation task lists, and search by part
of a system's name, a finding's text, a task's title or a unit's name (trigram, PostgreSQL)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 06:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_systems_name_id": ("systems", ["name", "id"]),
    "ix_systems_registered_on_id": ("systems", ["registered_on", "id"]),
    "ix_findings_recorded_on_id": ("findings", ["recorded_on", "id"]),
    "ix_findings_rectify_by_id": ("findings", ["rectify_by", "id"]),
    "ix_data_operation_tasks_dispatched_on_id": ("data_operation_tasks", ["dispatched_on", "id"]),
    "ix_data_operation_tasks_due_on_id": ("data_operation_tasks", ["due_on", "id"]),
    "ix_data_operation_tasks_amount_id": ("data_operation_tasks", ["planned_amount_fen", "id"]),
}
#: ILIKE '%…%' on these columns; created where pg_trgm is installed (migration 0007 creates it when it may)
TRIGRAM_INDEXES = {
    "ix_systems_name_trgm": ("systems", "name"),
    "ix_systems_unit_trgm": ("systems", "unit"),
    "ix_findings_description_trgm": ("findings", "description"),
    "ix_findings_unit_trgm": ("findings", "unit"),
    "ix_data_operation_tasks_title_trgm": ("data_operation_tasks", "title"),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if not bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).scalar():
        return  # without the extension the same queries still answer, scanning
    for name, (table, column) in TRIGRAM_INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
