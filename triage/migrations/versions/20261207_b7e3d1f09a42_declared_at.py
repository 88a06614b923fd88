"""declared_at: the time received a submitter declared, kept beside the one counted

Revision ID: b7e3d1f09a42
Revises: 5e4c1a9b7d20
Create Date: 2026-12-07 01:00:00

Nullable, no default: tickets made before it declared nothing the service kept apart.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import triage.db

revision: str = 'b7e3d1f09a42'
down_revision: str | None = '5e4c1a9b7d20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('declared_at', triage.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('declared_at')
