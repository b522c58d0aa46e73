"""the monthly review emailed once per month and supervisor

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "review_emails",
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", Time(), nullable=False),
        sa.Column("sent_at", Time(), nullable=True),
        sa.Column("error", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_review_emails_agent_id_agents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("month", "agent_id", name=op.f("pk_review_emails")),
    )


def downgrade() -> None:
    op.drop_table("review_emails")
