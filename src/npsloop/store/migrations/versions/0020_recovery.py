"""the recovery follow-up to the customer: requests, answers and opt-outs

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 07:00:00
"""

from __future__ import annotations

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
