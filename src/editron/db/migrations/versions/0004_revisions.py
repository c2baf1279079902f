"""revisions (a session's parent and number, what it was asked for, the preferences that
shaped it), the superseded status, feedback decisions approve/changes/reject with what notes
were read as, and auto-approving projects

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_STATUSES = ("assembling", "needsreview", "approved", "rendering", "complete", "failed")


def _in(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("edit_sessions") as batch:
        batch.add_column(sa.Column("parent_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False,
                                   server_default=sa.text("1")))
        batch.add_column(sa.Column("request", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))
        batch.add_column(sa.Column("applied_preferences", sa.JSON(), nullable=False,
                                   server_default=sa.text("'[]'")))
        batch.create_foreign_key(op.f("fk_edit_sessions_parent_id_edit_sessions"),
                                 "edit_sessions", ["parent_id"], ["id"], ondelete="SET NULL")
        batch.create_index(op.f("ix_edit_sessions_parent_id"), ["parent_id"], unique=False)
        batch.drop_constraint(op.f("ck_edit_sessions_status"), type_="check")
        batch.create_check_constraint("status", _in((*_STATUSES, "superseded")))
    op.execute("UPDATE feedback SET decision = 'changes' WHERE decision = 'revise'")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_constraint(op.f("ck_feedback_decision"), type_="check")
        batch.create_check_constraint("decision",
                                      "decision IN ('approve', 'changes', 'reject')")
        batch.add_column(sa.Column("reading", sa.JSON(), nullable=False,
                                   server_default=sa.text("'{}'")))
        batch.add_column(sa.Column("revision_id", sa.String(length=36), nullable=True))
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("auto_approve", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("auto_approve")
    with op.batch_alter_table("feedback") as batch:
        batch.drop_column("revision_id")
        batch.drop_column("reading")
        batch.drop_constraint(op.f("ck_feedback_decision"), type_="check")
        batch.create_check_constraint("decision",
                                      "decision IN ('approve', 'reject', 'revise')")
    op.execute("UPDATE feedback SET decision = 'revise' WHERE decision = 'changes'")
    op.execute("UPDATE edit_sessions SET status = 'failed' WHERE status = 'superseded'")
    with op.batch_alter_table("edit_sessions") as batch:
        batch.drop_constraint(op.f("ck_edit_sessions_status"), type_="check")
        batch.create_check_constraint("status", _in(_STATUSES))
        batch.drop_index(op.f("ix_edit_sessions_parent_id"))
        batch.drop_constraint(op.f("fk_edit_sessions_parent_id_edit_sessions"),
                              type_="foreignkey")
        batch.drop_column("applied_preferences")
        batch.drop_column("request")
        batch.drop_column("revision")
        batch.drop_column("parent_id")
