"""inbox events set aside (failed_at) instead of marked processed

Revision ID: 5b1f0c2a9d47
Revises: 473cfe802f97
Create Date: 2026-12-02 06:00:00

An event whose processing failed for good used to be marked processed (with the error in
last_error), indistinguishable from one that was answered. Those rows become set aside.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5b1f0c2a9d47'
down_revision: str | None = '473cfe802f97'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('inboxevent', sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE inboxevent SET failed_at = processed_at, processed_at = NULL WHERE last_error LIKE 'gave up after %'"
    )


def downgrade() -> None:
    op.execute("UPDATE inboxevent SET processed_at = failed_at WHERE failed_at IS NOT NULL AND processed_at IS NULL")
    op.drop_column('inboxevent', 'failed_at')
