"""the reason taxonomy

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime


def upgrade() -> None:
    # No theme rows: with none stored the default taxonomy in the code applies (version 0).
    op.create_table(
        "themes",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name_es", sa.String(100), nullable=False),
        sa.Column("name_en", sa.String(100), nullable=False),
        sa.Column("description_es", sa.String(400), nullable=False),
        sa.Column("description_en", sa.String(400), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_themes")),
        sa.UniqueConstraint("position", name=op.f("uq_themes_position")),
    )
    op.create_table(
        "themes_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", Time(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes_version")),
    )
    op.execute("INSERT INTO themes_version (id, version) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("themes_version")
    op.drop_table("themes")
