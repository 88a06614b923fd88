"""cases: repeat reports linked into cases, the repeat index, operators' link corrections

Revision ID: c4e5a1f2b7d9
Revises: c0d7a4b9e215
Create Date: 2026-12-07 03:36:04.388961

New tables only (triage.cases.models; case_problems: the problems each indexed ticket
names, by ward); tickets are not altered: a ticket's case is its
case_reports row. The repeat index is found by (ward_code, topic); on PostgreSQL its
candidates are ordered by pg_trgm's similarity(), the extension the forgiving-search
revision installed.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import triage.db


revision: str = 'c4e5a1f2b7d9'
down_revision: str | None = 'c0d7a4b9e215'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_keys',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('ward_code', sa.String(length=16), nullable=True),
    sa.Column('topic', sa.String(length=40), nullable=True),
    sa.Column('phone_e164', sa.String(length=20), nullable=True),
    sa.Column('received_at', triage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('words', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_case_keys_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_case_keys'))
    )
    with op.batch_alter_table('case_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_keys_phone_e164'), ['phone_e164'], unique=False)
        batch_op.create_index('ix_case_keys_place', ['ward_code', 'topic', 'received_at'], unique=False)

    op.create_table('case_problems',
    sa.Column('ward_code', sa.String(length=16), nullable=False),
    sa.Column('problem', sa.String(length=40), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_case_problems_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('ward_code', 'problem', 'ticket_id', name=op.f('pk_case_problems'))
    )
    with op.batch_alter_table('case_problems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_problems_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('primary_ticket_id', sa.Integer(), nullable=False),
    sa.Column('ward_code', sa.String(length=16), nullable=True),
    sa.Column('topic', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.Column('reraised', sa.Integer(), nullable=False),
    sa.Column('parent_case_id', sa.Integer(), nullable=True),
    sa.Column('escalated_at', triage.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_at', triage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', triage.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', triage.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_case_id'], ['cases.id'], name=op.f('fk_cases_parent_case_id_cases')),
    sa.ForeignKeyConstraint(['primary_ticket_id'], ['tickets.id'], name=op.f('fk_cases_primary_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('code', name=op.f('uq_cases_code'))
    )
    op.create_table('case_link_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=8), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('was_automatic', sa.Boolean(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('at', triage.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_link_corrections_case_id_cases')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_case_link_corrections_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_link_corrections'))
    )
    with op.batch_alter_table('case_link_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_link_corrections_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('case_reports',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('how', sa.String(length=16), nullable=False),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('linked_at', triage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('linked_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_reports_case_id_cases')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_case_reports_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_case_reports'))
    )
    with op.batch_alter_table('case_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_reports_case_id'), ['case_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('case_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_reports_case_id'))

    op.drop_table('case_reports')
    with op.batch_alter_table('case_link_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_link_corrections_ticket_id'))

    op.drop_table('case_link_corrections')
    op.drop_table('cases')
    with op.batch_alter_table('case_problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_problems_ticket_id'))

    op.drop_table('case_problems')
    with op.batch_alter_table('case_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_case_keys_place')
        batch_op.drop_index(batch_op.f('ix_case_keys_phone_e164'))

    op.drop_table('case_keys')
