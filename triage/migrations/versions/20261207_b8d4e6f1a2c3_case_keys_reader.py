"""case keys reader: the fingerprint of the reader that wrote a repeat-index row

Revision ID: b8d4e6f1a2c3
Revises: f3a9c2d7e1b4
Create Date: 2026-12-07 21:00:00

Every round of the problem list changes the words a text is read as; rows written before
kept the old words until someone ran `triage cases-reindex`. Each row now says which
reader wrote it (triage.cases.service.reader_version), and the hourly refresh reads again
the rows of another one. Existing rows get none, so the first refresh reads them all.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b8d4e6f1a2c3'
down_revision: str | None = 'f3a9c2d7e1b4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case_keys', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reader', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_keys', schema=None) as batch_op:
        batch_op.drop_column('reader')
