"""conduct_kinds: what kind of conduct a thai_do complaint reports, [{kind, score, cue}]

Revision ID: c0d7a4b9e215
Revises: c4f1a7e2d9b5
Create Date: 2026-12-07 04:00:00

Nullable: tickets read before this revision, and tickets not flagged thai_do, have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'c0d7a4b9e215'
down_revision: str | None = 'c4f1a7e2d9b5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conduct_kinds', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('conduct_kinds')
