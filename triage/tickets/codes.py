"""Human ticket codes: one sequence per month and a check part, 1022-202611-00042-K7QM.

The number alone could be walked (00001, 00002, ...); the check part, four characters from an
HMAC of the rest under the deployment's secret, cannot be guessed, so a code works as a
receipt: only who was given it can follow the ticket without logging in. Codes handed out
before check parts existed stay as they were; their check part can be computed, and staff
may always type a code without it."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import ColumnElement, Engine, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from triage.settings import get_settings
from triage.tickets.models import CodeCounter, Ticket
from triage.tickets.service import local_tz


def code_period(when: datetime) -> str:
    """The month a ticket code counts in (local time): 202611."""
    return when.astimezone(local_tz()).strftime("%Y%m")


def next_code(session: Session, when: datetime) -> str:
    """Allocate the next code of the month.

    On PostgreSQL a sequence per month hands out numbers without locks (a failed
    submission leaves a gap, as sequences do); on SQLite, which has one writer at a time
    anyway, a counter row does the same."""
    period = code_period(when)
    if session.get_bind().dialect.name == "postgresql":
        number = _pg_next(session, period)
    else:
        number = _counter_next(session, period)
    return build_code(base_code(period, number))


# Crockford's base 32: no I, L, O or U, so a code read aloud or copied by hand survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_CHARS = 4
_CODE = re.compile(rf"^(?P<base>.+-\d{{6}}-\d{{5,}})(?:-(?P<check>[0-9A-Za-z]{{{CHECK_CHARS}}}))?$")
_SEPARATORS = re.compile(r"\s*[\s.\-]\s*")
_TYPOS = str.maketrans("OIL", "011")


def base_code(period: str, number: int) -> str:
    """The sequential part: 1022-202611-00042."""
    return f"{get_settings().code_prefix}-{period}-{number:05d}"


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    # A key of its own, so that the secret itself is used for nothing but deriving keys.
    return hmac.new(secret.encode(), b"ticket-code-check", hashlib.sha256).digest()


def check_part(base: str) -> str:
    """Four characters from HMAC-SHA256(key, base); each byte mod 32 is unbiased."""
    digest = hmac.new(_key(get_settings().secret_key), base.encode(), hashlib.sha256).digest()
    return "".join(ALPHABET[b % 32] for b in digest[:CHECK_CHARS])


def build_code(base: str) -> str:
    """The one builder of full codes (PostgreSQL's hot path computes the same thing in SQL:
    `check_sql`)."""
    return f"{base}-{check_part(base)}"


@dataclass(frozen=True)
class ParsedCode:
    base: str
    check: str | None

    @property
    def checked(self) -> bool:
        """True if the code carries the right check part."""
        return self.check is not None and hmac.compare_digest(self.check, check_part(self.base))


def parse_code(text: str) -> ParsedCode | None:
    """A typed code as base and check part, or None if it is not shaped like a code.
    Spaces, dots and dashes between the parts are all read as a dash; the check part is
    read in upper case with O, I and L as 0, 1 and 1, as Crockford's alphabet intends."""
    match = _CODE.match(_SEPARATORS.sub("-", text.strip()))
    if match is None:
        return None
    check = match["check"]
    return ParsedCode(match["base"], check.upper().translate(_TYPOS) if check else None)


def staff_condition(text: str) -> ColumnElement[bool]:
    """The tickets a code typed by staff names: exactly it, or, without its check part,
    the full code (or an old code that never had one)."""
    parsed = parse_code(text)
    stripped = text.strip()
    if parsed is None:
        return Ticket.code == stripped
    return Ticket.code.in_(sorted({stripped, parsed.base, build_code(parsed.base)}))


def public_codes(text: str) -> list[str]:
    """The stored codes a code given without login may name: none unless it carries its
    right check part; then the full code, or an old code stored without it. Unknown,
    unchecked and wrongly checked codes all come out alike."""
    parsed = parse_code(text)
    if parsed is None or not parsed.checked:
        return []
    return [build_code(parsed.base), parsed.base]


def public_condition(text: str) -> ColumnElement[bool] | None:
    """`public_codes` as a condition on tickets, or None when there are none."""
    codes = public_codes(text)
    return Ticket.code.in_(codes) if codes else None


def public_code(code: str) -> str:
    """The full code of a stored one: old codes get the check part they never stored."""
    parsed = parse_code(code)
    if parsed is None or parsed.check is not None:
        return code
    return build_code(parsed.base)


@lru_cache(maxsize=4)
def _pads(secret: str) -> tuple[bytes, bytes]:
    key = _key(secret).ljust(64, b"\0")  # SHA-256's block
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def digest_sql(base: str) -> str:
    """SQL for HMAC-SHA256 of the SQL expression `base` under the code key, spelled out
    with PostgreSQL's own sha256 and the pads from `check_params` (no extension needed)."""
    return (f"sha256(CAST(:code_opad AS bytea) || "
            f"sha256(CAST(:code_ipad AS bytea) || convert_to({base}, 'UTF8')))")


def check_sql(digest: str) -> str:
    """SQL for `check_part` from the SQL expression `digest` (see `digest_sql`)."""
    return " || ".join(f"substr(:code_alphabet, get_byte({digest}, {i}) % 32 + 1, 1)"
                       for i in range(CHECK_CHARS))


def check_params() -> dict[str, object]:
    ipad, opad = _pads(get_settings().secret_key)
    return {"code_ipad": ipad, "code_opad": opad, "code_alphabet": ALPHABET}


_KNOWN_SEQUENCES: set[str] = set()
# What PostgreSQL answers a CREATE SEQUENCE IF NOT EXISTS that raced another connection
# creating the same sequence: mostly a unique violation in its catalog, now and then
# "relation already exists". Both mean the sequence is there; the second used to reach a
# client of the month's first submissions (concurrent, on the synchronous path) as a 500.
CREATED_MEANWHILE = ("23505", "42P07")


def _pg_next(session: Session, period: str) -> int:
    name = pg_sequence(session.get_bind().engine, period)
    return int(session.execute(select(func.nextval(name))).scalar_one())


def known_pg_sequence(period: str) -> str | None:
    """The month's code sequence if this process already made sure it exists."""
    name = f"ticket_code_{period}"
    return name if name in _KNOWN_SEQUENCES else None


def pg_sequence(engine: Engine, period: str) -> str:
    """The month's code sequence, created on first use."""
    name = f"ticket_code_{period}"
    if name not in _KNOWN_SEQUENCES:
        # Created outside the request transaction, so concurrent first calls cannot
        # abort each other's submissions.
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            # Continue after any number a counter row already handed out this month.
            used = conn.execute(select(CodeCounter.last).where(CodeCounter.period == period))
            start = (used.scalar() or 0) + 1
            try:
                conn.exec_driver_sql(f"CREATE SEQUENCE IF NOT EXISTS {name} START WITH {start}")
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) not in CREATED_MEANWHILE:
                    raise
        _KNOWN_SEQUENCES.add(name)
    return name


def _counter_next(session: Session, period: str) -> int:
    stmt = (
        update(CodeCounter)
        .where(CodeCounter.period == period)
        .values(last=CodeCounter.last + 1)
        .returning(CodeCounter.last)
    )
    number = session.execute(stmt).scalar_one_or_none()
    if number is None:
        try:
            with session.begin_nested():
                session.add(CodeCounter(period=period, last=1))
            number = 1
        except IntegrityError:
            number = session.execute(stmt).scalar_one()
    return int(number)
