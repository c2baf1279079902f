"""token scopes: every API token holds a set of scopes (read, operate, admin); the tokens made
before scopes existed get all three, so nothing that worked stops working

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("scopes", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[\"read\", \"operate\", \"admin\"]'")))
    # The default was for the rows already there; new tokens always say their scopes.
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("scopes", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scopes")
