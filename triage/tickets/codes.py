"""Human ticket codes, one sequence per month: 1022-202611-00042."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from triage.settings import get_settings
from triage.tickets.models import CodeCounter
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
    return f"{get_settings().code_prefix}-{period}-{number:05d}"


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
