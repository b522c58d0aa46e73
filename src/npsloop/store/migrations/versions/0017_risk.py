"""the risk of each detractor case, and the learned risk models

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime


def upgrade() -> None:
    # Cases opened before this revision have no risk: it is assessed when a case opens, never guessed later.
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("risk", sa.Float(), nullable=True))
        batch.add_column(sa.Column("risk_reasons", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("risk_model", sa.String(80), nullable=True))
    op.create_index("ix_cases_customer", "cases", ["customer_key", "closed_at"])
    op.create_index("ix_responses_customer", "responses", ["integration", "customer_id", "responded_at"])
    op.create_table(
        "risk_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", Time(), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("auc", sa.Float(), nullable=True),
        sa.Column("rule_auc", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_models")),
    )
    op.create_index(
        "uq_risk_models_active",
        "risk_models",
        ["active"],
        unique=True,
        postgresql_where=sa.text("active"),
        sqlite_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("uq_risk_models_active", table_name="risk_models")
    op.drop_table("risk_models")
    op.drop_index("ix_responses_customer", table_name="responses")
    op.drop_index("ix_cases_customer", table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("risk_model")
        batch.drop_column("risk_reasons")
        batch.drop_column("risk")
