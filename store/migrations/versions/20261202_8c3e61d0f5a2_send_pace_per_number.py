"""send pace per number: Meta's rate limit shared by every process

Revision ID: 8c3e61d0f5a2
Revises: 5b1f0c2a9d47
Create Date: 2026-12-02 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '8c3e61d0f5a2'
down_revision: str | None = '5b1f0c2a9d47'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'sendpace',
        sa.Column('phone_number_id', sa.String(length=64), nullable=False),
        sa.Column('next_free_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('phone_number_id'),
    )


def downgrade() -> None:
    op.drop_table('sendpace')
