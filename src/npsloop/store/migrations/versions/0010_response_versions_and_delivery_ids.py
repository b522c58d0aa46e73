"""response versions and survey-tool delivery ids

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 17:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("version", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("version_at", Time(), nullable=True))
    op.create_table(
        "ingest_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration", sa.String(length=100), nullable=False),
        sa.Column("delivery_id", sa.String(length=200), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("received_at", Time(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_ingest_deliveries_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_deliveries")),
        sa.UniqueConstraint("integration", "delivery_id", name="uq_ingest_deliveries_once"),
    )
    op.create_index("ix_ingest_deliveries_received_at", "ingest_deliveries", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_ingest_deliveries_received_at", table_name="ingest_deliveries")
    op.drop_table("ingest_deliveries")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("version_at")
        batch.drop_column("version")
