"""analysis sync: where each file of a batch sits on the event clock (multi-camera)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media_batch_analyses") as batch:
        batch.add_column(sa.Column("sync", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("media_batch_analyses") as batch:
        batch.drop_column("sync")
