"""The dashboard's figures at scale are computed differently (one scan per table, days
counted by the database, months that are over kept for a while); they stay the figures
of the tickets and assignments. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.factories import reports as f
from triage.db import session_scope
from triage.reports import dashboard as board
from triage.reports.service import Scope
from triage.tickets.period import Period
from triage.web.supervisor import DAYS, daily

JAN = Period(2027, 1)
NOW = f.local(2027, 1, 20, 10, 0)


def _december(s: Session) -> None:
    """so-yt in December 2026: one answered on time, one late, one flagged tre_han."""
    f.agencies(s)
    on_time = f.ticket(s, f.local(2026, 12, 1, 9))
    f.assign(s, on_time, "so-yt", f.local(2026, 12, 1, 10),
             f.local(2026, 12, 3, 17), answered=f.local(2026, 12, 2, 15))
    late = f.ticket(s, f.local(2026, 12, 10, 9), flags=("tre_han",))
    f.assign(s, late, "so-yt", f.local(2026, 12, 10, 10),
             f.local(2026, 12, 14, 17))


def _month(data: dict[str, object], period: str) -> dict[str, object]:
    trend = data["trend"]
    assert isinstance(trend, list)
    return next(m for m in trend if m["period"] == period)


def test_a_month_that_is_over_counts_a_ticket_added_since(database: str) -> None:
    with session_scope() as s:
        _december(s)
    with session_scope() as s:
        first = _month(board.dashboard(s, board.Filters(JAN), NOW), "2026-12")
    assert (first["received"], first["due"], first["late"]) == (2, 2, 1)
    with session_scope() as s:  # imported late: received and due in December
        old = f.ticket(s, f.local(2026, 12, 20, 9))
        f.assign(s, old, "so-yt", f.local(2026, 12, 20, 10), f.local(2026, 12, 23, 17))
    with session_scope() as s:
        again = _month(board.dashboard(s, board.Filters(JAN), NOW), "2026-12")
        alone = board.dashboard(s, board.Filters(Period(2026, 12)), NOW)
    assert (again["received"], again["due"], again["late"]) == (3, 3, 2)
    assert alone["on_time"] == {k: again[k] for k in ("due", "on_time", "late", "rate")}
    counts = alone["counts"]
    assert isinstance(counts, dict) and counts["received"] == 3


def test_counts_of_the_month_by_status_topic_and_flag(database: str) -> None:
    with session_scope() as s:
        _december(s)
        f.ticket(s, f.local(2026, 12, 11, 9), topic="giao_duc", status="closed")
        f.ticket(s, f.local(2027, 1, 1, 0, 30), topic="giao_duc")  # January, local time
    with session_scope() as s:
        counts = board.counts(s, board.Filters(Period(2026, 12)))
    assert (counts["received"], counts["tre_han"], counts["thai_do"]) == (3, 1, 0)
    assert [(r["status"], r["count"]) for r in counts["by_status"]] == [
        ("closed", 1), ("routed", 2)]
    assert [(r["topic"], r["count"]) for r in counts["by_topic"]] == [
        ("y_te", 2), ("giao_duc", 1)]


def test_daily_chart_counts_by_local_day(database: str) -> None:
    with session_scope() as s:
        f.agencies(s)
        f.ticket(s, f.local(2027, 1, 19, 23, 59))  # 16:59 UTC, still the 19th here
        f.ticket(s, f.local(2027, 1, 20, 0, 1), resolved=f.local(2027, 1, 20, 9))
        f.ticket(s, f.local(2026, 12, 21, 23, 0), resolved=f.local(2027, 1, 19, 23, 30))
        f.ticket(s, f.local(2026, 12, 20, 23, 59))  # the day before the first one shown
    with session_scope() as s:
        labels, received, answered = daily(s, board.Filters(JAN), NOW)
    assert len(labels) == DAYS and labels[0] == "22/12" and labels[-1] == "20/01"
    days = dict(zip(labels, zip(received, answered, strict=True), strict=True))
    assert days["19/01"] == (1, 1) and days["20/01"] == (1, 1)
    assert sum(received) == 2 and sum(answered) == 2


def test_daily_chart_puts_a_ticket_at_midnight_on_the_day_it_opens(database: str) -> None:
    """Days are counted by binary search on PostgreSQL (width_bucket), by a CASE on
    SQLite: a moment equal to a day's end belongs to the next day on both."""
    with session_scope() as s:
        f.agencies(s)
        for day in (22, 23, 31):  # the first day shown opens at 22/12 00:00
            f.ticket(s, f.local(2026, 12, day, 0, 0))
        f.ticket(s, f.local(2027, 1, 20, 0, 0), resolved=f.local(2027, 1, 19, 0, 0))
    with session_scope() as s:
        labels, received, answered = daily(s, board.Filters(JAN), NOW)
    days = dict(zip(labels, zip(received, answered, strict=True), strict=True))
    assert {d: n for d, n in days.items() if n != (0, 0)} == {
        "22/12": (1, 0), "23/12": (1, 0), "31/12": (1, 0), "19/01": (0, 1), "20/01": (1, 0)}


def test_todays_intake_does_not_recount_the_months_over(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    counted: list[tuple[Period, Period]] = []
    between = board._between

    def spy(session: Session, scope: Scope, first: Period, last: Period,
            topic: str | None) -> dict[Period, tuple[int, int, int]]:
        counted.append((first, last))
        return between(session, scope, first, last, topic)

    monkeypatch.setattr(board, "_between", spy)
    with session_scope() as s:
        _december(s)
    with session_scope() as s:
        board.dashboard(s, board.Filters(JAN), NOW)
    with session_scope() as s:  # January's intake: the months over stay as counted
        new = f.ticket(s, f.local(2027, 1, 20, 9))
        f.assign(s, new, "so-yt", f.local(2027, 1, 20, 9, 30), f.local(2027, 1, 23, 17))
    with session_scope() as s:
        data = board.dashboard(s, board.Filters(JAN), NOW)
    assert counted == [(Period(2026, 2), Period(2026, 12))]
    assert _month(data, "2027-01")["received"] == 1
    with session_scope() as s:  # one received in December: counted again
        f.ticket(s, f.local(2026, 12, 30, 9))
    with session_scope() as s:
        data = board.dashboard(s, board.Filters(JAN), NOW)
    assert len(counted) == 2 and _month(data, "2026-12")["received"] == 3
