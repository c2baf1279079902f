"""analysis signals the edit stage needs (per-shot visual signals, audio segment labels)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media_batch_analyses") as batch:
        batch.add_column(sa.Column("shot_signals", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("audio_segments", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("media_batch_analyses") as batch:
        batch.drop_column("audio_segments")
        batch.drop_column("shot_signals")
