"""api tokens

Revision ID: 196c51a1e791
Revises: 7f3430922e99
Create Date: 2026-11-22 02:02:01.370929
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '196c51a1e791'
down_revision: str | None = '7f3430922e99'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('apitoken',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_apitoken_organization_id'), 'apitoken', ['organization_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_apitoken_organization_id'), table_name='apitoken')
    op.drop_table('apitoken')
