"""agenda links for the week page

A staff member's expiring, revocable links to the week agenda (`/<organization>/agenda?t=…`):
digest only, with the CSRF token of the page's one action.

Revision ID: 473cfe802f97
Revises: fd8bfba2618b
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '473cfe802f97'
down_revision: str | None = 'fd8bfba2618b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agendalink',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('staff_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index('ix_agendalink_staff_expires', 'agendalink', ['staff_id', 'expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_agendalink_staff_expires', table_name='agendalink')
    op.drop_table('agendalink')
