"""staff hours and services bump the organization's facts_version too

Revision ID: 5d2e8f1a7c44
Revises: c41d7e9a2b10
Create Date: 2026-12-03 08:40:00

A process now keeps who does which service and each person's own hours with the business's
facts (availability reads them from memory): a change to them must move the version.
"""

from collections.abc import Sequence

from alembic import op

from store.facts import staff_drop_statements, trigger_statements

revision: str = '5d2e8f1a7c44'
down_revision: str | None = 'c41d7e9a2b10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every statement is idempotent (CREATE OR REPLACE / DROP IF EXISTS / IF NOT EXISTS).
    for statement in trigger_statements(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in staff_drop_statements(op.get_bind().dialect.name):
        op.execute(statement)
