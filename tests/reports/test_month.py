"""A constructed month: month edges in local time, deadlines in working days, and late
assignments counted for the agency that held them. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import reports as f
from triage.db import session_scope
from triage.reports import lateness
from triage.reports.service import Scope, iter_list
from triage.reports.summary import build_summary
from triage.tickets.period import Period

OCT, NOV = Period(2026, 10), Period(2026, 11)


def _codes(scope: Scope, key: str) -> list[str]:
    with session_scope() as s:
        return [r.code for r in iter_list(s, scope, key)]


def test_period_bounds_are_local_midnights_in_utc() -> None:
    assert OCT.start == datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    assert OCT.end == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert Period.previous_of(f.local(2026, 11, 1, 0, 20)) == OCT
    assert Period.previous_of(f.local(2026, 1, 1, 7, 0)) == Period(2025, 12)
    assert str(Period.parse("2026-10")) == "2026-10"
    for bad in ("2026-13", "2026-1", "26-10", "2026-10-01", "../2026"):
        with pytest.raises(ValueError):
            Period.parse(bad)


def test_last_minute_of_october_is_october_first_minute_of_november_is_november(
        database: str) -> None:
    with session_scope() as s:
        f.agencies(s)
        late_oct = f.ticket(s, f.local(2026, 10, 31, 23, 59, 59), flags=("tre_han",))
        first_nov = f.ticket(s, f.local(2026, 11, 1, 0, 0, 0), flags=("tre_han",))
        oct_code, nov_code = late_oct.code, first_nov.code
    # Stored in UTC: both fall on 31/10 UTC, yet belong to different local months.
    assert _codes(Scope(OCT), "tre_han") == [oct_code]
    assert _codes(Scope(NOV), "tre_han") == [nov_code]
    with session_scope() as s:
        assert build_summary(s, Scope(OCT)).totals.received == 1
        assert build_summary(s, Scope(NOV)).totals.received == 1
        assert build_summary(s, Scope(NOV)).previous.received == 1


def test_answer_exactly_at_deadline_is_on_time(database: str) -> None:
    due = f.local(2026, 10, 15, 17, 0)
    with session_scope() as s:
        f.agencies(s)
        on_time = f.ticket(s, f.local(2026, 10, 8, 9, 0))
        f.assign(s, on_time, "so-yt", f.local(2026, 10, 8, 10, 0), due, answered=due)
        one_second_late = f.ticket(s, f.local(2026, 10, 8, 9, 0))
        f.assign(s, one_second_late, "so-yt", f.local(2026, 10, 8, 10, 0), due,
                 answered=due + timedelta(seconds=1))
        late_code = one_second_late.code
    assert _codes(Scope(OCT), "tre_xu_ly") == [late_code]
    with session_scope() as s:
        (row,) = build_summary(s, Scope(OCT)).ranking
    assert (row.code, row.due, row.on_time, row.late) == ("so-yt", 2, 1, 1)
    assert lateness.days_late(due, due, OCT.end) == 0
    assert lateness.days_late(due, due + timedelta(seconds=1), OCT.end) == 1


def test_holidays_do_not_count_as_days_late(database: str) -> None:
    # Due Friday 13/2/2026; Tết closes 16-20/2, then a weekend: Monday 23/2 is one
    # working day late, not six (and not ten calendar days).
    due = f.local(2026, 2, 13, 17, 0)
    answered = f.local(2026, 2, 23, 9, 0)
    feb = Period(2026, 2)
    assert lateness.days_late(due, answered, feb.end) == 1
    assert lateness.days_late(due, f.local(2026, 2, 24, 9, 0), feb.end) == 2
    with session_scope() as s:
        f.agencies(s)
        t = f.ticket(s, f.local(2026, 2, 5, 9, 0))
        f.assign(s, t, "so-xd", f.local(2026, 2, 5, 10, 0), due, answered=answered)
    with session_scope() as s:
        (row,) = iter_list(s, Scope(feb), "tre_xu_ly")
    assert row.days_late == 1 and row.status == "Trả lời trễ hạn"


def test_unanswered_at_cutoff_counts_working_days_to_month_end(database: str) -> None:
    due = f.local(2026, 10, 26, 17, 0)  # Monday; 27-30/10 are working days
    with session_scope() as s:
        f.agencies(s)
        t = f.ticket(s, f.local(2026, 10, 19, 9, 0))
        # Answered after the month closed: the October report still shows it unanswered.
        f.assign(s, t, "so-yt", f.local(2026, 10, 19, 10, 0), due,
                 answered=f.local(2026, 11, 3, 9, 0))
    with session_scope() as s:
        (row,) = iter_list(s, Scope(OCT), "tre_xu_ly")
    assert (row.status, row.days_late, row.answered_at) == ("Quá hạn, chưa trả lời", 4, None)


def test_reassigned_ticket_is_late_for_the_agency_that_held_it(database: str) -> None:
    with session_scope() as s:
        f.agencies(s)
        t = f.ticket(s, f.local(2026, 10, 2, 9, 0))
        # so-xd held it past Friday 9/10 17:00 and handed it on Wednesday 14/10.
        f.assign(s, t, "so-xd", f.local(2026, 10, 2, 10, 0), f.local(2026, 10, 9, 17, 0),
                 ended=f.local(2026, 10, 14, 10, 0), reason="rerouted")
        f.assign(s, t, "so-yt", f.local(2026, 10, 14, 10, 0), f.local(2026, 10, 21, 17, 0),
                 answered=f.local(2026, 10, 20, 15, 0))
        # Handed on before its deadline: not judged for so-xd at all.
        early = f.ticket(s, f.local(2026, 10, 5, 9, 0))
        f.assign(s, early, "so-xd", f.local(2026, 10, 5, 10, 0), f.local(2026, 10, 12, 17, 0),
                 ended=f.local(2026, 10, 6, 10, 0), reason="rerouted")
        f.assign(s, early, "so-yt", f.local(2026, 10, 6, 10, 0), f.local(2026, 10, 13, 17, 0),
                 answered=f.local(2026, 10, 7, 10, 0))
        code = t.code
    with session_scope() as s:
        rows = list(iter_list(s, Scope(OCT), "tre_xu_ly"))
        ranking = {r.code: r for r in build_summary(s, Scope(OCT)).ranking}
        only_yt = list(iter_list(s, Scope(OCT, "so-yt"), "tre_xu_ly"))
    assert [(r.code, r.agency_code, r.days_late) for r in rows] == [(code, "so-xd", 3)]
    assert rows[0].status == "Quá hạn, đã chuyển đi"
    assert (ranking["so-xd"].due, ranking["so-xd"].late) == (1, 1)
    assert (ranking["so-yt"].due, ranking["so-yt"].late) == (2, 0)
    assert only_yt == []


def test_thai_do_praise_is_listed_apart_and_denouncer_phone_hidden(database: str) -> None:
    with session_scope() as s:
        f.agencies(s)
        bad = f.ticket(s, f.local(2026, 10, 3, 9, 0), flags=("thai_do",),
                       text="Cán bộ một cửa hách dịch, gây phiền hà.")
        good = f.ticket(s, f.local(2026, 10, 4, 9, 0), flags=("thai_do",),
                        text="Xin khen ngợi cán bộ một cửa đã hướng dẫn tận tình.")
        codes = bad.code, good.code
    with session_scope() as s:
        complaints = list(iter_list(s, Scope(OCT), "thai_do"))
        praise = list(iter_list(s, Scope(OCT), "khen"))
    assert [r.code for r in complaints] == [codes[0]]
    assert [r.code for r in praise] == [codes[1]]
    assert complaints[0].phone == "" and praise[0].phone == ""
