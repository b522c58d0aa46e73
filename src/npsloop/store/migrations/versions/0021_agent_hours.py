"""agents' own working hours and on-call duty (the right to disconnect)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hours", sa.String(300), nullable=True))
        batch_op.add_column(sa.Column("on_call", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_until", Time(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("held_until")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("on_call")
        batch_op.drop_column("hours")
