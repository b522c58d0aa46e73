"""customer erasure and retention

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("erased_at", Time(), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("erased_at", Time(), nullable=True))
    # What retention has still to do, found without scanning what it did on earlier nights.
    op.create_index(
        "ix_responses_unerased",
        "responses",
        ["responded_at"],
        postgresql_where=sa.text("erased_at IS NULL"),
        sqlite_where=sa.text("erased_at IS NULL"),
    )
    op.create_index(
        "ix_cases_unerased",
        "cases",
        ["closed_at"],
        postgresql_where=sa.text("erased_at IS NULL"),
        sqlite_where=sa.text("erased_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_unerased", table_name="cases")
    op.drop_index("ix_responses_unerased", table_name="responses")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("erased_at")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("erased_at")
