"""satisfaction surveys: one per answer, their messages, and the caller's e-mail

Revision ID: c4f1a7e2d9b5
Revises: 5e2a9c7d1b30
Create Date: 2026-12-07 04:00:00

The caller's e-mail is optional and nullable: callers before this revision have none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import triage.db

revision: str = 'c4f1a7e2d9b5'
down_revision: str | None = '5e2a9c7d1b30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('callers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))

    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=True),
    sa.Column('topic', sa.String(length=40), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('sent_at', triage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', triage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', triage.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_surveys_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys')),
    sa.UniqueConstraint('ticket_id', 'round', name=op.f('uq_surveys_ticket_id_round')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_surveys_token_hash'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index('ix_surveys_agency_sent', ['agency_code', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_surveys_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('survey_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', triage.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', triage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', triage.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_messages_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_messages')),
    sa.UniqueConstraint('survey_id', 'channel', name=op.f('uq_survey_messages_survey_id_channel'))
    )
    with op.batch_alter_table('survey_messages', schema=None) as batch_op:
        batch_op.create_index('ix_survey_messages_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_messages_survey_id'), ['survey_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('survey_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_messages_survey_id'))
        batch_op.drop_index('ix_survey_messages_due')
    op.drop_table('survey_messages')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_ticket_id'))
        batch_op.drop_index('ix_surveys_agency_sent')
    op.drop_table('surveys')
    with op.batch_alter_table('callers', schema=None) as batch_op:
        batch_op.drop_column('email')
