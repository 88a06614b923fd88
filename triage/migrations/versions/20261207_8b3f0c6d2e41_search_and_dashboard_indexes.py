"""search and dashboard indexes: the text's trigram index over the folded text with its
spaces joined, whole codes by their digits, answered tickets by day, the open backlog

Revision ID: 8b3f0c6d2e41
Revises: d1426b067890
Create Date: 2026-12-07 01:00:00

Search (PostgreSQL only). pg_trgm splits a text into words at spaces, so the trigram index over
``search_text`` finds, for a phrase of common words, every ticket holding those words
anywhere (at 2,000,000 tickets, 70,000 candidates for "đèn đường hư", each re-read: 1-2 s).
The index is rebuilt over the folded text with its spaces written as "j", a letter
folded Vietnamese almost never has: the trigrams across word boundaries are then in every
phrase pattern and keep only the tickets where the words follow each other. Single words
and parts of words find the same candidates as before. triage.search writes the same
expression (``JOINER``); tests/search checks the planner uses this index.

A whole code typed with spaces ("1022 202610 00042") is looked up by its digits through a
B-tree: the trigram index answers the equality too, but reads the long posting lists of
the digits every code of the month shares (90 ms).

Dashboard (both databases): tickets by their answer time (the daily chart's "đã trả lời")
and the open backlog per agency read from the index alone (status, agency, deadline).
On PostgreSQL the month's counts (status, topic, flags) and the judging of assignments
due in a month (agency, answer, hand-over) are read from covering indexes, without the
wide ticket rows: 133-231 ms -> 43-55 ms and 74-88 ms -> 36-38 ms at 2,000,000 tickets.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '8b3f0c6d2e41'
down_revision: str | None = 'd1426b067890'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _trgm_schema() -> str:
    return str(op.get_bind().exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'").scalar_one())


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_resolved_at', ['resolved_at'], unique=False)
        batch_op.create_index('ix_tickets_backlog', ['status', 'agency_code', 'due_at'],
                              unique=False)
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_tickets_search_text_trgm")
    op.execute(f"CREATE INDEX ix_tickets_search_joined_trgm ON tickets USING gin "
               f"((translate(search_text, ' ', 'j')) {_trgm_schema()}.gin_trgm_ops)")
    op.execute("CREATE INDEX ix_tickets_code_digits ON tickets ((replace(code, '-', '')))")
    op.execute("CREATE INDEX ix_tickets_received_counts ON tickets (received_at) "
               "INCLUDE (status, topic, agency_code, flags)")
    op.execute("CREATE INDEX ix_assignments_due_judged ON assignments (due_at) "
               "INCLUDE (agency_code, answered_at, ended_at)")


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_backlog')
        batch_op.drop_index('ix_tickets_resolved_at')
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_assignments_due_judged")
    op.execute("DROP INDEX IF EXISTS ix_tickets_received_counts")
    op.execute("DROP INDEX IF EXISTS ix_tickets_code_digits")
    op.execute("DROP INDEX IF EXISTS ix_tickets_search_joined_trgm")
    op.execute(f"CREATE INDEX ix_tickets_search_text_trgm ON tickets "
               f"USING gin (search_text {_trgm_schema()}.gin_trgm_ops)")
