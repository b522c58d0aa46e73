"""tagger models trained on the installation's own labels

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime


def upgrade() -> None:
    # No rows: the default model tags until `npsloop themes train` switches a better one on.
    op.create_table(
        "tagger_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("created_at", Time(), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("score_before", sa.Float(), nullable=False),
        sa.Column("score_after", sa.Float(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tagger_models")),
        sa.UniqueConstraint("name", name=op.f("uq_tagger_models_name")),
    )
    op.create_index(
        "uq_tagger_models_active",
        "tagger_models",
        ["active"],
        unique=True,
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    )


def downgrade() -> None:
    # Responses tagged by a trained model keep their tags and its name in tagged_by; only the models go.
    op.drop_index("uq_tagger_models_active", table_name="tagger_models")
    op.drop_table("tagger_models")
