"""deliverables come from the registry (no fixed list in the schema); the stored analysis
document carries its schema version

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A deliverable registered by a plugin must be storable: the registry, not a CHECK
    # constraint, says which names exist.
    with op.batch_alter_table("edit_sessions") as batch:
        batch.drop_constraint(op.f("ck_edit_sessions_deliverable_type"), type_="check")
    with op.batch_alter_table("media_batch_analyses") as batch:
        batch.add_column(sa.Column("schema_version", sa.Integer(), nullable=False,
                                   server_default=sa.text("1")))


def downgrade() -> None:
    with op.batch_alter_table("media_batch_analyses") as batch:
        batch.drop_column("schema_version")
    with op.batch_alter_table("edit_sessions") as batch:
        batch.create_check_constraint(
            "deliverable_type", "deliverable_type IN ('recap', 'highlight', 'social')")
