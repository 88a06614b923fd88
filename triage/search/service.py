"""Search that forgives: ticket text without case or diacritics, codes in part or typed with
spaces, best matches first.

Both sides are folded the same way. The query goes through the one normaliser
(``prepare``: NFC, legacy encodings decoded) and the place tokens' ``fold`` (lower case,
Vietnamese diacritics stripped, đ -> d). The stored text is folded in SQL by
``triage_fold(text)``: on SQLite that function *is* ``fold`` (registered on each
connection by ``triage.db``); on PostgreSQL it is ``lower(unaccent(text))``, kept in the
generated column ``search_text`` with a trigram index over it (the migration), and a
test checks it folds every Vietnamese letter as ``fold`` does. Codes are matched on
their digits ("1022 202612 00042", "202612-0004"), through a second trigram index on
PostgreSQL.

The text's trigram index is built over the folded text with its spaces written as
JOINER, a letter folded Vietnamese almost never has ("den duong hu" is indexed as
"denjduongjhu"). pg_trgm splits words at spaces, so over the plain text a phrase of common
words finds every ticket holding the three words anywhere (70,000 candidates of 2,000,000
for "đèn đường hư", each re-read); joined, the trigrams across the word boundaries
("njd", "gjh") are in the pattern too and keep only the tickets where the words follow
each other. The joined form is only the index's way in: every candidate is checked
against the folded text itself, so a ticket that really contains a "j" is never wrongly
found.

A phrase of three words or more goes in through a more selective index: trigrams say
nothing of where they are, so a phrase of common words that matches nothing as a phrase
still left 17,670 candidates for "đèn đường hư" at 2,000,000 tickets (a "den duong" in one
place, a "...ng hu..." in another). A word inside a typed phrase is a whole word of the
ticket, and the end of the word before it and the start of the word after it are known:
"den duong hu" can only be in a ticket with the word context "en duong hu". PostgreSQL
indexes every word's context (``triage_word_contexts``, the word-contexts migration) and
the search asks for the phrase's (``word_contexts``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, and_, case, cast, func, literal_column, or_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from triage.locations.tokens import fold
from triage.text.normalize import prepare
from triage.tickets.codes import build_code, parse_code
from triage.tickets.models import Ticket

# Digits, spaces, dots and dashes only, with at least this many digits: a code or part of
# one; a whole code may end in its check part (letters and digits, see tickets/codes.py).
CODE_CHARS = re.compile(r"^(?P<digits>[\d\s.\-]+?)(?P<check>[\s.\-]*[0-9A-Za-z]{4})?\s*$")
MIN_CODE_DIGITS = 4
# A check part follows a month and a number at least.
MIN_CHECKED_DIGITS = 11
# Words found apart (not as the typed phrase) are looked for among the tickets of the
# last days only: on millions of tickets a rare phrase of common words would otherwise
# read most of the table. The phrase and codes are searched over all time.
APART_DAYS = 92
# The newest tickets are read in id order first, without any index: a common term has
# its page there, found after a few hundred rows. Only a term with fewer matches than a
# page among them is looked for in the rest through the trigram index, where its
# matches are few. Left to itself, the planner cannot tell the two apart from its
# statistics and takes the index for common phrases too, then ranks tens of thousands of
# matches (1-2 s at 2,000,000 tickets).
WINDOW = 20_000
JOINER = "j"
# Letters of a word's neighbours kept in its context (the migration's right(p, 2), left(n, 2)).
CONTEXT_LETTERS = 2


def fold_query(text: str) -> str:
    """The folded form of a search term: "  MỸ   HIỆP " -> "my hiep"."""
    return " ".join(fold(prepare(text)[0]).split())


def code_digits(text: str) -> str | None:
    """A term that can only be (part of) a ticket code as the code is stored without its
    dashes (digits, and a whole code's check part in upper case), else None."""
    match = CODE_CHARS.match(text)
    if match is None:
        return None
    digits = re.sub(r"\D", "", match["digits"])
    check = re.sub(r"[\s.\-]", "", match["check"] or "")
    if check.isdigit():
        digits, check = digits + check, ""
    if len(digits) < MIN_CODE_DIGITS or (check and len(digits) < MIN_CHECKED_DIGITS):
        return None
    return digits + check.upper()


def _exact_codes(term: str, digits: str) -> list[str]:
    """What the code typed matches exactly: itself, and a whole code typed without its
    check part stands for the code with it."""
    exact = {digits}
    parsed = parse_code(term)
    if parsed is not None and parsed.check is None:
        exact.add(build_code(parsed.base).replace("-", ""))
    return sorted(exact)


def _like(value: str) -> str:
    """A LIKE pattern that finds `value` anywhere, its wildcards taken literally."""
    return "%" + value.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


def folded_text(dialect: str) -> Any:
    """The stored text, folded: PostgreSQL keeps it in a generated column (see the
    forgiving-search migration); SQLite folds as it reads."""
    if dialect == "postgresql":
        return literal_column("tickets.search_text", Text)
    return func.triage_fold(Ticket.text)


def _indexed(value: str) -> Any:
    """PostgreSQL: the condition through the joined-text trigram index that holds every
    ticket whose folded text contains `value` (and a few more, checked afterwards)."""
    joined = func.translate(literal_column("tickets.search_text", Text), " ", JOINER)
    return joined.like(_like(value.replace(" ", JOINER)), escape="\\")


def word_contexts(words: list[str]) -> list[str]:
    """The contexts any ticket holding the phrase `words` has, as the database lists them:
    each inner word with the last letters of the word before it and the first of the word
    after it. The phrase's first and last words may be parts of the ticket's words, so
    their letters are known only if they have enough of them."""
    n, k = len(words), CONTEXT_LETTERS
    return [f"{words[i - 1][-k:]} {words[i]} {words[i + 1][:k]}" for i in range(1, n - 1)
            if (i > 1 or len(words[0]) >= k) and (i < n - 2 or len(words[-1]) >= k)]


def _in_context(contexts: list[str]) -> Any:
    """PostgreSQL: the condition through the word-contexts index."""
    listed = func.triage_word_contexts(literal_column("tickets.search_text", Text))
    return listed.op("@>")(cast(postgresql.array(contexts), postgresql.ARRAY(Text)))


@dataclass(frozen=True)
class Match:
    """How a term is searched: `tiers` are the conditions of each rank, best first (a
    ticket of a later tier meets none of the earlier ones); newest first within a tier.
    `helpers` are each tier's index conditions (PostgreSQL; implied by the tier's own)."""

    kind: str  # "code" or "text"
    tiers: tuple[tuple[Any, ...], ...]
    helpers: tuple[tuple[Any, ...], ...] = ()

    def tier(self, rank: int, indexed: bool = True) -> tuple[Any, ...]:
        """The conditions of tier `rank`, with its index conditions unless not `indexed`."""
        return self.tiers[rank] + (self.helpers[rank] if indexed and self.helpers else ())

    @property
    def conditions(self) -> tuple[Any, ...]:
        """Any tier: what a matching ticket meets."""
        tiers = [self.tier(rank) for rank in range(len(self.tiers))]
        return (or_(*(and_(*tier) for tier in tiers)),) if len(tiers) > 1 else tiers[0]

    @property
    def order_by(self) -> tuple[Any, ...]:
        ranks = [(and_(*tier), i) for i, tier in enumerate(self.tiers[:-1])]
        return ((case(*ranks, else_=len(self.tiers) - 1),) if ranks else ()) \
            + (Ticket.id.desc(),)


def matching(term: str, dialect: str = "sqlite") -> Match | None:
    """How `term` is searched, or None if nothing is left of it once folded."""
    digits = code_digits(term)
    if digits is not None:
        bare = func.replace(Ticket.code, "-", "")
        exact = _exact_codes(term, digits)
        return Match("code", ((bare.in_(exact),),
                              (bare.like(_like(digits), escape="\\"), bare.not_in(exact))))
    folded = fold_query(term)
    words = list(dict.fromkeys(folded.split()))
    if not words:
        return None
    text = folded_text(dialect)
    phrase = text.like(_like(folded), escape="\\")
    pg = dialect == "postgresql"
    if len(words) == 1:
        return Match("text", ((phrase,),), ((_indexed(folded),),) if pg else ())
    # The words as one phrase rank above the words found apart.
    apart = tuple(text.like(_like(word), escape="\\") for word in words)
    contexts = word_contexts(folded.split())
    whole = _in_context(contexts) if contexts else _indexed(folded)
    helpers = ((whole,), tuple(_indexed(word) for word in words)) if pg else ()
    return Match("text", ((phrase,), (*apart, ~phrase)), helpers)


def search(session: Session, term: str, *, now: datetime, scope: Any = None,
           limit: int = 50) -> tuple[list[Ticket], bool, str]:
    """Tickets matching `term` (best first, at most `limit`), whether more match, and how
    the term was read.

    Per tier, newest first with a LIMIT: first among the WINDOW newest tickets, read in
    id order, then (if the page is not full) among the older ones through the index.
    Neither ranks nor counts every match of a common word among millions."""
    match = matching(term, session.get_bind().dialect.name)
    if match is None:
        return [], False, "text"
    scoped = [] if scope is None else [scope]
    floor = session.scalar(select(Ticket.id).order_by(Ticket.id.desc())
                           .offset(WINDOW).limit(1)) if match.kind == "text" else None
    items: list[Ticket] = []
    for rank in range(len(match.tiers)):
        recent = [Ticket.received_at >= now - timedelta(days=APART_DAYS)] \
            if match.kind == "text" and rank > 0 else []
        # The window's query has no index condition, so the primary key is all it can use.
        # (Codes have no common ones: their index is read once.)
        parts = [(match.tier(rank, indexed=False), [Ticket.id > floor]),
                 (match.tier(rank), [Ticket.id <= floor])] \
            if floor is not None and match.kind == "text" else [(match.tier(rank), [])]
        for conditions, ids in parts:
            if len(items) > limit:
                break
            stmt = (select(Ticket).where(*conditions, *ids, *recent, *scoped)
                    .order_by(Ticket.id.desc()).limit(limit + 1 - len(items)))
            items.extend(session.scalars(stmt))
    return items[:limit], len(items) > limit, match.kind
