"""agents' channels in order of preference, the WhatsApp conversation window, inbound WhatsApp messages seen

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import npsloop.store.tables

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

Time = npsloop.store.tables.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channels", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("whatsapp_seen_at", Time(), nullable=True))
    op.create_table(
        "inbound_messages",
        sa.Column("message_sid", sa.String(64), nullable=False),
        sa.Column("received_at", Time(), nullable=False),
        sa.PrimaryKeyConstraint("message_sid", name=op.f("pk_inbound_messages")),
    )
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_messages_received_at"), ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_table("inbound_messages")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("whatsapp_seen_at")
        batch_op.drop_column("channels")
