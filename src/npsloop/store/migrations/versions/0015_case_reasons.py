"""the reasons and action an agent records when closing a case

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 20:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime


def upgrade() -> None:
    # Cases closed before this revision have no reasons: they are not labels, and nothing is invented for them.
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("reasons_required", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("action_code", sa.String(40), nullable=True))
        batch.add_column(sa.Column("action_note", sa.String(500), nullable=True))
        batch.add_column(sa.Column("reasons_at", Time(), nullable=True))
    op.create_table(
        "case_reasons",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_reasons_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "theme", name=op.f("pk_case_reasons")),
    )


def downgrade() -> None:
    op.drop_table("case_reasons")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("reasons_at")
        batch.drop_column("action_note")
        batch.drop_column("action_code")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("reasons_required")
