"""urgency: the level a complaint was read at (khan, dong_nguoi, thuong), its score and the
cue that decided it

Revision ID: 5e2a9c7d1b30
Revises: 8b3f0c6d2e41
Create Date: 2026-12-07 02:00:00

Nullable: tickets read before this revision have no level, and are treated as ordinary.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5e2a9c7d1b30'
down_revision: str | None = '8b3f0c6d2e41'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgency', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('urgency_score', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('urgency_reason', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('urgency_reason')
        batch_op.drop_column('urgency_score')
        batch_op.drop_column('urgency')
