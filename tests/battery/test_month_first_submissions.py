"""Issue 14, point 7: the 500 that A4 once saw. The first submissions of a month in an API
process take the synchronous path, which creates the month's code sequence; when several
arrive at once, their CREATE SEQUENCE IF NOT EXISTS race, and PostgreSQL now and then
answers one of them "relation already exists" (about one racer in 500), which reached the
client as a 500 (A4's burst of 30/s on a fresh database made it likeliest there; a month
starting at midnight with every API process busy does it in production).

Here many rounds of concurrent first calls for a month's sequence, each round in a month
no process has seen, on real PostgreSQL, with a connection ready for each racer so that
they meet as the requests of a busy API process do (through `submit_fast`, whose own pool
checkout and pre-ping spread them out, 3,200 racers met too seldom to show it): none may
fail. Then the month's submissions, concurrent too, get distinct codes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import create_engine, select, text

from tests.conftest import run_together
from triage.db import get_engine, get_one_statement_sessionmaker
from triage.intake import service
from triage.intake.schemas import ComplaintIn
from triage.tickets.codes import code_period, pg_sequence
from triage.tickets.models import Ticket

ROUNDS = 600  # before the fix a race was lost about every 150 rounds of 16 (4 of 4 runs failed)
RACERS = 16
FIRST_YEAR = 2301  # months nobody submits in, so each round creates a new sequence


def month(round_: int) -> datetime:
    # The 15th at noon UTC: the same month in the service's local time zone.
    return datetime(FIRST_YEAR + round_ // 12, round_ % 12 + 1, 15, 12, tzinfo=UTC)


def submit_in(now: datetime) -> None:
    session = get_one_statement_sessionmaker()()
    try:
        service.submit_fast(session, ComplaintIn(text="Đèn đường hẻm 5 hư", channel="web"),
                            actor="battery", now=now)
    finally:
        session.close()


def test_concurrent_first_calls_of_a_month_all_succeed(pg: str) -> None:
    engine = create_engine(get_engine().url, pool_size=RACERS, max_overflow=0)
    run_together(lambda: engine.connect().close(), RACERS, 60)  # one connection per racer
    failures: list[str] = []
    try:
        for round_ in range(ROUNDS):
            period = code_period(month(round_))
            errors = run_together(lambda p=period: pg_sequence(engine, p), RACERS, 60)
            failures += [f"{type(e).__name__}: {str(e)[:120]}" for e in errors]
        errors = run_together(lambda: submit_in(month(0)), RACERS, 60)
        failures += [f"{type(e).__name__}: {str(e)[:120]}" for e in errors]
        with get_engine().connect() as conn:
            codes = conn.scalars(select(Ticket.code)).all()
    finally:
        engine.dispose()
        with get_engine().begin() as conn:
            for round_ in range(ROUNDS):
                conn.execute(text(f"DROP SEQUENCE IF EXISTS ticket_code_{month(round_):%Y%m}"))
    assert failures == [], failures[:3]
    assert len(codes) == len(set(codes)) == RACERS
