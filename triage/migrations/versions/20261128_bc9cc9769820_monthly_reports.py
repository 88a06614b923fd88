"""monthly reports

Revision ID: bc9cc9769820
Revises: 57abfa2ad610
Create Date: 2026-11-28 03:40:30.901196
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import triage.db

revision: str = 'bc9cc9769820'
down_revision: str | None = '57abfa2ad610'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROVINCE_ONLY = "agency_code IS NULL"


def _at(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, triage.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        'monthly_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('agency_code', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        _at('claimed_at'),
        _at('generated_at'),
        sa.Column('last_error', sa.String(length=500), nullable=True),
        sa.Column('xlsx_path', sa.String(length=300), nullable=True),
        sa.Column('xlsx_size', sa.Integer(), nullable=True),
        sa.Column('xlsx_sha256', sa.String(length=64), nullable=True),
        sa.Column('pdf_path', sa.String(length=300), nullable=True),
        sa.Column('pdf_size', sa.Integer(), nullable=True),
        sa.Column('pdf_sha256', sa.String(length=64), nullable=True),
        sa.Column('csv_path', sa.String(length=300), nullable=True),
        sa.Column('csv_size', sa.Integer(), nullable=True),
        sa.Column('csv_sha256', sa.String(length=64), nullable=True),
        _at('send_claimed_at'),
        _at('sent_at'),
        sa.Column('recipient', sa.String(length=200), nullable=True),
        sa.Column('delivery', sa.String(length=16), nullable=True),
        _at('created_at', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_reports')),
        sa.UniqueConstraint('period', 'agency_code',
                            name=op.f('uq_monthly_reports_period_agency_code')),
    )
    # NULLs are distinct in the UNIQUE above: one province-wide report per period needs
    # this partial unique index (both PostgreSQL and SQLite support it).
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.create_index('uq_monthly_reports_province', ['period'], unique=True,
                              postgresql_where=sa.text(PROVINCE_ONLY),
                              sqlite_where=sa.text(PROVINCE_ONLY))
    # Reports read a month of assignments by deadline.
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_due_at', ['due_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_due_at')
    with op.batch_alter_table('monthly_reports', schema=None) as batch_op:
        batch_op.drop_index('uq_monthly_reports_province',
                            postgresql_where=sa.text(PROVINCE_ONLY),
                            sqlite_where=sa.text(PROVINCE_ONLY))
    op.drop_table('monthly_reports')
