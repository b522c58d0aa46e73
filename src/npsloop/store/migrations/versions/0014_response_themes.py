"""the themes of each response's comment

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 20:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime
UNTAGGED = "theme_state IS NULL AND comment IS NOT NULL"


def upgrade() -> None:
    # Existing commented responses start untagged: the reconciler tags them in batches after the upgrade.
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("theme_state", sa.String(10), nullable=True))
        batch.add_column(sa.Column("tagged_at", Time(), nullable=True))
        batch.add_column(sa.Column("tagged_by", sa.String(80), nullable=True))
    op.create_index(
        "ix_responses_untagged",
        "responses",
        ["received_at"],
        postgresql_where=sa.text(UNTAGGED),
        sqlite_where=sa.text(UNTAGGED),
    )
    op.create_table(
        "response_themes",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(40), nullable=False),
        sa.Column("polarity", sa.String(10), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_response_themes_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "theme", name=op.f("pk_response_themes")),
    )
    op.create_index("ix_response_themes_theme", "response_themes", ["theme", "polarity"])


def downgrade() -> None:
    op.drop_index("ix_response_themes_theme", table_name="response_themes")
    op.drop_table("response_themes")
    op.drop_index("ix_responses_untagged", table_name="responses")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("tagged_by")
        batch.drop_column("tagged_at")
        batch.drop_column("theme_state")
