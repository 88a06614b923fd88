"""answer_public: an agency may let its answer be published, scrubbed of personal data

Revision ID: d1426b067890
Revises: b7e3d1f09a42
Create Date: 2026-12-07 10:00:00

Existing answers stay unpublished (false): none of their agencies agreed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd1426b067890'
down_revision: str | None = 'b7e3d1f09a42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("answer_public", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("answer_public")
