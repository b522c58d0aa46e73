"""the recovery follow-up to the customer: requests, answers and opt-outs

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime


def upgrade() -> None:
    # Every existing team starts with the follow-up off: nobody is messaged until a team asks for it.
    with op.batch_alter_table("teams") as batch:
        batch.add_column(sa.Column("recovery", sa.String(10), nullable=False, server_default="off"))
        batch.add_column(sa.Column("recovery_themes", sa.JSON(), nullable=False, server_default="[]"))
    op.create_table(
        "recovery_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("customer_key", sa.String(310), nullable=False),
        sa.Column("closed_at", Time(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("due_at", Time(), nullable=True),
        sa.Column("sent_at", Time(), nullable=True),
        sa.Column("expires_at", Time(), nullable=True),
        sa.Column("answered_at", Time(), nullable=True),
        sa.Column("solved", sa.Boolean(), nullable=True),
        sa.Column("new_score", sa.SmallInteger(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reopened", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", Time(), nullable=False),
        sa.Column("reason", sa.String(40), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("claimed_at", Time(), nullable=True),
        sa.Column("erased_at", Time(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_recovery_requests_case_id_cases")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_recovery_requests_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_requests")),
        sa.UniqueConstraint("case_id", "closed_at", name="uq_recovery_requests_case_id"),
    )
    op.create_index("ix_recovery_requests_case_id", "recovery_requests", ["case_id"])
    op.create_index("ix_recovery_requests_due", "recovery_requests", ["state", "due_at"])
    op.create_index("ix_recovery_requests_customer", "recovery_requests", ["customer_key", "created_at"])
    op.create_table(
        "recovery_opt_outs",
        sa.Column("customer_key", sa.String(310), nullable=False),
        sa.Column("opted_out_at", Time(), nullable=False),
        sa.Column("via", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("customer_key", name=op.f("pk_recovery_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("recovery_opt_outs")
    op.drop_index("ix_recovery_requests_customer", table_name="recovery_requests")
    op.drop_index("ix_recovery_requests_due", table_name="recovery_requests")
    op.drop_index("ix_recovery_requests_case_id", table_name="recovery_requests")
    op.drop_table("recovery_requests")
    with op.batch_alter_table("teams") as batch:
        batch.drop_column("recovery_themes")
        batch.drop_column("recovery")
