"""organization facts_version, bumped by triggers on every change to a business's facts

Revision ID: c41d7e9a2b10
Revises: 8c3e61d0f5a2
Create Date: 2026-12-02 07:30:00

Processes cache a business's facts (hours, services, staff…) and check this one number per turn.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.facts import drop_statements, trigger_statements

revision: str = 'c41d7e9a2b10'
down_revision: str | None = '8c3e61d0f5a2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('organization', sa.Column('facts_version', sa.Integer(), server_default='0', nullable=False))
    for statement in trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_column('organization', 'facts_version')
