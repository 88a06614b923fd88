"""survey confidential: a conduct or denunciation case's survey, left out of what the
agency sees of its own satisfaction figures

Revision ID: e8b2c5d1f3a7
Revises: c4e5a1f2b7d9
Create Date: 2026-12-07 07:00:00

Existing surveys are marked from their ticket's flags as they are now.
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e8b2c5d1f3a7'
down_revision: str | None = 'c4e5a1f2b7d9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# triage.auth.policy.CONFIDENTIAL_FLAGS when this revision was written.
CONFIDENTIAL = {"thai_do", "to_cao"}


def upgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.add_column(sa.Column("confidential", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT surveys.id, tickets.flags FROM surveys JOIN tickets "
        "ON tickets.id = surveys.ticket_id")).all()
    marked = []
    for survey_id, flags in rows:
        if isinstance(flags, str):
            flags = json.loads(flags)
        if CONFIDENTIAL.intersection(flags or []):
            marked.append({"id": survey_id})
    if marked:
        bind.execute(sa.text("UPDATE surveys SET confidential = true WHERE id = :id"), marked)


def downgrade() -> None:
    with op.batch_alter_table("surveys") as batch:
        batch.drop_column("confidential")
