"""signup links: issued, used, replaced, expired

Every Embedded Signup link becomes a row (digest only), so a reopened link can say it was used,
replaced by a newer one, or expired, instead of "invalid". An organization's open link carries
over with a fresh 7-day expiry; the organization's connect_token column goes away.

Revision ID: fd8bfba2618b
Revises: 4e7079dc3a8f
Create Date: 2026-12-02 09:00:00
"""

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision: str = 'fd8bfba2618b'
down_revision: str | None = '4e7079dc3a8f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('signuplink',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replaced_by_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['signuplink.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_signuplink_organization_id'), 'signuplink', ['organization_id'], unique=False)

    # Links already sent keep working: each becomes an open link for another 7 days.
    organization = sa.table('organization', sa.column('id', sa.Uuid()), sa.column('connect_token', sa.String()))
    link = sa.table(
        'signuplink',
        sa.column('id', sa.Uuid()),
        sa.column('organization_id', sa.Uuid()),
        sa.column('token_hash', sa.String()),
        sa.column('issued_at', sa.DateTime(timezone=True)),
        sa.column('expires_at', sa.DateTime(timezone=True)),
    )
    now = datetime.now(timezone.utc)
    rows = op.get_bind().execute(
        sa.select(organization.c.id, organization.c.connect_token).where(organization.c.connect_token.is_not(None))
    ).all()
    if rows:
        op.bulk_insert(link, [
            {
                'id': uuid.uuid4(),
                'organization_id': organization_id,
                'token_hash': hashlib.sha256(token.encode('utf-8', 'surrogatepass')).hexdigest(),
                'issued_at': now,
                'expires_at': now + timedelta(days=7),
            }
            for organization_id, token in rows
        ])

    # Plain ALTERs (SQLite ≥ 3.35 drops a column in place): a batch "move and copy" would drop the
    # organization table, and with foreign keys on, SQLite would cascade that to every table.
    with op.batch_alter_table('organization', schema=None, recreate='never') as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_connect_token'))
        batch_op.drop_column('connect_token')


def downgrade() -> None:
    with op.batch_alter_table('organization', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('connect_token', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_organization_connect_token'), ['connect_token'], unique=True)
    # Only digests were kept: the links cannot be carried back (a new one must be issued).
    op.drop_index(op.f('ix_signuplink_organization_id'), table_name='signuplink')
    op.drop_table('signuplink')
