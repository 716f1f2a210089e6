"""reminders, morning agendas and review requests sent once

What the background jobs did (one row per thing that must happen once), when each appointment got
its current time, and the indexes the sweeps read by.

Revision ID: ef6bb0d89645
Revises: ceec6ee4ca35
Create Date: 2026-11-22 03:07:56.497624
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ef6bb0d89645'
down_revision: str | None = 'ceec6ee4ca35'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('morningagenda',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('staff_id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent', sa.Boolean(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('staff_id', 'day', name='uq_morningagenda_once')
    )
    op.create_table('reminder',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('appointment_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('offset_minutes', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('appointment_id', 'starts_at', 'offset_minutes', name='uq_reminder_once')
    )
    op.create_table('reviewrequest',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('appointment_id', sa.Uuid(), nullable=False),
    sa.Column('sent', sa.Boolean(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('appointment_id')
    )
    op.add_column('appointment', sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_appointment_status_changed', 'appointment', ['status', 'status_changed_at'], unique=False)
    op.create_index('ix_appointment_status_starts', 'appointment', ['status', 'starts_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_appointment_status_starts', table_name='appointment')
    op.drop_index('ix_appointment_status_changed', table_name='appointment')
    op.drop_column('appointment', 'scheduled_at')
    op.drop_table('reviewrequest')
    op.drop_table('reminder')
    op.drop_table('morningagenda')
