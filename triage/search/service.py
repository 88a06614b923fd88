"""Search that forgives: ticket text without case or diacritics, codes in part or typed with
spaces, best matches first.

Both sides are folded the same way. The query goes through the one normaliser
(``prepare``: NFC, legacy encodings decoded) and the place tokens' ``fold`` (lower case,
Vietnamese diacritics stripped, đ -> d). The stored text is folded in SQL by
``triage_fold(text)``: on SQLite that function *is* ``fold`` (registered on each
connection by ``triage.db``); on PostgreSQL it is ``lower(unaccent(text))``, defined with
a trigram index over it in the migration, and a test checks it folds every Vietnamese
letter as ``fold`` does. Codes are matched on their digits ("1022 202612 00042",
"202612-0004"), through a second trigram index on PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from triage.locations.tokens import fold
from triage.text.normalize import prepare
from triage.tickets.models import Ticket

# Digits, spaces, dots and dashes only, with at least this many digits: a code or part of one.
CODE_CHARS = re.compile(r"^[\d\s.\-]+$")
MIN_CODE_DIGITS = 4
# Counting every match of a common word on millions of tickets costs more than it tells.
COUNT_CAP = 1000


def fold_query(text: str) -> str:
    """The folded form of a search term: "  MỸ   HIỆP " -> "my hiep"."""
    return " ".join(fold(prepare(text)[0]).split())


def code_digits(text: str) -> str | None:
    """The digits of a term that can only be (part of) a ticket code, else None."""
    if not CODE_CHARS.match(text):
        return None
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) >= MIN_CODE_DIGITS else None


def _like(value: str) -> str:
    """A LIKE pattern that finds `value` anywhere, its wildcards taken literally."""
    return "%" + value.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"


@dataclass(frozen=True)
class Match:
    """Conditions a ticket must meet and the order of the results (best first)."""

    kind: str  # "code" or "text"
    conditions: tuple[Any, ...]
    order_by: tuple[Any, ...]


def matching(term: str) -> Match | None:
    """How `term` is searched, or None if nothing is left of it once folded."""
    digits = code_digits(term)
    if digits is not None:
        bare = func.replace(Ticket.code, "-", "")
        exact = case((bare == digits, 0), (bare.like("%" + digits), 1), else_=2)
        return Match("code", (bare.like(_like(digits), escape="\\"),),
                     (exact, Ticket.id.desc()))
    folded = fold_query(term)
    words = folded.split()
    if not words:
        return None
    text = func.triage_fold(Ticket.text)
    conditions = tuple(text.like(_like(word), escape="\\") for word in dict.fromkeys(words))
    # The words as one phrase rank above the words found apart.
    phrase = case((text.like(_like(folded), escape="\\"), 0), else_=1)
    return Match("text", conditions, (phrase, Ticket.id.desc()))


def search(session: Session, term: str, *, scope: Any = None, limit: int = 50,
           extra: Sequence[Any] = ()) -> tuple[list[Ticket], int, str]:
    """Tickets matching `term` (best first, at most `limit`), how many match (counted up
    to COUNT_CAP + 1) and how the term was read."""
    match = matching(term)
    if match is None:
        return [], 0, "text"
    where = [*match.conditions, *extra, *([] if scope is None else [scope])]
    items = list(session.scalars(select(Ticket).where(*where).order_by(*match.order_by)
                                 .limit(limit)))
    if len(items) < limit:
        return items, len(items), match.kind
    capped = select(Ticket.id).where(*where).limit(COUNT_CAP + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped)) or 0
    return items, int(total), match.kind
