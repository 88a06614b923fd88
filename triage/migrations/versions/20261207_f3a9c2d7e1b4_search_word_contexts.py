"""search word contexts: an index of each word of the folded text with the two letters
before it and the two after it, for phrases of three words or more

Revision ID: f3a9c2d7e1b4
Revises: e8b2c5d1f3a7
Create Date: 2026-12-07 12:00:00

PostgreSQL only. The joined-text trigram index (8b3f0c6d2e41) holds a phrase's trigrams
but not where they are, so a phrase of common words that matches nothing as a phrase
still gives thousands of candidates to re-read: at 2,000,000 tickets «đèn đường hư» had
17,670 (a ticket with "den duong" in one place and "…ng hu…" in another), 250-300 ms. A
word in the middle of a typed phrase is a whole word of the ticket, between two spaces,
with the end of the word before it and the start of the word after it known:
"den duong hu" can only be in a text holding the context "en duong hu". The function
lists every such context of a text; a GIN index over it answers a phrase of three words
or more in well under a millisecond on the same data. triage.search writes the same
contexts for the typed phrase; every candidate is still checked against the text.
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'f3a9c2d7e1b4'
down_revision: str | None = 'e8b2c5d1f3a7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("""
        CREATE OR REPLACE FUNCTION triage_word_contexts(value text) RETURNS text[]
        LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
          SELECT coalesce(array_agg(DISTINCT right(p, 2) || ' ' || w || ' ' || left(n, 2)),
                          '{}')
          FROM (SELECT lag(w) OVER (ORDER BY i) AS p, w, lead(w) OVER (ORDER BY i) AS n
                FROM unnest(string_to_array(value, ' ')) WITH ORDINALITY AS u(w, i)) s
          WHERE p <> '' AND w <> '' AND n <> ''
        $$""")
    op.execute("CREATE INDEX ix_tickets_search_contexts ON tickets "
               "USING gin (triage_word_contexts(search_text))")


def downgrade() -> None:
    if op.get_context().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_tickets_search_contexts")
    op.execute("DROP FUNCTION IF EXISTS triage_word_contexts(text)")
